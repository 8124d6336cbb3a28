import { type StoredJobEvent, StoredJobEventSchema } from '#events/job-event.ts';
import { decide } from '../domain/policy.ts';
import { ConcurrencyError, InvalidStoredEventError, PermanentError } from '../errors.ts';
import type { Clock, ReminderStore, TimerService } from '../ports.ts';

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
    }
  /** Retrying cannot help (see `PermanentError`): the event is marked `failed` with this reason. */
  | { readonly outcome: 'failed'; readonly eventId: string; readonly reason: string };

export interface PlanEventDeps {
  readonly store: ReminderStore;
  readonly timers: TimerService;
  readonly clock: Clock;
}

/**
 * Turn one stored event into reminder changes, then bring timers in line with DynamoDB.
 *
 * Input: an event item read from the table's stream. Output: what changed, or why it never can.
 * 1. Check the item against the contract. An item that violates it fails permanently (step 7).
 * 2. Load the user's profile, the application's state and the user's pending reminders.
 * 3. If the event was already applied (redelivery), skip to step 6 for the reminders it touched.
 * 4. Ask the pure policy what to create and cancel.
 * 5. Write it all at once: the event is marked planned in the same transaction, so it applies once.
 * 6. Create a timer for each new pending reminder and delete the timer of each cancelled one. Both calls are
 *    idempotent; a crash between 5 and 6 is repaired by the redelivery (step 3) or, at worst, the reconciler.
 * 7. A `PermanentError` on the way (a contract violation, a request an AWS API refuses as invalid) marks the
 *    event `failed` with its reason and returns normally, so the stream moves on and the user's later events
 *    are planned. Reminders written before a refused timer stay pending: the reconciler sends them when due,
 *    as it does for any lost timer. Every other error is rethrown, and the record retried.
 */
export async function planEvent(item: StoredEventItem, deps: PlanEventDeps): Promise<PlanEventResult> {
  try {
    return await plan(storedEventOf(item), deps);
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

async function plan(stored: StoredJobEvent, deps: PlanEventDeps): Promise<PlanEventResult> {
  const ref = stored.event.application?.ref;
  const state = await deps.store.loadPlanningState(stored.userId, stored.eventId, ref);
  if (state.alreadyPlanned) return resyncTimers(stored, deps);

  const now = deps.clock.now();
  const decision = decide({ ...state, event: stored, now });
  try {
    await deps.store.applyPlan({ event: stored, ...decision, plannedAt: now.toISOString() });
  } catch (error) {
    // A concurrent delivery of the same record won: its plan stands, only make sure the timers match.
    if (error instanceof ConcurrencyError) return resyncTimers(stored, deps);
    throw error;
  }
  for (const r of decision.create) {
    await deps.timers.ensure({
      scheduleName: r.scheduleName,
      dueAt: r.dueAt,
      userId: r.userId,
      reminderId: r.reminderId,
    });
  }
  for (const c of decision.cancel) await deps.timers.remove(c.scheduleName);
  return {
    outcome: 'planned',
    eventId: stored.eventId,
    created: decision.create.length,
    cancelled: decision.cancel.length,
  };
}

async function resyncTimers(stored: StoredJobEvent, deps: PlanEventDeps): Promise<PlanEventResult> {
  const touched = await deps.store.remindersTouchedBy(stored.userId, stored.eventId);
  let created = 0;
  let cancelled = 0;
  for (const r of touched) {
    if (r.status === 'pending' && r.sourceEventId === stored.eventId) {
      await deps.timers.ensure({
        scheduleName: r.scheduleName,
        dueAt: r.dueAt,
        userId: r.userId,
        reminderId: r.reminderId,
      });
      created += 1;
    } else if (r.status === 'cancelled' && r.cancelledBy === stored.eventId) {
      await deps.timers.remove(r.scheduleName);
      cancelled += 1;
    }
  }
  return { outcome: 'replayed', eventId: stored.eventId, created, cancelled };
}
