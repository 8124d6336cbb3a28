import { describe, expect, it } from 'vitest';
import type { StoredUserAction, UserAction } from '#events/user-action.ts';
import { expiryAfter } from '#shared/domain/admission.ts';
import type { ConsentRecord } from '#shared/domain/consent.ts';
import { erasureMarkerFor } from '#shared/domain/erasure.ts';
import { snoozedReminderIdFor } from '#shared/domain/ids.ts';
import type { ApplicationState, Reminder, ReminderKind, UserProfile } from '#shared/domain/model.ts';
import { decideUserAction, type UserActionInput } from '#shared/domain/user-actions.ts';

// Monday 2027-01-04, 10:00 UTC (11:00 Berlin). Berlin's 09:00 slots are 08:00 UTC in January.
const NOW = new Date('2027-01-04T10:00:00.000Z');
const ZONE = 'Europe/Berlin';
const TOMORROW_SLOT = '2027-01-05T08:00:00.000Z';
const PAST = '2026-12-28T08:00:00.000Z';
const NEXT_WEEK = '2027-01-11T08:00:00.000Z';
const IN_FIVE_WEEKS = '2027-02-08T08:00:00.000Z';

function profile(record: ConsentRecord & { expiresAt?: number } = {}): UserProfile {
  return {
    userId: 'u_1',
    email: 'sam@example.com',
    timezone: ZONE,
    createdAt: '2026-12-01T10:00:00.000Z',
    updatedAt: '2026-12-01T10:00:00.000Z',
    ...record,
  };
}

function reminder(id: string, kind: ReminderKind, dueAt: string, extra: Partial<Reminder> = {}): Reminder {
  return {
    reminderId: id,
    userId: 'u_1',
    kind,
    sequence: 1,
    status: 'pending',
    dueAt,
    application: { ref: 'acme', company: 'Acme' },
    sourceEventId: 'evt-1',
    scheduleName: `rebound-${id}`,
    createdAt: '2026-12-01T10:00:00.000Z',
    ...extra,
  };
}

function stored(action: UserAction): StoredUserAction {
  return {
    eventId: 'a_1',
    userId: 'u_1',
    receivedAt: NOW.toISOString(),
    occurredAt: NOW.toISOString(),
    action,
    actor: { type: 'user', via: 'link' },
  };
}

function decide(action: UserAction, input: Partial<Omit<UserActionInput, 'stored'>> = {}) {
  return decideUserAction({ stored: stored(action), profile: profile(), pending: [], now: NOW, ...input });
}

const ids = (items: readonly { reminderId: string }[]) => items.map((i) => i.reminderId);

describe('confirming', () => {
  it('confirms, releases held reminders already due into the next slot together, and keeps later ones', () => {
    // Prepare
    const pending = [
      reminder('r_past', 'follow_up', PAST, { held: true }),
      reminder('r_now', 'thank_you', '2027-01-04T08:00:00.000Z', { held: true }),
      reminder('r_later', 'reconnect', IN_FIVE_WEEKS, { held: true }),
    ];

    // Act
    const d = decide({ type: 'consent.confirmed' }, { profile: profile({ expiresAt: 1 }), pending });

    // Assess
    expect(d.profile.consent).toBe('confirmed');
    expect(d.profile.expiresAt).toBeUndefined();
    expect(d.clearExpiry).toBe(true);
    expect(d.move).toEqual([
      { reminderId: 'r_past', scheduleName: 'rebound-r_past', dueAt: TOMORROW_SLOT },
      { reminderId: 'r_now', scheduleName: 'rebound-r_now', dueAt: TOMORROW_SLOT },
      { reminderId: 'r_later', scheduleName: 'rebound-r_later', dueAt: IN_FIVE_WEEKS },
    ]);
    expect(d.cancel).toEqual([]);
  });

  it('changes nothing for a user who already confirmed, or who is suppressed', () => {
    for (const consent of ['confirmed', 'suppressed'] as const) {
      const d = decide({ type: 'consent.confirmed' }, { profile: profile({ consent }) });
      expect(d.profile.consent).toBe(consent);
      expect(d.clearExpiry).toBe(false);
      expect(d.move).toEqual([]);
    }
  });

  it('forgets the transient bounces counted so far', () => {
    const d = decide({ type: 'consent.confirmed' }, { profile: profile({ transientBounces: 2 }) });
    expect(d.profile.transientBounces).toBeUndefined();
  });
});

describe('unsubscribing and suppression', () => {
  const pending = [
    reminder('r_a', 'follow_up', NEXT_WEEK),
    reminder('r_b', 'reconnect', NEXT_WEEK, { held: true }),
  ];

  it('unsubscribes and cancels every pending reminder, held or not', () => {
    const d = decide(
      { type: 'consent.unsubscribed' },
      { profile: profile({ consent: 'confirmed' }), pending },
    );
    expect(d.profile.consent).toBe('unsubscribed');
    expect(d.cancel).toEqual([
      { reminderId: 'r_a', scheduleName: 'rebound-r_a', dueAt: NEXT_WEEK, reason: 'unsubscribed' },
      {
        reminderId: 'r_b',
        scheduleName: 'rebound-r_b',
        dueAt: NEXT_WEEK,
        reason: 'unsubscribed',
        held: true,
      },
    ]);
  });

  it('suppresses with its reason, cancels everything, and keeps the profile for good', () => {
    const d = decide(
      { type: 'consent.suppressed', reason: 'not_me' },
      { profile: profile({ expiresAt: expiryAfter(NOW) }), pending },
    );
    expect(d.profile).toMatchObject({ consent: 'suppressed', suppressedReason: 'not_me' });
    expect(d.profile.expiresAt).toBeUndefined();
    expect(ids(d.cancel)).toEqual(['r_a', 'r_b']);
  });

  it('keeps the first reason of a suppression', () => {
    const d = decide(
      { type: 'consent.suppressed', reason: 'complaint' },
      { profile: profile({ consent: 'suppressed', suppressedReason: 'bounce' }) },
    );
    expect(d.profile.suppressedReason).toBe('bounce');
  });

  it('counts transient bounces and suppresses at the third in a row', () => {
    const first = decide(
      { type: 'delivery.bounced_transient' },
      { profile: profile({ consent: 'confirmed' }) },
    );
    const third = decide(
      { type: 'delivery.bounced_transient' },
      { profile: profile({ consent: 'confirmed', transientBounces: 2 }), pending },
    );
    expect(first.profile).toMatchObject({ consent: 'confirmed', transientBounces: 1 });
    expect(first.cancel).toEqual([]);
    expect(third.profile).toMatchObject({ consent: 'suppressed', suppressedReason: 'transient_bounces' });
    expect(ids(third.cancel)).toEqual(['r_a', 'r_b']);
  });
});

describe('reminder actions', () => {
  const me = profile({ consent: 'confirmed' });

  it('records "I did it" on a sent reminder and cancels its pending snoozed copy', () => {
    const sent = reminder('r_sent', 'follow_up', PAST, { status: 'sent' });
    const copy = reminder('r_copy', 'follow_up', NEXT_WEEK, { snoozedFrom: 'r_sent' });
    const d = decide(
      { type: 'reminder.done', reminderId: 'r_sent' },
      { profile: me, reminder: sent, pending: [copy] },
    );
    expect(d.done).toEqual(['r_sent']);
    expect(d.cancel).toEqual([
      { reminderId: 'r_copy', scheduleName: 'rebound-r_copy', dueAt: NEXT_WEEK, reason: 'done' },
    ]);
  });

  it('records "I did it" on a pending reminder and cancels it', () => {
    const waiting = reminder('r_a', 'follow_up', NEXT_WEEK);
    const d = decide(
      { type: 'reminder.done', reminderId: 'r_a' },
      { profile: me, reminder: waiting, pending: [waiting] },
    );
    expect(d.done).toEqual(['r_a']);
    expect(ids(d.cancel)).toEqual(['r_a']);
  });

  it('moves a pending reminder to the slot 7 days from now when it is snoozed for a week', () => {
    const waiting = reminder('r_a', 'follow_up', TOMORROW_SLOT);
    const d = decide(
      { type: 'reminder.snoozed', reminderId: 'r_a', days: 7 },
      { profile: me, reminder: waiting, pending: [waiting] },
    );
    expect(d.move).toEqual([{ reminderId: 'r_a', scheduleName: 'rebound-r_a', dueAt: NEXT_WEEK }]);
    expect(d.create).toEqual([]);
  });

  it('makes a pending copy of a sent reminder, due 3 days on, when it is snoozed from the email', () => {
    // Prepare
    const sent = reminder('r_sent', 'ask_feedback', PAST, { status: 'sent', sequence: 1 });

    // Act
    const d = decide(
      { type: 'reminder.snoozed', reminderId: 'r_sent', days: 3 },
      { profile: me, reminder: sent },
    );

    // Assess
    const id = snoozedReminderIdFor('r_sent', 'a_1');
    expect(d.create).toEqual([
      {
        reminderId: id,
        userId: 'u_1',
        kind: 'ask_feedback',
        sequence: 1,
        dueAt: '2027-01-07T08:00:00.000Z',
        application: sent.application,
        sourceEventId: 'a_1',
        // The timer of the user's slot then (see `slotScheduleNameFor`).
        scheduleName: 'rebound-u-1-20270107T0800',
        createdAt: NOW.toISOString(),
        snoozedFrom: 'r_sent',
      },
    ]);
  });

  it('moves the existing copy rather than making a second one when a sent reminder is snoozed again', () => {
    const sent = reminder('r_sent', 'follow_up', PAST, { status: 'sent' });
    const copy = reminder('r_copy', 'follow_up', '2027-01-07T08:00:00.000Z', { snoozedFrom: 'r_sent' });
    const d = decide(
      { type: 'reminder.snoozed', reminderId: 'r_sent', days: 7 },
      { profile: me, reminder: sent, pending: [copy] },
    );
    expect(d.create).toEqual([]);
    expect(d.move).toEqual([{ reminderId: 'r_copy', scheduleName: 'rebound-r_copy', dueAt: NEXT_WEEK }]);
  });

  it('snoozes nothing that was cancelled or belongs to a stopped application', () => {
    const cancelled = reminder('r_c', 'follow_up', PAST, { status: 'cancelled' });
    const sent = reminder('r_s', 'follow_up', PAST, { status: 'sent' });
    const stopped = { ref: 'acme', stoppedAt: PAST } as ApplicationState;
    const snooze = (r: Reminder, application?: ApplicationState) =>
      decide(
        { type: 'reminder.snoozed', reminderId: r.reminderId, days: 3 },
        { profile: me, reminder: r, application },
      );
    for (const d of [snooze(cancelled), snooze(sent, stopped)]) {
      expect([d.create, d.move, d.cancel]).toEqual([[], [], []]);
    }
  });

  it('makes no copy for a user who has since unsubscribed', () => {
    const sent = reminder('r_s', 'follow_up', PAST, { status: 'sent' });
    const d = decide(
      { type: 'reminder.snoozed', reminderId: 'r_s', days: 3 },
      { profile: profile({ consent: 'unsubscribed' }), reminder: sent },
    );
    expect(d.create).toEqual([]);
  });
});

describe('stopping an application', () => {
  it('cancels its pending reminders, held ones too, leaves other applications’, and remembers the stop', () => {
    // Prepare
    const application: ApplicationState = {
      userId: 'u_1',
      ref: 'acme',
      company: 'Acme',
      status: 'active',
      lastEventAt: PAST,
      lastEventType: 'application.submitted',
      eventCount: 1,
      updatedAt: PAST,
    };
    const pending = [
      reminder('r_a', 'follow_up', NEXT_WEEK),
      reminder('r_b', 'follow_up', NEXT_WEEK, { held: true }),
      reminder('r_g', 'follow_up', NEXT_WEEK, { application: { ref: 'globex', company: 'Globex' } }),
    ];

    // Act
    const d = decide({ type: 'application.stopped', ref: 'acme' }, { pending, application });

    // Assess
    expect(ids(d.cancel)).toEqual(['r_a', 'r_b']);
    expect(d.application).toMatchObject({ ref: 'acme', stoppedAt: NOW.toISOString() });
  });
});

describe('preferences', () => {
  const me = profile({ consent: 'confirmed' });
  const pending = [
    reminder('r_follow', 'follow_up', NEXT_WEEK),
    reminder('r_reconnect', 'reconnect', NEXT_WEEK),
    reminder('r_later', 'follow_up', IN_FIVE_WEEKS),
  ];

  it('saves the opt-outs and cancels the pending reminders of those kinds only', () => {
    const d = decide({ type: 'preferences.updated', optOuts: ['reconnect'] }, { profile: me, pending });
    expect(d.profile.optOuts).toEqual(['reconnect']);
    expect(d.cancel).toEqual([
      {
        reminderId: 'r_reconnect',
        scheduleName: 'rebound-r_reconnect',
        dueAt: NEXT_WEEK,
        reason: 'opted_out',
      },
    ]);
    expect(d.move).toEqual([]);
  });

  it('pauses for N weeks from now: stale kinds inside it are cancelled, reconnects move to its end', () => {
    const d = decide({ type: 'preferences.updated', optOuts: [], pauseWeeks: 2 }, { profile: me, pending });
    expect(d.profile.pausedUntil).toBe('2027-01-18T10:00:00.000Z');
    expect(d.profile.optOuts).toBeUndefined();
    expect(d.cancel).toEqual([
      { reminderId: 'r_follow', scheduleName: 'rebound-r_follow', dueAt: NEXT_WEEK, reason: 'paused' },
    ]);
    expect(d.move).toEqual([
      { reminderId: 'r_reconnect', scheduleName: 'rebound-r_reconnect', dueAt: '2027-01-19T08:00:00.000Z' },
    ]);
  });

  it('resumes with a pause of 0 weeks, and leaves the pause alone when none is given', () => {
    const pausedProfile = profile({ consent: 'confirmed', pausedUntil: '2027-01-18T10:00:00.000Z' });
    const resumed = decide(
      { type: 'preferences.updated', optOuts: [], pauseWeeks: 0 },
      { profile: pausedProfile },
    );
    const kept = decide({ type: 'preferences.updated', optOuts: [] }, { profile: pausedProfile });
    expect(resumed.profile.pausedUntil).toBeUndefined();
    expect(kept.profile.pausedUntil).toBe('2027-01-18T10:00:00.000Z');
  });
});

describe('the erasure marker', () => {
  it('keeps only the user id, when, and the confirmation counters, for 30 days', () => {
    const p = profile({ confirmationsSent: 2, lastConfirmationAt: PAST, optOuts: ['reconnect'] });
    expect(erasureMarkerFor('u_1', p, undefined, NOW)).toEqual({
      userId: 'u_1',
      erasedAt: NOW.toISOString(),
      confirmationsSent: 2,
      lastConfirmationAt: PAST,
      expiresAt: expiryAfter(NOW),
    });
  });

  it('keeps a suppression for good', () => {
    const p = profile({ consent: 'suppressed', suppressedReason: 'complaint' });
    const marker = erasureMarkerFor('u_1', p, undefined, NOW);
    expect(marker).toMatchObject({ suppressedReason: 'complaint' });
    expect(marker?.expiresAt).toBeUndefined();
  });

  it('carries an earlier marker’s counters when they say more', () => {
    const earlier = { userId: 'u_1', erasedAt: PAST, confirmationsSent: 3, lastConfirmationAt: PAST };
    expect(erasureMarkerFor('u_1', profile({ confirmationsSent: 1 }), earlier, NOW)).toMatchObject({
      confirmationsSent: 3,
      lastConfirmationAt: PAST,
    });
  });

  it('leaves no marker when there is nothing to remember', () => {
    expect(erasureMarkerFor('u_1', undefined, undefined, NOW)).toBeUndefined();
  });
});
