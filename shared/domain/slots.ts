/**
 * Send-slot arithmetic: reminders go out at 09:00 in the user's IANA time zone, Monday to Friday.
 *
 * Pure functions: every "now" is an argument. Calendar maths is done on plain calendar dates and only
 * then placed at 09:00 in the zone by luxon, so a DST change between two dates moves the UTC instant
 * (09:00 stays 09:00 local) and a zone east of the date line gets its own weekday, not UTC's.
 */
import { DateTime } from 'luxon';
import { ReboundError } from '../errors.ts';

/** The local hour of every send slot. */
export const SEND_HOUR = 9;

const SATURDAY = 6; // luxon weekdays: 1 = Monday … 7 = Sunday
const DAYS_PER_WEEK = 7;

/** A calendar date (year, month, day) carried as a UTC midnight, so `plus({ days })` never meets a DST gap. */
type CalendarDate = DateTime;

function localCalendarDate(instant: Date, zone: string): CalendarDate {
  const local = DateTime.fromJSDate(instant, { zone });
  if (!local.isValid) {
    throw new ReboundError(
      `Cannot place ${instant.toISOString()} in time zone "${zone}": ${local.invalidExplanation ?? local.invalidReason}`,
    );
  }
  return DateTime.utc(local.year, local.month, local.day);
}

function isWeekend(date: CalendarDate): boolean {
  return date.weekday >= SATURDAY;
}

/** Saturday and Sunday move forward to the following Monday; weekdays stay. */
function toWeekday(date: CalendarDate): CalendarDate {
  return isWeekend(date) ? date.plus({ days: DAYS_PER_WEEK + 1 - date.weekday }) : date;
}

/** 09:00 local on `date` in `zone`, as a UTC instant with zero milliseconds. */
function slotOn(date: CalendarDate, zone: string): Date {
  const slot = DateTime.fromObject(
    { year: date.year, month: date.month, day: date.day, hour: SEND_HOUR },
    { zone },
  );
  return new Date(slot.toMillis());
}

/**
 * The first send slot at or after `after`.
 *
 * @example nextSendSlot(Friday 15:00 local, zone) → Monday 09:00 local
 */
export function nextSendSlot(after: Date, zone: string): Date {
  let date = localCalendarDate(after, zone);
  // A slot on the same local day may already be over; the next weekday's slot is at most 3 days on.
  for (;;) {
    if (!isWeekend(date)) {
      const slot = slotOn(date, zone);
      if (slot.getTime() >= after.getTime()) return slot;
    }
    date = date.plus({ days: 1 });
  }
}

/**
 * The local calendar date of `from`, plus `days` calendar days, at 09:00 local; Saturday and Sunday move
 * to Monday 09:00. The time of day of `from` does not matter, so the result may precede `from` when
 * `days` is 0 (callers clamp with {@link notInThePast}).
 *
 * @example slotDaysLater(Tuesday 15:00 local, 7, zone) → next Tuesday 09:00 local
 */
export function slotDaysLater(from: Date, days: number, zone: string): Date {
  if (!Number.isInteger(days)) throw new ReboundError(`days must be a whole number, got ${days}`);
  return slotOn(toWeekday(localCalendarDate(from, zone).plus({ days })), zone);
}

/** The first send slot at least `minimumMs` after `from`: `nextSendSlot(from + minimumMs)`. */
export function slotAtLeast(from: Date, minimumMs: number, zone: string): Date {
  return nextSendSlot(new Date(from.getTime() + minimumMs), zone);
}

/**
 * The instants EventBridge Scheduler takes for a one-time schedule: `at(yyyy-mm-ddThh:mm:ss)` has a
 * four-digit year, and the service documents the years 1970-2199 for its schedule expressions.
 */
export const SCHEDULER_RANGE = {
  earliest: Date.UTC(1970, 0, 1),
  latest: Date.UTC(2200, 0, 1) - 1000,
} as const;

/** True when a timer can be set for `instant`: inside {@link SCHEDULER_RANGE} (false for an invalid date). */
export function isSchedulable(instant: Date): boolean {
  const ms = instant.getTime();
  return ms >= SCHEDULER_RANGE.earliest && ms <= SCHEDULER_RANGE.latest;
}

/** `slot` when it is at or after `now`; otherwise the next slot from `now` (late or backfilled events). */
export function notInThePast(slot: Date, now: Date, zone: string): Date {
  return slot.getTime() >= now.getTime() ? new Date(slot.getTime()) : nextSendSlot(now, zone);
}
