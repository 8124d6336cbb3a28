/** Finding a user: the profile, the timeline oldest first, and a live check of each pending timer. */
import { beforeEach, describe, expect, it } from 'vitest';
import type { StoredJobEvent } from '#events/job-event.ts';
import { digestIdFor, userIdFor } from '#shared/domain/ids.ts';
import type { Reminder } from '#shared/domain/model.ts';
import type { UserRecords } from '#shared/ports.ts';
import { timelineOf } from '#shared/use-cases/admin/user-view.ts';
import { timerNameOf } from '#shared/use-cases/timers.ts';
import { type AdminWorld, adminWorld } from './support.ts';
import { OPERATOR, SAM, samApplied, unconfirmedApplied } from './world.ts';

const NOW = '2026-12-01T10:00:30.000Z';

let w: AdminWorld;
let userId: string;
let pending: Reminder[];

beforeEach(async () => {
  w = adminWorld(NOW);
  ({ userId, pending } = await samApplied(w));
});

describe('finding a user', () => {
  it('finds the user by exact address, in any case, with consent and applications', async () => {
    const view = await w.service.findUser(' SAM@example.com ');
    expect(view).toMatchObject({
      userId,
      email: SAM,
      name: 'Sam Rivera',
      timezone: 'Europe/Berlin',
      consent: 'confirmed',
      optOuts: [],
      applications: [{ ref: 'acme-backend', company: 'Acme Corp', status: 'active' }],
    });
    expect(view?.pending.map((r) => r.reminderId)).toEqual(pending.map((r) => r.reminderId));
  });

  it('answers undefined for an address nobody has', async () => {
    expect(await w.service.findUser('nobody@example.com')).toBeUndefined();
  });

  it('shows the pause after an operator paused the user', async () => {
    await w.service.act(OPERATOR, { type: 'user.pause', userId, weeks: 2 });
    const view = await w.service.findUser(SAM);
    expect(view?.pausedUntil).toBe((await w.p.store.getProfile(userId))?.pausedUntil);
    expect(view?.timeline.find((e) => e.kind === 'action' && e.source?.startsWith('operator'))).toMatchObject(
      {
        summary: 'user.paused: 2 weeks',
        source: 'operator ops@rebound.test',
        status: 'planned',
      },
    );
  });
});

describe('timer checks', () => {
  it('finds each timer present at its slot, looking once per timer name', async () => {
    const view = await w.service.findUser(SAM);
    expect(view?.pending.map((r) => r.timerCheck.state)).toEqual(['present', 'present']);
    expect(view?.pending[0]?.timerCheck).toEqual({
      state: 'present',
      scheduleName: timerNameOf(userId, pending[0] as Reminder),
      at: pending[0]?.dueAt,
    });
    expect(w.inspector.looks).toHaveLength(2);
  });

  it('reports a missing timer and one set for a different time', async () => {
    const [a, b] = pending as [Reminder, Reminder];
    w.inspector.overrides.set(timerNameOf(userId, a), undefined);
    w.inspector.overrides.set(timerNameOf(userId, b), '2026-12-15T09:00:00.000Z');
    const view = await w.service.findUser(SAM);
    expect(view?.pending[0]?.timerCheck).toEqual({ state: 'missing', scheduleName: timerNameOf(userId, a) });
    expect(view?.pending[1]?.timerCheck).toEqual({
      state: 'different',
      scheduleName: timerNameOf(userId, b),
      at: '2026-12-15T09:00:00.000Z',
      expected: b.dueAt,
    });
  });

  it('counts a timer within the same minute as present', async () => {
    const [a] = pending as [Reminder];
    w.inspector.overrides.set(timerNameOf(userId, a), new Date(Date.parse(a.dueAt) + 30_000).toISOString());
    expect((await w.service.findUser(SAM))?.pending[0]?.timerCheck.state).toBe('present');
  });

  it('counts an overdue reminder as present while its timer fires within two minutes of now, not later', async () => {
    const [a] = pending as [Reminder];
    const now = Date.parse(a.dueAt) + 3 * 3_600_000; // three hours overdue (a released send, a re-sync)
    w.p.clock.set(new Date(now));
    const name = timerNameOf(userId, a);
    w.inspector.overrides.set(name, new Date(now + 60_000).toISOString());
    expect((await w.service.findUser(SAM))?.pending[0]?.timerCheck.state).toBe('present');
    w.inspector.overrides.set(name, new Date(now + 10 * 60_000).toISOString());
    expect((await w.service.findUser(SAM))?.pending[0]?.timerCheck.state).toBe('different');
    w.inspector.overrides.set(name, new Date(Date.parse(a.dueAt) - 3_600_000).toISOString());
    expect((await w.service.findUser(SAM))?.pending[0]?.timerCheck.state).toBe('different');
  });

  it('expects no timer for a reminder held for consent, and does not look', async () => {
    await unconfirmedApplied(w);
    w.inspector.looks.length = 0;
    const view = await w.service.findUser('kim@example.com');
    expect(view?.consent).toBe('unconfirmed');
    expect(view?.pending.length).toBeGreaterThan(0);
    expect(view?.pending.every((r) => r.timerCheck.state === 'not_expected')).toBe(true);
    expect(w.inspector.looks).toEqual([]);
  });
});

describe('the timeline', () => {
  it('runs oldest first: the intake event with its source, the reminders it made, an operator action, the email', async () => {
    const [a] = pending as [Reminder];
    await w.service.act(OPERATOR, { type: 'reminder.send_now', userId, reminderId: a.reminderId });
    w.p.clock.set('2026-12-01T10:01:00.000Z');
    const digest = {
      digestId: digestIdFor([a.reminderId], '2026-12-01T10:01:00.000Z'),
      userId,
      reminderIds: [a.reminderId],
      status: 'sending' as const,
      claimedAt: '2026-12-01T10:01:00.000Z',
    };
    await w.p.store.claimDigest(digest, '2026-12-01T10:01:00.000Z');
    await w.p.store.completeDigest(digest, 'ses-123', '2026-12-01T10:01:02.000Z');
    // The intake event as the real store keeps it: its source beside it.
    const records = (await w.admin.readUser(userId)) as UserRecords;
    w.admin.users.set(userId, {
      ...records,
      events: records.events.map((e) => ('event' in e ? { ...e, sourceId: 'jobboard' } : e)),
    });

    const timeline = (await w.service.findUser(SAM))?.timeline ?? [];
    const lines = timeline.map((e) => `${e.kind}: ${e.summary}`);

    expect(lines).toEqual([
      'action: consent.confirmed',
      // The profile's latest confirmation email (at the same instant in this world as the confirmation).
      'email: Confirmation email sent (1 in all)',
      'event: application.submitted: Acme Corp (Backend Engineer)',
      'reminder: follow_up #1 for Acme Corp created',
      'reminder: follow_up #2 for Acme Corp created, due Tue 15 Dec 2026, 09:00 (Europe/Berlin)',
      `action: reminder.rescheduled: ${a.reminderId} to 2026-12-01T10:01:00.000Z (send now)`,
      'reminder: follow_up #1 for Acme Corp moved, due Tue 1 Dec 2026, 11:01 (Europe/Berlin)',
      'reminder: follow_up #1 for Acme Corp sent',
      'email: Email sent (1 reminder)',
    ]);
    expect(timeline[2]).toMatchObject({ source: 'jobboard', status: 'planned', eventId: 'evt-acme-backend' });
    expect(timeline[5]).toMatchObject({ source: 'operator ops@rebound.test', status: 'planned' });
    expect(timeline.at(-1)).toMatchObject({
      digestId: digest.digestId,
      messageId: 'ses-123',
      subject: expect.stringContaining('Acme Corp'),
      at: '2026-12-01T10:01:02.000Z',
    });
  });

  it('orders by time whatever order the records come in, and shows a failed event’s reason', () => {
    const event = (id: string, at: string, extra: Record<string, unknown> = {}) =>
      ({
        eventId: id,
        userId: 'u1',
        receivedAt: at,
        occurredAt: at,
        contentHash: 'h',
        event: { type: 'application.withdrawn', user: { email: SAM }, application: { ref: id, company: id } },
        ...extra,
      }) as unknown as StoredJobEvent;
    const records: UserRecords = {
      events: [
        event('late', '2026-12-03T00:00:00.000Z', {
          status: 'failed',
          failureReason: 'Stored event violates the contract',
        }),
        event('early', '2026-12-01T00:00:00.000Z', { plannedAt: '2026-12-01T00:00:01.000Z' }),
        event('middle', '2026-12-02T00:00:00.000Z'),
      ],
      applications: [],
      reminders: [],
      digests: [],
    };
    const timeline = timelineOf(records);
    expect(timeline.map((e) => [e.eventId, e.status])).toEqual([
      ['early', 'planned'],
      ['middle', 'waiting'],
      ['late', 'failed: Stored event violates the contract'],
    ]);
  });

  it('shows the latest confirmation email from the profile, in time order', () => {
    const records = {
      profile: {
        userId: 'u1',
        email: SAM,
        timezone: 'Europe/Berlin',
        consent: 'unconfirmed',
        confirmationsSent: 2,
        lastConfirmationAt: '2026-12-02T10:00:00.000Z',
        createdAt: '2026-12-01T00:00:00.000Z',
        updatedAt: '2026-12-02T10:00:00.000Z',
      },
      events: [],
      applications: [],
      reminders: [],
      digests: [],
    } as unknown as UserRecords;
    const timeline = timelineOf(records);
    expect(timeline).toEqual([
      {
        at: '2026-12-02T10:00:00.000Z',
        kind: 'email',
        summary: 'Confirmation email sent (2 in all; this is the latest)',
      },
    ]);
    expect(
      timelineOf({
        ...records,
        profile: { ...records.profile, lastConfirmationAt: undefined },
      } as UserRecords),
    ).toEqual([]);
  });

  it('names the actor of each kind of action', async () => {
    const { actorLabel } = await import('#shared/use-cases/admin/user-view.ts');
    expect(actorLabel({ type: 'operator', operator: 'ops@x' })).toBe('operator ops@x');
    expect(actorLabel({ type: 'user', via: 'link' })).toBe('user (link)');
    expect(actorLabel({ type: 'ses' })).toBe('ses');
  });
});

it('hashes the address the way intake does', () => {
  expect(userIdFor(' Sam@Example.com')).toBe(userIdFor(SAM));
});
