/**
 * Schedule expressions of EventBridge Scheduler: parsing, validation and occurrence arithmetic.
 * Pure functions, no clock: callers pass instants in.
 *
 * - `at(yyyy-mm-ddThh:mm:ss)`: a wall-clock time in the schedule's `ScheduleExpressionTimezone` (default UTC).
 * - `rate(value unit)`: a fixed period; `day` means 24 hours, as on AWS (no DST adjustment for rates).
 * - `cron(six fields)`: the shape is validated; the emulator does not fire cron schedules.
 */
import { DateTime, IANAZone } from 'luxon';

export interface AtExpression {
  readonly kind: 'at';
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
}

export interface RateExpression {
  readonly kind: 'rate';
  readonly value: number;
  readonly unit: 'minute' | 'hour' | 'day';
  readonly periodMs: number;
}

export interface CronExpression {
  readonly kind: 'cron';
  readonly fields: readonly string[];
}

export type ParsedScheduleExpression = AtExpression | RateExpression | CronExpression;

const AT = /^at\((\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\)$/;
const RATE = /^rate\(([1-9]\d*) (minute|minutes|hour|hours|day|days)\)$/;
const CRON = /^cron\((.+)\)$/;

const UNIT_MS = { minute: 60_000, hour: 3_600_000, day: 86_400_000 } as const;

// One character class per cron field: minutes, hours, day-of-month, month, day-of-week, year.
const CRON_FIELDS: readonly RegExp[] = [
  /^[0-9,\-*/]+$/,
  /^[0-9,\-*/]+$/,
  /^(\?|[0-9,\-*/LW]+)$/,
  /^[0-9A-Za-z,\-*/]+$/,
  /^(\?|[0-9A-Za-z,\-*/L#]+)$/,
  /^[0-9,\-*/]+$/,
];

/** Parse an expression; `undefined` when AWS would reject it as an invalid schedule expression. */
export function parseScheduleExpression(expression: string): ParsedScheduleExpression | undefined {
  const at = AT.exec(expression);
  if (at) return parseAt(at);
  const rate = RATE.exec(expression);
  if (rate) {
    const value = Number(rate[1]);
    const unit = (rate[2] ?? '').replace(/s$/, '') as RateExpression['unit'];
    if (!Number.isSafeInteger(value)) return undefined;
    return { kind: 'rate', value, unit, periodMs: value * UNIT_MS[unit] };
  }
  const cron = CRON.exec(expression);
  if (cron) return parseCron(cron[1] ?? '');
  return undefined;
}

function parseAt(match: RegExpExecArray): AtExpression | undefined {
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  // Luxon rejects month 13, 30 February, hour 24 and the like; the zone does not matter for that check.
  const probe = DateTime.fromObject({ year, month, day, hour, minute, second }, { zone: 'utc' });
  if (!probe.isValid) return undefined;
  return { kind: 'at', year, month, day, hour, minute, second };
}

function parseCron(body: string): CronExpression | undefined {
  const fields = body.trim().split(/\s+/);
  if (fields.length !== 6) return undefined;
  if (!fields.every((field, i) => CRON_FIELDS[i]?.test(field))) return undefined;
  // AWS: exactly one of day-of-month and day-of-week must be `?`.
  if ((fields[2] === '?') === (fields[4] === '?')) return undefined;
  return { kind: 'cron', fields };
}

/**
 * True for an IANA zone name (`Europe/Berlin`, `UTC`, `America/Argentina/Buenos_Aires`).
 * Fixed offsets such as `+01:00` are refused, as AWS does.
 */
export function isValidTimezone(zone: string): boolean {
  return /^[A-Za-z][A-Za-z0-9_+\-/]*$/.test(zone) && IANAZone.isValidZone(zone);
}

/**
 * The UTC instant of an `at()` expression read in `zone`. A wall-clock time that does not exist
 * (spring-forward gap) moves forward by the gap, which is what luxon does.
 */
export function atInstant(expression: AtExpression, zone: string): Date {
  const { year, month, day, hour, minute, second } = expression;
  return DateTime.fromObject({ year, month, day, hour, minute, second }, { zone }).toJSDate();
}

/**
 * The latest occurrence `anchor + k * period` (k ≥ 1) that is at or before `untilMs`, or `undefined`
 * when the first occurrence is still ahead.
 */
export function latestRateOccurrence(
  anchorMs: number,
  periodMs: number,
  untilMs: number,
): number | undefined {
  if (untilMs < anchorMs + periodMs) return undefined;
  return anchorMs + Math.floor((untilMs - anchorMs) / periodMs) * periodMs;
}
