/**
 * The wiring the twin actually runs with, read from `shared/wiring.ts` like the CDK app.
 * `test/unit/infra/wiring-parity.test.ts` compares this object with the synthesized template.
 */
import {
  DEFAULT_SCHEDULE_GROUP,
  PLANNER_STREAM_MAPPING,
  POWERTOOLS,
  RECONCILER_RATE_MINUTES,
  TIMER_RETRY_POLICY,
} from '../../shared/wiring.ts';

export const TWIN_WIRING = {
  streamMapping: PLANNER_STREAM_MAPPING,
  /** The reconciler's recurring schedule, in Scheduler's expression language. */
  reconcilerSchedule: `rate(${RECONCILER_RATE_MINUTES} minutes)`,
  scheduleGroup: DEFAULT_SCHEDULE_GROUP,
  powertools: POWERTOOLS,
  timerRetryPolicy: TIMER_RETRY_POLICY,
} as const;

const ACCOUNT = '000000000000';
export const REGION = 'us-east-1';

/** Names that exist only in the twin, where CDK would generate them. */
export const LOCAL_NAMES = {
  account: ACCOUNT,
  table: 'rebound-local',
  /** The admin actions' audit trail (`AUDIT_TABLE_DEFINITION`): a table of its own, as on AWS. */
  auditTable: 'rebound-audit',
  senderArn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:rebound-sender`,
  reconcilerArn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:rebound-reconciler`,
  schedulerRoleArn: `arn:aws:iam::${ACCOUNT}:role/rebound-scheduler`,
  schedulerDlqArn: `arn:aws:sqs:${REGION}:${ACCOUNT}:rebound-scheduler-dlq`,
  reconcilerSchedule: 'rebound-reconciler',
  mailFrom: 'Rebound <reminders@rebound.local>',
  /** Named in the SES feedback events the twin builds; the emulator has no configuration sets. */
  sesConfigurationSet: 'rebound-local',
  /** The KMS key that seals the sources' webhook secrets, by alias as on AWS (`alias/rebound-<stage>`). */
  kmsKeyAlias: 'alias/rebound-local',
} as const;

/**
 * The environment of the functions, which run in the twin's process and read it once at cold start, as on
 * Lambda. The SDK clients find the emulators through its standard `AWS_ENDPOINT_URL_<SERVICE>` variables.
 */
export function functionEnvironment(opts: {
  readonly dynamodb: string;
  readonly ses: string;
  readonly scheduler: string;
  /** The KMS emulator. */
  readonly kms: string;
  readonly logLevel: string;
  /** Where links in emails point: the twin's API. */
  readonly publicBaseUrl: string;
  /** The link key ring in the data directory. */
  readonly linkKeysFile: string;
}): Record<string, string> {
  return {
    AWS_REGION: REGION,
    // Never the developer's own credentials: every call stays on this machine.
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_ENDPOINT_URL_DYNAMODB: opts.dynamodb,
    AWS_ENDPOINT_URL_DYNAMODB_STREAMS: opts.dynamodb,
    AWS_ENDPOINT_URL_SESV2: opts.ses,
    AWS_ENDPOINT_URL_SCHEDULER: opts.scheduler,
    AWS_ENDPOINT_URL_KMS: opts.kms,
    TABLE_NAME: LOCAL_NAMES.table,
    SCHEDULE_GROUP: TWIN_WIRING.scheduleGroup,
    SENDER_FUNCTION_ARN: LOCAL_NAMES.senderArn,
    SCHEDULER_ROLE_ARN: LOCAL_NAMES.schedulerRoleArn,
    SCHEDULER_DLQ_ARN: LOCAL_NAMES.schedulerDlqArn,
    MAIL_FROM: LOCAL_NAMES.mailFrom,
    PUBLIC_BASE_URL: opts.publicBaseUrl,
    LINK_KEYS_FILE: opts.linkKeysFile,
    KMS_KEY_ID: LOCAL_NAMES.kmsKeyAlias,
    POWERTOOLS_SERVICE_NAME: TWIN_WIRING.powertools.service,
    POWERTOOLS_METRICS_NAMESPACE: TWIN_WIRING.powertools.namespace,
    POWERTOOLS_LOG_LEVEL: opts.logLevel,
    // No CloudWatch here: metrics would only be printed as EMF lines.
    POWERTOOLS_METRICS_DISABLED: 'true',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
}
