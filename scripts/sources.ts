/**
 * `npm run sources -- <command>`: manage the sources (integrators) that may send `POST /events`.
 *
 * Against the local twin by default (its endpoints from `GET /_local/health` on
 * `http://127.0.0.1:${PORT:-3000}`, local credentials); against a deployed stage with `--stage dev|prod`
 * (table and KMS key from the stateful stack's outputs, ordinary AWS credentials). `create` and `rotate`
 * print the new secret or key once: nothing can show it again. Intake reads a source through a one-minute
 * cache, so a retired secret or key, a new rate limit or a revocation takes effect within a minute.
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KMSClient } from '@aws-sdk/client-kms';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import { createReboundClient } from '../events/client.ts';
import { JobEventInputSchema } from '../events/job-event.ts';
import { LOCAL_NAMES, REGION } from '../infra/local/wiring.ts';
import { manageSourcesDependencies } from '../shared/adapters/compose.ts';
import type { SourceSummary } from '../shared/domain/sources.ts';
import { ReboundError } from '../shared/errors.ts';
import {
  createSource,
  listSources,
  type ManageSourcesDeps,
  retireApiKey,
  retireSecret,
  revokeSource,
  rotateApiKey,
  rotateSecret,
  setRateLimit,
} from '../shared/use-cases/manage-sources.ts';

const USAGE = `Usage: npm run sources -- <command> [options]

Commands:
  create <sourceId> --name <name> [--api-key] [--per-second N] [--burst N]
                                 a source with a webhook secret (and an API key); prints them once
  list                           every source, its secrets' ids and keys' prefixes (never a secret)
  rotate <sourceId>              add a second webhook secret; both verify until retire-secret
  rotate <sourceId> --api-key    add a second API key (or a first); both work until retire-key
  retire-secret <sourceId>       remove the older of two webhook secrets (stops verifying within a minute)
  retire-key <sourceId>          remove the older of two API keys (stops working within a minute)
  rate-limit <sourceId> --per-second N --burst N
                                 change the rate limit; intake applies it within a minute
  revoke <sourceId>              refuse the source's requests from now on (401 revoked_source)
  send <sourceId> (--secret whsec_… | --key rbk_…) [--file event.json]
                                 post an event signed with the typed client (default: a fixture)

Options:
  --stage dev|prod   a deployed stage (AWS credentials and region from your environment); default: the twin
  --region <region>  the stage's region, if not your default
  --json             machine-readable output
`;

class UsageError extends Error {}

function parseCommandLine() {
  try {
    return parseArgs({
      allowPositionals: true,
      options: {
        name: { type: 'string' },
        'api-key': { type: 'boolean', default: false },
        'per-second': { type: 'string' },
        burst: { type: 'string' },
        secret: { type: 'string' },
        key: { type: 'string' },
        file: { type: 'string' },
        stage: { type: 'string' },
        region: { type: 'string' },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}

type CommandLine = ReturnType<typeof parseCommandLine>;

interface Target {
  readonly deps: ManageSourcesDeps;
  readonly apiUrl: () => Promise<string>;
  readonly describe: string;
}

const TwinHealthSchema = z.object({
  status: z.literal('ok'),
  urls: z.object({ api: z.string(), dynamodb: z.string(), kms: z.string() }),
  kmsKeyId: z.string().min(1),
});

/** The twin: its emulators straight (not through the handlers' metering proxies), local credentials. */
async function twinTarget(): Promise<Target> {
  const base = `http://127.0.0.1:${process.env.PORT ?? '3000'}`;
  let health: z.infer<typeof TwinHealthSchema>;
  try {
    const response = await fetch(`${base}/_local/health`);
    const parsed = TwinHealthSchema.safeParse(await response.json());
    if (!parsed.success)
      throw new Error(
        `${base}/_local/health does not name the KMS emulator and key (urls.kms, kmsKeyId): ${parsed.error.issues
          .map((i) => i.path.join('.'))
          .join(', ')}`,
      );
    health = parsed.data;
  } catch (error) {
    if (error instanceof TypeError)
      throw new Error(`No local twin answers on ${base}: start it with npm start (or pass --stage dev)`);
    throw error;
  }
  const local = { region: REGION, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } };
  const documentClient = DynamoDBDocumentClient.from(
    new DynamoDBClient({ ...local, endpoint: health.urls.dynamodb }),
    { marshallOptions: { removeUndefinedValues: true } },
  );
  const kms = new KMSClient({ ...local, endpoint: health.urls.kms });
  return {
    deps: manageSourcesDependencies(
      { TABLE_NAME: LOCAL_NAMES.table, KMS_KEY_ID: health.kmsKeyId },
      { documentClient, kms },
    ),
    apiUrl: async () => health.urls.api,
    describe: `the local twin (${health.urls.api})`,
  };
}

/** A deployed stage: names from the stacks' outputs, the caller's own AWS credentials. */
async function stageTarget(stage: string, region: string | undefined): Promise<Target> {
  // Loaded only here: the stage helpers pull in the CDK library, which the twin path does not need.
  const { STAGE_NAMES, stackName } = await import('../infra/stages.ts');
  if (!(STAGE_NAMES as readonly string[]).includes(stage))
    throw new UsageError(`--stage must be one of ${STAGE_NAMES.join(', ')}`);
  const name = (part: 'Stateful' | 'Stateless') => stackName(stage as (typeof STAGE_NAMES)[number], part);
  const clientConfig = region ? { region } : {};
  const cloudFormation = new CloudFormationClient(clientConfig);
  const outputs = async (stack: string) => {
    const res = await cloudFormation.send(new DescribeStacksCommand({ StackName: stack }));
    const found = new Map<string, string>();
    for (const o of res.Stacks?.[0]?.Outputs ?? [])
      if (o.OutputKey && o.OutputValue) found.set(o.OutputKey, o.OutputValue);
    return found;
  };
  const stateful = await outputs(name('Stateful'));
  const output = (key: string) => {
    const value = stateful.get(key);
    if (!value) throw new Error(`Stack ${name('Stateful')} has no output ${key}: deploy the current version`);
    return value;
  };
  return {
    deps: manageSourcesDependencies(
      { TABLE_NAME: output('TableName'), KMS_KEY_ID: output('SourcesKeyArn') },
      {
        documentClient: DynamoDBDocumentClient.from(new DynamoDBClient(clientConfig), {
          marshallOptions: { removeUndefinedValues: true },
        }),
        kms: new KMSClient(clientConfig),
      },
    ),
    apiUrl: async () => {
      const url = (await outputs(name('Stateless'))).get('ApiUrl');
      if (!url) throw new Error(`Stack ${name('Stateless')} has no output ApiUrl`);
      return url;
    },
    describe: `stage ${stage}`,
  };
}

function sourceIdArgument({ positionals }: CommandLine): string {
  const sourceId = positionals[1];
  if (!sourceId) throw new UsageError(`${positionals[0]} needs a source id`);
  return sourceId;
}

function wholeNumber(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n)) throw new UsageError(`--${flag} must be a whole number`);
  return n;
}

function describeSource(s: SourceSummary): string {
  const secrets = s.webhookSecrets.map((x) => `${x.id} (${x.createdAt})`).join(', ');
  return [
    `${s.sourceId}  "${s.name}"  ${s.status}${s.revokedAt ? ` since ${s.revokedAt}` : ''}`,
    `  created ${s.createdAt}; limit ${s.rateLimit.perSecond}/s, bursts of ${s.rateLimit.burst}`,
    `  webhook secrets: ${secrets || 'none'}`,
    `  API keys: ${s.apiKeys.map((k) => `${k.prefix}… (${k.createdAt})`).join(', ') || 'none'}`,
  ].join('\n');
}

const ONCE = 'Shown once: store it now (a secrets manager, not a chat or a ticket).';

async function run(commandLine: CommandLine): Promise<unknown> {
  const { values: options, positionals } = commandLine;
  const command = positionals[0];
  if (options.help || !command) {
    console.log(USAGE);
    return undefined;
  }
  const target = options.stage ? await stageTarget(options.stage, options.region) : await twinTarget();
  const { deps } = target;
  const say = (text: string) => {
    if (!options.json) console.log(text);
  };
  switch (command) {
    case 'create': {
      if (!options.name) throw new UsageError('create needs --name');
      const perSecond = wholeNumber('per-second', options['per-second']);
      const burst = wholeNumber('burst', options.burst);
      const issued = await createSource(
        {
          sourceId: sourceIdArgument(commandLine),
          name: options.name,
          apiKey: options['api-key'],
          ...(perSecond !== undefined || burst !== undefined
            ? { rateLimit: { perSecond: perSecond ?? 50, burst: burst ?? Math.max(100, perSecond ?? 50) } }
            : {}),
        },
        deps,
      );
      say(`Created on ${target.describe}:\n${describeSource(issued.source)}\n`);
      say(`Webhook secret: ${issued.webhookSecret}`);
      if (issued.apiKey) say(`API key:        ${issued.apiKey}`);
      say(`${ONCE}\nSign requests to POST /events?source=${issued.source.sourceId} (docs/integrations.md).`);
      return issued;
    }
    case 'list': {
      const sources = await listSources(deps);
      say(sources.length ? sources.map(describeSource).join('\n\n') : `No sources on ${target.describe}.`);
      return sources;
    }
    case 'rotate': {
      const sourceId = sourceIdArgument(commandLine);
      if (options['api-key']) {
        const rotated = await rotateApiKey(sourceId, deps);
        say(`New API key of ${sourceId} (${rotated.prefix}…): ${rotated.apiKey}\n${ONCE}`);
        if (rotated.source.apiKeys.length > 1)
          say(
            `Old and new both work. Once the integrator sends the new one: npm run sources -- retire-key ${sourceId}`,
          );
        return rotated;
      }
      const rotated = await rotateSecret(sourceId, deps);
      say(`New webhook secret of ${sourceId} (${rotated.secretId}): ${rotated.webhookSecret}\n${ONCE}`);
      say(
        `Old and new both verify. Once the sender signs with the new one: npm run sources -- retire-secret ${sourceId}`,
      );
      return rotated;
    }
    case 'retire-secret': {
      const retired = await retireSecret(sourceIdArgument(commandLine), deps);
      say(
        `Retired ${retired.retiredSecretId}; it stops verifying within a minute.\n${describeSource(retired.source)}`,
      );
      return retired;
    }
    case 'retire-key': {
      const retired = await retireApiKey(sourceIdArgument(commandLine), deps);
      say(
        `Retired API key ${retired.retiredPrefix}…; it stops working within a minute.\n${describeSource(retired.source)}`,
      );
      return retired;
    }
    case 'rate-limit': {
      const sourceId = sourceIdArgument(commandLine);
      const perSecond = wholeNumber('per-second', options['per-second']);
      const burst = wholeNumber('burst', options.burst);
      if (perSecond === undefined || burst === undefined)
        throw new UsageError('rate-limit needs --per-second N and --burst N');
      const source = await setRateLimit(sourceId, { perSecond, burst }, deps);
      say(`Rate limit changed; intake applies it within a minute.\n${describeSource(source)}`);
      return source;
    }
    case 'revoke': {
      const source = await revokeSource(sourceIdArgument(commandLine), deps);
      say(`Revoked; requests are refused (401 revoked_source) within a minute.\n${describeSource(source)}`);
      return source;
    }
    case 'send': {
      const sourceId = sourceIdArgument(commandLine);
      // The default test event is the fixture without its fixed `occurredAt`, which intake would refuse once it
      // is more than 365 days old: it happens now.
      const body = options.file
        ? await readFile(options.file, 'utf8')
        : JSON.stringify({
            ...JSON.parse(
              await readFile(
                new URL('../events/fixtures/application.submitted.json', import.meta.url),
                'utf8',
              ),
            ),
            occurredAt: undefined,
          });
      JobEventInputSchema.parse(JSON.parse(body));
      const baseUrl = await target.apiUrl();
      if (!options.secret && !options.key) throw new UsageError('send needs --secret whsec_… or --key rbk_…');
      const client = options.secret
        ? createReboundClient({ baseUrl, sourceId, webhookSecret: options.secret })
        : createReboundClient({ baseUrl, apiKey: options.key ?? '' });
      const result = await client.postBody(body);
      say(
        result.ok
          ? `202 ${result.eventId}${result.duplicate ? ' (duplicate)' : ''}`
          : `${result.status} ${JSON.stringify(result.body)}`,
      );
      if (!result.ok) process.exitCode = 1;
      return result;
    }
    default:
      throw new UsageError(`Unknown command "${command}"`);
  }
}

try {
  const commandLine = parseCommandLine();
  const result = await run(commandLine);
  if (commandLine.values.json && result !== undefined) console.log(JSON.stringify(result, null, 2));
} catch (error) {
  if (error instanceof UsageError) {
    console.error(`${error.message}\n\n${USAGE}`);
    process.exitCode = 2;
  } else if (error instanceof ReboundError || error instanceof Error) {
    console.error(error.message);
    process.exitCode = 1;
  } else {
    throw error;
  }
}
