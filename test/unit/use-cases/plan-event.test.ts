import { beforeEach, describe, expect, it } from 'vitest';
import { slotScheduleNameFor } from '#shared/domain/ids.ts';
import { planEvent } from '#shared/use-cases/plan-event.ts';
import { recordEvent } from '#shared/use-cases/record-event.ts';
import { fixture, intake } from '../../support/events.ts';
import type { FakeTimerService, InMemoryReminderStore, SettableClock } from '../../support/fakes.ts';
import { confirmedUser, type Pipeline, pipeline } from '../../support/pipeline.ts';

// The submission fixture happened on Tuesday 2026-03-10 at 15:00 Berlin (CET, +01:00): its follow-ups fall
// on the next two Tuesdays at 09:00 Berlin, 08:00 UTC.
const FIRST_FOLLOW_UP = '2026-03-17T08:00:00.000Z';
const SECOND_FOLLOW_UP = '2026-03-24T08:00:00.000Z';

// These tests plan for a user who has confirmed; consent.test.ts in this folder covers everything before.
describe('planEvent', () => {
  let p: Pipeline;
  let store: InMemoryReminderStore;
  let timers: FakeTimerService;
  let clock: SettableClock;

  beforeEach(async () => {
    p = pipeline('2026-03-10T14:00:05.000Z');
    ({ store, timers, clock } = p);
    await confirmedUser('sam@example.com', p);
  });

  const deps = () => p;

  async function submitted(ref = 'acme-backend', company = 'Acme Corp') {
    const input = fixture('application.submitted');
    input.id = `evt-${ref}-submitted`;
    input.application = { ...input.application, ref, company };
    const stored = await intake(input, { store, clock });
    await planEvent(stored, deps());
    return stored;
  }

  it('creates two follow-ups and one timer for each when an application is submitted', async () => {
    // Prepare
    const stored = await intake(fixture('application.submitted'), { store, clock });

    // Act
    const result = await planEvent(stored, deps());

    // Assess
    expect(result).toEqual({
      outcome: 'planned',
      eventId: stored.eventId,
      created: 2,
      cancelled: 0,
      confirmations: 0,
    });
    const reminders = store.allReminders();
    expect(reminders.map((r) => [r.kind, r.sequence, r.status, r.dueAt])).toEqual([
      ['follow_up', 1, 'pending', FIRST_FOLLOW_UP],
      ['follow_up', 2, 'pending', SECOND_FOLLOW_UP],
    ]);
    expect([...timers.timers.values()]).toEqual(
      reminders.map((r) => ({
        scheduleName: r.scheduleName,
        dueAt: r.dueAt,
        userId: stored.userId,
        reminderId: r.reminderId,
      })),
    );
  });

  it('creates nothing new for a redelivered event and re-ensures the same timers', async () => {
    // Prepare
    const stored = await intake(fixture('application.submitted'), { store, clock });
    await planEvent(stored, deps());
    const remindersBefore = store.allReminders();
    const timersBefore = new Map(timers.timers);
    const firstEnsures = [...timers.ensured];
    clock.advance(60_000);

    // Act
    const replay = await planEvent(stored, deps());

    // Assess
    expect(replay).toEqual({
      outcome: 'replayed',
      eventId: stored.eventId,
      created: 2,
      cancelled: 0,
      confirmations: 0,
    });
    expect(store.allReminders()).toEqual(remindersBefore);
    expect(timers.timers).toEqual(timersBefore);
    expect(timers.ensured).toEqual([...firstEnsures, ...firstEnsures]);
    expect(timers.removed).toEqual([]);
  });

  it('cancels the pending follow-ups of a rejected application and removes their timers', async () => {
    // Prepare
    await submitted();
    const followUps = store.allReminders();
    const rejection = fixture('application.rejected');
    rejection.occurredAt = '2026-03-12T10:00:00+01:00';
    clock.set('2026-03-12T09:00:05.000Z');
    const stored = await intake(rejection, { store, clock });

    // Act
    const result = await planEvent(stored, deps());

    // Assess
    expect(result).toMatchObject({ outcome: 'planned', cancelled: 2 });
    for (const followUp of followUps) {
      const now = store.reminder(followUp.userId, followUp.reminderId);
      expect(now).toMatchObject({ status: 'cancelled', cancelledBy: stored.eventId });
      expect(timers.timers.has(followUp.scheduleName)).toBe(false);
    }
    expect(timers.removed).toEqual(followUps.map((r) => r.scheduleName));
    const created = store.allReminders().filter((r) => r.sourceEventId === stored.eventId);
    expect(created.map((r) => r.kind).sort()).toEqual(['ask_feedback', 'reconnect']);
    expect([...timers.timers.keys()].sort()).toEqual(created.map((r) => r.scheduleName).sort());
  });

  describe('while the live index lags the table', () => {
    it('still cancels follow-ups created a moment before, by reading the table', async () => {
      // Prepare: the rejection comes one second after the submission, before the index shows its follow-ups
      store.lagLiveIndex();
      await submitted();
      const followUps = store.allReminders();
      const rejection = fixture('application.rejected');
      rejection.occurredAt = '2026-03-10T15:00:06+01:00';
      clock.advance(1_000);
      const stored = await intake(rejection, { store, clock });
      const readsBefore = store.historyReads;

      // Act
      const result = await planEvent(stored, deps());

      // Assess
      expect(store.historyReads - readsBefore).toBe(1);
      expect(result).toMatchObject({ outcome: 'planned', cancelled: 2 });
      for (const followUp of followUps) {
        expect(store.reminder(followUp.userId, followUp.reminderId)?.status).toBe('cancelled');
      }
    });

    it('reads only the live index when the application was last written long enough ago', async () => {
      // Prepare: the index lags from 11 seconds after the submission: it shows the follow-ups, not what
      // comes later, so a read of it is recognisable
      await submitted();
      const followUps = store.allReminders();
      clock.advance(11_000);
      store.lagLiveIndex();
      const rejection = fixture('application.rejected');
      rejection.occurredAt = '2026-03-10T15:00:16+01:00';
      const stored = await intake(rejection, { store, clock });
      const readsBefore = store.historyReads;

      // Act
      const result = await planEvent(stored, deps());

      // Assess
      expect(store.historyReads - readsBefore).toBe(0);
      expect(result).toMatchObject({ outcome: 'planned', cancelled: 2 });
      for (const followUp of followUps) {
        expect(store.reminder(followUp.userId, followUp.reminderId)?.status).toBe('cancelled');
      }
    });

    it('cancels, on an accepted offer, reminders of every application created a moment before', async () => {
      // Prepare
      store.lagLiveIndex();
      await submitted('acme-backend', 'Acme Corp');
      await submitted('globex-platform', 'Globex');
      const offer = fixture('offer.accepted');
      offer.occurredAt = '2026-03-10T15:00:06+01:00';
      clock.advance(1_000);
      const stored = await intake(offer, { store, clock });

      // Act
      const result = await planEvent(stored, deps());

      // Assess
      expect(result).toMatchObject({ outcome: 'planned', cancelled: 4 });
      expect(store.allReminders().every((r) => r.status === 'cancelled')).toBe(true);
    });
  });

  it('removes every timer of the user when an offer is accepted', async () => {
    // Prepare: four follow-ups in two send slots, one timer for each slot
    await submitted('acme-backend', 'Acme Corp');
    await submitted('globex-platform', 'Globex');
    expect(timers.timers.size).toBe(2);
    const offer = fixture('offer.accepted');
    offer.occurredAt = '2026-03-13T17:00:00+01:00';
    clock.set('2026-03-13T16:00:05.000Z');
    const stored = await intake(offer, { store, clock });

    // Act
    const result = await planEvent(stored, deps());

    // Assess
    expect(result).toMatchObject({ outcome: 'planned', created: 0, cancelled: 4 });
    expect(timers.timers.size).toBe(0);
    expect(store.allReminders().map((r) => r.status)).toEqual([
      'cancelled',
      'cancelled',
      'cancelled',
      'cancelled',
    ]);
  });

  it('repairs timers that failed after the plan was written when the event is delivered again', async () => {
    // Prepare
    const stored = await intake(fixture('application.submitted'), { store, clock });
    timers.failNextEnsures(1);
    await expect(planEvent(stored, deps())).rejects.toThrow('Scheduler unavailable');
    expect(store.allReminders()).toHaveLength(2);
    expect(timers.timers.size).toBe(0);

    // Act
    const retry = await planEvent(stored, deps());

    // Assess
    expect(retry).toMatchObject({ outcome: 'replayed', created: 2 });
    expect(store.allReminders()).toHaveLength(2);
    expect([...timers.timers.values()].map((t) => t.dueAt)).toEqual([FIRST_FOLLOW_UP, SECOND_FOLLOW_UP]);
    expect([...timers.timers.keys()]).toEqual(
      [FIRST_FOLLOW_UP, SECOND_FOLLOW_UP].map((dueAt) => slotScheduleNameFor(stored.userId, dueAt)),
    );
  });

  it('re-removes the timers an event cancelled when that event is delivered again', async () => {
    // Prepare
    await submitted();
    const followUps = store.allReminders();
    const withdrawal = fixture('application.withdrawn');
    withdrawal.occurredAt = '2026-03-11T11:00:00+01:00';
    clock.set('2026-03-11T10:00:05.000Z');
    const stored = await intake(withdrawal, { store, clock });
    await planEvent(stored, deps());
    // A timer that a crash left behind, or that came back: the redelivery must take it out again.
    for (const r of followUps) {
      await timers.ensure({
        scheduleName: r.scheduleName,
        dueAt: r.dueAt,
        userId: r.userId,
        reminderId: r.reminderId,
      });
    }

    // Act
    const replay = await planEvent(stored, deps());

    // Assess
    expect(replay).toMatchObject({ outcome: 'replayed', created: 0, cancelled: 2 });
    expect(timers.timers.size).toBe(0);
  });

  describe('when retrying cannot help', () => {
    it('marks an event whose stored item violates the contract as failed, and plans nothing', async () => {
      // Prepare: an item stored under rules that no longer hold
      const stored = await intake(fixture('application.submitted'), { store, clock });
      const item = { ...stored, occurredAt: 'last Tuesday' };

      // Act
      const result = await planEvent(item, deps());

      // Assess
      expect(result).toMatchObject({ outcome: 'failed', eventId: stored.eventId });
      expect(result.outcome === 'failed' && result.reason).toMatch(
        /^Stored event violates the contract: occurredAt/,
      );
      expect(store.eventFailure(stored.userId, stored.eventId)).toEqual({
        failedAt: clock.now().toISOString(),
        reason: result.outcome === 'failed' ? result.reason : '',
      });
      expect(store.allReminders()).toEqual([]);
      expect(timers.ensured).toEqual([]);
    });

    it('marks the event failed when the Scheduler refuses a timer, leaving its reminders for the reconciler', async () => {
      // Prepare
      const stored = await intake(fixture('application.submitted'), { store, clock });
      timers.refuseNextEnsures(1);

      // Act
      const result = await planEvent(stored, deps());

      // Assess
      expect(result).toMatchObject({ outcome: 'failed', eventId: stored.eventId });
      expect(store.eventFailure(stored.userId, stored.eventId)?.reason).toMatch(/^CreateSchedule rebound-u-/);
      expect(store.allReminders().map((r) => r.status)).toEqual(['pending', 'pending']);
    });

    it("plans the user's next event after an earlier one failed for good", async () => {
      // Prepare
      const submission = await intake(fixture('application.submitted'), { store, clock });
      timers.refuseNextEnsures(1);
      await planEvent(submission, deps());
      clock.set('2026-03-19T15:00:05.000Z');
      const interview = await intake(fixture('interview.completed'), { store, clock });

      // Act
      const result = await planEvent(interview, deps());

      // Assess
      expect(result).toMatchObject({ outcome: 'planned', eventId: interview.eventId });
      expect(store.allReminders().some((r) => r.kind === 'thank_you' && r.status === 'pending')).toBe(true);
      expect(store.eventFailure(interview.userId, interview.eventId)).toBeUndefined();
    });

    it('rethrows a transient failure without marking the event failed, so the record is retried', async () => {
      // Prepare
      const stored = await intake(fixture('application.submitted'), { store, clock });
      timers.failNextEnsures(1);

      // Act
      const attempt = planEvent(stored, deps());

      // Assess
      await expect(attempt).rejects.toThrow('Scheduler unavailable');
      expect(store.eventFailure(stored.userId, stored.eventId)).toBeUndefined();
    });
  });
  describe('the source of an event', () => {
    it('is carried by every reminder the event creates, so the admin view can list one integrator’s', async () => {
      // Prepare
      const { userId, eventId } = await recordEvent(
        fixture('application.submitted'),
        { store, clock },
        {
          sourceId: 'acme-ats',
        },
      );
      const item = store.timelineEvent(userId, eventId);
      if (!item) throw new Error('expected the event stored');

      // Act
      await planEvent(item, deps());

      // Assess
      const created = store.allReminders().filter((r) => r.sourceEventId === eventId);
      expect(created).toHaveLength(2);
      expect(created.map((r) => r.sourceId)).toEqual(['acme-ats', 'acme-ats']);
    });

    it('is left out of reminders of an event stored without one', async () => {
      const stored = await intake(fixture('application.submitted'), { store, clock });
      await planEvent(stored, deps());
      const created = store.allReminders().filter((r) => r.sourceEventId === stored.eventId);
      expect(created).toHaveLength(2);
      expect(created.every((r) => !('sourceId' in r))).toBe(true);
    });
  });
});
