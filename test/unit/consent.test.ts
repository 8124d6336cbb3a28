import { describe, expect, it } from 'vitest';
import {
  type CONSENT_STATES,
  type ConsentChange,
  mayEmailReminder,
  mayRequestConfirmation,
  nextConsent,
} from '../../shared/domain/consent.ts';

const at = (iso: string) => new Date(iso);

describe('the consent state machine', () => {
  const cases: [string, ConsentChange, string][] = [
    ['unconfirmed', { type: 'confirm' }, 'confirmed'],
    ['unconfirmed', { type: 'unsubscribe' }, 'unsubscribed'],
    ['unconfirmed', { type: 'suppress', reason: 'not_me' }, 'suppressed'],
    ['confirmed', { type: 'unsubscribe' }, 'unsubscribed'],
    ['confirmed', { type: 'suppress', reason: 'complaint' }, 'suppressed'],
    ['unsubscribed', { type: 'confirm' }, 'confirmed'],
    ['suppressed', { type: 'confirm' }, 'suppressed'],
    ['suppressed', { type: 'unsubscribe' }, 'suppressed'],
  ];
  it.each(cases)('moves %s on %j to %s', (from, change, to) => {
    expect(nextConsent(from as (typeof CONSENT_STATES)[number], change)).toBe(to);
  });

  it('never leaves suppressed, whatever happens', () => {
    const changes: ConsentChange[] = [
      { type: 'confirm' },
      { type: 'unsubscribe' },
      { type: 'suppress', reason: 'bounce' },
    ];
    for (const change of changes) expect(nextConsent('suppressed', change)).toBe('suppressed');
  });
});

describe('confirmation requests', () => {
  it('allows the first request for a new address', () => {
    expect(mayRequestConfirmation(undefined, at('2027-01-04T09:00:00Z'))).toBe(true);
  });

  it('allows at most one request per 24 hours', () => {
    const record = { confirmationsSent: 1, lastConfirmationAt: '2027-01-04T09:00:00.000Z' };
    expect(mayRequestConfirmation(record, at('2027-01-05T08:59:59Z'))).toBe(false);
    expect(mayRequestConfirmation(record, at('2027-01-05T09:00:00Z'))).toBe(true);
  });

  it('stops after three requests while unconfirmed', () => {
    const record = { confirmationsSent: 3, lastConfirmationAt: '2027-01-01T09:00:00.000Z' };
    expect(mayRequestConfirmation(record, at('2027-02-01T09:00:00Z'))).toBe(false);
  });

  it('sends no request to an address that is confirmed, unsubscribed or suppressed', () => {
    for (const consent of ['confirmed', 'unsubscribed', 'suppressed'] as const) {
      expect(mayRequestConfirmation({ consent }, at('2027-01-04T09:00:00Z'))).toBe(false);
    }
  });
});

describe('whether a reminder may be emailed', () => {
  const now = at('2027-01-04T09:00:00Z');

  it('emails a confirmed user', () => {
    expect(mayEmailReminder({ consent: 'confirmed' }, 'follow_up', now)).toEqual({ send: true });
  });

  it('emails nobody who has not confirmed', () => {
    for (const consent of ['unconfirmed', 'unsubscribed', 'suppressed'] as const) {
      expect(mayEmailReminder({ consent }, 'follow_up', now)).toEqual({ send: false, why: 'no_consent' });
    }
    expect(mayEmailReminder(undefined, 'follow_up', now)).toEqual({ send: false, why: 'no_consent' });
  });

  it('holds back only the kinds a user opted out of', () => {
    const record = { consent: 'confirmed' as const, optOuts: ['reconnect' as const] };
    expect(mayEmailReminder(record, 'reconnect', now)).toEqual({ send: false, why: 'opted_out' });
    expect(mayEmailReminder(record, 'ask_feedback', now)).toEqual({ send: true });
  });

  it('holds back everything until a pause ends', () => {
    const record = { consent: 'confirmed' as const, pausedUntil: '2027-01-18T08:00:00.000Z' };
    expect(mayEmailReminder(record, 'follow_up', now)).toEqual({ send: false, why: 'paused' });
    expect(mayEmailReminder(record, 'follow_up', at('2027-01-18T08:00:00Z'))).toEqual({ send: true });
  });
});
