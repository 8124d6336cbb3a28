import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type AttributeValue,
  type DynamoDBClient,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import {
  type _Record,
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
} from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localClientConfig } from '../../infra/local/dynamodb/launcher.ts';
import { ensureTable } from '../../infra/local/dynamodb/table.ts';
import {
  type StreamFailure,
  StreamPoller,
  type StreamPollerOptions,
} from '../../infra/local/stream/index.ts';
import { PLANNER_STREAM_FILTER, TABLE_DEFINITION } from '../../shared/table-definition.ts';
import { useDynamoDbLocal } from './support/dynamodb-local.ts';

const local = useDynamoDbLocal('stream-poller');
let workDir: string;
let client: DynamoDBClient;
let streams: DynamoDBStreamsClient;

beforeAll(() => {
  ({ workDir, client } = local());
  streams = new DynamoDBStreamsClient(localClientConfig(local().endpoint));
});

afterAll(() => {
  streams?.destroy();
});

// ---- helpers --------------------------------------------------------------------------------------------

interface Table {
  readonly table: string;
  readonly streamArn: string;
  readonly checkpointFile: string;
}

/** Each test gets its own table, hence its own stream: TRIM_HORIZON then sees only that test's writes. */
async function freshTable(): Promise<Table> {
  const table = `poller-${randomUUID().slice(0, 8)}`;
  const { created, streamArn } = await ensureTable(client, table);
  expect(created).toBe(true);
  return { table, streamArn, checkpointFile: join(workDir, `${table}.checkpoint.json`) };
}

/** A poller on `t` that fails the test on any dead letter unless `onFailure` is given. */
function pollerOn(t: Table, options: Partial<StreamPollerOptions> = {}): StreamPoller {
  return new StreamPoller({
    streamsClient: streams,
    streamArn: t.streamArn,
    checkpointFile: t.checkpointFile,
    handler: async () => undefined,
    onFailure: (failure) => {
      throw new Error(`unexpected onFailure: ${failure.error}`);
    },
    ...options,
  });
}

async function put(
  table: string,
  sk: string,
  attributes: Record<string, AttributeValue> = {},
): Promise<void> {
  await client.send(
    new PutItemCommand({
      TableName: table,
      Item: { pk: { S: 'USER#u1' }, sk: { S: sk }, title: { S: `item ${sk}` }, ...attributes },
    }),
  );
}

const skOf = (record: DynamoDBRecord): string | undefined => record.dynamodb?.Keys?.sk?.S;

/** A handler that records every invocation's sort keys, then answers with `respond`. */
function recordingHandler(
  respond: (event: DynamoDBStreamEvent, call: number) => DynamoDBBatchResponse | undefined = () => undefined,
) {
  const calls: string[][] = [];
  const records: DynamoDBRecord[] = [];
  const handler: StreamPollerOptions['handler'] = async (event) => {
    calls.push(event.Records.map((r) => skOf(r) ?? '?'));
    const response = respond(event, calls.length);
    if (!response) records.push(...event.Records);
    return response;
  };
  return { handler, calls, records };
}

/** An on-failure destination that keeps what it is given. */
function deadLetters() {
  const failures: StreamFailure[] = [];
  const onFailure: StreamPollerOptions['onFailure'] = (failure) => {
    failures.push(failure);
  };
  return { failures, onFailure };
}

/** Sequence numbers of every record in the stream, read straight from DynamoDB Streams. */
async function allSequenceNumbers(streamArn: string): Promise<string[]> {
  const { StreamDescription } = await streams.send(new DescribeStreamCommand({ StreamArn: streamArn }));
  const out: string[] = [];
  for (const shard of StreamDescription?.Shards ?? []) {
    const { ShardIterator } = await streams.send(
      new GetShardIteratorCommand({
        StreamArn: streamArn,
        ShardId: shard.ShardId,
        ShardIteratorType: 'TRIM_HORIZON',
      }),
    );
    const page = await streams.send(new GetRecordsCommand({ ShardIterator }));
    out.push(...(page.Records ?? []).map((r) => r.dynamodb?.SequenceNumber ?? '?'));
  }
  return out;
}

const bytes = (...values: number[]): AttributeValue => ({ B: new Uint8Array(values) });
const HOUR_MS = 3_600_000;

// ---- tests ----------------------------------------------------------------------------------------------

describe('StreamPoller against DynamoDB Local', () => {
  it('delivers a put of an EVENT# item once, in the shape Lambda delivers', async () => {
    // Prepare
    const t = await freshTable();
    const { handler, records } = recordingHandler();
    const poller = pollerOn(t, { handler, filter: PLANNER_STREAM_FILTER });

    // Act
    await put(t.table, 'EVENT#e1');
    await poller.drain();
    await poller.drain();

    // Assess
    expect(records).toHaveLength(1);
    const [record] = records;
    expect(record).toMatchObject({
      eventName: 'INSERT',
      eventVersion: '1.1',
      eventSource: 'aws:dynamodb',
      awsRegion: 'ddblocal',
      eventSourceARN: t.streamArn,
      dynamodb: {
        Keys: { pk: { S: 'USER#u1' }, sk: { S: 'EVENT#e1' } },
        NewImage: { pk: { S: 'USER#u1' }, sk: { S: 'EVENT#e1' }, title: { S: 'item EVENT#e1' } },
        StreamViewType: TABLE_DEFINITION.streamViewType,
      },
    });
    expect(record?.eventID).toEqual(expect.any(String));
    expect(record?.dynamodb?.OldImage).toBeUndefined();
    expect(record?.dynamodb?.SequenceNumber).toMatch(/^\d+$/);
    expect(record?.dynamodb?.SizeBytes).toBeGreaterThan(0);
    // Epoch seconds, not milliseconds and not a Date: within a day of now.
    expect(Math.abs((record?.dynamodb?.ApproximateCreationDateTime ?? 0) - Date.now() / 1000)).toBeLessThan(
      86_400,
    );
  });

  it('filters out a REMINDER# insert and a MODIFY of an EVENT# item, and checkpoints past them', async () => {
    // Prepare
    const t = await freshTable();
    const { handler, records } = recordingHandler();
    const poller = pollerOn(t, { handler, filter: PLANNER_STREAM_FILTER });

    // Act
    await put(t.table, 'EVENT#a');
    await put(t.table, 'REMINDER#x');
    await client.send(
      new UpdateItemCommand({
        TableName: t.table,
        Key: { pk: { S: 'USER#u1' }, sk: { S: 'EVENT#a' } },
        UpdateExpression: 'SET title = :t',
        ExpressionAttributeValues: { ':t': { S: 'changed' } },
      }),
    );
    await poller.drain();

    // Assess
    expect(records.map((r) => [r.eventName, skOf(r)])).toEqual([['INSERT', 'EVENT#a']]);
    const sequenceNumbers = await allSequenceNumbers(t.streamArn);
    expect(sequenceNumbers).toHaveLength(3);
    const checkpoint = JSON.parse(await readFile(t.checkpointFile, 'utf8')) as {
      shards: Record<string, { sequenceNumber?: string }>;
    };
    expect(Object.values(checkpoint.shards).map((s) => s.sequenceNumber)).toEqual([sequenceNumbers.at(-1)]);
  });

  it('delivers records in order, in batches of at most batchSize', async () => {
    // Prepare
    const t = await freshTable();
    const { handler, calls } = recordingHandler();
    const poller = pollerOn(t, { handler, batchSize: 2 });

    // Act
    for (const n of [1, 2, 3, 4, 5]) await put(t.table, `EVENT#${n}`);
    await poller.drain();

    // Assess
    expect(calls).toEqual([['EVENT#1', 'EVENT#2'], ['EVENT#3', 'EVENT#4'], ['EVENT#5']]);
  });

  it('retries from the record named in batchItemFailures and does not redeliver the record before it', async () => {
    // Prepare
    const t = await freshTable();
    const { handler, calls } = recordingHandler((event, call) => {
      const second = event.Records.find((r) => skOf(r) === 'EVENT#2');
      return call === 1 && second
        ? { batchItemFailures: [{ itemIdentifier: second.dynamodb?.SequenceNumber ?? '' }] }
        : undefined;
    });
    const poller = pollerOn(t, { handler });

    // Act
    for (const n of [1, 2, 3]) await put(t.table, `EVENT#${n}`);
    await poller.drain();

    // Assess
    expect(calls).toEqual([
      ['EVENT#1', 'EVENT#2', 'EVENT#3'],
      ['EVENT#2', 'EVENT#3'],
    ]);
  });

  it('sends a record whose handler always throws to onFailure after the retries, and moves on', async () => {
    // Prepare
    const t = await freshTable();
    const { calls, handler } = recordingHandler((event) => {
      if (event.Records.some((r) => skOf(r) === 'EVENT#poison')) throw new Error('cannot plan this event');
      return undefined;
    });
    const { failures, onFailure } = deadLetters();
    const poller = pollerOn(t, { maximumRetryAttempts: 2, handler, onFailure });

    // Act
    await put(t.table, 'EVENT#poison');
    await put(t.table, 'EVENT#ok');
    await poller.drain();
    await put(t.table, 'EVENT#later');
    await poller.drain();

    // Assess: bisection isolates the poison record, which then gets 1 + 2 invocations.
    expect(calls).toEqual([
      ['EVENT#poison', 'EVENT#ok'],
      ['EVENT#poison'],
      ['EVENT#poison'],
      ['EVENT#poison'],
      ['EVENT#ok'],
      ['EVENT#later'],
    ]);
    expect(failures.map((f) => ({ ...f, records: f.records.map(skOf) }))).toEqual([
      {
        records: ['EVENT#poison'],
        error: 'Error: cannot plan this event',
        attempts: 3,
        condition: 'RetryAttemptsExhausted',
      },
    ]);
  });

  it('without bisection sends the whole failing batch to onFailure', async () => {
    // Prepare
    const t = await freshTable();
    const { calls, handler } = recordingHandler(() => {
      throw new Error('down');
    });
    const { failures, onFailure } = deadLetters();
    const poller = pollerOn(t, {
      maximumRetryAttempts: 1,
      bisectBatchOnFunctionError: false,
      handler,
      onFailure,
    });

    // Act
    await put(t.table, 'EVENT#1');
    await put(t.table, 'EVENT#2');
    await poller.drain();

    // Assess
    expect(calls).toEqual([
      ['EVENT#1', 'EVENT#2'],
      ['EVENT#1', 'EVENT#2'],
    ]);
    expect(failures.map((f) => f.records.map(skOf))).toEqual([['EVENT#1', 'EVENT#2']]);
  });

  it('does not redeliver processed records to a new poller that shares the checkpoint file', async () => {
    // Prepare
    const t = await freshTable();
    const first = recordingHandler();
    const before = pollerOn(t, { handler: first.handler });
    await put(t.table, 'EVENT#1');
    await put(t.table, 'EVENT#2');
    await before.drain();
    await before.stop();

    // Act
    const second = recordingHandler();
    const after = pollerOn(t, { handler: second.handler });
    await put(t.table, 'EVENT#3');
    await after.drain();

    // Assess
    expect(first.calls.flat()).toEqual(['EVENT#1', 'EVENT#2']);
    expect(second.calls.flat()).toEqual(['EVENT#3']);
  });

  it('lets drain run while the background loop polls, delivering each record once', async () => {
    // Prepare
    const t = await freshTable();
    const { handler, calls } = recordingHandler();
    const poller = pollerOn(t, { handler });
    poller.start(10);

    try {
      // Act
      for (const n of [1, 2, 3]) {
        await put(t.table, `EVENT#${n}`);
        await poller.drain();
      }

      // Assess
      expect(calls.flat()).toEqual(['EVENT#1', 'EVENT#2', 'EVENT#3']);
    } finally {
      await poller.stop();
    }
  });
});

describe('StreamPoller with records that are hard to convert', () => {
  it('delivers every attribute type, empty maps, lists, strings and binaries, and the record after them', async () => {
    // Prepare: DynamoDB Local streams an empty map as `{}`, which once stopped the poller for good.
    const t = await freshTable();
    const { handler, records } = recordingHandler();
    const poller = pollerOn(t, { handler });

    // Act
    await put(t.table, 'EVENT#scalars', {
      s: { S: 'text' },
      n: { N: '-12.5' },
      b: bytes(1, 2, 3),
      yes: { BOOL: true },
      nothing: { NULL: true },
    });
    await put(t.table, 'EVENT#sets', {
      ss: { SS: ['a', 'b'] },
      ns: { NS: ['1', '2'] },
      bs: { BS: [new Uint8Array([1])] },
    });
    await put(t.table, 'EVENT#empty', {
      contact: { M: {} },
      list: { L: [] },
      text: { S: '' },
      blob: bytes(),
    });
    await put(t.table, 'EVENT#nested', {
      m: { M: { inner: { M: {} }, list: { L: [{ M: {} }, { L: [] }, { SS: ['x'] }, { NULL: true }] } } },
    });
    await put(t.table, 'EVENT#after');
    await poller.drain();

    // Assess
    const images = Object.fromEntries(records.map((r) => [skOf(r), r.dynamodb?.NewImage]));
    const base = (sk: string) => ({ pk: { S: 'USER#u1' }, sk: { S: sk }, title: { S: `item ${sk}` } });
    expect(images).toEqual({
      'EVENT#scalars': {
        ...base('EVENT#scalars'),
        s: { S: 'text' },
        n: { N: '-12.5' },
        b: { B: 'AQID' },
        yes: { BOOL: true },
        nothing: { NULL: true },
      },
      'EVENT#sets': {
        ...base('EVENT#sets'),
        ss: { SS: expect.arrayContaining(['a', 'b']) },
        ns: { NS: expect.arrayContaining(['1', '2']) },
        bs: { BS: ['AQ=='] },
      },
      'EVENT#empty': {
        ...base('EVENT#empty'),
        contact: { M: {} },
        list: { L: [] },
        text: { S: '' },
        blob: { B: '' },
      },
      'EVENT#nested': {
        ...base('EVENT#nested'),
        m: { M: { inner: { M: {} }, list: { L: [{ M: {} }, { L: [] }, { SS: ['x'] }, { NULL: true }] } } },
      },
      'EVENT#after': base('EVENT#after'),
    });
  });

  it('sends a record it cannot convert to onFailure with the reason, and delivers the next one', async () => {
    // Prepare: a client that reads one record with an attribute type the twin does not know.
    const t = await freshTable();
    const corrupting = new DynamoDBStreamsClient(localClientConfig(local().endpoint));
    corrupting.middlewareStack.add(
      (next) => async (args) => {
        const result = await next(args);
        for (const record of (result.output as { Records?: _Record[] }).Records ?? []) {
          const image = record.dynamodb?.NewImage;
          if (image && image.sk?.S === 'EVENT#bad') image.odd = { $unknown: ['X', 'y'] };
        }
        return result;
      },
      { step: 'initialize' },
    );
    const { handler, calls } = recordingHandler();
    const { failures, onFailure } = deadLetters();
    const poller = pollerOn(t, { streamsClient: corrupting, handler, onFailure });

    // Act
    await put(t.table, 'EVENT#before');
    await put(t.table, 'EVENT#bad');
    await put(t.table, 'EVENT#after');
    await poller.drain();
    corrupting.destroy();

    // Assess
    expect(calls).toEqual([['EVENT#before'], ['EVENT#after']]);
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatchObject({
      condition: 'UnconvertibleRecord',
      error: 'UnconvertibleRecordError: NewImage.odd has an attribute type the twin cannot convert: X',
      attempts: 0,
    });
    expect(failures[0]?.records.map(skOf)).toEqual(['EVENT#bad']);
    expect(failures[0]?.records[0]?.dynamodb?.NewImage).toBeUndefined();
  });
});

describe('StreamPoller with maximumRecordAgeSeconds', () => {
  it('sends records older than the limit to onFailure instead of the handler, and delivers fresh ones', async () => {
    // Prepare: the age clock runs two hours ahead while the first records are read.
    const t = await freshTable();
    let aheadMs = 2 * HOUR_MS;
    const { handler, calls } = recordingHandler();
    const { failures, onFailure } = deadLetters();
    const clock = { now: () => new Date(Date.now() + aheadMs) };
    const poller = pollerOn(t, { maximumRecordAgeSeconds: 3600, clock, handler, onFailure });

    // Act
    await put(t.table, 'EVENT#old1');
    await put(t.table, 'EVENT#old2');
    await poller.drain();
    aheadMs = 0;
    await put(t.table, 'EVENT#fresh');
    await poller.drain();

    // Assess
    expect(calls).toEqual([['EVENT#fresh']]);
    expect(failures.map((f) => [f.condition, f.attempts, f.records.map(skOf)])).toEqual([
      ['RecordAgeExceeded', 0, ['EVENT#old1', 'EVENT#old2']],
    ]);
  });

  it('with unlimited retries, retries a failing record until it is too old', async () => {
    // Prepare: every invocation takes (on the age clock) half an hour.
    const t = await freshTable();
    let aheadMs = 0;
    const { handler, calls } = recordingHandler(() => {
      aheadMs += HOUR_MS / 2;
      throw new Error('still failing');
    });
    const { failures, onFailure } = deadLetters();
    const clock = { now: () => new Date(Date.now() + aheadMs) };
    const poller = pollerOn(t, {
      maximumRetryAttempts: -1,
      maximumRecordAgeSeconds: 3600,
      clock,
      handler,
      onFailure,
    });

    // Act
    await put(t.table, 'EVENT#1');
    await poller.drain();

    // Assess: created at most a minute before "now" (DynamoDB Local rounds to the minute), so 2 or 3 tries.
    expect(calls.length).toBeGreaterThanOrEqual(2);
    expect(calls.length).toBeLessThanOrEqual(3);
    expect(failures.map((f) => [f.condition, f.attempts, f.records.map(skOf)])).toEqual([
      ['RecordAgeExceeded', calls.length, ['EVENT#1']],
    ]);
  });
});
