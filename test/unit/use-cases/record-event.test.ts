import { beforeEach, describe, expect, it } from 'vitest';
import { IdempotencyConflictError, InvalidEventError } from '#shared/errors.ts';
import { recordEvent } from '#shared/use-cases/record-event.ts';
import { fixture } from '../../support/events.ts';
import { InMemoryReminderStore, SettableClock } from '../../support/fakes.ts';

describe('recordEvent', () => {
  let store: InMemoryReminderStore;
  let clock: SettableClock;

  beforeEach(() => {
    store = new InMemoryReminderStore();
    clock = new SettableClock('2026-03-10T14:05:00.000Z');
  });

  it('stores a new event under its client id and reports it as not a duplicate', async () => {
    // Prepare
    const input = fixture('application.submitted');

    // Act
    const result = await recordEvent(input, { store, clock });

    // Assess
    expect(result).toEqual({
      eventId: 'evt-acme-backend-submitted',
      // userIdFor('sam@example.com'), written out so a change to the derivation is noticed here.
      userId: 'u_cd25a6171969f2a3c6e35c76',
      duplicate: false,
    });
    const stored = store.storedEvent(result.userId, result.eventId);
    expect(stored?.event).toEqual(input);
    expect(stored?.occurredAt).toBe('2026-03-10T14:00:00.000Z');
    expect(stored?.receivedAt).toBe('2026-03-10T14:05:00.000Z');
  });

  it('answers a repeat of the same id and content as a duplicate and stores nothing new', async () => {
    // Prepare
    const first = await recordEvent(fixture('application.submitted'), { store, clock });
    clock.advance(30_000);

    // Act
    const second = await recordEvent(fixture('application.submitted'), { store, clock });

    // Assess
    expect(second).toEqual({ eventId: first.eventId, userId: first.userId, duplicate: true });
    expect(store.eventCount()).toBe(1);
    expect(store.storedEvent(first.userId, first.eventId)?.receivedAt).toBe('2026-03-10T14:05:00.000Z');
  });

  it('rejects the same id with different content as an idempotency conflict', async () => {
    // Prepare
    await recordEvent(fixture('application.submitted'), { store, clock });
    const changed = fixture('application.submitted');
    changed.application.company = 'Globex';

    // Act
    const attempt = recordEvent(changed, { store, clock });

    // Assess
    await expect(attempt).rejects.toBeInstanceOf(IdempotencyConflictError);
    await expect(attempt).rejects.toMatchObject({ eventId: 'evt-acme-backend-submitted' });
    expect(store.eventCount()).toBe(1);
  });

  it('derives the same id for identical content without id or occurredAt on the same UTC day', async () => {
    // Prepare
    const input = fixture('application.submitted');
    delete input.id;
    delete input.occurredAt;
    clock.set('2026-03-10T00:00:01.000Z');
    const morning = await recordEvent(structuredClone(input), { store, clock });
    clock.set('2026-03-10T23:59:59.000Z');

    // Act
    const evening = await recordEvent(structuredClone(input), { store, clock });

    // Assess
    expect(morning.eventId).toMatch(/^h_[0-9a-f]{32}$/);
    expect(evening).toEqual({ ...morning, duplicate: true });
    expect(store.eventCount()).toBe(1);
  });

  it('derives a different id for the same content without occurredAt on the next UTC day', async () => {
    // Prepare
    const input = fixture('application.submitted');
    delete input.id;
    delete input.occurredAt;
    clock.set('2026-03-10T23:59:59.000Z');
    const today = await recordEvent(structuredClone(input), { store, clock });
    clock.set('2026-03-11T00:00:01.000Z');

    // Act
    const tomorrow = await recordEvent(structuredClone(input), { store, clock });

    // Assess
    expect(tomorrow.duplicate).toBe(false);
    expect(tomorrow.eventId).toMatch(/^h_[0-9a-f]{32}$/);
    expect(tomorrow.eventId).not.toBe(today.eventId);
    expect(store.eventCount()).toBe(2);
  });

  it('derives the same id on another day when the content carries its own occurredAt', async () => {
    // Prepare
    const input = fixture('application.submitted');
    delete input.id;
    const first = await recordEvent(structuredClone(input), { store, clock });
    clock.advance(3 * 24 * 60 * 60_000);

    // Act
    const later = await recordEvent(structuredClone(input), { store, clock });

    // Assess
    expect(later).toEqual({ ...first, duplicate: true });
  });

  it('defaults occurredAt to the clock when the event does not say when it happened', async () => {
    // Prepare
    const input = fixture('interview.completed');
    delete input.occurredAt;
    clock.set('2026-03-19T16:30:00.000Z');

    // Act
    const result = await recordEvent(input, { store, clock });

    // Assess
    expect(store.storedEvent(result.userId, result.eventId)?.occurredAt).toBe('2026-03-19T16:30:00.000Z');
  });

  it('keys the user by a hash that does not contain the email address', async () => {
    // Prepare
    const input = fixture('application.submitted');
    const sameUserOtherSpelling = fixture('application.submitted');
    sameUserOtherSpelling.id = 'evt-other-spelling';
    sameUserOtherSpelling.user.email = 'Sam@Example.COM';

    // Act
    const result = await recordEvent(input, { store, clock });
    const other = await recordEvent(sameUserOtherSpelling, { store, clock });

    // Assess
    expect(result.userId).toMatch(/^u_[0-9a-f]{24}$/);
    expect(result.userId.toLowerCase()).not.toContain('sam');
    expect(result.userId).not.toContain('example');
    expect(other.userId).toBe(result.userId);
  });

  it('refuses an event that happens more than 5 minutes after the clock, and stores nothing', async () => {
    // Prepare
    const input = { ...fixture('application.submitted'), occurredAt: '2026-03-10T14:10:01Z' };

    // Act
    const attempt = recordEvent(input, { store, clock });

    // Assess
    await expect(attempt).rejects.toBeInstanceOf(InvalidEventError);
    await expect(recordEvent(input, { store, clock })).rejects.toMatchObject({
      issues: [{ path: 'occurredAt', message: expect.stringContaining('5 minutes in the future') }],
    });
    expect(store.storedEvent('u_cd25a6171969f2a3c6e35c76', 'evt-acme-backend-submitted')).toBeUndefined();
  });

  it('accepts clock skew of up to 5 minutes and a backfill of up to 365 days', async () => {
    const ahead = { ...fixture('application.submitted'), id: 'ahead', occurredAt: '2026-03-10T14:10:00Z' };
    const old = { ...fixture('application.submitted'), id: 'old', occurredAt: '2025-03-10T14:05:00Z' };
    await expect(recordEvent(ahead, { store, clock })).resolves.toMatchObject({ duplicate: false });
    await expect(recordEvent(old, { store, clock })).resolves.toMatchObject({ duplicate: false });
  });

  it('refuses an event older than 365 days, judged on the injected clock', async () => {
    const input = { ...fixture('application.submitted'), occurredAt: '2025-03-10T14:04:59Z' };
    await expect(recordEvent(input, { store, clock })).rejects.toMatchObject({
      issues: [{ path: 'occurredAt', message: expect.stringContaining('365 days in the past') }],
    });
  });
});

describe('recordEvent when the SDK retries a put that already landed', () => {
  it('answers not a duplicate, because the stored item carries this request’s own receipt', async () => {
    // Prepare: a store whose first put lands but answers as if it timed out, so the SDK's retry finds the item.
    const store = new InMemoryReminderStore();
    const clock = new SettableClock('2026-03-10T14:05:00.000Z');
    const landedThenRetried = Object.create(store) as InMemoryReminderStore;
    landedThenRetried.putEvent = async (event) => {
      await store.putEvent(event);
      return store.putEvent(event);
    };

    // Act
    const result = await recordEvent(fixture('application.submitted'), { store: landedThenRetried, clock });

    // Assess
    expect(result.duplicate).toBe(false);
    expect(store.eventCount()).toBe(1);
  });

  it('still answers a second request with the same content as a duplicate', async () => {
    // Prepare
    const store = new InMemoryReminderStore();
    const clock = new SettableClock('2026-03-10T14:05:00.000Z');
    await recordEvent(fixture('application.submitted'), { store, clock });

    // Act: a client retry is a new request with a new receipt.
    const again = await recordEvent(fixture('application.submitted'), { store, clock });

    // Assess
    expect(again.duplicate).toBe(true);
  });
});
