import type { Digest } from '../domain/model.ts';
import { type SendDueDeps, type SendDueResult, sendDueReminders } from './send-due-reminders.ts';

export interface ReconcileResult {
  readonly usersWoken: number;
  readonly emails: number;
  readonly reminders: number;
  /** Users whose send failed this round (their reminders stay pending for the next round). */
  readonly failures: number;
  /** Digests whose send outcome is unknown (claimed, never confirmed): an operator must look. */
  readonly stuckDigests: readonly Digest[];
}

/** How long a digest may sit in `sending` before it is reported. */
export const STUCK_AFTER_MS = 15 * 60_000;
const PAGE = 500;

/**
 * The safety net for lost timers.
 *
 * Input: how late a pending reminder must be to count as lost. Output: what was sent and what is stuck.
 * 1. Read pending reminders due before now − grace from the pending index (oldest first, bounded).
 * 2. Wake each of their users once, exactly as a timer would (`sendDueReminders`), so every guarantee of the
 *    sender (claims, digest, no double send) holds here too.
 * 3. List digests stuck in `sending` for the operator; they are never resent automatically.
 */
export async function reconcile(
  graceMs: number,
  deps: SendDueDeps,
  sendForUser: (userId: string) => Promise<SendDueResult> = (userId) => sendDueReminders(userId, deps),
): Promise<ReconcileResult> {
  const now = deps.clock.now();
  const overdue = await deps.store.listAllPendingDue(new Date(now.getTime() - graceMs), PAGE);
  const users = [...new Set(overdue.map((r) => r.userId))];
  let emails = 0;
  let reminders = 0;
  let failures = 0;
  for (const userId of users) {
    try {
      const result = await sendForUser(userId);
      emails += result.emails;
      reminders += result.reminders;
    } catch {
      // One user's failure must not starve the others; the reminders stay pending for the next run.
      failures += 1;
    }
  }
  const stuckDigests = await deps.store.listStuckDigests(new Date(now.getTime() - STUCK_AFTER_MS), 100);
  return { usersWoken: users.length, emails, reminders, failures, stuckDigests };
}
