/**
 * Wiring values that the CDK app and the local twin must agree on, defined once. The CDK stacks and
 * `infra/local/` both read them from here; `test/unit/infra/wiring-parity.test.ts` fails when the synthesized
 * template and the twin disagree. Durations are plain numbers so this module has no CDK dependency.
 */

/** The planner's DynamoDB stream event source mapping. */
export const PLANNER_STREAM_MAPPING = {
  batchSize: 25,
  /** Retries of a failing batch before its records go to the on-failure destination. */
  retryAttempts: 3,
  /** A failing batch is split in two, so one bad record does not hold its neighbours back. */
  bisectBatchOnFunctionError: true,
  reportBatchItemFailures: true,
  /** Records older than this go to the on-failure destination instead of blocking the shard. */
  maxRecordAgeSeconds: 6 * 60 * 60,
} as const;

/** How often the reconciler looks for reminders whose timer was lost. */
export const RECONCILER_RATE_MINUTES = 5;

/** The EventBridge Scheduler group that holds the per-reminder timers (overridable per stage on AWS). */
export const DEFAULT_SCHEDULE_GROUP = 'rebound';

/** Powertools service name and metrics namespace of every function. */
export const POWERTOOLS = { service: 'rebound', namespace: 'Rebound' } as const;

/** Retry policy of every reminder timer: a few tries within an hour, then the DLQ and the reconciler. */
export const TIMER_RETRY_POLICY = { MaximumRetryAttempts: 5, MaximumEventAgeInSeconds: 3600 } as const;
