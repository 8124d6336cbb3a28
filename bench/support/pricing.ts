/**
 * AWS list prices for `npm run simulate`, and the pure function that turns a run's metered counts into a
 * cost per 1M reminders sent. Every price the simulation uses is a named constant in this one file.
 *
 * Prices: US East (N. Virginia), on-demand, USD, first volume tier; looked up on 2026-11-30 from the
 * public pricing pages and price-list summaries named beside each constant. Check them again before
 * quoting a figure: AWS changes prices (DynamoDB on-demand halved in November 2024; SES added plans in
 * July 2026).
 *
 * Assumptions:
 *  - Free tiers are ignored (Lambda 1M requests and 400,000 GB-s a month, Scheduler 14M invocations a month,
 *    HTTP API 1M requests a month for 12 months): the figure is what a busy account pays at the margin.
 *  - Lambda runs arm64 at the stack's memory size (`infra/constructs/rebound-function.ts`, 512 MB); its
 *    billed duration is the twin's measured in-process handler time, rounded up to the ms per invocation.
 *    That is a proxy: on AWS the SDK calls go over the network (slower), without DynamoDB Local (faster).
 *  - DynamoDB is on-demand; stream reads by a Lambda trigger are free. Storage is not priced here.
 *  - Scheduler bills target invocations only; CreateSchedule/DeleteSchedule API calls are free.
 *  - SES: one recipient per email, à-la-carte pricing, no attachments, no dedicated IP.
 *  - Logs: Standard log class ingestion; storage (retention) and Logs Insights scans are not priced.
 *    Lambda's own START/END/REPORT lines are added per invocation (`LAMBDA_PLATFORM_LOG_BYTES`).
 *  - The reconciler (every 5 minutes, whatever the load) is a fixed monthly cost, not a cost per reminder.
 */

// ---- list prices ----------------------------------------------------------------------------------------------

/** Lambda arm64 duration, per GB-second (first 7.5B GB-s a month). Source: aws.amazon.com/lambda/pricing. */
export const LAMBDA_ARM64_USD_PER_GB_SECOND = 0.0000133334;
/** Lambda requests, per request ($0.20 per 1M, both architectures). Source: aws.amazon.com/lambda/pricing. */
export const LAMBDA_USD_PER_REQUEST = 0.2 / 1e6;
/** DynamoDB on-demand write request unit ($0.625 per 1M since 2024-11-01). Source: aws.amazon.com/dynamodb/pricing/on-demand. */
export const DYNAMODB_USD_PER_WRITE_UNIT = 0.625 / 1e6;
/** DynamoDB on-demand read request unit ($0.125 per 1M since 2024-11-01). Source: aws.amazon.com/dynamodb/pricing/on-demand. */
export const DYNAMODB_USD_PER_READ_UNIT = 0.125 / 1e6;
/** EventBridge Scheduler, per target invocation ($1.00 per 1M after 14M free a month; free tier ignored). Source: aws.amazon.com/eventbridge/pricing. */
export const SCHEDULER_USD_PER_INVOCATION = 1 / 1e6;
/** SES outbound, per recipient, à la carte ($0.10 per 1,000; the 2026 "Essentials" plan charges $0.16). Source: aws.amazon.com/ses/pricing. */
export const SES_USD_PER_EMAIL = 0.1 / 1000;
/** API Gateway HTTP API, per request ($1.00 per 1M, first 300M a month). Source: aws.amazon.com/api-gateway/pricing. */
export const HTTP_API_USD_PER_REQUEST = 1 / 1e6;
/** CloudWatch Logs ingestion, Standard class, per GB (10^9 bytes). Source: aws.amazon.com/cloudwatch/pricing. */
export const CLOUDWATCH_LOGS_USD_PER_GB = 0.5;

// ---- modelling constants (not prices) ----------------------------------------------------------------------------

/** Memory of every function (`ReboundFunction` default). */
export const LAMBDA_MEMORY_MB = 512;
/** Bytes Lambda itself logs per invocation in text format (START, END, REPORT lines), an estimate. */
export const LAMBDA_PLATFORM_LOG_BYTES = 300;
/** Reconciler runs a month on AWS: every 5 minutes for 30 days. */
export const RECONCILER_RUNS_PER_MONTH = (30 * 24 * 60) / 5;

export interface PriceList {
  readonly lambdaPerGbSecond: number;
  readonly lambdaPerRequest: number;
  readonly dynamoPerWriteUnit: number;
  readonly dynamoPerReadUnit: number;
  readonly schedulerPerInvocation: number;
  readonly sesPerEmail: number;
  readonly httpApiPerRequest: number;
  readonly logsPerGb: number;
}

export const PRICES: PriceList = {
  lambdaPerGbSecond: LAMBDA_ARM64_USD_PER_GB_SECOND,
  lambdaPerRequest: LAMBDA_USD_PER_REQUEST,
  dynamoPerWriteUnit: DYNAMODB_USD_PER_WRITE_UNIT,
  dynamoPerReadUnit: DYNAMODB_USD_PER_READ_UNIT,
  schedulerPerInvocation: SCHEDULER_USD_PER_INVOCATION,
  sesPerEmail: SES_USD_PER_EMAIL,
  httpApiPerRequest: HTTP_API_USD_PER_REQUEST,
  logsPerGb: CLOUDWATCH_LOGS_USD_PER_GB,
};

// ---- the cost model ----------------------------------------------------------------------------------------------

/** One function's invocations over the run, as the twin's meter reports them. */
export interface FunctionUsage {
  readonly invocations: number;
  /** Sum of the handler durations, ms. */
  readonly durationMs: number;
}

/**
 * What a run consumed, for the work that scales with reminders. `undefined` means "not measured": the cost
 * line is then reported as unknown and left out of the totals (which become lower bounds).
 */
export interface MeteredUsage {
  /** The denominator: reminders emailed during the run. */
  readonly remindersSent: number;
  readonly emails: number;
  /** `POST /events` requests (HTTP API). */
  readonly httpRequests: number;
  /** Per-reminder functions (ingest, planner, sender); the reconciler is priced by `fixedMonthlyCost`. */
  readonly lambda: Readonly<Record<string, FunctionUsage>> | undefined;
  readonly dynamodb: { readonly readUnits: number; readonly writeUnits: number } | undefined;
  /** Scheduler target invocations of reminder timers (= sender invocations). */
  readonly schedulerInvocations: number | undefined;
  /** Bytes the functions logged (without the platform lines, which are added here). */
  readonly functionLogBytes: number | undefined;
}

export type CostService = 'SES' | 'DynamoDB' | 'Lambda' | 'Scheduler' | 'HTTP API' | 'CloudWatch Logs';

export interface CostLine {
  readonly service: CostService;
  /** Billing units per 1M reminders sent, e.g. "17.6M WRU + 36M RRU"; `undefined` when not measured. */
  readonly quantity: string | undefined;
  /** USD per 1M reminders sent; `undefined` when not measured. */
  readonly usd: number | undefined;
}

export interface CostBreakdown {
  readonly lines: readonly CostLine[];
  /** Sum of the known lines. */
  readonly totalUsd: number;
  readonly totalWithoutSesUsd: number;
  /** False when a line is unknown: the totals are then lower bounds. */
  readonly complete: boolean;
}

const PER = 1e6;
const millions = (n: number): string =>
  n >= 10 ? `${(n / 1e6).toFixed(n >= 1e8 ? 0 : 1)}M` : n.toFixed(n >= 1 ? 1 : 3);

/**
 * Cost per 1M reminders sent, by service, from a run's metered counts: each count is scaled by
 * 1M / remindersSent and priced. Lambda duration is billed per invocation rounded up to the ms (the mean
 * duration, rounded up, times the invocations), at `memoryMb`.
 */
export function costPerMillionReminders(
  usage: MeteredUsage,
  prices: PriceList = PRICES,
  memoryMb: number = LAMBDA_MEMORY_MB,
): CostBreakdown {
  if (!(usage.remindersSent > 0)) throw new Error('no reminder was sent: nothing to price per reminder');
  const scale = PER / usage.remindersSent;
  const lines: CostLine[] = [];

  lines.push({
    service: 'SES',
    quantity: `${millions(usage.emails * scale)} emails`,
    usd: usage.emails * scale * prices.sesPerEmail,
  });

  lines.push(
    usage.dynamodb
      ? {
          service: 'DynamoDB',
          quantity: `${millions(usage.dynamodb.writeUnits * scale)} WRU + ${millions(usage.dynamodb.readUnits * scale)} RRU`,
          usd:
            (usage.dynamodb.writeUnits * prices.dynamoPerWriteUnit +
              usage.dynamodb.readUnits * prices.dynamoPerReadUnit) *
            scale,
        }
      : { service: 'DynamoDB', quantity: undefined, usd: undefined },
  );

  if (usage.lambda) {
    let requests = 0;
    let gbSeconds = 0;
    for (const fn of Object.values(usage.lambda)) {
      if (fn.invocations <= 0) continue;
      requests += fn.invocations;
      const billedMs = Math.ceil(fn.durationMs / fn.invocations) * fn.invocations;
      gbSeconds += (billedMs / 1000) * (memoryMb / 1024);
    }
    lines.push({
      service: 'Lambda',
      quantity: `${millions(requests * scale)} requests + ${millions(gbSeconds * scale)} GB-s`,
      usd: (requests * prices.lambdaPerRequest + gbSeconds * prices.lambdaPerGbSecond) * scale,
    });
  } else {
    lines.push({ service: 'Lambda', quantity: undefined, usd: undefined });
  }

  lines.push(
    usage.schedulerInvocations === undefined
      ? { service: 'Scheduler', quantity: undefined, usd: undefined }
      : {
          service: 'Scheduler',
          quantity: `${millions(usage.schedulerInvocations * scale)} invocations`,
          usd: usage.schedulerInvocations * scale * prices.schedulerPerInvocation,
        },
  );

  lines.push({
    service: 'HTTP API',
    quantity: `${millions(usage.httpRequests * scale)} requests`,
    usd: usage.httpRequests * scale * prices.httpApiPerRequest,
  });

  if (usage.functionLogBytes !== undefined && usage.lambda) {
    const invocations = Object.values(usage.lambda).reduce((sum, fn) => sum + fn.invocations, 0);
    const bytes = usage.functionLogBytes + invocations * LAMBDA_PLATFORM_LOG_BYTES;
    const gb = (bytes * scale) / 1e9;
    lines.push({
      service: 'CloudWatch Logs',
      quantity: `${gb.toFixed(2)} GB`,
      usd: gb * prices.logsPerGb,
    });
  } else {
    lines.push({ service: 'CloudWatch Logs', quantity: undefined, usd: undefined });
  }

  const known = lines.filter((l): l is CostLine & { usd: number } => l.usd !== undefined);
  const totalUsd = known.reduce((sum, l) => sum + l.usd, 0);
  const ses = known.find((l) => l.service === 'SES')?.usd ?? 0;
  return { lines, totalUsd, totalWithoutSesUsd: totalUsd - ses, complete: known.length === lines.length };
}

/** The reconciler's Lambda cost a month on AWS, from its mean measured duration (its SDK calls not included). */
export function reconcilerMonthlyLambdaUsd(
  meanDurationMs: number,
  prices: PriceList = PRICES,
  memoryMb: number = LAMBDA_MEMORY_MB,
): number {
  const gbSeconds = (Math.ceil(meanDurationMs) / 1000) * (memoryMb / 1024);
  return RECONCILER_RUNS_PER_MONTH * (prices.lambdaPerRequest + gbSeconds * prices.lambdaPerGbSecond);
}

// ---- DynamoDB units without a capacity meter ---------------------------------------------------------------

/** DynamoDB operations by name (the `Operation` of `DynamoDB.<Operation>` meter keys) and their call counts. */
export type DynamoCalls = Readonly<Record<string, number>>;

const READ_UNITS_PER_CALL: Readonly<Record<string, number>> = {
  GetItem: 1,
  Query: 1,
  Scan: 1,
  BatchGetItem: 1,
  TransactGetItems: 2,
};
const WRITE_UNITS_PER_CALL: Readonly<Record<string, number>> = {
  PutItem: 1,
  UpdateItem: 1,
  DeleteItem: 1,
  BatchWriteItem: 1,
  TransactWriteItems: 2,
};

/**
 * A LOWER BOUND on request units from call counts alone, for when the meter reports no consumed capacity:
 * 1 RRU per read call, 1 WRU per write call, 2 per transactional call, as if every call touched one item
 * of at most 1 KB (writes) / 4 KB (reads) and no index. Real Queries read many items, transactions write
 * several, and each write that changes a GSI key writes the index too; meter consumed capacity instead.
 */
export function approximateDynamoUnits(calls: DynamoCalls): { readUnits: number; writeUnits: number } {
  let readUnits = 0;
  let writeUnits = 0;
  for (const [operation, count] of Object.entries(calls)) {
    readUnits += (READ_UNITS_PER_CALL[operation] ?? 0) * count;
    writeUnits += (WRITE_UNITS_PER_CALL[operation] ?? 0) * count;
  }
  return { readUnits, writeUnits };
}
