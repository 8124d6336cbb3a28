/**
 * Meters for `npm run simulate`: AWS calls per `Service.Operation` as the proxies see them (only the handlers'
 * clients go through the proxies, so the twin's own set-up and stream polling are not counted), and function
 * invocations with their duration, for Lambda's request and GB-second prices.
 */

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
