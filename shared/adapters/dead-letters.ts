/**
 * `DeadLetterView`: how many messages wait in each dead-letter queue. On AWS these are SQS queues (the
 * Scheduler's and the planner stream's), read with `GetQueueAttributes`; the local twin keeps its dead
 * letters in memory and lists them at `GET /_local/dead-letters`.
 */
import { GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { ReboundError } from '../errors.ts';
import type { DeadLetterView } from '../ports.ts';

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

export class SqsDeadLetters implements DeadLetterView {
  public constructor(
    private readonly client: SQSClient,
    private readonly queues: readonly DeadLetterQueueRef[],
  ) {}

  public async counts(): Promise<readonly { readonly name: string; readonly count: number }[]> {
    return Promise.all(
      this.queues.map(async ({ name, url }) => {
        const result = await this.client.send(
          new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['ApproximateNumberOfMessages'] }),
        );
        // Approximate by nature (SQS counts across its hosts); good enough to tell zero from some.
        return { name, count: Number(result.Attributes?.ApproximateNumberOfMessages ?? 0) };
      }),
    );
  }
}

/** The twin's answer: `{ "scheduler": [...], "stream": [...] }`, one list of dead letters per source. */
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
}
