/**
 * Bundle bench (`npm run bench:bundles`): builds every Lambda with the exact esbuild settings CDK uses
 * (`ESBUILD_SETTINGS` from `infra/constructs/`), then reports per bundle
 *  - the minified size (budget: 300 KB),
 *  - the cold module-init time: `import()` of the bundle + the first `handler` call, in a fresh `node`
 *    process, median of 5 runs,
 *  - both as a ratio to a bundle that holds a single AWS SDK client (DynamoDBClient + GetItem).
 *
 * The first call goes to a local stub that answers every AWS request with a non-retryable 400, so it times
 * client construction, signing, one round trip and error handling, never the network or retry back-off.
 * Node runs with `--enable-source-maps`, as on Lambda.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { ESBUILD_SETTINGS, entryFor, REPO_ROOT } from '../infra/constructs/esbuild-settings.ts';

const FUNCTIONS = ['ingest', 'planner', 'sender', 'reconciler', 'links', 'admin'] as const;
const BASELINE = 'baseline-one-client';
const BUDGET_BYTES = 300 * 1024;
const RUNS = 5;
const OUT = join(REPO_ROOT, '.bench', 'bundles');

const run = promisify(execFile);
const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] ?? 0) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
};

async function bundle(
  name: string,
  entry: string,
): Promise<{ file: string; bytes: number; gzipBytes: number; top: string[] }> {
  const outfile = join(OUT, name, 'index.mjs');
  const result = await build({
    absWorkingDir: REPO_ROOT,
    entryPoints: [entry],
    bundle: true,
    outfile,
    platform: ESBUILD_SETTINGS.platform,
    format: ESBUILD_SETTINGS.format,
    target: ESBUILD_SETTINGS.target,
    minify: ESBUILD_SETTINGS.minify,
    sourcemap: ESBUILD_SETTINGS.sourcemap,
    sourcesContent: ESBUILD_SETTINGS.sourcesContent,
    mainFields: [...ESBUILD_SETTINGS.mainFields],
    banner: { js: ESBUILD_SETTINGS.banner },
    external: [...ESBUILD_SETTINGS.external],
    metafile: true,
    logLevel: 'error',
  });
  // Biggest contributors by package, to show where a miss comes from.
  const byPackage = new Map<string, number>();
  const output = Object.values(result.metafile.outputs).find((o) => o.entryPoint !== undefined);
  for (const [path, info] of Object.entries(output?.inputs ?? {})) {
    const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);
    const pkg = match?.[1] ?? '(project)';
    byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + info.bytesInOutput);
  }
  const top = [...byPackage.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 5)
    .map(([pkg, bytes]) => `${pkg} ${kb(bytes)}`);
  // gzip ≈ what the deployment zip costs; the budget applies to the minified file Node has to parse.
  return {
    file: outfile,
    bytes: statSync(outfile).size,
    gzipBytes: gzipSync(readFileSync(outfile)).length,
    top,
  };
}

/** A stand-in for every AWS endpoint: a non-retryable ValidationException, immediately. */
async function startAwsStub(): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(400, { 'content-type': 'application/json', 'x-amzn-errortype': 'ValidationException' });
      res.end(JSON.stringify({ __type: 'ValidationException', message: 'bench stub' }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

/** DynamoDB JSON for a plain value (just enough for the planner's stream image). */
function toAttr(value: unknown): Record<string, unknown> {
  if (value === null || value === undefined) return { NULL: true };
  if (typeof value === 'string') return { S: value };
  if (typeof value === 'number') return { N: String(value) };
  if (typeof value === 'boolean') return { BOOL: value };
  if (Array.isArray(value)) return { L: value.map(toAttr) };
  return { M: Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toAttr(v)])) };
}

function httpGet(path: string, routeKey: string): unknown {
  return {
    version: '2.0',
    routeKey,
    rawPath: path,
    rawQueryString: '',
    headers: { host: 'bench.example.com' },
    requestContext: {
      http: { method: 'GET', path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'bench' },
      requestId: 'bench',
      routeKey,
      stage: '$default',
      timeEpoch: 0,
    },
    isBase64Encoded: false,
  };
}

function fakeEvents(): Record<string, unknown> {
  const jobEvent = JSON.parse(
    readFileSync(join(REPO_ROOT, 'events/fixtures/application.submitted.json'), 'utf8'),
  );
  const userId = `u_${'a'.repeat(24)}`;
  const stored = {
    pk: `USER#${userId}`,
    sk: `EVENT#${jobEvent.id}`,
    type: 'event',
    eventId: jobEvent.id,
    userId,
    receivedAt: '2026-03-10T14:00:01.000Z',
    occurredAt: '2026-03-10T14:00:00.000Z',
    contentHash: 'bench',
    event: jobEvent,
  };
  return {
    ingest: {
      version: '2.0',
      routeKey: 'POST /events',
      rawPath: '/events',
      rawQueryString: '',
      headers: { 'content-type': 'application/json' },
      requestContext: {
        http: {
          method: 'POST',
          path: '/events',
          protocol: 'HTTP/1.1',
          sourceIp: '127.0.0.1',
          userAgent: 'bench',
        },
        requestId: 'bench',
        routeKey: 'POST /events',
        stage: '$default',
        timeEpoch: 0,
      },
      body: JSON.stringify(jobEvent),
      isBase64Encoded: false,
    },
    planner: {
      Records: [
        {
          eventID: '1',
          eventName: 'INSERT',
          eventSource: 'aws:dynamodb',
          eventVersion: '1.1',
          awsRegion: 'us-east-1',
          eventSourceARN:
            'arn:aws:dynamodb:us-east-1:123456789012:table/bench/stream/2026-01-01T00:00:00.000',
          dynamodb: {
            Keys: { pk: toAttr(stored.pk), sk: toAttr(stored.sk) },
            NewImage: (toAttr(stored) as { M: unknown }).M,
            SequenceNumber: '100',
            SizeBytes: 1,
            StreamViewType: 'NEW_AND_OLD_IMAGES',
          },
        },
      ],
    },
    sender: { userId, reminderId: `r_${'b'.repeat(30)}` },
    // A link without its token: the 400 page (verifies nothing, reads nothing).
    links: httpGet('/links/confirm', 'GET /links/{action}'),
    // A page without a session: the redirect to sign-in (no AWS call; the JWKS is fetched on first verify).
    admin: httpGet('/admin/upcoming', 'ANY /admin/{proxy+}'),
    reconciler: {},
    [BASELINE]: {},
  };
}

const RUNNER = `
const t0 = performance.now();
const mod = await import(process.argv[2]);
const t1 = performance.now();
const context = { functionName: 'bench', functionVersion: '$LATEST', awsRequestId: 'bench', memoryLimitInMB: '512',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:bench', logGroupName: 'bench', logStreamName: 'bench',
  callbackWaitsForEmptyEventLoop: true, getRemainingTimeInMillis: () => 30000, done() {}, fail() {}, succeed() {} };
let outcome = 'ok';
try { await mod.handler(JSON.parse(process.env.BENCH_EVENT), context); } catch (e) { outcome = 'threw ' + (e?.name ?? 'error'); }
const t2 = performance.now();
process.stdout.write('\\nBENCH_RESULT ' + JSON.stringify({ importMs: t1 - t0, invokeMs: t2 - t1, outcome }) + '\\n');
process.exit(0);
`;

interface Timing {
  importMs: number;
  invokeMs: number;
  totalMs: number;
  outcome: string;
}

async function coldStart(file: string, event: unknown, endpoint: string): Promise<Timing> {
  const runner = join(OUT, 'runner.mjs');
  const runs: Array<{ importMs: number; invokeMs: number; outcome: string }> = [];
  for (let i = 0; i < RUNS; i++) {
    // Asynchronous on purpose: the AWS stub answers from this process's event loop.
    const child = await run(process.execPath, ['--enable-source-maps', runner, file], {
      encoding: 'utf8',
      timeout: 60_000,
      env: {
        PATH: process.env.PATH,
        AWS_REGION: 'us-east-1',
        AWS_ACCESS_KEY_ID: 'bench',
        AWS_SECRET_ACCESS_KEY: 'bench',
        AWS_ENDPOINT_URL: endpoint,
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        TABLE_NAME: 'bench-table',
        // Intake opens sources' secrets with KMS; the links in emails are signed from a Secrets Manager key ring.
        KMS_KEY_ID: 'alias/bench-sources',
        PUBLIC_BASE_URL: 'https://links.example.com',
        LINK_KEYS_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:bench-link-keys',
        SCHEDULE_GROUP: 'rebound',
        SENDER_FUNCTION_ARN: 'arn:aws:lambda:us-east-1:123456789012:function:bench-sender',
        SCHEDULER_ROLE_ARN: 'arn:aws:iam::123456789012:role/bench-scheduler',
        SCHEDULER_DLQ_ARN: 'arn:aws:sqs:us-east-1:123456789012:bench-dlq',
        MAIL_FROM: 'reminders@example.com',
        SES_CONFIGURATION_SET: 'bench',
        RECONCILE_AFTER_MINUTES: '5',
        // The admin view: a Cognito-shaped issuer, its app client, the audit table and the DLQs.
        AUDIT_TABLE_NAME: 'bench-audit',
        ADMIN_BASE_URL: 'https://admin.example.com',
        ADMIN_ISSUER: 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_bench',
        ADMIN_JWKS_URL: 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_bench/.well-known/jwks.json',
        ADMIN_CLIENT_ID: 'bench-client',
        ADMIN_AUTHORIZE_URL: 'https://bench.auth.us-east-1.amazoncognito.com/oauth2/authorize',
        ADMIN_TOKEN_URL: 'https://bench.auth.us-east-1.amazoncognito.com/oauth2/token',
        DEAD_LETTER_QUEUES: 'stream=https://sqs.us-east-1.amazonaws.com/123456789012/bench-stream-dlq',
        POWERTOOLS_SERVICE_NAME: 'rebound',
        POWERTOOLS_LOG_LEVEL: 'SILENT',
        BENCH_EVENT: JSON.stringify(event),
      },
    });
    const line = child.stdout.split('\n').find((l) => l.startsWith('BENCH_RESULT '));
    if (!line) throw new Error(`No result from ${file}: ${child.stderr.slice(0, 2000)}`);
    runs.push(JSON.parse(line.slice('BENCH_RESULT '.length)));
  }
  return {
    importMs: median(runs.map((r) => r.importMs)),
    invokeMs: median(runs.map((r) => r.invokeMs)),
    totalMs: median(runs.map((r) => r.importMs + r.invokeMs)),
    outcome: runs[0]?.outcome ?? '',
  };
}

async function main(): Promise<void> {
  rmSync(OUT, { recursive: true, force: true });
  mkdirSync(OUT, { recursive: true });
  writeFileSync(join(OUT, 'runner.mjs'), RUNNER);
  // Inside the repo so esbuild resolves `@aws-sdk/*` from our node_modules (`.bench/` is git-ignored).
  const baselineEntry = join(OUT, 'baseline-entry.mjs');
  writeFileSync(
    baselineEntry,
    [
      "import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';",
      'const client = new DynamoDBClient({});',
      "export const handler = () => client.send(new GetItemCommand({ TableName: 'bench', Key: { pk: { S: 'x' } } }));",
    ].join('\n'),
  );

  const events = fakeEvents();
  const { server, url } = await startAwsStub();
  try {
    const base = await bundle(BASELINE, baselineEntry);
    const baseTime = await coldStart(base.file, events[BASELINE], url);
    const rows: Array<Record<string, string>> = [];
    const misses: string[] = [];
    const tops: string[] = [];
    for (const name of [...FUNCTIONS, BASELINE] as const) {
      const b = name === BASELINE ? base : await bundle(name, entryFor(name));
      const t = name === BASELINE ? baseTime : await coldStart(b.file, events[name], url);
      if (b.bytes > BUDGET_BYTES) misses.push(`${name} (${kb(b.bytes)}, ${kb(b.bytes - BUDGET_BYTES)} over)`);
      if (name !== BASELINE) tops.push(`  ${name.padEnd(11)} ${b.top.join(', ')}`);
      rows.push({
        bundle: name,
        size: kb(b.bytes),
        gzip: kb(b.gzipBytes),
        'x size': (b.bytes / base.bytes).toFixed(2),
        'import ms': t.importMs.toFixed(0),
        '1st invoke ms': t.invokeMs.toFixed(0),
        'init ms': t.totalMs.toFixed(0),
        'x init': (t.totalMs / baseTime.totalMs).toFixed(2),
        budget: b.bytes <= BUDGET_BYTES ? 'ok' : 'MISS',
        '1st invoke': t.outcome,
      });
    }
    console.log(`esbuild ${JSON.stringify({ ...ESBUILD_SETTINGS, banner: '<createRequire>' })}`);
    console.log(`cold init = import() + first handler call, median of ${RUNS} fresh node processes\n`);
    console.table(rows);
    console.log('\nLargest packages per bundle:');
    console.log(tops.join('\n'));
    console.log(
      misses.length === 0
        ? `\nAll bundles within the ${kb(BUDGET_BYTES)} budget.`
        : `\nOver the ${kb(BUDGET_BYTES)} budget: ${misses.join('; ')}`,
    );
  } finally {
    server.close();
  }
}

await main();
