/**
 * The twin's dead letters, and redriving them (`POST /_local/dead-letters/redrive`), as the admin view does on
 * AWS and with the same functions (`shared/adapters/dead-letters.ts`):
 * - `scheduler`: the Scheduler emulator's dead letters (a wake-up of the sender that failed every retry)
 *   become the user's send-slot timer at the next whole minute, created in the emulator;
 * - `stream`: the stream poller's on-failure records, written like Lambda's (`DDBStreamBatchInfo`), are read
 *   back from DynamoDB Local's stream and replayed to the planner under the world lock.
 * A dead letter handed back is removed; one that could not be is kept, with a note in the answer.
 */
import { DescribeStreamCommand, type DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBRecord } from 'aws-lambda';
import {
  deadLetterKindOf,
  MAX_STREAM_REDRIVES,
  MAX_WAKE_UP_REDRIVES,
  type RedriveDeps,
  redriveLetter,
} from '../../shared/adapters/dead-letters.ts';
import type { StreamBatch } from '../../shared/adapters/stream-replay.ts';
import { NotFoundError } from '../../shared/errors.ts';
import type { RedriveResult } from '../../shared/ports.ts';
import type { DeadLetter } from './scheduler-emulator.ts';
import { JsonLines } from './support/json-file.ts';
import type { World } from './world.ts';

/** One line of `stream-failures.jsonl`: what the twin's on-failure destination received. */
export interface StreamDeadLetter {
  readonly at: string;
  readonly source: 'stream';
  readonly error: string;
  readonly attempts: number;
  readonly condition: string;
  readonly sequenceNumbers: readonly (string | undefined)[];
  /** As in Lambda's on-failure record; absent when the shard could not be found (an older file, too). */
  readonly DDBStreamBatchInfo?: StreamBatch & { readonly batchSize: number };
}

/**
 * The stream's dead letters: an append-only log of failures and one of those redriven since (both JSON
 * lines, so a crash mid-redrive loses nothing); the dead letters are the failures not redriven.
 */
export class StreamDeadLetters {
  private readonly failures: JsonLines<StreamDeadLetter>;
  private readonly redriven: JsonLines<{ readonly key: string; readonly at: string }>;

  public constructor(failuresFile: string, redrivenFile: string) {
    this.failures = new JsonLines(failuresFile);
    this.redriven = new JsonLines(redrivenFile);
  }

  public append(letter: StreamDeadLetter): Promise<void> {
    return this.failures.append(letter);
  }

  /** Oldest first. */
  public async read(): Promise<StreamDeadLetter[]> {
    const done = new Set((await this.redriven.read()).map((r) => r.key));
    return (await this.failures.read()).filter((letter) => !done.has(keyOf(letter)));
  }

  public markRedriven(letter: StreamDeadLetter, at: string): Promise<void> {
    return this.redriven.append({ key: keyOf(letter), at });
  }
}

const keyOf = (letter: StreamDeadLetter): string => `${letter.at} ${letter.sequenceNumbers.join(',')}`;

/**
 * `DDBStreamBatchInfo` for records the poller discards: Lambda names the shard, which the poller does not
 * pass on, so it is looked up (the shard whose sequence range holds the first record). `undefined` when no
 * shard does, or the lookup fails: the dead letter is still recorded, only not redrivable.
 */
export async function streamBatchInfo(
  streams: Pick<DynamoDBStreamsClient, 'send'>,
  streamArn: string,
  records: readonly DynamoDBRecord[],
): Promise<StreamDeadLetter['DDBStreamBatchInfo']> {
  const first = records[0]?.dynamodb?.SequenceNumber;
  const last = records.at(-1)?.dynamodb?.SequenceNumber;
  if (!first || !last) return undefined;
  try {
    const shardId = await shardOf(streams, streamArn, BigInt(first));
    if (!shardId) return undefined;
    return {
      shardId,
      startSequenceNumber: first,
      endSequenceNumber: last,
      streamArn,
      batchSize: records.length,
    };
  } catch {
    return undefined;
  }
}

async function shardOf(
  streams: Pick<DynamoDBStreamsClient, 'send'>,
  streamArn: string,
  sequence: bigint,
): Promise<string | undefined> {
  let start: string | undefined;
  do {
    const { StreamDescription } = await streams.send(
      new DescribeStreamCommand({ StreamArn: streamArn, ExclusiveStartShardId: start }),
    );
    for (const shard of StreamDescription?.Shards ?? []) {
      const range = shard.SequenceNumberRange;
      if (!range?.StartingSequenceNumber || BigInt(range.StartingSequenceNumber) > sequence) continue;
      if (range.EndingSequenceNumber === undefined || BigInt(range.EndingSequenceNumber) >= sequence) {
        return shard.ShardId;
      }
    }
    start = StreamDescription?.LastEvaluatedShardId;
  } while (start);
  return undefined;
}

export interface TwinRedriveDeps extends Required<RedriveDeps> {
  readonly world: Pick<World, 'runAndSettle'>;
  readonly scheduler: {
    deadLetters(): readonly DeadLetter[];
    removeDeadLetters(letters: readonly DeadLetter[]): Promise<void>;
  };
  readonly stream: StreamDeadLetters;
}

/**
 * Redrive the twin's `scheduler` or `stream` dead letters, at most as many per call as the admin function
 * does on AWS, under the world lock (nothing fires or polls meanwhile; what the redrive caused settles).
 * @throws NotFoundError for any other queue: the twin has only these two
 */
export function twinRedrive(deps: TwinRedriveDeps): (queue: string) => Promise<RedriveResult> {
  return (queue) => {
    const kind = deadLetterKindOf(queue);
    if (queue !== 'scheduler' && queue !== 'stream') {
      return Promise.reject(new NotFoundError(`Dead-letter queue ${queue}`));
    }
    return deps.world.runAndSettle(async () => {
      const notes: string[] = [];
      let redriven = 0;
      if (queue === 'scheduler') {
        const done: DeadLetter[] = [];
        for (const letter of deps.scheduler.deadLetters().slice(0, MAX_WAKE_UP_REDRIVES)) {
          const note = await redriveLetter(kind ?? 'wake-up', letter.input ?? '', deps);
          if (note === undefined) done.push(letter);
          else notes.push(note);
        }
        await deps.scheduler.removeDeadLetters(done);
        redriven = done.length;
        return { redriven, remaining: deps.scheduler.deadLetters().length, notes };
      }
      for (const letter of (await deps.stream.read()).slice(0, MAX_STREAM_REDRIVES)) {
        const note = await redriveLetter(kind ?? 'stream', letter, deps);
        if (note !== undefined) {
          notes.push(note);
          continue;
        }
        await deps.stream.markRedriven(letter, deps.clock.now().toISOString());
        redriven += 1;
      }
      return { redriven, remaining: (await deps.stream.read()).length, notes };
    });
  };
}
