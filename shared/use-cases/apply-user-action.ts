import { type StoredUserAction, StoredUserActionSchema } from '#events/user-action.ts';
import { expiryAfter } from '../domain/admission.ts';
import { erasureMarkerFor } from '../domain/erasure.ts';
import { profileChanged } from '../domain/policy.ts';
import { historyExpiry } from '../domain/retention.ts';
import { decideUserAction } from '../domain/user-actions.ts';
import { ConcurrencyError, InvalidStoredEventError } from '../errors.ts';
import type { PlanWrite } from '../ports.ts';
import { type ApplyDeps, orMarkedFailed, type PlanEventResult, type StoredEventItem } from './plan-event.ts';
import { applyTimers, removeAllTimers, resyncTimers } from './timers.ts';

/**
 * Apply one user action (a click in an email, SES feedback, a preferences form, an operator in the admin
 * view) from the user's timeline, exactly as intake events are applied: once, through `plannedAt`, then timers.
 *
 * Input: an `EVENT#` item carrying `action`, read from the table's stream. Output: what changed.
 * 1. Check the item against the contract (`StoredUserActionSchema`); a violation fails permanently, as for
 *    intake events.
 * 2. `user.erasure_requested` takes its own path (see {@link erase}).
 * 3. Load the profile, the pending reminders (held ones included), and what the action names: the reminder
 *    (done, snooze, an operator's cancel or reschedule), the application (stop; for a snooze, the reminder's).
 * 4. If the action was applied before (redelivery), only re-sync the timers it touched.
 * 5. No profile (the user's data expired or was erased): nothing to change; the action is marked planned
 *    and expires like an unconfirmed user's data.
 * 6. Ask the pure `decideUserAction`. A confirmation first removes the expiry from every item of the user
 *    (idempotent), so a crash cannot leave a confirmed user's data to expire.
 * 7. Write it like a plan: cancel, move and mark done (each conditional), then the event planned with the
 *    profile, application and new reminders in one transaction.
 * 8. Timers (`applyTimers`): ensure the slot timers of new and moved reminders that are not held (a
 *    reschedule's new time, to the minute, is a slot of its own), delete the timers of slots the
 *    cancellations and moves leave empty.
 */
export async function applyUserAction(item: StoredEventItem, deps: ApplyDeps): Promise<PlanEventResult> {
  return orMarkedFailed(item, deps, () => apply(storedActionOf(item), deps));
}

function storedActionOf(item: StoredEventItem): StoredUserAction {
  const result = StoredUserActionSchema.safeParse(item);
  if (result.success) return result.data;
  throw new InvalidStoredEventError(
    result.error.issues.map((issue) => ({ path: issue.path.map(String).join('.'), message: issue.message })),
  );
}

async function apply(stored: StoredUserAction, deps: ApplyDeps): Promise<PlanEventResult> {
  const { userId, eventId, action } = stored;
  if (action.type === 'user.erasure_requested') return erase(stored, deps);

  const ref = action.type === 'application.stopped' ? action.ref : undefined;
  // Actions act on every pending reminder (confirm releases all held ones): read them all, consistently.
  const state = await deps.store.loadPlanningState(userId, eventId, ref, 'consistent');
  if (state.alreadyPlanned) return replay(stored, deps);

  const now = deps.clock.now();
  const plannedAt = now.toISOString();
  if (!state.profile) {
    await markPlanned(stored, deps, { expiresAt: expiryAfter(now), plannedAt });
    return { outcome: 'planned', eventId, created: 0, cancelled: 0, confirmations: 0 };
  }

  const reminder =
    action.type === 'reminder.done' ||
    action.type === 'reminder.snoozed' ||
    action.type === 'reminder.cancelled' ||
    action.type === 'reminder.rescheduled'
      ? await deps.store.getReminder(userId, action.reminderId)
      : undefined;
  const application =
    action.type === 'reminder.snoozed' && reminder
      ? await deps.store.getApplication(userId, reminder.application.ref)
      : state.application;
  const decision = decideUserAction({
    stored,
    profile: state.profile,
    pending: state.pending,
    reminder,
    application,
    now,
  });
  // Confirmed: nothing live expires any more, and what is already history is kept the retention from now.
  if (decision.clearExpiry) await deps.store.setExpiry(userId, undefined, historyExpiry(now));
  const written = await markPlanned(stored, deps, {
    // Written only when the action changed it (done, snooze and stop leave it as it was).
    profile:
      state.profileNotIndexed || profileChanged(state.profile, decision.profile)
        ? decision.profile
        : undefined,
    application: decision.application,
    create: decision.create,
    cancel: decision.cancel,
    move: decision.move,
    done: decision.done,
    // An unconfirmed user's action expires with the rest of their data; it is no activity of theirs.
    expiresAt: decision.profile.expiresAt,
    plannedAt,
  });
  if (!written) return replay(stored, deps);
  await applyTimers(userId, decision, deps.timers, { pending: state.pending, now });
  return {
    outcome: 'planned',
    eventId,
    created: decision.create.length,
    cancelled: decision.cancel.length,
    confirmations: 0,
  };
}

/** Write the action's plan; false when a concurrent delivery applied it first. */
async function markPlanned(
  stored: StoredUserAction,
  deps: ApplyDeps,
  plan: Omit<PlanWrite, 'event' | 'create' | 'cancel'> & Partial<Pick<PlanWrite, 'create' | 'cancel'>>,
): Promise<boolean> {
  try {
    await deps.store.applyPlan({ create: [], cancel: [], ...plan, event: stored });
    return true;
  } catch (error) {
    if (error instanceof ConcurrencyError) return false;
    throw error;
  }
}

async function replay(stored: StoredUserAction, deps: ApplyDeps): Promise<PlanEventResult> {
  const { created, cancelled } = await resyncTimers(stored.userId, stored.eventId, deps);
  return { outcome: 'replayed', eventId: stored.eventId, created, cancelled, confirmations: 0 };
}

/**
 * "Delete my data": every item and every timer of the user goes; only the address-free erasure marker
 * stays (see `shared/domain/erasure.ts` for what it keeps and how long).
 * 1. If the request's own event is gone, an earlier delivery finished the erasure: do nothing, so a late
 *    redelivery cannot erase what the user did after it.
 * 2. Delete the timers of every pending reminder (held ones have none; one per slot), before their items, so
 *    no timer is left behind by a crash.
 * 3. Write the marker from the profile's confirmation counters (or the previous marker's), then delete
 *    every other item of the user, events included, the request's own event last.
 */
async function erase(stored: StoredUserAction, deps: ApplyDeps): Promise<PlanEventResult> {
  const { userId, eventId } = stored;
  const state = await deps.store.loadPlanningState(userId, eventId, undefined, 'consistent');
  if (!state.eventStored) return { outcome: 'replayed', eventId, created: 0, cancelled: 0, confirmations: 0 };
  await removeAllTimers(userId, state.pending, deps.timers);
  const marker = erasureMarkerFor(userId, state.profile, state.erasure, deps.clock.now());
  await deps.store.eraseUser(userId, marker, eventId);
  return { outcome: 'planned', eventId, created: 0, cancelled: state.pending.length, confirmations: 0 };
}
