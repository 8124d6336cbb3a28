import { beforeEach, describe, expect, it } from 'vitest';
import { digestIdFor } from '#shared/domain/ids.ts';
import type { Digest } from '#shared/domain/model.ts';
import { planEvent } from '#shared/use-cases/plan-event.ts';
import { reconcile } from '#shared/use-cases/reconcile.ts';
import { fixture, intake } from '../../support/events.ts';
import type { FakeMailer, InMemoryReminderStore, SettableClock } from '../../support/fakes.ts';
import { confirmedUser, type Pipeline, pipeline } from '../../support/pipeline.ts';

// Submitted on Tuesday 2026-03-10 at 15:00 Berlin: the first follow-up is due Tuesday 2026-03-17 at
// 09:00 Berlin, 08:00 UTC.
const SLOT = '2026-03-17T08:00:00.000Z';
const GRACE_MS = 5 * 60_000;
const at = (offsetMs: number) => new Date(Date.parse(SLOT) + offsetMs);

describe('reconcile', () => {
  let p: Pipeline;
  let store: InMemoryReminderStore;
  let mailer: FakeMailer;
  let clock: SettableClock;

  beforeEach(() => {
    p = pipeline('2026-03-10T14:00:05.000Z');
    ({ store, mailer, clock } = p);
  });

  const deps = () => p;

  /** A submission whose timers were lost: the reminders exist, nothing will wake the sender. */
  async function submittedBy(email: string) {
    const input = fixture('application.submitted');
    input.id = `evt-submitted-${email}`;
    input.user.email = email;
    await confirmedUser(email, p);
    const stored = await intake(input, { store, clock });
    await planEvent(stored, p);
    return stored.userId;
  }

  const firstFollowUpOf = (userId: string) =>
    store.allReminders().find((r) => r.userId === userId && r.dueAt === SLOT);

  it('sends a reminder that is overdue by more than the grace period', async () => {
    // Prepare
    const userId = await submittedBy('sam@example.com');
    clock.set(at(GRACE_MS + 60_000));

    // Act
    const result = await reconcile(GRACE_MS, deps());

    // Assess
    expect(result).toEqual({ usersWoken: 1, emails: 1, reminders: 1, failures: 0, stuckDigests: [] });
    expect(mailer.sent.map((e) => e.to)).toEqual(['sam@example.com']);
    expect(firstFollowUpOf(userId)?.status).toBe('sent');
  });

  it('leaves a due reminder that is still within the grace period to its timer', async () => {
    // Prepare
    const userId = await submittedBy('sam@example.com');
    clock.set(at(GRACE_MS - 60_000));

    // Act
    const result = await reconcile(GRACE_MS, deps());

    // Assess
    expect(result).toEqual({ usersWoken: 0, emails: 0, reminders: 0, failures: 0, stuckDigests: [] });
    expect(mailer.sent).toEqual([]);
    expect(firstFollowUpOf(userId)?.status).toBe('pending');
  });

  it("does not let one user's failed send stop another user's email", async () => {
    // Prepare
    const sam = await submittedBy('sam@example.com');
    const alex = await submittedBy('alex@example.com');
    clock.set(at(GRACE_MS + 60_000));
    mailer.failNextSends(1);

    // Act
    const result = await reconcile(GRACE_MS, deps());

    // Assess
    expect(result).toMatchObject({ usersWoken: 2, emails: 1, reminders: 1, failures: 1 });
    expect(mailer.sent).toHaveLength(1);
    const servedEmail = mailer.sent[0]?.to;
    const [served, failed] = servedEmail === 'sam@example.com' ? [sam, alex] : [alex, sam];
    expect(firstFollowUpOf(served)?.status).toBe('sent');
    expect(firstFollowUpOf(failed)?.status).toBe('pending');
  });

  it('reports a digest stuck in sending and does not send its reminders again', async () => {
    // Prepare: a sender claimed the reminder at the slot, then crashed before recording the send.
    const userId = await submittedBy('sam@example.com');
    const reminder = firstFollowUpOf(userId);
    if (!reminder) throw new Error('expected a first follow-up');
    const stuck: Digest = {
      digestId: digestIdFor([reminder.reminderId], SLOT),
      userId,
      reminderIds: [reminder.reminderId],
      status: 'sending',
      claimedAt: SLOT,
    };
    await store.claimDigest(stuck, SLOT);
    clock.set(at(20 * 60_000));

    // Act
    const result = await reconcile(GRACE_MS, deps());

    // Assess
    expect(result.stuckDigests).toEqual([stuck]);
    expect(result).toMatchObject({ usersWoken: 0, emails: 0, reminders: 0, failures: 0 });
    expect(mailer.sent).toEqual([]);
    // Claimed (sent under the digest); the digest, still sending, is what says the email may not have gone.
    expect(firstFollowUpOf(userId)).toMatchObject({ status: 'sent', digestId: stuck.digestId });
    expect(store.digest(userId, stuck.digestId)?.status).toBe('sending');
  });

  it('does not report a digest that has been sending for less than fifteen minutes', async () => {
    // Prepare
    const userId = await submittedBy('sam@example.com');
    const reminder = firstFollowUpOf(userId);
    if (!reminder) throw new Error('expected a first follow-up');
    await store.claimDigest(
      {
        digestId: digestIdFor([reminder.reminderId], SLOT),
        userId,
        reminderIds: [reminder.reminderId],
        status: 'sending',
        claimedAt: SLOT,
      },
      SLOT,
    );
    clock.set(at(10 * 60_000));

    // Act
    const result = await reconcile(GRACE_MS, deps());

    // Assess
    expect(result.stuckDigests).toEqual([]);
    expect(mailer.sent).toEqual([]);
  });
});
