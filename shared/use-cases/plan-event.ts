import { type StoredJobEvent, StoredJobEventSchema } from '#events/job-event.ts';
import { admitPlan } from '../domain/admission.ts';
import type { ApplicationState } from '../domain/model.ts';
import { decide, profileChanged } from '../domain/policy.ts';
import { ConcurrencyError, InvalidStoredEventError, PermanentError } from '../errors.ts';
import type { Clock, PlanningState, ReminderStore, TimerService } from '../ports.ts';
import { type RequestConfirmationDeps, requestConfirmation } from './request-confirmation.ts';
import { applyTimers, resyncTimers } from './timers.ts';

/** An `EVENT#` item as the table's stream delivers it: whose it is is known, its content not yet checked. */
export interface StoredEventItem {
  readonly userId: string;
  readonly eventId: string;
  readonly [attribute: string]: unknown;
}

export type PlanEventResult =
  | {
      /** `replayed`: the event had been applied before (a stream redelivery); only timers were re-synced. */
      readonly outcome: 'planned' | 'replayed';
      readonly eventId: string;
      readonly created: number;
      readonly cancelled: number;
      /** Confirmation emails sent (0 or 1): only for an unconfirmed user, within the limits. */
      readonly confirmations: number;
    }
  /** Retrying cannot help (see `PermanentError`): the event is marked `failed` with this reason. */
  | { readonly outcome: 'failed'; readonly eventId: string; readonly reason: string };

/** What applying any timeline event needs: the table, the timers and the clock. */
export interface ApplyDeps {
  readonly store: ReminderStore;
  readonly timers: TimerService;
  readonly clock: Clock;
}

/** What the planner needs: to apply events, and to ask a new address for its consent. */
export interface PlanEventDeps extends ApplyDeps, RequestConfirmationDeps {}

/**
 * Turn one stored intake event into reminder changes, then bring timers in line with DynamoDB.
 *
 * Input: an event item read from the table's stream. Output: what changed, or why it never can.
 * 1. Check the item against the contract. An item that violates it fails permanently (step 9).
 * 2. Load the user's profile (or, if none, the marker an erasure left), the application's state and the
 *    user's pending reminders, held ones included ({@link planningStateFor}: from the user's live index, which
 *    never reads the history, unless the index may not show what was written a moment ago).
 * 3. If the event was already applied (redelivery), skip to step 7 for the reminders it touched.
 * 4. Ask the pure policy what to create and cancel (each new reminder carries the event's source, if any),
 *    then apply consent to it (`admitPlan`): an unconfirmed user's reminders are held (no timer, off the
 *    pending index), opted-out kinds and stale kinds inside a pause are not created, a reconnect inside a
 *    pause moves to its end, no consent creates nothing.
 * 5. While the user is unconfirmed, their data expires 30 to 37 days after this activity (`expiryAfter`):
 *    when the expiry moves to a later week, every item they have gets it first (at most once a week); what
 *    step 6 writes carries it.
 * 6. Write it all at once: the event is marked planned in the same transaction, so it applies once. The
 *    profile is written only when it changed (`profileChanged`: a new `updatedAt` alone is no change).
 * 7. Timers, one per user and send slot (`applyTimers`): ensure the slot timer of each new reminder that is
 *    not held, unless another pending reminder keeps it; delete the timer of a slot the cancellations leave
 *    empty. Both calls are idempotent; a crash between 6 and 7 is repaired by the redelivery (step 3) or, at
 *    worst, the reconciler.
 * 8. An unconfirmed user is asked for consent right away, if the limits allow (`requestConfirmation`). This
 *    runs on a redelivery too: the limits and the claim make sure the email goes at most once.
 * 9. A `PermanentError` on the way (a contract violation, a request an AWS API refuses as invalid) marks the
 *    event `failed` with its reason and returns normally, so the stream moves on and the user's later events
 *    are planned. Reminders written before a refused timer stay pending: the reconciler sends them when due,
 *    as it does for any lost timer. Every other error is rethrown, and the record retried.
 */
export async function planEvent(item: StoredEventItem, deps: PlanEventDeps): Promise<PlanEventResult> {
  return orMarkedFailed(item, deps, () => plan(storedEventOf(item), sourceIdOf(item), deps));
}

/** The source intake stored beside the event (see `SourcedJobEvent`); the contract's schema drops it. */
function sourceIdOf(item: StoredEventItem): string | undefined {
  return typeof item.sourceId === 'string' && item.sourceId.length > 0 ? item.sourceId : undefined;
}

/** Run `apply`; a `PermanentError` marks the event failed (see `planEvent` step 9), anything else is rethrown. */
export async function orMarkedFailed(
  item: StoredEventItem,
  deps: ApplyDeps,
  apply: () => Promise<PlanEventResult>,
): Promise<PlanEventResult> {
  try {
    return await apply();
  } catch (error) {
    if (!(error instanceof PermanentError)) throw error;
    const failure = { failedAt: deps.clock.now().toISOString(), reason: error.message };
    await deps.store.markEventFailed(item.userId, item.eventId, failure);
    return { outcome: 'failed', eventId: item.eventId, reason: error.message };
  }
}

function storedEventOf(item: StoredEventItem): StoredJobEvent {
  const result = StoredJobEventSchema.safeParse(item);
  if (result.success) return result.data;
  throw new InvalidStoredEventError(
    result.error.issues.map((issue) => ({ path: issue.path.map(String).join('.'), message: issue.message })),
  );
}

async function plan(
  stored: StoredJobEvent,
  sourceId: string | undefined,
  deps: PlanEventDeps,
): Promise<PlanEventResult> {
  const { userId, eventId } = stored;
  const ref = stored.event.application?.ref;
  const now = deps.clock.now();
  // Only `offer.accepted` cancels across applications: it must see every pending reminder.
  const scope = stored.event.type === 'offer.accepted' ? 'user' : 'application';
  const state = await planningStateFor(userId, eventId, ref, scope, now, deps.store);
  if (state.alreadyPlanned) return replay(stored, deps);

  const decision = admitPlan({
    decision: decide({ ...state, event: stored, sourceId, now }),
    previous: state.profile,
    erasure: state.erasure,
    now,
  });
  const { profile, application, create, cancel } = decision;
  if (decision.refreshExpiry) await deps.store.setExpiry(userId, profile.expiresAt);
  try {
    await deps.store.applyPlan({
      event: stored,
      // Written only when it changed (or is not on the live index yet, where the sender reads it).
      profile: state.profileNotIndexed || profileChanged(state.profile, profile) ? profile : undefined,
      application,
      create,
      cancel,
      expiresAt: profile.expiresAt,
      plannedAt: now.toISOString(),
    });
  } catch (error) {
    // A concurrent delivery of the same record won: its plan stands, only make sure the timers match.
    if (error instanceof ConcurrencyError) return replay(stored, deps);
    throw error;
  }
  await applyTimers(userId, decision, deps.timers, { pending: state.pending, now });
  const confirmed = await requestConfirmation(profile, deps);
  return {
    outcome: 'planned',
    eventId,
    created: create.length,
    cancelled: cancel.length,
    confirmations: confirmed ? 1 : 0,
  };
}

/**
 * How long a write may take to show on the user's live index (a GSI: DynamoDB propagates it "within a fraction
 * of a second" normally). Within this of an application's last write, its reminders are read from the table.
 */
export const LIVE_INDEX_LAG_MS = 10_000;

/**
 * The planning state, with the pending reminders read as cheaply as is safe.
 *
 * The policy cancels pending reminders of the event's application (or, for `scope: 'user'`, of every
 * application), so it must see each of them. The live index holds only pending reminders but lags the table
 * a little; a reminder it misses would go out after the event that should have cancelled it. So:
 * 1. `scope: 'user'` reads the table (strongly consistent; reads the history: rare events only).
 * 2. Otherwise read the live index. Every write that creates a reminder of an application also writes the
 *    application (intake events, snoozes), so its `updatedAt` says when its reminders last appeared: if that is
 *    within {@link LIVE_INDEX_LAG_MS}, read the table instead. Reminders of other applications may show stale
 *    (they are not cancelled by this event; a stale entry only makes a timer call that was not needed).
 */
export async function planningStateFor(
  userId: string,
  eventId: string,
  ref: string | undefined,
  scope: 'user' | 'application',
  now: Date,
  store: ReminderStore,
): Promise<PlanningState> {
  if (scope === 'user') return store.loadPlanningState(userId, eventId, ref, 'consistent');
  const state = await store.loadPlanningState(userId, eventId, ref, 'index');
  if (!recentlyWritten(state.application, now)) return state;
  return { ...state, pending: await store.listPending(userId) };
}

function recentlyWritten(application: ApplicationState | undefined, now: Date): boolean {
  return application !== undefined && Date.parse(application.updatedAt) > now.getTime() - LIVE_INDEX_LAG_MS;
}

async function replay(stored: StoredJobEvent, deps: PlanEventDeps): Promise<PlanEventResult> {
  const { created, cancelled } = await resyncTimers(stored.userId, stored.eventId, deps);
  // The first delivery may have stopped before asking for consent; the limits and the claim keep it to one.
  const confirmed = await requestConfirmation(await deps.store.getProfile(stored.userId), deps);
  return {
    outcome: 'replayed',
    eventId: stored.eventId,
    created,
    cancelled,
    confirmations: confirmed ? 1 : 0,
  };
}
