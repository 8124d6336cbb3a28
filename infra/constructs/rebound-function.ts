import { Duration, type RemovalPolicy, Stack } from 'aws-cdk-lib';
import type { Alarm, IAlarmAction } from 'aws-cdk-lib/aws-cloudwatch';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime } from 'aws-cdk-lib/aws-lambda';
import { type BundlingOptions, LogLevel, NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { keys } from '../../shared/adapters/dynamodb-store.ts';
import { rateKeys } from '../../shared/adapters/rate-limiter.ts';
import { sourceKeys } from '../../shared/adapters/source-store.ts';
import { type EnvironmentOf, environmentFor, type FunctionName } from '../../shared/config.ts';
import { TABLE_DEFINITION } from '../../shared/table-definition.ts';
import { POWERTOOLS } from '../../shared/wiring.ts';
import { onePeriodAlarm } from './alarms.ts';
import { ESBUILD_SETTINGS, type EsbuildSettings, entryFor, REPO_ROOT } from './esbuild-settings.ts';

/**
 * How a function may use the table, by intent.
 * - `intake`: what `POST /events` does, each action held to the partitions it belongs in by
 *   `dynamodb:LeadingKeys`: the event's conditional `PutItem` (and `GetItem` to read back the existing item
 *   after a failed condition) in users' partitions, one `GetItem` of the sender's source in `SOURCE#`
 *   partitions, and the rate counter's conditional `UpdateItem` in `RATE#` partitions. Table only, no index.
 * - `read`: point reads and queries on the table and its named indexes.
 * - `readWrite`: `read` plus item writes (single and transactional). No `Scan`, no table management.
 * - `readWriteErase`: `readWrite` plus `BatchWriteItem`, which "delete my data" uses to remove a user's items
 *   25 at a time. Only the function that applies erasures (the planner) needs it.
 * - `admin`: `read` plus `PutItem` (an operator's action is recorded as an event, which the planner applies
 *   as it applies a user's) and `UpdateItem` (settling a stuck digest: `completeDigest` marks it sent,
 *   `releaseDigest` fails it and makes its reminders pending again in one transaction). No deletes.
 */
export type TableAccess = 'intake' | 'read' | 'readWrite' | 'readWriteErase' | 'admin';

const READ_ACTIONS = [
  'dynamodb:GetItem',
  'dynamodb:BatchGetItem',
  'dynamodb:Query',
  'dynamodb:ConditionCheckItem',
];
const TABLE_ACTIONS: Record<Exclude<TableAccess, 'intake'>, readonly string[]> = {
  read: READ_ACTIONS,
  // TransactWriteItems is authorised per contained action (Put/Update/Delete/ConditionCheck).
  readWrite: [...READ_ACTIONS, 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
  readWriteErase: [
    ...READ_ACTIONS,
    'dynamodb:PutItem',
    'dynamodb:UpdateItem',
    'dynamodb:DeleteItem',
    'dynamodb:BatchWriteItem',
  ],
  admin: [...READ_ACTIONS, 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
};

/**
 * `intake`'s statements: action → the partition-key patterns it may touch, from the stores' own key
 * functions, so a renamed prefix cannot leave the policy behind.
 */
const INTAKE_PARTITIONS: ReadonlyArray<readonly [readonly string[], readonly string[]]> = [
  [['dynamodb:PutItem'], [keys.user('*')]],
  [['dynamodb:GetItem'], [keys.user('*'), sourceKeys.source('*').pk]],
  [['dynamodb:UpdateItem'], [rateKeys.counter('*', new Date(0)).pk]],
];

/** The encryption-context key every sealed source secret carries (`manage-sources.ts`: `{ sourceId }`). */
const SOURCE_SECRET_CONTEXT_KEY = 'sourceId';

/** The CDK form of the shared esbuild settings (see `esbuild-settings.ts`). */
export function cdkBundlingOptions(settings: EsbuildSettings = ESBUILD_SETTINGS): BundlingOptions {
  return {
    format: settings.format === 'esm' ? OutputFormat.ESM : OutputFormat.CJS,
    target: settings.target,
    minify: settings.minify,
    sourceMap: settings.sourcemap,
    sourcesContent: settings.sourcesContent,
    mainFields: [...settings.mainFields],
    banner: settings.banner,
    // An explicit list (even empty) replaces CDK's default of treating `@aws-sdk/*` as external.
    externalModules: [...settings.external],
    // Local esbuild only: CI and laptops have no Docker engine.
    forceDockerBundling: false,
    // Warnings and errors only; `npm run bench:bundles` reports sizes.
    logLevel: LogLevel.WARNING,
  };
}

/**
 * Functions that read no configuration at all, so they have no schema in `CONFIG_SCHEMAS`
 * (`functions/openapi.ts` serves a document bundled with it).
 */
export type ConfiglessFunctionName = 'openapi';
export type ReboundFunctionName = FunctionName | ConfiglessFunctionName;
/** A function's configuration: typed by its schema, or nothing for a configless function. */
export type ConfigFor<F extends ReboundFunctionName> = F extends FunctionName
  ? EnvironmentOf<F>
  : Record<string, never>;

const isConfigured = (name: ReboundFunctionName): name is FunctionName => name !== 'openapi';

export interface ReboundFunctionProps<F extends ReboundFunctionName> {
  /** Which function: bundles `functions/<name>.ts`; `config` is typed by `CONFIG_SCHEMAS[name]`. */
  readonly name: F;
  /** The function's configuration; becomes its environment through `environmentFor()`. */
  readonly config: ConfigFor<F>;
  /** Retention of the function's own log group. */
  readonly logRetention: RetentionDays;
  /** What happens to the log group when the stack is deleted. */
  readonly logRemovalPolicy: RemovalPolicy;
  /** Powertools log level. @default 'INFO' */
  readonly logLevel?: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
  /** @default Duration.seconds(30) */
  readonly timeout?: Duration;
  /** @default 512 (more memory is also more CPU: it shortens cold starts of the bundled SDK) */
  readonly memorySize?: number;
  /** @default - none */
  readonly description?: string;
}

/** The settings every function of a stage shares; constructs that create functions take them as one prop. */
export type FunctionDefaults = Pick<
  ReboundFunctionProps<ReboundFunctionName>,
  'logRetention' | 'logRemovalPolicy' | 'logLevel'
>;

/**
 * A Rebound Lambda function with the project's defaults baked in:
 * - `functions/<name>.ts`, bundled by the local esbuild (never Docker) with `ESBUILD_SETTINGS`: ESM with the
 *   `createRequire` banner, minified, source maps (`NODE_OPTIONS=--enable-source-maps`), AWS SDK bundled;
 * - Node.js 24 (the newest Lambda runtime in this aws-cdk-lib) on ARM64;
 * - an explicit log group with the stage's retention, and its own role that may write only to that log
 *   group (no `AWSLambdaBasicExecutionRole`, whose logs statement covers every log group);
 * - environment = `environmentFor(name, config)` + Powertools settings (`POWERTOOLS` from `shared/wiring.ts`,
 *   which the twin reads too), nothing else;
 * - no X-Ray tracing: the pipeline's hops (stream, Scheduler) would split every request into unconnected
 *   traces, while log lines carry the correlation ids (see docs/deploy.md, "Why no X-Ray");
 * - permissions only through intent methods (`bindTable`, `allowSendEmail`, `allowReadLinkKeys`).
 */
export class ReboundFunction<F extends ReboundFunctionName> extends NodejsFunction {
  /** The function's role (also reachable as `role`, typed here as the concrete `Role`). */
  public readonly functionRole: Role;
  /** Which Rebound function this is (`functions/<name>.ts`). */
  public readonly reboundName: F;

  public constructor(scope: Construct, id: string, props: ReboundFunctionProps<F>) {
    // Created in the parent scope because `this` does not exist before `super()`.
    const logGroup = new LogGroup(scope, `${id}LogGroup`, {
      retention: props.logRetention,
      removalPolicy: props.logRemovalPolicy,
    });
    const role = new Role(scope, `${id}Role`, {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `Rebound ${props.name} function`,
    });
    logGroup.grantWrite(role);

    super(scope, id, {
      entry: entryFor(props.name),
      handler: 'handler',
      projectRoot: REPO_ROOT,
      depsLockFilePath: `${REPO_ROOT}package-lock.json`,
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize ?? 512,
      timeout: props.timeout ?? Duration.seconds(30),
      description: props.description,
      role,
      logGroup,
      bundling: cdkBundlingOptions(),
      environment: {
        // The one cast: `config` was typed by this name's schema (`ConfigFor`), which TypeScript cannot
        // carry through the narrowing of a generic.
        ...(isConfigured(props.name)
          ? environmentFor(props.name, props.config as EnvironmentOf<typeof props.name>)
          : {}),
        NODE_OPTIONS: '--enable-source-maps',
        POWERTOOLS_SERVICE_NAME: POWERTOOLS.service,
        POWERTOOLS_METRICS_NAMESPACE: POWERTOOLS.namespace,
        POWERTOOLS_LOG_LEVEL: props.logLevel ?? 'INFO',
      },
    });
    this.functionRole = role;
    this.reboundName = props.name;
  }

  /**
   * Grant table access by intent. Index permissions name each index of `TABLE_DEFINITION` instead of
   * `index/*`, so no statement carries a wildcard.
   */
  public bindTable(table: ITable, access: TableAccess): void {
    if (access === 'intake') {
      for (const [actions, partitions] of INTAKE_PARTITIONS) {
        this.addToRolePolicy(
          new PolicyStatement({
            actions: [...actions],
            resources: [table.tableArn],
            conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [...partitions] } },
          }),
        );
      }
      return;
    }
    const indexArns = TABLE_DEFINITION.globalSecondaryIndexes.map(
      (gsi) => `${table.tableArn}/index/${gsi.indexName}`,
    );
    this.addToRolePolicy(
      new PolicyStatement({ actions: [...TABLE_ACTIONS[access]], resources: [table.tableArn, ...indexArns] }),
    );
  }

  /**
   * Allow opening the sources' sealed webhook secrets: `kms:Decrypt` with exactly this key, and only for
   * ciphertexts sealed under a `sourceId` encryption context (what `KmsSecretBox` binds), so the role cannot
   * use the key to open anything sealed for another purpose. Never `Encrypt`: secrets are sealed by the
   * sources tooling with an operator's own credentials.
   */
  public allowOpenSourceSecrets(key: { readonly keyArn: string }): void {
    this.addToRolePolicy(
      new PolicyStatement({
        actions: ['kms:Decrypt'],
        resources: [key.keyArn],
        conditions: {
          'ForAllValues:StringEquals': { 'kms:EncryptionContextKeys': [SOURCE_SECRET_CONTEXT_KEY] },
          Null: { [`kms:EncryptionContext:${SOURCE_SECRET_CONTEXT_KEY}`]: 'false' },
        },
      }),
    );
  }

  /**
   * Allow `ses:SendEmail` (SES v2) from exactly this identity, through exactly this configuration set.
   * The `Mail` construct of the stateful stack is such an object.
   */
  public allowSendEmail(mail: { readonly identityArn: string; readonly configurationSetArn: string }): void {
    this.addToRolePolicy(
      new PolicyStatement({
        actions: ['ses:SendEmail'],
        resources: [mail.identityArn, mail.configurationSetArn],
      }),
    );
  }

  /**
   * Allow reading the link key ring: `secretsmanager:GetSecretValue` on that one secret, nothing else (no
   * `DescribeSecret`, no versions listing: Powertools' `getSecret` needs only the value). For functions that
   * sign links (planner, sender, reconciler) or verify them (links).
   */
  public allowReadLinkKeys(keyRing: { readonly secretArn: string }): void {
    this.addToRolePolicy(
      new PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [keyRing.secretArn] }),
    );
  }

  /** Alarm when any invocation errors within five minutes. */
  public addErrorAlarm(action: IAlarmAction): Alarm {
    return onePeriodAlarm(this, 'ErrorsAlarm', {
      description: `${Stack.of(this).stackName}: the ${this.reboundName} function reported errors`,
      metric: this.metricErrors({ period: Duration.minutes(5), statistic: 'Sum' }),
      action,
    });
  }
}
