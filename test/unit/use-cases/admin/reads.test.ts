/** The admin view's reads: the lists, the Upcoming chart, health and the audit trail. */
import { beforeEach, describe, expect, it } from 'vitest';
import { ReminderListQuerySchema } from '#events/admin-api.ts';
import { digestIdFor } from '#shared/domain/ids.ts';
import type { Reminder } from '#shared/domain/model.ts';
import { timerNameOf } from '#shared/use-cases/timers.ts';
import { type AdminWorld, adminWorld } from './support.ts';
import { OPERATOR, SAM, samApplied, unconfirmedApplied } from './world.ts';

const NOW = '2026-12-01T10:00:30.000Z';
const query = (input: Record<string, unknown> = {}) => ReminderListQuerySchema.parse(input);

let w: AdminWorld;
let userId: string;
let pending: Reminder[];

beforeEach(async () => {
  w = adminWorld(NOW);
  ({ userId, pending } = await samApplied(w));
});

describe('listing reminders', () => {
  it('lists confirmed users’ reminders by due time with masked address, local time and slot timer', async () => {
    const page = await w.service.listReminders(query());
    expect(page.next).toBeNull();
    expect(page.items.map((r) => r.reminderId)).toEqual(pending.map((r) => r.reminderId));
    const first = page.items[0];
    expect(first).toMatchObject({
      userId,
      kind: 'follow_up',
      sequence: 1,
      held: false,
      company: 'Acme Corp',
      sourceId: 'jobboard',
      user: {
        maskedEmail: 's***@example.com',
        timezone: 'Europe/Berlin',
        consent: 'confirmed',
        name: 'Sam Rivera',
      },
      timer: { state: 'scheduled', scheduleName: timerNameOf(userId, pending[0] as Reminder) },
    });
    expect(first?.dueLocal).toBe('Tue 8 Dec 2026, 09:00 (Europe/Berlin)');
    expect(JSON.stringify(page)).not.toContain(SAM);
  });

  it('lists held reminders under waiting, without a timer', async () => {
    const held = await unconfirmedApplied(w);
    const page = await w.service.listReminders(query({ consent: 'waiting' }));
    expect(page.items.map((r) => r.reminderId).sort()).toEqual(held.map((r) => r.reminderId).sort());
    expect(page.items.every((r) => r.held && r.timer.state === 'none')).toBe(true);
    expect(page.items[0]?.user).toMatchObject({ maskedEmail: 'k***@example.com', consent: 'unconfirmed' });
  });

  it('still shows a reminder whose profile is missing, as (unknown)', async () => {
    const original = w.admin.getProfiles.bind(w.admin);
    w.admin.getProfiles = async () => new Map();
    const page = await w.service.listReminders(query());
    w.admin.getProfiles = original;
    expect(page.items[0]?.user).toMatchObject({ maskedEmail: '(unknown)', timezone: 'UTC' });
    expect(page.items[0]?.dueLocal).toBe('Tue 8 Dec 2026, 08:00 (UTC)');
  });

  it('pages with the store’s cursor and passes the filters on', async () => {
    const one = await w.service.listReminders(query({ limit: 1 }));
    expect(one.items).toHaveLength(1);
    const two = await w.service.listReminders(query({ limit: 1, cursor: one.next }));
    expect(two.items[0]?.reminderId).toBe(pending[1]?.reminderId);
    expect((await w.service.listReminders(query({ source: 'elsewhere' }))).items).toEqual([]);
    expect((await w.service.listReminders(query({ kind: 'thank_you' }))).items).toEqual([]);
  });
});

describe('the Upcoming chart', () => {
  it('counts pending reminders per UTC day and kind from the start of today, every day present', async () => {
    const days = await w.service.upcomingByDay(14);
    expect(days).toHaveLength(14);
    expect(days[0]?.day).toBe('2026-12-01');
    expect(days[13]?.day).toBe('2026-12-14');
    expect(w.admin.asked.counted).toEqual([
      'pending',
      '2026-12-01T00:00:00.000Z',
      '2026-12-15T00:00:00.000Z',
    ]);
    expect(days.find((d) => d.day === '2026-12-08')?.counts).toEqual({
      follow_up: 1,
      thank_you: 0,
      ask_feedback: 0,
      apply_formally: 0,
      reconnect: 0,
    });
    expect(days.find((d) => d.day === '2026-12-02')?.counts.follow_up).toBe(0);
  });
});

describe('health', () => {
  it('gathers stuck digests, dead letters, emails per day, feedback and the oldest overdue reminder', async () => {
    const first = pending[0] as Reminder;
    // A digest claimed at the first slot and never confirmed; the second reminder overdue.
    w.p.clock.set(first.dueAt);
    const digest = {
      digestId: digestIdFor([first.reminderId], first.dueAt),
      userId,
      reminderIds: [first.reminderId],
      status: 'sending' as const,
      claimedAt: first.dueAt,
    };
    await w.p.store.claimDigest(digest, first.dueAt);
    w.p.clock.set('2026-12-20T12:00:00Z');
    w.deadLetters.queues = [{ name: 'scheduler', count: 2 }];
    w.admin.sentPerDay.set('2026-12-19', 5);
    w.admin.feedback = { bounces: 1, complaints: 2 };

    const view = await w.service.health();

    expect(view.stuckDigests.map((d) => d.digestId)).toEqual([digest.digestId]);
    expect(view.deadLetters).toEqual([{ name: 'scheduler', count: 2 }]);
    expect(view.emailsPerDay).toHaveLength(30);
    expect(view.emailsPerDay[0]).toEqual({ day: '2026-11-21', count: 0 });
    expect(view.emailsPerDay.at(-1)).toEqual({ day: '2026-12-20', count: 0 });
    expect(view.emailsPerDay.at(-2)).toEqual({ day: '2026-12-19', count: 5 });
    expect(w.admin.asked.feedbackSince).toBe('2026-11-21');
    expect(view).toMatchObject({ bounces: 1, complaints: 2 });
    expect(view.oldestOverdue).toMatchObject({ reminderId: pending[1]?.reminderId, status: 'pending' });
  });

  it('has no overdue reminder and no stuck digest on a quiet day', async () => {
    const view = await w.service.health();
    expect(view.oldestOverdue).toBeUndefined();
    expect(view.stuckDigests).toEqual([]);
  });

  it('does not count a digest claimed less than 10 minutes ago as stuck', async () => {
    const first = pending[0] as Reminder;
    w.p.clock.set(first.dueAt);
    await w.p.store.claimDigest(
      { digestId: 'd_1', userId, reminderIds: [first.reminderId], status: 'sending', claimedAt: first.dueAt },
      first.dueAt,
    );
    w.p.clock.advance(9 * 60_000);
    expect((await w.service.health()).stuckDigests).toEqual([]);
    w.p.clock.advance(2 * 60_000);
    expect((await w.service.health()).stuckDigests).toHaveLength(1);
  });
});

describe('the audit trail', () => {
  it('lists actions newest first, page by page', async () => {
    await w.service.act(OPERATOR, {
      type: 'reminder.cancel',
      userId,
      reminderId: pending[0]?.reminderId as string,
    });
    w.p.clock.advance(60_000);
    await w.service.act(OPERATOR, { type: 'user.pause', userId, weeks: 1 });
    const page = await w.service.listAudit(1);
    expect(page.items.map((e) => e.action)).toEqual(['user.pause']);
    const next = await w.service.listAudit(1, page.next ?? undefined);
    expect(next.items.map((e) => e.action)).toEqual(['reminder.cancel']);
    expect(next.next).toBeNull();
  });
});
