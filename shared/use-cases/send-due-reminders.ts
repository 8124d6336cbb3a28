import { checkAtSendTime } from '../domain/admission.ts';
import { digestIdFor } from '../domain/ids.ts';
import type { Digest, Reminder, UserProfile } from '../domain/model.ts';
import { type DigestLinks, renderDigest } from '../email/render.ts';
import { type LinkAction, linkUrl } from '../links/actions.ts';
import type { Clock, LinkSigner, Mailer, OutgoingEmail, ReminderStore } from '../ports.ts';

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
  /** Signs the links every reminder email carries (actions, preferences, unsubscribe). */
  readonly links: LinkSigner;
  /** Where links point (no trailing slash), e.g. the API's URL. */
  readonly publicBaseUrl: string;
}

/** Who the sender's own cancellations and moves are recorded as (`cancelledBy`, `movedBy`). */
export const SEND_TIME_CHECK = 'send-time-check';

/** RFC 8058: a mail client may unsubscribe with one POST of exactly this body to the `List-Unsubscribe` URL. */
export const ONE_CLICK_BODY = 'List-Unsubscribe=One-Click';

/**
 * Send one email with everything a user has due now. A timer is only a wake-up call: what to send is
 * decided by re-reading DynamoDB, so a timer that fires twice, late, or for a cancelled reminder is harmless.
 *
 * Input: the user to wake up for. Output: how many emails and reminders went out.
 * 1. Read the user's profile and pending reminders due by now (+ a small grace) in one read of the user's
 *    live index; held ones (waiting for consent) never are due.
 * 2. Ask consent again at send time (`checkAtSendTime`): without consent or opted out, a reminder is
 *    cancelled; inside a pause, a reconnect moves to the pause's end (no timer from here: the sender does not
 *    manage timers, the reconciler picks it up then) and any other kind is cancelled. Nothing of these is
 *    emailed. The planner does the same when consent changes; this catches a change still on its way.
 * 3. For each batch of up to {@link MAX_REMINDERS_PER_EMAIL}: sign the links (per reminder: done, snooze,
 *    stop; footer: preferences, unsubscribe), render the email, then claim the reminders in one transaction
 *    (each pending, not held, due by now → `sent` under the digest) together with a digest record `sending`.
 * 4. Send the one email (SES v2) with `List-Unsubscribe` (the unsubscribe link) and
 *    `List-Unsubscribe-Post: List-Unsubscribe=One-Click` (RFC 8058).
 * 5. Record the message id on the digest, which becomes `sent`: one write. If SES refused the email, release
 *    the claim (digest `failed`, reminders back to pending with one more refused send counted, so the retry's
 *    digest gets a new id) and rethrow so the invocation is retried.
 * 6. A claim lost (another invocation claimed first; a reminder was cancelled, claimed or moved since the
 *    read, which the live index may not show yet): read again, from the table (strongly consistent), and go on
 *    with what is still due. Otherwise the one read served the whole wake-up.
 * A crash after 3 (before SES, or after it and before 5) leaves the digest in `sending` and its reminders
 * `sent` under it: they are never claimed again (no reminder is emailed twice), and the reconciler reports the
 * digest, whose status is the only record of whether the email went. The cases are in docs/performance.md.
 */
export async function sendDueReminders(userId: string, deps: SendDueDeps): Promise<SendDueResult> {
  let emails = 0;
  let reminders = 0;
  let consistent = false;
  for (let round = 0; round < MAX_ROUNDS; round += 1) {
    const now = deps.clock.now();
    const dueBy = new Date(now.getTime() + DUE_GRACE_MS);
    const { profile, due } = await deps.store.loadDue(userId, dueBy, { consistent });
    if (!profile || due.length === 0) break;
    const check = checkAtSendTime(profile, due, now);
    if (check.cancel.length > 0 || check.move.length > 0) {
      const stamp = { by: SEND_TIME_CHECK, at: now.toISOString() };
      await deps.store.cancelReminders(userId, check.cancel, stamp);
      await deps.store.moveReminders(userId, check.move, stamp);
    }
    let lost = false;
    for (let i = 0; i < check.send.length && !lost; i += MAX_REMINDERS_PER_EMAIL) {
      const batch = check.send.slice(i, i + MAX_REMINDERS_PER_EMAIL);
      const sent = await sendDigest(profile, batch, now, dueBy.toISOString(), deps);
      if (sent) {
        emails += 1;
        reminders += batch.length;
      } else lost = true;
    }
    if (!lost) break;
    consistent = true;
  }
  return { emails, reminders };
}

/** Steps 3–5 for one batch; false when the claim was lost (nothing was sent). */
async function sendDigest(
  profile: UserProfile,
  batch: readonly Reminder[],
  now: Date,
  dueBy: string,
  deps: SendDueDeps,
): Promise<boolean> {
  const { userId } = profile;
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
  // Sign and render before claiming: a failure here must not leave reminders stuck in `sending`.
  const links = await linksFor(userId, batch, deps);
  const email = renderDigest(
    { email: profile.email, name: profile.name, timezone: profile.timezone },
    batch,
    { links },
  );
  const claim = await deps.store.claimDigest(digest, dueBy);
  if (claim.outcome === 'lost') return false;

  let messageId: string;
  try {
    messageId = await deps.mailer.send({
      to: profile.email,
      subject: email.subject,
      html: email.html,
      text: email.text,
      headers: unsubscribeHeaders(links.unsubscribe),
      tags: { digest: digest.digestId, kinds: [...new Set(batch.map((r) => r.kind))].sort().join('_') },
    });
  } catch (error) {
    await deps.store.releaseDigest(digest, error instanceof Error ? error.message : String(error));
    throw error;
  }
  await deps.store.completeDigest(digest, messageId, deps.clock.now().toISOString());
  return true;
}

/** The links of one digest, each carrying a token signed for its action and target. */
async function linksFor(userId: string, batch: readonly Reminder[], deps: SendDueDeps): Promise<DigestLinks> {
  const url = async (action: LinkAction, target?: string) =>
    linkUrl(deps.publicBaseUrl, action, await deps.links.sign({ userId, action, target }));
  const perReminder = Object.fromEntries(
    await Promise.all(
      batch.map(async (r) => {
        const [done, snooze, stop] = await Promise.all([
          url('done', r.reminderId),
          url('snooze', r.reminderId),
          url('stop', r.application.ref),
        ]);
        return [r.reminderId, { done, snooze, stop }] as const;
      }),
    ),
  );
  const [preferences, unsubscribe] = await Promise.all([url('preferences'), url('unsubscribe')]);
  return { perReminder, preferences, unsubscribe };
}

/** RFC 2369 `List-Unsubscribe` and RFC 8058 one-click, which Gmail and Yahoo require of bulk mail. */
export function unsubscribeHeaders(unsubscribeUrl: string): NonNullable<OutgoingEmail['headers']> {
  return [
    { name: 'List-Unsubscribe', value: `<${unsubscribeUrl}>` },
    { name: 'List-Unsubscribe-Post', value: ONE_CLICK_BODY },
  ];
}

/** 1 for a first send; after refused sends, one more than the most any reminder of the batch has had. */
function attemptOf(batch: readonly Reminder[]): number {
  return 1 + Math.max(0, ...batch.map((r) => r.failedSends ?? 0));
}
