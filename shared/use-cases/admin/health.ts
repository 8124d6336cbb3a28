import type { HealthView } from '../../../events/admin-api.ts';
import type { AdminDeps } from './deps.ts';
import { adminDigest, adminReminder, utcDays } from './present.ts';

/** A digest claimed longer ago than this and still `sending` is shown as stuck. */
export const STUCK_DIGEST_AFTER_MS = 10 * 60_000;
/** The window of the email and feedback figures. */
export const HEALTH_DAYS = 30;

/**
 * What an operator checks first.
 *
 * Output: digests stuck in `sending`, dead letters per queue, emails sent per UTC day over the last 30 days
 * (zeros included), bounces and complaints over the same days, and the oldest pending reminder that is
 * overdue (a lost timer the reconciler has not caught up with yet).
 */
export async function health(
  deps: Pick<AdminDeps, 'store' | 'admin' | 'deadLetters' | 'clock'>,
): Promise<HealthView> {
  const now = deps.clock.now();
  const days = utcDays(now, HEALTH_DAYS, 'backward');
  const [stuck, deadLetters, sent, feedback, oldest] = await Promise.all([
    deps.store.listStuckDigests(new Date(now.getTime() - STUCK_DIGEST_AFTER_MS), 100),
    deps.deadLetters.counts(),
    deps.admin.emailsSentPerDay(days),
    deps.admin.feedbackCounts(days[0] as string),
    deps.store.listAllPendingDue(now, 1),
  ]);
  const overdue = oldest[0] && Date.parse(oldest[0].dueAt) < now.getTime() ? oldest[0] : undefined;
  return {
    stuckDigests: stuck.map(adminDigest),
    deadLetters: deadLetters.map(({ name, count }) => ({ name, count })),
    emailsPerDay: days.map((day) => ({ day, count: sent.get(day) ?? 0 })),
    bounces: feedback.bounces,
    complaints: feedback.complaints,
    oldestOverdue: overdue && adminReminder(overdue, await deps.store.getProfile(overdue.userId)),
  };
}
