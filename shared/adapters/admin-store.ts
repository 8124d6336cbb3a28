/**
 * `AdminReadStore` on the single table: what the admin view reads, by key lookups and Queries of the sparse
 * gsi1 views (`PENDING`, `HELD`, `SENT#<day>`, `FEEDBACK#<day>`; see `shared/table-definition.ts`). Never a
 * Scan: every read is bounded by a partition, so its cost follows what is shown, not the size of the table.
 */
import {
  type DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  type QueryCommandInput,
} from '@aws-sdk/lib-dynamodb';
import type { ApplicationState, Digest, Reminder, ReminderKind, UserProfile } from '../domain/model.ts';
import { InvalidEventError } from '../errors.ts';
import type { AdminReadStore, Clock, UpcomingPartition, UpcomingQuery, UserRecords } from '../ports.ts';
import { batchGetConsistent, keys, strip, stripKeys, utcDayOf } from './dynamodb-store.ts';

/**
 * At most this many DynamoDB pages per `listUpcoming` call. A filter (kind, source) that matches few reminders
 * could otherwise read the whole view in one request; past the cap the call returns what it found and a
 * cursor, and the next page carries on from there.
 */
export const MAX_QUERY_PAGES = 10;
/** Items a filtered `listUpcoming` asks DynamoDB for per page (its `Limit` applies before the filter). */
const FILTERED_PAGE_ITEMS = 200;
/** BatchGetItem takes at most 100 keys. */
const BATCH_GET_LIMIT = 100;
/** `feedbackCounts` reads at most this many day partitions (one Query each). */
const MAX_FEEDBACK_DAYS = 366;
const DAY_MS = 24 * 60 * 60 * 1000;

/** Sorts after every `<reminderId>` in a `<dueAt>#<reminderId>` key: makes an inclusive upper bound. */
const AFTER_ANY_ID = '#~';

/** An opaque page cursor: base64url JSON of a DynamoDB key (the admin view passes it back untouched). */
export function encodeCursor(value: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
}

/** The key a cursor carries; anything else is the caller's mistake (400). */
export function decodeCursor(cursor: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
      return value as Record<string, unknown>;
    }
  } catch {
    // Reported below.
  }
  throw new InvalidEventError([{ path: 'cursor', message: 'Not a cursor this list returned' }]);
}

/** An instant given with any offset, as the table keeps instants (UTC ISO), so it compares with sort keys. */
function utcIso(instant: string, path: string): string {
  const ms = Date.parse(instant);
  if (Number.isNaN(ms)) throw new InvalidEventError([{ path, message: 'Not a date-time' }]);
  return new Date(ms).toISOString();
}

const partitionKeyOf = (partition: UpcomingPartition) =>
  partition === 'held' ? keys.heldPartition : keys.pendingPartition;

type Item = Record<string, unknown>;

export class DynamoDbAdminStore implements AdminReadStore {
  public constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    /** "Today" for `feedbackCounts`. */
    private readonly clock: Clock,
  ) {}

  /**
   * One page of a global view by due time.
   * 1. Key condition on the view's partition and the due window (`from`/`to`, both inclusive).
   * 2. Kind and source are a FilterExpression: DynamoDB reads past what they leave out, so keep querying
   *    until `limit` reminders are found, the view ends, or {@link MAX_QUERY_PAGES} pages were read.
   * 3. The cursor is the key of the last reminder returned (a page may hold more matches than were wanted),
   *    or, when the page cap stops the walk, the key DynamoDB stopped at.
   */
  public async listUpcoming(
    query: UpcomingQuery,
  ): Promise<{ readonly reminders: readonly Reminder[]; readonly next?: string }> {
    const gsi1pk = partitionKeyOf(query.partition);
    const limit = Math.max(1, Math.floor(query.limit));
    const from = query.from === undefined ? undefined : utcIso(query.from, 'from');
    const to = query.to === undefined ? undefined : `${utcIso(query.to, 'to')}${AFTER_ANY_ID}`;
    const filters: string[] = [];
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = { ':p': gsi1pk };
    if (query.kind !== undefined) {
      filters.push('#kind = :kind');
      names['#kind'] = 'kind';
      values[':kind'] = query.kind;
    }
    if (query.sourceId !== undefined) {
      filters.push('sourceId = :source');
      values[':source'] = query.sourceId;
    }
    let range = '';
    if (from !== undefined && to !== undefined) range = ' AND gsi1sk BETWEEN :from AND :to';
    else if (from !== undefined) range = ' AND gsi1sk >= :from';
    else if (to !== undefined) range = ' AND gsi1sk <= :to';
    if (from !== undefined) values[':from'] = from;
    if (to !== undefined) values[':to'] = to;

    let startKey = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
    if (startKey !== undefined && startKey.gsi1pk !== gsi1pk) {
      throw new InvalidEventError([{ path: 'cursor', message: 'The cursor belongs to another list' }]);
    }
    const found: Item[] = [];
    for (let page = 0; page < MAX_QUERY_PAGES; page += 1) {
      const wanted = limit - found.length;
      const res = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: 'gsi1',
          KeyConditionExpression: `gsi1pk = :p${range}`,
          ...(filters.length > 0 ? { FilterExpression: filters.join(' AND ') } : {}),
          ...(Object.keys(names).length > 0 ? { ExpressionAttributeNames: names } : {}),
          ExpressionAttributeValues: values,
          Limit: filters.length > 0 ? Math.max(wanted, FILTERED_PAGE_ITEMS) : wanted,
          ExclusiveStartKey: startKey,
        }),
      );
      const items = res.Items ?? [];
      if (items.length >= wanted) {
        const taken = items.slice(0, wanted);
        found.push(...taken);
        const last = taken[taken.length - 1] as Item;
        // The view goes on if DynamoDB says so, or if this page held matches beyond the ones taken.
        const more = res.LastEvaluatedKey !== undefined || items.length > wanted;
        return {
          reminders: found.map(toReminder),
          ...(more ? { next: encodeCursor(indexKeyOf(last)) } : {}),
        };
      }
      found.push(...items);
      startKey = res.LastEvaluatedKey;
      if (startKey === undefined) return { reminders: found.map(toReminder) };
    }
    return { reminders: found.map(toReminder), ...(startKey ? { next: encodeCursor(startKey) } : {}) };
  }

  /** Reads only the due time and kind of each reminder of the window, every page, and counts them. */
  public async countUpcoming(
    partition: UpcomingPartition,
    from: string,
    to: string,
  ): Promise<readonly { readonly day: string; readonly kind: ReminderKind; readonly count: number }[]> {
    const items = await this.queryAll({
      TableName: this.tableName,
      IndexName: 'gsi1',
      // `<to>#…` sorts after `<to>`: a reminder due exactly at `to` is left out, as [from, to) says.
      KeyConditionExpression: 'gsi1pk = :p AND gsi1sk BETWEEN :from AND :to',
      ProjectionExpression: 'dueAt, #kind',
      ExpressionAttributeNames: { '#kind': 'kind' },
      ExpressionAttributeValues: {
        ':p': partitionKeyOf(partition),
        ':from': utcIso(from, 'from'),
        ':to': utcIso(to, 'to'),
      },
    });
    const counts = new Map<string, { day: string; kind: ReminderKind; count: number }>();
    for (const item of items) {
      const day = utcDayOf(String(item.dueAt));
      const kind = item.kind as ReminderKind;
      const key = `${day}#${kind}`;
      const entry = counts.get(key) ?? { day, kind, count: 0 };
      entry.count += 1;
      counts.set(key, entry);
    }
    return [...counts.values()].sort((a, b) =>
      a.day === b.day ? a.kind.localeCompare(b.kind) : a.day.localeCompare(b.day),
    );
  }

  /** Strongly consistent BatchGetItem, 100 keys at a time; keys DynamoDB left unprocessed are asked again. */
  public async getProfiles(userIds: readonly string[]): Promise<ReadonlyMap<string, UserProfile>> {
    const unique = [...new Set(userIds)];
    const profiles = new Map<string, UserProfile>();
    const chunks: string[][] = [];
    for (let i = 0; i < unique.length; i += BATCH_GET_LIMIT)
      chunks.push(unique.slice(i, i + BATCH_GET_LIMIT));
    const found = await Promise.all(
      chunks.map((chunk) =>
        batchGetConsistent(
          this.client,
          this.tableName,
          chunk.map((id) => ({ pk: keys.user(id), sk: keys.profile() })),
        ),
      ),
    );
    for (const item of found.flat()) {
      const profile = stripKeys<UserProfile>(item);
      profiles.set(profile.userId, profile);
    }
    return profiles;
  }

  /**
   * Everything in the user's partition (strongly consistent, every page), sorted into its kinds by sort key.
   * The erasure marker is not shown; a user with nothing else stored is not found.
   */
  public async readUser(userId: string): Promise<UserRecords | undefined> {
    const items = await this.queryAll({
      TableName: this.tableName,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': keys.user(userId) },
      ConsistentRead: true,
    });
    let profile: UserProfile | undefined;
    const events: Item[] = [];
    const applications: ApplicationState[] = [];
    const reminders: Reminder[] = [];
    const digests: Digest[] = [];
    for (const item of items) {
      const sk = String(item.sk);
      if (sk === keys.profile()) profile = stripKeys<UserProfile>(item);
      // The planner's bookkeeping (`plannedAt`, `status`, `failureReason`) is what the view shows; the
      // feedback kind is the index's.
      else if (sk.startsWith(keys.event(''))) events.push(strip<Item>(item, ['feedback']));
      else if (sk.startsWith(keys.application(''))) applications.push(strip<ApplicationState>(item));
      else if (sk.startsWith(keys.reminder(''))) reminders.push(toReminder(item));
      else if (sk.startsWith(keys.digest(''))) digests.push(strip<Digest>(item));
    }
    const total = events.length + applications.length + reminders.length + digests.length;
    if (profile === undefined && total === 0) return undefined;
    return {
      profile,
      events: events as unknown as UserRecords['events'],
      applications,
      reminders,
      digests,
    };
  }

  public async eventState(
    userId: string,
    eventId: string,
  ): Promise<'planned' | 'failed' | 'waiting' | 'missing'> {
    const res = await this.client.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { pk: keys.user(userId), sk: keys.event(eventId) },
        ProjectionExpression: 'plannedAt, #status',
        ExpressionAttributeNames: { '#status': 'status' },
        ConsistentRead: true,
      }),
    );
    if (!res.Item) return 'missing';
    if (res.Item.status === 'failed') return 'failed';
    return typeof res.Item.plannedAt === 'string' ? 'planned' : 'waiting';
  }

  public async getDigest(userId: string, digestId: string): Promise<Digest | undefined> {
    const res = await this.client.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { pk: keys.user(userId), sk: keys.digest(digestId) },
        ConsistentRead: true,
      }),
    );
    return res.Item ? strip<Digest>(res.Item) : undefined;
  }

  /** One COUNT Query per day partition (`SENT#<day>`), in parallel. */
  public async emailsSentPerDay(days: readonly string[]): Promise<ReadonlyMap<string, number>> {
    const counts = await Promise.all(
      days.map(async (day) => [day, await this.countPartition(keys.sentPartition(day))] as const),
    );
    return new Map(counts);
  }

  /**
   * Bounces and complaints from `sinceDay` up to today (UTC), one Query per day partition (`FEEDBACK#<day>`),
   * in parallel, reading only each item's `feedback` kind.
   */
  public async feedbackCounts(
    sinceDay: string,
  ): Promise<{ readonly bounces: number; readonly complaints: number }> {
    const start = Date.parse(`${sinceDay}T00:00:00.000Z`);
    if (Number.isNaN(start)) throw new InvalidEventError([{ path: 'sinceDay', message: 'Not a day' }]);
    const today = Date.parse(`${utcDayOf(this.clock.now().toISOString())}T00:00:00.000Z`);
    const days: string[] = [];
    for (let ms = Math.max(start, today - (MAX_FEEDBACK_DAYS - 1) * DAY_MS); ms <= today; ms += DAY_MS) {
      days.push(new Date(ms).toISOString().slice(0, 10));
    }
    const perDay = await Promise.all(
      days.map((day) =>
        this.queryAll({
          TableName: this.tableName,
          IndexName: 'gsi1',
          KeyConditionExpression: 'gsi1pk = :p',
          ProjectionExpression: 'feedback',
          ExpressionAttributeValues: { ':p': keys.feedbackPartition(day) },
        }),
      ),
    );
    let bounces = 0;
    let complaints = 0;
    for (const item of perDay.flat()) {
      if (item.feedback === 'bounce') bounces += 1;
      else if (item.feedback === 'complaint') complaints += 1;
    }
    return { bounces, complaints };
  }

  /** The number of items in one gsi1 partition (`Select: COUNT`, every page). */
  private async countPartition(partition: string): Promise<number> {
    let count = 0;
    let startKey: Item | undefined;
    do {
      const res = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: 'gsi1',
          KeyConditionExpression: 'gsi1pk = :p',
          ExpressionAttributeValues: { ':p': partition },
          Select: 'COUNT',
          ExclusiveStartKey: startKey,
        }),
      );
      count += res.Count ?? 0;
      startKey = res.LastEvaluatedKey;
    } while (startKey);
    return count;
  }

  private async queryAll(input: QueryCommandInput): Promise<Item[]> {
    const out: Item[] = [];
    let startKey: Item | undefined;
    do {
      const res = await this.client.send(new QueryCommand({ ...input, ExclusiveStartKey: startKey }));
      out.push(...(res.Items ?? []));
      startKey = res.LastEvaluatedKey;
    } while (startKey);
    return out;
  }
}

function toReminder(item: Item): Reminder {
  return strip<Reminder>(item);
}

/** The key of an item on gsi1, as DynamoDB's `ExclusiveStartKey` for the index wants it. */
function indexKeyOf(item: Item): Item {
  return { pk: item.pk, sk: item.sk, gsi1pk: item.gsi1pk, gsi1sk: item.gsi1sk };
}
