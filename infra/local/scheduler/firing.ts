/**
 * Firing on the twin's virtual clock: which schedules are due, invoking their target with the schedule's
 * retry policy, the dead-letter record, and `ActionAfterCompletion`. Nothing here runs on a timer: the twin
 * calls `fireDue()` after it moves time.
 */
import { Mutex } from '../support/mutex.ts';
import { type SchedulerState, type StoredSchedule, scheduleKey } from './state.ts';
import { dueOccurrence, timingOf } from './timing.ts';

export { nextFireMs } from './timing.ts';

/** Runs the local function registered for a target ARN; a rejection is a failed invocation. */
export type Invoke = (targetArn: string, input: string | undefined) => Promise<void>;
export type Log = (msg: string, data?: Record<string, unknown>) => void;

/**
 * How many schedules due at the same instant are invoked at once. On AWS every due schedule invokes its
 * target on its own (the 09:00 timers of a zone all fire together); here a few at a time keep the twin's
 * one process and DynamoDB Local both busy without flooding them.
 */
export const DEFAULT_FIRING_CONCURRENCY = 4;

/** AWS's default when a schedule has no `RetryPolicy`. */
export const DEFAULT_MAXIMUM_RETRY_ATTEMPTS = 185;

export class SchedulerFiring {
  /** fireDue runs one pass at a time, so a schedule due once fires once. */
  private readonly passes = new Mutex();

  public constructor(
    private readonly state: SchedulerState,
    private readonly invoke: Invoke,
    private readonly log: Log,
    private readonly concurrency: number = DEFAULT_FIRING_CONCURRENCY,
  ) {}

  /** @returns how many invocations were attempted (every retry counts) */
  public fireDue(): Promise<number> {
    return this.passes.run(() => this.pass());
  }

  /**
   * Invoke the target now, as a duplicate delivery from AWS would: retries and the dead-letter queue apply,
   * but the schedule's own timer is untouched.
   */
  public async fireNow(name: string, groupName: string): Promise<void> {
    const { deadLettered } = await this.deliver(this.state.requireSchedule(groupName, name));
    if (deadLettered) await this.state.save();
  }

  /**
   * One pass over what is due now, earliest first; schedules due at the same instant are invoked together,
   * up to `concurrency` at a time, in key order. Schedules created by the invoked functions wait for the
   * next pass, so a pass always ends; the twin calls fireDue until it answers 0.
   */
  private async pass(): Promise<number> {
    const now = this.state.now();
    const nowMs = Date.parse(now);
    const taken = this.state.takeDue(nowMs);
    try {
      const due = taken
        .flatMap(({ key, schedule }) => {
          const occurrence = dueOccurrence(schedule, nowMs);
          return occurrence === undefined ? [] : [{ key, occurrence }];
        })
        .sort((a, b) => a.occurrence - b.occurrence || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
      let attempts = 0;
      for (let i = 0; i < due.length; ) {
        let end = i + 1;
        while (end < due.length && due[end]?.occurrence === due[i]?.occurrence) end += 1;
        const counts = await mapLimited(due.slice(i, end), this.concurrency, ({ key }) =>
          this.fireOne(key, nowMs, now),
        );
        for (const count of counts) attempts += count;
        i = end;
      }
      if (attempts > 0) await this.state.save();
      return attempts;
    } finally {
      this.state.untake(taken);
    }
  }

  /** Fire what is stored under `key` now, if it is still due. @returns the attempts */
  private async fireOne(key: string, nowMs: number, now: string): Promise<number> {
    // An earlier invocation may have changed or deleted it through the API: fire what is there now.
    const schedule = this.state.schedules.get(key);
    const occurrence = schedule && dueOccurrence(schedule, nowMs);
    if (!schedule || occurrence === undefined) return 0;
    const { attempts } = await this.deliver(schedule);
    this.complete(key, schedule, new Date(occurrence).toISOString(), now);
    return attempts;
  }

  /** Record that `fired` went off, unless the API re-timed or deleted it during the invocation. */
  private complete(key: string, fired: StoredSchedule, occurrence: string, now: string): void {
    const current = this.state.schedules.get(key);
    // An update that keeps the timing keeps the firing object; one that changes it starts a new one.
    if (current?.firing !== fired.firing) return;
    const isAt = timingOf(current).kind === 'at';
    // Retries exhausted counts as completed too: AWS does not fire a one-time schedule twice.
    if (isAt && current.actionAfterCompletion === 'DELETE') {
      this.state.deleteSchedule(key);
      return;
    }
    const firing = isAt
      ? { ...current.firing, completed: true, lastFiredAt: now }
      : { ...current.firing, lastOccurrence: occurrence, lastFiredAt: now };
    this.state.putSchedule({ ...current, firing });
  }

  private async deliver(schedule: StoredSchedule): Promise<{ attempts: number; deadLettered: boolean }> {
    const { target } = schedule;
    const context = { schedule: scheduleKey(schedule.groupName, schedule.name), targetArn: target.Arn };
    const retries = target.RetryPolicy?.MaximumRetryAttempts ?? DEFAULT_MAXIMUM_RETRY_ATTEMPTS;
    let error: unknown;
    for (let attempts = 1; attempts <= retries + 1; attempts += 1) {
      try {
        await this.invoke(target.Arn, target.Input);
        this.log('scheduler invoked target', { ...context, attempts });
        return { attempts, deadLettered: false };
      } catch (caught) {
        error = caught;
      }
    }
    const attempts = retries + 1;
    const message = error instanceof Error ? error.message : String(error);
    const deadLetterArn = target.DeadLetterConfig?.Arn;
    this.log('scheduler invocation failed', { ...context, attempts, error: message, deadLetterArn });
    if (deadLetterArn === undefined) return { attempts, deadLettered: false };
    this.state.addDeadLetter({
      at: this.state.now(),
      scheduleName: schedule.name,
      groupName: schedule.groupName,
      targetArn: target.Arn,
      deadLetterArn,
      input: target.Input,
      error: message,
      attempts,
    });
    return { attempts, deadLettered: true };
  }
}

/** `fn` over `items`, at most `limit` at a time, results in the order of `items`. */
async function mapLimited<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < items.length; i = next++) results[i] = await fn(items[i] as T);
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return results;
}
