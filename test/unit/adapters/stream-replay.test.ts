/**
 * Replaying a stream dead letter (`shared/adapters/stream-replay.ts`) with stubbed DynamoDB Streams and
 * Lambda clients (`send`): the batch read back from its first sequence number to its last, only the records
 * the planner's filter lets through, lost records when the stream no longer has them, and the planner's answer.
 */
import {
  type DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type _Record as SdkRecord,
  TrimmedDataAccessException,
} from '@aws-sdk/client-dynamodb-streams';
import type { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import type { DynamoDBStreamEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import {
  DynamoDbStreamReplay,
  lambdaPlanner,
  type StreamBatch,
  streamBatchOf,
} from '#shared/adapters/stream-replay.ts';

const STREAM_ARN = 'arn:aws:dynamodb:eu-west-1:123456789012:table/rebound/stream/2027-01-01T00:00:00.000';
const BATCH: StreamBatch = {
  shardId: 'shardId-1',
  startSequenceNumber: '200',
  endSequenceNumber: '400',
  streamArn: STREAM_ARN,
};

const record = (sequence: string, sk: string, eventName = 'INSERT'): SdkRecord => ({
  eventID: `e${sequence}`,
  eventName: eventName as SdkRecord['eventName'],
  eventVersion: '1.1',
  eventSource: 'aws:dynamodb',
  awsRegion: 'eu-west-1',
  dynamodb: {
    ApproximateCreationDateTime: new Date('2027-01-11T08:00:00Z'),
    Keys: { pk: { S: 'USER#u_1' }, sk: { S: sk } },
    NewImage: { pk: { S: 'USER#u_1' }, sk: { S: sk }, blob: { B: new Uint8Array([1, 2]) } },
    SequenceNumber: sequence,
    SizeBytes: 10,
    StreamViewType: 'NEW_IMAGE',
  },
});

/** A shard on a stubbed streams client: pages of records, then empty pages with an iterator (an open shard). */
class FakeStreams {
  public readonly commands: unknown[] = [];
  public constructor(
    private readonly pages: SdkRecord[][],
    private readonly fail?: Error,
  ) {}
  public async send(command: unknown): Promise<unknown> {
    this.commands.push(command);
    if (command instanceof GetShardIteratorCommand) {
      if (this.fail) throw this.fail;
      return { ShardIterator: 'it-0' };
    }
    if (command instanceof GetRecordsCommand) {
      const index = Number((command.input.ShardIterator ?? 'it-0').slice(3));
      return { Records: this.pages[index] ?? [], NextShardIterator: `it-${index + 1}` };
    }
    throw new Error('unexpected command');
  }
  public as(): DynamoDBStreamsClient {
    return this as unknown as DynamoDBStreamsClient;
  }
}

describe("reading Lambda's on-failure record", () => {
  it('takes the shard, the sequence range and the stream from DDBStreamBatchInfo', () => {
    const body = JSON.stringify({
      requestContext: { requestId: 'x', condition: 'RetryAttemptsExhausted', approximateInvokeCount: 4 },
      responseContext: { statusCode: 200, functionError: 'Unhandled' },
      version: '1.0',
      timestamp: '2027-01-11T08:00:00.000Z',
      DDBStreamBatchInfo: {
        shardId: 'shardId-1',
        startSequenceNumber: '200',
        endSequenceNumber: '400',
        approximateArrivalOfFirstRecord: '2027-01-11T08:00:00Z',
        approximateArrivalOfLastRecord: '2027-01-11T08:00:01Z',
        batchSize: 3,
        streamArn: STREAM_ARN,
      },
    });
    expect(streamBatchOf(body)).toEqual(BATCH);
    expect(streamBatchOf(JSON.parse(body))).toEqual(BATCH);
  });

  it('finds no batch in anything else', () => {
    for (const body of ['{}', 'nope', '{"DDBStreamBatchInfo":{"shardId":"s"}}', '{"userId":"u_1"}']) {
      expect(streamBatchOf(body), body).toBeUndefined();
    }
  });
});

describe('replaying a batch', () => {
  it('reads from the first sequence number through the last and gives the planner the event INSERTs only', async () => {
    const streams = new FakeStreams([
      [record('200', 'EVENT#a'), record('250', 'REMINDER#r1')],
      [],
      [record('300', 'EVENT#b', 'MODIFY'), record('400', 'EVENT#c'), record('500', 'EVENT#later')],
    ]);
    const events: DynamoDBStreamEvent[] = [];
    const replay = new DynamoDbStreamReplay(streams.as(), async (event) => {
      events.push(event);
      return { batchItemFailures: [] };
    });

    const outcome = await replay.replay(BATCH);

    expect(outcome).toEqual({ outcome: 'replayed', records: 2 });
    expect((streams.commands[0] as GetShardIteratorCommand).input).toEqual({
      StreamArn: STREAM_ARN,
      ShardId: 'shardId-1',
      ShardIteratorType: 'AT_SEQUENCE_NUMBER',
      SequenceNumber: '200',
    });
    expect(events).toHaveLength(1);
    const records = events[0]?.Records ?? [];
    expect(records.map((r) => r.dynamodb?.SequenceNumber)).toEqual(['200', '400']);
    // Lambda's shape: the stream's ARN, epoch seconds, binary as base64
    expect(records[0]).toMatchObject({
      eventSourceARN: STREAM_ARN,
      eventName: 'INSERT',
      dynamodb: { ApproximateCreationDateTime: 1_799_654_400, NewImage: { blob: { B: 'AQI=' } } },
    });
    // It stopped at the batch's last record: the page after it was never asked for.
    expect(streams.commands.filter((c) => c instanceof GetRecordsCommand)).toHaveLength(3);
  });

  it('stops at the end of an open shard after a few empty pages', async () => {
    const streams = new FakeStreams([[record('200', 'EVENT#a')]]);
    const replay = new DynamoDbStreamReplay(streams.as(), async () => ({ batchItemFailures: [] }), {
      maxEmptyPages: 3,
    });
    expect(await replay.replay(BATCH)).toEqual({ outcome: 'replayed', records: 1 });
    expect(streams.commands.filter((c) => c instanceof GetRecordsCommand)).toHaveLength(4);
  });

  it('reports the records lost when the stream no longer holds them, and invokes nothing', async () => {
    const trimmed = new TrimmedDataAccessException({ message: 'trimmed', $metadata: {} });
    let invoked = 0;
    const replay = new DynamoDbStreamReplay(new FakeStreams([], trimmed).as(), async () => {
      invoked += 1;
    });
    expect(await replay.replay(BATCH)).toEqual({
      outcome: 'lost',
      reason: 'the stream no longer holds these records (TrimmedDataAccessException)',
    });
    expect(invoked).toBe(0);
  });

  it('reports a failure when the planner fails on a record again, or as a whole', async () => {
    const page = () => new FakeStreams([[record('200', 'EVENT#a'), record('400', 'EVENT#b')]]).as();
    const partly = new DynamoDbStreamReplay(page(), async () => ({
      batchItemFailures: [{ itemIdentifier: '400' }],
    }));
    const wholly = new DynamoDbStreamReplay(page(), async () => {
      throw new Error('planner timed out');
    });
    expect(await partly.replay(BATCH)).toEqual({
      outcome: 'failed',
      reason: 'the planner failed on 1 of 2 records again',
    });
    expect(await wholly.replay(BATCH)).toEqual({ outcome: 'failed', reason: 'planner timed out' });
  });

  it('invokes nothing when the range holds no record for the planner', async () => {
    let invoked = 0;
    const replay = new DynamoDbStreamReplay(
      new FakeStreams([[record('200', 'REMINDER#r'), record('400', 'DIGEST#d')]]).as(),
      async () => {
        invoked += 1;
      },
    );
    expect(await replay.replay(BATCH)).toEqual({ outcome: 'replayed', records: 0 });
    expect(invoked).toBe(0);
  });
});

describe('the planner on AWS', () => {
  const lambda = (answer: { Payload?: Uint8Array; FunctionError?: string }) => {
    const commands: InvokeCommand[] = [];
    const client = {
      send: async (command: InvokeCommand) => {
        commands.push(command);
        return answer;
      },
    } as unknown as LambdaClient;
    return { client, commands };
  };
  const bytes = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));

  it('invokes the function synchronously with the event and returns its batch answer', async () => {
    const { client, commands } = lambda({ Payload: bytes({ batchItemFailures: [] }) });
    const event = { Records: [] };
    expect(await lambdaPlanner(client, 'arn:aws:lambda:eu-west-1:1:function:planner')(event)).toEqual({
      batchItemFailures: [],
    });
    expect(commands[0]?.input.FunctionName).toBe('arn:aws:lambda:eu-west-1:1:function:planner');
    expect(commands[0]?.input.InvocationType).toBe('RequestResponse');
    expect(JSON.parse(new TextDecoder().decode(commands[0]?.input.Payload as Uint8Array))).toEqual(event);
  });

  it('throws when the function failed', async () => {
    const { client } = lambda({ FunctionError: 'Unhandled', Payload: bytes({ errorMessage: 'boom' }) });
    await expect(lambdaPlanner(client, 'arn:x')({ Records: [] })).rejects.toThrow(/Unhandled.*boom/);
  });
});
