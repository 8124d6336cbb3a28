/**
 * When a schedule fires, from its stored record. Pure, and memoized per record: records are replaced, never
 * mutated (state.ts), and reading an `at()` time in its zone (luxon) was the firing loop's largest cost when
 * every pass re-read every schedule.
 */
import { atInstantMs, parseScheduleExpression } from './expression.ts';
import type { StoredSchedule } from './state.ts';

export interface Timing {
  /** `at()` fires once; `rate()` recurs. `undefined` for an expression the API would have refused. */
  readonly kind: 'at' | 'rate' | undefined;
  /** When it fires next, whatever the time now (epoch ms); `undefined` if disabled, completed or invalid. */
  readonly nextMs: number | undefined;
  /** `rate()`'s period. */
  readonly periodMs: number;
}

const timings = new WeakMap<StoredSchedule, Timing>();

export function timingOf(schedule: StoredSchedule): Timing {
  let timing = timings.get(schedule);
  if (!timing) {
    timing = computeTiming(schedule);
    timings.set(schedule, timing);
  }
  return timing;
}

function computeTiming(schedule: StoredSchedule): Timing {
  const expression = parseScheduleExpression(schedule.scheduleExpression);
  if (!expression) return { kind: undefined, nextMs: undefined, periodMs: 0 };
  if (expression.kind === 'at') {
    const live = schedule.state === 'ENABLED' && !schedule.firing.completed;
    return {
      kind: 'at',
      nextMs: live ? atInstantMs(expression.local, schedule.scheduleExpressionTimezone) : undefined,
      periodMs: 0,
    };
  }
  const { anchor, lastOccurrence } = schedule.firing;
  return {
    kind: 'rate',
    nextMs:
      schedule.state === 'ENABLED' ? Date.parse(lastOccurrence ?? anchor) + expression.periodMs : undefined,
    periodMs: expression.periodMs,
  };
}

/** When the schedule fires next, whatever the time now; `undefined` if it never will. */
export function nextFireMs(schedule: StoredSchedule): number | undefined {
  return timingOf(schedule).nextMs;
}

/**
 * The occurrence to fire at `nowMs`, or `undefined` if none is due. rate() coalesces: when the clock jumped
 * over several occurrences this is the latest one, because the twin's clock can jump weeks and running a
 * 5-minute reconciler 2,000 times in a row would prove nothing and take minutes.
 */
export function dueOccurrence(schedule: StoredSchedule, nowMs: number): number | undefined {
  const { kind, nextMs, periodMs } = timingOf(schedule);
  if (nextMs === undefined || nextMs > nowMs) return undefined;
  if (kind !== 'rate') return nextMs;
  return nextMs + Math.floor((nowMs - nextMs) / periodMs) * periodMs;
}
