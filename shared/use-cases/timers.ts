/**
 * The timer side of a plan, shared by intake events and user actions: after DynamoDB has the truth, bring
 * EventBridge Scheduler in line with it. A held reminder (waiting for consent) has no timer.
 */
import type { Cancellation, NewReminder, Reminder, ReminderMove } from '../domain/model.ts';
import type { ReminderStore, TimerService } from '../ports.ts';

export interface TimerChanges {
  readonly create: readonly NewReminder[];
  readonly cancel: readonly Cancellation[];
  readonly move?: readonly ReminderMove[] | undefined;
}

/** Create a timer for each new or moved reminder that is not held, and delete those of cancelled ones. */
export async function applyTimers(
  userId: string,
  changes: TimerChanges,
  timers: TimerService,
): Promise<void> {
  for (const r of changes.create) {
    if (!r.held) await timers.ensure(timerOf({ ...r, userId }));
  }
  for (const m of changes.move ?? []) {
    if (!m.held) await timers.ensure(timerOf({ ...m, userId }));
  }
  for (const c of changes.cancel) {
    if (!c.held) await timers.remove(c.scheduleName);
  }
}

/**
 * Redo the timer side of an event that was applied before (a redelivery, or a concurrent delivery that
 * won): from DynamoDB, ensure the timer of each pending reminder the event created or moved, and delete
 * the timer of each it cancelled. Both calls are idempotent.
 */
export async function resyncTimers(
  userId: string,
  eventId: string,
  deps: { readonly store: ReminderStore; readonly timers: TimerService },
): Promise<{ readonly created: number; readonly cancelled: number }> {
  const touched = await deps.store.remindersTouchedBy(userId, eventId);
  let created = 0;
  let cancelled = 0;
  for (const r of touched) {
    if (r.held) continue;
    if (r.status === 'pending' && (r.sourceEventId === eventId || r.movedBy === eventId)) {
      await deps.timers.ensure(timerOf(r));
      created += 1;
    } else if (r.status === 'cancelled' && r.cancelledBy === eventId) {
      await deps.timers.remove(r.scheduleName);
      cancelled += 1;
    }
  }
  return { created, cancelled };
}

function timerOf(r: Pick<Reminder, 'scheduleName' | 'dueAt' | 'userId' | 'reminderId'>) {
  return { scheduleName: r.scheduleName, dueAt: r.dueAt, userId: r.userId, reminderId: r.reminderId };
}
