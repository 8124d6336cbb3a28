import { describe, expect, it } from 'vitest';
import {
  approximateDynamoUnits,
  costPerMillionReminders,
  LAMBDA_PLATFORM_LOG_BYTES,
  type MeteredUsage,
  PRICES,
  RECONCILER_RUNS_PER_MONTH,
  reconcilerMonthlyLambdaUsd,
} from '../../../bench/support/pricing.ts';

/** A run that sent 1,000 reminders; each test overrides what it looks at. */
const usage = (over: Partial<MeteredUsage> = {}): MeteredUsage => ({
  remindersSent: 1000,
  emails: 544,
  httpRequests: 600,
  lambda: { ingest: { invocations: 600, durationMs: 600 * 4 } },
  dynamodb: { writeUnits: 17_600, readUnits: 36_000 },
  schedulerInvocations: 1000,
  functionLogBytes: 0,
  ...over,
});

const line = (b: ReturnType<typeof costPerMillionReminders>, service: string) =>
  b.lines.find((l) => l.service === service);

describe('the list prices', () => {
  it('are positive per-unit figures of the expected order', () => {
    for (const price of Object.values(PRICES)) expect(price).toBeGreaterThan(0);
    expect(PRICES.sesPerEmail).toBeCloseTo(0.0001, 10);
    expect(PRICES.dynamoPerWriteUnit * 1e6).toBeCloseTo(0.625, 10);
    expect(PRICES.dynamoPerReadUnit * 1e6).toBeCloseTo(0.125, 10);
  });
});

describe('costPerMillionReminders', () => {
  it('prices DynamoDB from write and read units (the issue’s 17.6 WRU + 36 RRU per reminder is $15.50)', () => {
    const cost = costPerMillionReminders(usage());
    expect(line(cost, 'DynamoDB')?.usd).toBeCloseTo(17.6 * 0.625 + 36 * 0.125, 6);
  });

  it('prices SES per email, scaled to 1M reminders', () => {
    expect(line(costPerMillionReminders(usage()), 'SES')?.usd).toBeCloseTo(54.4, 6);
  });

  it('prices Scheduler invocations and HTTP API requests', () => {
    const cost = costPerMillionReminders(usage());
    expect(line(cost, 'Scheduler')?.usd).toBeCloseTo(1, 6);
    expect(line(cost, 'HTTP API')?.usd).toBeCloseTo(0.6, 6);
  });

  it('prices Lambda requests and GB-seconds at 512 MB, the mean duration rounded up to the ms', () => {
    // 600 invocations of 3.2 ms mean are billed 4 ms each: 600 × 0.004 s × 0.5 GB = 1.2 GB-s per 1,000 reminders.
    const cost = costPerMillionReminders(
      usage({ lambda: { ingest: { invocations: 600, durationMs: 1920 } } }),
    );
    const expected = (600 * PRICES.lambdaPerRequest + 1.2 * PRICES.lambdaPerGbSecond) * 1000;
    expect(line(cost, 'Lambda')?.usd).toBeCloseTo(expected, 9);
  });

  it('adds Lambda’s own log lines per invocation to the functions’ log bytes', () => {
    const cost = costPerMillionReminders(usage({ functionLogBytes: 1_000_000 }));
    const gb = ((1_000_000 + 600 * LAMBDA_PLATFORM_LOG_BYTES) * 1000) / 1e9;
    expect(line(cost, 'CloudWatch Logs')?.usd).toBeCloseTo(gb * PRICES.logsPerGb, 9);
  });

  it('sums the lines, with and without SES', () => {
    const cost = costPerMillionReminders(usage());
    const sum = cost.lines.reduce((s, l) => s + (l.usd ?? 0), 0);
    expect(cost.totalUsd).toBeCloseTo(sum, 9);
    expect(cost.totalWithoutSesUsd).toBeCloseTo(sum - 54.4, 6);
    expect(cost.complete).toBe(true);
  });

  it('reports what was not measured as unknown and marks the totals as lower bounds', () => {
    const cost = costPerMillionReminders(
      usage({
        lambda: undefined,
        dynamodb: undefined,
        schedulerInvocations: undefined,
        functionLogBytes: undefined,
      }),
    );
    for (const service of ['DynamoDB', 'Lambda', 'Scheduler', 'CloudWatch Logs']) {
      expect(line(cost, service)).toEqual({ service, quantity: undefined, usd: undefined });
    }
    expect(cost.complete).toBe(false);
    expect(cost.totalUsd).toBeCloseTo(54.4 + 0.6, 6);
  });

  it('refuses to price a run that sent nothing', () => {
    expect(() => costPerMillionReminders(usage({ remindersSent: 0 }))).toThrow(/no reminder/);
  });
});

describe('reconcilerMonthlyLambdaUsd', () => {
  it('prices a run every 5 minutes for 30 days at the mean duration', () => {
    expect(RECONCILER_RUNS_PER_MONTH).toBe(8640);
    const expected = 8640 * (PRICES.lambdaPerRequest + 0.05 * 0.5 * PRICES.lambdaPerGbSecond);
    expect(reconcilerMonthlyLambdaUsd(49.2)).toBeCloseTo(expected, 12);
  });
});

describe('approximateDynamoUnits', () => {
  it('counts one unit per call and two per transaction, ignoring control-plane calls', () => {
    expect(
      approximateDynamoUnits({ GetItem: 3, Query: 2, TransactWriteItems: 4, PutItem: 1, DescribeTable: 5 }),
    ).toEqual({ readUnits: 5, writeUnits: 9 });
  });
});
