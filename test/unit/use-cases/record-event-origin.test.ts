/** `recordEvent` with an origin: the source is stored, and a webhook-id keys a body without `id`. */
import { beforeEach, describe, expect, it } from 'vitest';
import { IdempotencyConflictError } from '#shared/errors.ts';
import { recordEvent, type SourcedJobEvent } from '#shared/use-cases/record-event.ts';
import { fixture } from '../../support/events.ts';
import { InMemoryReminderStore, SettableClock } from '../../support/fakes.ts';

describe('recordEvent from a source', () => {
  let store: InMemoryReminderStore;
  let clock: SettableClock;

  beforeEach(() => {
    store = new InMemoryReminderStore();
    clock = new SettableClock('2026-03-10T14:05:00.000Z');
  });

  const withoutId = () => {
    const input = fixture('application.submitted');
    delete input.id;
    delete input.occurredAt;
    return input;
  };

  it('stores the source and webhook-id beside the event', async () => {
    // Act
    const result = await recordEvent(
      fixture('application.submitted'),
      { store, clock },
      { sourceId: 'acme', webhookId: 'msg_1' },
    );

    // Assess
    const stored = store.storedEvent(result.userId, result.eventId) as SourcedJobEvent | undefined;
    expect(stored).toMatchObject({
      sourceId: 'acme',
      webhookId: 'msg_1',
      eventId: 'evt-acme-backend-submitted',
    });
  });

  it('keys on a webhook-id of any length but stores only a sane one', async () => {
    // Prepare
    const long = 'm'.repeat(5000);

    // Act
    const result = await recordEvent(withoutId(), { store, clock }, { sourceId: 'acme', webhookId: long });

    // Assess
    const stored = store.storedEvent(result.userId, result.eventId) as SourcedJobEvent | undefined;
    expect(result.eventId).toMatch(/^w_[0-9a-f]{32}$/);
    expect(stored?.sourceId).toBe('acme');
    expect(stored?.webhookId).toBeUndefined();
  });

  it('keys a body without id on its webhook-id, across days', async () => {
    // Prepare
    const first = await recordEvent(withoutId(), { store, clock }, { sourceId: 'acme', webhookId: 'msg_1' });
    clock.advance(2 * 24 * 60 * 60_000);

    // Act
    const redelivered = await recordEvent(
      withoutId(),
      { store, clock },
      { sourceId: 'acme', webhookId: 'msg_1' },
    );

    // Assess
    expect(redelivered).toEqual({ ...first, duplicate: true });
    expect(store.eventCount()).toBe(1);
  });

  it('scopes webhook-ids to their source: the same id from two sources is two events', async () => {
    // Act
    const a = await recordEvent(withoutId(), { store, clock }, { sourceId: 'acme', webhookId: '1' });
    const b = await recordEvent(withoutId(), { store, clock }, { sourceId: 'globex', webhookId: '1' });

    // Assess
    expect(a.eventId).not.toBe(b.eventId);
    expect(store.eventCount()).toBe(2);
  });

  it('refuses other content under a webhook-id already used, as a conflict', async () => {
    // Prepare
    await recordEvent(withoutId(), { store, clock }, { sourceId: 'acme', webhookId: 'msg_1' });
    const changed = withoutId();
    changed.application.company = 'Globex';

    // Act
    const attempt = recordEvent(changed, { store, clock }, { sourceId: 'acme', webhookId: 'msg_1' });

    // Assess
    await expect(attempt).rejects.toBeInstanceOf(IdempotencyConflictError);
  });

  it('keeps the rules of today for a body without id sent with an API key', async () => {
    // Act
    const result = await recordEvent(withoutId(), { store, clock }, { sourceId: 'acme' });

    // Assess
    expect(result.eventId).toMatch(/^h_[0-9a-f]{32}$/);
  });
});
