import { describe, expect, it } from 'vitest';
import type { Feedback } from '../../../events/ses-feedback.ts';
import type { StoredUserAction } from '../../../events/user-action.ts';
import { userIdFor } from '../../../shared/domain/ids.ts';
import { recordFeedback, type SuppressionList } from '../../../shared/use-cases/record-feedback.ts';
import { recordUserAction } from '../../../shared/use-cases/record-user-action.ts';
import { InMemoryReminderStore, SettableClock } from '../../support/fakes.ts';

class RecordingSuppressionList implements SuppressionList {
  public readonly calls: { email: string; reason: string }[] = [];
  public async suppress(email: string, reason: 'BOUNCE' | 'COMPLAINT'): Promise<void> {
    this.calls.push({ email, reason });
  }
}

function setup() {
  const store = new InMemoryReminderStore();
  const clock = new SettableClock('2027-01-04T09:00:00Z');
  const suppressionList = new RecordingSuppressionList();
  return { store, clock, suppressionList, deps: { store, clock, suppressionList } };
}

/** What the store holds under `eventId`, read back through the port's duplicate answer. */
async function storedAction(store: InMemoryReminderStore, probe: StoredUserAction): Promise<unknown> {
  const result = await store.putEvent(probe);
  return result.outcome === 'duplicate' ? result.existing : undefined;
}

describe('recording a user action', () => {
  it('stores the change in the user’s timeline with its actor', async () => {
    const { store, deps } = setup();
    const result = await recordUserAction(
      {
        userId: 'u1',
        action: { type: 'consent.confirmed' },
        actor: { type: 'user', via: 'link' },
        idempotencyKey: 't1',
      },
      deps,
    );
    expect(result.duplicate).toBe(false);
    const probe: StoredUserAction = {
      eventId: result.eventId,
      userId: 'u1',
      receivedAt: '2027-01-04T09:00:00.000Z',
      occurredAt: '2027-01-04T09:00:00.000Z',
      action: { type: 'consent.unsubscribed' },
      actor: { type: 'ses' },
    };
    expect(await storedAction(store, probe)).toMatchObject({
      action: { type: 'consent.confirmed' },
      actor: { type: 'user', via: 'link' },
      occurredAt: '2027-01-04T09:00:00.000Z',
    });
  });

  it('counts the same button pressed twice once', async () => {
    const { deps } = setup();
    const input = {
      userId: 'u1',
      action: { type: 'reminder.snoozed' as const, reminderId: 'r1', days: 7 as const },
      actor: { type: 'user' as const, via: 'link' as const },
      idempotencyKey: 'token-1',
    };
    const first = await recordUserAction(input, deps);
    const second = await recordUserAction(input, deps);
    expect(second).toEqual({ eventId: first.eventId, duplicate: true });
  });

  it('tells different changes from the same link apart', async () => {
    const { deps } = setup();
    const base = {
      userId: 'u1',
      actor: { type: 'user' as const, via: 'link' as const },
      idempotencyKey: 't',
    };
    const a = await recordUserAction(
      { ...base, action: { type: 'reminder.snoozed', reminderId: 'r1', days: 3 } },
      deps,
    );
    const b = await recordUserAction(
      { ...base, action: { type: 'reminder.snoozed', reminderId: 'r1', days: 7 } },
      deps,
    );
    expect(a.eventId).not.toBe(b.eventId);
  });
});

describe('recording SES feedback', () => {
  const bounce = (kind: Feedback['kind'], messageId = 'm1'): Feedback => ({
    email: 'Sam@Example.com',
    kind,
    messageId,
  });

  it('suppresses an address after a permanent bounce, in the timeline and on the SES list', async () => {
    const { deps, suppressionList } = setup();
    const result = await recordFeedback([bounce('permanent_bounce')], deps);
    expect(result).toEqual({ recorded: 1 });
    expect(suppressionList.calls).toEqual([{ email: 'Sam@Example.com', reason: 'BOUNCE' }]);
  });

  it('suppresses an address after a complaint', async () => {
    const { deps, suppressionList } = setup();
    await recordFeedback([bounce('complaint')], deps);
    expect(suppressionList.calls).toEqual([{ email: 'Sam@Example.com', reason: 'COMPLAINT' }]);
  });

  it('only counts a transient bounce, without touching the SES list', async () => {
    const { deps, suppressionList } = setup();
    expect(await recordFeedback([bounce('transient_bounce')], deps)).toEqual({ recorded: 1 });
    expect(suppressionList.calls).toEqual([]);
  });

  it('records a redelivered notification once, under the user id of the normalised address', async () => {
    const { store, deps } = setup();
    await recordFeedback([bounce('transient_bounce')], deps);
    expect(await recordFeedback([bounce('transient_bounce')], deps)).toEqual({ recorded: 0 });
    const again = await recordUserAction(
      {
        userId: userIdFor('sam@example.com'),
        action: { type: 'delivery.bounced_transient' },
        actor: { type: 'ses' },
        idempotencyKey: 'ses:m1:transient_bounce',
      },
      { store, clock: deps.clock },
    );
    expect(again.duplicate).toBe(true);
  });
});
