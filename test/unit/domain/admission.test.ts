import { describe, expect, it } from 'vitest';
import { admit, admitPlan, checkAtSendTime, expiryAfter } from '#shared/domain/admission.ts';
import type { ConsentRecord } from '#shared/domain/consent.ts';
import { slotScheduleNameFor } from '#shared/domain/ids.ts';
import type { NewReminder, Reminder, ReminderKind, UserProfile } from '#shared/domain/model.ts';
import type { PolicyDecision } from '#shared/domain/policy.ts';

// Monday 2027-01-04; Berlin is at +01:00 all January, so its 09:00 slots are 08:00 UTC.
const NOW = new Date('2027-01-04T10:00:00.000Z');
const ZONE = 'Europe/Berlin';
const PAUSED_UNTIL = '2027-01-18T10:00:00.000Z'; // two weeks from NOW
const AFTER_PAUSE = '2027-01-19T08:00:00.000Z'; // Tuesday 09:00 Berlin: the first slot after it
const INSIDE_PAUSE = '2027-01-11T08:00:00.000Z';
const AFTER_IT = '2027-01-25T08:00:00.000Z';

const confirmed: ConsentRecord = { consent: 'confirmed' };
const paused: ConsentRecord = { consent: 'confirmed', pausedUntil: PAUSED_UNTIL };

function profile(record: ConsentRecord & { readonly expiresAt?: number } = {}): UserProfile {
  return {
    userId: 'u_1',
    email: 'sam@example.com',
    timezone: ZONE,
    createdAt: NOW.toISOString(),
    updatedAt: NOW.toISOString(),
    ...record,
  };
}

function planned(kind: ReminderKind, dueAt: string, id = `r_${kind}`): NewReminder {
  return {
    reminderId: id,
    userId: 'u_1',
    kind,
    sequence: 1,
    dueAt,
    application: { ref: 'acme', company: 'Acme' },
    sourceEventId: 'evt-1',
    scheduleName: `rebound-${id}`,
    createdAt: NOW.toISOString(),
  };
}

const pending = (r: NewReminder): Reminder => ({ ...r, status: 'pending' });

function decision(p: UserProfile, create: NewReminder[]): PolicyDecision {
  return { profile: p, create, cancel: [] };
}

describe('admitting a planned reminder', () => {
  it('holds every reminder of a user who has not confirmed, at its own time', () => {
    expect(admit(undefined, 'follow_up', INSIDE_PAUSE, ZONE)).toEqual({ as: 'held', dueAt: INSIDE_PAUSE });
    expect(admit({ consent: 'unconfirmed' }, 'reconnect', AFTER_IT, ZONE)).toEqual({
      as: 'held',
      dueAt: AFTER_IT,
    });
  });

  it('schedules a confirmed user’s reminder at its time', () => {
    expect(admit(confirmed, 'thank_you', INSIDE_PAUSE, ZONE)).toEqual({
      as: 'scheduled',
      dueAt: INSIDE_PAUSE,
    });
  });

  it('drops every reminder of a user who unsubscribed or was suppressed', () => {
    for (const consent of ['unsubscribed', 'suppressed'] as const) {
      expect(admit({ consent }, 'follow_up', AFTER_IT, ZONE)).toEqual({ as: 'dropped', why: 'no_consent' });
    }
  });

  it('drops only the kinds the user opted out of', () => {
    const record: ConsentRecord = { consent: 'confirmed', optOuts: ['reconnect'] };
    expect(admit(record, 'reconnect', AFTER_IT, ZONE)).toEqual({ as: 'dropped', why: 'opted_out' });
    expect(admit(record, 'ask_feedback', AFTER_IT, ZONE)).toEqual({ as: 'scheduled', dueAt: AFTER_IT });
  });

  it('drops a follow-up, thank-you, feedback request or formal application that falls inside a pause', () => {
    for (const kind of ['follow_up', 'thank_you', 'ask_feedback', 'apply_formally'] as const) {
      expect(admit(paused, kind, INSIDE_PAUSE, ZONE)).toEqual({ as: 'dropped', why: 'paused' });
    }
  });

  it('moves a reconnect that falls inside a pause to the first send slot at or after its end', () => {
    expect(admit(paused, 'reconnect', INSIDE_PAUSE, ZONE)).toEqual({ as: 'scheduled', dueAt: AFTER_PAUSE });
  });

  it('leaves a reminder due after the pause as it is', () => {
    expect(admit(paused, 'follow_up', AFTER_IT, ZONE)).toEqual({ as: 'scheduled', dueAt: AFTER_IT });
  });
});

const DAY_MS = 24 * 60 * 60 * 1000;

describe('the expiry of an unconfirmed user’s data', () => {
  it('is at least 30 days after the activity, at most 37, at a UTC midnight', () => {
    for (const at of [
      '2027-01-04T10:00:00Z',
      '2027-01-07T23:59:59Z',
      '2027-01-08T00:00:01Z',
      '2027-03-01T12:00:00Z',
    ]) {
      const now = new Date(at);
      const expiry = expiryAfter(now) * 1000;
      expect(expiry - now.getTime()).toBeGreaterThanOrEqual(30 * DAY_MS);
      expect(expiry - now.getTime()).toBeLessThanOrEqual(37 * DAY_MS);
      expect(expiry % DAY_MS).toBe(0);
    }
  });

  it('is the same for all activity in one week, so the refresh of every item runs at most once a week', () => {
    // Expiry steps fall on Thursdays (the epoch's weekday); 30 days before them, activity weeks turn on Tuesdays.
    const week = ['2027-01-05T00:00:01Z', '2027-01-08T12:00:00Z', '2027-01-12T00:00:00Z'].map((at) =>
      expiryAfter(new Date(at)),
    );
    expect(new Set(week).size).toBe(1);
    expect(new Date((week[0] ?? 0) * 1000).toISOString()).toBe('2027-02-11T00:00:00.000Z');
    expect(expiryAfter(new Date('2027-01-12T00:00:01Z'))).toBeGreaterThan(week[0] ?? 0);
  });
});

describe('applying consent to the policy’s decision', () => {
  it('holds the reminders of a new user, gives the profile an expiry, and refreshes nothing else', () => {
    // Prepare
    const follow = planned('follow_up', AFTER_IT);

    // Act
    const admitted = admitPlan({ decision: decision(profile(), [follow]), now: NOW });

    // Assess
    expect(admitted.create).toEqual([{ ...follow, held: true }]);
    expect(admitted.profile.expiresAt).toBe(expiryAfter(NOW));
    expect(admitted.refreshExpiry).toBe(false);
  });

  it('asks for every item to be refreshed when an unconfirmed user’s expiry moves to a later week', () => {
    // Prepare
    const before = profile({ expiresAt: expiryAfter(new Date('2026-12-26T10:00:00Z')) });

    // Act
    const sameDay = admitPlan({
      decision: decision(profile({ expiresAt: expiryAfter(NOW) }), []),
      previous: profile({ expiresAt: expiryAfter(NOW) }),
      now: NOW,
    });
    const laterDay = admitPlan({ decision: decision(before, []), previous: before, now: NOW });

    // Assess
    expect(sameDay.refreshExpiry).toBe(false);
    expect(laterDay.refreshExpiry).toBe(true);
    expect(laterDay.profile.expiresAt).toBe(expiryAfter(NOW));
  });

  it('schedules a confirmed user’s reminders without an expiry, minus opted-out and paused kinds', () => {
    // Prepare
    const p = profile({ consent: 'confirmed', optOuts: ['ask_feedback'], pausedUntil: PAUSED_UNTIL });
    const reminders = [
      planned('follow_up', AFTER_IT),
      planned('thank_you', INSIDE_PAUSE),
      planned('ask_feedback', AFTER_IT),
      planned('reconnect', INSIDE_PAUSE),
    ];

    // Act
    const admitted = admitPlan({ decision: decision(p, reminders), previous: p, now: NOW });

    // Assess
    expect(admitted.create.map((r) => [r.kind, r.dueAt, r.held])).toEqual([
      ['follow_up', AFTER_IT, undefined],
      ['reconnect', AFTER_PAUSE, undefined],
    ]);
    // The moved reconnect names the timer of the slot it lands in.
    expect(admitted.create[1]?.scheduleName).toBe(slotScheduleNameFor('u_1', AFTER_PAUSE));
    expect(admitted.profile.expiresAt).toBeUndefined();
    expect(admitted.refreshExpiry).toBe(false);
  });

  it('creates nothing for a user who unsubscribed', () => {
    const p = profile({ consent: 'unsubscribed' });
    const admitted = admitPlan({
      decision: decision(p, [planned('follow_up', AFTER_IT)]),
      previous: p,
      now: NOW,
    });
    expect(admitted.create).toEqual([]);
  });

  it('starts a new profile’s confirmation limits from the marker an erasure left', () => {
    // Prepare
    const marker = {
      userId: 'u_1',
      erasedAt: NOW.toISOString(),
      confirmationsSent: 2,
      lastConfirmationAt: '2027-01-03T10:00:00.000Z',
    };

    // Act
    const admitted = admitPlan({ decision: decision(profile(), []), erasure: marker, now: NOW });

    // Assess
    expect(admitted.profile).toMatchObject({
      confirmationsSent: 2,
      lastConfirmationAt: marker.lastConfirmationAt,
    });
    expect(admitted.profile.consent).toBeUndefined();
  });

  it('keeps a suppressed address suppressed through an erasure', () => {
    const marker = { userId: 'u_1', erasedAt: NOW.toISOString(), suppressedReason: 'not_me' as const };
    const admitted = admitPlan({
      decision: decision(profile(), [planned('follow_up', AFTER_IT)]),
      erasure: marker,
      now: NOW,
    });
    expect(admitted.profile).toMatchObject({ consent: 'suppressed', suppressedReason: 'not_me' });
    expect(admitted.profile.expiresAt).toBeUndefined();
    expect(admitted.create).toEqual([]);
  });
});

describe('the sender’s check at send time', () => {
  const due = [
    pending(planned('follow_up', NOW.toISOString(), 'r_a')),
    pending(planned('reconnect', NOW.toISOString(), 'r_b')),
  ];

  it('sends everything to a confirmed user', () => {
    expect(checkAtSendTime(profile(confirmed), due, NOW)).toEqual({ send: due, cancel: [], move: [] });
  });

  it('cancels everything for a user without consent, with the reason', () => {
    const check = checkAtSendTime(profile({ consent: 'unsubscribed' }), due, NOW);
    expect(check.send).toEqual([]);
    expect(check.cancel.map((c) => [c.reminderId, c.reason])).toEqual([
      ['r_a', 'no_consent at send time'],
      ['r_b', 'no_consent at send time'],
    ]);
  });

  it('cancels an opted-out kind and sends the rest', () => {
    const check = checkAtSendTime(profile({ consent: 'confirmed', optOuts: ['follow_up'] }), due, NOW);
    expect(check.send.map((r) => r.reminderId)).toEqual(['r_b']);
    expect(check.cancel).toEqual([
      {
        reminderId: 'r_a',
        scheduleName: 'rebound-r_a',
        dueAt: NOW.toISOString(),
        reason: 'opted_out at send time',
      },
    ]);
  });

  it('moves a reconnect after a pause and cancels the other kinds', () => {
    const check = checkAtSendTime(profile(paused), due, NOW);
    expect(check.send).toEqual([]);
    expect(check.cancel.map((c) => c.reminderId)).toEqual(['r_a']);
    expect(check.move).toEqual([{ reminderId: 'r_b', scheduleName: 'rebound-r_b', dueAt: AFTER_PAUSE }]);
  });
});
