/**
 * The Scheduler emulator, driven through the real `@aws-sdk/client-scheduler` plus its local controls
 * (fireDue, fireNow, list, deadLetters). Each test starts its own emulator on a free port, with its own data
 * file and clock, so firing in one test cannot leak into another.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ConflictException,
  CreateScheduleCommand,
  type CreateScheduleCommandInput,
  CreateScheduleGroupCommand,
  DeleteScheduleCommand,
  GetScheduleCommand,
  GetScheduleGroupCommand,
  ListSchedulesCommand,
  ResourceNotFoundException,
  SchedulerClient,
  SchedulerServiceException,
  UpdateScheduleCommand,
  ValidationException,
} from '@aws-sdk/client-scheduler';
import { afterAll, describe, expect, it } from 'vitest';
import { SchedulerEmulator, SchedulerResourceNotFoundError } from '../../infra/local/scheduler-emulator.ts';
import { SettableClock } from '../support/fakes.ts';

const ROLE_ARN = 'arn:aws:iam::000000000000:role/rebound-scheduler';
const DLQ_ARN = 'arn:aws:sqs:us-east-1:000000000000:rebound-scheduler-dlq';
const SENDER_ARN = 'arn:aws:lambda:us-east-1:000000000000:function:rebound-sender';
const RECONCILER_ARN = 'arn:aws:lambda:us-east-1:000000000000:function:rebound-reconciler';

interface Invocation {
  readonly targetArn: string;
  readonly input: string | undefined;
}

interface StartOptions {
  readonly dataFile?: string;
  readonly clock?: SettableClock;
  /** Runs after the call is recorded; a rejection is a failed invocation. */
  readonly target?: (call: Invocation, client: SchedulerClient) => Promise<void>;
}

const cleanups: (() => Promise<void>)[] = [];

afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

async function start(options: StartOptions = {}) {
  let dataFile = options.dataFile;
  if (!dataFile) {
    const dir = await mkdtemp(join(tmpdir(), 'rebound-scheduler-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    // A nested path proves the emulator creates missing directories.
    dataFile = join(dir, 'nested', 'scheduler.json');
  }
  const clock = options.clock ?? new SettableClock('2027-01-10T12:00:00Z');
  const calls: Invocation[] = [];
  let client: SchedulerClient | undefined;
  const emulator = new SchedulerEmulator({
    dataFile,
    clock,
    invoke: async (targetArn, input) => {
      calls.push({ targetArn, input });
      if (client) await options.target?.({ targetArn, input }, client);
    },
  });
  await emulator.load();
  const port = await emulator.listen(0);
  client = new SchedulerClient({
    endpoint: `http://127.0.0.1:${port}`,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
  const sdk = client;
  cleanups.push(async () => {
    sdk.destroy();
    await emulator.close();
  });
  return { emulator, client: sdk, clock, calls, dataFile };
}

function oneTime(
  name: string,
  at: string,
  overrides: Partial<CreateScheduleCommandInput> = {},
): CreateScheduleCommandInput {
  return {
    Name: name,
    ScheduleExpression: `at(${at})`,
    FlexibleTimeWindow: { Mode: 'OFF' },
    ActionAfterCompletion: 'DELETE',
    Target: { Arn: SENDER_ARN, RoleArn: ROLE_ARN, Input: JSON.stringify({ reminderId: name }) },
    ...overrides,
  };
}

const RECONCILER: CreateScheduleCommandInput = {
  Name: 'reconciler',
  ScheduleExpression: 'rate(5 minutes)',
  FlexibleTimeWindow: { Mode: 'OFF' },
  Target: { Arn: RECONCILER_ARN, RoleArn: ROLE_ARN, Input: '{}' },
};

async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to fail');
}

describe('the Scheduler API through the real SDK client', () => {
  it('returns a created at() schedule with its time zone, DLQ, retry policy and completion action, dates as Date', async () => {
    // Prepare
    const { client } = await start();
    await client.send(new CreateScheduleGroupCommand({ Name: 'rebound' }));
    const target = {
      Arn: SENDER_ARN,
      RoleArn: ROLE_ARN,
      Input: '{"reminderId":"r1"}',
      DeadLetterConfig: { Arn: DLQ_ARN },
      RetryPolicy: { MaximumRetryAttempts: 5, MaximumEventAgeInSeconds: 3600 },
    };

    // Act
    const created = await client.send(
      new CreateScheduleCommand(
        oneTime('rebound-r-1', '2027-01-15T09:00:00', {
          GroupName: 'rebound',
          ScheduleExpressionTimezone: 'Europe/Berlin',
          Description: 'dentist',
          Target: target,
        }),
      ),
    );
    const got = await client.send(new GetScheduleCommand({ Name: 'rebound-r-1', GroupName: 'rebound' }));

    // Assess
    expect(created.ScheduleArn).toBe('arn:aws:scheduler:us-east-1:000000000000:schedule/rebound/rebound-r-1');
    expect(got).toMatchObject({
      Arn: created.ScheduleArn,
      Name: 'rebound-r-1',
      GroupName: 'rebound',
      ScheduleExpression: 'at(2027-01-15T09:00:00)',
      ScheduleExpressionTimezone: 'Europe/Berlin',
      Description: 'dentist',
      State: 'ENABLED',
      ActionAfterCompletion: 'DELETE',
      FlexibleTimeWindow: { Mode: 'OFF' },
      Target: target,
    });
    expect(got.CreationDate).toEqual(new Date('2027-01-10T12:00:00Z'));
    expect(got.LastModificationDate).toEqual(new Date('2027-01-10T12:00:00Z'));
  });

  it('fills in the AWS defaults for group, state, completion action, time zone and retry policy', async () => {
    // Prepare
    const { client } = await start();

    // Act
    await client.send(
      new CreateScheduleCommand({ ...RECONCILER, Target: { Arn: RECONCILER_ARN, RoleArn: ROLE_ARN } }),
    );
    const got = await client.send(new GetScheduleCommand({ Name: 'reconciler' }));

    // Assess
    expect(got).toMatchObject({
      GroupName: 'default',
      State: 'ENABLED',
      ActionAfterCompletion: 'NONE',
      ScheduleExpressionTimezone: 'UTC',
      Target: { RetryPolicy: { MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 86400 } },
    });
  });

  it('answers ConflictException for a name that exists, but replays the first answer for a repeated ClientToken', async () => {
    // Prepare
    const { client, emulator } = await start();
    const request = oneTime('retried', '2027-02-01T00:00:00', { ClientToken: 'token-1' });
    const first = await client.send(new CreateScheduleCommand(request));

    // Act
    const repeated = await client.send(new CreateScheduleCommand(request));
    const otherToken = await rejectionOf(
      client.send(new CreateScheduleCommand({ ...request, ClientToken: 'token-2' })),
    );

    // Assess
    expect(repeated.ScheduleArn).toBe(first.ScheduleArn);
    expect(otherToken).toBeInstanceOf(ConflictException);
    expect(emulator.list()).toHaveLength(1);
  });

  it('answers ResourceNotFoundException for a deleted schedule, and for a schedule in a group that does not exist', async () => {
    // Prepare
    const { client, emulator } = await start();
    await client.send(new CreateScheduleCommand(oneTime('gone', '2027-02-01T00:00:00')));

    // Act
    await client.send(new DeleteScheduleCommand({ Name: 'gone' }));
    const errors = await Promise.all([
      rejectionOf(client.send(new GetScheduleCommand({ Name: 'gone' }))),
      rejectionOf(client.send(new UpdateScheduleCommand(oneTime('gone', '2027-02-01T00:00:00')))),
      rejectionOf(client.send(new DeleteScheduleCommand({ Name: 'gone' }))),
      rejectionOf(
        client.send(
          new CreateScheduleCommand(oneTime('orphan', '2027-02-01T00:00:00', { GroupName: 'nope' })),
        ),
      ),
    ]);

    // Assess
    for (const error of errors) expect(error).toBeInstanceOf(ResourceNotFoundException);
    expect(emulator.list()).toEqual([]);
  });

  it.each([
    [
      'a 65-character name',
      { Name: 'n'.repeat(65) },
      "at 'name' failed to satisfy constraint: Member must have length less than or equal to 64",
    ],
    [
      'a role that is no IAM role ARN',
      { Target: { Arn: SENDER_ARN, RoleArn: 'scheduler-role' } },
      "'scheduler-role' at 'target.roleArn' failed to satisfy constraint: Member must satisfy regular expression pattern",
    ],
    [
      'a target without a role',
      { Target: { Arn: SENDER_ARN, RoleArn: undefined } },
      "null at 'target.roleArn' failed to satisfy constraint: Member must not be null",
    ],
    [
      'a state that does not exist',
      { State: 'PAUSED' as 'ENABLED' },
      'Member must satisfy enum value set: [ENABLED, DISABLED]',
    ],
    [
      '186 retries',
      { Target: { Arn: SENDER_ARN, RoleArn: ROLE_ARN, RetryPolicy: { MaximumRetryAttempts: 186 } } },
      "at 'target.retryPolicy.maximumRetryAttempts' failed to satisfy constraint: Member must have value less than or equal to 185",
    ],
    [
      '30 February in at()',
      { ScheduleExpression: 'at(2027-02-30T09:00:00)' },
      'Invalid Schedule Expression at(2027-02-30T09:00:00).',
    ],
    [
      'rate in seconds',
      { ScheduleExpression: 'rate(30 seconds)' },
      'Invalid Schedule Expression rate(30 seconds).',
    ],
    [
      'an unknown time zone',
      { ScheduleExpressionTimezone: 'Mars/Olympus' },
      'Invalid ScheduleExpressionTimezone Mars/Olympus.',
    ],
    [
      'FLEXIBLE without a window',
      { FlexibleTimeWindow: { Mode: 'FLEXIBLE' } },
      'MaximumWindowInMinutes must be set',
    ],
    [
      'a cron() expression',
      { ScheduleExpression: 'cron(0 9 ? * MON-FRI *)' },
      'cron() expressions are not supported by the local twin',
    ],
    [
      'a StartDate',
      { StartDate: new Date('2027-02-01T00:00:00Z') },
      'StartDate not supported by the local twin',
    ],
  ] satisfies [string, Partial<CreateScheduleCommandInput>, string][])(
    'answers ValidationException for %s',
    async (_case, override, messagePart) => {
      // Prepare
      const { client, emulator } = await start();

      // Act
      const error = await rejectionOf(
        client.send(new CreateScheduleCommand(oneTime('valid-name', '2027-02-01T09:00:00', override))),
      );

      // Assess
      expect(error).toBeInstanceOf(ValidationException);
      expect((error as ValidationException).message).toContain(messagePart);
      expect(emulator.list()).toEqual([]);
    },
  );

  it('replaces every field on UpdateSchedule: what the update leaves out goes back to its default', async () => {
    // Prepare
    const { client, emulator, clock, calls } = await start();
    await client.send(
      new CreateScheduleCommand(
        oneTime('upd', '2027-02-01T09:00:00', {
          Description: 'first',
          ScheduleExpressionTimezone: 'Europe/Berlin',
          Target: {
            Arn: SENDER_ARN,
            RoleArn: ROLE_ARN,
            Input: '{"v":1}',
            DeadLetterConfig: { Arn: DLQ_ARN },
          },
        }),
      ),
    );
    const before = await client.send(new GetScheduleCommand({ Name: 'upd' }));

    // Act
    await client.send(
      new UpdateScheduleCommand({
        Name: 'upd',
        ScheduleExpression: 'at(2027-03-01T10:30:00)',
        FlexibleTimeWindow: { Mode: 'FLEXIBLE', MaximumWindowInMinutes: 15 },
        Target: { Arn: SENDER_ARN, RoleArn: ROLE_ARN, Input: '{"v":2}' },
        State: 'DISABLED',
      }),
    );
    const got = await client.send(new GetScheduleCommand({ Name: 'upd' }));
    clock.set('2027-03-02T00:00:00Z');
    const attempted = await emulator.fireDue();

    // Assess
    expect(got).toMatchObject({
      ScheduleExpression: 'at(2027-03-01T10:30:00)',
      ScheduleExpressionTimezone: 'UTC',
      FlexibleTimeWindow: { Mode: 'FLEXIBLE', MaximumWindowInMinutes: 15 },
      State: 'DISABLED',
      ActionAfterCompletion: 'NONE',
      Target: { Input: '{"v":2}' },
      CreationDate: before.CreationDate,
    });
    expect(got.Description).toBeUndefined();
    expect(got.Target?.DeadLetterConfig).toBeUndefined();
    expect([attempted, calls.length]).toEqual([0, 0]); // DISABLED never fires
  });

  it('creates and reads a schedule group once: a second create is ConflictException', async () => {
    // Prepare
    const { client } = await start();

    // Act
    const created = await client.send(new CreateScheduleGroupCommand({ Name: 'rebound' }));
    const duplicate = await rejectionOf(client.send(new CreateScheduleGroupCommand({ Name: 'rebound' })));
    const group = await client.send(new GetScheduleGroupCommand({ Name: 'rebound' }));
    const missing = await rejectionOf(client.send(new GetScheduleGroupCommand({ Name: 'nope' })));

    // Assess
    expect(created.ScheduleGroupArn).toBe('arn:aws:scheduler:us-east-1:000000000000:schedule-group/rebound');
    expect(duplicate).toBeInstanceOf(ConflictException);
    expect(group).toMatchObject({ Arn: created.ScheduleGroupArn, Name: 'rebound', State: 'ACTIVE' });
    expect(group.CreationDate).toEqual(new Date('2027-01-10T12:00:00Z'));
    expect(missing).toBeInstanceOf(ResourceNotFoundException);
  });

  it('refuses what it does not emulate: tags on a group, and operations such as ListSchedules', async () => {
    // Prepare
    const { client } = await start();

    // Act
    const tagged = await rejectionOf(
      client.send(
        new CreateScheduleGroupCommand({ Name: 'tagged', Tags: [{ Key: 'app', Value: 'rebound' }] }),
      ),
    );
    const listed = await rejectionOf(client.send(new ListSchedulesCommand({})));

    // Assess
    expect(tagged).toBeInstanceOf(ValidationException);
    expect((tagged as Error).message).toContain('Tags not supported by the local twin');
    expect(listed).toBeInstanceOf(SchedulerServiceException);
    expect(listed).toMatchObject({ name: 'UnknownOperationException', $metadata: { httpStatusCode: 404 } });
  });
});

describe('firing on the virtual clock', () => {
  it('invokes a due one-time schedule once with its Input and deletes it (ActionAfterCompletion DELETE)', async () => {
    // Prepare
    const { client, emulator, clock, calls } = await start();
    await client.send(new CreateScheduleCommand(oneTime('due', '2027-01-10T12:30:00')));
    clock.set('2027-01-10T12:30:00Z');

    // Act
    const attempted = await emulator.fireDue();
    const attemptedAgain = await emulator.fireDue();

    // Assess
    expect(attempted).toBe(1);
    expect(attemptedAgain).toBe(0);
    expect(calls).toEqual([{ targetArn: SENDER_ARN, input: '{"reminderId":"due"}' }]);
    expect(await rejectionOf(client.send(new GetScheduleCommand({ Name: 'due' })))).toBeInstanceOf(
      ResourceNotFoundException,
    );
  });

  it('reads at() in Europe/Berlin: 09:00 is 08:00Z in winter and 07:00Z in summer', async () => {
    // Prepare
    const { client, emulator, clock, calls } = await start();
    const berlin = { ScheduleExpressionTimezone: 'Europe/Berlin' };
    await client.send(new CreateScheduleCommand(oneTime('winter', '2027-01-15T09:00:00', berlin)));
    await client.send(new CreateScheduleCommand(oneTime('summer', '2027-07-15T09:00:00', berlin)));

    // Act
    clock.set('2027-01-15T07:59:59Z');
    const beforeWinter = await emulator.fireDue();
    clock.set('2027-01-15T08:00:00Z');
    const atWinter = await emulator.fireDue();
    const listedAfterWinter = emulator.list();
    clock.set('2027-07-15T07:00:00Z');
    const atSummer = await emulator.fireDue();

    // Assess
    expect([beforeWinter, atWinter, atSummer]).toEqual([0, 1, 1]);
    expect(listedAfterWinter).toMatchObject([{ name: 'summer', nextFireAt: '2027-07-15T07:00:00.000Z' }]);
    expect(calls.map((c) => c.input)).toEqual(['{"reminderId":"winter"}', '{"reminderId":"summer"}']);
  });

  it('fires due schedules earliest first, including one already past when it was created', async () => {
    // Prepare
    const { client, emulator, clock, calls } = await start();
    await client.send(new CreateScheduleCommand(oneTime('overdue', '2027-01-01T08:00:00')));
    await client.send(new CreateScheduleCommand(oneTime('third', '2027-01-10T12:03:00')));
    await client.send(new CreateScheduleCommand(oneTime('first', '2027-01-10T12:01:00')));
    await client.send(new CreateScheduleCommand(oneTime('second', '2027-01-10T12:02:00')));
    clock.set('2027-01-10T13:00:00Z');

    // Act
    await emulator.fireDue();

    // Assess
    expect(calls.map((c) => c.input)).toEqual([
      '{"reminderId":"overdue"}',
      '{"reminderId":"first"}',
      '{"reminderId":"second"}',
      '{"reminderId":"third"}',
    ]);
  });

  it('invokes schedules due at the same instant together, four at a time, and a later instant only after them', async () => {
    // Prepare
    let inFlight = 0;
    let mostInFlight = 0;
    const finished: string[] = [];
    const { client, emulator, clock, calls } = await start({
      target: async ({ input }) => {
        inFlight += 1;
        mostInFlight = Math.max(mostInFlight, inFlight);
        await new Promise((resolve) => setTimeout(resolve, 20));
        inFlight -= 1;
        finished.push(input ?? '');
      },
    });
    const names = ['a', 'b', 'c', 'd', 'e', 'f'];
    for (const name of names)
      await client.send(new CreateScheduleCommand(oneTime(name, '2027-01-10T12:01:00')));
    await client.send(new CreateScheduleCommand(oneTime('later', '2027-01-10T12:02:00')));
    clock.set('2027-01-10T12:05:00Z');

    // Act
    const attempted = await emulator.fireDue();

    // Assess
    expect(attempted).toBe(7);
    expect(mostInFlight).toBe(4);
    expect(calls.slice(0, 4).map((c) => c.input)).toEqual(
      names.slice(0, 4).map((n) => `{"reminderId":"${n}"}`),
    );
    expect(finished.at(-1)).toBe('{"reminderId":"later"}');
    expect(emulator.list()).toEqual([]);
  });

  it('retries a failing target MaximumRetryAttempts times, then dead-letters the event if a DLQ is set, and completes the schedule', async () => {
    // Prepare
    const { client, emulator, clock, calls } = await start({
      target: async () => {
        throw new Error('sender crashed');
      },
    });
    await client.send(
      new CreateScheduleCommand(
        oneTime('failing', '2027-01-10T12:30:00', {
          ActionAfterCompletion: 'NONE',
          Target: {
            Arn: SENDER_ARN,
            RoleArn: ROLE_ARN,
            Input: '{"reminderId":"failing"}',
            DeadLetterConfig: { Arn: DLQ_ARN },
            RetryPolicy: { MaximumRetryAttempts: 2 },
          },
        }),
      ),
    );
    await client.send(
      new CreateScheduleCommand(
        oneTime('no-dlq', '2027-01-10T12:30:00', {
          Target: { Arn: SENDER_ARN, RoleArn: ROLE_ARN, RetryPolicy: { MaximumRetryAttempts: 0 } },
        }),
      ),
    );
    clock.set('2027-01-10T12:31:00Z');

    // Act
    const attempted = await emulator.fireDue();
    const attemptedAgain = await emulator.fireDue();

    // Assess
    expect(attempted).toBe(3 + 1);
    expect(attemptedAgain).toBe(0);
    expect(calls).toHaveLength(4);
    expect(emulator.deadLetters()).toEqual([
      {
        at: '2027-01-10T12:31:00.000Z',
        scheduleName: 'failing',
        groupName: 'default',
        targetArn: SENDER_ARN,
        deadLetterArn: DLQ_ARN,
        input: '{"reminderId":"failing"}',
        error: 'sender crashed',
        attempts: 3,
      },
    ]);
    expect(emulator.list()).toMatchObject([{ name: 'failing', nextFireAt: undefined }]);
  });

  it('keeps a completed schedule with ActionAfterCompletion NONE but never fires it again', async () => {
    // Prepare
    const { client, emulator, clock, calls } = await start();
    await client.send(
      new CreateScheduleCommand(oneTime('keep', '2027-01-10T12:30:00', { ActionAfterCompletion: 'NONE' })),
    );
    clock.set('2027-01-10T12:30:00Z');

    // Act
    await emulator.fireDue();
    clock.advance(86_400_000);
    await emulator.fireDue();
    const got = await client.send(new GetScheduleCommand({ Name: 'keep' }));

    // Assess
    expect(calls).toHaveLength(1);
    expect(got.Name).toBe('keep');
    expect(emulator.list()).toMatchObject([
      { name: 'keep', nextFireAt: undefined, lastFiredAt: '2027-01-10T12:30:00.000Z' },
    ]);
  });

  it('leaves a schedule re-timed by UpdateSchedule during its own invocation to fire at the new time', async () => {
    // Prepare
    const { client, emulator, clock, calls } = await start({
      target: async ({ input }, sdk) => {
        if (input === '{"reminderId":"moved"}' && calls.length === 1) {
          await sdk.send(new UpdateScheduleCommand(oneTime('moved', '2027-01-11T09:00:00')));
        }
      },
    });
    await client.send(new CreateScheduleCommand(oneTime('moved', '2027-01-10T12:30:00')));
    clock.set('2027-01-10T12:30:00Z');

    // Act
    await emulator.fireDue();
    const listed = emulator.list();
    clock.set('2027-01-11T09:00:00Z');
    await emulator.fireDue();

    // Assess
    expect(listed).toMatchObject([{ name: 'moved', nextFireAt: '2027-01-11T09:00:00.000Z' }]);
    expect(calls).toHaveLength(2);
    expect(emulator.list()).toEqual([]);
  });

  it('invokes the target on every fireNow call and leaves the one-time schedule to fire when due', async () => {
    // Prepare
    const { client, emulator, clock, calls } = await start();
    await client.send(new CreateScheduleGroupCommand({ Name: 'rebound' }));
    await client.send(
      new CreateScheduleCommand(oneTime('dupe', '2027-01-10T12:30:00', { GroupName: 'rebound' })),
    );

    // Act
    await emulator.fireNow('dupe', 'rebound');
    await emulator.fireNow('dupe', 'rebound');
    clock.set('2027-01-10T12:30:00Z');
    await emulator.fireDue();

    // Assess
    expect(calls).toHaveLength(3);
    expect(calls.every((c) => c.input === '{"reminderId":"dupe"}')).toBe(true);
  });

  it('rejects fireNow for a schedule that does not exist', async () => {
    // Prepare
    const { emulator } = await start();

    // Act
    const error = await rejectionOf(emulator.fireNow('missing'));

    // Assess
    expect(error).toBeInstanceOf(SchedulerResourceNotFoundError);
  });

  it('coalesces a one-day jump over a rate(5 minutes) schedule into a single invocation', async () => {
    // Prepare
    const { client, emulator, clock, calls } = await start();
    await client.send(new CreateScheduleCommand(RECONCILER));
    const [firstListed] = emulator.list();

    // Act
    clock.advance(86_400_000 + 60_000);
    const afterJump = await emulator.fireDue();
    const [listedAfterJump] = emulator.list();
    clock.advance(4 * 60_000);
    const oneOccurrenceLater = await emulator.fireDue();

    // Assess
    expect(firstListed?.nextFireAt).toBe('2027-01-10T12:05:00.000Z');
    expect(afterJump).toBe(1);
    expect(listedAfterJump).toMatchObject({
      nextFireAt: '2027-01-11T12:05:00.000Z',
      lastFiredAt: '2027-01-11T12:01:00.000Z',
    });
    expect(oneOccurrenceLater).toBe(1);
    expect(calls).toEqual([
      { targetArn: RECONCILER_ARN, input: '{}' },
      { targetArn: RECONCILER_ARN, input: '{}' },
    ]);
  });

  it('lets a fireDue called during another wait for it, so a schedule fires only once', async () => {
    // Prepare
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const { client, emulator, clock, calls } = await start({ target: () => gate });
    await client.send(new CreateScheduleCommand(oneTime('once', '2027-01-10T12:30:00')));
    clock.set('2027-01-10T12:30:00Z');

    // Act
    const first = emulator.fireDue();
    const second = emulator.fireDue();
    await new Promise((resolve) => setTimeout(resolve, 20));
    const callsWhileBlocked = calls.length;
    release();
    const results = await Promise.all([first, second]);

    // Assess
    expect(callsWhileBlocked).toBe(1);
    expect(results).toEqual([1, 0]);
    expect(calls).toHaveLength(1);
  });
});

describe('persistence', () => {
  it('gives an emulator loaded after a crash (no close) every change acknowledged before it', async () => {
    // Prepare
    const clock = new SettableClock('2027-01-10T12:00:00Z');
    const first = await start({ clock });
    await first.client.send(new CreateScheduleGroupCommand({ Name: 'rebound' }));
    for (const name of ['kept', 'deleted', 'fired', 'moved']) {
      await first.client.send(
        new CreateScheduleCommand(oneTime(name, '2027-01-10T12:10:00', { GroupName: 'rebound' })),
      );
    }
    await first.client.send(new DeleteScheduleCommand({ Name: 'deleted', GroupName: 'rebound' }));
    await first.client.send(
      new UpdateScheduleCommand(oneTime('moved', '2027-02-01T09:00:00', { GroupName: 'rebound' })),
    );
    await first.client.send(
      new UpdateScheduleCommand(oneTime('kept', '2027-01-20T09:00:00', { GroupName: 'rebound' })),
    );
    clock.set('2027-01-10T12:10:00Z');
    await first.emulator.fireDue(); // fires 'fired' (ActionAfterCompletion DELETE)

    // Act: the first emulator is never closed, as when the twin is killed
    const second = await start({ dataFile: first.dataFile, clock });

    // Assess
    expect(second.emulator.list().map((s) => [s.name, s.nextFireAt])).toEqual([
      ['kept', '2027-01-20T09:00:00.000Z'],
      ['moved', '2027-02-01T09:00:00.000Z'],
    ]);
    expect(second.emulator.nextOneTimeFireAt()?.toISOString()).toBe('2027-01-20T09:00:00.000Z');
    expect(first.calls.map((c) => c.input)).toEqual(['{"reminderId":"fired"}']);
  });

  it('gives a second emulator loaded from the same data file the groups, schedules, timers and dead letters', async () => {
    // Prepare
    const clock = new SettableClock('2027-01-10T12:00:00Z');
    const first = await start({
      clock,
      target: async ({ input }) => {
        if (input?.includes('broken')) throw new Error('boom');
      },
    });
    await first.client.send(new CreateScheduleGroupCommand({ Name: 'rebound' }));
    const brokenTarget = {
      Arn: SENDER_ARN,
      RoleArn: ROLE_ARN,
      Input: '{"reminderId":"broken"}',
      DeadLetterConfig: { Arn: DLQ_ARN },
      RetryPolicy: { MaximumRetryAttempts: 0 },
    };
    await first.client.send(
      new CreateScheduleCommand(
        oneTime('broken', '2027-01-10T12:10:00', { GroupName: 'rebound', Target: brokenTarget }),
      ),
    );
    await first.client.send(
      new CreateScheduleCommand(oneTime('pending', '2027-02-01T09:00:00', { GroupName: 'rebound' })),
    );
    await first.client.send(new CreateScheduleCommand(RECONCILER));
    clock.set('2027-01-10T12:10:00Z');
    await first.emulator.fireDue();
    await first.emulator.close();

    // Act
    const second = await start({ dataFile: first.dataFile, clock });
    const got = await second.client.send(new GetScheduleCommand({ Name: 'pending', GroupName: 'rebound' }));
    const listed = second.emulator.list();
    clock.set('2027-02-01T09:00:00Z');
    await second.emulator.fireDue();
    await second.emulator.close();

    // Assess
    expect(got.ScheduleExpression).toBe('at(2027-02-01T09:00:00)');
    expect(listed).toMatchObject([
      { name: 'reconciler', lastFiredAt: '2027-01-10T12:10:00.000Z', nextFireAt: '2027-01-10T12:15:00.000Z' },
      { name: 'pending', groupName: 'rebound' },
    ]);
    expect(second.emulator.deadLetters()).toMatchObject([
      { scheduleName: 'broken', groupName: 'rebound', attempts: 1 },
    ]);
    // The reconciler's latest occurrence (08:55) comes before the reminder (09:00).
    expect(second.calls).toEqual([
      { targetArn: RECONCILER_ARN, input: '{}' },
      { targetArn: SENDER_ARN, input: '{"reminderId":"pending"}' },
    ]);
    const saved = JSON.parse(await readFile(first.dataFile, 'utf8'));
    expect(saved.schedules.map((s: { name: string }) => s.name)).toEqual(['reconciler']);
  });
});
