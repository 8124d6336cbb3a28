import { digestIdFor } from '../domain/ids.ts';
import type { Digest, Reminder } from '../domain/model.ts';
import { renderDigest } from '../email/render.ts';
import type { Clock, Mailer, ReminderStore } from '../ports.ts';

/** A timer may fire a little early or late; reminders due within this window join the same email. */
export const DUE_GRACE_MS = 60_000;
/** DynamoDB transactions take 100 items; one digest claims at most this many reminders. */
export const MAX_REMINDERS_PER_EMAIL = 50;
const MAX_ROUNDS = 10;

export interface SendDueResult {
  readonly emails: number;
  readonly reminders: number;
}

export interface SendDueDeps {
  readonly store: ReminderStore;
  readonly mailer: Mailer;
  readonly clock: Clock;
}

/**
 * Send one email with everything a user has due now. A timer is only a wake-up call: what to send is
 * decided by re-reading DynamoDB, so a timer that fires twice, late, or for a cancelled reminder is harmless.
 *
 * Input: the user to wake up for. Output: how many emails and reminders went out.
 * 1. Read the user's pending reminders due by now (+ a small grace).
 * 2. Render the email, then claim the reminders in one transaction (pending → sending) together with a
 *    digest record. If another invocation claimed first, or one was cancelled meanwhile, re-read and retry.
 * 3. Send the one email (SES v2).
 * 4. Record the message id: digest and reminders become `sent`. If SES refused the email, release the claim
 *    (back to pending, one more refused send counted on each reminder, so the retry's digest gets a new id)
 *    and rethrow so the invocation is retried.
 * A crash between 3 and 4 leaves the digest in `sending`; it is never resent automatically (no reminder is
 * emailed twice) and the reconciler reports it.
 */
export async function sendDueReminders(userId: string, deps: SendDueDeps): Promise<SendDueResult> {
  const profile = await deps.store.getProfile(userId);
  if (!profile) return { emails: 0, reminders: 0 };
  let emails = 0;
  let reminders = 0;
  for (let round = 0; round < MAX_ROUNDS; round += 1) {
    const now = deps.clock.now();
    const due = await deps.store.listPendingDue(userId, new Date(now.getTime() + DUE_GRACE_MS));
    if (due.length === 0) break;
    const batch = due.slice(0, MAX_REMINDERS_PER_EMAIL);
    const digest: Digest = {
      digestId: digestIdFor(
        batch.map((r) => r.reminderId),
        now.toISOString(),
        attemptOf(batch),
      ),
      userId,
      reminderIds: batch.map((r) => r.reminderId),
      status: 'sending',
      claimedAt: now.toISOString(),
    };
    // Render before claiming: a rendering bug must not leave reminders stuck in `sending`.
    const email = renderDigest(
      { email: profile.email, name: profile.name, timezone: profile.timezone },
      batch,
    );
    const claim = await deps.store.claimDigest(digest);
    if (claim.outcome === 'lost') continue;

    let messageId: string;
    try {
      messageId = await deps.mailer.send({
        to: profile.email,
        subject: email.subject,
        html: email.html,
        text: email.text,
        tags: { digest: digest.digestId, kinds: [...new Set(batch.map((r) => r.kind))].sort().join('_') },
      });
    } catch (error) {
      await deps.store.releaseDigest(digest, error instanceof Error ? error.message : String(error));
      throw error;
    }
    await deps.store.completeDigest(digest, messageId, deps.clock.now().toISOString());
    emails += 1;
    reminders += batch.length;
  }
  return { emails, reminders };
}

/** 1 for a first send; after refused sends, one more than the most any reminder of the batch has had. */
function attemptOf(batch: readonly Reminder[]): number {
  return 1 + Math.max(0, ...batch.map((r) => r.failedSends ?? 0));
}
