/**
 * Replaying a stream dead letter. When the planner fails on a batch of table-stream records beyond its
 * retries, Lambda sends the batch's description (not its records: no keys, no data) to the planner's
 * on-failure queue. A replay reads those records back from the stream, which keeps them 24 hours, and hands
 * them to the planner as the event source mapping would have. Replaying is safe: the planner applies each
 * event once (`plannedAt`) and only re-syncs the timers of one applied before.
 *
 * The twin runs the same replay against DynamoDB Local, with its own record conversion (DynamoDB Local's
 * quirks, `infra/local/stream/record.ts`) and the planner invoked in-process.
 */
import {
  type DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
  ResourceNotFoundException,
  type AttributeValue as SdkAttributeValue,
  type _Record as SdkRecord,
  TrimmedDataAccessException,
} from '@aws-sdk/client-dynamodb-streams';
import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import type { AttributeValue, DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import * as z from 'zod';
import { ReboundError } from '../errors.ts';
import { PLANNER_STREAM_FILTER } from '../table-definition.ts';

/** Lambda's description of a failed stream batch (`DDBStreamBatchInfo` in the on-failure record). */
export interface StreamBatch {
  readonly shardId: string;
  readonly startSequenceNumber: string;
  readonly endSequenceNumber: string;
  readonly streamArn: string;
}

const StreamBatchRecordSchema = z.looseObject({
  DDBStreamBatchInfo: z.looseObject({
    shardId: z.string().min(1),
    startSequenceNumber: z.string().regex(/^\d+$/),
    endSequenceNumber: z.string().regex(/^\d+$/),
    streamArn: z.string().startsWith('arn:'),
  }),
});

/** The batch an on-failure record (its JSON text, or parsed) describes; `undefined` if it describes none. */
export function streamBatchOf(record: unknown): StreamBatch | undefined {
  const value = typeof record === 'string' ? parseJson(record) : record;
  const parsed = StreamBatchRecordSchema.safeParse(value);
  if (!parsed.success) return undefined;
  const { shardId, startSequenceNumber, endSequenceNumber, streamArn } = parsed.data.DDBStreamBatchInfo;
  return { shardId, startSequenceNumber, endSequenceNumber, streamArn };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** How a replay went. `lost`: the stream no longer holds the records (older than 24 hours, or re-created). */
export type ReplayOutcome =
  | { readonly outcome: 'replayed'; readonly records: number }
  | { readonly outcome: 'lost'; readonly reason: string }
  | { readonly outcome: 'failed'; readonly reason: string };

export interface StreamReplayer {
  replay(batch: StreamBatch): Promise<ReplayOutcome>;
}

/**
 * Runs the planner with a stream event; its answer as the event source mapping reads it (records reported
 * failed), or throws when the invocation failed as a whole.
 */
// biome-ignore lint/suspicious/noConfusingVoidType: the return type of aws-lambda's DynamoDBStreamHandler, so the real handler plugs in unchanged.
export type PlannerInvoke = (event: DynamoDBStreamEvent) => Promise<DynamoDBBatchResponse | void>;

/** The planner on AWS: a synchronous `Invoke` (the admin function waits for its answer). */
export function lambdaPlanner(client: Pick<LambdaClient, 'send'>, functionArn: string): PlannerInvoke {
  return async (event) => {
    const result = await client.send(
      new InvokeCommand({
        FunctionName: functionArn,
        InvocationType: 'RequestResponse',
        Payload: new TextEncoder().encode(JSON.stringify(event)),
      }),
    );
    const text = result.Payload ? new TextDecoder().decode(result.Payload) : '';
    if (result.FunctionError) {
      throw new ReboundError(`The planner failed (${result.FunctionError}): ${text.slice(0, 300)}`);
    }
    return text === '' || text === 'null' ? undefined : (JSON.parse(text) as DynamoDBBatchResponse);
  };
}

/** The planner's event-source filter (`PLANNER_STREAM_FILTER`): INSERTs of `EVENT#` items only. */
export function matchesPlannerFilter(record: DynamoDBRecord): boolean {
  const [{ prefix }] = PLANNER_STREAM_FILTER.dynamodb.Keys.sk.S;
  return (
    (PLANNER_STREAM_FILTER.eventName as readonly string[]).includes(record.eventName ?? '') &&
    (record.dynamodb?.Keys?.sk?.S ?? '').startsWith(prefix)
  );
}

/** A stream record as the SDK reads it, in the shape Lambda delivers (times in epoch seconds, binary base64). */
export function sdkToLambdaRecord(record: SdkRecord, streamArn: string): DynamoDBRecord {
  const source = record.dynamodb ?? {};
  const image = (value: Record<string, SdkAttributeValue> | undefined) =>
    value && Object.fromEntries(Object.entries(value).map(([k, v]) => [k, lambdaValue(v)]));
  const dynamodb: NonNullable<DynamoDBRecord['dynamodb']> = {
    ApproximateCreationDateTime: source.ApproximateCreationDateTime
      ? source.ApproximateCreationDateTime.getTime() / 1000
      : undefined,
    Keys: image(source.Keys),
    NewImage: image(source.NewImage),
    OldImage: image(source.OldImage),
    SequenceNumber: source.SequenceNumber,
    SizeBytes: source.SizeBytes,
    StreamViewType: source.StreamViewType as NonNullable<DynamoDBRecord['dynamodb']>['StreamViewType'],
  };
  return {
    eventID: record.eventID,
    eventName: record.eventName as DynamoDBRecord['eventName'],
    eventVersion: record.eventVersion,
    eventSource: record.eventSource,
    awsRegion: record.awsRegion,
    eventSourceARN: streamArn,
    dynamodb: Object.fromEntries(Object.entries(dynamodb).filter(([, v]) => v !== undefined)),
    ...(record.userIdentity
      ? { userIdentity: { type: record.userIdentity.Type, principalId: record.userIdentity.PrincipalId } }
      : {}),
  };
}

function lambdaValue(value: SdkAttributeValue): AttributeValue {
  if (value.B !== undefined) return { B: Buffer.from(value.B).toString('base64') };
  if (value.BS !== undefined) return { BS: value.BS.map((b) => Buffer.from(b).toString('base64')) };
  if (value.L !== undefined) return { L: value.L.map(lambdaValue) };
  if (value.M !== undefined) {
    return { M: Object.fromEntries(Object.entries(value.M).map(([k, v]) => [k, lambdaValue(v)])) };
  }
  return value as AttributeValue;
}

export interface StreamReplayOptions {
  /** @default {@link sdkToLambdaRecord} */
  readonly toRecord?: (record: SdkRecord, streamArn: string) => DynamoDBRecord;
  /** Which records the planner is given. @default {@link matchesPlannerFilter} */
  readonly matches?: (record: DynamoDBRecord) => boolean;
  /** Empty pages read in a row before the end of an open shard is taken as reached. @default 5 */
  readonly maxEmptyPages?: number;
}

/** Records read back per batch at most: a batch is at most 25 (`PLANNER_STREAM_MAPPING`); this bounds a bad one. */
const MAX_RECORDS = 1_000;

/** Reads a batch back with `GetShardIterator` (`AT_SEQUENCE_NUMBER`) and `GetRecords`, and invokes the planner. */
export class DynamoDbStreamReplay implements StreamReplayer {
  public constructor(
    private readonly streams: Pick<DynamoDBStreamsClient, 'send'>,
    private readonly invoke: PlannerInvoke,
    private readonly options: StreamReplayOptions = {},
  ) {}

  /**
   * 1. Read the records from the batch's first sequence number through its last (the range may hold records
   *    the planner's filter left out: they are left out again).
   * 2. Invoke the planner with them in one event; `replayed` only if it reported no record failed.
   * A stream that no longer has the first record (trimmed after 24 hours, or the stream or shard gone) is
   * `lost`; any other error reading them back is `failed`. Either way nothing is invoked.
   */
  public async replay(batch: StreamBatch): Promise<ReplayOutcome> {
    let records: DynamoDBRecord[];
    try {
      records = await this.read(batch);
    } catch (error) {
      if (error instanceof TrimmedDataAccessException || error instanceof ResourceNotFoundException) {
        return { outcome: 'lost', reason: `the stream no longer holds these records (${error.name})` };
      }
      // Anything else (a network error, a record that cannot be converted) may go another time: kept.
      const reason = error instanceof Error ? error.message : String(error);
      return { outcome: 'failed', reason: `they could not be read back (${reason})` };
    }
    const matches = this.options.matches ?? matchesPlannerFilter;
    const planned = records.filter(matches);
    if (planned.length === 0) return { outcome: 'replayed', records: 0 };
    let response: DynamoDBBatchResponse | undefined;
    try {
      response = (await this.invoke({ Records: planned })) ?? undefined;
    } catch (error) {
      return { outcome: 'failed', reason: error instanceof Error ? error.message : String(error) };
    }
    const failed = response?.batchItemFailures?.length ?? 0;
    if (failed > 0) {
      return {
        outcome: 'failed',
        reason: `the planner failed on ${failed} of ${planned.length} records again`,
      };
    }
    return { outcome: 'replayed', records: planned.length };
  }

  private async read(batch: StreamBatch): Promise<DynamoDBRecord[]> {
    const toRecord = this.options.toRecord ?? sdkToLambdaRecord;
    const end = BigInt(batch.endSequenceNumber);
    const { ShardIterator } = await this.streams.send(
      new GetShardIteratorCommand({
        StreamArn: batch.streamArn,
        ShardId: batch.shardId,
        ShardIteratorType: 'AT_SEQUENCE_NUMBER',
        SequenceNumber: batch.startSequenceNumber,
      }),
    );
    const out: DynamoDBRecord[] = [];
    let iterator = ShardIterator;
    let empty = 0;
    // Open shards answer empty pages at their end (and, on AWS, now and then before it).
    while (iterator && empty < (this.options.maxEmptyPages ?? 5) && out.length < MAX_RECORDS) {
      const page = await this.streams.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 100 }));
      const found = page.Records ?? [];
      empty = found.length === 0 ? empty + 1 : 0;
      for (const record of found) {
        const sequence = BigInt(record.dynamodb?.SequenceNumber ?? '0');
        if (sequence > end) return out;
        out.push(toRecord(record, batch.streamArn));
        if (sequence === end) return out;
      }
      iterator = page.NextShardIterator;
    }
    return out;
  }
}
