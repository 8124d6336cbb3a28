/**
 * `SourceStore` on the single table. A source is one item, `pk = SOURCE#<sourceId>`, `sk = SOURCE`: intake
 * reads it with one strongly consistent `GetItem`. Sources are also listed in the sparse `gsi1` partition
 * `SOURCES` (sorted by id), so `list` is one `Query`, not a scan of every user's items. Updates are
 * conditional on the version read, so two people rotating at once cannot lose a secret. Items written before
 * sources had two API keys (`apiKeyHash`, `apiKeyPrefix`) are read as a one-key list (`sourceRecordOf`); an
 * update puts the whole item, so it writes the new shape and drops the old attributes.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  type QueryCommandOutput,
} from '@aws-sdk/lib-dynamodb';
import { type SourceRecord, type StoredSourceRecord, sourceRecordOf } from '../domain/sources.ts';
import { ConcurrencyError, SourceExistsError } from '../errors.ts';
import type { SourceStore } from '../use-cases/manage-sources.ts';

export const sourceKeys = {
  source: (sourceId: string) => ({ pk: `SOURCE#${sourceId}`, sk: 'SOURCE' }),
  /** The `gsi1` partition that lists every source. */
  listPartition: 'SOURCES',
} as const;

const BOOKKEEPING = ['pk', 'sk', 'type', 'gsi1pk', 'gsi1sk'] as const;

function toRecord(item: Record<string, unknown>): SourceRecord {
  const copy: Record<string, unknown> = { ...item };
  for (const key of BOOKKEEPING) delete copy[key];
  return sourceRecordOf(copy as unknown as StoredSourceRecord);
}

export class DynamoDbSourceStore implements SourceStore {
  public constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  private itemOf(record: SourceRecord): Record<string, unknown> {
    return {
      ...sourceKeys.source(record.sourceId),
      type: 'source',
      gsi1pk: sourceKeys.listPartition,
      gsi1sk: record.sourceId,
      ...record,
    };
  }

  public async get(sourceId: string): Promise<SourceRecord | undefined> {
    const res = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: sourceKeys.source(sourceId), ConsistentRead: true }),
    );
    return res.Item ? toRecord(res.Item) : undefined;
  }

  public async create(record: SourceRecord): Promise<void> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: this.itemOf(record),
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException)
        throw new SourceExistsError(record.sourceId, { cause: error });
      throw error;
    }
  }

  public async update(record: SourceRecord, expectedVersion: number): Promise<void> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: this.itemOf(record),
          ConditionExpression: '#version = :expected',
          ExpressionAttributeNames: { '#version': 'version' },
          ExpressionAttributeValues: { ':expected': expectedVersion },
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException)
        throw new ConcurrencyError(`Source ${record.sourceId} changed meanwhile (or is gone); try again`, {
          cause: error,
        });
      throw error;
    }
  }

  public async list(): Promise<readonly SourceRecord[]> {
    const records: SourceRecord[] = [];
    let startKey: QueryCommandOutput['LastEvaluatedKey'];
    do {
      const res: QueryCommandOutput = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: 'gsi1',
          KeyConditionExpression: 'gsi1pk = :p',
          ExpressionAttributeValues: { ':p': sourceKeys.listPartition },
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of res.Items ?? []) records.push(toRecord(item));
      startKey = res.LastEvaluatedKey;
    } while (startKey);
    return records;
  }
}
