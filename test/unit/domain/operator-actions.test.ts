/**
 * Operator actions (the admin view) in the pure domain: cancel or reschedule one reminder, pause or resume a
 * user. They change reminders exactly as the user's own links do; consent is checked again at send time.
 */
import { describe, expect, it } from 'vitest';
import type { StoredUserAction, UserAction } from '#events/user-action.ts';
import type { ConsentRecord } from '#shared/domain/consent.ts';
import type { Reminder, ReminderKind, UserProfile } from '#shared/domain/model.ts';
import {
  decideUserAction,
  OPERATOR_CANCEL_REASON,
  type UserActionInput,
} from '#shared/domain/user-actions.ts';

// Monday 2027-01-04, 10:00 UTC (11:00 Berlin). Berlin's 09:00 slots are 08:00 UTC in January.
const NOW = new Date('2027-01-04T10:00:00.000Z');
const ZONE = 'Europe/Berlin';
const NEXT_WEEK = '2027-01-11T08:00:00.000Z';
const IN_FIVE_WEEKS = '2027-02-08T08:00:00.000Z';

function profile(record: ConsentRecord = { consent: 'confirmed' }): UserProfile {
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
    eventId: 'a_op',
    userId: 'u_1',
    receivedAt: NOW.toISOString(),
    occurredAt: NOW.toISOString(),
    action,
    actor: { type: 'operator', operator: 'ops@example.com' },
  };
}

function decide(action: UserAction, input: Partial<Omit<UserActionInput, 'stored'>> = {}) {
  return decideUserAction({ stored: stored(action), profile: profile(), pending: [], now: NOW, ...input });
}

const nothingChanged = { create: [], cancel: [], move: [], done: [], clearExpiry: false };

describe('an operator cancelling a reminder', () => {
  it('cancels it while it is pending, giving the operator as the reason', () => {
    // Prepare
    const target = reminder('r_1', 'follow_up', NEXT_WEEK);

    // Act
    const d = decide(
      { type: 'reminder.cancelled', reminderId: 'r_1' },
      { reminder: target, pending: [target] },
    );

    // Assess
    expect(d.cancel).toEqual([
      { reminderId: 'r_1', scheduleName: 'rebound-r_1', dueAt: NEXT_WEEK, reason: OPERATOR_CANCEL_REASON },
    ]);
    expect(d.move).toEqual([]);
    expect(d.profile).toEqual(profile());
  });

  it('cancels a held reminder too, marked held so no timer is looked for', () => {
    const target = reminder('r_h', 'reconnect', NEXT_WEEK, { held: true });
    const d = decide(
      { type: 'reminder.cancelled', reminderId: 'r_h' },
      { profile: profile({}), reminder: target, pending: [target] },
    );
    expect(d.cancel).toEqual([
      {
        reminderId: 'r_h',
        scheduleName: 'rebound-r_h',
        dueAt: NEXT_WEEK,
        reason: OPERATOR_CANCEL_REASON,
        held: true,
      },
    ]);
  });

  it('changes nothing for a reminder already sent, already cancelled, or not found', () => {
    for (const status of ['sent', 'sending', 'cancelled'] as const) {
      const d = decide(
        { type: 'reminder.cancelled', reminderId: 'r_1' },
        { reminder: reminder('r_1', 'follow_up', NEXT_WEEK, { status }) },
      );
      expect(d).toMatchObject(nothingChanged);
    }
    expect(decide({ type: 'reminder.cancelled', reminderId: 'r_gone' })).toMatchObject(nothingChanged);
  });

  it('cancels only the reminder named, not another one of the same application', () => {
    const target = reminder('r_1', 'follow_up', NEXT_WEEK);
    const other = reminder('r_2', 'follow_up', IN_FIVE_WEEKS);
    const d = decide(
      { type: 'reminder.cancelled', reminderId: 'r_1' },
      { reminder: target, pending: [target, other] },
    );
    expect(d.cancel.map((c) => c.reminderId)).toEqual(['r_1']);
  });
});

describe('an operator rescheduling a reminder', () => {
  it('moves a pending reminder to the new time, stored in UTC', () => {
    // Prepare
    const target = reminder('r_1', 'follow_up', NEXT_WEEK);

    // Act
    const d = decide(
      { type: 'reminder.rescheduled', reminderId: 'r_1', dueAt: '2027-01-06T15:30:00+01:00' },
      { reminder: target, pending: [target] },
    );

    // Assess
    expect(d.move).toEqual([
      { reminderId: 'r_1', scheduleName: 'rebound-r_1', dueAt: '2027-01-06T14:30:00.000Z' },
    ]);
    expect(d.cancel).toEqual([]);
  });

  it('moves it to the next minute when the operator says send now', () => {
    const target = reminder('r_1', 'thank_you', NEXT_WEEK);
    const d = decide(
      { type: 'reminder.rescheduled', reminderId: 'r_1', dueAt: '2027-01-04T10:01:00.000Z', sendNow: true },
      { reminder: target, pending: [target] },
    );
    expect(d.move).toEqual([
      { reminderId: 'r_1', scheduleName: 'rebound-r_1', dueAt: '2027-01-04T10:01:00.000Z' },
    ]);
  });

  it('keeps a held reminder held while its user has not confirmed', () => {
    const target = reminder('r_h', 'follow_up', NEXT_WEEK, { held: true });
    const d = decide(
      { type: 'reminder.rescheduled', reminderId: 'r_h', dueAt: IN_FIVE_WEEKS },
      { profile: profile({}), reminder: target, pending: [target] },
    );
    expect(d.move).toEqual([
      { reminderId: 'r_h', scheduleName: 'rebound-r_h', dueAt: IN_FIVE_WEEKS, held: true },
    ]);
  });

  it('refuses, changing nothing, a time no timer can be set for', () => {
    const target = reminder('r_1', 'follow_up', NEXT_WEEK);
    const d = decide(
      { type: 'reminder.rescheduled', reminderId: 'r_1', dueAt: '2201-01-01T00:00:00.000Z' },
      { reminder: target, pending: [target] },
    );
    expect(d).toMatchObject(nothingChanged);
  });

  it('changes nothing for a reminder no longer pending, or moved to the time it already has', () => {
    const sent = reminder('r_1', 'follow_up', NEXT_WEEK, { status: 'sent' });
    const movedSent = decide(
      { type: 'reminder.rescheduled', reminderId: 'r_1', dueAt: IN_FIVE_WEEKS },
      { reminder: sent },
    );
    const pending = reminder('r_2', 'follow_up', NEXT_WEEK);
    const same = decide(
      { type: 'reminder.rescheduled', reminderId: 'r_2', dueAt: NEXT_WEEK },
      { reminder: pending, pending: [pending] },
    );
    expect(movedSent).toMatchObject(nothingChanged);
    expect(same).toMatchObject(nothingChanged);
  });

  it('does not judge consent or the pause: the sender does at send time', () => {
    const target = reminder('r_1', 'follow_up', NEXT_WEEK);
    const paused = profile({ consent: 'confirmed', pausedUntil: '2027-03-01T00:00:00.000Z' });
    const d = decide(
      { type: 'reminder.rescheduled', reminderId: 'r_1', dueAt: IN_FIVE_WEEKS },
      { profile: paused, reminder: target, pending: [target] },
    );
    expect(d.move.map((m) => m.dueAt)).toEqual([IN_FIVE_WEEKS]);
    expect(d.profile).toEqual(paused);
  });
});

describe('an operator pausing or resuming a user', () => {
  const pending = [
    reminder('r_follow', 'follow_up', NEXT_WEEK),
    reminder('r_reconnect', 'reconnect', NEXT_WEEK),
    reminder('r_later', 'follow_up', IN_FIVE_WEEKS),
  ];

  it('pauses for N weeks exactly as the preferences page does', () => {
    // Act
    const byOperator = decide({ type: 'user.paused', weeks: 2 }, { pending });
    const byUser = decide({ type: 'preferences.updated', optOuts: [], pauseWeeks: 2 }, { pending });

    // Assess
    expect(byOperator.profile.pausedUntil).toBe('2027-01-18T10:00:00.000Z');
    expect(byOperator.cancel).toEqual([
      { reminderId: 'r_follow', scheduleName: 'rebound-r_follow', dueAt: NEXT_WEEK, reason: 'paused' },
    ]);
    expect(byOperator.move).toEqual([
      { reminderId: 'r_reconnect', scheduleName: 'rebound-r_reconnect', dueAt: '2027-01-19T08:00:00.000Z' },
    ]);
    expect(byOperator).toEqual(byUser);
  });

  it('takes any number of weeks the operator gives, not only the page’s choices', () => {
    const d = decide({ type: 'user.paused', weeks: 6 }, { pending });
    expect(d.profile.pausedUntil).toBe('2027-02-15T10:00:00.000Z');
    expect(d.cancel.map((c) => c.reminderId)).toEqual(['r_follow', 'r_later']);
  });

  it('keeps the user’s opt-outs when pausing', () => {
    const d = decide(
      { type: 'user.paused', weeks: 1 },
      { profile: profile({ consent: 'confirmed', optOuts: ['thank_you'] }) },
    );
    expect(d.profile.optOuts).toEqual(['thank_you']);
  });

  it('resumes by ending the pause, keeping the opt-outs, like a pause of 0 weeks', () => {
    const paused = profile({
      consent: 'confirmed',
      pausedUntil: '2027-01-18T10:00:00.000Z',
      optOuts: ['reconnect'],
    });
    const d = decide({ type: 'user.resumed' }, { profile: paused });
    expect(d.profile.pausedUntil).toBeUndefined();
    expect(d.profile.optOuts).toEqual(['reconnect']);
    expect(d.profile.updatedAt).toBe(NOW.toISOString());
  });
});

describe('a snoozed copy', () => {
  it('keeps the source of the reminder it was made from', () => {
    const sent = reminder('r_s', 'follow_up', '2027-01-04T08:00:00.000Z', {
      status: 'sent',
      sourceId: 'acme-ats',
    });
    const d = decide({ type: 'reminder.snoozed', reminderId: 'r_s', days: 3 }, { reminder: sent });
    expect(d.create).toHaveLength(1);
    expect(d.create[0]?.sourceId).toBe('acme-ats');
  });
});
