import { randomUUID } from 'node:crypto';
import { type JobEventInput, occurredAtIssues, type StoredJobEvent } from '#events/job-event.ts';
import { contentHash, derivedEventId, userIdFor } from '../domain/ids.ts';
import { webhookEventId } from '../domain/sources.ts';
import { IdempotencyConflictError, InvalidEventError } from '../errors.ts';
import type { Clock, ReminderStore } from '../ports.ts';

export interface RecordEventDeps {
  readonly store: ReminderStore;
  readonly clock: Clock;
}

/** Printable ASCII without spaces, at most 128 characters: the contract's rule for an `id`. */
const STORABLE_WEBHOOK_ID = /^[\x21-\x7e]{1,128}$/;

/** Who sent the event: stored with it, so the admin view can show it. */
export interface EventOrigin {
  readonly sourceId: string;
  /** The `webhook-id` of a signed delivery: the idempotency key when the body has no `id`. */
  readonly webhookId?: string | undefined;
}

/** The stored item: the contract's stored event, and its source when intake knew one. */
export type SourcedJobEvent = StoredJobEvent & {
  readonly sourceId?: string | undefined;
  readonly webhookId?: string | undefined;
  /**
   * A random id of the request that stored it. When the SDK retries a put whose first attempt did land (a
   * timeout after DynamoDB wrote), the retry finds the item: its own receipt says it was this request's
   * write, not a repeat, so the answer stays `duplicate: false`.
   */
  readonly receiptId?: string | undefined;
};

export interface RecordEventResult {
  readonly eventId: string;
  readonly userId: string;
  readonly duplicate: boolean;
}

/**
 * Store one validated intake event exactly once.
 *
 * Input: a contract-valid event and, from an authenticated request, its origin. Output: its id and whether
 * it was a repeat.
 * 1. Check `occurredAt` against the clock (at most 5 minutes ahead, at most 365 days back: `occurredAtIssues`);
 *    outside that window the event is refused (400) and nothing is written. The clock is a port, so the twin's
 *    virtual time judges it there.
 * 2. Resolve defaults: `occurredAt` = now; the idempotency key = the client's `id`, else the `webhook-id` of a
 *    signed delivery (scoped to its source), else a hash of the content (and of the UTC day when `occurredAt`
 *    is absent).
 * 3. Write it with a condition on its key (`attribute_not_exists`), so retries store nothing new.
 * 4. On a repeat, compare content hashes: same content is a duplicate (202, no effect); different content
 *    under the same `id` is a client bug and raises `IdempotencyConflictError` (409). A "repeat" carrying this
 *    request's own receipt id is this request's write, landed by an earlier attempt of the SDK's retry: new.
 * Planning happens downstream, from the table's stream.
 */
export async function recordEvent(
  input: JobEventInput,
  deps: RecordEventDeps,
  origin?: EventOrigin,
): Promise<RecordEventResult> {
  const now = deps.clock.now();
  const issues = occurredAtIssues(input, now);
  if (issues.length > 0) throw new InvalidEventError(issues);
  const userId = userIdFor(input.user.email);
  const webhookKey = input.id === undefined && origin?.webhookId !== undefined;
  // Without `id` or `occurredAt`, identical content received on the same UTC day is one event: a retried
  // request counts once, while the same news a day later is new. A `webhook-id` needs no day: a sender's
  // redeliveries (Standard Webhooks senders retry for days) carry the same id and are the same event.
  const identity =
    input.occurredAt || webhookKey
      ? input
      : { ...input, occurredAt: `day:${now.toISOString().slice(0, 10)}` };
  const hash = contentHash(identity);
  const eventId =
    input.id ??
    (webhookKey && origin?.webhookId !== undefined
      ? webhookEventId(origin.sourceId, origin.webhookId)
      : derivedEventId(identity));
  const stored: SourcedJobEvent = {
    eventId,
    userId,
    receivedAt: now.toISOString(),
    occurredAt: input.occurredAt ? new Date(input.occurredAt).toISOString() : now.toISOString(),
    contentHash: hash,
    event: input,
    receiptId: randomUUID(),
    ...(origin ? { sourceId: origin.sourceId } : {}),
    // Kept for support when it is a sane id; any webhook-id still keys idempotency (hashed).
    ...(origin?.webhookId !== undefined && STORABLE_WEBHOOK_ID.test(origin.webhookId)
      ? { webhookId: origin.webhookId }
      : {}),
  };
  const result = await deps.store.putEvent(stored);
  if (result.outcome === 'created') return { eventId, userId, duplicate: false };
  // A user action under the same key (ids of actions are derived, so only a client could collide) conflicts too.
  const existing = result.existing;
  if (!('event' in existing) || existing.contentHash !== hash) throw new IdempotencyConflictError(eventId);
  const ours = (existing as SourcedJobEvent).receiptId === stored.receiptId;
  return { eventId, userId, duplicate: !ours };
}
