/**
 * The twin's redrive (`infra/local/dead-letter-redrive.ts`) and its control, `POST /_local/dead-letters/redrive`,
 * with the emulators faked: scheduler dead letters become timers and are removed, stream failures replayed and
 * marked, what cannot be redriven kept; the control's 400, 404 and 409. No Java needed.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type ControlsDeps, localControls } from '../../../infra/local/controls.ts';
import {
  type StreamDeadLetter,
  StreamDeadLetters,
  twinRedrive,
} from '../../../infra/local/dead-letter-redrive.ts';
import {
  AwsCallMeter,
  ConsumedCapacityMeter,
  FaultRegistry,
  InvocationMeter,
} from '../../../infra/local/faults/index.ts';
import type { DeadLetter } from '../../../infra/local/scheduler-emulator.ts';
import { type Served, serve } from '../../../infra/local/support/http.ts';
import type { ReplayOutcome, StreamBatch } from '../../../shared/adapters/stream-replay.ts';
import { AdminActionRefusedError, NotFoundError } from '../../../shared/errors.ts';
import type { RedriveResult, TimerRequest } from '../../../shared/ports.ts';

const USER = 'u_0123456789abcdef01234567';
const REMINDER = 'r_0123456789abcdef0123456789abcd';
const NOW = new Date('2027-01-11T08:03:20Z');

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rebound-redrive-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const letter = (input: string | undefined): DeadLetter => ({
  at: '2027-01-11T08:00:00.000Z',
  scheduleName: 'rebound-u-x',
  groupName: 'rebound',
  targetArn: 'arn:aws:lambda:us-east-1:000000000000:function:rebound-sender',
  deadLetterArn: 'arn:aws:sqs:us-east-1:000000000000:rebound-scheduler-dlq',
  input,
  error: 'SES refused',
  attempts: 6,
});

const failure = (start: string, withInfo = true): StreamDeadLetter => ({
  at: `2027-01-11T08:00:0${start}.000Z`,
  source: 'stream',
  error: 'Error: DynamoDB refused',
  attempts: 4,
  condition: 'RetryAttemptsExhausted',
  sequenceNumbers: [start],
  ...(withInfo
    ? {
        DDBStreamBatchInfo: {
          shardId: 'shard-1',
          startSequenceNumber: start,
          endSequenceNumber: start,
          streamArn: 'arn:aws:dynamodb:us-east-1:000000000000:table/rebound-local/stream/x',
          batchSize: 1,
        },
      }
    : {}),
});

function twin(letters: DeadLetter[], replay: (batch: StreamBatch) => ReplayOutcome) {
  const ensured: TimerRequest[] = [];
  const replayed: string[] = [];
  let locked = 0;
  const scheduler = {
    letters: [...letters],
    deadLetters: () => [...scheduler.letters],
    removeDeadLetters: async (gone: readonly DeadLetter[]) => {
      scheduler.letters = scheduler.letters.filter((l) => !gone.includes(l));
    },
  };
  const stream = new StreamDeadLetters(join(dir, 'failures.jsonl'), join(dir, 'redriven.jsonl'));
  const redrive = twinRedrive({
    world: {
      runAndSettle: async (fn) => {
        locked += 1;
        return fn();
      },
    },
    clock: { now: () => NOW },
    timers: {
      ensure: async (t) => {
        ensured.push(t);
      },
      remove: async () => undefined,
    },
    streams: {
      replay: async (batch) => {
        replayed.push(batch.startSequenceNumber);
        return replay(batch);
      },
    },
    scheduler,
    stream,
  });
  return { redrive, ensured, replayed, scheduler, stream, locks: () => locked };
}

describe("redriving the twin's dead letters", () => {
  it('turns each scheduler dead letter into a timer at the next minute and removes it; keeps one without a wake-up', async () => {
    const good = letter(JSON.stringify({ userId: USER, reminderId: REMINDER }));
    const odd = letter('{}');
    const t = twin([good, odd], () => ({ outcome: 'replayed', records: 1 }));

    const result = await t.redrive('scheduler');

    expect(result).toEqual({
      redriven: 1,
      remaining: 1,
      notes: ['A message that is not a wake-up of the sender ({ userId, reminderId }) was kept.'],
    });
    expect(t.ensured).toEqual([
      {
        scheduleName: 'rebound-u-0123456789abcdef01234567-20270111T0804',
        dueAt: '2027-01-11T08:04:00.000Z',
        userId: USER,
        reminderId: REMINDER,
      },
    ]);
    expect(t.scheduler.letters).toEqual([odd]);
    expect(t.locks()).toBe(1);
  });

  it('replays each stream failure, marks the replayed ones, and keeps a lost one (and one without batch info)', async () => {
    const t = twin([], (batch) =>
      batch.startSequenceNumber === '1'
        ? { outcome: 'replayed', records: 1 }
        : {
            outcome: 'lost',
            reason: 'the stream no longer holds these records (TrimmedDataAccessException)',
          },
    );
    await t.stream.append(failure('1'));
    await t.stream.append(failure('2'));
    await t.stream.append(failure('3', false));

    const result: RedriveResult = await t.redrive('stream');
    const left = await t.stream.read();

    expect(t.replayed).toEqual(['1', '2']);
    expect(result.redriven).toBe(1);
    expect(result.remaining).toBe(2);
    expect(result.notes).toHaveLength(2);
    expect(left.map((l) => l.sequenceNumbers[0])).toEqual(['2', '3']);
    // A second redrive does not replay what was replayed.
    await t.redrive('stream');
    expect(t.replayed).toEqual(['1', '2', '2']);
  });

  it('has no other queue', async () => {
    const t = twin([], () => ({ outcome: 'replayed', records: 0 }));
    await expect(t.redrive('sender')).rejects.toBeInstanceOf(NotFoundError);
    expect(t.locks()).toBe(0);
  });
});

describe('POST /_local/dead-letters/redrive', () => {
  let served: Served | undefined;
  afterEach(async () => {
    await served?.close();
    served = undefined;
  });

  async function post(redrive: ControlsDeps['redriveDeadLetters'], body: string) {
    const deps: ControlsDeps = {
      clock: { now: () => NOW },
      world: { advanceTo: async (to) => to, runAndSettle: (fn) => fn() },
      timers: { list: () => [], fireNow: async () => undefined, deadLetters: () => [] },
      scheduleGroup: 'rebound',
      emails: async () => [],
      streamDeadLetters: async () => [],
      redriveDeadLetters: redrive,
      urls: () => undefined,
      faults: new FaultRegistry(),
      meters: {
        awsCalls: new AwsCallMeter(),
        invocations: new InvocationMeter(() => 0),
        consumedCapacity: new ConsumedCapacityMeter(),
      },
      log: () => undefined,
    };
    served = await serve(0, localControls(deps), () => undefined);
    const res = await fetch(`http://127.0.0.1:${served.port}/_local/dead-letters/redrive`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    const answer = { status: res.status, body: (await res.json()) as Record<string, unknown> };
    await served.close();
    served = undefined;
    return answer;
  }

  it('redrives the queue named in the body and answers what was done', async () => {
    const asked: string[] = [];
    const res = await post(async (queue) => {
      asked.push(queue);
      return { redriven: 2, remaining: 1, notes: ['kept one'] };
    }, '{"queue":"scheduler"}');
    expect(res).toEqual({ status: 200, body: { redriven: 2, remaining: 1, notes: ['kept one'] } });
    expect(asked).toEqual(['scheduler']);
  });

  it('answers 400 for a body without a queue, 404 for an unknown queue and 409 for a refused one', async () => {
    const noQueue = await post(async () => ({ redriven: 0, remaining: 0 }), '{"name":"x"}');
    const unknown = await post(async (q) => {
      throw new NotFoundError(`Dead-letter queue ${q}`);
    }, '{"queue":"sender"}');
    const refused = await post(async () => {
      throw new AdminActionRefusedError('not here');
    }, '{"queue":"stream"}');
    expect(noQueue.status).toBe(400);
    expect(unknown).toEqual({
      status: 404,
      body: { error: 'not_found', message: 'Dead-letter queue sender not found' },
    });
    expect(refused).toEqual({ status: 409, body: { error: 'action_refused', message: 'not here' } });
  });

  it('answers 404 when the twin has no redrive', async () => {
    const res = await post(undefined, '{"queue":"scheduler"}');
    expect(res.status).toBe(404);
  });
});
