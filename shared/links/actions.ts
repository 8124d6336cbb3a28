/**
 * What a link in an email can do, and for how long it works. Pure: the token adapter signs and verifies,
 * this module decides. Expiry is a product rule judged on the Clock port (the twin's virtual clock).
 */
export const LINK_ACTIONS = [
  /** Double opt-in: "Yes, send me reminders". */
  'confirm',
  /** "This wasn't me": suppress the address for good. */
  'not-me',
  /** One reminder: I did it. */
  'done',
  /** One reminder: move it 3 or 7 days on. */
  'snooze',
  /** One application: cancel everything pending for it. */
  'stop',
  /** Unsubscribe from everything (also the RFC 8058 one-click target). */
  'unsubscribe',
  /** The preferences page: per-kind opt-outs, pause, unsubscribe, delete my data. */
  'preferences',
] as const;
export type LinkAction = (typeof LINK_ACTIONS)[number];

const DAY_SECONDS = 24 * 60 * 60;

/**
 * Lifetime in seconds, or `undefined` for links that work as long as the user exists (unsubscribe and
 * preferences must keep working in an old email; the user's deletion is what ends them).
 */
export const LINK_LIFETIME_SECONDS: Readonly<Record<LinkAction, number | undefined>> = {
  confirm: 30 * DAY_SECONDS,
  'not-me': 30 * DAY_SECONDS,
  done: 60 * DAY_SECONDS,
  snooze: 60 * DAY_SECONDS,
  stop: 60 * DAY_SECONDS,
  unsubscribe: undefined,
  preferences: undefined,
};

/** What a verified link says: who, what, and on what (a reminder id or an application ref). */
export interface LinkClaims {
  readonly userId: string;
  readonly action: LinkAction;
  readonly target?: string | undefined;
}

/** The URL of a link: the page of `action`, carrying the signed token. */
export function linkUrl(baseUrl: string, action: LinkAction, token: string): string {
  return `${baseUrl}/links/${action}?t=${encodeURIComponent(token)}`;
}
