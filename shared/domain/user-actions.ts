/**
 * What a user action (a click in an email, SES feedback, a preferences form) changes. Pure: the planner
 * loads what is known, asks {@link decideUserAction}, and writes the answer exactly as it writes the
 * policy's decision for an intake event: once per action, through `plannedAt`.
 *
 * Erasure (`user.erasure_requested`) is not decided here: it removes everything (see `erasure.ts`).
 */
import type { StoredUserAction, UserAction } from '#events/user-action.ts';
import { admit } from './admission.ts';
import { consentOf, nextConsent, type SuppressionReason, TRANSIENT_BOUNCE_LIMIT } from './consent.ts';
import { slotScheduleNameFor, snoozedReminderIdFor } from './ids.ts';
import type {
  ApplicationState,
  Cancellation,
  NewReminder,
  Reminder,
  ReminderKind,
  ReminderMove,
  UserProfile,
} from './model.ts';
import { cancellation, withoutUndefined } from './policy.ts';
import { isSchedulable, nextSendSlot, slotDaysLater } from './slots.ts';

const WEEK_MS = 7 * 24 * 60 * 60 * 1000;

/** Why a reminder an operator cancelled was cancelled (the admin view and the user's history show it). */
export const OPERATOR_CANCEL_REASON = 'operator';

export interface UserActionInput {
  readonly stored: StoredUserAction;
  /** The user's profile; an action for a user without one changes nothing and is not asked about. */
  readonly profile: UserProfile;
  /** Every pending reminder of the user, held ones included. */
  readonly pending: readonly Reminder[];
  /**
   * `reminder.done` / `reminder.snoozed` / `reminder.cancelled` / `reminder.rescheduled`: the reminder the link
   * or the operator names, whatever its status.
   */
  readonly reminder?: Reminder | undefined;
  /** `application.stopped`: that application; `reminder.snoozed`: the reminder's application. */
  readonly application?: ApplicationState | undefined;
  readonly now: Date;
}

export interface UserActionDecision {
  readonly profile: UserProfile;
  /** The application to write back (stopped), if any. */
  readonly application?: ApplicationState | undefined;
  readonly create: readonly NewReminder[];
  readonly cancel: readonly Cancellation[];
  /** Pending reminders whose due time changes (released, snoozed, moved after a pause). */
  readonly move: readonly ReminderMove[];
  /** Reminders to record as done ("I did it"). */
  readonly done: readonly string[];
  /** The user has just confirmed: nothing of theirs expires any more. */
  readonly clearExpiry: boolean;
}

type ActionOf<T extends UserAction['type']> = Extract<UserAction, { type: T }>;

/**
 * Decide what one user action changes.
 *
 * Input: the stored action, the user's profile and pending reminders, the reminder or application it
 * names, and `now`. Output: the new profile and application, reminders to create, cancel, move and mark
 * done. No I/O. Per action:
 * - `consent.confirmed`: confirmed (not from suppressed); held reminders are released: those already due
 *   go to the next send slot, together, later ones keep their time; the user's data stops expiring.
 * - `consent.unsubscribed`, `consent.suppressed`: the new state (suppressed is final, its first reason
 *   kept); every pending reminder, held or not, is cancelled.
 * - `delivery.bounced_transient`: counted; the {@link TRANSIENT_BOUNCE_LIMIT}th in a row suppresses.
 * - `reminder.done`: recorded on the reminder; if still pending it is cancelled, as is a pending snoozed
 *   copy of it.
 * - `reminder.snoozed`: a pending reminder moves to the slot `days` later (from now); a sent one gets a
 *   pending copy due then (or its existing pending copy moves). Consent and the pause apply to the new time.
 * - `application.stopped`: its pending reminders are cancelled and the application remembers it.
 * - `preferences.updated`: opt-outs saved, pending reminders of those kinds cancelled; a pause of N weeks
 *   (from now) cancels pending reminders inside it, except reconnects, which move to its end; 0 resumes.
 *
 * Operator actions (the admin view):
 * - `reminder.cancelled`: the reminder, if still pending (held or not), is cancelled (reason `operator`).
 * - `reminder.rescheduled`: the reminder, if still pending, moves to `dueAt` (held stays held while the user is
 *   unconfirmed; any other move puts it on the pending index, with a timer). A `dueAt` no timer can be set
 *   for changes nothing. Consent, opt-outs and the pause are not judged here: the sender checks them again
 *   at send time, so a reminder moved into a pause or after an opt-out is dropped then, not sent.
 * - `user.paused`: as the preferences page's pause of `weeks` weeks; `user.resumed`: as its "resume" (0).
 */
export function decideUserAction(input: UserActionInput): UserActionDecision {
  const action = input.stored.action;
  switch (action.type) {
    case 'consent.confirmed':
      return confirm(input);
    case 'consent.unsubscribed':
      return unsubscribe(input);
    case 'consent.suppressed':
      return suppress(input, action.reason);
    case 'delivery.bounced_transient':
      return bounced(input);
    case 'reminder.done':
      return done(input, action);
    case 'reminder.snoozed':
      return snoozed(input, action);
    case 'application.stopped':
      return stopped(input, action);
    case 'preferences.updated':
      return preferences(input, action);
    case 'reminder.cancelled':
      return operatorCancelled(input, action);
    case 'reminder.rescheduled':
      return rescheduled(input, action);
    case 'user.paused':
      return repaused(input, input.profile.optOuts ?? [], pauseEnd(input.now, action.weeks));
    case 'user.resumed':
      return repaused(input, input.profile.optOuts ?? [], undefined);
    case 'user.erasure_requested':
      // Erasure removes everything; it never reaches a decision.
      return unchanged(input);
  }
}

function unchanged(input: UserActionInput, profile: UserProfile = input.profile): UserActionDecision {
  return { profile, create: [], cancel: [], move: [], done: [], clearExpiry: false };
}

function touched(input: UserActionInput, changes: Partial<UserProfile>): UserProfile {
  return withoutUndefined({ ...input.profile, ...changes, updatedAt: input.now.toISOString() });
}

function unsubscribe(input: UserActionInput): UserActionDecision {
  const consent = nextConsent(consentOf(input.profile), { type: 'unsubscribe' });
  // Leaving `unconfirmed` ends the expiry: a block must not expire.
  const profile = touched(input, { consent, expiresAt: undefined });
  return stopEverything(input, profile, 'unsubscribed');
}

function confirm(input: UserActionInput): UserActionDecision {
  const before = consentOf(input.profile);
  if (before === 'confirmed' || before === 'suppressed') return unchanged(input);
  // A confirmation proves the address works: transient bounces so far no longer count.
  const profile = touched(input, { consent: 'confirmed', expiresAt: undefined, transientBounces: undefined });
  const zone = profile.timezone;
  const nextSlot = nextSendSlot(input.now, zone).toISOString();
  const move: ReminderMove[] = [];
  const cancel: Cancellation[] = [];
  for (const reminder of input.pending.filter((r) => r.held)) {
    // Everything already due goes out together in the next slot: one email.
    const due = Date.parse(reminder.dueAt) <= input.now.getTime() ? nextSlot : reminder.dueAt;
    const admission = admit(profile, reminder.kind, due, zone);
    if (admission.as === 'dropped') cancel.push(cancellation(reminder, admission.why));
    else
      move.push({
        reminderId: reminder.reminderId,
        scheduleName: reminder.scheduleName,
        dueAt: admission.dueAt,
      });
  }
  return { profile, create: [], cancel, move, done: [], clearExpiry: true };
}

function stopEverything(input: UserActionInput, profile: UserProfile, reason: string): UserActionDecision {
  const cancel = input.pending.map((reminder) => cancellation(reminder, reason));
  return { ...unchanged(input, profile), cancel };
}

function suppress(input: UserActionInput, reason: SuppressionReason): UserActionDecision {
  const already = consentOf(input.profile) === 'suppressed';
  const profile = touched(input, {
    consent: 'suppressed',
    suppressedReason: already ? (input.profile.suppressedReason ?? reason) : reason,
    // Kept for good: a suppression that expired would let the address be emailed again.
    expiresAt: undefined,
  });
  return stopEverything(input, profile, `suppressed: ${profile.suppressedReason}`);
}

function bounced(input: UserActionInput): UserActionDecision {
  if (consentOf(input.profile) === 'suppressed') return unchanged(input);
  const count = (input.profile.transientBounces ?? 0) + 1;
  if (count >= TRANSIENT_BOUNCE_LIMIT) {
    return suppress(
      { ...input, profile: { ...input.profile, transientBounces: count } },
      'transient_bounces',
    );
  }
  return unchanged(input, touched(input, { transientBounces: count }));
}

function done(input: UserActionInput, action: ActionOf<'reminder.done'>): UserActionDecision {
  const reminder = input.reminder;
  if (!reminder || reminder.reminderId !== action.reminderId) return unchanged(input);
  const cancel = input.pending
    .filter((r) => r.reminderId === reminder.reminderId || r.snoozedFrom === reminder.reminderId)
    .map((r) => cancellation(r, 'done'));
  return { ...unchanged(input), cancel, done: [reminder.reminderId] };
}

function snoozed(input: UserActionInput, action: ActionOf<'reminder.snoozed'>): UserActionDecision {
  const { reminder, profile, now } = input;
  if (!reminder || reminder.reminderId !== action.reminderId) return unchanged(input);
  if (reminder.status === 'cancelled' || input.application?.stoppedAt !== undefined) return unchanged(input);
  const zone = profile.timezone;
  const due = slotDaysLater(now, action.days, zone);
  if (!isSchedulable(due)) return unchanged(input);
  const admission = admit(profile, reminder.kind, due.toISOString(), zone);

  // The reminder itself while it waits; once sent, its pending copy from an earlier snooze, if any.
  const target =
    reminder.status === 'pending'
      ? reminder
      : input.pending.find((r) => r.snoozedFrom === reminder.reminderId);
  if (target) {
    if (admission.as === 'dropped')
      return { ...unchanged(input), cancel: [cancellation(target, admission.why)] };
    const move: ReminderMove = {
      reminderId: target.reminderId,
      scheduleName: target.scheduleName,
      dueAt: admission.dueAt,
      ...(admission.as === 'held' ? { held: true as const } : {}),
    };
    return { ...unchanged(input), move: [move] };
  }
  if (admission.as === 'dropped') return unchanged(input);
  const reminderId = snoozedReminderIdFor(reminder.reminderId, input.stored.eventId);
  const copy: NewReminder = {
    reminderId,
    userId: reminder.userId,
    kind: reminder.kind,
    sequence: reminder.sequence,
    dueAt: admission.dueAt,
    application: reminder.application,
    sourceEventId: input.stored.eventId,
    ...(reminder.sourceId === undefined ? {} : { sourceId: reminder.sourceId }),
    scheduleName: slotScheduleNameFor(reminder.userId, admission.dueAt),
    createdAt: now.toISOString(),
    snoozedFrom: reminder.reminderId,
    ...(admission.as === 'held' ? { held: true as const } : {}),
  };
  // The application is written too: its `updatedAt` tells the planner a reminder of it was just created (see
  // `planningStateFor` in `shared/use-cases/plan-event.ts`).
  const application = input.application && { ...input.application, updatedAt: now.toISOString() };
  return { ...unchanged(input), application, create: [copy] };
}

function stopped(input: UserActionInput, action: ActionOf<'application.stopped'>): UserActionDecision {
  const cancel = input.pending
    .filter((r) => r.application.ref === action.ref)
    .map((r) => cancellation(r, 'stopped by the user'));
  const previous = input.application?.ref === action.ref ? input.application : undefined;
  const nowIso = input.now.toISOString();
  const application = previous && {
    ...previous,
    stoppedAt: previous.stoppedAt ?? nowIso,
    updatedAt: nowIso,
  };
  return { ...unchanged(input), application, cancel };
}

function preferences(input: UserActionInput, action: ActionOf<'preferences.updated'>): UserActionDecision {
  const pausedUntil =
    action.pauseWeeks === undefined
      ? input.profile.pausedUntil
      : action.pauseWeeks === 0
        ? undefined
        : pauseEnd(input.now, action.pauseWeeks);
  return repaused(input, action.optOuts, pausedUntil);
}

/** The end of a pause of `weeks` weeks from `now`. */
function pauseEnd(now: Date, weeks: number): string {
  return new Date(now.getTime() + weeks * WEEK_MS).toISOString();
}

/**
 * New opt-outs and pause, and what they do to the pending reminders: those now dropped are cancelled, those
 * admitted at another time (a reconnect inside the pause) move to it, held ones staying held.
 */
function repaused(
  input: UserActionInput,
  optOutsWanted: readonly ReminderKind[],
  pausedUntil: string | undefined,
): UserActionDecision {
  const optOuts = [...new Set<ReminderKind>(optOutsWanted)].sort();
  const profile = touched(input, { optOuts: optOuts.length > 0 ? optOuts : undefined, pausedUntil });
  const cancel: Cancellation[] = [];
  const move: ReminderMove[] = [];
  for (const reminder of input.pending) {
    const admission = admit(profile, reminder.kind, reminder.dueAt, profile.timezone);
    if (admission.as === 'dropped') cancel.push(cancellation(reminder, admission.why));
    else if (admission.dueAt !== reminder.dueAt) {
      move.push({
        reminderId: reminder.reminderId,
        scheduleName: reminder.scheduleName,
        dueAt: admission.dueAt,
        ...(reminder.held ? { held: true as const } : {}),
      });
    }
  }
  return { ...unchanged(input, profile), cancel, move };
}

/** The named reminder, when it is still pending (held or not); anything else is past changing. */
function pendingNamed(input: UserActionInput, reminderId: string): Reminder | undefined {
  const reminder = input.reminder;
  return reminder?.reminderId === reminderId && reminder.status === 'pending' ? reminder : undefined;
}

function operatorCancelled(
  input: UserActionInput,
  action: ActionOf<'reminder.cancelled'>,
): UserActionDecision {
  const reminder = pendingNamed(input, action.reminderId);
  if (!reminder) return unchanged(input);
  return { ...unchanged(input), cancel: [cancellation(reminder, OPERATOR_CANCEL_REASON)] };
}

function rescheduled(input: UserActionInput, action: ActionOf<'reminder.rescheduled'>): UserActionDecision {
  const reminder = pendingNamed(input, action.reminderId);
  const due = new Date(action.dueAt);
  if (!reminder || !isSchedulable(due)) return unchanged(input);
  // Stored as UTC ISO, like every due time: the indexes sort on the string.
  const dueAt = due.toISOString();
  const held = reminder.held === true && consentOf(input.profile) === 'unconfirmed';
  if (dueAt === reminder.dueAt && held === (reminder.held === true)) return unchanged(input);
  const move: ReminderMove = {
    reminderId: reminder.reminderId,
    scheduleName: reminder.scheduleName,
    dueAt,
    ...(held ? { held: true as const } : {}),
  };
  return { ...unchanged(input), move: [move] };
}
