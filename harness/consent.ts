/**
 * Double opt-in from outside, as a person does it: find the confirmation email, follow its "Yes, send me
 * reminders" link, and press the button (a POST to the same URL). Until an address is confirmed it gets
 * nothing but confirmation emails.
 */
import type { Email, TwinClient } from './twin-client.ts';

const CONFIRM_LINK = /https?:\/\/[^\s"'<>]+\/links\/confirm\?t=[^\s"'<>]+/;

/** The confirm URL of the latest confirmation email sent to `email`, if there is one. */
export function confirmLinkIn(emails: readonly Email[], email: string): string | undefined {
  for (const sent of [...emails].reverse()) {
    if (!sent.to.includes(email)) continue;
    const found = CONFIRM_LINK.exec(sent.text) ?? CONFIRM_LINK.exec(sent.html.replaceAll('&amp;', '&'));
    if (found) return found[0];
  }
  return undefined;
}

/**
 * Confirm `email`: its first event must have been posted. Settles the twin first (`PT0S`), so the planner
 * has sent the confirmation email, POSTs the link with an empty form, then settles again so the planner
 * has applied the confirmation when this resolves.
 * @returns the confirm URL that was used
 */
export async function confirmUser(twin: TwinClient, email: string): Promise<string> {
  const [url] = await confirmUsers(twin, [email]);
  return url as string;
}

/** `confirmUser` for many addresses at once: one settle before and one after, the POSTs a few at a time. */
export async function confirmUsers(twin: TwinClient, emails: readonly string[]): Promise<string[]> {
  await twin.advance('PT0S');
  const sent = await twin.emails();
  const urls = emails.map((email) => {
    const url = confirmLinkIn(sent, email);
    if (!url) throw new Error(`No confirmation email to ${email}: was its first event posted and planned?`);
    return url;
  });
  const queue = [...urls];
  const press = async () => {
    for (let url = queue.shift(); url; url = queue.shift()) {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: '',
      });
      await res.body?.cancel();
      if (res.status !== 200)
        throw new Error(`Confirming: POST ${new URL(url).pathname} answered ${res.status}`);
    }
  };
  await Promise.all(Array.from({ length: Math.min(4, queue.length) }, press));
  await twin.advance('PT0S');
  return urls;
}
