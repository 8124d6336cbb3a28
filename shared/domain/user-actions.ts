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

export interface UserActionInput {
  readonly stored: StoredUserAction;
  /** The user's profile; an action for a user without one changes nothing and is not asked about. */
  readonly profile: UserProfile;
  /** Every pending reminder of the user, held ones included. */
  readonly pending: readonly Reminder[];
  /** `reminder.done` / `reminder.snoozed`: the reminder the link names, whatever its status. */
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
  const optOuts = [...new Set<ReminderKind>(action.optOuts)].sort();
  const pausedUntil =
    action.pauseWeeks === undefined
      ? input.profile.pausedUntil
      : action.pauseWeeks === 0
        ? undefined
        : new Date(input.now.getTime() + action.pauseWeeks * WEEK_MS).toISOString();
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
