import {
  GetScheduleCommand,
  ResourceNotFoundException,
  type SchedulerClient,
  ThrottlingException,
} from '@aws-sdk/client-scheduler';
import type { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { parseDeadLetterQueues, SqsDeadLetters, TwinDeadLetters } from '#shared/adapters/dead-letters.ts';
import { instantOfAtExpression, SchedulerTimerInspector } from '#shared/adapters/scheduler-inspector.ts';
import { atExpression } from '#shared/adapters/scheduler-timers.ts';

/** Stands in for an SDK client: records each command and answers with what a test sets. */
class FakeClient {
  public readonly commands: unknown[] = [];
  public constructor(private readonly answer: (command: unknown) => unknown) {}
  public async send(command: unknown): Promise<unknown> {
    this.commands.push(command);
    return this.answer(command);
  }
  public as<T>(): T {
    return this as unknown as T;
  }
}

describe('reading an at() expression', () => {
  it('reads back exactly what the timer service writes', () => {
    expect(instantOfAtExpression(atExpression('2026-12-07T08:00:00.000Z'))).toBe('2026-12-07T08:00:00.000Z');
    expect(instantOfAtExpression(atExpression('2026-12-07T09:00:00+01:00'))).toBe('2026-12-07T08:00:00.000Z');
  });

  it('converts a schedule written in another zone, daylight saving time included', () => {
    expect(instantOfAtExpression('at(2026-12-07T09:00:00)', 'Europe/Berlin')).toBe(
      '2026-12-07T08:00:00.000Z',
    );
    expect(instantOfAtExpression('at(2026-07-07T09:00:00)', 'Europe/Berlin')).toBe(
      '2026-07-07T07:00:00.000Z',
    );
  });

  it('gives nothing for a rate() or cron() expression', () => {
    expect(instantOfAtExpression('rate(5 minutes)')).toBeUndefined();
  });
});

describe('SchedulerTimerInspector', () => {
  it('asks GetSchedule in the group and answers when the timer fires', async () => {
    const client = new FakeClient(() => ({
      ScheduleExpression: 'at(2026-12-07T08:00:00)',
      ScheduleExpressionTimezone: 'UTC',
    }));
    const inspector = new SchedulerTimerInspector(client.as<SchedulerClient>(), 'rebound');
    expect(await inspector.inspect('rebound-u-abc-20261207T0800')).toEqual({
      exists: true,
      at: '2026-12-07T08:00:00.000Z',
    });
    const [command] = client.commands as GetScheduleCommand[];
    expect(command).toBeInstanceOf(GetScheduleCommand);
    expect(command?.input).toEqual({ Name: 'rebound-u-abc-20261207T0800', GroupName: 'rebound' });
  });

  it('answers exists:false for a timer that is gone', async () => {
    const client = new FakeClient(() => {
      throw new ResourceNotFoundException({
        message: 'Schedule does not exist.',
        Message: 'Schedule does not exist.',
        $metadata: {},
      });
    });
    const inspector = new SchedulerTimerInspector(client.as<SchedulerClient>(), 'rebound');
    expect(await inspector.inspect('rebound-u-abc-20261207T0800')).toEqual({ exists: false });
  });

  it('passes any other error on', async () => {
    const client = new FakeClient(() => {
      throw new ThrottlingException({ message: 'Rate exceeded', Message: 'Rate exceeded', $metadata: {} });
    });
    const inspector = new SchedulerTimerInspector(client.as<SchedulerClient>(), 'rebound');
    await expect(inspector.inspect('x')).rejects.toBeInstanceOf(ThrottlingException);
  });
});

describe('dead letters', () => {
  it('parses name=url pairs', () => {
    expect(
      parseDeadLetterQueues(
        'scheduler=https://sqs.eu-west-1.amazonaws.com/1/a,stream=https://sqs.eu-west-1.amazonaws.com/1/b',
      ),
    ).toEqual([
      { name: 'scheduler', url: 'https://sqs.eu-west-1.amazonaws.com/1/a' },
      { name: 'stream', url: 'https://sqs.eu-west-1.amazonaws.com/1/b' },
    ]);
  });

  it('counts each SQS queue’s messages with GetQueueAttributes', async () => {
    const client = new FakeClient((command) => ({
      Attributes: {
        ApproximateNumberOfMessages: (command as GetQueueAttributesCommand).input.QueueUrl?.endsWith('/a')
          ? '3'
          : '0',
      },
    }));
    const view = new SqsDeadLetters(
      client.as<SQSClient>(),
      parseDeadLetterQueues('scheduler=https://q/a,stream=https://q/b'),
    );
    expect(await view.counts()).toEqual([
      { name: 'scheduler', count: 3 },
      { name: 'stream', count: 0 },
    ]);
    expect((client.commands[0] as GetQueueAttributesCommand).input).toEqual({
      QueueUrl: 'https://q/a',
      AttributeNames: ['ApproximateNumberOfMessages'],
    });
  });

  it('counts the twin’s dead letters per source', async () => {
    const urls: string[] = [];
    const fakeFetch = (async (url: string) => {
      urls.push(url);
      return new Response(JSON.stringify({ scheduler: [{}, {}], stream: [] }), {
        headers: { 'content-type': 'application/json' },
      });
    }) as unknown as typeof fetch;
    const view = new TwinDeadLetters('http://localhost:4000/_local/dead-letters', fakeFetch);
    expect(await view.counts()).toEqual([
      { name: 'scheduler', count: 2 },
      { name: 'stream', count: 0 },
    ]);
    expect(urls).toEqual(['http://localhost:4000/_local/dead-letters']);
  });

  it('fails plainly when the twin answers an error', async () => {
    const fakeFetch = (async () => new Response('nope', { status: 503 })) as unknown as typeof fetch;
    await expect(new TwinDeadLetters('http://localhost:4000/x', fakeFetch).counts()).rejects.toThrow(/503/);
  });
});
