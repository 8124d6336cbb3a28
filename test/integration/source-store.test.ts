/**
 * The sources' storage ports against both implementations: the in-memory fakes the unit tests rely on, and
 * the DynamoDB adapters on DynamoDB Local (`SourceStore`: items, versions, listing through gsi1;
 * `RateCounters`: the conditional counter and its TTL). A test that passes for one and fails for the other
 * means the fake no longer tells the truth about the adapter.
 */
import { randomUUID } from 'node:crypto';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DynamoDbRateCounters, rateKeys } from '#shared/adapters/rate-limiter.ts';
import { DynamoDbSourceStore, sourceKeys } from '#shared/adapters/source-store.ts';
import { DEFAULT_RATE_LIMIT, type SourceRecord, type StoredSourceRecord } from '#shared/domain/sources.ts';
import { ConcurrencyError, SourceExistsError } from '#shared/errors.ts';
import type { RateCounters } from '#shared/use-cases/limit-rate.ts';
import type { SourceStore } from '#shared/use-cases/manage-sources.ts';
import { ensureTable } from '../../infra/local/dynamodb-local.ts';
import { InMemoryRateCounters, InMemorySourceStore } from '../unit/sources/support.ts';
import { useDynamoDbLocal } from './support/dynamodb-local.ts';

const local = useDynamoDbLocal('source-store');
let documentClient: DynamoDBDocumentClient;

beforeAll(() => {
  documentClient = DynamoDBDocumentClient.from(local().client, {
    marshallOptions: { removeUndefinedValues: true },
  });
});

const record = (sourceId: string, overrides: Partial<SourceRecord> = {}): SourceRecord => ({
  sourceId,
  name: `Source ${sourceId}`,
  status: 'active',
  createdAt: '2026-03-10T14:00:00.000Z',
  rateLimit: DEFAULT_RATE_LIMIT,
  webhookSecrets: [{ id: 'sec_1', createdAt: '2026-03-10T14:00:00.000Z', ciphertext: 'AQID' }],
  apiKeys: [{ prefix: `rbk_${sourceId}_AbCd`, hash: 'a'.repeat(64), createdAt: '2026-03-10T14:00:00.000Z' }],
  version: 1,
  ...overrides,
});

interface Subject {
  readonly sources: SourceStore;
  readonly counters: RateCounters;
  /** Store an item as it is, bypassing the store: one written by an older version. */
  readonly seed: (stored: StoredSourceRecord) => Promise<void>;
  /** The item at rest, without the store's reading of it (and without the table's bookkeeping keys). */
  readonly raw: (sourceId: string) => Promise<Record<string, unknown> | undefined>;
}

/** A source item as written before sources had two API keys: one key, as `apiKeyHash` and `apiKeyPrefix`. */
const singleKeyItem = (sourceId: string): StoredSourceRecord => {
  const { apiKeys: _, ...rest } = record(sourceId);
  return { ...rest, apiKeyHash: 'b'.repeat(64), apiKeyPrefix: `rbk_${sourceId}_Old1` };
};

const implementations: [name: string, create: () => Promise<Subject>][] = [
  [
    'in-memory fakes',
    async () => {
      const sources = new InMemorySourceStore();
      return {
        sources,
        counters: new InMemoryRateCounters(),
        seed: async (stored) => sources.seed(stored),
        raw: async (sourceId) => sources.raw().find((r) => r.sourceId === sourceId),
      };
    },
  ],
  [
    'DynamoDB adapters on DynamoDB Local',
    async () => {
      const table = `source-store-${randomUUID()}`;
      await ensureTable(local().client, table);
      return {
        sources: new DynamoDbSourceStore(documentClient, table),
        counters: new DynamoDbRateCounters(documentClient, table),
        seed: async (stored) => {
          await documentClient.send(
            new PutCommand({
              TableName: table,
              Item: {
                ...sourceKeys.source(stored.sourceId),
                type: 'source',
                gsi1pk: sourceKeys.listPartition,
                gsi1sk: stored.sourceId,
                ...stored,
              },
            }),
          );
        },
        raw: async (sourceId) => {
          const res = await documentClient.send(
            new GetCommand({ TableName: table, Key: sourceKeys.source(sourceId), ConsistentRead: true }),
          );
          if (!res.Item) return undefined;
          const { pk: _pk, sk: _sk, type: _type, gsi1pk: _gsi1pk, gsi1sk: _gsi1sk, ...item } = res.Item;
          return item;
        },
      };
    },
  ],
];

describe.each(implementations)('%s', (_name, create) => {
  let subject: Subject;

  beforeEach(async () => {
    subject = await create();
  });

  describe('SourceStore', () => {
    it('gives back a created source as it was stored, and nothing for an unknown id', async () => {
      // Act
      await subject.sources.create(record('acme'));

      // Assess
      expect(await subject.sources.get('acme')).toEqual(record('acme'));
      expect(await subject.sources.get('globex')).toBeUndefined();
    });

    it('refuses to create a source whose id is taken', async () => {
      await subject.sources.create(record('acme'));
      await expect(subject.sources.create(record('acme', { name: 'Other' }))).rejects.toBeInstanceOf(
        SourceExistsError,
      );
      expect((await subject.sources.get('acme'))?.name).toBe('Source acme');
    });

    it('updates a source at the version it was read, and refuses a stale version', async () => {
      // Prepare
      await subject.sources.create(record('acme'));
      const rotating = record('acme', {
        webhookSecrets: [
          ...record('acme').webhookSecrets,
          { id: 'sec_2', createdAt: '2026-04-01T00:00:00.000Z', ciphertext: 'BAUG' },
        ],
        version: 2,
      });

      // Act
      await subject.sources.update(rotating, 1);
      const stale = subject.sources.update(record('acme', { status: 'revoked', version: 2 }), 1);

      // Assess
      await expect(stale).rejects.toBeInstanceOf(ConcurrencyError);
      expect(await subject.sources.get('acme')).toEqual(rotating);
    });

    it('round-trips a source with two API keys, oldest first, and one with none', async () => {
      // Prepare
      const twoKeys = record('acme', {
        apiKeys: [
          ...record('acme').apiKeys,
          { prefix: 'rbk_acme_EfGh', hash: 'c'.repeat(64), createdAt: '2026-04-01T00:00:00.000Z' },
        ],
      });

      // Act
      await subject.sources.create(twoKeys);
      await subject.sources.create(record('globex', { apiKeys: [] }));

      // Assess
      expect(await subject.sources.get('acme')).toEqual(twoKeys);
      expect((await subject.sources.get('globex'))?.apiKeys).toEqual([]);
      expect((await subject.sources.list()).map((s) => s.apiKeys.length)).toEqual([2, 0]);
    });

    it('reads an item of the old single-key shape as a one-key list, and writes the new shape on update', async () => {
      // Prepare
      await subject.seed(singleKeyItem('acme'));

      // Act
      const read = await subject.sources.get('acme');
      const [listed] = await subject.sources.list();
      await subject.sources.update({ ...(read as SourceRecord), version: 2 }, 1);

      // Assess
      const migrated = record('acme', {
        apiKeys: [{ prefix: 'rbk_acme_Old1', hash: 'b'.repeat(64), createdAt: '2026-03-10T14:00:00.000Z' }],
      });
      expect(read).toEqual(migrated);
      expect(listed).toEqual(migrated);
      const raw = await subject.raw('acme');
      expect(raw).toEqual({ ...migrated, version: 2 });
      expect(raw).not.toHaveProperty('apiKeyHash');
      expect(raw).not.toHaveProperty('apiKeyPrefix');
    });

    it('refuses to update a source that does not exist', async () => {
      await expect(subject.sources.update(record('ghost', { version: 2 }), 1)).rejects.toBeInstanceOf(
        ConcurrencyError,
      );
      expect(await subject.sources.get('ghost')).toBeUndefined();
    });

    it('lists every source by id', async () => {
      // Prepare
      for (const id of ['globex', 'acme', 'initech']) await subject.sources.create(record(id));

      // Act
      const listed = await subject.sources.list();

      // Assess
      expect(listed.map((s) => s.sourceId)).toEqual(['acme', 'globex', 'initech']);
      expect(listed[0]).toEqual(record('acme'));
    });
  });

  describe('RateCounters', () => {
    const start = new Date('2026-03-10T14:05:00.000Z');
    const expiresAt = new Date('2026-03-10T14:10:02.000Z');

    it('counts up to the limit and then refuses, per source and window', async () => {
      // Act
      const counted = [];
      for (let i = 0; i < 4; i += 1)
        counted.push(await subject.counters.increment('acme', start, 3, expiresAt));
      const otherSource = await subject.counters.increment('globex', start, 3, expiresAt);
      const nextWindow = await subject.counters.increment(
        'acme',
        new Date(start.getTime() + 2000),
        3,
        expiresAt,
      );

      // Assess
      expect(counted).toEqual([true, true, true, false]);
      expect([otherSource, nextWindow]).toEqual([true, true]);
    });

    it('admits exactly the limit when requests race', async () => {
      // Act
      const results = await Promise.all(
        Array.from({ length: 12 }, () => subject.counters.increment('acme', start, 5, expiresAt)),
      );

      // Assess
      expect(results.filter(Boolean)).toHaveLength(5);
    });
  });
});

describe('DynamoDB items', () => {
  it('a source is SOURCE#<id>/SOURCE, listed in gsi1 SOURCES; a counter is RATE#<id>/<window> with its TTL', async () => {
    // Prepare
    const table = `source-items-${randomUUID()}`;
    await ensureTable(local().client, table);
    await new DynamoDbSourceStore(documentClient, table).create(record('acme'));
    const start = new Date('2026-03-10T14:05:00.000Z');
    await new DynamoDbRateCounters(documentClient, table).increment(
      'acme',
      start,
      10,
      new Date('2026-03-10T14:10:02.000Z'),
    );

    // Act
    const source = await documentClient.send(
      new GetCommand({ TableName: table, Key: sourceKeys.source('acme') }),
    );
    const counter = await documentClient.send(
      new GetCommand({ TableName: table, Key: rateKeys.counter('acme', start) }),
    );

    // Assess
    expect(source.Item).toMatchObject({ pk: 'SOURCE#acme', sk: 'SOURCE', gsi1pk: 'SOURCES', gsi1sk: 'acme' });
    expect(counter.Item).toEqual({
      pk: 'RATE#acme',
      sk: '2026-03-10T14:05:00.000Z',
      n: 1,
      expiresAt: Date.parse('2026-03-10T14:10:02.000Z') / 1000,
    });
  });
});
