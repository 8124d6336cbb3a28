/** @jsxImportSource hono/jsx */
/**
 * The double opt-in email (issue 8 §1): the first and only kind of email an unconfirmed address gets.
 * It says what Rebound is and who asked, offers one button to say yes and one link to stop all email.
 */
import { COMMON_COPY, CONFIRMATION_COPY as COPY } from './copy.ts';
import { EmailDocument, PrimaryButton, STYLES, toHtml } from './layout.tsx';
import type { ConfirmationLinks, EmailRecipient, RenderedEmail } from './types.ts';
import { present } from './values.ts';

interface ConfirmationView {
  readonly greeting: string;
  readonly email: string;
  readonly links: ConfirmationLinks;
}

function Confirmation(props: { readonly view: ConfirmationView }) {
  const { greeting, email, links } = props.view;
  return (
    <EmailDocument title={COPY.subject}>
      <h1 style={STYLES.h1Alone}>{COPY.heading}</h1>
      <p style={STYLES.p}>{greeting}</p>
      <p style={STYLES.p}>{COPY.what}</p>
      <p style={STYLES.pLead}>{COPY.who(email)}</p>
      <PrimaryButton href={links.confirmUrl}>{COPY.confirm}</PrimaryButton>
      <p style={STYLES.p}>
        {COPY.notMeQuestion}{' '}
        <a href={links.notMeUrl} style={STYLES.link}>
          {COPY.notMe}
        </a>{' '}
        {COPY.notMeEffect}
      </p>
      <p style={STYLES.p}>{COPY.ignore}</p>
      <hr style={STYLES.rule} />
      <p style={STYLES.small}>{COMMON_COPY.sentTo(email)}</p>
    </EmailDocument>
  );
}

function confirmationText(view: ConfirmationView): string {
  return `${[
    COPY.heading,
    '',
    view.greeting,
    '',
    COPY.what,
    '',
    COPY.who(view.email),
    '',
    `${COPY.confirm}:`,
    view.links.confirmUrl,
    '',
    `${COPY.notMeQuestion} This link ${COPY.notMeEffect}`,
    `${COPY.notMe}: ${view.links.notMeUrl}`,
    '',
    COPY.ignore,
    '',
    '-'.repeat(60),
    COMMON_COPY.sentTo(view.email),
  ].join('\n')}\n`;
}

/**
 * Render the confirmation email for an address that has not said yes yet.
 *
 * Input: the recipient, and the two signed URLs computed by the caller.
 * Output: subject, HTML part (escaped) and plain-text part (verbatim), from the same view.
 */
export function renderConfirmation(recipient: EmailRecipient, links: ConfirmationLinks): RenderedEmail {
  const view: ConfirmationView = {
    greeting: COMMON_COPY.greeting(present(recipient.name)),
    email: recipient.email,
    links,
  };
  return { subject: COPY.subject, html: toHtml(<Confirmation view={view} />), text: confirmationText(view) };
}
