import { beforeEach, describe, expect, it } from 'vitest';
import { digestIdFor } from '#shared/domain/ids.ts';
import type { Digest, Reminder, UserProfile } from '#shared/domain/model.ts';
import { planEvent } from '#shared/use-cases/plan-event.ts';
import { SEND_TIME_CHECK, sendDueReminders } from '#shared/use-cases/send-due-reminders.ts';
import { fixture, intake } from '../../support/events.ts';
import {
  type FakeMailer,
  type InMemoryReminderStore,
  type SettableClock,
  TEST_BASE_URL,
} from '../../support/fakes.ts';
import { confirmedUser, type Pipeline, pipeline } from '../../support/pipeline.ts';

// Both applications are submitted on Tuesday 2026-03-10 at 15:00 Berlin: their first follow-ups share the
// slot of Tuesday 2026-03-17, 09:00 Berlin (08:00 UTC); the second follow-ups are a week later.
const SUBMITTED_AT = '2026-03-10T15:00:00+01:00';
const FIRST_SLOT = '2026-03-17T08:00:00.000Z';

describe('sendDueReminders', () => {
  let p: Pipeline;
  let store: InMemoryReminderStore;
  let mailer: FakeMailer;
  let clock: SettableClock;
  let userId: string;

  beforeEach(async () => {
    p = pipeline('2026-03-10T14:00:05.000Z');
    ({ store, mailer, clock } = p);
    await confirmedUser('sam@example.com', p);
    userId = (await submit('acme-backend', 'Acme Corp')).userId;
    await submit('globex-platform', 'Globex');
  });

  const deps = () => p;

  async function submit(ref: string, company: string) {
    const input = fixture('application.submitted');
    input.id = `evt-${ref}-submitted`;
    input.occurredAt = SUBMITTED_AT;
    input.application = { ...input.application, ref, company };
    const stored = await intake(input, { store, clock });
    await planEvent(stored, p);
    return stored;
  }

  const firstFollowUps = (): Reminder[] => store.allReminders().filter((r) => r.dueAt === FIRST_SLOT);

  it('sends one email listing both reminders due in the same slot and marks both sent', async () => {
    // Prepare
    clock.set(FIRST_SLOT);

    // Act
    const result = await sendDueReminders(userId, deps());

    // Assess
    expect(result).toEqual({ emails: 1, reminders: 2 });
    expect(mailer.sent).toHaveLength(1);
    const [email] = mailer.sent;
    expect(email?.to).toBe('sam@example.com');
    expect(email?.text).toContain('Acme Corp');
    expect(email?.text).toContain('Globex');
    const due = firstFollowUps();
    expect(due).toHaveLength(2);
    const digestId = digestIdFor(
      due.map((r) => r.reminderId),
      FIRST_SLOT,
    );
    // The reminders are sent under the digest; the digest alone records the message.
    for (const reminder of due) {
      expect(reminder).toMatchObject({ status: 'sent', digestId, sentAt: FIRST_SLOT });
      expect(reminder.messageId).toBeUndefined();
    }
    expect(store.digest(userId, digestId)).toMatchObject({ status: 'sent', messageId: email?.messageId });
  });

  it('sends nothing the second time it is woken for the same slot', async () => {
    // Prepare
    clock.set(FIRST_SLOT);
    await sendDueReminders(userId, deps());
    clock.advance(5_000);

    // Act
    const again = await sendDueReminders(userId, deps());

    // Assess
    expect(again).toEqual({ emails: 0, reminders: 0 });
    expect(mailer.sent).toHaveLength(1);
  });

  it('never sends a cancelled reminder', async () => {
    // Prepare
    const withdrawal = fixture('application.withdrawn');
    withdrawal.occurredAt = '2026-03-12T11:00:00+01:00';
    clock.set('2026-03-12T10:00:05.000Z');
    await planEvent(await intake(withdrawal, { store, clock }), p);
    clock.set(FIRST_SLOT);

    // Act
    const result = await sendDueReminders(userId, deps());

    // Assess
    expect(result).toEqual({ emails: 1, reminders: 1 });
    expect(mailer.sent).toHaveLength(1);
    expect(mailer.sent[0]?.text).toContain('Globex');
    expect(mailer.sent[0]?.text).not.toContain('Acme Corp');
    const acme = store.allReminders().filter((r) => r.application.ref === 'acme-backend');
    expect(acme.map((r) => r.status)).toEqual(['cancelled', 'cancelled']);
  });

  it('does not send a reminder that is not yet due', async () => {
    // Prepare: one second before the one-minute grace window of the slot opens.
    clock.set('2026-03-17T07:58:59.000Z');

    // Act
    const result = await sendDueReminders(userId, deps());

    // Assess
    expect(result).toEqual({ emails: 0, reminders: 0 });
    expect(mailer.sent).toEqual([]);
    expect(store.allReminders().every((r) => r.status === 'pending')).toBe(true);
  });

  it('sends only the reminders of the slot, leaving the later follow-ups pending', async () => {
    // Prepare
    clock.set(FIRST_SLOT);

    // Act
    await sendDueReminders(userId, deps());

    // Assess
    const later = store.allReminders().filter((r) => r.dueAt !== FIRST_SLOT);
    expect(later).toHaveLength(2);
    expect(later.map((r) => r.status)).toEqual(['pending', 'pending']);
  });

  it('puts the reminders back to pending and rethrows when the mailer refuses the email', async () => {
    // Prepare
    clock.set(FIRST_SLOT);
    mailer.failNextSends(1);

    // Act
    const attempt = sendDueReminders(userId, deps());

    // Assess
    await expect(attempt).rejects.toThrow('Mail provider refused the message');
    expect(mailer.sent).toEqual([]);
    for (const reminder of firstFollowUps()) {
      expect(reminder.status).toBe('pending');
      expect(reminder.digestId).toBeUndefined();
      expect(reminder.claimedAt).toBeUndefined();
    }
    const digestId = digestIdFor(
      firstFollowUps().map((r) => r.reminderId),
      FIRST_SLOT,
    );
    expect(store.digest(userId, digestId)?.status).toBe('failed');
  });

  it('sends the email exactly once when it is retried at the same instant after the mailer refused it', async () => {
    // Prepare
    clock.set(FIRST_SLOT);
    mailer.failNextSends(1);
    await expect(sendDueReminders(userId, deps())).rejects.toThrow();

    // Act
    const retry = await sendDueReminders(userId, deps());
    const again = await sendDueReminders(userId, deps());

    // Assess
    expect(retry).toEqual({ emails: 1, reminders: 2 });
    expect(again).toEqual({ emails: 0, reminders: 0 });
    expect(mailer.sent).toHaveLength(1);
    const reminderIds = firstFollowUps().map((r) => r.reminderId);
    const failed = digestIdFor(reminderIds, FIRST_SLOT);
    const sent = firstFollowUps()[0]?.digestId;
    for (const reminder of firstFollowUps())
      expect(reminder).toMatchObject({ status: 'sent', digestId: sent });
    expect(sent).not.toBe(failed);
    expect(store.digest(userId, failed)?.status).toBe('failed');
    expect(sent && store.digest(userId, sent)?.status).toBe('sent');
  });

  it('sends nothing when another sender claimed the reminders first', async () => {
    // Prepare
    clock.set(FIRST_SLOT);
    const { due } = await store.loadDue(userId, clock.now());
    const winner: Digest = {
      digestId: digestIdFor(
        due.map((r) => r.reminderId),
        FIRST_SLOT,
      ),
      userId,
      reminderIds: due.map((r) => r.reminderId),
      status: 'sending',
      claimedAt: FIRST_SLOT,
    };
    expect(await store.claimDigest(winner, FIRST_SLOT)).toEqual({ outcome: 'claimed', digest: winner });

    // Act
    const result = await sendDueReminders(userId, deps());

    // Assess
    expect(result).toEqual({ emails: 0, reminders: 0 });
    expect(mailer.sent).toEqual([]);
    expect(firstFollowUps().map((r) => [r.status, r.digestId])).toEqual([
      ['sent', winner.digestId],
      ['sent', winner.digestId],
    ]);
    expect(store.digest(userId, winner.digestId)?.status).toBe('sending');
  });

  it('sends nothing when a concurrent sender claims between its read and its claim', async () => {
    // Prepare
    clock.set(FIRST_SLOT);
    const due = firstFollowUps();
    const rival: Digest = {
      digestId: 'd_rival',
      userId,
      reminderIds: due.map((r) => r.reminderId),
      status: 'sending',
      claimedAt: FIRST_SLOT,
    };
    store.beforeNextClaim = async () => {
      await store.claimDigest(rival, FIRST_SLOT);
    };

    // Act
    const result = await sendDueReminders(userId, deps());

    // Assess
    expect(result).toEqual({ emails: 0, reminders: 0 });
    expect(mailer.sent).toEqual([]);
    expect(firstFollowUps().map((r) => r.digestId)).toEqual(['d_rival', 'd_rival']);
  });

  describe('while the live index lags the table', () => {
    it('sends the rest, once, when a reminder it read as due was snoozed to a later slot meanwhile', async () => {
      // Prepare: the index still shows the snoozed follow-up at its old slot
      clock.set(FIRST_SLOT);
      store.lagLiveIndex();
      const [snoozed, kept] = firstFollowUps();
      if (!snoozed || !kept) throw new Error('expected two first follow-ups');
      await store.moveReminders(
        userId,
        [
          {
            reminderId: snoozed.reminderId,
            scheduleName: snoozed.scheduleName,
            dueAt: '2026-03-20T08:00:00.000Z',
          },
        ],
        { by: 'act-snooze', at: FIRST_SLOT },
      );

      // Act
      const result = await sendDueReminders(userId, deps());

      // Assess: the claim of both is lost, the table is read, the one still due goes out alone
      expect(result).toEqual({ emails: 1, reminders: 1 });
      expect(store.reminder(userId, kept.reminderId)?.status).toBe('sent');
      expect(store.reminder(userId, snoozed.reminderId)).toMatchObject({
        status: 'pending',
        dueAt: '2026-03-20T08:00:00.000Z',
      });
    });

    it('sends nothing twice when woken again right after it sent', async () => {
      // Prepare
      clock.set(FIRST_SLOT);
      store.lagLiveIndex();
      await sendDueReminders(userId, deps());

      // Act: a second timer of the slot fires while the index still shows the reminders pending
      const again = await sendDueReminders(userId, deps());

      // Assess
      expect(again).toEqual({ emails: 0, reminders: 0 });
      expect(mailer.sent).toHaveLength(1);
    });
  });

  it('sends nothing for a user it does not know', async () => {
    // Prepare
    clock.set(FIRST_SLOT);

    // Act
    const result = await sendDueReminders('u_000000000000000000000000', deps());

    // Assess
    expect(result).toEqual({ emails: 0, reminders: 0 });
    expect(mailer.sent).toEqual([]);
  });

  describe('the links and headers of every reminder email', () => {
    it('carries List-Unsubscribe with the unsubscribe link and RFC 8058 one-click', async () => {
      // Prepare
      clock.set(FIRST_SLOT);

      // Act
      await sendDueReminders(userId, deps());

      // Assess
      expect(mailer.sent[0]?.headers).toEqual([
        { name: 'List-Unsubscribe', value: `<${TEST_BASE_URL}/links/unsubscribe?t=unsubscribe.${userId}>` },
        { name: 'List-Unsubscribe-Post', value: 'List-Unsubscribe=One-Click' },
      ]);
    });

    it('offers done and snooze for each reminder, stop for its application, and the footer links', async () => {
      // Prepare
      clock.set(FIRST_SLOT);
      const [acme, globex] = firstFollowUps();
      if (!acme || !globex) throw new Error('expected two follow-ups');

      // Act
      await sendDueReminders(userId, deps());

      // Assess
      const email = mailer.sent[0];
      const links = [
        `done?t=done.${userId}.${acme.reminderId}`,
        `snooze?t=snooze.${userId}.${acme.reminderId}`,
        `stop?t=stop.${userId}.acme-backend`,
        `done?t=done.${userId}.${globex.reminderId}`,
        `snooze?t=snooze.${userId}.${globex.reminderId}`,
        `stop?t=stop.${userId}.globex-platform`,
        `preferences?t=preferences.${userId}`,
        `unsubscribe?t=unsubscribe.${userId}`,
      ].map((path) => `${TEST_BASE_URL}/links/${path}`);
      for (const link of links) {
        expect(email?.text).toContain(link);
        expect(email?.html).toContain(link);
      }
    });
  });

  describe('the check of consent at send time', () => {
    /** The profile changes as a change on its way through the stream would leave it: reminders untouched. */
    async function profileNowSays(changes: Partial<UserProfile>) {
      const profile = await store.getProfile(userId);
      if (!profile) throw new Error('expected a profile');
      const now = clock.now().toISOString();
      const event = {
        eventId: `change-${now}`,
        userId,
        receivedAt: now,
        occurredAt: now,
        action: { type: 'consent.unsubscribed' as const },
        actor: { type: 'ses' as const },
      };
      await store.putEvent(event);
      await store.applyPlan({
        event,
        profile: { ...profile, ...changes },
        create: [],
        cancel: [],
        plannedAt: now,
      });
    }

    it('sends nothing to a user who unsubscribed, and cancels what was due with the reason', async () => {
      // Prepare
      await profileNowSays({ consent: 'unsubscribed' });
      clock.set(FIRST_SLOT);

      // Act
      const result = await sendDueReminders(userId, deps());

      // Assess
      expect(result).toEqual({ emails: 0, reminders: 0 });
      expect(mailer.sent).toEqual([]);
      expect(firstFollowUps().map((r) => [r.status, r.cancelReason, r.cancelledBy])).toEqual([
        ['cancelled', 'no_consent at send time', SEND_TIME_CHECK],
        ['cancelled', 'no_consent at send time', SEND_TIME_CHECK],
      ]);
    });

    it('leaves out an opted-out kind and sends the rest', async () => {
      // Prepare: a thank-you due in the same slot as the follow-ups, and follow-ups opted out.
      const interview = fixture('interview.completed');
      interview.id = 'evt-initech-interview';
      interview.application = { ...interview.application, ref: 'initech', company: 'Initech' };
      interview.occurredAt = '2026-03-16T15:00:00+01:00';
      clock.set('2026-03-16T14:00:05.000Z');
      await planEvent(await intake(interview, { store, clock }), p);
      await profileNowSays({ optOuts: ['follow_up'] });
      clock.set(FIRST_SLOT);

      // Act
      const result = await sendDueReminders(userId, deps());

      // Assess
      expect(result).toEqual({ emails: 1, reminders: 1 });
      expect(mailer.sent[0]?.text).toContain('Initech');
      const followUps = firstFollowUps().filter((r) => r.kind === 'follow_up');
      expect(followUps.map((r) => [r.status, r.cancelReason])).toEqual([
        ['cancelled', 'opted_out at send time'],
        ['cancelled', 'opted_out at send time'],
      ]);
    });

    it('moves a reconnect to the end of a pause and cancels the other kinds inside it', async () => {
      // Prepare: a reconnect due in the first slot, as a rejection of 4 weeks earlier would leave it.
      const rejection = fixture('application.rejected');
      rejection.id = 'evt-umbrella-rejected';
      rejection.application = { ...rejection.application, ref: 'umbrella', company: 'Umbrella' };
      rejection.rejection = { stage: 'application', reason: 'keep_on_file' };
      rejection.occurredAt = '2026-02-17T15:00:00+01:00';
      await planEvent(await intake(rejection, { store, clock }), p);
      const reconnect = store.allReminders().find((r) => r.kind === 'reconnect');
      expect(reconnect?.dueAt).toBe(FIRST_SLOT);
      await profileNowSays({ pausedUntil: '2026-03-30T12:00:00.000Z' });
      clock.set(FIRST_SLOT);

      // Act
      const result = await sendDueReminders(userId, deps());

      // Assess: the first slot after the pause is Tuesday the 31st, 09:00 Berlin (summer time, 07:00 UTC).
      expect(result).toEqual({ emails: 0, reminders: 0 });
      expect(reconnect && store.reminder(userId, reconnect.reminderId)).toMatchObject({
        status: 'pending',
        dueAt: '2026-03-31T07:00:00.000Z',
        movedBy: SEND_TIME_CHECK,
      });
      expect(
        firstFollowUps()
          .filter((r) => r.kind === 'follow_up')
          .map((r) => r.cancelReason),
      ).toEqual(['paused at send time', 'paused at send time']);
    });
  });
});
