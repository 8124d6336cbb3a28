/**
 * The operator's actions: each is recorded as a user action with an operator actor and applied by the real
 * planner (played by the fake admin store's `eventState`), then audited once.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { digestIdFor } from '#shared/domain/ids.ts';
import type { Reminder } from '#shared/domain/model.ts';
import { AdminActionRefusedError, ForbiddenError, InvalidEventError, NotFoundError } from '#shared/errors.ts';
import { timerNameOf } from '#shared/use-cases/timers.ts';
import { type AdminWorld, adminWorld } from './support.ts';
import { OPERATOR, samApplied, unconfirmedApplied, VIEWER } from './world.ts';

// Tuesday 1 December 2026, 10:00:30 UTC (11:00:30 in Berlin).
const NOW = '2026-12-01T10:00:30.000Z';

let w: AdminWorld;
let userId: string;
let first: Reminder;

beforeEach(async () => {
  w = adminWorld(NOW);
  const sam = await samApplied(w);
  userId = sam.userId;
  first = sam.pending[0] as Reminder;
});

const stored = () => w.p.store.reminder(userId, first.reminderId) as Reminder;

describe('who may act', () => {
  it('refuses a viewer with ForbiddenError and records nothing', async () => {
    const events = w.p.store.eventCount();
    await expect(
      w.service.act(VIEWER, { type: 'reminder.cancel', userId, reminderId: first.reminderId }),
    ).rejects.toBeInstanceOf(ForbiddenError);
    expect(w.p.store.eventCount()).toBe(events);
    expect(w.audit.writes).toBe(0);
    expect(stored().status).toBe('pending');
  });
});

describe('cancelling a reminder', () => {
  it('records an operator action that the planner applies, and audits it with before and after', async () => {
    const result = await w.service.act(OPERATOR, {
      type: 'reminder.cancel',
      userId,
      reminderId: first.reminderId,
    });

    expect(result.outcome).toBe('applied');
    expect(result.reminder?.status).toBe('cancelled');
    expect(result.message).toBe(`Cancelled follow_up #1 for Acme Corp.`);
    expect(stored()).toMatchObject({ status: 'cancelled', cancelledBy: result.auditId });
    expect(w.p.store.timelineEvent(userId, result.auditId)).toMatchObject({
      action: { type: 'reminder.cancelled', reminderId: first.reminderId },
      actor: { type: 'operator', operator: 'ops@rebound.test' },
    });
    expect(w.audit.records.get(result.auditId)).toMatchObject({
      actor: 'ops@rebound.test',
      action: 'reminder.cancel',
      userId,
      reminderId: first.reminderId,
      at: NOW,
      before: { status: 'pending', dueAt: first.dueAt, held: false },
      after: { status: 'cancelled' },
      outcome: 'applied',
    });
  });

  it('refuses a reminder that is no longer pending, and changes nothing', async () => {
    await w.service.act(OPERATOR, { type: 'reminder.cancel', userId, reminderId: first.reminderId });
    const events = w.p.store.eventCount();
    const audits = w.audit.records.size;

    await expect(
      w.service.act(OPERATOR, { type: 'reminder.send_now', userId, reminderId: first.reminderId }),
    ).rejects.toThrow(/follow_up #1 for Acme Corp is cancelled; nothing changed/);
    expect(w.p.store.eventCount()).toBe(events);
    expect(w.audit.records.size).toBe(audits);
  });

  it('answers NotFoundError for a reminder that is not stored', async () => {
    await expect(
      w.service.act(OPERATOR, { type: 'reminder.cancel', userId, reminderId: 'r_nope' }),
    ).rejects.toBeInstanceOf(NotFoundError);
  });

  it('takes the same key twice as one action: one event, the second answer a duplicate', async () => {
    const action = { type: 'reminder.cancel', userId, reminderId: first.reminderId } as const;
    const once = await w.service.act(OPERATOR, action, 'press-1');
    const events = w.p.store.eventCount();
    const twice = await w.service.act(OPERATOR, action, 'press-1');

    expect(once.outcome).toBe('applied');
    expect(twice).toMatchObject({ outcome: 'duplicate', auditId: once.auditId });
    expect(twice.message).toMatch(/taken already/);
    expect(w.p.store.eventCount()).toBe(events);
    expect(w.audit.records.size).toBe(1);
    expect(w.audit.records.get(once.auditId)?.outcome).toBe('applied');
  });

  it('takes two presses without a key on the same state as one event', async () => {
    w.admin.planner = 'stall';
    const action = { type: 'reminder.cancel', userId, reminderId: first.reminderId } as const;
    const once = await w.service.act(OPERATOR, action);
    const twice = await w.service.act(OPERATOR, action);
    expect(once.outcome).toBe('pending');
    expect(twice).toMatchObject({ outcome: 'duplicate', auditId: once.auditId });
  });

  it('answers pending when the planner has not applied it within the wait', async () => {
    w.admin.planner = 'stall';
    const result = await w.service.act(OPERATOR, {
      type: 'reminder.cancel',
      userId,
      reminderId: first.reminderId,
    });
    expect(result.outcome).toBe('pending');
    expect(result.message).toMatch(/not applied it yet/);
    // 1 000 ms at one look per 100 ms.
    expect(w.sleeps.count).toBe(10);
    expect(w.audit.records.get(result.auditId)?.outcome).toBe('pending');
  });

  it('says so when the planner marked the action failed', async () => {
    w.admin.planner = 'fail';
    const result = await w.service.act(OPERATOR, {
      type: 'reminder.cancel',
      userId,
      reminderId: first.reminderId,
    });
    expect(result.outcome).toBe('failed');
    expect(result.message).toMatch(/could not apply it: the user's timeline shows why/);
    expect(w.audit.records.get(result.auditId)).toMatchObject({
      outcome: 'failed',
      action: 'reminder.cancel',
    });
  });
});

describe('send now and reschedule', () => {
  it('moves a reminder to the next whole minute for send now, and its timer with it', async () => {
    const result = await w.service.act(OPERATOR, {
      type: 'reminder.send_now',
      userId,
      reminderId: first.reminderId,
    });

    expect(result.outcome).toBe('applied');
    expect(stored().dueAt).toBe('2026-12-01T10:01:00.000Z');
    expect(w.p.store.timelineEvent(userId, result.auditId)).toMatchObject({
      action: { type: 'reminder.rescheduled', dueAt: '2026-12-01T10:01:00.000Z', sendNow: true },
    });
    expect(w.p.timers.timers.get(timerNameOf(userId, stored()))?.dueAt).toBe('2026-12-01T10:01:00.000Z');
    expect(result.message).toBe(
      'follow_up #1 for Acme Corp goes out at the next minute, Tue 1 Dec 2026, 11:01 (Europe/Berlin).',
    );
    expect(w.audit.records.get(result.auditId)?.input).toEqual({ dueAt: '2026-12-01T10:01:00.000Z' });
  });

  it('refuses to send now a reminder held for consent', async () => {
    const [held] = await unconfirmedApplied(w);
    expect(held?.held).toBe(true);
    await expect(
      w.service.act(OPERATOR, {
        type: 'reminder.send_now',
        userId: held?.userId as string,
        reminderId: held?.reminderId as string,
      }),
    ).rejects.toThrow(AdminActionRefusedError);
  });

  it('moves a reminder to the time asked for, in UTC', async () => {
    const result = await w.service.act(OPERATOR, {
      type: 'reminder.reschedule',
      userId,
      reminderId: first.reminderId,
      dueAt: '2026-12-20T09:30:00+01:00',
    });
    expect(result.outcome).toBe('applied');
    expect(stored().dueAt).toBe('2026-12-20T08:30:00.000Z');
    expect(result.reminder?.dueLocal).toBe('Sun 20 Dec 2026, 09:30 (Europe/Berlin)');
  });

  it.each([
    ['in the past', '2026-12-01T10:00:00Z', /must be in the future/],
    ['more than a year ahead', '2027-12-02T10:00:00Z', /at most 365 days ahead/],
  ])('refuses a due time %s as invalid, naming dueAt', async (_case, dueAt, message) => {
    const error = await w.service
      .act(OPERATOR, { type: 'reminder.reschedule', userId, reminderId: first.reminderId, dueAt })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidEventError);
    expect((error as InvalidEventError).issues).toEqual([
      { path: 'dueAt', message: expect.stringMatching(message) },
    ]);
    expect(stored().dueAt).toBe(first.dueAt);
  });
});

describe('pause, resume, erase', () => {
  it('pauses the user for the weeks asked, as the operator', async () => {
    const result = await w.service.act(OPERATOR, { type: 'user.pause', userId, weeks: 2 });
    expect(result.outcome).toBe('applied');
    const profile = await w.p.store.getProfile(userId);
    expect(profile?.pausedUntil).toBeDefined();
    expect(Date.parse(profile?.pausedUntil as string)).toBeGreaterThanOrEqual(
      Date.parse(NOW) + 14 * 86_400_000 - 60_000,
    );
    expect(w.audit.records.get(result.auditId)).toMatchObject({
      action: 'user.pause',
      input: { weeks: 2 },
      before: { consent: 'confirmed' },
      after: { consent: 'confirmed', pausedUntil: profile?.pausedUntil },
    });
  });

  it('resumes a paused user, and refuses to resume one who is not paused', async () => {
    await expect(w.service.act(OPERATOR, { type: 'user.resume', userId })).rejects.toThrow(/not paused/);
    await w.service.act(OPERATOR, { type: 'user.pause', userId, weeks: 4 });
    const result = await w.service.act(OPERATOR, { type: 'user.resume', userId });
    expect(result.outcome).toBe('applied');
    const after = await w.p.store.getProfile(userId);
    expect(after?.pausedUntil === undefined || Date.parse(after.pausedUntil) <= Date.parse(NOW)).toBe(true);
  });

  it('erases the user and reports it applied once the erasure removed its own request', async () => {
    const result = await w.service.act(OPERATOR, { type: 'user.erase', userId });
    expect(result.outcome).toBe('applied');
    expect(result.message).toBe("Erased the user's data.");
    expect(await w.p.store.getProfile(userId)).toBeUndefined();
    expect(w.audit.records.get(result.auditId)?.after).toEqual({ erased: true });
  });

  it('answers NotFoundError for a user without a profile', async () => {
    await expect(
      w.service.act(OPERATOR, { type: 'user.pause', userId: 'u_nobody', weeks: 1 }),
    ).rejects.toThrow(NotFoundError);
  });
});

describe('re-sync timers', () => {
  it('ensures one timer per slot, bringing a past due time to the next minute, and records no event', async () => {
    w.p.timers.timers.clear();
    w.p.timers.ensured.length = 0;
    const events = w.p.store.eventCount();
    const result = await w.service.act(OPERATOR, { type: 'user.resync', userId });

    expect(result.outcome).toBe('applied');
    expect(w.p.timers.ensured.map((t) => t.scheduleName).sort()).toEqual(
      w.p.store
        .allReminders()
        .filter((r) => r.status === 'pending')
        .map((r) => timerNameOf(userId, r))
        .sort(),
    );
    expect(result.message).toBe('Ensured 2 timers for 2 pending reminders.');
    expect(w.p.store.eventCount()).toBe(events);
    expect(w.audit.records.get(result.auditId)).toMatchObject({
      action: 'user.resync',
      after: { timersEnsured: 2 },
    });
  });

  it('gives an overdue reminder’s timer the next whole minute', async () => {
    w.p.clock.set('2026-12-30T00:00:10Z');
    await w.service.act(OPERATOR, { type: 'user.resync', userId });
    expect(w.p.timers.ensured.at(-1)?.dueAt).toBe('2026-12-30T00:01:00.000Z');
  });
});

describe('stuck digests', () => {
  /** The sender claimed the first reminder at its slot and stopped before recording SES's answer. */
  async function stuck() {
    w.p.clock.set(first.dueAt);
    const digest = {
      digestId: digestIdFor([first.reminderId], first.dueAt),
      userId,
      reminderIds: [first.reminderId],
      status: 'sending' as const,
      claimedAt: first.dueAt,
    };
    expect((await w.p.store.claimDigest(digest, first.dueAt)).outcome).toBe('claimed');
    w.p.clock.advance(30 * 60_000);
    return digest;
  }

  it('marks a stuck digest sent as the operator confirmed', async () => {
    const digest = await stuck();
    const result = await w.service.act(OPERATOR, {
      type: 'digest.mark_sent',
      userId,
      digestId: digest.digestId,
    });
    expect(result.digest).toMatchObject({ status: 'sent', messageId: 'operator-confirmed' });
    expect(stored().status).toBe('sent');
    expect(w.audit.records.get(result.auditId)).toMatchObject({
      digestId: digest.digestId,
      before: { status: 'sending' },
      after: { status: 'sent' },
    });
  });

  it('releases a stuck digest: its reminders pending again with a timer at the next minute', async () => {
    const digest = await stuck();
    const result = await w.service.act(OPERATOR, {
      type: 'digest.release',
      userId,
      digestId: digest.digestId,
    });
    expect(result.digest?.status).toBe('failed');
    expect(stored().status).toBe('pending');
    const next = new Date(Math.floor(w.p.clock.now().getTime() / 60_000) * 60_000 + 60_000).toISOString();
    expect(w.p.timers.ensured.at(-1)).toMatchObject({
      scheduleName: timerNameOf(userId, stored()),
      dueAt: next,
    });
    expect(result.message).toMatch(/gets them twice/);
    expect(w.p.store.digest(userId, digest.digestId)?.failure).toBe('released by ops@rebound.test');
  });

  it('refuses a digest that is not sending, and one that is not stored', async () => {
    const digest = await stuck();
    await w.service.act(OPERATOR, { type: 'digest.mark_sent', userId, digestId: digest.digestId });
    await expect(
      w.service.act(OPERATOR, { type: 'digest.release', userId, digestId: digest.digestId }),
    ).rejects.toThrow(/is sent, not stuck in sending; nothing changed/);
    await expect(
      w.service.act(OPERATOR, { type: 'digest.mark_sent', userId, digestId: 'd_nope' }),
    ).rejects.toThrow(NotFoundError);
  });
});
