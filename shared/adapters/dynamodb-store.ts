/**
 * `ReminderStore` on one DynamoDB table (see `shared/table-definition.ts` for the access patterns).
 * Every state change is a conditional write, so retries, redeliveries and races converge on one outcome.
 */
import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  type QueryCommandInput,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type {
  ApplicationState,
  Digest,
  EventFailure,
  NewReminder,
  Reminder,
  UserProfile,
} from '../domain/model.ts';
import { ConcurrencyError } from '../errors.ts';
import type {
  ClaimResult,
  PlanningState,
  PlanWrite,
  PutEventResult,
  ReminderStore,
  TimelineEvent,
} from '../ports.ts';

export const keys = {
  user: (userId: string) => `USER#${userId}`,
  profile: () => 'PROFILE',
  event: (eventId: string) => `EVENT#${eventId}`,
  application: (ref: string) => `APP#${ref}`,
  reminder: (reminderId: string) => `REMINDER#${reminderId}`,
  digest: (digestId: string) => `DIGEST#${digestId}`,
  pendingPartition: 'PENDING',
  sendingPartition: 'SENDING',
} as const;

/**
 * Attributes that are the table's bookkeeping, not part of the domain object an item holds. `gsi2pk`/`gsi2sk`
 * were written on profiles until gsi2 was removed; an old profile drops them at its next rewrite.
 */
const ITEM_META = ['pk', 'sk', 'type', 'gsi1pk', 'gsi1sk', 'gsi2pk', 'gsi2sk', 'dueKey'] as const;
/** What the planner adds to an event item; the stored event is what intake wrote. */
const EVENT_META = ['plannedAt', 'status', 'failedAt', 'failureReason'] as const;

function strip<T>(item: Record<string, unknown>, extra: readonly string[] = []): T {
  const copy: Record<string, unknown> = { ...item };
  for (const k of [...ITEM_META, ...extra]) delete copy[k];
  return copy as T;
}

const dueKeyOf = (r: { dueAt: string; reminderId: string }) => `${r.dueAt}#${r.reminderId}`;

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
  ): Promise<PlanningState> {
    const [profileRes, eventRes, appRes, pending] = await Promise.all([
      this.client.send(
        new GetCommand({
          TableName: this.tableName,
          Key: { pk: keys.user(userId), sk: keys.profile() },
          ConsistentRead: true,
        }),
      ),
      this.client.send(
        new GetCommand({
          TableName: this.tableName,
          Key: { pk: keys.user(userId), sk: keys.event(eventId) },
          ProjectionExpression: 'plannedAt',
          ConsistentRead: true,
        }),
      ),
      applicationRef
        ? this.client.send(
            new GetCommand({
              TableName: this.tableName,
              Key: { pk: keys.user(userId), sk: keys.application(applicationRef) },
              ConsistentRead: true,
            }),
          )
        : Promise.resolve(undefined),
      this.queryReminders(userId, {
        FilterExpression: '#status = :pending',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':pending': 'pending' },
      }),
    ]);
    return {
      profile: profileRes.Item ? strip<UserProfile>(profileRes.Item) : undefined,
      application: appRes?.Item ? strip<ApplicationState>(appRes.Item) : undefined,
      pending,
      alreadyPlanned: typeof eventRes.Item?.plannedAt === 'string',
    };
  }

  public async applyPlan(plan: PlanWrite): Promise<void> {
    const pk = keys.user(plan.profile.userId);
    // Cancellations first, one conditional update each: idempotent, and not bound by the 100-item
    // transaction limit when an accepted offer cancels a long list.
    for (const c of plan.cancel) {
      try {
        await this.client.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: { pk, sk: keys.reminder(c.reminderId) },
            UpdateExpression:
              'SET #status = :cancelled, cancelledAt = :at, cancelledBy = :by, cancelReason = :reason REMOVE gsi1pk, gsi1sk',
            ConditionExpression: '#status = :pending',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: {
              ':cancelled': 'cancelled',
              ':pending': 'pending',
              ':at': plan.plannedAt,
              ':by': plan.event.eventId,
              ':reason': c.reason,
            },
          }),
        );
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
        // Already sent, sending or cancelled: nothing to cancel.
      }
    }

    const items: NonNullable<ConstructorParameters<typeof TransactWriteCommand>[0]['TransactItems']> = [
      {
        Update: {
          TableName: this.tableName,
          Key: { pk, sk: keys.event(plan.event.eventId) },
          UpdateExpression: 'SET plannedAt = :at',
          ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(plannedAt)',
          ExpressionAttributeValues: { ':at': plan.plannedAt },
        },
      },
      {
        Put: {
          TableName: this.tableName,
          Item: { pk, sk: keys.profile(), type: 'profile', ...plan.profile },
        },
      },
    ];
    if (plan.application) {
      items.push({
        Put: {
          TableName: this.tableName,
          Item: { pk, sk: keys.application(plan.application.ref), type: 'application', ...plan.application },
        },
      });
    }
    for (const r of plan.create) {
      items.push({
        Put: {
          TableName: this.tableName,
          Item: reminderItem(r),
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      });
    }
    try {
      await this.client.send(new TransactWriteCommand({ TransactItems: items }));
    } catch (error) {
      if (error instanceof TransactionCanceledException) {
        throw new ConcurrencyError(`Plan for event ${plan.event.eventId} lost a race`, { cause: error });
      }
      throw error;
    }
  }

  public async markEventFailed(userId: string, eventId: string, failure: EventFailure): Promise<void> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: keys.user(userId), sk: keys.event(eventId) },
          UpdateExpression: 'SET #status = :failed, failedAt = :at, failureReason = :reason',
          // An update must not create an item: an event that is not stored has nothing to mark.
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':failed': 'failed',
            ':at': failure.failedAt,
            ':reason': failure.reason.slice(0, 500),
          },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  public async remindersTouchedBy(userId: string, eventId: string): Promise<readonly Reminder[]> {
    return this.queryReminders(userId, {
      FilterExpression: 'sourceEventId = :e OR cancelledBy = :e',
      ExpressionAttributeValues: { ':e': eventId },
    });
  }

  public async getProfile(userId: string): Promise<UserProfile | undefined> {
    const res = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: { pk: keys.user(userId), sk: keys.profile() } }),
    );
    return res.Item ? strip<UserProfile>(res.Item) : undefined;
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

  public async listPendingDue(userId: string, until: Date): Promise<readonly Reminder[]> {
    const due = await this.queryReminders(userId, {
      FilterExpression: '#status = :pending AND dueAt <= :until',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':pending': 'pending', ':until': until.toISOString() },
    });
    return [...due].sort((a, b) => a.dueAt.localeCompare(b.dueAt));
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

  public async claimDigest(digest: Digest): Promise<ClaimResult> {
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
                },
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
            ...digest.reminderIds.map((reminderId) => ({
              Update: {
                TableName: this.tableName,
                Key: { pk, sk: keys.reminder(reminderId) },
                UpdateExpression:
                  'SET #status = :sending, claimedAt = :at, digestId = :d REMOVE gsi1pk, gsi1sk',
                ConditionExpression: '#status = :pending',
                ExpressionAttributeNames: { '#status': 'status' },
                ExpressionAttributeValues: {
                  ':sending': 'sending',
                  ':pending': 'pending',
                  ':at': digest.claimedAt,
                  ':d': digest.digestId,
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
    await this.settleDigest(
      digest,
      {
        expression: 'SET #status = :sent, messageId = :m, sentAt = :at REMOVE gsi1pk, gsi1sk',
        values: { ':sent': 'sent', ':m': messageId, ':at': sentAt },
      },
      {
        expression: 'SET #status = :sent, messageId = :m, sentAt = :at',
        values: { ':sent': 'sent', ':m': messageId, ':at': sentAt },
      },
    );
  }

  public async releaseDigest(digest: Digest, reason: string): Promise<void> {
    await this.settleDigest(
      digest,
      {
        expression: 'SET #status = :failed, failure = :reason REMOVE gsi1pk, gsi1sk',
        values: { ':failed': 'failed', ':reason': reason.slice(0, 500) },
      },
      {
        // Back on the pending index (dueKey keeps the index sort key), ready for a retry under a new digest id.
        expression:
          'SET #status = :pending, gsi1pk = :p, gsi1sk = dueKey, failedSends = if_not_exists(failedSends, :zero) + :one REMOVE claimedAt, digestId',
        values: { ':pending': 'pending', ':p': keys.pendingPartition, ':zero': 0, ':one': 1 },
      },
    );
  }

  /**
   * End a claim, all or nothing: the digest must still be `sending`, and each reminder must still be
   * `sending` under this very digest (a stale claim can never settle someone else's).
   */
  private async settleDigest(
    digest: Digest,
    digestUpdate: { expression: string; values: Record<string, unknown> },
    reminderUpdate: { expression: string; values: Record<string, unknown> },
  ): Promise<void> {
    const pk = keys.user(digest.userId);
    await this.client.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Update: {
              TableName: this.tableName,
              Key: { pk, sk: keys.digest(digest.digestId) },
              UpdateExpression: digestUpdate.expression,
              ConditionExpression: '#status = :sending',
              ExpressionAttributeNames: { '#status': 'status' },
              ExpressionAttributeValues: { ...digestUpdate.values, ':sending': 'sending' },
            },
          },
          ...digest.reminderIds.map((reminderId) => ({
            Update: {
              TableName: this.tableName,
              Key: { pk, sk: keys.reminder(reminderId) },
              UpdateExpression: reminderUpdate.expression,
              ConditionExpression: '#status = :sending AND digestId = :d',
              ExpressionAttributeNames: { '#status': 'status' },
              ExpressionAttributeValues: {
                ...reminderUpdate.values,
                ':sending': 'sending',
                ':d': digest.digestId,
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
    gsi1pk: keys.pendingPartition,
    gsi1sk: dueKey,
    dueKey,
    ...r,
    status: 'pending',
  };
}
