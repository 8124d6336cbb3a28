import type { JobEventInput, StoredJobEvent } from '#events/job-event.ts';
import { contentHash, derivedEventId, userIdFor } from '../domain/ids.ts';
import { IdempotencyConflictError } from '../errors.ts';
import type { Clock, ReminderStore } from '../ports.ts';

export interface RecordEventDeps {
  readonly store: ReminderStore;
  readonly clock: Clock;
}

export interface RecordEventResult {
  readonly eventId: string;
  readonly userId: string;
  readonly duplicate: boolean;
}

/**
 * Store one validated intake event exactly once.
 *
 * Input: a contract-valid event. Output: its id and whether it was a repeat.
 * 1. Resolve defaults: `occurredAt` = now; the idempotency key = the client's `id`, else a hash of the content
 *    (and of the UTC day when `occurredAt` is absent).
 * 2. Write it with a condition on its key (`attribute_not_exists`), so retries store nothing new.
 * 3. On a repeat, compare content hashes: same content is a duplicate (202, no effect); different content
 *    under the same `id` is a client bug and raises `IdempotencyConflictError` (409).
 * Planning happens downstream, from the table's stream.
 */
export async function recordEvent(input: JobEventInput, deps: RecordEventDeps): Promise<RecordEventResult> {
  const now = deps.clock.now();
  const userId = userIdFor(input.user.email);
  // Without `id` or `occurredAt`, identical content received on the same UTC day is one event: a retried
  // request counts once, while the same news a day later is new.
  const identity = input.occurredAt
    ? input
    : { ...input, occurredAt: `day:${now.toISOString().slice(0, 10)}` };
  const hash = contentHash(identity);
  const eventId = input.id ?? derivedEventId(identity);
  const stored: StoredJobEvent = {
    eventId,
    userId,
    receivedAt: now.toISOString(),
    occurredAt: input.occurredAt ? new Date(input.occurredAt).toISOString() : now.toISOString(),
    contentHash: hash,
    event: input,
  };
  const result = await deps.store.putEvent(stored);
  if (result.outcome === 'created') return { eventId, userId, duplicate: false };
  // A user action under the same key (ids of actions are derived, so only a client could collide) conflicts too.
  const existing = result.existing;
  if (!('event' in existing) || existing.contentHash !== hash) throw new IdempotencyConflictError(eventId);
  return { eventId, userId, duplicate: true };
}
