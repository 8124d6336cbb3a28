/**
 * Send-slot arithmetic: reminders go out at 09:00 in the user's IANA time zone, Monday to Friday.
 *
 * Pure functions: every "now" is an argument. Calendar maths is done on plain calendar dates (carried as UTC
 * midnights, which have no DST) and only then placed at 09:00 in the zone, so a DST change between two dates
 * moves the UTC instant (09:00 stays 09:00 local) and a zone east of the date line gets its own weekday, not
 * UTC's. The zone's rules come from the runtime's `Intl` (as luxon's did: this file needs two conversions, and
 * luxon was 70 KB of each bundle that plans or sends, and a tenth of the twin's CPU).
 */
import { ReboundError } from '../errors.ts';

/** The local hour of every send slot. */
export const SEND_HOUR = 9;

const DAY_MS = 24 * 60 * 60 * 1000;

/** A calendar date (year, month, day) as the epoch milliseconds of its UTC midnight. */
type CalendarDate = number;

/** One formatter per zone: building an `Intl.DateTimeFormat` costs far more than using one. */
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(zone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(zone);
  if (formatter === undefined) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      calendar: 'gregory',
      numberingSystem: 'latn',
      hourCycle: 'h23',
      era: 'short',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(zone, formatter);
  }
  return formatter;
}

/** Epoch milliseconds of a UTC wall-clock time; years 0-99 are years 0-99 (not 1900-1999, as in `Date.UTC`). */
function utcMs(year: number, month: number, day: number, hour = 0, minute = 0, second = 0): number {
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, 0);
  return date.getTime();
}

/**
 * Wall-clock readings already made, by zone and instant. `formatToParts` is the costliest single thing the
 * planner's own code does (about 5 µs a call, over ten calls an event), and many of its instants come back: a
 * slot is 09:00 of a calendar date, read twice per slot ({@link slotOn}), and the same dates recur for every
 * event of a zone (an event's own instant does not). In `bench/pipeline-units.ts`, 10 users × 8 weeks, a quarter
 * of the readings (4,315 → 3,194): about 0.02 ms of the planner's ~4 ms an event; more with more users per zone.
 * A pure function's results, so exact; cleared whole when it reaches {@link WALL_CLOCK_CACHE_SIZE}.
 */
const wallClocks = new Map<string, Map<number, number>>();
let wallClockEntries = 0;
const WALL_CLOCK_CACHE_SIZE = 10_000;

/** The wall-clock time of `ms` in `zone`, read back as if it were UTC (whole seconds). */
function wallClockMs(ms: number, zone: string): number {
  const known = wallClocks.get(zone)?.get(ms);
  if (known !== undefined) return known;
  const wall = readWallClockMs(ms, zone);
  if (wallClockEntries >= WALL_CLOCK_CACHE_SIZE) {
    wallClocks.clear();
    wallClockEntries = 0;
  }
  let ofZone = wallClocks.get(zone);
  if (ofZone === undefined) {
    ofZone = new Map();
    wallClocks.set(zone, ofZone);
  }
  ofZone.set(ms, wall);
  wallClockEntries += 1;
  return wall;
}

function readWallClockMs(ms: number, zone: string): number {
  let formatter: Intl.DateTimeFormat;
  try {
    formatter = formatterFor(zone);
  } catch (error) {
    throw new ReboundError(`Cannot place instants in time zone "${zone}": ${String(error)}`, {
      cause: error,
    });
  }
  if (!Number.isFinite(ms)) throw new ReboundError(`Cannot place an invalid date in time zone "${zone}"`);
  const field: Record<string, string> = {};
  for (const part of formatter.formatToParts(new Date(ms))) field[part.type] = part.value;
  const year = Number(field.year);
  return utcMs(
    field.era === 'BC' ? 1 - year : year,
    Number(field.month),
    Number(field.day),
    Number(field.hour),
    Number(field.minute),
    Number(field.second),
  );
}

function localCalendarDate(instant: Date, zone: string): CalendarDate {
  const wall = wallClockMs(instant.getTime(), zone);
  return wall - (((wall % DAY_MS) + DAY_MS) % DAY_MS);
}

function plusDays(date: CalendarDate, days: number): CalendarDate {
  return date + days * DAY_MS;
}

/** 0 = Sunday … 6 = Saturday. */
function weekdayOf(date: CalendarDate): number {
  return new Date(date).getUTCDay();
}

function isWeekend(date: CalendarDate): boolean {
  const day = weekdayOf(date);
  return day === 0 || day === 6;
}

/** Saturday and Sunday move forward to the following Monday; weekdays stay. */
function toWeekday(date: CalendarDate): CalendarDate {
  const day = weekdayOf(date);
  return day === 6 ? plusDays(date, 2) : day === 0 ? plusDays(date, 1) : date;
}

/**
 * 09:00 local on `date` in `zone`, as a UTC instant with zero milliseconds: the local time less the zone's
 * offset, the offset taken again at the result in case 09:00 falls on the other side of a change of offset.
 */
function slotOn(date: CalendarDate, zone: string): Date {
  const local = date + SEND_HOUR * 60 * 60 * 1000;
  const offsetAt = (ms: number) => wallClockMs(ms, zone) - Math.floor(ms / 1000) * 1000;
  const guess = local - offsetAt(local);
  const offset = offsetAt(guess);
  return new Date(local - offset);
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
    date = plusDays(date, 1);
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
  return slotOn(toWeekday(plusDays(localCalendarDate(from, zone), days)), zone);
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

const MINUTE_MS = 60_000;

/**
 * The first whole minute strictly after `now`: the earliest a timer asked for now can fire (Scheduler refuses
 * `at()` in the past). Operators' "send now", re-sync and redrive wake the sender then.
 */
export function nextWholeMinute(now: Date): Date {
  return new Date(Math.floor(now.getTime() / MINUTE_MS) * MINUTE_MS + MINUTE_MS);
}
