/**
 * Consent through the pipeline, on in-memory fakes: what the planner does for a new address (hold, ask once),
 * the limits against email bombing, what confirming releases, and the expiry of an unconfirmed user's data.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { expiryAfter } from '#shared/domain/admission.ts';
import { userIdFor } from '#shared/domain/ids.ts';
import { historyExpiry } from '#shared/domain/retention.ts';
import { planEvent } from '#shared/use-cases/plan-event.ts';
import { reconcile } from '#shared/use-cases/reconcile.ts';
import { sendDueReminders } from '#shared/use-cases/send-due-reminders.ts';
import { fixture, intake } from '../../support/events.ts';
import { TEST_BASE_URL } from '../../support/fakes.ts';
import { act, confirmUser, type Pipeline, pipeline } from '../../support/pipeline.ts';

// The submission fixture happened on Tuesday 2026-03-10 at 15:00 Berlin (+01:00): its follow-ups are due on
// the next two Tuesdays at 09:00 Berlin, 08:00 UTC.
const RECEIVED = '2026-03-10T14:00:05.000Z';
const FIRST_FOLLOW_UP = '2026-03-17T08:00:00.000Z';
const SECOND_FOLLOW_UP = '2026-03-24T08:00:00.000Z';
const FAR_FUTURE = new Date('2030-01-01T00:00:00.000Z');
const HOUR_MS = 60 * 60 * 1000;
const DAY_MS = 24 * HOUR_MS;
const SAM = 'sam@example.com';
const samId = userIdFor(SAM);

let p: Pipeline;

beforeEach(() => {
  p = pipeline(RECEIVED);
});

/** An application submitted by Sam now (or at the fixture's time), stored and planned. */
async function submitted(
  ref = 'acme-backend',
  options: { readonly now?: boolean; readonly company?: string } = {},
) {
  const input = fixture('application.submitted');
  input.id = `evt-${ref}-submitted`;
  input.application = { ...input.application, ref, company: options.company ?? input.application.company };
  if (options.now) delete input.occurredAt;
  const stored = await intake(input, p);
  return { stored, result: await planEvent(stored, p) };
}

const confirmations = () => p.mailer.sent.filter((email) => email.tags?.type === 'confirmation');
const reminderEmails = () => p.mailer.sent.filter((email) => email.tags?.type !== 'confirmation');

describe('a new address', () => {
  it('has its reminders planned but held: pending, with no timer, and out of the reconciler’s view', async () => {
    // Act
    const { result } = await submitted();

    // Assess
    expect(result).toMatchObject({ outcome: 'planned', created: 2 });
    expect(p.store.allReminders().map((r) => [r.status, r.held, r.dueAt])).toEqual([
      ['pending', true, FIRST_FOLLOW_UP],
      ['pending', true, SECOND_FOLLOW_UP],
    ]);
    expect(p.timers.ensured).toEqual([]);
    expect(await p.store.listAllPendingDue(FAR_FUTURE, 100)).toEqual([]);
  });

  it('gets exactly one confirmation email at once, with a confirm and a "this wasn’t me" link', async () => {
    // Act
    const { result } = await submitted();

    // Assess
    expect(result).toMatchObject({ confirmations: 1 });
    expect(p.mailer.sent).toHaveLength(1);
    const [email] = p.mailer.sent;
    expect(email?.to).toBe(SAM);
    expect(email?.tags).toEqual({ type: 'confirmation' });
    expect(email?.text).toContain(`${TEST_BASE_URL}/links/confirm?t=confirm.${samId}`);
    expect(email?.text).toContain(`${TEST_BASE_URL}/links/not-me?t=not-me.${samId}`);
    expect(await p.store.getProfile(samId)).toMatchObject({
      confirmationsSent: 1,
      lastConfirmationAt: RECEIVED,
    });
  });

  it('gets no reminder email, neither at the due time nor from the reconciler, while it has not confirmed', async () => {
    // Prepare
    await submitted();
    p.clock.set(new Date(Date.parse(SECOND_FOLLOW_UP) + HOUR_MS));

    // Act
    const woken = await sendDueReminders(samId, p);
    const reconciled = await reconcile(5 * 60_000, p);

    // Assess
    expect(woken).toEqual({ emails: 0, reminders: 0 });
    expect(reconciled).toMatchObject({ usersWoken: 0, emails: 0 });
    expect(reminderEmails()).toEqual([]);
    expect(p.store.allReminders().every((r) => r.status === 'pending' && r.held)).toBe(true);
  });

  it('sends one confirmation, not two, when the event is delivered again', async () => {
    // Prepare
    const { stored } = await submitted();
    p.clock.advance(60_000);

    // Act
    const replay = await planEvent(stored, p);

    // Assess
    expect(replay).toMatchObject({ outcome: 'replayed', confirmations: 0 });
    expect(confirmations()).toHaveLength(1);
  });

  it('sends the confirmation on the retry when the mail provider refused it the first time', async () => {
    // Prepare
    const input = fixture('application.submitted');
    const stored = await intake(input, p);
    p.mailer.failNextSends(1);
    await expect(planEvent(stored, p)).rejects.toThrow('Mail provider refused the message');
    expect(await p.store.getProfile(samId)).not.toHaveProperty('confirmationsSent');

    // Act
    const retry = await planEvent(stored, p);

    // Assess
    expect(retry).toMatchObject({ outcome: 'replayed', confirmations: 1 });
    expect(confirmations()).toHaveLength(1);
    expect(await p.store.getProfile(samId)).toMatchObject({ confirmationsSent: 1 });
  });
});

describe('the limits against email bombing', () => {
  /** `count` events for Sam spread evenly over `days`, each planned as it arrives; when each email went. */
  async function bombard(count: number, days: number, from = 0): Promise<number[]> {
    const sentAt: number[] = [];
    for (let i = 0; i < count; i += 1) {
      p.clock.set(new Date(Date.parse(RECEIVED) + ((from + i) * days * DAY_MS) / count));
      const before = p.mailer.sent.length;
      await submitted(`bomb-${from + i}`, { now: true });
      if (p.mailer.sent.length > before) sentAt.push(p.clock.now().getTime());
    }
    return sentAt;
  }

  it('sends at most 3 confirmation emails for 30 events over 3 days, at most one per 24 hours', async () => {
    // Act
    const sentAt = await bombard(30, 3);

    // Assess
    expect(sentAt).toHaveLength(3);
    for (let i = 1; i < sentAt.length; i += 1) {
      expect((sentAt[i] ?? 0) - (sentAt[i - 1] ?? 0)).toBeGreaterThanOrEqual(DAY_MS);
    }
    expect(p.mailer.sent).toHaveLength(3);
    expect(p.mailer.sent.every((email) => email.tags?.type === 'confirmation')).toBe(true);
  });

  it('sends nothing more after three, however long the events go on', async () => {
    // Prepare
    await bombard(30, 3);

    // Act
    const later = await bombard(20, 20, 30);

    // Assess
    expect(later).toEqual([]);
    expect(confirmations()).toHaveLength(3);
  });

  it('stops even the confirmations once "this wasn’t me" is used, and cancels what was held', async () => {
    // Prepare
    await bombard(3, 1);
    expect(confirmations()).toHaveLength(1);

    // Act
    await act(samId, { type: 'consent.suppressed', reason: 'not_me' }, p);
    const after = await bombard(30, 3, 3);

    // Assess
    expect(after).toEqual([]);
    expect(confirmations()).toHaveLength(1);
    expect(p.store.allReminders().every((r) => r.status === 'cancelled')).toBe(true);
    expect(await p.store.getProfile(samId)).toMatchObject({
      consent: 'suppressed',
      suppressedReason: 'not_me',
    });
  });
});

describe('confirming', () => {
  it('releases the held reminders: those already due go out together in the next slot, later ones at their time', async () => {
    // Prepare: two applications, both first follow-ups due on the 17th; Sam confirms on Wednesday the 18th.
    await submitted('acme-backend');
    await submitted('globex-platform', { company: 'Globex' });
    p.clock.set('2026-03-18T12:00:00.000Z');
    const nextSlot = '2026-03-19T08:00:00.000Z';

    // Act
    await confirmUser(samId, p);

    // Assess
    const reminders = p.store.allReminders();
    expect(reminders.map((r) => [r.held, r.dueAt])).toEqual([
      [undefined, nextSlot],
      [undefined, SECOND_FOLLOW_UP],
      [undefined, nextSlot],
      [undefined, SECOND_FOLLOW_UP],
    ]);
    // One timer per send slot: the next slot's and the second follow-ups'.
    expect([...p.timers.timers.values()].map((t) => t.dueAt).sort()).toEqual([nextSlot, SECOND_FOLLOW_UP]);
    expect(await p.store.listAllPendingDue(FAR_FUTURE, 100)).toHaveLength(4);

    // And at that slot, one email carries both.
    p.clock.set(nextSlot);
    expect(await sendDueReminders(samId, p)).toEqual({ emails: 1, reminders: 2 });
    expect(reminderEmails()).toHaveLength(1);
  });

  it('lets later events plan as usual, with timers and no further confirmation email', async () => {
    // Prepare
    await submitted();
    await confirmUser(samId, p);
    p.clock.set('2026-03-12T10:00:00.000Z');
    const ensuredBefore = p.timers.ensured.length;

    // Act
    const { result } = await submitted('globex-platform', { now: true });

    // Assess
    expect(result).toMatchObject({ created: 2, confirmations: 0 });
    expect(p.timers.ensured.length - ensuredBefore).toBe(2);
    expect(confirmations()).toHaveLength(1);
  });
});

describe('the expiry of an unconfirmed user’s data (DynamoDB TTL)', () => {
  it('is on the profile and on every item stored for the user, 30 days after the last activity', async () => {
    // Act
    await submitted();

    // Assess
    const items = p.store.itemsOf(samId);
    expect(items.map((i) => i.sk.split('#')[0]).sort()).toEqual([
      'APP',
      'EVENT',
      'PROFILE',
      'REMINDER',
      'REMINDER',
    ]);
    expect(items.every((i) => i.expiresAt === expiryAfter(new Date(RECEIVED)))).toBe(true);
  });

  it('moves on for every item, old ones too, when a new event arrives on a later day', async () => {
    // Prepare
    await submitted();
    p.clock.set('2026-03-12T10:00:00.000Z');

    // Act
    await submitted('globex-platform', { now: true });

    // Assess
    const expected = expiryAfter(p.clock.now());
    expect(p.store.itemsOf(samId).map((i) => i.expiresAt)).toEqual(
      p.store.itemsOf(samId).map(() => expected),
    );
  });

  it('takes everything stored for the user once it has passed', async () => {
    // Prepare
    await submitted();

    // Act: 30 days after the last activity, rounded up to a week step (see `expiryAfter`)
    p.store.expire(new Date(expiryAfter(new Date(RECEIVED)) * 1000));

    // Assess
    expect(p.store.itemsOf(samId)).toEqual([]);
  });

  it('ends when the user confirms: live items never expire, history is kept the retention from then', async () => {
    // Prepare
    await submitted();

    // Act
    await confirmUser(samId, p);
    p.store.expire(new Date(Date.parse(RECEIVED) + 365 * DAY_MS));

    // Assess: the profile and the released reminders live on; the planned events and the application are
    // history, kept 400 days from the confirmation (see `shared/domain/retention.ts`)
    const items = p.store.itemsOf(samId);
    expect(items.length).toBeGreaterThanOrEqual(6);
    const kind = (sk: string) => sk.split('#')[0];
    const live = items.filter((i) => kind(i.sk) === 'PROFILE' || kind(i.sk) === 'REMINDER');
    expect(live.map((i) => i.expiresAt)).toEqual(live.map(() => undefined));
    const history = items.filter((i) => kind(i.sk) === 'EVENT' || kind(i.sk) === 'APP');
    expect(history.length).toBeGreaterThanOrEqual(3);
    expect(history.every((i) => i.expiresAt === historyExpiry(p.clock.now()))).toBe(true);
  });

  it('is carried by an action that is no activity of the user (a bounce), without moving on', async () => {
    // Prepare
    await submitted();
    p.clock.set('2026-03-13T10:00:00.000Z');

    // Act
    await act(samId, { type: 'delivery.bounced_transient' }, p, { actor: { type: 'ses' } });

    // Assess
    const expiry = expiryAfter(new Date(RECEIVED));
    expect(p.store.itemsOf(samId).every((i) => i.expiresAt === expiry)).toBe(true);
    expect(await p.store.getProfile(samId)).toMatchObject({ transientBounces: 1, expiresAt: expiry });
  });

  it('ends for a suppressed address: the profile and the suppression stay, so the address is never emailed again', async () => {
    // Prepare
    await submitted();

    // Act
    const { eventId } = await act(samId, { type: 'consent.suppressed', reason: 'not_me' }, p);
    p.store.expire(new Date(Date.parse(RECEIVED) + 365 * DAY_MS));

    // Assess
    expect(p.store.itemsOf(samId).map((i) => i.sk)).toEqual(['PROFILE', `EVENT#${eventId}`]);
    p.clock.set('2027-03-16T10:00:00.000Z');
    await submitted('later', { now: true });
    expect(confirmations()).toHaveLength(1);
  });
});
