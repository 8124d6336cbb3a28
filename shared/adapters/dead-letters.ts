/**
 * `DeadLetterView`: how many messages wait in each dead-letter queue, and redriving them. On AWS these are SQS
 * queues (the Scheduler's, the sender's and SES feedback's async-invoke failures, and the planner stream's
 * on-failure destination), read with `GetQueueAttributes` and redriven with `ReceiveMessage` and
 * `DeleteMessageBatch`; the local twin keeps its dead letters itself, lists them at `GET /_local/dead-letters`
 * and redrives them at `POST /_local/dead-letters/redrive` with the same functions as here.
 *
 * A redrive hands each dead letter back to the pipeline the normal way, never around it:
 * - a wake-up of the sender (`scheduler`, `sender`): a timer at the next whole minute, the user's send-slot
 *   timer, so the sender runs again and sends what is still pending and due (DynamoDB decides: no double send);
 * - a stream batch (`stream`): its records read back from the stream and replayed to the planner, which
 *   applies each event once (`stream-replay.ts`).
 * A dead letter is removed only once handed back; one that cannot be (records no longer in the stream, a body
 * that is not what the queue holds) stays, and the result says why.
 */
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import * as z from 'zod';
import { REDRIVABLE_DEAD_LETTER_QUEUES } from '../../events/admin-api.ts';
import { TimerPayloadSchema } from '../../events/timer-payload.ts';
import { slotScheduleNameFor } from '../domain/ids.ts';
import { nextWholeMinute } from '../domain/slots.ts';
import { AdminActionRefusedError, NotFoundError, ReboundError } from '../errors.ts';
import type {
  Clock,
  DeadLetterView,
  RedriveResult,
  TimerPayload,
  TimerRequest,
  TimerService,
} from '../ports.ts';
import { type StreamReplayer, streamBatchOf } from './stream-replay.ts';

export interface DeadLetterQueueRef {
  readonly name: string;
  readonly url: string;
}

/** `scheduler=https://…,stream=https://…` (the `DEAD_LETTER_QUEUES` variable) as name and URL pairs. */
export function parseDeadLetterQueues(value: string): DeadLetterQueueRef[] {
  return value
    .split(',')
    .map((pair) => pair.trim())
    .filter((pair) => pair.length > 0)
    .map((pair) => {
      const equals = pair.indexOf('=');
      if (equals <= 0) throw new ReboundError(`Dead-letter queue "${pair}" is not name=url`);
      return { name: pair.slice(0, equals), url: pair.slice(equals + 1) };
    });
}

// ---------------------------------------------------------------------------------------------- redrive

/**
 * Dead letters handed back per call at most: a call must end well inside the admin function's timeout (15 s);
 * the result's `remaining` tells the operator to press again. A stream batch costs a planner invocation.
 */
export const MAX_WAKE_UP_REDRIVES = 100;
export const MAX_STREAM_REDRIVES = 5;

/** What a queue's dead letters are: wake-ups of the sender, or failed stream batches of the planner. */
export type DeadLetterKind = 'wake-up' | 'stream';

/** @returns `undefined` for a queue whose dead letters cannot be redriven (SES feedback's) */
export function deadLetterKindOf(queue: string): DeadLetterKind | undefined {
  if (!(REDRIVABLE_DEAD_LETTER_QUEUES as readonly string[]).includes(queue)) return undefined;
  return queue === 'stream' ? 'stream' : 'wake-up';
}

/** The refusal for a queue that cannot be redriven (409). */
export function notRedrivable(queue: string): AdminActionRefusedError {
  return new AdminActionRefusedError(
    `Redrive is not supported for the ${queue} queue: its messages are not something the pipeline can take back; nothing changed`,
  );
}

const OnFailureRecordSchema = z.looseObject({ requestPayload: z.unknown() });

/**
 * The sender's wake-up in a dead letter: the Scheduler's dead-letter message is the timer's input itself;
 * Lambda's on-failure record of an asynchronous invocation (the sender's queue) carries it as `requestPayload`.
 */
export function wakeUpOf(body: unknown): TimerPayload | undefined {
  const value = typeof body === 'string' ? parseJson(body) : body;
  const direct = TimerPayloadSchema.safeParse(value);
  if (direct.success) return direct.data;
  const record = OnFailureRecordSchema.safeParse(value);
  if (!record.success) return undefined;
  const wrapped = TimerPayloadSchema.safeParse(record.data.requestPayload);
  return wrapped.success ? wrapped.data : undefined;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/**
 * The timer a redriven wake-up gets: the user's send-slot timer at the next whole minute (Scheduler refuses
 * `at()` in the past). Ensured like any other: if the user already has one then, it is brought in line.
 */
export function redriveTimer(wakeUp: TimerPayload, now: Date): TimerRequest {
  const dueAt = nextWholeMinute(now).toISOString();
  return {
    scheduleName: slotScheduleNameFor(wakeUp.userId, dueAt),
    dueAt,
    userId: wakeUp.userId,
    reminderId: wakeUp.reminderId,
  };
}

/** What handing dead letters back needs: timers (wake-ups) and, for stream batches, a replayer. */
export interface RedriveDeps {
  readonly timers: TimerService;
  readonly clock: Clock;
  /** Absent: stream batches cannot be redriven here (a 409 says so). */
  readonly streams?: StreamReplayer | undefined;
}

/**
 * Hand one dead letter back to the pipeline.
 * @returns `undefined` once it was (remove it), or one sentence saying why it is kept
 */
export async function redriveLetter(
  kind: DeadLetterKind,
  body: unknown,
  deps: RedriveDeps,
): Promise<string | undefined> {
  if (kind === 'wake-up') {
    const wakeUp = wakeUpOf(body);
    if (!wakeUp) return 'A message that is not a wake-up of the sender ({ userId, reminderId }) was kept.';
    await deps.timers.ensure(redriveTimer(wakeUp, deps.clock.now()));
    return undefined;
  }
  const batch = streamBatchOf(body);
  if (!batch) return 'A message that does not describe a stream batch (DDBStreamBatchInfo) was kept.';
  if (!deps.streams) throw redriveUnavailable('stream');
  const result = await deps.streams.replay(batch);
  if (result.outcome === 'replayed') return undefined;
  const which = `Stream records ${batch.startSequenceNumber} to ${batch.endSequenceNumber} of ${batch.shardId}`;
  return result.outcome === 'lost'
    ? `${which} are lost: ${result.reason}; the message was kept as their only trace.`
    : `${which} were not planned again: ${result.reason}; the message was kept.`;
}

function redriveUnavailable(queue: string): AdminActionRefusedError {
  const missing = queue === 'stream' ? 'no planner to replay to' : 'no timers';
  return new AdminActionRefusedError(
    `Redrive of the ${queue} queue is not configured here (${missing}); nothing changed`,
  );
}

// ---------------------------------------------------------------------------------------------- SQS

export class SqsDeadLetters implements DeadLetterView {
  /** `redrive` absent: counts only, and every redrive is refused. */
  public constructor(
    private readonly client: SQSClient,
    private readonly queues: readonly DeadLetterQueueRef[],
    private readonly redriveDeps?: RedriveDeps,
  ) {}

  public async counts(): Promise<readonly { readonly name: string; readonly count: number }[]> {
    return Promise.all(this.queues.map(async ({ name, url }) => ({ name, count: await this.depth(url) })));
  }

  /**
   * Receive up to 10 messages at a time (hidden from other readers for 2 minutes meanwhile), hand each back
   * and delete those that were, until the queue answers none or the cap is reached; the kept ones are made
   * visible again at once. A message whose delete failed is redriven again next time: harmless.
   */
  public async redrive(queue: string): Promise<RedriveResult> {
    const ref = this.queues.find((q) => q.name === queue);
    if (!ref) throw new NotFoundError(`Dead-letter queue ${queue}`);
    const kind = deadLetterKindOf(queue);
    if (!kind) throw notRedrivable(queue);
    const deps = this.redriveDeps;
    if (!deps || (kind === 'stream' && !deps.streams)) throw redriveUnavailable(queue);
    const cap = kind === 'stream' ? MAX_STREAM_REDRIVES : MAX_WAKE_UP_REDRIVES;
    const kept: Message[] = [];
    const notes: string[] = [];
    let received = 0;
    let redriven = 0;
    while (received < cap) {
      const { Messages = [] } = await this.client.send(
        new ReceiveMessageCommand({
          QueueUrl: ref.url,
          MaxNumberOfMessages: Math.min(10, cap - received),
          // Long polling asks every SQS host, so a small queue is not answered "empty" by chance.
          WaitTimeSeconds: 1,
          VisibilityTimeout: 120,
        }),
      );
      if (Messages.length === 0) break;
      received += Messages.length;
      const done: Message[] = [];
      for (const message of Messages) {
        const note = await redriveLetter(kind, message.Body ?? '', deps);
        if (note === undefined) done.push(message);
        else {
          kept.push(message);
          notes.push(note);
        }
      }
      if (done.length > 0) {
        const { Successful = [], Failed = [] } = await this.client.send(
          new DeleteMessageBatchCommand({ QueueUrl: ref.url, Entries: entries(done) }),
        );
        redriven += Successful.length;
        if (Failed.length > 0) {
          notes.push(
            `${Failed.length} redriven message(s) could not be deleted; they will be redriven again.`,
          );
        }
      }
    }
    for (let i = 0; i < kept.length; i += 10) {
      await this.client.send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: ref.url,
          Entries: entries(kept.slice(i, i + 10)).map((e) => ({ ...e, VisibilityTimeout: 0 })),
        }),
      );
    }
    // Stopped at an empty answer, the queue holds only the kept ones; at the cap, more may wait.
    const remaining = received < cap ? kept.length : Math.max(kept.length, await this.depth(ref.url));
    return { redriven, remaining, notes };
  }

  private async depth(url: string): Promise<number> {
    const result = await this.client.send(
      new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['ApproximateNumberOfMessages'] }),
    );
    // Approximate by nature (SQS counts across its hosts); good enough to tell zero from some.
    return Number(result.Attributes?.ApproximateNumberOfMessages ?? 0);
  }
}

const entries = (messages: readonly Message[]) =>
  messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle ?? '' }));

// ---------------------------------------------------------------------------------------------- twin

const TwinRedriveAnswerSchema = z.object({
  redriven: z.number().int().min(0),
  remaining: z.number().int().min(0),
  notes: z.array(z.string()).default([]),
});

/**
 * The twin's dead letters: `{ "scheduler": [...], "stream": [...] }`, one list per source, at `url`; a redrive
 * is `POST <url>/redrive` with `{ "queue" }`, which the twin answers as `RedriveResult` (404, 409 as here).
 */
export class TwinDeadLetters implements DeadLetterView {
  public constructor(
    private readonly url: string,
    private readonly fetchFn: typeof fetch = fetch,
  ) {}

  public async counts(): Promise<readonly { readonly name: string; readonly count: number }[]> {
    const response = await this.fetchFn(this.url, {
      headers: { accept: 'application/json' },
      signal: AbortSignal.timeout(5_000),
    });
    if (!response.ok) throw new ReboundError(`GET ${this.url} answered ${response.status}`);
    const body: unknown = await response.json();
    if (body === null || typeof body !== 'object' || Array.isArray(body)) {
      throw new ReboundError(`GET ${this.url} did not answer a JSON object`);
    }
    return Object.entries(body).flatMap(([name, letters]) =>
      Array.isArray(letters) ? [{ name, count: letters.length }] : [],
    );
  }

  public async redrive(queue: string): Promise<RedriveResult> {
    const url = `${this.url.replace(/\/+$/, '')}/redrive`;
    const response = await this.fetchFn(url, {
      method: 'POST',
      headers: { accept: 'application/json', 'content-type': 'application/json' },
      body: JSON.stringify({ queue }),
      // A stream replay runs the planner and settles the twin's world.
      signal: AbortSignal.timeout(30_000),
    });
    const body: unknown = await response.json().catch(() => undefined);
    const message = (body as { message?: unknown } | undefined)?.message;
    if (response.status === 404) throw new NotFoundError(`Dead-letter queue ${queue}`);
    if (response.status === 409) {
      throw new AdminActionRefusedError(
        typeof message === 'string' ? message : `${queue} cannot be redriven`,
      );
    }
    if (!response.ok) throw new ReboundError(`POST ${url} answered ${response.status}`);
    const parsed = TwinRedriveAnswerSchema.safeParse(body);
    if (!parsed.success) throw new ReboundError(`POST ${url} did not answer a redrive result`);
    return parsed.data;
  }
}
