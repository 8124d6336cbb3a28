/**
 * A local Lambda event source mapping for DynamoDB Streams: it reads every shard in order and hands each
 * page to `Delivery` (filter, batches, AWS's failure rules; see delivery.ts). Checkpoints live in a JSON
 * file, so a restarted twin carries on where it stopped. Differences from AWS: docs/local-twin.md.
 */
import {
  DescribeStreamCommand,
  type DynamoDBStreamsClient,
  ExpiredIteratorException,
  GetRecordsCommand,
  GetShardIteratorCommand,
  ResourceNotFoundException,
  type _Record as SdkRecord,
  type Shard,
  TrimmedDataAccessException,
} from '@aws-sdk/client-dynamodb-streams';
import { systemClock } from '../../../shared/adapters/clock.ts';
import type { Clock } from '../../../shared/ports.ts';
import { CheckpointStore } from './checkpoint.ts';
import { Delivery, type DeliveryRules, describeError, StopRequested } from './delivery.ts';
import { compileFilter } from './filter.ts';

export interface StreamPollerOptions {
  readonly streamsClient: DynamoDBStreamsClient;
  readonly streamArn: string;
  /** JSON file holding, per shard, the last SequenceNumber that was handled; written atomically. */
  readonly checkpointFile: string;
  /** The function under test. A throw is a function error; the return value counts only with `reportBatchItemFailures`. */
  readonly handler: DeliveryRules['handler'];
  /**
   * A Lambda filter pattern object, such as `PLANNER_STREAM_FILTER`: exact values and `prefix` only; any
   * other operator makes the constructor throw `FilterPatternError`. Records that do not match are skipped
   * and checkpointed.
   * @default every record is delivered
   */
  readonly filter?: unknown;
  /** Largest number of (filtered) records per invocation. @default 100 */
  readonly batchSize?: number;
  /** Retries after the first failed invocation; `-1` retries until the record is too old. @default 3 */
  readonly maximumRetryAttempts?: number;
  /**
   * MaximumRecordAgeInSeconds: records older than this go to `onFailure` instead of the handler.
   * `-1` (AWS's default) or 60 to 604800, as AWS accepts. @default -1
   */
  readonly maximumRecordAgeSeconds?: number;
  /**
   * The clock a record's age is judged by. DynamoDB Local stamps `ApproximateCreationDateTime` with the real
   * time, so pass the twin's virtual clock never: moving it would age every record at once.
   * @default systemClock
   */
  readonly clock?: Clock;
  /** Split a batch whose invocation failed in two before retrying. @default true */
  readonly bisectBatchOnFunctionError?: boolean;
  /** Honour `batchItemFailures` in the handler's response (FunctionResponseTypes: ReportBatchItemFailures). @default true */
  readonly reportBatchItemFailures?: boolean;
  /** The on-failure destination (the twin's dead letters): records discarded, with the reason. */
  readonly onFailure: DeliveryRules['onFailure'];
  /** Operational log: shard ids, counts and sequence numbers only, never record contents. @default silent */
  readonly log?: DeliveryRules['log'];
}

export interface DrainOptions {
  /** Give up (reject) when the stream has not gone quiet within this time. @default 30000 */
  readonly timeoutMs?: number;
  /**
   * Called right before each round: the last call comes before the round that found the stream quiet, so
   * whatever was written before it has been delivered (the twin counts table writes this way).
   */
  readonly beforeRound?: () => void;
}

/** Raised by `drain()` when it cannot finish: the poller was stopped, or the stream did not go quiet in time. */
export class StreamPollerError extends Error {
  public constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'StreamPollerError';
  }
}

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

/**
 * Polls one DynamoDB stream and invokes `handler` the way a Lambda event source mapping does.
 *
 * One round: (re)describe the stream when needed, then for each readable shard (open, or closed but not
 * read to its end, and whose parent is finished) fetch one page of records and deliver it. Shards are read
 * one after the other; records of a shard are strictly in order.
 */
export class StreamPoller {
  private readonly log: DeliveryRules['log'];
  private readonly checkpoints: CheckpointStore;
  private readonly delivery: Delivery;

  private readonly shards = new Map<string, ShardState>();
  private describedAt = Number.NEGATIVE_INFINITY;
  private mustDescribe = true;
  /** Every round runs behind this promise, so the loop and `drain()` never overlap. */
  private lock: Promise<unknown> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private stopping = false;
  private generation = 0;

  /** @throws FilterPatternError or RangeError when an option is one AWS would refuse or the twin cannot emulate. */
  public constructor(private readonly opts: StreamPollerOptions) {
    this.log = opts.log ?? (() => undefined);
    const maximumRetryAttempts = opts.maximumRetryAttempts ?? 3;
    if (!Number.isInteger(maximumRetryAttempts) || maximumRetryAttempts < -1) {
      throw new RangeError('maximumRetryAttempts must be an integer >= -1');
    }
    const maximumRecordAgeSeconds = opts.maximumRecordAgeSeconds ?? -1;
    const validAge = maximumRecordAgeSeconds >= 60 && maximumRecordAgeSeconds <= 604_800;
    if (!Number.isInteger(maximumRecordAgeSeconds) || !(maximumRecordAgeSeconds === -1 || validAge)) {
      throw new RangeError('maximumRecordAgeSeconds must be -1 or an integer from 60 to 604800');
    }
    const batchSize = opts.batchSize ?? 100;
    if (!Number.isInteger(batchSize) || batchSize < 1)
      throw new RangeError('batchSize must be a positive integer');
    this.checkpoints = new CheckpointStore(opts.checkpointFile, opts.streamArn, this.log);
    const rules: DeliveryRules = {
      streamArn: opts.streamArn,
      handler: opts.handler,
      onFailure: opts.onFailure,
      matches: opts.filter === undefined ? () => true : compileFilter(opts.filter),
      batchSize,
      maximumRetryAttempts,
      maximumRecordAgeSeconds,
      bisect: opts.bisectBatchOnFunctionError ?? true,
      reportBatchItemFailures: opts.reportBatchItemFailures ?? true,
      clock: opts.clock ?? systemClock,
      log: this.log,
    };
    this.delivery = new Delivery(rules, this.checkpoints, () => this.stopping);
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
   * The timeout is checked between rounds; with `maximumRetryAttempts: -1` and no age limit a poison
   * record keeps one round busy until `stop()`.
   */
  public async drain(options: DrainOptions = {}): Promise<void> {
    const timeoutMs = options.timeoutMs ?? 30_000;
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const result = await this.exclusive(() => {
        options.beforeRound?.();
        return this.round();
      });
      if (result.aborted) throw new StreamPollerError('StreamPoller was stopped while draining');
      if (result.records === 0 && !result.shardsChanged && result.errors === 0) return;
      if (performance.now() > deadline) {
        throw new StreamPollerError(`Stream ${this.opts.streamArn} did not go quiet within ${timeoutMs} ms`);
      }
      // Do not spin on a failing stream (for example DynamoDB Local going away).
      if (result.errors > 0) await new Promise((resolve) => setTimeout(resolve, DRAIN_ERROR_PAUSE_MS));
    }
  }

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
      this.shards.set(shard.ShardId, {
        id: shard.ShardId,
        parentId: shard.ParentShardId,
        iterator: undefined,
        finished: this.checkpoints.get(shard.ShardId)?.finished === true,
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
    if (records.length > 0) await this.delivery.page(shard.id, records);

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
}
