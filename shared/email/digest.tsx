/** @jsxImportSource hono/jsx */
/**
 * The two parts of the digest, rendered from one `DigestView` (built in `render.ts`), so they cannot
 * drift apart: `digestHtml` through escaping JSX, `digestText` by plain functions with names verbatim.
 */
import { COMMON_COPY, DIGEST_COPY, LINK_COPY } from './copy.ts';
import { EmailDocument, PrimaryButton, SecondaryButton, STYLES, toHtml } from './layout.tsx';
import type { DigestLinks, ReminderLinks } from './types.ts';

export interface MessageView {
  readonly subject: string;
  /** Greeting, paragraph and sign-off, with `\n` line breaks: what the contact should receive. */
  readonly body: string;
  /** `body` split into paragraphs and lines, so the HTML part keeps the line breaks without raw markup. */
  readonly paragraphs: readonly (readonly string[])[];
}

/** How the user reaches the contact: a ready-made draft when we know the address, else copy and paste. */
export type ReachView =
  | {
      readonly kind: 'draft';
      /** A `mailto:` URI; escaped when it lands in an `href`. */
      readonly href: string;
      readonly contactLabel: string;
      /** "Name <address>", or the address alone. */
      readonly address: string;
    }
  | { readonly kind: 'copy'; readonly hint: string };

export interface ItemView {
  readonly title: string;
  readonly why: string;
  readonly company: string;
  readonly role: string | undefined;
  readonly reach: ReachView;
  readonly message: MessageView;
  /** Absent when the caller gave no links, or none for this reminder. */
  readonly links: ReminderLinks | undefined;
}

export interface DigestView {
  readonly subject: string;
  readonly dateLabel: string;
  readonly greeting: string;
  readonly intro: string;
  readonly items: readonly ItemView[];
  readonly recipientEmail: string;
  readonly footerLinks: Pick<DigestLinks, 'preferences' | 'unsubscribe'> | undefined;
}

const RULE = '-'.repeat(60);

function Actions(props: { readonly company: string; readonly links: ReminderLinks }) {
  const { company, links } = props;
  // The spaces keep the labels apart in clients that drop inline styles.
  return (
    <div style={STYLES.actions}>
      <h3 style={STYLES.h3}>{DIGEST_COPY.actionsHeading}</h3>
      <p style={STYLES.flush}>
        <SecondaryButton href={links.done}>{LINK_COPY.done}</SecondaryButton>{' '}
        <SecondaryButton href={links.snooze}>{LINK_COPY.snooze}</SecondaryButton>{' '}
        <SecondaryButton href={links.stop}>{LINK_COPY.stop(company)}</SecondaryButton>
      </p>
    </div>
  );
}

function Item(props: { readonly item: ItemView }) {
  const { item } = props;
  return (
    <div style={STYLES.card}>
      <h2 style={STYLES.h2}>{item.title}</h2>
      <p style={STYLES.company}>
        <strong>{item.company}</strong>
        {item.role ? ` · ${item.role}` : null}
      </p>
      <p style={STYLES.p}>{item.why}</p>
      {item.reach.kind === 'draft' ? (
        <PrimaryButton href={item.reach.href}>{DIGEST_COPY.writeTo(item.reach.contactLabel)}</PrimaryButton>
      ) : (
        <p style={STYLES.p}>{item.reach.hint}</p>
      )}
      <h3 style={STYLES.h3}>{DIGEST_COPY.suggestedMessage}</h3>
      <blockquote style={STYLES.quote}>
        <p style={STYLES.quoteP}>
          <strong>{DIGEST_COPY.messageSubject}</strong> {item.message.subject}
        </p>
        {item.message.paragraphs.map((lines) => (
          <p style={STYLES.quoteP}>{lines.map((line, index) => (index === 0 ? line : [<br />, line]))}</p>
        ))}
      </blockquote>
      {item.links ? <Actions company={item.company} links={item.links} /> : null}
    </div>
  );
}

function Digest(props: { readonly view: DigestView }) {
  const { view } = props;
  return (
    <EmailDocument title={view.subject}>
      <h1 style={STYLES.h1}>{DIGEST_COPY.heading}</h1>
      <p style={STYLES.dateline}>{view.dateLabel}</p>
      <p style={STYLES.p}>{view.greeting}</p>
      <p style={STYLES.pLead}>{view.intro}</p>
      {view.items.map((item) => (
        <Item item={item} />
      ))}
      <hr style={STYLES.rule} />
      <p style={STYLES.small}>{DIGEST_COPY.footer}</p>
      <p style={STYLES.small}>{COMMON_COPY.sentTo(view.recipientEmail)}</p>
      {view.footerLinks ? (
        <p style={STYLES.small}>
          <a href={view.footerLinks.preferences} style={STYLES.smallLink}>
            {LINK_COPY.preferences}
          </a>
          {' · '}
          <a href={view.footerLinks.unsubscribe} style={STYLES.smallLink}>
            {LINK_COPY.unsubscribe}
          </a>
        </p>
      ) : null}
    </EmailDocument>
  );
}

/** The HTML part: every value escaped by JSX, links as escaped attributes. */
export function digestHtml(view: DigestView): string {
  return toHtml(<Digest view={view} />);
}

function itemText(item: ItemView, number: number): string[] {
  const reach =
    item.reach.kind === 'draft'
      ? [DIGEST_COPY.sendTo(item.reach.address), item.reach.href]
      : [item.reach.hint];
  const actions = item.links
    ? [
        '',
        DIGEST_COPY.actionsHeading,
        `${LINK_COPY.done}: ${item.links.done}`,
        `${LINK_COPY.snooze}: ${item.links.snooze}`,
        `${LINK_COPY.stop(item.company)}: ${item.links.stop}`,
      ]
    : [];
  return [
    `${number}. ${item.title}`,
    item.role ? `${item.company} - ${item.role}` : item.company,
    '',
    item.why,
    '',
    ...reach,
    '',
    DIGEST_COPY.suggestedMessage,
    `${DIGEST_COPY.messageSubject} ${item.message.subject}`,
    '',
    item.message.body,
    ...actions,
  ];
}

/** The plain-text part: the same content for clients that do not show HTML, every link a labelled URL. */
export function digestText(view: DigestView): string {
  const lines = [`${DIGEST_COPY.heading} (${view.dateLabel})`, '', view.greeting, '', view.intro];
  view.items.forEach((item, index) => {
    lines.push('', RULE, ...itemText(item, index + 1));
  });
  lines.push('', RULE, DIGEST_COPY.footer, COMMON_COPY.sentTo(view.recipientEmail));
  if (view.footerLinks) {
    lines.push(
      '',
      `${LINK_COPY.preferences}: ${view.footerLinks.preferences}`,
      `${LINK_COPY.unsubscribe}: ${view.footerLinks.unsubscribe}`,
    );
  }
  return `${lines.join('\n')}\n`;
}
