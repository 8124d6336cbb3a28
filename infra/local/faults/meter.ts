/**
 * Meters for `npm run simulate`: AWS calls per `Service.Operation` as the proxies see them (only the handlers'
 * clients go through the proxies, so the twin's own set-up and stream polling are not counted), and function
 * invocations with their duration, for Lambda's request and GB-second prices.
 */

import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

export type CallOutcome = 'forwarded' | 'faulted';

export interface OperationCount {
  /** Every call the proxy received: `forwarded + faulted`. */
  readonly calls: number;
  /** Passed on to the emulator (billed on AWS), whatever the emulator answered. */
  readonly forwarded: number;
  /** Answered by an injected `fail` or `throttle` and never forwarded. */
  readonly faulted: number;
}

export class AwsCallMeter {
  private readonly counts = new Map<string, { forwarded: number; faulted: number }>();

  public record(operation: string, outcome: CallOutcome): void {
    const count = this.counts.get(operation) ?? { forwarded: 0, faulted: 0 };
    count[outcome] += 1;
    this.counts.set(operation, count);
  }

  /** A copy, keyed by `Service.Operation` in alphabetical order. */
  public snapshot(): Record<string, OperationCount> {
    const entries = [...this.counts].sort(([a], [b]) => a.localeCompare(b));
    return Object.fromEntries(
      entries.map(([operation, { forwarded, faulted }]) => [
        operation,
        { calls: forwarded + faulted, forwarded, faulted },
      ]),
    );
  }

  public reset(): void {
    this.counts.clear();
  }
}

export interface InvocationCount {
  readonly count: number;
  /** Invocations that threw (Lambda bills them as well). */
  readonly errors: number;
  /** Wall time from call to settle, as Lambda bills duration; I/O waits included. */
  readonly totalMs: number;
}

export class InvocationMeter {
  private readonly counts = new Map<string, { count: number; errors: number; totalMs: number }>();

  /** @param elapsedMs a monotonic millisecond counter. @default performance.now */
  public constructor(private readonly elapsedMs: () => number = () => performance.now()) {}

  /** `fn`, counted and timed under `name` on every call. */
  public wrap<A extends unknown[], R>(
    name: string,
    fn: (...args: A) => Promise<R>,
  ): (...args: A) => Promise<R> {
    return async (...args: A) => {
      const started = this.elapsedMs();
      let failed = false;
      try {
        return await fn(...args);
      } catch (error) {
        failed = true;
        throw error;
      } finally {
        const count = this.counts.get(name) ?? { count: 0, errors: 0, totalMs: 0 };
        count.count += 1;
        count.errors += failed ? 1 : 0;
        count.totalMs += this.elapsedMs() - started;
        this.counts.set(name, count);
      }
    };
  }

  public snapshot(): Record<string, InvocationCount> {
    const entries = [...this.counts].sort(([a], [b]) => a.localeCompare(b));
    return Object.fromEntries(entries.map(([name, count]) => [name, { ...count }]));
  }

  public reset(): void {
    this.counts.clear();
  }
}

/** DynamoDB operations that read; every other data-plane operation writes. */
const READ_OPERATIONS = new Set(['GetItem', 'BatchGetItem', 'Query', 'Scan', 'TransactGetItems']);

/** Whether a DynamoDB operation (`Query`, `PutItem`, …) consumes read units rather than write units. */
export const isReadOperation = (operation: string): boolean => READ_OPERATIONS.has(operation);

interface Capacity {
  readonly CapacityUnits?: number;
}

/**
 * The units a DynamoDB answer says its call consumed (`ConsumedCapacity`, one entry or one per table), 0 when
 * it says nothing. A call that failed (a condition not met) answers no capacity here, though AWS bills it.
 */
export function consumedUnitsOf(output: unknown): number {
  const consumed = (output as { ConsumedCapacity?: Capacity | Capacity[] } | undefined)?.ConsumedCapacity;
  const list = Array.isArray(consumed) ? consumed : consumed ? [consumed] : [];
  return list.reduce((sum, c) => sum + (c.CapacityUnits ?? 0), 0);
}
/** The operations that take `ReturnConsumedCapacity`: the data plane, not table management. */
const DATA_PLANE_OPERATIONS = new Set([
  ...READ_OPERATIONS,
  'PutItem',
  'UpdateItem',
  'DeleteItem',
  'BatchWriteItem',
  'TransactWriteItems',
]);

export interface ConsumedUnits {
  readonly readUnits: number;
  readonly writeUnits: number;
}

/**
 * The read and write units DynamoDB Local says the handlers' calls consumed (base table and indexes together,
 * `ReturnConsumedCapacity: TOTAL`), so the simulate prices DynamoDB from capacity rather than a count of calls.
 * A call the proxy faulted never reaches DynamoDB Local and consumes nothing, as a throttled call costs nothing
 * on AWS.
 */
export class ConsumedCapacityMeter {
  private read = 0;
  private write = 0;

  public add(operation: string, units: number): void {
    if (isReadOperation(operation)) this.read += units;
    else this.write += units;
  }

  public snapshot(): ConsumedUnits {
    return { readUnits: round(this.read), writeUnits: round(this.write) };
  }

  public reset(): void {
    this.read = 0;
    this.write = 0;
  }
}

/** Units come in halves (eventually consistent reads): keep the sums free of float dust. */
const round = (n: number): number => Math.round(n * 1000) / 1000;

/**
 * Ask DynamoDB Local, for every data-plane call of `client`, what it consumed, and add it to `meter`. Only the
 * twin's copy of the handlers' client gets this: the field changes nothing the handlers read (they ignore
 * `ConsumedCapacity` in the answer), and on AWS the functions do not ask for it.
 */
export function meterConsumedCapacity(client: DynamoDBDocumentClient, meter: ConsumedCapacityMeter): void {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const operation = String(context.commandName ?? '').replace(/Command$/, '');
      if (!DATA_PLANE_OPERATIONS.has(operation)) return next(args);
      const input = args.input as { ReturnConsumedCapacity?: string };
      input.ReturnConsumedCapacity ??= 'TOTAL';
      const result = await next(args);
      meter.add(operation, consumedUnitsOf(result.output));
      return result;
    },
    { step: 'initialize', name: 'twinConsumedCapacityMeter' },
  );
}
