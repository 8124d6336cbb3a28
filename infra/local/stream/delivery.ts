/**
 * What the event source mapping does with one page of a shard: convert, filter, batch, invoke, and apply
 * AWS's failure rules. Semantics follow the Lambda developer guide, "Lambda parameters for Amazon DynamoDB
 * event source mappings" and "Configuring partial batch response with DynamoDB and Lambda":
 *  - a batch is checkpointed only when it fully succeeds; any other outcome retries it;
 *  - `batchItemFailures`: checkpoint before the lowest reported sequence number, retry from it (a retry);
 *    an empty or unknown `itemIdentifier` fails the whole batch;
 *  - BisectBatchOnFunctionError: a batch whose invocation fails is split in two before retrying, whatever
 *    ReportBatchItemFailures says; splitting consumes no retry, so each half starts with a fresh count and
 *    a poison record is isolated before the limit decides;
 *  - MaximumRecordAgeInSeconds: before every invocation, records older than the limit go to the on-failure
 *    destination instead. Age is the `clock`'s now minus `ApproximateCreationDateTime`, which DynamoDB Local
 *    stamps from the real time, rounded to the minute: so the twin judges on real time, never on its
 *    virtual clock (moving that clock would age every record at once);
 *  - after MaximumRetryAttempts the records still failing go to the on-failure destination;
 *  - the twin's own rule: a record it cannot convert (see record.ts) goes to the on-failure destination at
 *    once, whatever the filter, since the filter cannot be evaluated on it.
 * After the on-failure destination has the records, the checkpoint moves past them.
 */

import type { _Record as SdkRecord } from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import type { Clock } from '../../../shared/ports.ts';
import type { CheckpointStore } from './checkpoint.ts';
import type { RecordPredicate } from './filter.ts';
import { toLambdaRecord, UnconvertibleRecordError } from './record.ts';

/** What the on-failure destination receives. */
export interface StreamFailure {
  /** The discarded records; for an unconvertible record, everything but the images that failed. */
  readonly records: DynamoDBRecord[];
  readonly error: string;
  /** Invocations made with these records (0 when none was). */
  readonly attempts: number;
  /** AWS's `requestContext.condition`; `UnconvertibleRecord` is the twin's own. */
  readonly condition: 'RetryAttemptsExhausted' | 'RecordAgeExceeded' | 'UnconvertibleRecord';
}

export interface DeliveryRules {
  readonly streamArn: string;
  // biome-ignore lint/suspicious/noConfusingVoidType: the return type of aws-lambda's DynamoDBStreamHandler, so real handlers plug in unchanged.
  readonly handler: (event: DynamoDBStreamEvent) => Promise<DynamoDBBatchResponse | void>;
  readonly onFailure: (failure: StreamFailure) => Promise<void> | void;
  readonly matches: RecordPredicate;
  readonly batchSize: number;
  /** `-1`: retry until the record is too old. */
  readonly maximumRetryAttempts: number;
  /** `-1`: no age limit. */
  readonly maximumRecordAgeSeconds: number;
  readonly bisect: boolean;
  readonly reportBatchItemFailures: boolean;
  readonly clock: Clock;
  readonly log: (msg: string, data?: Record<string, unknown>) => void;
}

/** Thrown inside a round when `stop()` was called; nothing after the last checkpoint is acknowledged. */
export class StopRequested extends Error {
  public constructor() {
    super('stop requested');
    this.name = 'StopRequested';
  }
}

type InvokeOutcome =
  | { kind: 'success' }
  | { kind: 'partial'; firstFailed: number; error: string }
  | { kind: 'error'; error: string };

export class Delivery {
  public constructor(
    private readonly rules: DeliveryRules,
    private readonly checkpoints: CheckpointStore,
    private readonly stopping: () => boolean,
  ) {}

  /**
   * Deliver one page of `shardId` in batches of up to `batchSize`, in order. Records filtered out are
   * checkpointed once everything before them has settled.
   */
  public async page(shardId: string, page: readonly SdkRecord[]): Promise<void> {
    let batch: DynamoDBRecord[] = [];
    let skippedAfterBatch: string | undefined;
    const settle = async (): Promise<void> => {
      if (batch.length > 0) await this.deliver(shardId, batch);
      batch = [];
      if (skippedAfterBatch) this.checkpoints.advance(shardId, skippedAfterBatch);
      skippedAfterBatch = undefined;
    };
    for (const raw of page) {
      let record: DynamoDBRecord;
      try {
        record = toLambdaRecord(raw, this.rules.streamArn);
      } catch (error) {
        if (!(error instanceof UnconvertibleRecordError)) throw error;
        await settle();
        await this.discard(shardId, [error.stub], {
          condition: 'UnconvertibleRecord',
          error: `${error.name}: ${error.message}`,
          attempts: 0,
        });
        continue;
      }
      const sequenceNumber = sequenceOf(record);
      if (!this.rules.matches(record)) {
        if (batch.length === 0) this.checkpoints.advance(shardId, sequenceNumber);
        else skippedAfterBatch = sequenceNumber;
        continue;
      }
      batch.push(record);
      skippedAfterBatch = undefined;
      if (batch.length === this.rules.batchSize) await settle();
    }
    await settle();
  }

  /**
   * Invoke until the batch settles.
   *
   * 1. Records past the maximum age (a prefix: a shard is in creation order) go to `onFailure`.
   * 2. Success: checkpoint the last record.
   * 3. `batchItemFailures`: checkpoint before the lowest failed record, keep the rest; this is a retry.
   * 4. Function error (or an invalid failure report): with bisection and more than one record, deliver each
   *    half on its own (fresh retry count); otherwise retry the same records.
   * 5. Retries exhausted: hand the remaining records to `onFailure`.
   */
  private async deliver(shardId: string, records: readonly DynamoDBRecord[]): Promise<void> {
    let remaining = records;
    let invocations = 0;
    for (;;) {
      if (this.stopping()) throw new StopRequested();
      const expired = this.countExpired(remaining);
      if (expired > 0) {
        await this.discard(shardId, remaining.slice(0, expired), {
          condition: 'RecordAgeExceeded',
          error: `Record older than MaximumRecordAgeInSeconds (${this.rules.maximumRecordAgeSeconds} s)`,
          attempts: invocations,
        });
        remaining = remaining.slice(expired);
        if (remaining.length === 0) return;
      }
      invocations += 1;
      const outcome = await this.invoke(remaining);
      if (outcome.kind === 'success') {
        this.checkpoints.advance(shardId, sequenceOf(lastOf(remaining)));
        await this.checkpoints.flush();
        return;
      }
      if (outcome.kind === 'partial' && outcome.firstFailed > 0) {
        this.checkpoints.advance(shardId, sequenceOf(remaining[outcome.firstFailed - 1] as DynamoDBRecord));
        await this.checkpoints.flush();
        remaining = remaining.slice(outcome.firstFailed);
      }
      if (outcome.kind === 'error' && this.rules.bisect && remaining.length > 1) {
        const middle = Math.ceil(remaining.length / 2);
        this.rules.log('stream batch failed; bisecting', { shardId, size: remaining.length });
        await this.deliver(shardId, remaining.slice(0, middle));
        await this.deliver(shardId, remaining.slice(middle));
        return;
      }
      const retriesUsed = invocations - 1;
      const { maximumRetryAttempts } = this.rules;
      if (maximumRetryAttempts >= 0 && retriesUsed >= maximumRetryAttempts) {
        await this.discard(shardId, remaining, {
          condition: 'RetryAttemptsExhausted',
          error: outcome.error,
          attempts: invocations,
        });
        return;
      }
      this.rules.log('stream batch failed; retrying', {
        shardId,
        size: remaining.length,
        attempt: invocations,
      });
    }
  }

  private countExpired(records: readonly DynamoDBRecord[]): number {
    const maxAge = this.rules.maximumRecordAgeSeconds;
    if (maxAge < 0) return 0;
    const nowSeconds = this.rules.clock.now().getTime() / 1000;
    const fresh = records.findIndex((record) => {
      const created = record.dynamodb?.ApproximateCreationDateTime;
      return created === undefined || nowSeconds - created <= maxAge;
    });
    return fresh === -1 ? records.length : fresh;
  }

  /** Hand records to the on-failure destination, then checkpoint past them. */
  private async discard(
    shardId: string,
    records: readonly DynamoDBRecord[],
    failure: Omit<StreamFailure, 'records'>,
  ): Promise<void> {
    const sequenceNumber = records.at(-1)?.dynamodb?.SequenceNumber;
    this.rules.log('stream records discarded to the on-failure destination', {
      shardId,
      count: records.length,
      condition: failure.condition,
      firstSequenceNumber: records[0]?.dynamodb?.SequenceNumber,
      attempts: failure.attempts,
    });
    await this.rules.onFailure({ records: records.map(clone), ...failure });
    if (sequenceNumber) this.checkpoints.advance(shardId, sequenceNumber);
    await this.checkpoints.flush();
  }

  private async invoke(records: readonly DynamoDBRecord[]): Promise<InvokeOutcome> {
    let response: DynamoDBBatchResponse | undefined;
    try {
      // A fresh copy per invocation, so a handler that mutates its event cannot change a retry.
      response = (await this.rules.handler({ Records: records.map(clone) })) ?? undefined;
    } catch (error) {
      return { kind: 'error', error: describeError(error) };
    }
    if (!this.rules.reportBatchItemFailures) return { kind: 'success' };
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

function sequenceOf(record: DynamoDBRecord): string {
  const sequenceNumber = record.dynamodb?.SequenceNumber;
  if (!sequenceNumber) throw new Error(`Stream record ${record.eventID} has no SequenceNumber`);
  return sequenceNumber;
}

function lastOf(records: readonly DynamoDBRecord[]): DynamoDBRecord {
  const last = records.at(-1);
  if (!last) throw new Error('Empty batch');
  return last;
}

function clone(record: DynamoDBRecord): DynamoDBRecord {
  return structuredClone(record);
}

export function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value).slice(0, 200);
  } catch {
    return String(value);
  }
}
