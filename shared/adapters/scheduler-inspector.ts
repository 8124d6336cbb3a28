/**
 * `TimerInspector` on EventBridge Scheduler: one `GetSchedule` to see whether a timer exists and when it
 * fires. Rebound writes every timer as `at(yyyy-mm-ddThh:mm:ss)` in UTC (`scheduler-timers.ts`); a schedule in
 * another zone is converted, so a hand-made one is still compared correctly.
 */
import {
  GetScheduleCommand,
  ResourceNotFoundException,
  type SchedulerClient,
} from '@aws-sdk/client-scheduler';
import type { TimerInspector } from '../ports.ts';

const AT = /^at\((\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\)$/;

/**
 * The instant of a one-time `at()` expression in `timeZone` (UTC ISO), or `undefined` for a `rate()` or
 * `cron()` expression, which no Rebound timer uses.
 */
export function instantOfAtExpression(expression: string, timeZone = 'UTC'): string | undefined {
  const match = AT.exec(expression);
  if (!match) return undefined;
  const [year, month, day, hour, minute, second] = match.slice(1).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const wall = Date.UTC(year, month - 1, day, hour, minute, second);
  if (timeZone === 'UTC') return new Date(wall).toISOString();
  // The zone's offset at the guess, then again at the corrected instant (a DST change in between).
  const first = wall - offsetMs(wall, timeZone);
  return new Date(wall - offsetMs(first, timeZone)).toISOString();
}

/** How far `timeZone`'s wall clock is ahead of UTC at `instant`. */
function offsetMs(instant: number, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  }).formatToParts(new Date(instant));
  const get = (type: Intl.DateTimeFormatPartTypes) => Number(parts.find((p) => p.type === type)?.value);
  const wall = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  return wall - Math.floor(instant / 1000) * 1000;
}

export class SchedulerTimerInspector implements TimerInspector {
  public constructor(
    private readonly client: SchedulerClient,
    private readonly groupName: string,
  ) {}

  public async inspect(
    scheduleName: string,
  ): Promise<{ readonly exists: false } | { readonly exists: true; readonly at: string }> {
    try {
      const schedule = await this.client.send(
        new GetScheduleCommand({ Name: scheduleName, GroupName: this.groupName }),
      );
      const expression = schedule.ScheduleExpression ?? '';
      // Not a one-time schedule: show the expression itself, which the view reports as different.
      const at =
        instantOfAtExpression(expression, schedule.ScheduleExpressionTimezone ?? 'UTC') ?? expression;
      return { exists: true, at };
    } catch (error) {
      // Fired (ActionAfterCompletion DELETE), deleted, or never created.
      if (error instanceof ResourceNotFoundException) return { exists: false };
      throw error;
    }
  }
}
