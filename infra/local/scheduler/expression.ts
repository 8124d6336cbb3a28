/**
 * The schedule expressions Rebound uses, as pure functions: `at()` for reminder timers and `rate()` for the
 * reconciler. `cron()` is not parsed; the API refuses it (see validation.ts).
 */
import { DateTime, IANAZone } from 'luxon';

export type ScheduleExpression =
  /** `local` is the wall-clock time, read in the schedule's `ScheduleExpressionTimezone`. */
  | { readonly kind: 'at'; readonly local: string }
  /** `day` means 24 hours, as on AWS: rates ignore daylight saving time. */
  | { readonly kind: 'rate'; readonly periodMs: number };

const AT = /^at\((\d{4}-\d{2}-\d{2}T(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d)\)$/;
const RATE = /^rate\(([1-9]\d{0,8}) (minute|minutes|hour|hours|day|days)\)$/;
const UNIT_MS: Record<string, number> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };

/** The parsed expression, or `undefined` when AWS would answer "Invalid Schedule Expression". */
export function parseScheduleExpression(expression: string): ScheduleExpression | undefined {
  const local = AT.exec(expression)?.[1];
  // The regex admits 30 February; luxon does not. The zone plays no part in that check.
  if (local !== undefined)
    return DateTime.fromISO(local, { zone: 'utc' }).isValid ? { kind: 'at', local } : undefined;
  const rate = RATE.exec(expression);
  const unitMs = UNIT_MS[(rate?.[2] ?? '').replace(/s$/, '')];
  return rate && unitMs ? { kind: 'rate', periodMs: Number(rate[1]) * unitMs } : undefined;
}

/** Zones already checked: luxon builds an `Intl.DateTimeFormat` per check, on every CreateSchedule. */
const zoneValidity = new Map<string, boolean>();
const ZONE_MEMORY = 1000;

/** An IANA zone name; fixed offsets such as `+01:00` are refused, as AWS does. */
export function isValidTimezone(zone: string): boolean {
  let valid = zoneValidity.get(zone);
  if (valid === undefined) {
    valid = /^[A-Za-z][A-Za-z0-9_+\-/]*$/.test(zone) && IANAZone.isValidZone(zone);
    if (zoneValidity.size < ZONE_MEMORY) zoneValidity.set(zone, valid);
  }
  return valid;
}

/** Epoch ms of an `at()` time in `zone`; a time in a spring-forward gap moves forward by the gap. */
export function atInstantMs(local: string, zone: string): number {
  return DateTime.fromISO(local, { zone }).toMillis();
}
