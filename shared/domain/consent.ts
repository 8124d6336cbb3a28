/**
 * Consent: whether Rebound may email a user, and what. Pure; the profile item carries the state as
 * optional attributes (no migration: a profile without them is `unconfirmed`).
 *
 * | state         | reached by                                           | emails allowed                  |
 * |---------------|------------------------------------------------------|---------------------------------|
 * | unconfirmed   | the first event for an address (default)             | confirmation requests only      |
 * | confirmed     | the confirm link (from unconfirmed or unsubscribed)  | reminders, minus opt-outs/pause |
 * | unsubscribed  | unsubscribe link, one-click, preferences             | none                            |
 * | suppressed    | "this wasn't me", permanent bounce, complaint,       | none, ever (final)              |
 * |               | three transient bounces in a row                     |                                 |
 */
import type { ReminderKind } from './model.ts';

export const CONSENT_STATES = ['unconfirmed', 'confirmed', 'unsubscribed', 'suppressed'] as const;
export type ConsentState = (typeof CONSENT_STATES)[number];

export type ConsentChange =
  | { readonly type: 'confirm' }
  | { readonly type: 'unsubscribe' }
  | { readonly type: 'suppress'; readonly reason: SuppressionReason };

export type SuppressionReason = 'not_me' | 'bounce' | 'complaint' | 'transient_bounces';

/** The consent attributes of a profile. All optional on the stored item. */
export interface ConsentRecord {
  readonly consent?: ConsentState | undefined;
  readonly suppressedReason?: SuppressionReason | undefined;
  /** Kinds the user does not want. */
  readonly optOuts?: readonly ReminderKind[] | undefined;
  /** UTC instant; no reminder email before it. */
  readonly pausedUntil?: string | undefined;
  /** Confirmation emails sent while unconfirmed, and when the last one went. */
  readonly confirmationsSent?: number | undefined;
  readonly lastConfirmationAt?: string | undefined;
  /** Transient bounces in a row (reset by a delivered email). */
  readonly transientBounces?: number | undefined;
}

export const CONFIRMATION_LIMITS = {
  /** At most one confirmation email per address in this window. */
  minIntervalMs: 24 * 60 * 60 * 1000,
  /** At most this many while unconfirmed; after that, only links already sent can confirm. */
  maxWhileUnconfirmed: 3,
} as const;

/** An unconfirmed profile and everything stored for it expire after this (DynamoDB TTL). */
export const UNCONFIRMED_RETENTION_DAYS = 30;

/** Three transient bounces in a row suppress an address, as a permanent bounce does. */
export const TRANSIENT_BOUNCE_LIMIT = 3;

export function consentOf(record: ConsentRecord | undefined): ConsentState {
  return record?.consent ?? 'unconfirmed';
}

/** The state after `change`; `suppressed` is final, and nothing but a confirm link confirms. */
export function nextConsent(current: ConsentState, change: ConsentChange): ConsentState {
  if (current === 'suppressed') return 'suppressed';
  switch (change.type) {
    case 'confirm':
      return 'confirmed';
    case 'unsubscribe':
      return 'unsubscribed';
    case 'suppress':
      return 'suppressed';
  }
}

/** Whether a confirmation email may go to this profile now (limits against email bombing). */
export function mayRequestConfirmation(record: ConsentRecord | undefined, now: Date): boolean {
  if (consentOf(record) !== 'unconfirmed') return false;
  const sent = record?.confirmationsSent ?? 0;
  if (sent >= CONFIRMATION_LIMITS.maxWhileUnconfirmed) return false;
  const last = record?.lastConfirmationAt ? Date.parse(record.lastConfirmationAt) : undefined;
  return last === undefined || now.getTime() - last >= CONFIRMATION_LIMITS.minIntervalMs;
}

/**
 * Kinds a pause holds back rather than drops. A follow-up, thank-you, feedback request or "apply
 * formally" nudge that falls inside a pause is stale by the time it ends, so it is cancelled; a reconnect
 * is about the months after a rejection and still makes sense later, so it moves to the first slot
 * after the pause.
 */
export const DEFERRED_BY_PAUSE: readonly ReminderKind[] = ['reconnect'];

export type Verdict =
  | { readonly send: true }
  | { readonly send: false; readonly why: 'no_consent' | 'opted_out' | 'paused' };

/** Whether a reminder of `kind` may be emailed at `at`. The sender asks again at send time. */
export function mayEmailReminder(record: ConsentRecord | undefined, kind: ReminderKind, at: Date): Verdict {
  if (consentOf(record) !== 'confirmed') return { send: false, why: 'no_consent' };
  if (record?.optOuts?.includes(kind)) return { send: false, why: 'opted_out' };
  if (record?.pausedUntil && Date.parse(record.pausedUntil) > at.getTime()) {
    return { send: false, why: 'paused' };
  }
  return { send: true };
}
