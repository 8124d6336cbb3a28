/**
 * Renders the digest: one email with every reminder of a user that is due in the same slot.
 * Pure: no I/O and no clock, so the sender can render, claim and send in whatever order it needs.
 *
 * Escaping is left to Handlebars. The HTML environment escapes every `{{ }}`; the plain-text
 * environment is a separate instance compiled with `noEscape`, so the text part shows names verbatim.
 * Both compile with `strict`, so a variable missing from the view throws instead of rendering blank.
 */
import Handlebars from 'handlebars';
import { REMINDER_KINDS, type Reminder, type ReminderKind } from '../domain/model.ts';
import { ReboundError } from '../errors.ts';
import { DIGEST_COPY, type KindCopy, REMINDER_COPY, type ReminderCopy } from './copy.ts';
import { DIGEST_HTML, DIGEST_TEXT, MESSAGE_TEXT } from './templates.ts';

export type { KindCopy, ReminderCopy };
export { REMINDER_COPY };

export interface DigestRecipient {
  readonly email: string;
  readonly name?: string | undefined;
  /** IANA zone used to date the email; an unknown zone falls back to UTC. */
  readonly timezone: string;
}

export interface RenderedEmail {
  readonly subject: string;
  readonly html: string;
  readonly text: string;
}

interface MessageView {
  readonly subject: string;
  readonly body: string;
  /** `body` split into paragraphs and lines, so the HTML part keeps the line breaks without raw markup. */
  readonly paragraphs: readonly (readonly string[])[];
}

interface ItemView {
  readonly number: number;
  readonly title: string;
  readonly why: string;
  readonly company: string;
  readonly role: string | null;
  readonly mailto: string | null;
  readonly contactLabel: string;
  readonly contactAddress: string | null;
  readonly copyHint: string | null;
  readonly message: MessageView;
}

/** What `DIGEST_HTML` and `DIGEST_TEXT` render. Every key is always present: the templates are strict. */
interface DigestView {
  readonly subject: string;
  readonly heading: string;
  readonly dateLabel: string;
  readonly greeting: string;
  readonly intro: string;
  readonly items: readonly ItemView[];
  readonly footer: string;
  readonly recipientEmail: string;
}

interface CopyVars {
  readonly company: string;
  readonly role: string | null;
  readonly position: string;
}

// Isolated environments, so a helper or partial registered elsewhere on the global instance cannot
// change what these templates do. Handlebars compiles a template on its first call and keeps the result.
const htmlEnv = Handlebars.create();
const textEnv = Handlebars.create();
const compileHtml = <T>(source: string) => htmlEnv.compile<T>(source, { strict: true });
const compileText = <T>(source: string) => textEnv.compile<T>(source, { strict: true, noEscape: true });

const digestHtml = compileHtml<DigestView>(DIGEST_HTML);
const digestText = compileText<DigestView>(DIGEST_TEXT);
const messageText = compileText<{ greeting: string; body: string; sender: string | null }>(MESSAGE_TEXT);
const subjectSameCompany = compileText<{ count: number; company: string }>(DIGEST_COPY.subjectSameCompany);
const subjectSeveral = compileText<{ count: number }>(DIGEST_COPY.subjectSeveral);
const greeting = compileText<{ name: string | null }>(DIGEST_COPY.greeting);
const introSeveral = compileText<{ count: number }>(DIGEST_COPY.introSeveral);
const copyHint = compileText<{ contactLabel: string }>(DIGEST_COPY.copyHint);
const unknownContact = compileText<{ company: string }>(DIGEST_COPY.unknownContact);

interface CompiledCopy {
  readonly title: string;
  readonly why: string;
  readonly subject: Handlebars.TemplateDelegate<{ company: string }>;
  readonly messageSubject: Handlebars.TemplateDelegate<CopyVars>;
  readonly messageBody: Handlebars.TemplateDelegate<CopyVars>;
}

const compileCopy = (copy: ReminderCopy): CompiledCopy => ({
  title: copy.title,
  why: copy.why,
  subject: compileText(copy.subject),
  messageSubject: compileText(copy.message.subject),
  messageBody: compileText(copy.message.body),
});

const COMPILED_COPY = Object.fromEntries(
  REMINDER_KINDS.map((kind) => {
    const copy = REMINDER_COPY[kind];
    return [kind, { first: compileCopy(copy), final: copy.final ? compileCopy(copy.final) : undefined }];
  }),
) as Record<ReminderKind, { readonly first: CompiledCopy; readonly final: CompiledCopy | undefined }>;

/** The second follow-up (sequence 2) is the final nudge; kinds without a `final` copy reuse the first. */
function copyFor(reminder: Reminder): CompiledCopy {
  const compiled = COMPILED_COPY[reminder.kind];
  return reminder.sequence >= 2 && compiled.final ? compiled.final : compiled.first;
}

/** Blank strings count as unknown, so a greeting never reads "Hello ,". */
const present = (value: string | undefined): string | undefined => {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
};

/** Header values must stay on one line; a line break in a company name must not leak into a subject. */
const oneLine = (value: string): string => value.replace(/\s+/g, ' ').trim();

/**
 * A `mailto:` URI (RFC 6068): every part percent-encoded, `@` kept readable, line breaks as CRLF.
 * The result still goes through Handlebars escaping when it lands in an `href`.
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

function itemView(reminder: Reminder, index: number, sender: string | undefined): ItemView {
  const { company, role, contact } = reminder.application;
  const copy = copyFor(reminder);
  const knownRole = present(role);
  const vars: CopyVars = {
    company,
    role: knownRole ?? null,
    position: knownRole ? `the ${knownRole} role` : 'the open role',
  };
  const contactName = present(contact?.name);
  const contactEmail = present(contact?.email);
  const contactLabel = contactName ?? contactEmail ?? unknownContact({ company });

  const subject = oneLine(copy.messageSubject(vars));
  const body = messageText({
    greeting: contactName ? `Hello ${contactName}` : 'Hello',
    body: copy.messageBody(vars),
    sender: sender ?? null,
  });

  return {
    number: index + 1,
    title: copy.title,
    why: copy.why,
    company,
    role: knownRole ?? null,
    mailto: contactEmail ? mailtoHref(contactEmail, subject, body) : null,
    contactLabel,
    contactAddress: contactEmail ? (contactName ? `${contactName} <${contactEmail}>` : contactEmail) : null,
    copyHint: contactEmail ? null : copyHint({ contactLabel }),
    message: {
      subject,
      body,
      paragraphs: body.split(/\n{2,}/).map((paragraph) => paragraph.split('\n')),
    },
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
      ? subjectSameCompany({ count, company: first.application.company })
      : subjectSeveral({ count }),
  );
}

/**
 * Render the digest email for one user.
 *
 * Input: the recipient and their due reminders (at least one), in the order they should appear.
 * Output: subject, HTML part and plain-text part.
 *
 * 1. Build one item per reminder: title and reason from `REMINDER_COPY` (the final copy for a second
 *    follow-up), company and role, and a suggested message prefilled with the contact's and user's names.
 * 2. When the contact's email is known, add a `mailto:` link that opens the message as a draft;
 *    otherwise tell the user to copy it.
 * 3. Date the email by the latest `dueAt` (the slot it is sent in), in the recipient's time zone.
 * 4. Render the HTML part (escaped) and the text part (verbatim) from the same view.
 *
 * @throws ReboundError when `reminders` is empty: there is no empty digest.
 */
export function renderDigest(recipient: DigestRecipient, reminders: readonly Reminder[]): RenderedEmail {
  if (!isNonEmpty(reminders)) throw new ReboundError('A digest needs at least one reminder');

  const userName = present(recipient.name);
  const subject = subjectFor(reminders);
  const slot = Math.max(...reminders.map((reminder) => Date.parse(reminder.dueAt)));
  const view: DigestView = {
    subject,
    heading: DIGEST_COPY.heading,
    dateLabel: dayLabel(new Date(slot), recipient.timezone),
    greeting: greeting({ name: userName ?? null }),
    intro: reminders.length === 1 ? DIGEST_COPY.introOne : introSeveral({ count: reminders.length }),
    items: reminders.map((reminder, index) => itemView(reminder, index, userName)),
    footer: DIGEST_COPY.footer,
    recipientEmail: recipient.email,
  };

  return { subject, html: digestHtml(view), text: digestText(view) };
}

function isNonEmpty<T>(items: readonly T[]): items is readonly [T, ...T[]] {
  return items.length > 0;
}
