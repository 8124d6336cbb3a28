/**
 * Admission: what consent does to the reminders the policy plans. Pure; `consent.ts` says what consent
 * allows, this module applies it to reminders and to the policy's decisions, and sets the expiry of an
 * unconfirmed user's data.
 *
 * | consent      | a planned reminder is …                                                          |
 * |--------------|----------------------------------------------------------------------------------|
 * | unconfirmed  | held: stored pending, with no timer and off the pending index, until confirmed    |
 * | confirmed    | scheduled, unless its kind is opted out (dropped) or it falls inside a pause:     |
 * |              | a reconnect moves to the first slot at or after the pause end, any other kind is  |
 * |              | dropped as stale                                                                  |
 * | unsubscribed | dropped                                                                          |
 * | suppressed   | dropped                                                                          |
 */
import {
  type ConsentRecord,
  consentOf,
  DEFERRED_BY_PAUSE,
  mayEmailReminder,
  UNCONFIRMED_RETENTION_DAYS,
} from './consent.ts';
import type { ErasureMarker } from './erasure.ts';
import { isReminderScheduleName, slotScheduleNameFor } from './ids.ts';
import type {
  Cancellation,
  NewReminder,
  Reminder,
  ReminderKind,
  ReminderMove,
  UserProfile,
} from './model.ts';
import { cancellation, type PolicyDecision, withoutUndefined } from './policy.ts';
import { isSchedulable, nextSendSlot } from './slots.ts';

const DAY_SECONDS = 24 * 60 * 60;

/**
 * The expiry of an unconfirmed user's data moves on in steps of this many days. Each step costs one write of
 * every item the user has (the TTL lives on each item); a step of a day cost about 10 write units per
 * reminder sent in `npm run simulate`, a week costs a fifth of that. The price: the data lives 30 to 37 days
 * after the last activity instead of 30 to 31.
 */
export const EXPIRY_STEP_DAYS = 7;

/**
 * The DynamoDB TTL (epoch seconds) of an unconfirmed user's data after activity at `now`: at least
 * {@link UNCONFIRMED_RETENTION_DAYS} days later, rounded up to the next step of {@link EXPIRY_STEP_DAYS}
 * days (UTC midnight, counted from the epoch). The rounding means one value per step, so refreshing every
 * item of the user (when the value moves on) happens at most once a step however many events arrive.
 */
export function expiryAfter(now: Date): number {
  const step = EXPIRY_STEP_DAYS * DAY_SECONDS;
  const seconds = Math.floor(now.getTime() / 1000) + UNCONFIRMED_RETENTION_DAYS * DAY_SECONDS;
  return Math.ceil(seconds / step) * step;
}

export type Admission =
  /** Emailed at `dueAt` (the planned time, or after a pause for a reconnect). */
  | { readonly as: 'scheduled'; readonly dueAt: string }
  /** Kept, pending, without a timer, until the user confirms. */
  | { readonly as: 'held'; readonly dueAt: string }
  /** Not kept: no consent, the kind is opted out, or it would fall inside a pause and go stale. */
  | { readonly as: 'dropped'; readonly why: 'no_consent' | 'opted_out' | 'paused' };

/** How a reminder of `kind` due at `dueAt` is admitted under `record` (see the table above). */
export function admit(
  record: ConsentRecord | undefined,
  kind: ReminderKind,
  dueAt: string,
  zone: string,
): Admission {
  if (consentOf(record) === 'unconfirmed') return { as: 'held', dueAt };
  const verdict = mayEmailReminder(record, kind, new Date(dueAt));
  if (verdict.send) return { as: 'scheduled', dueAt };
  if (verdict.why === 'paused' && record?.pausedUntil && DEFERRED_BY_PAUSE.includes(kind)) {
    const after = afterPause(record.pausedUntil, zone);
    if (isSchedulable(after)) return { as: 'scheduled', dueAt: after.toISOString() };
  }
  return { as: 'dropped', why: verdict.why };
}

/** The first send slot at or after the end of a pause. */
export function afterPause(pausedUntil: string, zone: string): Date {
  return nextSendSlot(new Date(pausedUntil), zone);
}

export interface AdmittedPlan extends PolicyDecision {
  /**
   * True when every item the user already has must carry the profile's new `expiresAt` (an unconfirmed
   * user's expiry moved on to a later step). Items this plan writes carry it anyway.
   */
  readonly refreshExpiry: boolean;
}

export interface AdmitPlanInput {
  /** The policy's decision for an intake event. */
  readonly decision: PolicyDecision;
  /** The profile as it was before the event (absent for a new user). */
  readonly previous?: UserProfile | undefined;
  /** Left by an erasure of this user id: a new profile starts its confirmation limits from it. */
  readonly erasure?: ErasureMarker | undefined;
  readonly now: Date;
}

/**
 * Apply consent to the policy's decision for an intake event.
 *
 * Input: the decision, the profile before the event, an erasure marker, and `now`. Output: the decision
 * with each new reminder admitted, and the profile's expiry.
 * 1. A new profile after an erasure starts from the marker: its confirmation counters, and suppression.
 * 2. Admit every new reminder ({@link admit}): held ones are marked `held`, dropped ones are not created,
 *    a reconnect inside a pause moves to its end. Cancellations stand as the policy decided.
 * 3. While unconfirmed, the profile expires {@link expiryAfter} this activity; otherwise it does not expire.
 */
export function admitPlan(input: AdmitPlanInput): AdmittedPlan {
  const { decision, previous, erasure, now } = input;
  const carried = previous === undefined && erasure !== undefined ? fromErasure(erasure) : {};
  const base: UserProfile = { ...decision.profile, ...carried };
  const zone = base.timezone;

  const create: NewReminder[] = [];
  for (const reminder of decision.create) {
    const admission = admit(base, reminder.kind, reminder.dueAt, zone);
    if (admission.as === 'dropped') continue;
    const { held: _held, ...rest } = reminder;
    // A reconnect moved after a pause lands in another send slot, whose timer it names.
    const scheduleName = isReminderScheduleName(rest.scheduleName)
      ? rest.scheduleName
      : slotScheduleNameFor(rest.userId, admission.dueAt);
    const moved = { ...rest, dueAt: admission.dueAt, scheduleName };
    create.push(admission.as === 'held' ? { ...rest, held: true } : moved);
  }

  const unconfirmed = consentOf(base) === 'unconfirmed';
  const expiresAt = unconfirmed ? Math.max(previous?.expiresAt ?? 0, expiryAfter(now)) : undefined;
  const profile = withoutUndefined({ ...base, expiresAt });
  const refreshExpiry = unconfirmed && previous !== undefined && (previous.expiresAt ?? 0) < (expiresAt ?? 0);
  return { ...decision, profile, create, refreshExpiry };
}

/** The consent attributes a new profile inherits from an erasure marker. */
function fromErasure(marker: ErasureMarker): Partial<UserProfile> {
  return withoutUndefined({
    confirmationsSent: marker.confirmationsSent,
    lastConfirmationAt: marker.lastConfirmationAt,
    ...(marker.suppressedReason
      ? { consent: 'suppressed' as const, suppressedReason: marker.suppressedReason }
      : {}),
  });
}

/** What the sender does with the reminders it found due, after asking consent again. */
export interface SendTimeCheck {
  /** Still allowed: emailed now. */
  readonly send: readonly Reminder[];
  /** No consent, opted out, or stale inside a pause: cancelled, not emailed. */
  readonly cancel: readonly Cancellation[];
  /** A reconnect inside a pause: moved to the first slot at or after its end. */
  readonly move: readonly ReminderMove[];
}

/**
 * The sender's re-check (`mayEmailReminder` at send time): the planner applies consent when it plans and
 * when consent changes, but a change still on its way through the stream may meet a timer that fires.
 */
export function checkAtSendTime(profile: UserProfile, due: readonly Reminder[], now: Date): SendTimeCheck {
  const send: Reminder[] = [];
  const cancel: Cancellation[] = [];
  const move: ReminderMove[] = [];
  for (const reminder of due) {
    const verdict = mayEmailReminder(profile, reminder.kind, now);
    if (verdict.send) {
      send.push(reminder);
      continue;
    }
    if (verdict.why === 'paused' && profile.pausedUntil && DEFERRED_BY_PAUSE.includes(reminder.kind)) {
      const after = afterPause(profile.pausedUntil, profile.timezone);
      if (isSchedulable(after)) {
        move.push({
          reminderId: reminder.reminderId,
          scheduleName: reminder.scheduleName,
          dueAt: after.toISOString(),
        });
        continue;
      }
    }
    cancel.push(cancellation(reminder, `${verdict.why} at send time`));
  }
  return { send, cancel, move };
}
