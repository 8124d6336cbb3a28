/**
 * Renders Rebound's emails. Pure: no I/O and no clock, so the sender can render, claim and send in
 * whatever order it needs, and every URL is computed by the caller.
 *
 * Escaping is left to Hono's JSX: the HTML parts (`digest.tsx`, `confirmation.tsx`) interpolate every
 * value as escaped text or attribute and never inject raw markup. The plain-text parts and subjects are
 * built by plain functions from the same views, so they show names verbatim.
 */
import type { Reminder } from '../domain/model.ts';
import { ReboundError } from '../errors.ts';
import {
  COMMON_COPY,
  type CopyVars,
  DIGEST_COPY,
  type KindCopy,
  REMINDER_COPY,
  type ReminderCopy,
} from './copy.ts';
import { type DigestView, digestHtml, digestText, type ItemView, type ReachView } from './digest.tsx';
import type { DigestLinks, DigestOptions, DigestRecipient, ReminderLinks, RenderedEmail } from './types.ts';
import { oneLine, present } from './values.ts';

export { renderConfirmation } from './confirmation.tsx';
export type {
  ConfirmationLinks,
  DigestLinks,
  DigestOptions,
  DigestRecipient,
  EmailRecipient,
  ReminderLinks,
  RenderedEmail,
} from './types.ts';
export type { KindCopy, ReminderCopy };
export { REMINDER_COPY };

/** The second follow-up (sequence 2) is the final nudge; kinds without a `final` copy reuse the first. */
function copyFor(reminder: Reminder): ReminderCopy {
  const copy = REMINDER_COPY[reminder.kind];
  return reminder.sequence >= 2 && copy.final ? copy.final : copy;
}

/**
 * A `mailto:` URI (RFC 6068): every part percent-encoded, `@` kept readable, line breaks as CRLF.
 * The result is still escaped by JSX when it lands in an `href`.
 */
export function mailtoHref(to: string, subject: string, body: string): string {
  const address = encodeURIComponent(to).replaceAll('%40', '@');
  const crlfBody = body.replace(/\r?\n/g, '\r\n');
  return `mailto:${address}?subject=${encodeURIComponent(subject)}&body=${encodeURIComponent(crlfBody)}`;
}

const DAY_FORMAT = { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' } as const;

/** The calendar day of `instant` where the user lives: weekday, day, month and year in British English. */
function dayLabel(instant: Date, timeZone: string): string {
  try {
    return new Intl.DateTimeFormat('en-GB', { ...DAY_FORMAT, timeZone }).format(instant);
  } catch (error) {
    // Intl rejects an unknown zone with a RangeError; the date in UTC is still better than no email.
    if (!(error instanceof RangeError)) throw error;
    return new Intl.DateTimeFormat('en-GB', { ...DAY_FORMAT, timeZone: 'UTC' }).format(instant);
  }
}

/** The suggested message: greeting, the kind's paragraph, sign-off with the user's name when known. */
function messageText(contactName: string | undefined, body: string, sender: string | undefined): string {
  const signOff = sender ? `${DIGEST_COPY.signOff},\n${sender}` : DIGEST_COPY.signOff;
  return `${DIGEST_COPY.messageGreeting(contactName)},\n\n${body}\n\n${signOff}`;
}

/** The caller's links for one reminder; an own property only, so an id such as `__proto__` finds nothing. */
function linksFor(reminder: Reminder, links: DigestLinks | undefined): ReminderLinks | undefined {
  if (!links || !Object.hasOwn(links.perReminder, reminder.reminderId)) return undefined;
  return links.perReminder[reminder.reminderId];
}

function itemView(reminder: Reminder, sender: string | undefined, links: DigestLinks | undefined): ItemView {
  const { company, role, contact } = reminder.application;
  const copy = copyFor(reminder);
  const knownRole = present(role);
  const vars: CopyVars = {
    company,
    role: knownRole,
    position: knownRole ? `the ${knownRole} role` : 'the open role',
  };
  const contactName = present(contact?.name);
  const contactEmail = present(contact?.email);
  const contactLabel = contactName ?? contactEmail ?? DIGEST_COPY.unknownContact(company);

  const subject = oneLine(copy.message.subject(vars));
  const body = messageText(contactName, copy.message.body(vars), sender);
  const reach: ReachView = contactEmail
    ? {
        kind: 'draft',
        href: mailtoHref(contactEmail, subject, body),
        contactLabel,
        address: contactName ? `${contactName} <${contactEmail}>` : contactEmail,
      }
    : { kind: 'copy', hint: DIGEST_COPY.copyHint(contactLabel) };

  return {
    title: copy.title,
    why: copy.why,
    company,
    role: knownRole,
    reach,
    message: {
      subject,
      body,
      paragraphs: body.split(/\n{2,}/).map((paragraph) => paragraph.split('\n')),
    },
    links: linksFor(reminder, links),
  };
}

/**
 * One reminder names its company; several name the company only when they all concern the same one,
 * and otherwise give the count.
 */
function subjectFor(reminders: readonly [Reminder, ...Reminder[]]): string {
  const [first] = reminders;
  const count = reminders.length;
  if (count === 1) return oneLine(copyFor(first).subject({ company: first.application.company }));
  const companies = new Set(reminders.map((reminder) => reminder.application.company));
  return oneLine(
    companies.size === 1
      ? DIGEST_COPY.subjectSameCompany(count, first.application.company)
      : DIGEST_COPY.subjectSeveral(count),
  );
}

/**
 * Render the digest email for one user.
 *
 * Input: the recipient, their due reminders (at least one) in the order they should appear, and
 * optionally the links the email offers (`options.links`, URLs computed by the caller).
 * Output: subject, HTML part and plain-text part.
 *
 * 1. Build one item per reminder: title and reason from `REMINDER_COPY` (the final copy for a second
 *    follow-up), company and role, and a suggested message prefilled with the contact's and user's names.
 * 2. When the contact's email is known, add a `mailto:` link that opens the message as a draft;
 *    otherwise tell the user to copy it.
 * 3. With links, give each reminder its actions ("I did it", "Snooze", "Stop reminders for <company>")
 *    and the footer "Manage preferences" and "Unsubscribe". Without links, neither appears.
 * 4. Date the email by the latest `dueAt` (the slot it is sent in), in the recipient's time zone.
 * 5. Render the HTML part (escaped JSX) and the text part (verbatim) from the same view.
 *
 * @throws ReboundError when `reminders` is empty: there is no empty digest.
 */
export function renderDigest(
  recipient: DigestRecipient,
  reminders: readonly Reminder[],
  options: DigestOptions = {},
): RenderedEmail {
  if (!isNonEmpty(reminders)) throw new ReboundError('A digest needs at least one reminder');

  const { links } = options;
  const userName = present(recipient.name);
  const subject = subjectFor(reminders);
  const slot = Math.max(...reminders.map((reminder) => Date.parse(reminder.dueAt)));
  const view: DigestView = {
    subject,
    dateLabel: dayLabel(new Date(slot), recipient.timezone),
    greeting: COMMON_COPY.greeting(userName),
    intro: reminders.length === 1 ? DIGEST_COPY.introOne : DIGEST_COPY.introSeveral(reminders.length),
    items: reminders.map((reminder) => itemView(reminder, userName, links)),
    recipientEmail: recipient.email,
    footerLinks: links ? { preferences: links.preferences, unsubscribe: links.unsubscribe } : undefined,
  };

  return { subject, html: digestHtml(view), text: digestText(view) };
}

function isNonEmpty<T>(items: readonly T[]): items is readonly [T, ...T[]] {
  return items.length > 0;
}
