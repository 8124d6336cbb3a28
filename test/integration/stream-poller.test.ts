import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type DynamoDBClient, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
} from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureTable, localClientConfig } from '../../infra/local/dynamodb-local.ts';
import { StreamPoller, type StreamPollerOptions } from '../../infra/local/stream-poller.ts';
import { PLANNER_STREAM_FILTER } from '../../shared/table-definition.ts';
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

/** Each test gets its own table, hence its own stream: TRIM_HORIZON then sees only that test's writes. */
async function freshTable(): Promise<{ table: string; streamArn: string; checkpointFile: string }> {
  const table = `poller-${randomUUID().slice(0, 8)}`;
  const { created, streamArn } = await ensureTable(client, table);
  expect(created).toBe(true);
  return { table, streamArn, checkpointFile: join(workDir, `${table}.checkpoint.json`) };
}

async function put(table: string, sk: string): Promise<void> {
  await client.send(
    new PutItemCommand({
      TableName: table,
      Item: { pk: { S: 'USER#u1' }, sk: { S: sk }, title: { S: `item ${sk}` } },
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

const noFailures: StreamPollerOptions['onFailure'] = (failure) => {
  throw new Error(`unexpected onFailure: ${failure.error}`);
};

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

// ---- tests ----------------------------------------------------------------------------------------------

describe('StreamPoller against DynamoDB Local', () => {
  it('delivers a put of an EVENT# item once, in the shape Lambda delivers', async () => {
    // Prepare
    const { table, streamArn, checkpointFile } = await freshTable();
    const { handler, records } = recordingHandler();
    const poller = new StreamPoller({
      streamsClient: streams,
      streamArn,
      checkpointFile,
      handler,
      filter: PLANNER_STREAM_FILTER,
      onFailure: noFailures,
    });

    // Act
    await put(table, 'EVENT#e1');
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
      eventSourceARN: streamArn,
      dynamodb: {
        Keys: { pk: { S: 'USER#u1' }, sk: { S: 'EVENT#e1' } },
        NewImage: { pk: { S: 'USER#u1' }, sk: { S: 'EVENT#e1' }, title: { S: 'item EVENT#e1' } },
        StreamViewType: 'NEW_AND_OLD_IMAGES',
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
    const { table, streamArn, checkpointFile } = await freshTable();
    const { handler, records } = recordingHandler();
    const poller = new StreamPoller({
      streamsClient: streams,
      streamArn,
      checkpointFile,
      handler,
      filter: PLANNER_STREAM_FILTER,
      onFailure: noFailures,
    });

    // Act
    await put(table, 'EVENT#a');
    await put(table, 'REMINDER#x');
    await client.send(
      new UpdateItemCommand({
        TableName: table,
        Key: { pk: { S: 'USER#u1' }, sk: { S: 'EVENT#a' } },
        UpdateExpression: 'SET title = :t',
        ExpressionAttributeValues: { ':t': { S: 'changed' } },
      }),
    );
    await poller.drain();

    // Assess
    expect(records.map((r) => [r.eventName, skOf(r)])).toEqual([['INSERT', 'EVENT#a']]);
    const sequenceNumbers = await allSequenceNumbers(streamArn);
    expect(sequenceNumbers).toHaveLength(3);
    const checkpoint = JSON.parse(await readFile(checkpointFile, 'utf8')) as {
      shards: Record<string, { sequenceNumber?: string }>;
    };
    expect(Object.values(checkpoint.shards).map((s) => s.sequenceNumber)).toEqual([sequenceNumbers.at(-1)]);
  });

  it('delivers records in order, in batches of at most batchSize', async () => {
    // Prepare
    const { table, streamArn, checkpointFile } = await freshTable();
    const { handler, calls } = recordingHandler();
    const poller = new StreamPoller({
      streamsClient: streams,
      streamArn,
      checkpointFile,
      handler,
      batchSize: 2,
      onFailure: noFailures,
    });

    // Act
    for (const n of [1, 2, 3, 4, 5]) await put(table, `EVENT#${n}`);
    await poller.drain();

    // Assess
    expect(calls).toEqual([['EVENT#1', 'EVENT#2'], ['EVENT#3', 'EVENT#4'], ['EVENT#5']]);
  });

  it('retries from the record named in batchItemFailures and does not redeliver the record before it', async () => {
    // Prepare
    const { table, streamArn, checkpointFile } = await freshTable();
    const { handler, calls } = recordingHandler((event, call) => {
      const second = event.Records.find((r) => skOf(r) === 'EVENT#2');
      return call === 1 && second
        ? { batchItemFailures: [{ itemIdentifier: second.dynamodb?.SequenceNumber ?? '' }] }
        : undefined;
    });
    const poller = new StreamPoller({
      streamsClient: streams,
      streamArn,
      checkpointFile,
      handler,
      onFailure: noFailures,
    });

    // Act
    for (const n of [1, 2, 3]) await put(table, `EVENT#${n}`);
    await poller.drain();

    // Assess
    expect(calls).toEqual([
      ['EVENT#1', 'EVENT#2', 'EVENT#3'],
      ['EVENT#2', 'EVENT#3'],
    ]);
  });

  it('sends a record whose handler always throws to onFailure after the retries, and moves on', async () => {
    // Prepare
    const { table, streamArn, checkpointFile } = await freshTable();
    const calls: string[][] = [];
    const failures: Array<{ sks: Array<string | undefined>; error: string; attempts: number }> = [];
    const poller = new StreamPoller({
      streamsClient: streams,
      streamArn,
      checkpointFile,
      maximumRetryAttempts: 2,
      handler: async (event) => {
        calls.push(event.Records.map((r) => skOf(r) ?? '?'));
        if (event.Records.some((r) => skOf(r) === 'EVENT#poison')) throw new Error('cannot plan this event');
      },
      onFailure: ({ records, error, attempts }) => {
        failures.push({ sks: records.map(skOf), error, attempts });
      },
    });

    // Act
    await put(table, 'EVENT#poison');
    await put(table, 'EVENT#ok');
    await poller.drain();
    await put(table, 'EVENT#later');
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
    expect(failures).toEqual([
      { sks: ['EVENT#poison'], error: 'Error: cannot plan this event', attempts: 3 },
    ]);
  });

  it('without bisection sends the whole failing batch to onFailure', async () => {
    // Prepare
    const { table, streamArn, checkpointFile } = await freshTable();
    const calls: string[][] = [];
    const failed: Array<Array<string | undefined>> = [];
    const poller = new StreamPoller({
      streamsClient: streams,
      streamArn,
      checkpointFile,
      maximumRetryAttempts: 1,
      bisectBatchOnFunctionError: false,
      handler: async (event) => {
        calls.push(event.Records.map((r) => skOf(r) ?? '?'));
        throw new Error('down');
      },
      onFailure: ({ records }) => {
        failed.push(records.map(skOf));
      },
    });

    // Act
    await put(table, 'EVENT#1');
    await put(table, 'EVENT#2');
    await poller.drain();

    // Assess
    expect(calls).toEqual([
      ['EVENT#1', 'EVENT#2'],
      ['EVENT#1', 'EVENT#2'],
    ]);
    expect(failed).toEqual([['EVENT#1', 'EVENT#2']]);
  });

  it('does not redeliver processed records to a new poller that shares the checkpoint file', async () => {
    // Prepare
    const { table, streamArn, checkpointFile } = await freshTable();
    const first = recordingHandler();
    const before = new StreamPoller({
      streamsClient: streams,
      streamArn,
      checkpointFile,
      handler: first.handler,
      onFailure: noFailures,
    });
    await put(table, 'EVENT#1');
    await put(table, 'EVENT#2');
    await before.drain();
    await before.stop();

    // Act
    const second = recordingHandler();
    const after = new StreamPoller({
      streamsClient: streams,
      streamArn,
      checkpointFile,
      handler: second.handler,
      onFailure: noFailures,
    });
    await put(table, 'EVENT#3');
    await after.drain();

    // Assess
    expect(first.calls.flat()).toEqual(['EVENT#1', 'EVENT#2']);
    expect(second.calls.flat()).toEqual(['EVENT#3']);
  });

  it('lets drain run while the background loop polls, delivering each record once', async () => {
    // Prepare
    const { table, streamArn, checkpointFile } = await freshTable();
    const { handler, calls } = recordingHandler();
    const poller = new StreamPoller({
      streamsClient: streams,
      streamArn,
      checkpointFile,
      handler,
      onFailure: noFailures,
    });
    poller.start(10);

    try {
      // Act
      for (const n of [1, 2, 3]) {
        await put(table, `EVENT#${n}`);
        await poller.drain();
      }

      // Assess
      expect(calls.flat()).toEqual(['EVENT#1', 'EVENT#2', 'EVENT#3']);
    } finally {
      await poller.stop();
    }
  });
});
