/**
 * A local Lambda event source mapping for DynamoDB Streams: it reads every shard in order, filters with
 * the same FilterCriteria pattern CDK deploys, batches, and applies AWS's failure rules (retries, bisection,
 * partial batch responses, an on-failure destination). Checkpoints live in a JSON file so a restarted
 * twin carries on where it stopped.
 *
 * Semantics follow the Lambda developer guide, "Lambda parameters for Amazon DynamoDB event source
 * mappings" and "Configuring partial batch response with DynamoDB and Lambda":
 *  - a batch is checkpointed only when it fully succeeds; any other outcome retries it;
 *  - `batchItemFailures`: checkpoint before the lowest reported sequence number, retry from it (a retry);
 *    an empty or unknown `itemIdentifier` fails the whole batch;
 *  - BisectBatchOnFunctionError: a batch whose invocation fails is split in two before retrying, whatever
 *    ReportBatchItemFailures says; splitting consumes no retry ("Retain discarded batch records", Kinesis
 *    page), so each half starts with a fresh count and a poison record is isolated before the limit decides;
 *  - after MaximumRetryAttempts the records still failing go to the on-failure destination and the
 *    checkpoint moves past them.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import {
  DescribeStreamCommand,
  type DynamoDBStreamsClient,
  ExpiredIteratorException,
  GetRecordsCommand,
  GetShardIteratorCommand,
  ResourceNotFoundException,
  type AttributeValue as SdkAttributeValue,
  type _Record as SdkRecord,
  type Shard,
  TrimmedDataAccessException,
} from '@aws-sdk/client-dynamodb-streams';
import type {
  AttributeValue,
  DynamoDBBatchResponse,
  DynamoDBRecord,
  DynamoDBStreamEvent,
  StreamRecord,
} from 'aws-lambda';

export interface StreamPollerOptions {
  readonly streamsClient: DynamoDBStreamsClient;
  readonly streamArn: string;
  /** JSON file holding, per shard, the last SequenceNumber that was handled; written atomically (tmp + rename). */
  readonly checkpointFile: string;
  /** The function under test. A throw is a function error; the return value counts only with `reportBatchItemFailures`. */
  // biome-ignore lint/suspicious/noConfusingVoidType: the return type of aws-lambda's DynamoDBStreamHandler, so real handlers plug in unchanged.
  readonly handler: (event: DynamoDBStreamEvent) => Promise<DynamoDBBatchResponse | void>;
  /**
   * A Lambda filter pattern object (for example `PLANNER_STREAM_FILTER`) or a whole `FilterCriteria`
   * (`{ Filters: [{ Pattern: '<json>' }] }`). Records that do not match are skipped and checkpointed.
   * @default every record is delivered
   */
  readonly filter?: unknown;
  /** Largest number of (filtered) records per invocation. @default 100 */
  readonly batchSize?: number;
  /** Retries after the first failed invocation; `-1` retries forever (AWS's default). @default 3 */
  readonly maximumRetryAttempts?: number;
  /** Split a batch whose invocation failed in two before retrying. @default true */
  readonly bisectBatchOnFunctionError?: boolean;
  /** Honour `batchItemFailures` in the handler's response (FunctionResponseTypes: ReportBatchItemFailures). @default true */
  readonly reportBatchItemFailures?: boolean;
  /** The on-failure destination: receives the records that exhausted their retries. `attempts` counts invocations. */
  readonly onFailure: (failure: {
    records: DynamoDBRecord[];
    error: string;
    attempts: number;
  }) => Promise<void> | void;
  /** Operational log: shard ids, counts and sequence numbers only, never record contents. @default silent */
  readonly log?: (msg: string, data?: Record<string, unknown>) => void;
}

export interface DrainOptions {
  /** Give up (reject) when the stream has not gone quiet within this time. @default 30000 */
  readonly timeoutMs?: number;
}

/** Raised by `drain()` when it cannot finish: the poller was stopped, or the stream did not go quiet in time. */
export class StreamPollerError extends Error {
  public constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'StreamPollerError';
  }
}

/**
 * Polls one DynamoDB stream and invokes `handler` the way a Lambda event source mapping does.
 *
 * One round: (re)describe the stream when needed, then for each readable shard (open, or closed but not
 * read to its end, and whose parent is finished) fetch one page of records, filter, deliver in batches,
 * checkpoint. Shards are read one after the other; records of a shard are strictly in order.
 */
export class StreamPoller {
  private readonly handler: StreamPollerOptions['handler'];
  private readonly onFailure: StreamPollerOptions['onFailure'];
  private readonly log: NonNullable<StreamPollerOptions['log']>;
  private readonly matches: RecordPredicate;
  private readonly batchSize: number;
  private readonly maximumRetryAttempts: number;
  private readonly bisect: boolean;
  private readonly reportBatchItemFailures: boolean;
  private readonly checkpoints: CheckpointStore;

  private readonly shards = new Map<string, ShardState>();
  private describedAt = Number.NEGATIVE_INFINITY;
  private mustDescribe = true;
  /** Every round runs behind this promise, so the loop and `drain()` never overlap. */
  private lock: Promise<unknown> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private stopping = false;
  private generation = 0;

  public constructor(private readonly opts: StreamPollerOptions) {
    this.handler = opts.handler;
    this.onFailure = opts.onFailure;
    this.log = opts.log ?? (() => undefined);
    this.matches = opts.filter === undefined ? () => true : compileFilter(opts.filter);
    this.batchSize = positiveInteger(opts.batchSize ?? 100, 'batchSize');
    this.maximumRetryAttempts = opts.maximumRetryAttempts ?? 3;
    if (!Number.isInteger(this.maximumRetryAttempts) || this.maximumRetryAttempts < -1) {
      throw new RangeError('maximumRetryAttempts must be an integer >= -1');
    }
    this.bisect = opts.bisectBatchOnFunctionError ?? true;
    this.reportBatchItemFailures = opts.reportBatchItemFailures ?? true;
    this.checkpoints = new CheckpointStore(opts.checkpointFile, opts.streamArn, this.log);
  }

  /** Start the background loop: one round, then `intervalMs` of rest, repeated; rounds never overlap. */
  public start(intervalMs = 250): void {
    if (this.running) return;
    this.running = true;
    // A stop() + start() while a round is in flight must not leave two loops behind.
    const generation = ++this.generation;
    const tick = (): void => {
      this.timer = undefined;
      void this.exclusive(() => this.round())
        .catch((error: unknown) => this.log('stream poll round failed', { error: describeError(error) }))
        .finally(() => {
          if (this.running && generation === this.generation) this.timer = setTimeout(tick, intervalMs);
        });
    };
    tick();
  }

  /** Stop the loop; an in-flight round ends after its current invocation and is awaited. Records not yet checkpointed are delivered again later. */
  public async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.stopping = true;
    try {
      await this.exclusive(async () => undefined);
    } finally {
      this.stopping = false;
    }
  }

  /**
   * Poll until a round fetches no records on any readable shard, discovers no new shard and hits no error;
   * every batch delivered before that has settled (succeeded or reached `onFailure`). Retries run inside the
   * round, so none is pending afterwards. Safe to call while the loop runs: rounds are serialized.
   * The timeout is checked between rounds; with `maximumRetryAttempts: -1` a poison record keeps one round
   * busy until `stop()`.
   */
  public async drain(options: DrainOptions = {}): Promise<void> {
    const timeoutMs = options.timeoutMs ?? 30_000;
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const result = await this.exclusive(() => this.round());
      if (result.aborted) throw new StreamPollerError('StreamPoller was stopped while draining');
      if (result.records === 0 && !result.shardsChanged && result.errors === 0) return;
      if (performance.now() > deadline) {
        throw new StreamPollerError(`Stream ${this.opts.streamArn} did not go quiet within ${timeoutMs} ms`);
      }
      // Do not spin on a failing stream (for example DynamoDB Local going away).
      if (result.errors > 0) await new Promise((resolve) => setTimeout(resolve, DRAIN_ERROR_PAUSE_MS));
    }
  }

  // ---- one round ----------------------------------------------------------------------------------------

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.lock.then(fn, fn);
    this.lock = run.catch(() => undefined);
    return run;
  }

  private async round(): Promise<RoundResult> {
    const result: RoundResult = { records: 0, shardsChanged: false, errors: 0, aborted: false };
    if (this.stopping) return { ...result, aborted: true };
    await this.checkpoints.load();
    const shouldDescribe =
      this.mustDescribe ||
      this.readableShards().length === 0 ||
      performance.now() - this.describedAt > REDESCRIBE_MS;
    if (shouldDescribe) result.shardsChanged = await this.describe();

    for (const shard of this.readableShards()) {
      if (this.stopping) return { ...result, aborted: true };
      try {
        const polled = await this.pollShard(shard);
        result.records += polled.records;
        result.shardsChanged ||= polled.finished;
      } catch (error) {
        // Start over from the last checkpoint next round: nothing after it was acknowledged.
        shard.iterator = undefined;
        if (error instanceof StopRequested) return { ...result, aborted: true };
        result.errors += 1;
        this.log('stream shard poll failed; resuming from the checkpoint', {
          shardId: shard.id,
          error: describeError(error),
        });
      } finally {
        await this.checkpoints.flush();
      }
    }
    return result;
  }

  /** Refresh the shard list (all pages). Returns whether a shard appeared that was not known before. */
  private async describe(): Promise<boolean> {
    const listed: Shard[] = [];
    let exclusiveStartShardId: string | undefined;
    do {
      const { StreamDescription } = await this.opts.streamsClient.send(
        new DescribeStreamCommand({
          StreamArn: this.opts.streamArn,
          ExclusiveStartShardId: exclusiveStartShardId,
        }),
      );
      listed.push(...(StreamDescription?.Shards ?? []));
      exclusiveStartShardId = StreamDescription?.LastEvaluatedShardId;
    } while (exclusiveStartShardId);

    let added = false;
    for (const shard of listed) {
      if (!shard.ShardId || this.shards.has(shard.ShardId)) continue;
      const saved = this.checkpoints.get(shard.ShardId);
      this.shards.set(shard.ShardId, {
        id: shard.ShardId,
        parentId: shard.ParentShardId,
        iterator: undefined,
        finished: saved?.finished === true,
      });
      added = true;
      this.log('stream shard discovered', { shardId: shard.ShardId, parentShardId: shard.ParentShardId });
    }
    this.describedAt = performance.now();
    this.mustDescribe = false;
    return added;
  }

  /** Not yet read to the end, and its parent (if still listed) is finished: children wait for parents. */
  private readableShards(): ShardState[] {
    return [...this.shards.values()].filter((shard) => {
      if (shard.finished) return false;
      const parent = shard.parentId ? this.shards.get(shard.parentId) : undefined;
      return parent === undefined || parent.finished;
    });
  }

  private async pollShard(shard: ShardState): Promise<{ records: number; finished: boolean }> {
    shard.iterator ??= await this.openIterator(shard);
    let page: { Records?: SdkRecord[]; NextShardIterator?: string };
    try {
      page = await this.getRecords(shard.iterator);
    } catch (error) {
      if (error instanceof ResourceNotFoundException) this.mustDescribe = true;
      if (!(error instanceof ExpiredIteratorException)) throw error;
      // Iterators live 15 minutes; after a long pause reopen from the checkpoint.
      shard.iterator = await this.openIterator(shard);
      page = await this.getRecords(shard.iterator);
    }
    const records = page.Records ?? [];
    if (records.length > 0) await this.process(shard, records);

    shard.iterator = page.NextShardIterator;
    if (!shard.iterator) {
      // A closed shard read to its end: its children become readable, so look for them.
      shard.finished = true;
      this.checkpoints.finish(shard.id);
      this.mustDescribe = true;
      this.log('stream shard finished', { shardId: shard.id });
    }
    return { records: records.length, finished: shard.finished };
  }

  private getRecords(iterator: string): Promise<{ Records?: SdkRecord[]; NextShardIterator?: string }> {
    return this.opts.streamsClient.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 1000 }));
  }

  /** AFTER_SEQUENCE_NUMBER from the checkpoint, else TRIM_HORIZON (also when the checkpoint was trimmed away). */
  private async openIterator(shard: ShardState): Promise<string> {
    const sequenceNumber = this.checkpoints.get(shard.id)?.sequenceNumber;
    const base = { StreamArn: this.opts.streamArn, ShardId: shard.id };
    if (sequenceNumber) {
      try {
        const { ShardIterator } = await this.opts.streamsClient.send(
          new GetShardIteratorCommand({
            ...base,
            ShardIteratorType: 'AFTER_SEQUENCE_NUMBER',
            SequenceNumber: sequenceNumber,
          }),
        );
        if (ShardIterator) return ShardIterator;
      } catch (error) {
        if (!(error instanceof TrimmedDataAccessException)) throw error;
        this.log('checkpoint is older than the stream retention; reading from TRIM_HORIZON', {
          shardId: shard.id,
          sequenceNumber,
        });
      }
    }
    const { ShardIterator } = await this.opts.streamsClient.send(
      new GetShardIteratorCommand({ ...base, ShardIteratorType: 'TRIM_HORIZON' }),
    );
    if (!ShardIterator) throw new StreamPollerError(`No shard iterator for ${shard.id}`);
    return ShardIterator;
  }

  // ---- delivery -----------------------------------------------------------------------------------------

  /**
   * Filter one page and deliver it in batches of up to `batchSize`, in order. Skipped records are
   * checkpointed once everything before them has settled.
   */
  private async process(shard: ShardState, page: readonly SdkRecord[]): Promise<void> {
    let batch: DynamoDBRecord[] = [];
    let skippedAfterBatch: string | undefined;
    for (const raw of page) {
      const record = toLambdaRecord(raw, this.opts.streamArn);
      const sequenceNumber = sequenceOf(record);
      if (!this.matches(record)) {
        if (batch.length === 0) this.checkpoints.advance(shard.id, sequenceNumber);
        else skippedAfterBatch = sequenceNumber;
        continue;
      }
      batch.push(record);
      skippedAfterBatch = undefined;
      if (batch.length === this.batchSize) {
        await this.deliver(shard, batch);
        batch = [];
      }
    }
    if (batch.length > 0) await this.deliver(shard, batch);
    if (skippedAfterBatch) this.checkpoints.advance(shard.id, skippedAfterBatch);
  }

  /**
   * Invoke until the batch settles.
   *
   * 1. Success: checkpoint the last record.
   * 2. `batchItemFailures`: checkpoint before the lowest failed record, keep the rest; this is a retry.
   * 3. Function error (or an invalid failure report): with bisection and more than one record, deliver each
   *    half on its own (fresh retry count); otherwise retry the same records.
   * 4. Retries exhausted: hand the remaining records to `onFailure`, then checkpoint past them.
   */
  private async deliver(shard: ShardState, records: readonly DynamoDBRecord[]): Promise<void> {
    let remaining = records;
    let invocations = 0;
    for (;;) {
      if (this.stopping) throw new StopRequested();
      invocations += 1;
      const outcome = await this.invoke(remaining);
      if (outcome.kind === 'success') {
        this.checkpoints.advance(shard.id, sequenceOf(lastOf(remaining)));
        await this.checkpoints.flush();
        return;
      }
      if (outcome.kind === 'partial' && outcome.firstFailed > 0) {
        this.checkpoints.advance(shard.id, sequenceOf(remaining[outcome.firstFailed - 1] as DynamoDBRecord));
        await this.checkpoints.flush();
        remaining = remaining.slice(outcome.firstFailed);
      }
      if (outcome.kind === 'error' && this.bisect && remaining.length > 1) {
        const middle = Math.ceil(remaining.length / 2);
        this.log('stream batch failed; bisecting', { shardId: shard.id, size: remaining.length });
        await this.deliver(shard, remaining.slice(0, middle));
        await this.deliver(shard, remaining.slice(middle));
        return;
      }
      const retriesUsed = invocations - 1;
      if (this.maximumRetryAttempts >= 0 && retriesUsed >= this.maximumRetryAttempts) {
        this.log('stream records exhausted their retries; sending them to the on-failure destination', {
          shardId: shard.id,
          count: remaining.length,
          firstSequenceNumber: sequenceOf(remaining[0] as DynamoDBRecord),
          attempts: invocations,
        });
        await this.onFailure({ records: remaining.map(clone), error: outcome.error, attempts: invocations });
        this.checkpoints.advance(shard.id, sequenceOf(lastOf(remaining)));
        await this.checkpoints.flush();
        return;
      }
      this.log('stream batch failed; retrying', {
        shardId: shard.id,
        size: remaining.length,
        attempt: invocations,
      });
    }
  }

  private async invoke(records: readonly DynamoDBRecord[]): Promise<InvokeOutcome> {
    let response: DynamoDBBatchResponse | undefined;
    try {
      // A fresh copy per invocation, so a handler that mutates its event cannot change a retry.
      response = (await this.handler({ Records: records.map(clone) })) ?? undefined;
    } catch (error) {
      return { kind: 'error', error: describeError(error) };
    }
    if (!this.reportBatchItemFailures) return { kind: 'success' };
    const failures: unknown = (response as { batchItemFailures?: unknown } | undefined)?.batchItemFailures;
    if (failures === undefined || failures === null || (Array.isArray(failures) && failures.length === 0)) {
      return { kind: 'success' };
    }
    // An empty, null, misnamed or unknown itemIdentifier fails the whole batch (AWS "complete failure").
    const positions = Array.isArray(failures)
      ? failures.map((failure: unknown) => {
          const id = (failure as { itemIdentifier?: unknown } | null)?.itemIdentifier;
          return typeof id === 'string' && id !== ''
            ? records.findIndex((r) => r.dynamodb?.SequenceNumber === id)
            : -1;
        })
      : [-1];
    if (positions.includes(-1)) {
      return {
        kind: 'error',
        error: `Invalid batchItemFailures in the handler response: ${safeJson(failures)}`,
      };
    }
    const firstFailed = Math.min(...positions);
    const failedSequence = sequenceOf(records[firstFailed] as DynamoDBRecord);
    return {
      kind: 'partial',
      firstFailed,
      error: `Handler reported a batch item failure at ${failedSequence}`,
    };
  }
}

// ---- SDK record → Lambda event record ---------------------------------------------------------------------

/**
 * Convert a DynamoDB Streams SDK record to the shape Lambda delivers: `ApproximateCreationDateTime` in epoch
 * seconds, attribute values in wire form (`{ "S": "..." }`, binary as base64), `eventSourceARN` added.
 *
 * DynamoDB Local 3.x writes TTL deletions as `eventName: "UNKNOWN_TO_SDK_VERSION"` without `userIdentity`
 * (toolchain notes, section 1). Such a record (old image, no new image) is delivered as AWS delivers a TTL
 * delete: a REMOVE by the DynamoDB service principal.
 */
export function toLambdaRecord(record: SdkRecord, streamArn: string): DynamoDBRecord {
  const source = record.dynamodb ?? {};
  const dynamodb: StreamRecord = {};
  if (source.ApproximateCreationDateTime) {
    dynamodb.ApproximateCreationDateTime = source.ApproximateCreationDateTime.getTime() / 1000;
  }
  if (source.Keys) dynamodb.Keys = toLambdaImage(source.Keys);
  if (source.NewImage) dynamodb.NewImage = toLambdaImage(source.NewImage);
  if (source.OldImage) dynamodb.OldImage = toLambdaImage(source.OldImage);
  if (source.SequenceNumber !== undefined) dynamodb.SequenceNumber = source.SequenceNumber;
  if (source.SizeBytes !== undefined) dynamodb.SizeBytes = source.SizeBytes;
  if (source.StreamViewType)
    dynamodb.StreamViewType = source.StreamViewType as StreamRecord['StreamViewType'];

  const localTtlDelete =
    (record.eventName as string | undefined) === LOCAL_TTL_EVENT_NAME && source.OldImage && !source.NewImage;
  const out: DynamoDBRecord = {
    eventID: record.eventID,
    eventName: (localTtlDelete ? 'REMOVE' : record.eventName) as DynamoDBRecord['eventName'],
    eventVersion: record.eventVersion,
    eventSource: record.eventSource ?? 'aws:dynamodb',
    awsRegion: record.awsRegion,
    eventSourceARN: streamArn,
    dynamodb,
  };
  if (record.userIdentity) {
    out.userIdentity = { type: record.userIdentity.Type, principalId: record.userIdentity.PrincipalId };
  } else if (localTtlDelete) {
    out.userIdentity = { type: 'Service', principalId: 'dynamodb.amazonaws.com' };
  }
  return out;
}

const LOCAL_TTL_EVENT_NAME = 'UNKNOWN_TO_SDK_VERSION';

function toLambdaImage(image: Record<string, SdkAttributeValue>): Record<string, AttributeValue> {
  return Object.fromEntries(Object.entries(image).map(([name, value]) => [name, toLambdaValue(value)]));
}

function toLambdaValue(value: SdkAttributeValue): AttributeValue {
  if (value.S !== undefined) return { S: value.S };
  if (value.N !== undefined) return { N: value.N };
  if (value.BOOL !== undefined) return { BOOL: value.BOOL };
  if (value.NULL !== undefined) return { NULL: value.NULL };
  if (value.B !== undefined) return { B: Buffer.from(value.B).toString('base64') };
  if (value.SS !== undefined) return { SS: [...value.SS] };
  if (value.NS !== undefined) return { NS: [...value.NS] };
  if (value.BS !== undefined) return { BS: value.BS.map((b) => Buffer.from(b).toString('base64')) };
  if (value.L !== undefined) return { L: value.L.map(toLambdaValue) };
  if (value.M !== undefined) return { M: toLambdaImage(value.M) };
  throw new StreamPollerError(`Unsupported attribute value type: ${Object.keys(value).join(',')}`);
}

// ---- checkpoints ------------------------------------------------------------------------------------------

interface ShardCheckpoint {
  /** Last SequenceNumber handled (delivered successfully, sent to onFailure, or filtered out). */
  sequenceNumber?: string;
  /** The shard was closed and read to its end. */
  finished?: boolean;
}

interface CheckpointFileV1 {
  version: 1;
  streamArn: string;
  shards: Record<string, ShardCheckpoint>;
}

class CheckpointStore {
  private shards: Record<string, ShardCheckpoint> = {};
  private loaded = false;
  private dirty = false;

  public constructor(
    private readonly file: string,
    private readonly streamArn: string,
    private readonly log: (msg: string, data?: Record<string, unknown>) => void,
  ) {}

  public async load(): Promise<void> {
    if (this.loaded) return;
    let text: string | undefined;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    if (text !== undefined) {
      const parsed = JSON.parse(text) as Partial<CheckpointFileV1>;
      if (parsed.version !== 1 || typeof parsed.shards !== 'object' || parsed.shards === null) {
        throw new StreamPollerError(`Unrecognised checkpoint file ${this.file}`);
      }
      if (parsed.streamArn === this.streamArn) this.shards = parsed.shards;
      else {
        // A recreated table has a new stream: the old positions mean nothing there.
        this.log('checkpoint file belongs to another stream; starting from TRIM_HORIZON', {
          checkpointStreamArn: parsed.streamArn,
        });
        this.dirty = true;
      }
    }
    this.loaded = true;
  }

  public get(shardId: string): ShardCheckpoint | undefined {
    return this.shards[shardId];
  }

  public advance(shardId: string, sequenceNumber: string): void {
    const current = this.shards[shardId]?.sequenceNumber;
    if (current !== undefined && compareSequence(sequenceNumber, current) <= 0) return;
    this.shards[shardId] = { ...this.shards[shardId], sequenceNumber };
    this.dirty = true;
  }

  public finish(shardId: string): void {
    this.shards[shardId] = { ...this.shards[shardId], finished: true };
    this.dirty = true;
  }

  /** Write if anything changed: a temp file in the same directory, then an atomic rename over the old one. */
  public async flush(): Promise<void> {
    if (!this.dirty) return;
    const content: CheckpointFileV1 = { version: 1, streamArn: this.streamArn, shards: this.shards };
    const tmp = `${this.file}.${process.pid}.${randomUUID()}.tmp`;
    await mkdir(dirname(this.file), { recursive: true });
    try {
      await writeFile(tmp, `${JSON.stringify(content, null, 2)}\n`, 'utf8');
      await rename(tmp, this.file);
    } catch (error) {
      await rm(tmp, { force: true });
      throw error;
    }
    this.dirty = false;
  }
}

/** Sequence numbers are decimal strings of up to 40 digits: compare as big integers. */
function compareSequence(a: string, b: string): number {
  try {
    const x = BigInt(a);
    const y = BigInt(b);
    return x < y ? -1 : x > y ? 1 : 0;
  } catch {
    return a.length - b.length || a.localeCompare(b);
  }
}

// ---- small helpers ----------------------------------------------------------------------------------------

const DRAIN_ERROR_PAUSE_MS = 100;

/** Re-read the shard list at least this often, so shards created while a parent is still open are found. */
const REDESCRIBE_MS = 10_000;

interface ShardState {
  readonly id: string;
  readonly parentId: string | undefined;
  iterator: string | undefined;
  finished: boolean;
}

interface RoundResult {
  records: number;
  shardsChanged: boolean;
  errors: number;
  aborted: boolean;
}

type InvokeOutcome =
  | { kind: 'success' }
  | { kind: 'partial'; firstFailed: number; error: string }
  | { kind: 'error'; error: string };

/** Thrown inside a round when `stop()` was called; nothing after the last checkpoint is acknowledged. */
class StopRequested extends Error {
  public constructor() {
    super('stop requested');
    this.name = 'StopRequested';
  }
}

function sequenceOf(record: DynamoDBRecord): string {
  const sequenceNumber = record.dynamodb?.SequenceNumber;
  if (!sequenceNumber) throw new StreamPollerError(`Stream record ${record.eventID} has no SequenceNumber`);
  return sequenceNumber;
}

function lastOf(records: readonly DynamoDBRecord[]): DynamoDBRecord {
  const last = records.at(-1);
  if (!last) throw new StreamPollerError('Empty batch');
  return last;
}

function clone(record: DynamoDBRecord): DynamoDBRecord {
  return structuredClone(record);
}

function positiveInteger(value: number, name: string): number {
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer`);
  return value;
}

function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value).slice(0, 200);
  } catch {
    return String(value);
  }
}

// ---- filter patterns --------------------------------------------------------------------------------------
// The Lambda event-filter pattern language (shared with EventBridge), the subset the twin needs: exact
// values, `prefix`, `suffix`, `equals-ignore-case`, `exists`, `anything-but` (values, `prefix`, `suffix`)
// and `numeric`, in nested objects. CDK hands the same object to AWS, so the twin filters as AWS does.
// Operators outside the subset are rejected when the pattern is compiled, never silently ignored.

/** A pattern is malformed or uses an operator the local matcher does not implement. */
export class FilterPatternError extends Error {
  public constructor(message: string) {
    super(message);
    this.name = 'FilterPatternError';
  }
}

export type RecordPredicate = (record: unknown) => boolean;

/**
 * Whether `record` matches `pattern`.
 *
 * - Every key of a pattern object must match (AND); nested objects descend into the record.
 * - A leaf is an array of rules; one matching rule is enough (OR).
 * - When the record value is an array, the rule matches if any element matches.
 * - A missing field only satisfies `{ "exists": false }`; `anything-but` needs the field to be present.
 *
 * @throws FilterPatternError when the pattern is malformed or uses an unsupported operator.
 */
export function matchesFilter(pattern: unknown, record: unknown): boolean {
  return compileFilter(pattern)(record);
}

/**
 * Validate a filter once and return its predicate. Accepts a pattern object, or a Lambda `FilterCriteria`
 * (`{ Filters: [{ Pattern: '<json>' }] }`), whose patterns are OR-ed as AWS does.
 */
export function compileFilter(filter: unknown): RecordPredicate {
  if (isFilterCriteria(filter)) {
    const predicates = filter.Filters.map((entry, i) => {
      const raw = entry.Pattern;
      let parsed: unknown;
      try {
        parsed = typeof raw === 'string' ? JSON.parse(raw) : raw;
      } catch {
        throw new FilterPatternError(`Filters[${i}].Pattern is not valid JSON`);
      }
      return compilePattern(parsed, `Filters[${i}].Pattern`);
    });
    return (record) => predicates.some((matches) => matches(record));
  }
  return compilePattern(filter, 'pattern');
}

// ---------------------------------------------------------------------------------------------------------

type Scalar = string | number | boolean | null;
type ValuePredicate = (value: unknown) => boolean;

const MISSING: unique symbol = Symbol('missing');

function compilePattern(pattern: unknown, path: string): RecordPredicate {
  if (!isPlainObject(pattern)) throw new FilterPatternError(`${path} must be a JSON object`);
  const matchObject = compileObject(pattern, path);
  return (record) => matchObject(record);
}

function compileObject(pattern: Record<string, unknown>, path: string): ValuePredicate {
  const fields = Object.entries(pattern).map(([key, sub]) => {
    const subPath = `${path}.${key}`;
    let matches: ValuePredicate;
    if (Array.isArray(sub)) matches = compileLeaf(sub, subPath);
    else if (isPlainObject(sub)) matches = compileObject(sub, subPath);
    else throw new FilterPatternError(`${subPath} must be an array of rules or a nested object`);
    return { key, matches };
  });
  return (value) =>
    fields.every(({ key, matches }) => {
      const field = isPlainObject(value) && Object.hasOwn(value, key) ? value[key] : MISSING;
      return matches(field);
    });
}

function compileLeaf(rules: readonly unknown[], path: string): ValuePredicate {
  const compiled = rules.map((rule, i) => compileRule(rule, `${path}[${i}]`));
  return (value) => compiled.some((matches) => matches(value));
}

function compileRule(rule: unknown, path: string): ValuePredicate {
  if (isScalar(rule)) return anyElement((v) => v === rule);
  if (!isPlainObject(rule)) throw new FilterPatternError(`${path} must be a value or an operator object`);
  const keys = Object.keys(rule);
  const [operator] = keys;
  if (keys.length !== 1 || operator === undefined) {
    throw new FilterPatternError(`${path} must hold exactly one operator, got ${JSON.stringify(keys)}`);
  }
  const operand = rule[operator];
  switch (operator) {
    case 'exists': {
      if (typeof operand !== 'boolean') throw new FilterPatternError(`${path}.exists must be true or false`);
      return (v) => (v !== MISSING) === operand;
    }
    case 'prefix': {
      const prefix = stringOperand(operand, `${path}.prefix`);
      return anyElement((v) => typeof v === 'string' && v.startsWith(prefix));
    }
    case 'suffix': {
      const suffix = stringOperand(operand, `${path}.suffix`);
      return anyElement((v) => typeof v === 'string' && v.endsWith(suffix));
    }
    case 'equals-ignore-case': {
      const expected = stringOperand(operand, `${path}.equals-ignore-case`).toLowerCase();
      return anyElement((v) => typeof v === 'string' && v.toLowerCase() === expected);
    }
    case 'anything-but':
      return compileAnythingBut(operand, `${path}.anything-but`);
    case 'numeric':
      return compileNumeric(operand, `${path}.numeric`);
    default:
      throw new FilterPatternError(`${path}: operator "${operator}" is not supported by the local matcher`);
  }
}

function compileAnythingBut(operand: unknown, path: string): ValuePredicate {
  let excluded: ValuePredicate;
  if (isScalar(operand)) excluded = (v) => v === operand;
  else if (Array.isArray(operand) && operand.every(isScalar)) excluded = (v) => operand.includes(v as Scalar);
  else if (isPlainObject(operand) && Object.keys(operand).length === 1 && 'prefix' in operand) {
    const prefix = stringOperand(operand.prefix, `${path}.prefix`);
    excluded = (v) => typeof v !== 'string' || v.startsWith(prefix);
  } else if (isPlainObject(operand) && Object.keys(operand).length === 1 && 'suffix' in operand) {
    const suffix = stringOperand(operand.suffix, `${path}.suffix`);
    excluded = (v) => typeof v !== 'string' || v.endsWith(suffix);
  } else {
    throw new FilterPatternError(`${path} must be a value, a list of values, {prefix} or {suffix}`);
  }
  return anyElement((v) => !excluded(v));
}

const NUMERIC_OPERATORS = {
  '=': (a: number, b: number) => a === b,
  '<': (a: number, b: number) => a < b,
  '<=': (a: number, b: number) => a <= b,
  '>': (a: number, b: number) => a > b,
  '>=': (a: number, b: number) => a >= b,
} as const;

function compileNumeric(operand: unknown, path: string): ValuePredicate {
  if (!Array.isArray(operand) || operand.length === 0 || operand.length % 2 !== 0 || operand.length > 4) {
    throw new FilterPatternError(`${path} must be [op, number] or [op, number, op, number]`);
  }
  const checks: Array<(n: number) => boolean> = [];
  for (let i = 0; i < operand.length; i += 2) {
    const op: unknown = operand[i];
    const bound: unknown = operand[i + 1];
    if (typeof op !== 'string' || !Object.hasOwn(NUMERIC_OPERATORS, op) || typeof bound !== 'number') {
      throw new FilterPatternError(`${path}[${i}] must be one of = < <= > >= followed by a number`);
    }
    const compare = NUMERIC_OPERATORS[op as keyof typeof NUMERIC_OPERATORS];
    checks.push((n) => compare(n, bound));
  }
  return anyElement((v) => {
    // DynamoDB numbers arrive in wire form (`{ "N": "42" }`), so numeric strings count as numbers.
    const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : Number.NaN;
    return Number.isFinite(n) && checks.every((check) => check(n));
  });
}

/** Apply a value rule to a field: missing never matches; arrays match when any element does. */
function anyElement(matches: (value: unknown) => boolean): ValuePredicate {
  return (v) => v !== MISSING && (Array.isArray(v) ? v.some(matches) : matches(v));
}

function stringOperand(operand: unknown, path: string): string {
  if (typeof operand !== 'string') throw new FilterPatternError(`${path} must be a string`);
  return operand;
}

function isScalar(value: unknown): value is Scalar {
  return value === null || ['string', 'number', 'boolean'].includes(typeof value);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isFilterCriteria(value: unknown): value is { Filters: Array<{ Pattern?: unknown }> } {
  return (
    isPlainObject(value) &&
    Object.keys(value).length === 1 &&
    Array.isArray(value.Filters) &&
    value.Filters.every((entry) => isPlainObject(entry) && 'Pattern' in entry)
  );
}
