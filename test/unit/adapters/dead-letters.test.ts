/**
 * Redriving dead letters (`shared/adapters/dead-letters.ts`): what a dead letter holds, the timer a wake-up
 * gets, SQS receive/delete with a stubbed client (`send`), and the twin's endpoint with a stubbed fetch.
 */
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import {
  MAX_STREAM_REDRIVES,
  MAX_WAKE_UP_REDRIVES,
  parseDeadLetterQueues,
  redriveTimer,
  SqsDeadLetters,
  TwinDeadLetters,
  wakeUpOf,
} from '#shared/adapters/dead-letters.ts';
import type { ReplayOutcome, StreamBatch, StreamReplayer } from '#shared/adapters/stream-replay.ts';
import { slotScheduleNameFor } from '#shared/domain/ids.ts';
import { AdminActionRefusedError, NotFoundError } from '#shared/errors.ts';
import type { TimerRequest, TimerService } from '#shared/ports.ts';

const USER = 'u_0123456789abcdef01234567';
const REMINDER = 'r_0123456789abcdef0123456789abcd';
const WAKE_UP = JSON.stringify({ userId: USER, reminderId: REMINDER });
const NOW = new Date('2027-01-11T08:03:20.500Z');
const NEXT_MINUTE = '2027-01-11T08:04:00.000Z';
const QUEUES =
  'scheduler=https://q/scheduler,sender=https://q/sender,stream=https://q/stream,feedback=https://q/feedback';

/** What Lambda sends to a stream's on-failure destination (shortened to what matters). */
const streamRecord = (start: string, end: string) =>
  JSON.stringify({
    requestContext: { condition: 'RetryAttemptsExhausted', approximateInvokeCount: 4 },
    version: '1.0',
    timestamp: '2027-01-11T08:00:00.000Z',
    DDBStreamBatchInfo: {
      shardId: 'shardId-00000001',
      startSequenceNumber: start,
      endSequenceNumber: end,
      batchSize: 1,
      streamArn: 'arn:aws:dynamodb:eu-west-1:123456789012:table/rebound/stream/2027-01-01T00:00:00.000',
    },
  });

class FakeTimers implements TimerService {
  public readonly ensured: TimerRequest[] = [];
  public async ensure(timer: TimerRequest) {
    this.ensured.push(timer);
  }
  public async remove() {}
}

/** A queue on a stubbed SQS client: receives hand out what is left, deletes remove, every command is kept. */
class FakeSqs {
  public readonly commands: unknown[] = [];
  private readonly inFlight = new Map<string, string>();
  private next = 0;
  public constructor(public bodies: string[]) {}
  public async send(command: unknown): Promise<unknown> {
    this.commands.push(command);
    if (command instanceof ReceiveMessageCommand) {
      const take = this.bodies.splice(0, command.input.MaxNumberOfMessages ?? 1);
      const Messages: Message[] = take.map((Body) => {
        this.next += 1;
        const handle = `h${this.next}`;
        this.inFlight.set(handle, Body);
        return { Body, ReceiptHandle: handle, MessageId: `m${this.next}` };
      });
      return { Messages };
    }
    if (command instanceof DeleteMessageBatchCommand) {
      const entries = command.input.Entries ?? [];
      for (const e of entries) this.inFlight.delete(e.ReceiptHandle ?? '');
      return { Successful: entries.map((e) => ({ Id: e.Id })), Failed: [] };
    }
    if (command instanceof ChangeMessageVisibilityBatchCommand) {
      for (const e of command.input.Entries ?? []) {
        const body = this.inFlight.get(e.ReceiptHandle ?? '');
        if (body !== undefined) this.bodies.push(body);
      }
      return { Successful: [], Failed: [] };
    }
    if (command instanceof GetQueueAttributesCommand) {
      return { Attributes: { ApproximateNumberOfMessages: String(this.bodies.length) } };
    }
    throw new Error(`unexpected command ${String(command)}`);
  }
  public of<T>(type: new (...args: never[]) => T): T[] {
    return this.commands.filter((c): c is T => c instanceof type);
  }
  public as(): SQSClient {
    return this as unknown as SQSClient;
  }
}

class FakeReplayer implements StreamReplayer {
  public readonly replayed: StreamBatch[] = [];
  public constructor(private readonly outcome: (batch: StreamBatch) => ReplayOutcome) {}
  public async replay(batch: StreamBatch) {
    this.replayed.push(batch);
    return this.outcome(batch);
  }
}

function sqsView(bodies: string[], streams?: StreamReplayer) {
  const sqs = new FakeSqs(bodies);
  const timers = new FakeTimers();
  const view = new SqsDeadLetters(sqs.as(), parseDeadLetterQueues(QUEUES), {
    timers,
    clock: { now: () => NOW },
    streams,
  });
  return { sqs, timers, view };
}

describe('what a dead letter holds', () => {
  it("reads the wake-up from the Scheduler's message (the timer's input itself)", () => {
    expect(wakeUpOf(WAKE_UP)).toEqual({ userId: USER, reminderId: REMINDER });
  });

  it("reads the wake-up from Lambda's on-failure record of an asynchronous invocation (requestPayload)", () => {
    const record = {
      version: '1.0',
      requestContext: { condition: 'RetriesExhausted', approximateInvokeCount: 3 },
      requestPayload: { userId: USER, reminderId: REMINDER },
      responsePayload: { errorMessage: 'SES refused' },
    };
    expect(wakeUpOf(JSON.stringify(record))).toEqual({ userId: USER, reminderId: REMINDER });
  });

  it('reads no wake-up from anything else', () => {
    for (const body of ['{}', 'not json', '{"userId":"u_1","reminderId":"r_1"}', streamRecord('1', '2')]) {
      expect(wakeUpOf(body), body).toBeUndefined();
    }
  });

  it("gives a wake-up the user's slot timer at the next whole minute", () => {
    expect(redriveTimer({ userId: USER, reminderId: REMINDER }, NOW)).toEqual({
      scheduleName: slotScheduleNameFor(USER, NEXT_MINUTE),
      dueAt: NEXT_MINUTE,
      userId: USER,
      reminderId: REMINDER,
    });
  });
});

describe('redriving an SQS dead-letter queue', () => {
  it('ensures a timer for each wake-up, deletes those, and makes a message it cannot redrive visible again', async () => {
    const { sqs, timers, view } = sqsView([WAKE_UP, '{"hello":1}']);
    const result = await view.redrive('scheduler');

    expect(timers.ensured).toEqual([redriveTimer({ userId: USER, reminderId: REMINDER }, NOW)]);
    const receive = sqs.of(ReceiveMessageCommand)[0]?.input;
    expect(receive).toMatchObject({ QueueUrl: 'https://q/scheduler', MaxNumberOfMessages: 10 });
    expect(receive?.WaitTimeSeconds).toBeGreaterThan(0);
    expect(sqs.of(DeleteMessageBatchCommand).map((c) => c.input)).toEqual([
      { QueueUrl: 'https://q/scheduler', Entries: [{ Id: '0', ReceiptHandle: 'h1' }] },
    ]);
    expect(sqs.of(ChangeMessageVisibilityBatchCommand).map((c) => c.input)).toEqual([
      {
        QueueUrl: 'https://q/scheduler',
        Entries: [{ Id: '0', ReceiptHandle: 'h2', VisibilityTimeout: 0 }],
      },
    ]);
    expect(result).toEqual({
      redriven: 1,
      remaining: 1,
      notes: ['A message that is not a wake-up of the sender ({ userId, reminderId }) was kept.'],
    });
    expect(sqs.bodies).toEqual(['{"hello":1}']);
  });

  it("redrives the sender's queue the same way", async () => {
    const { sqs, timers, view } = sqsView([JSON.stringify({ requestPayload: JSON.parse(WAKE_UP) })]);
    expect(await view.redrive('sender')).toEqual({ redriven: 1, remaining: 0, notes: [] });
    expect(timers.ensured).toHaveLength(1);
    expect(sqs.of(ReceiveMessageCommand)[0]?.input.QueueUrl).toBe('https://q/sender');
  });

  it('stops at the cap per call and says how many wait', async () => {
    const { sqs, timers, view } = sqsView(Array.from({ length: MAX_WAKE_UP_REDRIVES + 7 }, () => WAKE_UP));
    const result = await view.redrive('scheduler');
    expect(timers.ensured).toHaveLength(MAX_WAKE_UP_REDRIVES);
    expect(result).toEqual({ redriven: MAX_WAKE_UP_REDRIVES, remaining: 7, notes: [] });
    expect(sqs.of(ReceiveMessageCommand)).toHaveLength(MAX_WAKE_UP_REDRIVES / 10);
  });

  it('replays each stream batch, deletes it once replayed, and keeps one whose records are lost with a note', async () => {
    const replayer = new FakeReplayer((batch) =>
      batch.startSequenceNumber === '100'
        ? { outcome: 'replayed', records: 1 }
        : {
            outcome: 'lost',
            reason: 'the stream no longer holds these records (TrimmedDataAccessException)',
          },
    );
    const { sqs, timers, view } = sqsView([streamRecord('100', '100'), streamRecord('7', '9')], replayer);
    const result = await view.redrive('stream');

    expect(replayer.replayed.map((b) => b.startSequenceNumber)).toEqual(['100', '7']);
    expect(timers.ensured).toEqual([]);
    expect(result.redriven).toBe(1);
    expect(result.remaining).toBe(1);
    expect(result.notes).toEqual([
      'Stream records 7 to 9 of shardId-00000001 are lost: the stream no longer holds these records (TrimmedDataAccessException); the message was kept as their only trace.',
    ]);
    expect(sqs.of(DeleteMessageBatchCommand)[0]?.input.Entries).toEqual([{ Id: '0', ReceiptHandle: 'h1' }]);
  });

  it('keeps a stream batch the planner failed on again', async () => {
    const replayer = new FakeReplayer(() => ({
      outcome: 'failed',
      reason: 'the planner failed on 1 of 1 records again',
    }));
    const { sqs, view } = sqsView([streamRecord('5', '5')], replayer);
    const result = await view.redrive('stream');
    expect(result).toMatchObject({ redriven: 0, remaining: 1 });
    expect(result.notes?.[0]).toContain('were not planned again: the planner failed on 1 of 1 records again');
    expect(sqs.of(DeleteMessageBatchCommand)).toEqual([]);
  });

  it('replays at most a few stream batches per call (each is a planner invocation)', async () => {
    const replayer = new FakeReplayer(() => ({ outcome: 'replayed', records: 1 }));
    const { view } = sqsView(
      Array.from({ length: MAX_STREAM_REDRIVES + 3 }, (_, i) => streamRecord(`${i + 1}`, `${i + 1}`)),
      replayer,
    );
    expect(await view.redrive('stream')).toEqual({ redriven: MAX_STREAM_REDRIVES, remaining: 3, notes: [] });
  });

  it('refuses the feedback queue (409) and an unknown one (404) without touching SQS', async () => {
    const { sqs, view } = sqsView([WAKE_UP]);
    await expect(view.redrive('feedback')).rejects.toBeInstanceOf(AdminActionRefusedError);
    await expect(view.redrive('nope')).rejects.toBeInstanceOf(NotFoundError);
    expect(sqs.commands).toEqual([]);
  });

  it('refuses the stream queue when no planner is configured to replay to', async () => {
    const { sqs, view } = sqsView([streamRecord('1', '1')]);
    await expect(view.redrive('stream')).rejects.toThrow(/not configured/);
    expect(sqs.commands).toEqual([]);
  });

  it('refuses every redrive when built for counts only', async () => {
    const sqs = new FakeSqs([WAKE_UP]);
    const view = new SqsDeadLetters(sqs.as(), parseDeadLetterQueues(QUEUES));
    await expect(view.redrive('scheduler')).rejects.toBeInstanceOf(AdminActionRefusedError);
    expect(sqs.commands).toEqual([]);
  });
});

describe("redriving the twin's dead letters", () => {
  const answering = (status: number, body: unknown, calls: { url: string; init?: RequestInit }[]) =>
    (async (url: string, init?: RequestInit) => {
      calls.push({ url, init });
      return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
    }) as unknown as typeof fetch;

  it('POSTs the queue to <dead-letters URL>/redrive and answers what the twin did', async () => {
    const calls: { url: string; init?: RequestInit }[] = [];
    const view = new TwinDeadLetters(
      'http://127.0.0.1:4000/_local/dead-letters',
      answering(200, { redriven: 2, remaining: 0, notes: [] }, calls),
    );
    expect(await view.redrive('scheduler')).toEqual({ redriven: 2, remaining: 0, notes: [] });
    expect(calls[0]?.url).toBe('http://127.0.0.1:4000/_local/dead-letters/redrive');
    expect(calls[0]?.init?.method).toBe('POST');
    expect(JSON.parse(String(calls[0]?.init?.body))).toEqual({ queue: 'scheduler' });
  });

  it("turns the twin's 404 and 409 into NotFoundError and AdminActionRefusedError", async () => {
    const missing = new TwinDeadLetters('http://t/_local/dead-letters', answering(404, { error: 'x' }, []));
    const refused = new TwinDeadLetters(
      'http://t/_local/dead-letters',
      answering(409, { error: 'action_refused', message: 'not here' }, []),
    );
    await expect(missing.redrive('sender')).rejects.toBeInstanceOf(NotFoundError);
    await expect(refused.redrive('stream')).rejects.toThrow('not here');
  });

  it('fails plainly on an answer that is not a redrive result', async () => {
    const view = new TwinDeadLetters('http://t/_local/dead-letters', answering(200, { ok: true }, []));
    await expect(view.redrive('scheduler')).rejects.toThrow(/did not answer a redrive result/);
  });
});
