/**
 * `AuditLog` on the audit table (`AUDIT_TABLE_DEFINITION`): one partition per UTC month, `pk = AUDIT#<yyyy-mm>`,
 * newest first by `sk = <at>#<auditId>`, each record expiring `AUDIT_RETENTION_DAYS` after it was made.
 *
 * A record is written once per `auditId`: beside it goes a guard item `pk = AUDITID#<auditId>` in the same
 * transaction, both conditional on not existing. The sort key alone could not promise that: a retried action
 * is recorded at a later `at`, which is another key.
 */
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, QueryCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { InvalidEventError } from '../errors.ts';
import type { AuditLog, AuditRecord, Clock } from '../ports.ts';
import { AUDIT_RETENTION_DAYS, AUDIT_TABLE_DEFINITION } from '../table-definition.ts';
import { decodeCursor, encodeCursor } from './admin-store.ts';

/** How far back `list` walks: two years of months, the retention. */
export const AUDIT_MONTHS_LISTED = 24;
const TTL = AUDIT_TABLE_DEFINITION.timeToLiveAttribute;
const DAY_SECONDS = 24 * 60 * 60;

export const auditKeys = {
  month: (month: string) => `AUDIT#${month}`,
  record: (entry: Pick<AuditRecord, 'at' | 'auditId'>) => `${entry.at}#${entry.auditId}`,
  guard: (auditId: string) => ({ pk: `AUDITID#${auditId}`, sk: 'AUDITID' }),
} as const;

/** The UTC month (`yyyy-mm`) of an instant. */
const monthOf = (iso: string) => new Date(iso).toISOString().slice(0, 7);

/** The month before `yyyy-mm`. */
function previousMonth(month: string): string {
  const [year, m] = month.split('-').map(Number) as [number, number];
  return m === 1 ? `${year - 1}-12` : `${year}-${String(m - 1).padStart(2, '0')}`;
}

/** Where a page of `list` starts: a month, and inside it the key DynamoDB stopped at (if any). */
interface AuditCursor {
  readonly month: string;
  readonly key?: Record<string, unknown> | undefined;
}

const MONTH = /^\d{4}-(0[1-9]|1[0-2])$/;

export class DynamoDbAuditLog implements AuditLog {
  public constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    /** Where `list` starts: this month. */
    private readonly clock: Clock,
  ) {}

  public async record(entry: AuditRecord): Promise<void> {
    const at = new Date(entry.at).toISOString();
    const expiresAt = Math.floor(Date.parse(at) / 1000) + AUDIT_RETENTION_DAYS * DAY_SECONDS;
    try {
      await this.client.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.tableName,
                Item: { ...auditKeys.guard(entry.auditId), at, [TTL]: expiresAt },
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
            {
              Put: {
                TableName: this.tableName,
                Item: {
                  pk: auditKeys.month(monthOf(at)),
                  sk: auditKeys.record({ at, auditId: entry.auditId }),
                  ...entry,
                  at,
                  [TTL]: expiresAt,
                },
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
          ],
        }),
      );
    } catch (error) {
      // Recorded before: the first record stands. Any other cancellation (a conflict) may succeed on a retry.
      if (error instanceof TransactionCanceledException && onlyConditionsFailed(error)) return;
      throw error;
    }
  }

  /**
   * Newest first: each month's partition from its end, then the month before, back to
   * {@link AUDIT_MONTHS_LISTED} months before this one. The cursor names the month and the key to go on from.
   */
  public async list(
    limit: number,
    cursor?: string,
  ): Promise<{ readonly items: readonly AuditRecord[]; readonly next?: string }> {
    const wanted = Math.max(1, Math.floor(limit));
    const current = monthOf(this.clock.now().toISOString());
    let earliest = current;
    for (let i = 1; i < AUDIT_MONTHS_LISTED; i += 1) earliest = previousMonth(earliest);
    let at: AuditCursor = cursor === undefined ? { month: current } : auditCursorOf(cursor);
    const items: AuditRecord[] = [];
    while (at.month >= earliest) {
      const res = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': auditKeys.month(at.month) },
          ScanIndexForward: false,
          Limit: wanted - items.length,
          ExclusiveStartKey: at.key,
        }),
      );
      items.push(...(res.Items ?? []).map(toRecord));
      at = res.LastEvaluatedKey
        ? { month: at.month, key: res.LastEvaluatedKey }
        : { month: previousMonth(at.month) };
      if (items.length >= wanted) {
        return at.month >= earliest ? { items, next: encodeCursor({ ...at }) } : { items };
      }
    }
    return { items };
  }
}

function auditCursorOf(cursor: string): AuditCursor {
  const value = decodeCursor(cursor);
  const key = value.key;
  if (typeof value.month !== 'string' || !MONTH.test(value.month)) {
    throw new InvalidEventError([{ path: 'cursor', message: 'Not a cursor this list returned' }]);
  }
  return {
    month: value.month,
    key: typeof key === 'object' && key !== null ? (key as Record<string, unknown>) : undefined,
  };
}

function toRecord(item: Record<string, unknown>): AuditRecord {
  const { pk: _pk, sk: _sk, [TTL]: _ttl, ...record } = item;
  return record as unknown as AuditRecord;
}

function onlyConditionsFailed(error: TransactionCanceledException): boolean {
  const codes = (error.CancellationReasons ?? []).map((r) => r.Code ?? 'None');
  return (
    codes.includes('ConditionalCheckFailed') &&
    codes.every((c) => c === 'None' || c === 'ConditionalCheckFailed')
  );
}
