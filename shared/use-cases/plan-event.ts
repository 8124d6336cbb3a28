import type { StoredJobEvent } from '#events/job-event.ts';
import { decide } from '../domain/policy.ts';
import { ConcurrencyError } from '../errors.ts';
import type { Clock, ReminderStore, TimerService } from '../ports.ts';

export interface PlanEventResult {
  readonly eventId: string;
  readonly created: number;
  readonly cancelled: number;
  /** True when the event had been applied before (a stream redelivery): only timers were re-synced. */
  readonly replay: boolean;
}

export interface PlanEventDeps {
  readonly store: ReminderStore;
  readonly timers: TimerService;
  readonly clock: Clock;
}

/**
 * Turn one stored event into reminder changes, then bring timers in line with DynamoDB.
 *
 * Input: an event read from the table's stream. Output: what changed.
 * 1. Load the user's profile, the application's state and the user's pending reminders.
 * 2. If the event was already applied (redelivery), skip to step 5 for the reminders it touched.
 * 3. Ask the pure policy what to create and cancel.
 * 4. Write it all at once: the event is marked planned in the same transaction, so it applies once.
 * 5. Create a timer for each new pending reminder and delete the timer of each cancelled one. Both calls are
 *    idempotent; a crash between 4 and 5 is repaired by the redelivery (step 2) or, at worst, the reconciler.
 */
export async function planEvent(stored: StoredJobEvent, deps: PlanEventDeps): Promise<PlanEventResult> {
  const ref = stored.event.application?.ref;
  const state = await deps.store.loadPlanningState(stored.userId, stored.eventId, ref);
  if (state.alreadyPlanned) return resyncTimers(stored, deps, true);

  const now = deps.clock.now();
  const decision = decide({
    event: stored,
    profile: state.profile,
    application: state.application,
    pending: state.pending,
    now,
  });
  try {
    await deps.store.applyPlan({
      event: stored,
      profile: decision.profile,
      application: decision.application,
      create: decision.create,
      cancel: decision.cancel,
      plannedAt: now.toISOString(),
    });
  } catch (error) {
    // A concurrent delivery of the same record won: its plan stands, only make sure the timers match.
    if (error instanceof ConcurrencyError) return resyncTimers(stored, deps, true);
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
    eventId: stored.eventId,
    created: decision.create.length,
    cancelled: decision.cancel.length,
    replay: false,
  };
}

async function resyncTimers(
  stored: StoredJobEvent,
  deps: PlanEventDeps,
  replay: boolean,
): Promise<PlanEventResult> {
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
  return { eventId: stored.eventId, created, cancelled, replay };
}
