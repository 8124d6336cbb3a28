import { mayRequestConfirmation } from '../domain/consent.ts';
import type { UserProfile } from '../domain/model.ts';
import { renderConfirmation } from '../email/render.ts';
import { linkUrl } from '../links/actions.ts';
import type { Clock, ConfirmationClaim, LinkSigner, Mailer, ReminderStore } from '../ports.ts';

export interface RequestConfirmationDeps {
  readonly store: ReminderStore;
  readonly mailer: Mailer;
  readonly clock: Clock;
  /** Signs the confirm and "this wasn't me" links. */
  readonly links: LinkSigner;
  /** Where links point (no trailing slash), e.g. the API's URL. */
  readonly publicBaseUrl: string;
}

/**
 * Ask an unconfirmed user, once, whether they want reminders (double opt-in), if the limits allow.
 *
 * Input: the user's profile as stored. Output: whether a confirmation email went out.
 * 1. Only an unconfirmed profile within the limits against email bombing qualifies (`mayRequestConfirmation`:
 *    at most one per 24 h, at most 3 while unconfirmed).
 * 2. Sign the two links ("Yes, send me reminders", "This wasn't me") and render the email, before anything
 *    is spent: a failure here leaves the counters as they were.
 * 3. Claim the email with a conditional update of the profile's counters (as read in 1), so a redelivery or
 *    a race sends at most one: whoever loses the claim sends nothing.
 * 4. Send it. If the provider refuses it for sure, release the claim and rethrow, so a retry can send it.
 * A crash between 3 and 4 loses this one confirmation (at most once, as for digests): the counters say it
 * was sent. The user's next event asks again once 24 h have passed, while the limit allows.
 */
export async function requestConfirmation(
  profile: UserProfile | undefined,
  deps: RequestConfirmationDeps,
): Promise<boolean> {
  const now = deps.clock.now();
  if (!profile || !mayRequestConfirmation(profile, now)) return false;
  const { userId } = profile;
  const [confirm, notMe] = await Promise.all([
    deps.links.sign({ userId, action: 'confirm' }),
    deps.links.sign({ userId, action: 'not-me' }),
  ]);
  const email = renderConfirmation(
    { email: profile.email, name: profile.name },
    {
      confirmUrl: linkUrl(deps.publicBaseUrl, 'confirm', confirm),
      notMeUrl: linkUrl(deps.publicBaseUrl, 'not-me', notMe),
    },
  );
  const claim: ConfirmationClaim = {
    previousAt: profile.lastConfirmationAt,
    previousCount: profile.confirmationsSent ?? 0,
    at: now.toISOString(),
  };
  if (!(await deps.store.claimConfirmation(userId, claim))) return false;
  try {
    await deps.mailer.send({
      to: profile.email,
      subject: email.subject,
      html: email.html,
      text: email.text,
      tags: { type: 'confirmation' },
    });
  } catch (error) {
    await deps.store.releaseConfirmation(userId, claim);
    throw error;
  }
  return true;
}
