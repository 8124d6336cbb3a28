/**
 * `ReminderStore` on one DynamoDB table (see `shared/table-definition.ts` for the access patterns).
 * Every state change is a conditional write, so retries, redeliveries and races converge on one outcome.
 */
import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  BatchWriteCommand,
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  type QueryCommandInput,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { ErasureMarker } from '../domain/erasure.ts';
import type {
  ApplicationState,
  Cancellation,
  Digest,
  EventFailure,
  NewReminder,
  Reminder,
  ReminderMove,
  UserProfile,
} from '../domain/model.ts';
import { historyExpiry } from '../domain/retention.ts';
import { ConcurrencyError, ReboundError } from '../errors.ts';
import type {
  ChangeStamp,
  ClaimResult,
  ConfirmationClaim,
  DueState,
  PendingRead,
  PlanningState,
  PlanWrite,
  PutEventResult,
  ReminderStore,
  TimelineEvent,
} from '../ports.ts';
import { TABLE_DEFINITION } from '../table-definition.ts';

export const keys = {
  user: (userId: string) => `USER#${userId}`,
  profile: () => 'PROFILE',
  event: (eventId: string) => `EVENT#${eventId}`,
  application: (ref: string) => `APP#${ref}`,
  reminder: (reminderId: string) => `REMINDER#${reminderId}`,
  digest: (digestId: string) => `DIGEST#${digestId}`,
  /** The address-free marker an erasure leaves (see `shared/domain/erasure.ts`). */
  erased: () => 'ERASED',
  /** Pending reminders with a timer, by due time: the reconciler's view (gsi1). */
  pendingPartition: 'PENDING',
  /** Pending reminders held for consent, by due time (gsi1): only the admin view reads it. */
  heldPartition: 'HELD',
  sendingPartition: 'SENDING',
  /** Digests completed on a UTC day (`YYYY-MM-DD`), by `sentAt` (gsi1): emails sent per day. */
  sentPartition: (day: string) => `SENT#${day}`,
  /** SES bounces and complaints recorded on a UTC day, by `receivedAt` (gsi1). */
  feedbackPartition: (day: string) => `FEEDBACK#${day}`,
  /** The profile's sort key on the user's live index (gsi2): before every `<dueAt>#…`, so one Query reads both. */
  liveProfile: '#PROFILE',
} as const;

/** The TTL attribute: an unconfirmed user's items carry it (see `shared/domain/admission.ts`). */
const TTL = TABLE_DEFINITION.timeToLiveAttribute;

/**
 * Attributes that are the table's bookkeeping, not part of the domain object an item holds: index keys (a
 * profile written before the live index may still carry the old users-by-recency keys `USERS`/`<updatedAt>`
 * in `gsi2pk`/`gsi2sk`; the planner rewrites it onto the live index, see `PlanningState.profileNotIndexed`).
 * The TTL is bookkeeping too, except on a profile and an erasure marker, whose domain objects carry it.
 */
const ITEM_META = ['pk', 'sk', 'type', 'gsi1pk', 'gsi1sk', 'gsi2pk', 'gsi2sk', 'dueKey', TTL] as const;
const KEYS_ONLY = ['pk', 'sk', 'type', 'gsi2pk', 'gsi2sk'] as const;
/**
 * What the planner adds to an event item, and the feedback kind `putEvent` adds to SES feedback; the stored
 * event is what intake wrote.
 */
export const EVENT_META = ['plannedAt', 'status', 'failedAt', 'failureReason', 'feedback'] as const;

/** The item without the table's bookkeeping (index keys, type, TTL) and the `extra` attributes. */
export function strip<T>(item: Record<string, unknown>, extra: readonly string[] = []): T {
  const copy: Record<string, unknown> = { ...item };
  for (const k of [...ITEM_META, ...extra]) delete copy[k];
  return copy as T;
}

/** A profile or erasure marker: only the keys are bookkeeping; `expiresAt` is part of the object. */
export function stripKeys<T>(item: Record<string, unknown>): T {
  const copy: Record<string, unknown> = { ...item };
  for (const k of KEYS_ONLY) delete copy[k];
  return copy as T;
}

const BATCH_WRITE_LIMIT = 25;
/** A put or a delete of a BatchWriteItem, as the document client takes it. */
type WriteRequest =
  | { readonly PutRequest: { readonly Item: Record<string, unknown> } }
  | { readonly DeleteRequest: { readonly Key: Record<string, unknown> } };
const BATCH_RETRIES = 8;

export const dueKeyOf = (r: { dueAt: string; reminderId: string }) => `${r.dueAt}#${r.reminderId}`;

/** The UTC day (`YYYY-MM-DD`) of an ISO instant: the day partitions of gsi1 are named by it. */
export const utcDayOf = (iso: string) => new Date(iso).toISOString().slice(0, 10);

/** What an SES feedback action counts as on the admin view's dashboard. */
export type FeedbackKind = 'bounce' | 'complaint';

/**
 * Bounces (permanent or transient) and complaints that SES reported: stored on gsi1 under their UTC day, so
 * the admin view counts them with one Query per day rather than reading every user's timeline.
 */
function feedbackKindOf(event: TimelineEvent): FeedbackKind | undefined {
  if (!('action' in event) || event.actor.type !== 'ses') return undefined;
  const action = event.action;
  if (action.type === 'delivery.bounced_transient') return 'bounce';
  if (action.type === 'consent.suppressed' && action.reason === 'bounce') return 'bounce';
  if (action.type === 'consent.suppressed' && action.reason === 'complaint') return 'complaint';
  return undefined;
}

/** The gsi1 entry and feedback kind of an SES feedback event (nothing for any other event). */
function feedbackIndexOf(event: TimelineEvent): Record<string, string> {
  const feedback = feedbackKindOf(event);
  if (feedback === undefined) return {};
  return {
    gsi1pk: keys.feedbackPartition(utcDayOf(event.receivedAt)),
    gsi1sk: `${event.receivedAt}#${event.eventId}`,
    feedback,
  };
}
/** Reminders on the live index sort after the profile (`#PROFILE`): every due key starts with a digit. */
const FIRST_DUE_KEY = '0';
/** Unprocessed keys of a BatchGetItem are asked again, up to this many times. */
const BATCH_GET_RETRIES = 5;

/**
 * Up to 100 items by key, strongly consistent, in one BatchGetItem; keys DynamoDB leaves unprocessed are asked
 * again with a short back-off, up to `BATCH_GET_RETRIES` times. Shared by the store and the admin store.
 */
export async function batchGetConsistent(
  client: DynamoDBDocumentClient,
  tableName: string,
  wanted: readonly Record<string, unknown>[],
): Promise<Record<string, unknown>[]> {
  const found: Record<string, unknown>[] = [];
  let pending: Record<string, unknown>[] = [...wanted];
  for (let attempt = 0; pending.length > 0; attempt += 1) {
    if (attempt >= BATCH_GET_RETRIES) {
      throw new ReboundError(
        `BatchGetItem: ${pending.length} keys left unprocessed after ${attempt} attempts`,
      );
    }
    if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 25 * 2 ** attempt));
    const res = await client.send(
      new BatchGetCommand({ RequestItems: { [tableName]: { Keys: pending, ConsistentRead: true } } }),
    );
    found.push(...(res.Responses?.[tableName] ?? []));
    pending = res.UnprocessedKeys?.[tableName]?.Keys ?? [];
  }
  return found;
}

export class DynamoDbReminderStore implements ReminderStore {
  public constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  public async putEvent(event: TimelineEvent): Promise<PutEventResult> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            pk: keys.user(event.userId),
            sk: keys.event(event.eventId),
            type: 'event',
            ...event,
            ...feedbackIndexOf(event),
          },
          ConditionExpression: 'attribute_not_exists(pk)',
          // A repeat comes back with the stored copy in the same round trip: no second read.
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { outcome: 'created' };
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) {
        const existing = error.Item
          ? strip<TimelineEvent>(unmarshall(error.Item), EVENT_META)
          : await this.getEvent(event.userId, event.eventId);
        if (!existing)
          throw new ConcurrencyError('Event vanished after a conditional failure', { cause: error });
        return { outcome: 'duplicate', existing };
      }
      throw error;
    }
  }

  private async getEvent(userId: string, eventId: string): Promise<TimelineEvent | undefined> {
    const res = await this.client.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { pk: keys.user(userId), sk: keys.event(eventId) },
        ConsistentRead: true,
      }),
    );
    return res.Item ? strip<TimelineEvent>(res.Item, EVENT_META) : undefined;
  }

  public async loadPlanningState(
    userId: string,
    eventId: string,
    applicationRef: string | undefined,
    pending: PendingRead,
  ): Promise<PlanningState> {
    const pk = keys.user(userId);
    const wanted = [
      { pk, sk: keys.profile() },
      { pk, sk: keys.event(eventId) },
      ...(applicationRef ? [{ pk, sk: keys.application(applicationRef) }] : []),
    ];
    // One strongly consistent round trip for the items, one for the pending reminders.
    const [items, reminders] = await Promise.all([
      this.getMany(wanted),
      pending === 'index' ? this.queryLive(userId, FIRST_DUE_KEY, undefined) : this.listPending(userId),
    ]);
    const profileItem = items.get(keys.profile());
    const eventItem = items.get(keys.event(eventId));
    const appItem = applicationRef ? items.get(keys.application(applicationRef)) : undefined;
    // The marker matters only to a user without a profile: read it then, not on every event.
    const erasure = profileItem ? undefined : await this.getErasureMarker(userId);
    return {
      profile: profileItem ? stripKeys<UserProfile>(profileItem) : undefined,
      application: appItem ? strip<ApplicationState>(appItem) : undefined,
      pending: reminders,
      alreadyPlanned: typeof eventItem?.plannedAt === 'string',
      eventStored: eventItem !== undefined,
      ...(erasure ? { erasure } : {}),
      ...(profileItem && profileItem.gsi2pk !== pk ? { profileNotIndexed: true } : {}),
    };
  }

  public async listPending(userId: string): Promise<readonly Reminder[]> {
    return this.queryReminders(userId, {
      FilterExpression: '#status = :pending',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':pending': 'pending' },
    });
  }

  /** Items of one user by sort key, strongly consistent, in one BatchGetItem (keys it left out asked again). */
  private async getMany(
    wanted: readonly { pk: string; sk: string }[],
  ): Promise<Map<string, Record<string, unknown>>> {
    const items = await batchGetConsistent(this.client, this.tableName, wanted);
    return new Map(items.map((item) => [String(item.sk), item]));
  }

  /**
   * The user's live index (gsi2) from `from` up to `until` (sort keys, inclusive): the profile is `#PROFILE`,
   * reminders `<dueAt>#<reminderId>`. Eventually consistent.
   */
  private async queryLive(
    userId: string,
    from: string,
    until: string | undefined,
    filter?: Pick<QueryCommandInput, 'FilterExpression'>,
  ): Promise<Reminder[]> {
    const items = await this.queryAll(
      {
        TableName: this.tableName,
        IndexName: 'gsi2',
        KeyConditionExpression:
          until === undefined
            ? 'gsi2pk = :u AND gsi2sk >= :from'
            : 'gsi2pk = :u AND gsi2sk BETWEEN :from AND :until',
        ...filter,
        ExpressionAttributeValues: {
          ':u': keys.user(userId),
          ':from': from,
          ...(until === undefined ? {} : { ':until': until }),
        },
      },
      Number.POSITIVE_INFINITY,
    );
    return items.map((i) => strip<Reminder>(i));
  }

  private async getErasureMarker(userId: string): Promise<ErasureMarker | undefined> {
    const res = await this.client.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { pk: keys.user(userId), sk: keys.erased() },
        ConsistentRead: true,
      }),
    );
    return res.Item ? stripKeys<ErasureMarker>(res.Item) : undefined;
  }

  public async applyPlan(plan: PlanWrite): Promise<void> {
    const { userId, eventId } = plan.event;
    const pk = keys.user(userId);
    const stamp = { by: eventId, at: plan.plannedAt };
    // What this plan turns into history expires with an unconfirmed user's data, or after the retention.
    const historyTtl = plan.expiresAt ?? historyExpiry(plan.plannedAt);
    // Cancellations, moves and done marks first, one conditional update each: idempotent, and not bound by
    // the 100-item transaction limit when an accepted offer or a confirmation touches a long list.
    await this.cancelWith(userId, plan.cancel, stamp, historyTtl);
    await this.moveReminders(userId, plan.move ?? [], stamp);
    for (const reminderId of plan.done ?? []) {
      try {
        await this.client.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: { pk, sk: keys.reminder(reminderId) },
            // The first "I did it" is the one on record.
            UpdateExpression: 'SET doneAt = if_not_exists(doneAt, :at)',
            ConditionExpression: 'attribute_exists(pk)',
            ExpressionAttributeValues: { ':at': plan.plannedAt },
          }),
        );
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
      }
    }

    // New pending reminders are live: they expire only with an unconfirmed user's data.
    const ttl = plan.expiresAt === undefined ? {} : { [TTL]: plan.expiresAt };
    const items: NonNullable<ConstructorParameters<typeof TransactWriteCommand>[0]['TransactItems']> = [
      {
        Update: {
          TableName: this.tableName,
          Key: { pk, sk: keys.event(eventId) },
          // Planned, the event is history.
          UpdateExpression: 'SET plannedAt = :at, #ttl = :ttl',
          ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(plannedAt)',
          ExpressionAttributeNames: { '#ttl': TTL },
          ExpressionAttributeValues: { ':at': plan.plannedAt, ':ttl': historyTtl },
        },
      },
    ];
    if (plan.profile) {
      items.push({
        Put: {
          TableName: this.tableName,
          Item: profileItem(plan.profile),
        },
      });
    }
    if (plan.application) {
      items.push({
        Put: {
          TableName: this.tableName,
          Item: {
            pk,
            sk: keys.application(plan.application.ref),
            type: 'application',
            ...plan.application,
            // Kept the retention after its last write (or with an unconfirmed user's data).
            [TTL]: plan.expiresAt ?? historyExpiry(plan.application.updatedAt),
          },
        },
      });
    }
    for (const r of plan.create) {
      items.push({
        Put: {
          TableName: this.tableName,
          Item: { ...reminderItem(r), ...ttl },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      });
    }
    try {
      await this.client.send(new TransactWriteCommand({ TransactItems: items }));
    } catch (error) {
      if (error instanceof TransactionCanceledException) {
        throw new ConcurrencyError(`Plan for event ${eventId} lost a race`, { cause: error });
      }
      throw error;
    }
  }

  /** Outside a plan (the sender's check at send time) the user is not unconfirmed: history retention. */
  public async cancelReminders(
    userId: string,
    cancel: readonly Cancellation[],
    stamp: ChangeStamp,
  ): Promise<void> {
    await this.cancelWith(userId, cancel, stamp, historyExpiry(stamp.at));
  }

  /** Cancel each reminder that is still pending; cancelled, it is history and expires at `ttl` (or sooner). */
  private async cancelWith(
    userId: string,
    cancel: readonly Cancellation[],
    stamp: ChangeStamp,
    ttl: number,
  ): Promise<void> {
    for (const c of cancel) {
      try {
        await this.client.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: { pk: keys.user(userId), sk: keys.reminder(c.reminderId) },
            UpdateExpression:
              // A held reminder's sooner expiry (its user never confirmed) stands.
              'SET #status = :cancelled, cancelledAt = :at, cancelledBy = :by, cancelReason = :reason, #ttl = if_not_exists(#ttl, :ttl) REMOVE gsi1pk, gsi1sk, gsi2pk, gsi2sk',
            ConditionExpression: '#status = :pending',
            ExpressionAttributeNames: { '#status': 'status', '#ttl': TTL },
            ExpressionAttributeValues: {
              ':cancelled': 'cancelled',
              ':pending': 'pending',
              ':at': stamp.at,
              ':by': stamp.by,
              ':reason': c.reason,
              ':ttl': ttl,
            },
          }),
        );
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
        // Already sent, sending or cancelled: nothing to cancel.
      }
    }
  }

  public async moveReminders(
    userId: string,
    move: readonly ReminderMove[],
    stamp: ChangeStamp,
  ): Promise<void> {
    for (const m of move) {
      const dueKey = dueKeyOf(m);
      try {
        await this.client.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: { pk: keys.user(userId), sk: keys.reminder(m.reminderId) },
            // A held reminder stays off the pending index (on the held one, under its new time); any other move
            // puts it (back) on the pending index, released. Both stay on the user's live index.
            UpdateExpression: m.held
              ? 'SET dueAt = :due, dueKey = :key, gsi1pk = :p, gsi1sk = :key, gsi2sk = :key, movedBy = :by, movedAt = :at'
              : 'SET dueAt = :due, dueKey = :key, gsi1pk = :p, gsi1sk = :key, gsi2sk = :key, movedBy = :by, movedAt = :at REMOVE held, #ttl',
            ConditionExpression: '#status = :pending',
            ExpressionAttributeNames: { '#status': 'status', ...(m.held ? {} : { '#ttl': TTL }) },
            ExpressionAttributeValues: {
              ':pending': 'pending',
              ':due': m.dueAt,
              ':key': dueKey,
              ':by': stamp.by,
              ':at': stamp.at,
              ':p': m.held ? keys.heldPartition : keys.pendingPartition,
            },
          }),
        );
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
        // No longer pending (claimed, sent, cancelled): it stays as it is.
      }
    }
  }

  /**
   * Each item is read whole and written back whole with its new TTL, 25 to a BatchWriteItem: a refresh of an
   * unconfirmed user's 200 items is 1 Query and 8 calls rather than 201. A put has no condition, so this relies
   * on what the callers guarantee: the user is unconfirmed (or confirming in this very plan), so no sender
   * claims their reminders (all held) and only the planner, one event of the user at a time, writes their
   * existing items; intake and the links only add new events, which are not in the list read here. An item
   * the TTL deletes between the read and the put comes back, as if the deletion had come a moment later.
   */
  public async setExpiry(
    userId: string,
    expiresAt: number | undefined,
    historyExpiresAt?: number,
  ): Promise<void> {
    const items = await this.queryAll(
      {
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': keys.user(userId) },
        ConsistentRead: true,
      },
      Number.POSITIVE_INFINITY,
    );
    // Confirmed from now: live items stop expiring, history gets `historyExpiresAt`.
    const ttlOf = (item: Record<string, unknown>): number | undefined =>
      expiresAt ?? (isLive(item) ? undefined : historyExpiresAt);
    const puts = items
      // The erasure marker keeps its own lifetime.
      .filter((item) => item.sk !== keys.erased() && item[TTL] !== ttlOf(item))
      .map((item) => {
        const { [TTL]: _old, ...rest } = item;
        const ttl = ttlOf(item);
        return { PutRequest: { Item: ttl === undefined ? rest : { ...rest, [TTL]: ttl } } };
      });
    for (let i = 0; i < puts.length; i += BATCH_WRITE_LIMIT) {
      await this.writeBatch(puts.slice(i, i + BATCH_WRITE_LIMIT));
    }
  }

  public async claimConfirmation(userId: string, claim: ConfirmationClaim): Promise<boolean> {
    const values: Record<string, unknown> = {
      ':unconfirmed': 'unconfirmed',
      ':count': claim.previousCount + 1,
      ':at': claim.at,
    };
    const lastIsAsRead =
      claim.previousAt === undefined
        ? 'attribute_not_exists(lastConfirmationAt)'
        : 'lastConfirmationAt = :previousAt';
    if (claim.previousAt !== undefined) values[':previousAt'] = claim.previousAt;
    const countIsAsRead =
      claim.previousCount === 0
        ? '(attribute_not_exists(confirmationsSent) OR confirmationsSent = :previousCount)'
        : 'confirmationsSent = :previousCount';
    values[':previousCount'] = claim.previousCount;
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: keys.user(userId), sk: keys.profile() },
          UpdateExpression: 'SET confirmationsSent = :count, lastConfirmationAt = :at',
          ConditionExpression: `attribute_exists(pk) AND (attribute_not_exists(consent) OR consent = :unconfirmed) AND ${lastIsAsRead} AND ${countIsAsRead}`,
          ExpressionAttributeValues: values,
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  public async releaseConfirmation(userId: string, claim: ConfirmationClaim): Promise<void> {
    const set: string[] = [];
    const remove: string[] = [];
    const values: Record<string, unknown> = { ':at': claim.at, ':count': claim.previousCount + 1 };
    if (claim.previousAt === undefined) remove.push('lastConfirmationAt');
    else {
      set.push('lastConfirmationAt = :previousAt');
      values[':previousAt'] = claim.previousAt;
    }
    if (claim.previousCount === 0) remove.push('confirmationsSent');
    else {
      set.push('confirmationsSent = :previousCount');
      values[':previousCount'] = claim.previousCount;
    }
    const expression = [
      set.length > 0 ? `SET ${set.join(', ')}` : '',
      remove.length > 0 ? `REMOVE ${remove.join(', ')}` : '',
    ]
      .filter(Boolean)
      .join(' ');
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: keys.user(userId), sk: keys.profile() },
          UpdateExpression: expression,
          ConditionExpression: 'lastConfirmationAt = :at AND confirmationsSent = :count',
          ExpressionAttributeValues: values,
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      // Another claim came after this one: it stands.
    }
  }

  public async eraseUser(
    userId: string,
    marker: ErasureMarker | undefined,
    requestEventId: string,
  ): Promise<void> {
    const pk = keys.user(userId);
    if (marker) {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { pk, sk: keys.erased(), type: 'erasure', ...marker },
        }),
      );
    }
    const items = await this.queryAll(
      {
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk',
        ProjectionExpression: 'pk, sk',
        ExpressionAttributeValues: { ':pk': pk },
        ConsistentRead: true,
      },
      Number.POSITIVE_INFINITY,
    );
    const request = keys.event(requestEventId);
    const doomed = items.filter((i) => i.sk !== keys.erased() && i.sk !== request);
    for (let i = 0; i < doomed.length; i += BATCH_WRITE_LIMIT) {
      await this.deleteBatch(
        doomed.slice(i, i + BATCH_WRITE_LIMIT).map((item) => ({ pk: item.pk, sk: item.sk })),
      );
    }
    await this.client.send(new DeleteCommand({ TableName: this.tableName, Key: { pk, sk: request } }));
  }

  /** One BatchWriteItem of deletes, re-sending what DynamoDB left unprocessed (with a short backoff). */
  private async deleteBatch(itemKeys: readonly Record<string, unknown>[]): Promise<void> {
    await this.writeBatch(itemKeys.map((Key) => ({ DeleteRequest: { Key } })));
  }

  /** One BatchWriteItem (at most 25 requests), re-sending what DynamoDB left unprocessed (short backoff). */
  private async writeBatch(batch: readonly WriteRequest[]): Promise<void> {
    let requests: WriteRequest[] = [...batch];
    for (let attempt = 0; requests.length > 0; attempt += 1) {
      if (attempt >= BATCH_RETRIES) {
        throw new ReboundError(
          `BatchWriteItem: ${requests.length} writes left unprocessed after ${attempt} attempts`,
        );
      }
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** attempt));
      const res = await this.client.send(
        new BatchWriteCommand({ RequestItems: { [this.tableName]: requests } }),
      );
      requests = (res.UnprocessedItems?.[this.tableName] ?? []) as WriteRequest[];
    }
  }

  public async markEventFailed(userId: string, eventId: string, failure: EventFailure): Promise<void> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: keys.user(userId), sk: keys.event(eventId) },
          // Failed for good, the event is history; an unconfirmed user's sooner expiry stands.
          UpdateExpression:
            'SET #status = :failed, failedAt = :at, failureReason = :reason, #ttl = if_not_exists(#ttl, :ttl)',
          // An update must not create an item: an event that is not stored has nothing to mark.
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeNames: { '#status': 'status', '#ttl': TTL },
          ExpressionAttributeValues: {
            ':failed': 'failed',
            ':at': failure.failedAt,
            ':reason': failure.reason.slice(0, 500),
            ':ttl': historyExpiry(failure.failedAt),
          },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  public async remindersTouchedBy(userId: string, eventId: string): Promise<readonly Reminder[]> {
    return this.queryReminders(userId, {
      FilterExpression: 'sourceEventId = :e OR cancelledBy = :e OR movedBy = :e',
      ExpressionAttributeValues: { ':e': eventId },
    });
  }

  public async getProfile(userId: string, consistent = false): Promise<UserProfile | undefined> {
    const res = await this.client.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { pk: keys.user(userId), sk: keys.profile() },
        ...(consistent ? { ConsistentRead: true } : {}),
      }),
    );
    return res.Item ? stripKeys<UserProfile>(res.Item) : undefined;
  }

  public async getReminder(userId: string, reminderId: string): Promise<Reminder | undefined> {
    const res = await this.client.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { pk: keys.user(userId), sk: keys.reminder(reminderId) },
        ConsistentRead: true,
      }),
    );
    return res.Item ? strip<Reminder>(res.Item) : undefined;
  }

  public async getApplication(userId: string, ref: string): Promise<ApplicationState | undefined> {
    const res = await this.client.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { pk: keys.user(userId), sk: keys.application(ref) },
        ConsistentRead: true,
      }),
    );
    return res.Item ? strip<ApplicationState>(res.Item) : undefined;
  }

  public async loadDue(
    userId: string,
    until: Date,
    options: { readonly consistent?: boolean } = {},
  ): Promise<DueState> {
    const bound = `${until.toISOString()}#~`;
    if (options.consistent) {
      const [profile, due] = await Promise.all([
        this.getProfile(userId, true),
        this.queryReminders(userId, {
          FilterExpression: '#status = :pending AND dueAt <= :until AND attribute_not_exists(held)',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':pending': 'pending', ':until': until.toISOString() },
        }),
      ]);
      return { profile, due: [...due].sort((a, b) => a.dueAt.localeCompare(b.dueAt)) };
    }
    // One Query: the profile (`#PROFILE`) and the reminders due, held ones (waiting for consent) left out.
    const items = await this.queryAll(
      {
        TableName: this.tableName,
        IndexName: 'gsi2',
        KeyConditionExpression: 'gsi2pk = :u AND gsi2sk <= :until',
        FilterExpression: 'attribute_not_exists(held)',
        ExpressionAttributeValues: { ':u': keys.user(userId), ':until': bound },
      },
      Number.POSITIVE_INFINITY,
    );
    const profileItem = items.find((i) => i.sk === keys.profile());
    const due = items.filter((i) => i.sk !== keys.profile()).map((i) => strip<Reminder>(i));
    // A profile written before the live index is not on it yet.
    const profile = profileItem ? stripKeys<UserProfile>(profileItem) : await this.getProfile(userId);
    return { profile, due };
  }

  public async listAllPendingDue(until: Date, limit: number): Promise<readonly Reminder[]> {
    const items = await this.queryAll(
      {
        TableName: this.tableName,
        IndexName: 'gsi1',
        KeyConditionExpression: 'gsi1pk = :p AND gsi1sk <= :until',
        ExpressionAttributeValues: { ':p': keys.pendingPartition, ':until': `${until.toISOString()}#~` },
      },
      limit,
    );
    return items.map((i) => strip<Reminder>(i));
  }

  public async claimDigest(digest: Digest, dueBy: string): Promise<ClaimResult> {
    const pk = keys.user(digest.userId);
    try {
      await this.client.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.tableName,
                Item: {
                  pk,
                  sk: keys.digest(digest.digestId),
                  type: 'digest',
                  gsi1pk: keys.sendingPartition,
                  gsi1sk: `${digest.claimedAt}#${digest.digestId}`,
                  ...digest,
                  [TTL]: historyExpiry(digest.claimedAt),
                },
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
            ...digest.reminderIds.map((reminderId) => ({
              Update: {
                TableName: this.tableName,
                Key: { pk, sk: keys.reminder(reminderId) },
                // Sent from here on: the digest, not the reminder, says whether the email went (see
                // `completeDigest`), so ending the send is one update of the digest.
                UpdateExpression:
                  'SET #status = :sent, claimedAt = :at, sentAt = :at, digestId = :d, #ttl = :ttl REMOVE gsi1pk, gsi1sk, gsi2pk, gsi2sk',
                // Due by now: a read of the live index may lag a move to a later slot.
                ConditionExpression: '#status = :pending AND attribute_not_exists(held) AND dueAt <= :dueBy',
                ExpressionAttributeNames: { '#status': 'status', '#ttl': TTL },
                ExpressionAttributeValues: {
                  ':ttl': historyExpiry(digest.claimedAt),
                  ':sent': 'sent',
                  ':pending': 'pending',
                  ':at': digest.claimedAt,
                  ':d': digest.digestId,
                  ':dueBy': dueBy,
                },
              },
            })),
          ],
        }),
      );
      return { outcome: 'claimed', digest };
    } catch (error) {
      if (error instanceof TransactionCanceledException) return { outcome: 'lost' };
      throw error;
    }
  }

  public async completeDigest(digest: Digest, messageId: string, sentAt: string): Promise<void> {
    // One update: the claim already marked the reminders sent, under this digest. It leaves the stuck view
    // (SENDING) for its day's sent view, where the admin view counts emails per day.
    await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { pk: keys.user(digest.userId), sk: keys.digest(digest.digestId) },
        UpdateExpression: 'SET #status = :sent, messageId = :m, sentAt = :at, gsi1pk = :day, gsi1sk = :key',
        ConditionExpression: '#status = :sending',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':sent': 'sent',
          ':sending': 'sending',
          ':m': messageId,
          ':at': sentAt,
          ':day': keys.sentPartition(utcDayOf(sentAt)),
          ':key': `${sentAt}#${digest.digestId}`,
        },
      }),
    );
  }

  /**
   * The provider refused the email for sure: the digest becomes `failed` and its reminders pending again (back
   * on the pending and live indexes; dueKey keeps their sort key), one more refused send counted on each, so the
   * retry claims them under a new digest id. All or nothing: the digest must still be `sending`, and each
   * reminder still claimed by this very digest (a stale claim can never release someone else's).
   */
  public async releaseDigest(digest: Digest, reason: string): Promise<void> {
    const pk = keys.user(digest.userId);
    await this.client.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Update: {
              TableName: this.tableName,
              Key: { pk, sk: keys.digest(digest.digestId) },
              UpdateExpression: 'SET #status = :failed, failure = :reason REMOVE gsi1pk, gsi1sk',
              ConditionExpression: '#status = :sending',
              ExpressionAttributeNames: { '#status': 'status' },
              ExpressionAttributeValues: {
                ':failed': 'failed',
                ':reason': reason.slice(0, 500),
                ':sending': 'sending',
              },
            },
          },
          ...digest.reminderIds.map((reminderId) => ({
            Update: {
              TableName: this.tableName,
              Key: { pk, sk: keys.reminder(reminderId) },
              UpdateExpression:
                'SET #status = :pending, gsi1pk = :p, gsi1sk = dueKey, gsi2pk = :u, gsi2sk = dueKey, failedSends = if_not_exists(failedSends, :zero) + :one REMOVE claimedAt, sentAt, digestId, #ttl',
              // `sending`: claimed by a sender from before claims marked reminders sent.
              ConditionExpression: '(#status = :sent OR #status = :sending) AND digestId = :d',
              ExpressionAttributeNames: { '#status': 'status', '#ttl': TTL },
              ExpressionAttributeValues: {
                ':pending': 'pending',
                ':sent': 'sent',
                ':sending': 'sending',
                ':d': digest.digestId,
                ':p': keys.pendingPartition,
                ':u': pk,
                ':zero': 0,
                ':one': 1,
              },
            },
          })),
        ],
      }),
    );
  }

  public async listStuckDigests(olderThan: Date, limit: number): Promise<readonly Digest[]> {
    const items = await this.queryAll(
      {
        TableName: this.tableName,
        IndexName: 'gsi1',
        KeyConditionExpression: 'gsi1pk = :p AND gsi1sk < :before',
        ExpressionAttributeValues: { ':p': keys.sendingPartition, ':before': olderThan.toISOString() },
      },
      limit,
    );
    return items.map((i) => strip<Digest>(i));
  }

  private async queryReminders(
    userId: string,
    extra: Pick<
      QueryCommandInput,
      'FilterExpression' | 'ExpressionAttributeNames' | 'ExpressionAttributeValues'
    >,
  ): Promise<Reminder[]> {
    const items = await this.queryAll(
      {
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ConsistentRead: true,
        ...extra,
        ExpressionAttributeValues: {
          ':pk': keys.user(userId),
          ':prefix': 'REMINDER#',
          ...extra.ExpressionAttributeValues,
        },
      },
      Number.POSITIVE_INFINITY,
    );
    return items.map((i) => strip<Reminder>(i));
  }

  private async queryAll(input: QueryCommandInput, limit: number): Promise<Record<string, unknown>[]> {
    const out: Record<string, unknown>[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const res = await this.client.send(new QueryCommand({ ...input, ExclusiveStartKey: startKey }));
      out.push(...(res.Items ?? []));
      startKey = res.LastEvaluatedKey;
    } while (startKey && out.length < limit);
    return out.slice(0, limit);
  }
}

function reminderItem(r: NewReminder): Record<string, unknown> {
  const dueKey = dueKeyOf(r);
  return {
    pk: keys.user(r.userId),
    sk: keys.reminder(r.reminderId),
    type: 'reminder',
    // A held reminder stays off the pending index (the reconciler never sees it): it is on the held one, which
    // only the admin view reads. Every pending reminder is on its user's live index, held or not.
    gsi1pk: r.held ? keys.heldPartition : keys.pendingPartition,
    gsi1sk: dueKey,
    gsi2pk: keys.user(r.userId),
    gsi2sk: dueKey,
    dueKey,
    ...r,
    status: 'pending',
  };
}

/** A profile item: on its user's live index, where the sender reads it together with the reminders due. */
function profileItem(profile: UserProfile): Record<string, unknown> {
  return {
    pk: keys.user(profile.userId),
    sk: keys.profile(),
    type: 'profile',
    gsi2pk: keys.user(profile.userId),
    gsi2sk: keys.liveProfile,
    ...profile,
  };
}

/**
 * Whether a stored item is live (never expires for a confirmed user): the profile, a pending reminder, an event
 * not yet planned. Everything else is history (see `shared/domain/retention.ts`).
 */
function isLive(item: Record<string, unknown>): boolean {
  const sk = String(item.sk);
  if (sk === keys.profile()) return true;
  if (sk.startsWith('REMINDER#')) return item.status === 'pending';
  if (sk.startsWith('EVENT#')) return item.plannedAt === undefined && item.status !== 'failed';
  return false;
}
