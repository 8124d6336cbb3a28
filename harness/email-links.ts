/**
 * Links in Rebound's emails, as their reader finds them, for scenarios on the twin: the links of an email
 * (from its HTML part, or the labelled URLs of its text part), the List-Unsubscribe headers, a link
 * followed with GET or POST as a browser's form does, and where a user shows in the timers and the table.
 * HTTP only, like the rest of the harness; `consent.ts` confirms a user through the same links.
 */
import { userIdFor } from '../shared/domain/ids.ts';
import type { TableItem } from './table.ts';
import type { Email, Schedule, TwinClient } from './twin-client.ts';

/** The confirmation email's button and its other link, in the words the reader sees. */
export const CONFIRM_LABEL = 'Yes, send me reminders';
export const NOT_ME_LABEL = "This wasn't me";

export interface EmailLink {
  /** The link's words, as a reader sees them. */
  readonly label: string;
  readonly url: string;
  /** The `{action}` of `/links/{action}?t=…`. */
  readonly action: string;
}

export interface LinkResponse {
  readonly status: number;
  readonly body: string;
  readonly headers: Headers;
}

const NAMED_ENTITIES: Readonly<Record<string, string>> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  nbsp: ' ',
};

function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z]+);/gi, (whole, entity: string) => {
    if (entity.startsWith('#x') || entity.startsWith('#X'))
      return String.fromCodePoint(Number.parseInt(entity.slice(2), 16));
    if (entity.startsWith('#')) return String.fromCodePoint(Number.parseInt(entity.slice(1), 10));
    return NAMED_ENTITIES[entity.toLowerCase()] ?? whole;
  });
}

function actionOf(url: string): string | undefined {
  return /\/links\/([a-z-]+)\?t=/.exec(url)?.[1];
}

/** Every link to a Rebound page in the email's HTML part, in reading order. */
export function linksIn(email: Pick<Email, 'html'>): EmailLink[] {
  const links: EmailLink[] = [];
  for (const match of email.html.matchAll(/<a\b[^>]*?\bhref="([^"]*)"[^>]*>([\s\S]*?)<\/a>/gi)) {
    const url = decodeEntities(match[1] ?? '');
    const action = actionOf(url);
    if (!action) continue;
    const label = decodeEntities((match[2] ?? '').replace(/<[^>]*>/g, ''))
      .replace(/\s+/g, ' ')
      .trim();
    links.push({ label, url, action });
  }
  return links;
}

/**
 * Every link to a Rebound page in the text part, in reading order: `Label: <url>` on one line, or a URL
 * alone on the line after `Label:`.
 */
export function textLinksIn(email: Pick<Email, 'text'>): EmailLink[] {
  const links: EmailLink[] = [];
  const lines = email.text.split(/\r?\n/);
  lines.forEach((line, index) => {
    const match = /^(.*?):?\s*(https?:\/\/\S+)\s*$/.exec(line.trim());
    const url = match?.[2];
    const action = url ? actionOf(url) : undefined;
    if (!match || !url || !action) return;
    const label = (match[1] || (lines[index - 1] ?? '')).trim().replace(/:$/, '');
    links.push({ label, url, action });
  });
  return links;
}

/** The one link with these words (exact, or matching); fails with the labels the email does have. */
export function linkLabelled(email: Pick<Email, 'html' | 'subject'>, label: string | RegExp): string {
  const links = linksIn(email);
  const found = links.filter((l) => (typeof label === 'string' ? l.label === label : label.test(l.label)));
  if (found.length !== 1) {
    throw new Error(
      `Expected one link labelled ${String(label)} in "${email.subject}", found ${found.length}; ` +
        `its links: ${links.map((l) => JSON.stringify(l.label)).join(', ')}`,
    );
  }
  return (found[0] as EmailLink).url;
}

/** The actions of one reminder in a digest: the three links of the item whose stop link names `company`. */
export function reminderLinks(
  email: Pick<Email, 'html' | 'subject'>,
  company: string,
): { readonly done: string; readonly snooze: string; readonly stop: string } {
  const links = linksIn(email);
  const at = links.findIndex((l) => l.label === `Stop reminders for ${company}`);
  const done = links[at - 2];
  const snooze = links[at - 1];
  const stop = links[at];
  if (at < 2 || done?.action !== 'done' || snooze?.action !== 'snooze' || stop?.action !== 'stop') {
    throw new Error(
      `No "I did it" / "Snooze" / "Stop reminders for ${company}" links in "${email.subject}"; its links: ` +
        links.map((l) => `${l.label} (${l.action})`).join(', '),
    );
  }
  return { done: done.url, snooze: snooze.url, stop: stop.url };
}

/** A confirmation email is the one that offers the confirm button. */
export function isConfirmationEmail(email: Pick<Email, 'html'>): boolean {
  return linksIn(email).some((l) => l.action === 'confirm');
}

export function confirmationEmails(emails: readonly Email[]): Email[] {
  return emails.filter(isConfirmationEmail);
}

/** Reminder emails: everything but confirmation requests. */
export function reminderEmails(emails: readonly Email[]): Email[] {
  return emails.filter((e) => !isConfirmationEmail(e));
}

/** The reminder emails the twin sent to `address`, oldest first. */
export async function remindersTo(api: TwinClient, address: string): Promise<Email[]> {
  return reminderEmails(await api.emails(address));
}

/** A header of a sent email, by case-insensitive name. */
export function headerOf(email: Pick<Email, 'headers'>, name: string): string | undefined {
  return email.headers.find((h) => h.name.toLowerCase() === name.toLowerCase())?.value;
}

/** The HTTPS (locally HTTP) target of the `List-Unsubscribe` header, `<url>` unwrapped. */
export function listUnsubscribeUrl(email: Pick<Email, 'headers' | 'subject'>): string {
  const value = headerOf(email, 'List-Unsubscribe') ?? '';
  const url = [...value.matchAll(/<([^>]+)>/g)].map((m) => m[1] ?? '').find((u) => /^https?:/.test(u));
  if (!url)
    throw new Error(`"${email.subject}" has no http(s) List-Unsubscribe target: ${JSON.stringify(value)}`);
  return url;
}

/** GET a link as a browser or a mail scanner would. */
export async function getLink(url: string): Promise<LinkResponse> {
  const res = await fetch(url, { redirect: 'manual' });
  return { status: res.status, body: await res.text(), headers: res.headers };
}

/**
 * POST to a link as its page's form does: fields form-encoded (a field given several values is repeated),
 * or a raw `application/x-www-form-urlencoded` body given as a string (RFC 8058 one-click).
 */
export async function postLink(
  url: string,
  form: Readonly<Record<string, string | readonly string[]>> | string = {},
): Promise<LinkResponse> {
  let body: string;
  if (typeof form === 'string') body = form;
  else {
    const params = new URLSearchParams();
    for (const [name, value] of Object.entries(form)) {
      for (const v of typeof value === 'string' ? [value] : value) params.append(name, v);
    }
    body = params.toString();
  }
  const res = await fetch(url, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body,
  });
  return { status: res.status, body: await res.text(), headers: res.headers };
}

/** The user id the twin stores `address` under (a hash of the normalised address). */
export function userIdOf(address: string): string {
  return userIdFor(address);
}

/** The one-time timers (`at()`) whose target's input names `userId`. */
export function timersOf(schedules: readonly Schedule[], userId: string): Schedule[] {
  // The listing carries the target as the Scheduler API has it (`target.Input`): search the whole schedule.
  return schedules.filter((s) => s.expression.startsWith('at(') && JSON.stringify(s).includes(userId));
}

/** Items that name the user anywhere: their partition, an index key, an attribute, or the address itself. */
export function itemsNaming(items: readonly TableItem[], userId: string, address?: string): TableItem[] {
  return items.filter((item) => {
    const json = JSON.stringify(item).toLowerCase();
    return json.includes(userId) || (address !== undefined && json.includes(address.toLowerCase()));
  });
}

/** The user's profile item (`USER#<id>` / `PROFILE`), if any. */
export function profileOf(items: readonly TableItem[], userId: string): TableItem | undefined {
  return items.find((i) => i.pk === `USER#${userId}` && i.sk === 'PROFILE');
}
