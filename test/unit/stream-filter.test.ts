import { type _Record, DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { createTableInput } from '../../infra/local/dynamodb/table.ts';
import {
  compileFilter,
  FilterPatternError,
  StreamPoller,
  toLambdaRecord,
  UnconvertibleRecordError,
} from '../../infra/local/stream/index.ts';
import { PLANNER_STREAM_FILTER, TABLE_DEFINITION } from '../../shared/table-definition.ts';

const STREAM_ARN = 'arn:aws:dynamodb:ddblocal:000000000000:table/T/stream/2026-11-26T00:00:00.000';

/** A Lambda-shaped stream record, as the poller hands it to the filter. */
function streamRecord(eventName: 'INSERT' | 'MODIFY' | 'REMOVE', sk: string): DynamoDBRecord {
  return {
    eventID: 'e-1',
    eventName,
    eventSourceARN: STREAM_ARN,
    dynamodb: { Keys: { pk: { S: 'USER#u1' }, sk: { S: sk } }, SequenceNumber: '1' },
  };
}

const matches = (pattern: unknown, record: unknown): boolean => compileFilter(pattern)(record);

describe('the stream filter with the planner pattern', () => {
  it('accepts the INSERT of a stored intake event', () => {
    expect(matches(PLANNER_STREAM_FILTER, streamRecord('INSERT', 'EVENT#2026-11-26#abc'))).toBe(true);
  });

  it('rejects the MODIFY of a stored intake event', () => {
    expect(matches(PLANNER_STREAM_FILTER, streamRecord('MODIFY', 'EVENT#2026-11-26#abc'))).toBe(false);
  });

  it('rejects the INSERT of an item that is not an intake event, even one that holds EVENT# later', () => {
    expect(matches(PLANNER_STREAM_FILTER, streamRecord('INSERT', 'REMINDER#r1'))).toBe(false);
    expect(matches(PLANNER_STREAM_FILTER, streamRecord('INSERT', 'REMINDER#EVENT#1'))).toBe(false);
  });

  it('rejects a record whose keys lack the sort key', () => {
    // Prepare
    const record = streamRecord('INSERT', 'EVENT#x');
    record.dynamodb = { ...record.dynamodb, Keys: { pk: { S: 'USER#u1' } } };

    // Act + Assess
    expect(matches(PLANNER_STREAM_FILTER, record)).toBe(false);
  });
});

describe('the stream filter language', () => {
  it('matches any of several exact values, of the same type only', () => {
    const pattern = { status: ['pending', 'sent'], count: [3] };

    expect(matches(pattern, { status: 'sent', count: 3 })).toBe(true);
    expect(matches(pattern, { status: 'Sent', count: 3 })).toBe(false);
    expect(matches(pattern, { status: 'sent', count: '3' })).toBe(false);
  });

  it('matches prefix only on strings, and nothing against a missing field', () => {
    expect(matches({ sk: [{ prefix: '1' }] }, { sk: 12 })).toBe(false);
    expect(matches({ sk: [{ prefix: '' }] }, {})).toBe(false);
  });

  it('matches an array value when any element matches', () => {
    expect(matches({ tags: ['urgent'] }, { tags: ['later', 'urgent'] })).toBe(true);
    expect(matches({ tags: [{ prefix: 'ur' }] }, { tags: ['later'] })).toBe(false);
  });

  it('treats an empty pattern as matching every record', () => {
    expect(matches({}, streamRecord('REMOVE', 'APP#1'))).toBe(true);
  });

  it('rejects a leaf that is not an array of rules', () => {
    expect(() => compileFilter({ eventName: 'INSERT' })).toThrow(FilterPatternError);
  });
});

describe('a StreamPoller given a filter the twin does not emulate', () => {
  const construct = (filter: unknown) =>
    new StreamPoller({
      streamsClient: new DynamoDBStreamsClient({ region: 'us-east-1' }),
      streamArn: STREAM_ARN,
      checkpointFile: 'unused.json',
      handler: async () => undefined,
      onFailure: () => undefined,
      filter,
    });

  it.each([
    ['suffix', { suffix: '#1' }],
    ['exists', { exists: true }],
    ['anything-but', { 'anything-but': 'REMOVE' }],
    ['numeric', { numeric: ['>', 0] }],
    ['equals-ignore-case', { 'equals-ignore-case': 'insert' }],
    ['cidr', { cidr: '10.0.0.0/24' }],
  ])('refuses to be built with the %s operator, naming it', (operator, rule) => {
    expect(() => construct({ dynamodb: { Keys: { sk: { S: [rule] } } } })).toThrow(
      new FilterPatternError(
        `pattern.dynamodb.Keys.sk.S[0]: filter operator "${operator}" is not emulated by the local twin, ` +
          'which knows exact values and "prefix" only (see docs/local-twin.md)',
      ),
    );
  });

  it('is built with the planner pattern', () => {
    expect(() => construct(PLANNER_STREAM_FILTER)).not.toThrow();
  });
});

describe('toLambdaRecord', () => {
  const sdkRecord = (newImage: NonNullable<_Record['dynamodb']>['NewImage']): _Record => ({
    eventID: 'id-1',
    eventName: 'INSERT',
    eventVersion: '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: 'ddblocal',
    dynamodb: {
      ApproximateCreationDateTime: new Date('2026-11-26T02:42:00.000Z'),
      Keys: { pk: { S: 'USER#u1' }, sk: { S: 'EVENT#1' } },
      NewImage: newImage,
      SequenceNumber: '000000000000000000007',
      SizeBytes: 40,
      StreamViewType: 'NEW_AND_OLD_IMAGES',
    },
  });

  it('converts an SDK stream record to the Lambda event shape', () => {
    // Prepare
    const record = sdkRecord({
      blob: { B: new Uint8Array([1, 2, 3]) },
      tags: { L: [{ S: 'a' }, { M: { n: { N: '1' } } }] },
    });

    // Act
    const converted = toLambdaRecord(record, STREAM_ARN);

    // Assess
    expect(converted).toEqual({
      eventID: 'id-1',
      eventName: 'INSERT',
      eventVersion: '1.1',
      eventSource: 'aws:dynamodb',
      awsRegion: 'ddblocal',
      eventSourceARN: STREAM_ARN,
      dynamodb: {
        ApproximateCreationDateTime: Date.UTC(2026, 10, 26, 2, 42) / 1000,
        Keys: { pk: { S: 'USER#u1' }, sk: { S: 'EVENT#1' } },
        NewImage: { blob: { B: 'AQID' }, tags: { L: [{ S: 'a' }, { M: { n: { N: '1' } } }] } },
        SequenceNumber: '000000000000000000007',
        SizeBytes: 40,
        StreamViewType: 'NEW_AND_OLD_IMAGES',
      },
    });
  });

  it('reads the typeless value DynamoDB Local streams for an empty map as an empty map, at any depth', () => {
    // Prepare: the SDK passes DynamoDB Local's `{}` through as it is.
    const record = sdkRecord({ contact: {} as never, list: { L: [{} as never] } });

    // Act
    const converted = toLambdaRecord(record, STREAM_ARN);

    // Assess
    expect(converted.dynamodb?.NewImage).toEqual({ contact: { M: {} }, list: { L: [{ M: {} }] } });
  });

  it('refuses a value of a type it does not know, naming the attribute and keeping the keys for the dead letters', () => {
    // Prepare
    const record = sdkRecord({ deep: { M: { odd: { $unknown: ['X', 1] } } } });

    // Act
    let thrown: unknown;
    try {
      toLambdaRecord(record, STREAM_ARN);
    } catch (error) {
      thrown = error;
    }

    // Assess
    expect(thrown).toBeInstanceOf(UnconvertibleRecordError);
    const { message, stub } = thrown as UnconvertibleRecordError;
    expect(message).toBe('NewImage.deep.odd has an attribute type the twin cannot convert: X');
    expect(stub.dynamodb).toEqual({
      ApproximateCreationDateTime: Date.UTC(2026, 10, 26, 2, 42) / 1000,
      Keys: { pk: { S: 'USER#u1' }, sk: { S: 'EVENT#1' } },
      SequenceNumber: '000000000000000000007',
      SizeBytes: 40,
      StreamViewType: 'NEW_AND_OLD_IMAGES',
    });
  });

  it('delivers a DynamoDB Local TTL deletion as the REMOVE by the service that AWS sends', () => {
    // Prepare: DynamoDB Local 3.x writes TTL deletes with this placeholder name and no userIdentity.
    const record = {
      eventID: 'id-2',
      eventName: 'UNKNOWN_TO_SDK_VERSION',
      dynamodb: {
        Keys: { pk: { S: 'USER#u1' }, sk: { S: 'REMINDER#r1' } },
        OldImage: { pk: { S: 'USER#u1' }, sk: { S: 'REMINDER#r1' } },
        SequenceNumber: '000000000000000000008',
      },
    } as unknown as _Record;

    // Act
    const converted = toLambdaRecord(record, STREAM_ARN);

    // Assess
    expect(converted.eventName).toBe('REMOVE');
    expect(converted.userIdentity).toEqual({ type: 'Service', principalId: 'dynamodb.amazonaws.com' });
  });
});

describe('createTableInput', () => {
  const input = createTableInput('rebound-test');
  const def = TABLE_DEFINITION;

  it('keys the table by the partition and sort key of TABLE_DEFINITION', () => {
    expect(input.TableName).toBe('rebound-test');
    expect(input.KeySchema).toEqual([
      { AttributeName: def.partitionKey.name, KeyType: 'HASH' },
      { AttributeName: def.sortKey.name, KeyType: 'RANGE' },
    ]);
  });

  it('declares every key attribute exactly once with its type, and nothing else', () => {
    const keys = [
      def.partitionKey,
      def.sortKey,
      ...def.globalSecondaryIndexes.flatMap((g) => [g.partitionKey, g.sortKey]),
    ];
    const expected = keys.map((k) => ({ AttributeName: k.name, AttributeType: k.type }));

    expect(input.AttributeDefinitions).toHaveLength(new Set(keys.map((k) => k.name)).size);
    expect(input.AttributeDefinitions).toEqual(expect.arrayContaining(expected));
  });

  it('creates each global secondary index with its keys and an ALL projection', () => {
    expect(input.GlobalSecondaryIndexes ?? []).toEqual(
      def.globalSecondaryIndexes.map((gsi) => ({
        IndexName: gsi.indexName,
        KeySchema: [
          { AttributeName: gsi.partitionKey.name, KeyType: 'HASH' },
          { AttributeName: gsi.sortKey.name, KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      })),
    );
  });

  it('bills on demand and streams the configured view type', () => {
    expect(input.BillingMode).toBe('PAY_PER_REQUEST');
    expect(input.StreamSpecification).toEqual({ StreamEnabled: true, StreamViewType: def.streamViewType });
  });
});
