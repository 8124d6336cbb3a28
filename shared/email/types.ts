/**
 * The public shapes of the email renderers. Every URL here is computed by the caller (signed tokens,
 * base URL from config), so rendering stays pure; the renderers only escape them into `href` attributes.
 */

/** Who an email goes to. */
export interface EmailRecipient {
  readonly email: string;
  /** Used to greet the user and sign the suggested messages; blank counts as unknown. */
  readonly name?: string | undefined;
}

export interface DigestRecipient extends EmailRecipient {
  /** IANA zone used to date the email; an unknown zone falls back to UTC. */
  readonly timezone: string;
}

export interface RenderedEmail {
  /** One line, names verbatim (header encoding is the mailer's job). */
  readonly subject: string;
  /** Escaped HTML: one column, inline styles, no script, no external assets. */
  readonly html: string;
  /** The same content as plain text, names verbatim, every link as a labelled URL. */
  readonly text: string;
}

/** The actions offered beside one reminder (issue 8 §3). */
export interface ReminderLinks {
  /** "I did it": records the reminder as done. */
  readonly done: string;
  /** "Snooze": a page that offers 3 days or 1 week. */
  readonly snooze: string;
  /** "Stop reminders for <company>": cancels everything pending for the reminder's application. */
  readonly stop: string;
}

/** The links of a digest: actions per reminder, and the footer every email carries. */
export interface DigestLinks {
  /**
   * Keyed by `reminderId`. A reminder without an entry is rendered without actions rather than failing
   * the whole email: the footer still lets the user stop everything.
   */
  readonly perReminder: Readonly<Record<string, ReminderLinks>>;
  /** "Manage preferences": opt-outs per kind, pause, unsubscribe, delete my data. */
  readonly preferences: string;
  /** "Unsubscribe": the same URL the `List-Unsubscribe` header should carry. */
  readonly unsubscribe: string;
}

export interface DigestOptions {
  /** @default none: the digest renders without actions or footer links. */
  readonly links?: DigestLinks | undefined;
}

/** The two answers a confirmation email offers. */
export interface ConfirmationLinks {
  /** "Yes, send me reminders". */
  readonly confirmUrl: string;
  /** "This wasn't me": suppresses the address for good. */
  readonly notMeUrl: string;
}
