/**
 * User actions through the planner, on in-memory fakes: each is stored in the timeline as the links or
 * feedback function stores it, then applied as the stream delivers it; reminders and timers follow.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import type { UserAction } from '#events/user-action.ts';
import { expiryAfter } from '#shared/domain/admission.ts';
import { userIdFor } from '#shared/domain/ids.ts';
import type { Reminder } from '#shared/domain/model.ts';
import { applyUserAction } from '#shared/use-cases/apply-user-action.ts';
import { planEvent } from '#shared/use-cases/plan-event.ts';
import { recordUserAction } from '#shared/use-cases/record-user-action.ts';
import { sendDueReminders } from '#shared/use-cases/send-due-reminders.ts';
import { timerNameOf } from '#shared/use-cases/timers.ts';
import { fixture, intake } from '../../support/events.ts';
import { act, confirmedUser, confirmUser, type Pipeline, pipeline } from '../../support/pipeline.ts';

// Submitted on Tuesday 2026-03-10 at 15:00 Berlin (+01:00): follow-ups on the next two Tuesdays at 09:00
// Berlin (08:00 UTC). Rejected on Thursday 2026-03-12 (keep_on_file): a reconnect 4 weeks later.
const RECEIVED = '2026-03-10T14:00:05.000Z';
const FIRST_FOLLOW_UP = '2026-03-17T08:00:00.000Z';
const SECOND_FOLLOW_UP = '2026-03-24T08:00:00.000Z';
const SAM = 'sam@example.com';
const samId = userIdFor(SAM);

let p: Pipeline;

beforeEach(async () => {
  p = pipeline(RECEIVED);
  await confirmedUser(SAM, p);
});

async function submitted(ref = 'acme-backend', company = 'Acme Corp', occurredAt?: string) {
  const input = fixture('application.submitted');
  input.id = `evt-${ref}-submitted`;
  input.application = { ...input.application, ref, company };
  if (occurredAt) input.occurredAt = occurredAt;
  await planEvent(await intake(input, p), p);
  return p.store.allReminders().filter((r) => r.application.ref === ref && r.status === 'pending');
}

async function rejected(
  ref: string,
  reason: 'keep_on_file' | 'not_selected' | 'not_hiring',
  occurredAt: string,
) {
  const input = fixture('application.rejected');
  input.id = `evt-${ref}-rejected`;
  input.application = { ...input.application, ref };
  input.rejection = { stage: 'application', reason };
  input.occurredAt = occurredAt;
  await planEvent(await intake(input, p), p);
  return p.store.allReminders().filter((r) => r.sourceEventId === `evt-${ref}-rejected`);
}

const stored = (r: Reminder) => p.store.reminder(samId, r.reminderId);
/** The timer that would wake the sender for the reminder as it is now: its send slot's. */
const timerOf = (r: Reminder) => {
  const now = stored(r) ?? r;
  return p.timers.timers.get(timerNameOf(samId, now));
};

describe('unsubscribing', () => {
  it('cancels every pending reminder and its timer, and nothing is planned afterwards', async () => {
    // Prepare
    const acme = await submitted();
    const globex = await submitted('globex-platform', 'Globex');

    // Act
    await act(samId, { type: 'consent.unsubscribed' }, p, { actor: { type: 'user', via: 'one-click' } });
    p.clock.set('2026-03-11T10:00:00.000Z');
    const later = await submitted('initech', 'Initech', '2026-03-11T11:00:00+01:00');

    // Assess
    for (const r of [...acme, ...globex])
      expect(stored(r)).toMatchObject({ status: 'cancelled', cancelReason: 'unsubscribed' });
    expect(p.timers.timers.size).toBe(0);
    expect(later).toEqual([]);
    expect(await p.store.getProfile(samId)).toMatchObject({ consent: 'unsubscribed' });
    p.clock.set(SECOND_FOLLOW_UP);
    expect(await sendDueReminders(samId, p)).toEqual({ emails: 0, reminders: 0 });
    expect(p.mailer.sent).toEqual([]);
  });

  it('lets a user who unsubscribed come back by confirming again', async () => {
    // Prepare
    await act(samId, { type: 'consent.unsubscribed' }, p);

    // Act
    await confirmUser(samId, p);
    const acme = await submitted();

    // Assess
    expect(acme).toHaveLength(2);
    expect(acme.every((r) => timerOf(r) !== undefined)).toBe(true);
  });
});

describe('suppression', () => {
  it('cancels everything on a permanent bounce, and no confirm link undoes it', async () => {
    // Prepare
    const acme = await submitted();

    // Act
    await act(samId, { type: 'consent.suppressed', reason: 'bounce' }, p, { actor: { type: 'ses' } });
    await confirmUser(samId, p);
    p.clock.set('2026-03-10T15:00:05.000Z');
    const later = await submitted('globex-platform', 'Globex', '2026-03-10T16:00:00+01:00');

    // Assess
    expect(acme.map((r) => stored(r)?.status)).toEqual(['cancelled', 'cancelled']);
    expect(p.timers.timers.size).toBe(0);
    expect(later).toEqual([]);
    expect(await p.store.getProfile(samId)).toMatchObject({
      consent: 'suppressed',
      suppressedReason: 'bounce',
    });
  });

  it('suppresses at the third transient bounce in a row, not before', async () => {
    // Prepare
    const acme = await submitted();
    const bounce = () => act(samId, { type: 'delivery.bounced_transient' }, p, { actor: { type: 'ses' } });

    // Act
    await bounce();
    await bounce();
    const afterTwo = await p.store.getProfile(samId);
    await bounce();

    // Assess
    expect(afterTwo).toMatchObject({ consent: 'confirmed', transientBounces: 2 });
    expect(await p.store.getProfile(samId)).toMatchObject({
      consent: 'suppressed',
      suppressedReason: 'transient_bounces',
    });
    expect(acme.map((r) => stored(r)?.status)).toEqual(['cancelled', 'cancelled']);
    expect(p.timers.timers.size).toBe(0);
  });
});

describe('"I did it"', () => {
  it('records it on a pending reminder, which is cancelled with its timer', async () => {
    // Prepare
    const [first] = await submitted();
    if (!first) throw new Error('expected a follow-up');

    // Act
    await act(samId, { type: 'reminder.done', reminderId: first.reminderId }, p);

    // Assess
    expect(stored(first)).toMatchObject({ status: 'cancelled', cancelReason: 'done', doneAt: RECEIVED });
    expect(timerOf(first)).toBeUndefined();
  });

  it('records it on a reminder already sent, which stays sent', async () => {
    // Prepare
    const [first] = await submitted();
    if (!first) throw new Error('expected a follow-up');
    p.clock.set(FIRST_FOLLOW_UP);
    await sendDueReminders(samId, p);
    p.clock.set('2026-03-17T12:00:00.000Z');

    // Act
    await act(samId, { type: 'reminder.done', reminderId: first.reminderId }, p);

    // Assess
    expect(stored(first)).toMatchObject({ status: 'sent', doneAt: '2026-03-17T12:00:00.000Z' });
  });
});

describe('snoozing', () => {
  it('moves a pending reminder and its timer to the slot a week on', async () => {
    // Prepare: Sam snoozes the first follow-up on Thursday the 12th.
    const [first] = await submitted();
    if (!first) throw new Error('expected a follow-up');
    p.clock.set('2026-03-12T10:00:00.000Z');

    // Act
    await act(samId, { type: 'reminder.snoozed', reminderId: first.reminderId, days: 7 }, p);

    // Assess
    expect(stored(first)).toMatchObject({ status: 'pending', dueAt: '2026-03-19T08:00:00.000Z' });
    expect(timerOf(first)?.dueAt).toBe('2026-03-19T08:00:00.000Z');
  });

  it('makes a reminder that was sent come back 3 days on, with a timer, when snoozed from its email', async () => {
    // Prepare
    const [first] = await submitted();
    if (!first) throw new Error('expected a follow-up');
    p.clock.set(FIRST_FOLLOW_UP);
    await sendDueReminders(samId, p);
    p.clock.set('2026-03-17T09:30:00.000Z');

    // Act
    const result = await act(samId, { type: 'reminder.snoozed', reminderId: first.reminderId, days: 3 }, p);

    // Assess
    expect(result).toMatchObject({ outcome: 'planned', created: 1 });
    const copy = p.store.allReminders().find((r) => r.snoozedFrom === first.reminderId);
    expect(copy).toMatchObject({ kind: 'follow_up', status: 'pending', dueAt: '2026-03-20T08:00:00.000Z' });
    expect(copy && timerOf(copy)?.dueAt).toBe('2026-03-20T08:00:00.000Z');
    // And it is emailed then.
    p.clock.set('2026-03-20T08:00:00.000Z');
    expect(await sendDueReminders(samId, p)).toEqual({ emails: 1, reminders: 1 });
  });

  it('applies once when the stream delivers the same snooze twice', async () => {
    // Prepare
    const [first] = await submitted();
    if (!first) throw new Error('expected a follow-up');
    p.clock.set(FIRST_FOLLOW_UP);
    await sendDueReminders(samId, p);
    const { eventId } = await recordUserAction(
      {
        userId: samId,
        action: { type: 'reminder.snoozed', reminderId: first.reminderId, days: 7 },
        actor: { type: 'user', via: 'link' },
        idempotencyKey: 'token-1',
      },
      p,
    );
    const item = p.store.timelineEvent(samId, eventId);
    if (!item) throw new Error('expected the action stored');
    await applyUserAction(item, p);

    // Act
    const replay = await applyUserAction(item, p);

    // Assess
    expect(replay).toMatchObject({ outcome: 'replayed' });
    expect(p.store.allReminders().filter((r) => r.snoozedFrom === first.reminderId)).toHaveLength(1);
  });
});

describe('stopping reminders for one application', () => {
  it('cancels that application’s reminders and timers, keeps the others’, and plans nothing new for it', async () => {
    // Prepare
    const acme = await submitted();
    const globex = await submitted('globex-platform', 'Globex');

    // Act
    await act(samId, { type: 'application.stopped', ref: 'acme-backend' }, p);
    p.clock.set('2026-03-13T10:00:00.000Z');
    const reconnects = await rejected('acme-backend', 'not_selected', '2026-03-13T10:00:00+01:00');

    // Assess: the slot timers stay, for Globex's follow-ups due in the same slots
    expect(acme.map((r) => stored(r)?.status)).toEqual(['cancelled', 'cancelled']);
    expect(globex.map((r) => stored(r)?.status)).toEqual(['pending', 'pending']);
    expect(globex.every((r) => timerOf(r) !== undefined)).toBe(true);
    expect(p.timers.removed).toEqual([]);
    expect(reconnects).toEqual([]);
    expect(await p.store.getApplication(samId, 'acme-backend')).toMatchObject({
      stoppedAt: RECEIVED,
    });
  });
});

describe('preferences', () => {
  it('opting out of reconnects stops only reconnects', async () => {
    // Prepare: a pending reconnect from one rejection.
    await submitted();
    p.clock.set('2026-03-12T10:00:00.000Z');
    const [reconnect] = await rejected('acme-backend', 'keep_on_file', '2026-03-12T11:00:00+01:00');
    if (!reconnect) throw new Error('expected a reconnect');

    // Act
    await act(samId, { type: 'preferences.updated', optOuts: ['reconnect'] }, p);
    p.clock.set('2026-03-12T11:00:05.000Z');
    const globex = await submitted('globex-platform', 'Globex', '2026-03-12T11:30:00+01:00');
    const later = await rejected('globex-platform', 'not_selected', '2026-03-12T12:00:00+01:00');

    // Assess
    expect(stored(reconnect)).toMatchObject({ status: 'cancelled', cancelReason: 'opted_out' });
    expect(timerOf(reconnect)).toBeUndefined();
    expect(globex).toHaveLength(2);
    expect(later.map((r) => r.kind)).toEqual(['ask_feedback']);
  });

  it('a pause of 2 weeks cancels the follow-ups inside it and moves a reconnect inside it to its end', async () => {
    // Prepare: acme rejected (reconnect on 2026-04-09), globex submitted on the 26th (follow-ups on 2026-04-02
    // and 2026-04-09), initech rejected for lack of openings (reconnect 8 weeks later, in May).
    p.clock.set('2026-03-12T10:00:00.000Z');
    await submitted('acme-backend', 'Acme Corp', '2026-03-10T15:00:00+01:00');
    const [reconnect] = (await rejected('acme-backend', 'keep_on_file', '2026-03-12T11:00:00+01:00')).filter(
      (r) => r.kind === 'reconnect',
    );
    p.clock.set('2026-03-27T10:00:00.000Z');
    const followUps = await submitted('globex-platform', 'Globex', '2026-03-26T11:00:00+01:00');
    const [mayReconnect] = await rejected('initech', 'not_hiring', '2026-03-27T11:00:00+01:00');
    if (!reconnect || !mayReconnect) throw new Error('expected two reconnects');

    // Act: paused until Friday 2026-04-10 at 10:00 UTC, after that day's 09:00 Berlin (07:00 UTC, summer
    // time) slot: the first slot after it is Monday the 13th.
    await act(samId, { type: 'preferences.updated', optOuts: [], pauseWeeks: 2 }, p);

    // Assess
    expect(await p.store.getProfile(samId)).toMatchObject({ pausedUntil: '2026-04-10T10:00:00.000Z' });
    expect(stored(reconnect)).toMatchObject({ status: 'pending', dueAt: '2026-04-13T07:00:00.000Z' });
    expect(timerOf(reconnect)?.dueAt).toBe('2026-04-13T07:00:00.000Z');
    expect(followUps.map((r) => [stored(r)?.status, stored(r)?.cancelReason, timerOf(r)])).toEqual([
      ['cancelled', 'paused', undefined],
      ['cancelled', 'paused', undefined],
    ]);
    expect(stored(mayReconnect)).toEqual(mayReconnect);
  });

  it('creates no stale reminder inside a pause, and a pause of 0 weeks resumes', async () => {
    // Prepare
    await act(samId, { type: 'preferences.updated', optOuts: [], pauseWeeks: 4 }, p);

    // Act
    const paused = await submitted('acme-backend', 'Acme Corp');
    await act(samId, { type: 'preferences.updated', optOuts: [], pauseWeeks: 0 }, p);
    const resumed = await submitted('globex-platform', 'Globex');

    // Assess
    expect(paused).toEqual([]);
    expect(resumed.map((r) => r.dueAt)).toEqual([FIRST_FOLLOW_UP, SECOND_FOLLOW_UP]);
    expect(await p.store.getProfile(samId)).not.toHaveProperty('pausedUntil');
  });
});

describe('operator actions', () => {
  const operator = { actor: { type: 'operator' as const, operator: 'ops@example.com' } };

  it('an operator’s cancel cancels the reminder and deletes its slot’s timer, leaving the other one', async () => {
    // Prepare
    const [first, second] = await submitted();
    if (!first || !second) throw new Error('expected two follow-ups');

    // Act
    await act(samId, { type: 'reminder.cancelled', reminderId: first.reminderId }, p, operator);

    // Assess
    expect(stored(first)).toMatchObject({ status: 'cancelled', cancelReason: 'operator' });
    expect(timerOf(first)).toBeUndefined();
    expect(stored(second)).toMatchObject({ status: 'pending' });
    expect(timerOf(second)?.dueAt).toBe(SECOND_FOLLOW_UP);
  });

  it('an operator’s cancel of a reminder already sent changes nothing', async () => {
    // Prepare
    const [first] = await submitted();
    if (!first) throw new Error('expected a follow-up');
    p.clock.set(FIRST_FOLLOW_UP);
    await sendDueReminders(samId, p);

    // Act
    const result = await act(
      samId,
      { type: 'reminder.cancelled', reminderId: first.reminderId },
      p,
      operator,
    );

    // Assess
    expect(result).toMatchObject({ outcome: 'planned', cancelled: 0 });
    expect(stored(first)).toMatchObject({ status: 'sent' });
  });

  it('a reschedule moves the reminder and its timer to the new time, and it is sent then', async () => {
    // Prepare
    const [first] = await submitted();
    if (!first) throw new Error('expected a follow-up');
    const at = '2026-03-12T13:45:00.000Z';

    // Act
    await act(samId, { type: 'reminder.rescheduled', reminderId: first.reminderId, dueAt: at }, p, operator);

    // Assess
    expect(stored(first)).toMatchObject({ status: 'pending', dueAt: at });
    expect(timerOf(first)?.dueAt).toBe(at);
    expect(p.timers.timers.has(timerNameOf(samId, first))).toBe(false);
    p.clock.set(at);
    expect(await sendDueReminders(samId, p)).toEqual({ emails: 1, reminders: 1 });
  });

  it('"send now" moves the reminder to the next minute, with a timer then', async () => {
    // Prepare
    const [first] = await submitted();
    if (!first) throw new Error('expected a follow-up');
    const nextMinute = '2026-03-10T14:01:00.000Z';

    // Act
    await act(
      samId,
      { type: 'reminder.rescheduled', reminderId: first.reminderId, dueAt: nextMinute, sendNow: true },
      p,
      operator,
    );

    // Assess
    expect(timerOf(first)?.dueAt).toBe(nextMinute);
    p.clock.set(nextMinute);
    expect(await sendDueReminders(samId, p)).toEqual({ emails: 1, reminders: 1 });
  });

  it('an operator’s pause and resume act as the preferences page’s', async () => {
    // Prepare
    const followUps = await submitted();

    // Act
    await act(samId, { type: 'user.paused', weeks: 3 }, p, operator);
    const paused = await p.store.getProfile(samId);
    await act(samId, { type: 'user.resumed' }, p, operator);

    // Assess
    expect(paused).toMatchObject({ pausedUntil: '2026-03-31T14:00:05.000Z' });
    expect(followUps.map((r) => [stored(r)?.status, stored(r)?.cancelReason])).toEqual([
      ['cancelled', 'paused'],
      ['cancelled', 'paused'],
    ]);
    expect(p.timers.timers.size).toBe(0);
    expect(await p.store.getProfile(samId)).not.toHaveProperty('pausedUntil');
  });
});

describe('deleting my data', () => {
  it('removes every item and every timer of the user, and leaves only the address-free marker', async () => {
    // Prepare: reminders pending and sent, a digest, actions, two applications.
    await submitted();
    await submitted('globex-platform', 'Globex');
    p.clock.set(FIRST_FOLLOW_UP);
    p.timers.fireDue(p.clock.now());
    await sendDueReminders(samId, p);
    await act(samId, { type: 'preferences.updated', optOuts: ['thank_you'] }, p);
    // Both second follow-ups share one slot, so one timer.
    expect(p.timers.timers.size).toBe(1);

    // Act
    const result = await act(samId, { type: 'user.erasure_requested' }, p);

    // Assess
    expect(result).toMatchObject({ outcome: 'planned', cancelled: 2 });
    expect(p.store.itemsOf(samId)).toEqual([{ sk: 'ERASED', expiresAt: expiryAfter(p.clock.now()) }]);
    expect(p.timers.timers.size).toBe(0);
    const marker = p.store.erasureMarker(samId);
    expect(marker).toEqual({
      userId: samId,
      erasedAt: FIRST_FOLLOW_UP,
      confirmationsSent: 1,
      lastConfirmationAt: RECEIVED,
      expiresAt: expiryAfter(new Date(FIRST_FOLLOW_UP)),
    });
    expect(JSON.stringify(marker)).not.toContain(SAM);
  });

  it('keeps the confirmation limits across the erasure: a new event does not reset them', async () => {
    // Prepare: a new address asked once, then someone with its link erased it at once.
    const other = 'victim@example.com';
    const otherId = userIdFor(other);
    const input = fixture('application.submitted');
    input.user = { ...input.user, email: other };
    await planEvent(await intake(input, p), p);
    expect(p.mailer.sent).toHaveLength(1);
    await act(otherId, { type: 'user.erasure_requested' }, p);

    // Act: another event 1 hour later, then another a day later.
    p.clock.advance(60 * 60 * 1000);
    const again = fixture('interview.completed');
    again.user = { ...again.user, email: other };
    delete again.occurredAt;
    await planEvent(await intake(again, p), p);
    const soon = p.mailer.sent.length;
    p.clock.advance(24 * 60 * 60 * 1000);
    const dayLater = { ...again, id: 'evt-day-later' };
    await planEvent(await intake(dayLater, p), p);

    // Assess
    expect(soon).toBe(1);
    expect(p.mailer.sent).toHaveLength(2);
    expect(await p.store.getProfile(otherId)).toMatchObject({ confirmationsSent: 2 });
  });

  it('does nothing when the erasure is delivered again after the user came back', async () => {
    // Prepare
    const { eventId } = await recordUserAction(
      { userId: samId, action: erase, actor: { type: 'user', via: 'link' }, idempotencyKey: 'erase-1' },
      p,
    );
    const item = p.store.timelineEvent(samId, eventId);
    if (!item) throw new Error('expected the action stored');
    await applyUserAction(item, p);
    await submitted();
    const before = p.store.itemsOf(samId);

    // Act
    const replay = await applyUserAction(item, p);

    // Assess
    expect(replay).toMatchObject({ outcome: 'replayed' });
    expect(p.store.itemsOf(samId)).toEqual(before);
  });
});

const erase: UserAction = { type: 'user.erasure_requested' };

describe('an action for a user who is gone', () => {
  it('is marked planned, changes nothing, and expires', async () => {
    // Prepare
    const ghost = userIdFor('nobody@example.com');

    // Act
    const result = await act(ghost, { type: 'consent.confirmed' }, p);

    // Assess
    expect(result).toMatchObject({ outcome: 'planned', created: 0, cancelled: 0 });
    expect(await p.store.getProfile(ghost)).toBeUndefined();
    expect(p.store.itemsOf(ghost)).toEqual([
      { sk: `EVENT#${result.eventId}`, expiresAt: expiryAfter(p.clock.now()) },
    ]);
  });
});

describe('an action item that violates the contract', () => {
  it('is marked failed and changes nothing', async () => {
    // Prepare
    const { eventId } = await recordUserAction(
      {
        userId: samId,
        action: { type: 'consent.unsubscribed' },
        actor: { type: 'ses' },
        idempotencyKey: 'x',
      },
      p,
    );
    const item = {
      ...p.store.timelineEvent(samId, eventId),
      userId: samId,
      eventId,
      occurredAt: 'yesterday',
    };

    // Act
    const result = await applyUserAction(item, p);

    // Assess
    expect(result).toMatchObject({ outcome: 'failed', eventId });
    expect(p.store.eventFailure(samId, eventId)?.reason).toMatch(/occurredAt/);
    expect(await p.store.getProfile(samId)).toMatchObject({ consent: 'confirmed' });
  });
});
