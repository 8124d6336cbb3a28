/**
 * The timer side of a plan, shared by intake events and user actions: after DynamoDB has the truth, bring
 * EventBridge Scheduler in line with it.
 *
 * One timer per user and send slot (`slotScheduleNameFor`): the sender sends everything due for the user when
 * it wakes, so the reminders of one slot need one wake-up, not one each. A held reminder (waiting for consent)
 * has no timer. Reminders planned before slot timers keep their own timer (`scheduleNameFor`) for life.
 */
import { isReminderScheduleName, slotScheduleNameFor } from '../domain/ids.ts';
import type { Cancellation, NewReminder, Reminder, ReminderMove } from '../domain/model.ts';
import type { ReminderStore, TimerService } from '../ports.ts';
import { SEND_TIME_CHECK } from './send-due-reminders.ts';

export interface TimerChanges {
  readonly create: readonly NewReminder[];
  readonly cancel: readonly Cancellation[];
  readonly move?: readonly ReminderMove[] | undefined;
}

/**
 * A slot this close (or past) gets its timer ensured even when another reminder already made it: that timer
 * may just have fired (and, `ActionAfterCompletion: DELETE`, be gone).
 */
export const ENSURE_ALWAYS_WITHIN_MS = 2 * 60_000;

/** The timer that wakes the sender for a reminder at `dueAt`: its slot's, or the reminder's own if it has one. */
export function timerNameOf(
  userId: string,
  r: { readonly scheduleName: string; readonly dueAt?: string },
): string {
  if (isReminderScheduleName(r.scheduleName) || r.dueAt === undefined) return r.scheduleName;
  return slotScheduleNameFor(userId, r.dueAt);
}

/**
 * Bring the timers in line with a plan just written.
 *
 * Input: the plan's changes, and the user's pending reminders as the planner read them before the plan.
 * 1. The slots that keep a timer anyway: those of pending reminders the plan leaves where they are, not held,
 *    timed by the planner (a reconnect the sender moved after a pause has no timer; the reconciler sends it).
 * 2. Ensure the timer of each slot a new or moved reminder (not held) lands in, once, unless step 1 keeps it
 *    and the slot is more than {@link ENSURE_ALWAYS_WITHIN_MS} away.
 * 3. Delete the timer of each slot a cancelled or moved reminder leaves empty (a timer of one reminder, from
 *    before slot timers, always goes with it).
 * The pending reminders may come from the live index, a moment behind: a slot it shows empty may hold a
 * reminder written a moment ago, whose timer step 3 then deletes; that reminder goes out by the reconciler,
 * minutes late. Both calls are idempotent.
 */
export async function applyTimers(
  userId: string,
  changes: TimerChanges,
  timers: TimerService,
  before: { readonly pending: readonly Reminder[]; readonly now: Date },
): Promise<void> {
  const leaving = new Set([
    ...changes.cancel.map((c) => c.reminderId),
    ...(changes.move ?? []).map((m) => m.reminderId),
  ]);
  const staying = new Set<string>();
  for (const r of before.pending) {
    if (r.held || leaving.has(r.reminderId) || r.movedBy === SEND_TIME_CHECK) continue;
    const name = timerNameOf(userId, r);
    if (!isReminderScheduleName(name)) staying.add(name);
  }

  const arriving = [
    ...changes.create.filter((r) => !r.held),
    ...(changes.move ?? [])
      .filter((m) => !m.held)
      .map((m) => ({ ...m, scheduleName: nameBefore(before.pending, m) })),
  ];
  const ensured = new Set<string>();
  for (const r of arriving) {
    const name = timerNameOf(userId, r);
    if (ensured.has(name)) continue;
    ensured.add(name);
    const soon = Date.parse(r.dueAt) - before.now.getTime() <= ENSURE_ALWAYS_WITHIN_MS;
    if (staying.has(name) && !soon) continue;
    await timers.ensure({ scheduleName: name, dueAt: r.dueAt, userId, reminderId: r.reminderId });
  }

  const departing = [
    ...changes.cancel.filter((c) => !c.held),
    ...(changes.move ?? []).flatMap((m) => {
      const was = before.pending.find((r) => r.reminderId === m.reminderId);
      return was && !was.held ? [was] : [];
    }),
  ];
  const removed = new Set<string>();
  for (const r of departing) {
    const name = timerNameOf(userId, r);
    if (staying.has(name) || ensured.has(name) || removed.has(name)) continue;
    removed.add(name);
    await timers.remove(name);
  }
}

/** A move keeps the reminder's kind of timer: its own if it had one, else its new slot's. */
function nameBefore(pending: readonly Reminder[], move: ReminderMove): string {
  return pending.find((r) => r.reminderId === move.reminderId)?.scheduleName ?? move.scheduleName;
}

/**
 * Redo the timer side of an event that was applied before (a redelivery, or a concurrent delivery that
 * won): from DynamoDB, ensure the timer of each pending reminder the event created or moved (once per slot),
 * and delete the timer of each slot its cancellations left empty (read again, strongly consistent, only when
 * it cancelled something). Both calls are idempotent.
 */
export async function resyncTimers(
  userId: string,
  eventId: string,
  deps: { readonly store: ReminderStore; readonly timers: TimerService },
): Promise<{ readonly created: number; readonly cancelled: number }> {
  const touched = (await deps.store.remindersTouchedBy(userId, eventId)).filter((r) => !r.held);
  const arrived = touched.filter(
    (r) => r.status === 'pending' && (r.sourceEventId === eventId || r.movedBy === eventId),
  );
  const departed = touched.filter((r) => r.status === 'cancelled' && r.cancelledBy === eventId);
  const ensured = new Set<string>();
  for (const r of arrived) {
    const name = timerNameOf(userId, r);
    if (ensured.has(name)) continue;
    ensured.add(name);
    await deps.timers.ensure({ scheduleName: name, dueAt: r.dueAt, userId, reminderId: r.reminderId });
  }
  if (departed.length > 0) {
    const staying = new Set(
      (await deps.store.listPending(userId))
        .filter((r) => !r.held && r.movedBy !== SEND_TIME_CHECK)
        .map((r) => timerNameOf(userId, r)),
    );
    const removed = new Set<string>();
    for (const r of departed) {
      const name = timerNameOf(userId, r);
      if (staying.has(name) || ensured.has(name) || removed.has(name)) continue;
      removed.add(name);
      await deps.timers.remove(name);
    }
  }
  return { created: arrived.length, cancelled: departed.length };
}

/** Delete every timer of the user's pending reminders (erasure): each slot's and each own one, once. */
export async function removeAllTimers(
  userId: string,
  pending: readonly Reminder[],
  timers: TimerService,
): Promise<void> {
  const names = new Set(pending.filter((r) => !r.held).map((r) => timerNameOf(userId, r)));
  for (const name of names) await timers.remove(name);
}
