import type { _Record } from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { createTableInput } from '../../infra/local/dynamodb-local.ts';
import { FilterPatternError, matchesFilter, toLambdaRecord } from '../../infra/local/stream-poller.ts';
import { PLANNER_STREAM_FILTER, TABLE_DEFINITION } from '../../shared/table-definition.ts';

const STREAM_ARN = 'arn:aws:dynamodb:ddblocal:000000000000:table/T/stream/2026-11-26T00:00:00.000';

/** A Lambda-shaped stream record, as the poller hands it to the filter. */
function streamRecord(eventName: 'INSERT' | 'MODIFY' | 'REMOVE', sk: string): DynamoDBRecord {
  return {
    eventID: 'e-1',
    eventName,
    eventVersion: '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: 'ddblocal',
    eventSourceARN: STREAM_ARN,
    dynamodb: {
      ApproximateCreationDateTime: 1_795_000_000,
      Keys: { pk: { S: 'USER#u1' }, sk: { S: sk } },
      NewImage: { pk: { S: 'USER#u1' }, sk: { S: sk }, attempts: { N: '3' } },
      SequenceNumber: '000000000000000000001',
      SizeBytes: 42,
      StreamViewType: 'NEW_AND_OLD_IMAGES',
    },
  };
}

describe('matchesFilter with the planner filter', () => {
  it('accepts the INSERT of a stored intake event', () => {
    expect(matchesFilter(PLANNER_STREAM_FILTER, streamRecord('INSERT', 'EVENT#2026-11-26#abc'))).toBe(true);
  });

  it('rejects the MODIFY of a stored intake event', () => {
    expect(matchesFilter(PLANNER_STREAM_FILTER, streamRecord('MODIFY', 'EVENT#2026-11-26#abc'))).toBe(false);
  });

  it('rejects the INSERT of an item that is not an intake event', () => {
    expect(matchesFilter(PLANNER_STREAM_FILTER, streamRecord('INSERT', 'REMINDER#r1'))).toBe(false);
  });

  it('rejects a record whose keys lack the sort key', () => {
    // Prepare
    const record = streamRecord('INSERT', 'EVENT#x');
    record.dynamodb = { ...record.dynamodb, Keys: { pk: { S: 'USER#u1' } } };

    // Act + Assess
    expect(matchesFilter(PLANNER_STREAM_FILTER, record)).toBe(false);
  });
});

describe('matchesFilter operators', () => {
  it('matches any of several exact values, and only exact ones', () => {
    const pattern = { status: ['pending', 'sent'], count: [3] };

    expect(matchesFilter(pattern, { status: 'sent', count: 3 })).toBe(true);
    expect(matchesFilter(pattern, { status: 'Sent', count: 3 })).toBe(false);
    expect(matchesFilter(pattern, { status: 'sent', count: '3' })).toBe(false);
  });

  it('matches a null rule against a null value but not against a missing field', () => {
    expect(matchesFilter({ note: [null] }, { note: null })).toBe(true);
    expect(matchesFilter({ note: [null] }, {})).toBe(false);
  });

  it('matches prefix, suffix and equals-ignore-case only on strings', () => {
    expect(matchesFilter({ sk: [{ prefix: 'EVENT#' }] }, { sk: 'EVENT#1' })).toBe(true);
    expect(matchesFilter({ sk: [{ prefix: 'EVENT#' }] }, { sk: 'REMINDER#EVENT#1' })).toBe(false);
    expect(matchesFilter({ sk: [{ prefix: '1' }] }, { sk: 12 })).toBe(false);
    expect(matchesFilter({ file: [{ suffix: '.png' }] }, { file: 'a.png' })).toBe(true);
    expect(matchesFilter({ state: [{ 'equals-ignore-case': 'sent' }] }, { state: 'SENT' })).toBe(true);
  });

  it('checks presence with exists, including below a missing parent', () => {
    const mustHave = { dynamodb: { NewImage: { dueAt: [{ exists: true }] } } };
    const mustLack = { dynamodb: { NewImage: { dueAt: [{ exists: false }] } } };

    expect(matchesFilter(mustHave, { dynamodb: { NewImage: { dueAt: { S: 'x' } } } })).toBe(true);
    expect(matchesFilter(mustHave, { dynamodb: { NewImage: {} } })).toBe(false);
    expect(matchesFilter(mustLack, { dynamodb: { NewImage: {} } })).toBe(true);
    expect(matchesFilter(mustLack, { dynamodb: {} })).toBe(true);
    expect(matchesFilter(mustLack, { dynamodb: { NewImage: { dueAt: { S: 'x' } } } })).toBe(false);
  });

  it('matches anything-but for a value, a list and a prefix, and never a missing field', () => {
    expect(matchesFilter({ eventName: [{ 'anything-but': 'REMOVE' }] }, { eventName: 'INSERT' })).toBe(true);
    expect(matchesFilter({ eventName: [{ 'anything-but': 'REMOVE' }] }, { eventName: 'REMOVE' })).toBe(false);
    expect(
      matchesFilter({ eventName: [{ 'anything-but': ['REMOVE', 'MODIFY'] }] }, { eventName: 'MODIFY' }),
    ).toBe(false);
    expect(matchesFilter({ sk: [{ 'anything-but': { prefix: 'EVENT#' } }] }, { sk: 'APP#1' })).toBe(true);
    expect(matchesFilter({ sk: [{ 'anything-but': { prefix: 'EVENT#' } }] }, { sk: 'EVENT#1' })).toBe(false);
    expect(matchesFilter({ eventName: [{ 'anything-but': 'REMOVE' }] }, {})).toBe(false);
  });

  it('compares numeric ranges, reading DynamoDB N strings as numbers', () => {
    const pattern = { NewImage: { attempts: { N: [{ numeric: ['>', 0, '<=', 3] }] } } };

    expect(matchesFilter(pattern, { NewImage: { attempts: { N: '3' } } })).toBe(true);
    expect(matchesFilter(pattern, { NewImage: { attempts: { N: '4' } } })).toBe(false);
    expect(matchesFilter(pattern, { NewImage: { attempts: { S: '3' } } })).toBe(false);
  });

  it('matches an array value when any element matches', () => {
    expect(matchesFilter({ tags: ['urgent'] }, { tags: ['later', 'urgent'] })).toBe(true);
    expect(matchesFilter({ tags: ['urgent'] }, { tags: ['later'] })).toBe(false);
  });

  it('treats an empty pattern as matching every record', () => {
    expect(matchesFilter({}, streamRecord('REMOVE', 'APP#1'))).toBe(true);
  });

  it('ORs the patterns of a whole FilterCriteria object', () => {
    const criteria = {
      Filters: [
        { Pattern: JSON.stringify({ eventName: ['REMOVE'] }) },
        { Pattern: JSON.stringify(PLANNER_STREAM_FILTER) },
      ],
    };

    expect(matchesFilter(criteria, streamRecord('REMOVE', 'APP#1'))).toBe(true);
    expect(matchesFilter(criteria, streamRecord('INSERT', 'EVENT#1'))).toBe(true);
    expect(matchesFilter(criteria, streamRecord('MODIFY', 'EVENT#1'))).toBe(false);
  });

  it('rejects an unsupported operator instead of ignoring it', () => {
    expect(() => matchesFilter({ ip: [{ cidr: '10.0.0.0/24' }] }, {})).toThrow(FilterPatternError);
  });

  it('rejects a leaf that is not an array of rules', () => {
    expect(() => matchesFilter({ eventName: 'INSERT' }, { eventName: 'INSERT' })).toThrow(FilterPatternError);
  });
});

describe('toLambdaRecord', () => {
  it('converts an SDK stream record to the Lambda event shape', () => {
    // Prepare
    const sdkRecord: _Record = {
      eventID: 'id-1',
      eventName: 'INSERT',
      eventVersion: '1.1',
      eventSource: 'aws:dynamodb',
      awsRegion: 'ddblocal',
      dynamodb: {
        ApproximateCreationDateTime: new Date('2026-11-26T02:42:00.000Z'),
        Keys: { pk: { S: 'USER#u1' }, sk: { S: 'EVENT#1' } },
        NewImage: {
          pk: { S: 'USER#u1' },
          sk: { S: 'EVENT#1' },
          blob: { B: new Uint8Array([1, 2, 3]) },
          tags: { L: [{ S: 'a' }, { M: { n: { N: '1' } } }] },
        },
        SequenceNumber: '000000000000000000007',
        SizeBytes: 40,
        StreamViewType: 'NEW_AND_OLD_IMAGES',
      },
    };

    // Act
    const record = toLambdaRecord(sdkRecord, STREAM_ARN);

    // Assess
    expect(record).toEqual({
      eventID: 'id-1',
      eventName: 'INSERT',
      eventVersion: '1.1',
      eventSource: 'aws:dynamodb',
      awsRegion: 'ddblocal',
      eventSourceARN: STREAM_ARN,
      dynamodb: {
        ApproximateCreationDateTime: Date.UTC(2026, 10, 26, 2, 42) / 1000,
        Keys: { pk: { S: 'USER#u1' }, sk: { S: 'EVENT#1' } },
        NewImage: {
          pk: { S: 'USER#u1' },
          sk: { S: 'EVENT#1' },
          blob: { B: 'AQID' },
          tags: { L: [{ S: 'a' }, { M: { n: { N: '1' } } }] },
        },
        SequenceNumber: '000000000000000000007',
        SizeBytes: 40,
        StreamViewType: 'NEW_AND_OLD_IMAGES',
      },
    });
  });

  it('delivers a DynamoDB Local TTL deletion as the REMOVE by the service that AWS sends', () => {
    // Prepare: DynamoDB Local 3.x writes TTL deletes with this placeholder name and no userIdentity.
    const sdkRecord = {
      eventID: 'id-2',
      eventName: 'UNKNOWN_TO_SDK_VERSION',
      eventVersion: '1.1',
      eventSource: 'aws:dynamodb',
      awsRegion: 'ddblocal',
      dynamodb: {
        Keys: { pk: { S: 'USER#u1' }, sk: { S: 'REMINDER#r1' } },
        OldImage: { pk: { S: 'USER#u1' }, sk: { S: 'REMINDER#r1' } },
        SequenceNumber: '000000000000000000008',
      },
    } as unknown as _Record;

    // Act
    const record = toLambdaRecord(sdkRecord, STREAM_ARN);

    // Assess
    expect(record.eventName).toBe('REMOVE');
    expect(record.userIdentity).toEqual({ type: 'Service', principalId: 'dynamodb.amazonaws.com' });
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
    expect(input.GlobalSecondaryIndexes).toEqual(
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

  it('pins the shape the CDK stack deploys, so a change to TABLE_DEFINITION is noticed here', () => {
    expect(input.KeySchema?.map((k) => k.AttributeName)).toEqual(['pk', 'sk']);
    expect(input.GlobalSecondaryIndexes?.map((g) => g.IndexName)).toEqual(['gsi1', 'gsi2']);
    expect(input.StreamSpecification?.StreamViewType).toBe('NEW_AND_OLD_IMAGES');
  });
});
