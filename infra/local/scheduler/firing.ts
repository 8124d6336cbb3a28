/**
 * Firing on the twin's virtual clock: which schedules are due, invoking their target with the schedule's
 * retry policy, the dead-letter record, and `ActionAfterCompletion`. Nothing here runs on a timer: the twin
 * calls `fireDue()` after it moves time.
 */
import { Mutex } from '../support/mutex.ts';
import { atInstantMs, parseScheduleExpression } from './expression.ts';
import { type SchedulerState, type StoredSchedule, scheduleKey } from './state.ts';

/** Runs the local function registered for a target ARN; a rejection is a failed invocation. */
export type Invoke = (targetArn: string, input: string | undefined) => Promise<void>;
export type Log = (msg: string, data?: Record<string, unknown>) => void;

/** When the schedule fires next, whatever the time now; `undefined` if it never will. */
export function nextFireMs(schedule: StoredSchedule): number | undefined {
  const expression = parseScheduleExpression(schedule.scheduleExpression);
  if (schedule.state !== 'ENABLED' || !expression) return undefined;
  if (expression.kind === 'at') {
    return schedule.firing.completed
      ? undefined
      : atInstantMs(expression.local, schedule.scheduleExpressionTimezone);
  }
  const { anchor, lastOccurrence } = schedule.firing;
  return Date.parse(lastOccurrence ?? anchor) + expression.periodMs;
}

/**
 * The occurrence to fire at `nowMs`, or `undefined` if none is due. rate() coalesces: when the clock jumped
 * over several occurrences this is the latest one, because the twin's clock can jump weeks and running a
 * 5-minute reconciler 2,000 times in a row would prove nothing and take minutes.
 */
function dueOccurrence(schedule: StoredSchedule, nowMs: number): number | undefined {
  const next = nextFireMs(schedule);
  if (next === undefined || next > nowMs) return undefined;
  const expression = parseScheduleExpression(schedule.scheduleExpression);
  if (expression?.kind !== 'rate') return next;
  return next + Math.floor((nowMs - next) / expression.periodMs) * expression.periodMs;
}

/** AWS's default when a schedule has no `RetryPolicy`. */
export const DEFAULT_MAXIMUM_RETRY_ATTEMPTS = 185;

export class SchedulerFiring {
  /** fireDue runs one pass at a time, so a schedule due once fires once. */
  private readonly passes = new Mutex();

  public constructor(
    private readonly state: SchedulerState,
    private readonly invoke: Invoke,
    private readonly log: Log,
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
   * One pass over what is due now, earliest first. Schedules created by the invoked functions wait for the
   * next pass, so a pass always ends; the twin calls fireDue until it answers 0.
   */
  private async pass(): Promise<number> {
    const now = this.state.now();
    const nowMs = Date.parse(now);
    const due = [...this.state.schedules.entries()]
      .flatMap(([key, schedule]) => {
        const occurrence = dueOccurrence(schedule, nowMs);
        return occurrence === undefined ? [] : [{ key, occurrence }];
      })
      .sort((a, b) => a.occurrence - b.occurrence || a.key.localeCompare(b.key));
    let attempts = 0;
    for (const { key } of due) {
      // An earlier invocation may have changed or deleted it through the API: fire what is there now.
      const schedule = this.state.schedules.get(key);
      const occurrence = schedule && dueOccurrence(schedule, nowMs);
      if (!schedule || occurrence === undefined) continue;
      attempts += (await this.deliver(schedule)).attempts;
      this.complete(key, schedule, new Date(occurrence).toISOString(), now);
    }
    if (attempts > 0) await this.state.save();
    return attempts;
  }

  /** Record that `fired` went off, unless the API re-timed or deleted it during the invocation. */
  private complete(key: string, fired: StoredSchedule, occurrence: string, now: string): void {
    const current = this.state.schedules.get(key);
    // An update that keeps the timing keeps the firing object; one that changes it starts a new one.
    if (current?.firing !== fired.firing) return;
    const isAt = parseScheduleExpression(current.scheduleExpression)?.kind === 'at';
    // Retries exhausted counts as completed too: AWS does not fire a one-time schedule twice.
    if (isAt && current.actionAfterCompletion === 'DELETE') {
      this.state.schedules.delete(key);
      return;
    }
    const firing = isAt
      ? { ...current.firing, completed: true, lastFiredAt: now }
      : { ...current.firing, lastOccurrence: occurrence, lastFiredAt: now };
    this.state.schedules.set(key, { ...current, firing });
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
    this.state.deadLetters.push({
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
