/**
 * The sender's grace: a timer may wake the sender a little before a slot (a duplicate delivery, a retry), and
 * the sender then sends what is due within DUE_GRACE_MS. The rule (README "Guarantees"): a reminder is never
 * emailed more than DUE_GRACE_MS before its due time, and never twice.
 */
import { describe, expect, it } from 'vitest';
import { planEvent } from '#shared/use-cases/plan-event.ts';
import { DUE_GRACE_MS, sendDueReminders } from '#shared/use-cases/send-due-reminders.ts';
import { fixture, intake } from '../../support/events.ts';
import { confirmedUser, pipeline } from '../../support/pipeline.ts';

const SUBMITTED_AT = '2026-03-10T15:00:00+01:00';
const SLOT_MS = Date.parse('2026-03-17T08:00:00.000Z');

async function userWithFollowUpDue() {
  const p = pipeline('2026-03-10T14:00:05.000Z');
  await confirmedUser('sam@example.com', p);
  const input = fixture('application.submitted');
  input.id = 'evt-grace';
  input.occurredAt = SUBMITTED_AT;
  const stored = await intake(input, p);
  await planEvent(stored, p);
  return { p, userId: stored.userId };
}

describe('the sender’s grace before a slot', () => {
  it('is the one minute the README promises', () => {
    expect(DUE_GRACE_MS).toBe(60_000);
  });

  it('sends nothing when woken earlier than the grace before the slot', async () => {
    // Prepare
    const { p, userId } = await userWithFollowUpDue();
    p.clock.set(new Date(SLOT_MS - DUE_GRACE_MS - 1));
    // Act
    const result = await sendDueReminders(userId, p);
    // Assess
    expect(result).toEqual({ emails: 0, reminders: 0 });
    expect(p.mailer.sent).toHaveLength(0);
  });

  it('sends at most the grace early, and a second wake-up at the slot sends nothing more', async () => {
    // Prepare
    const { p, userId } = await userWithFollowUpDue();
    // Act: a duplicate delivery within the grace, then the real fire at the slot.
    p.clock.set(new Date(SLOT_MS - DUE_GRACE_MS));
    const early = await sendDueReminders(userId, p);
    p.clock.set(new Date(SLOT_MS));
    const onTime = await sendDueReminders(userId, p);
    // Assess
    expect(early.reminders).toBe(1);
    expect(onTime).toEqual({ emails: 0, reminders: 0 });
    expect(p.mailer.sent).toHaveLength(1);
  });

  it('never sends before the grace, whatever instant the sender is woken at', async () => {
    // Prepare: wake-ups every 7 s over the five minutes before the slot.
    const { p, userId } = await userWithFollowUpDue();
    const sentAt: number[] = [];
    // Act
    for (let t = SLOT_MS - 5 * 60_000; t <= SLOT_MS; t += 7_000) {
      p.clock.set(new Date(t));
      const before = p.mailer.sent.length;
      await sendDueReminders(userId, p);
      if (p.mailer.sent.length > before) sentAt.push(t);
    }
    // Assess
    expect(sentAt).toHaveLength(1);
    expect(SLOT_MS - (sentAt[0] ?? 0)).toBeLessThanOrEqual(DUE_GRACE_MS);
  });
});
