/**
 * The EventBridge Scheduler emulator, driven only through the real `@aws-sdk/client-scheduler` (plus the
 * emulator's local controls: fireDue, fireNow, list, deadLetters). Each test starts its own emulator on a
 * free port with its own data file and fake clock, so firing in one test cannot leak into another.
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
  DeleteScheduleGroupCommand,
  GetScheduleCommand,
  GetScheduleGroupCommand,
  ListScheduleGroupsCommand,
  ListSchedulesCommand,
  ListTagsForResourceCommand,
  paginateListSchedules,
  ResourceNotFoundException,
  SchedulerClient,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateScheduleCommand,
  ValidationException,
} from '@aws-sdk/client-scheduler';
import { afterAll, describe, expect, it } from 'vitest';
import { SchedulerEmulator } from '../../infra/local/scheduler-emulator.ts';

const ROLE_ARN = 'arn:aws:iam::000000000000:role/rebound-scheduler';
const DLQ_ARN = 'arn:aws:sqs:us-east-1:000000000000:rebound-scheduler-dlq';
const SENDER_ARN = 'arn:aws:lambda:us-east-1:000000000000:function:rebound-sender';
const RECONCILER_ARN = 'arn:aws:lambda:us-east-1:000000000000:function:rebound-reconciler';

class FakeClock {
  private current: number;
  public constructor(start: string) {
    this.current = Date.parse(start);
  }
  public now(): Date {
    return new Date(this.current);
  }
  public set(instant: string): void {
    this.current = Date.parse(instant);
  }
  public advance(ms: number): void {
    this.current += ms;
  }
}

interface Invocation {
  readonly targetArn: string;
  readonly input: string | undefined;
}

interface Harness {
  readonly emulator: SchedulerEmulator;
  readonly client: SchedulerClient;
  readonly clock: FakeClock;
  readonly calls: Invocation[];
  readonly dataFile: string;
}

interface StartOptions {
  readonly dataFile?: string;
  readonly clock?: FakeClock;
  /** Replaces the recording target; it still records before delegating. */
  readonly target?: (call: Invocation) => Promise<void>;
}

const cleanups: (() => Promise<void>)[] = [];

afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

async function tempDataFile(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'rebound-scheduler-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  // A nested path proves the emulator creates missing directories.
  return join(dir, 'nested', 'scheduler.json');
}

async function start(options: StartOptions = {}): Promise<Harness> {
  const dataFile = options.dataFile ?? (await tempDataFile());
  const clock = options.clock ?? new FakeClock('2027-01-10T12:00:00Z');
  const calls: Invocation[] = [];
  const emulator = new SchedulerEmulator({
    dataFile,
    clock,
    invoke: async (targetArn, input) => {
      calls.push({ targetArn, input });
      await options.target?.({ targetArn, input });
    },
  });
  await emulator.load();
  const port = await emulator.listen(0);
  const client = new SchedulerClient({
    endpoint: `http://127.0.0.1:${port}`,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
  cleanups.push(async () => {
    client.destroy();
    await emulator.close();
  });
  return { emulator, client, clock, calls, dataFile };
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

    // Act
    const created = await client.send(
      new CreateScheduleCommand(
        oneTime('rebound-r-1', '2027-01-15T09:00:00', {
          GroupName: 'rebound',
          ScheduleExpressionTimezone: 'Europe/Berlin',
          Description: 'dentist',
          Target: {
            Arn: SENDER_ARN,
            RoleArn: ROLE_ARN,
            Input: '{"reminderId":"r1"}',
            DeadLetterConfig: { Arn: DLQ_ARN },
            RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 3600 },
          },
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
      Target: {
        Arn: SENDER_ARN,
        RoleArn: ROLE_ARN,
        Input: '{"reminderId":"r1"}',
        DeadLetterConfig: { Arn: DLQ_ARN },
        RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 3600 },
      },
    });
    expect(got.CreationDate).toBeInstanceOf(Date);
    expect(got.CreationDate?.toISOString()).toBe('2027-01-10T12:00:00.000Z');
    expect(got.LastModificationDate).toBeInstanceOf(Date);
  });

  it('fills in the AWS defaults for state, completion action, time zone and retry policy', async () => {
    // Prepare
    const { client } = await start();

    // Act
    await client.send(
      new CreateScheduleCommand({
        Name: 'plain',
        ScheduleExpression: 'rate(1 hour)',
        FlexibleTimeWindow: { Mode: 'OFF' },
        Target: { Arn: RECONCILER_ARN, RoleArn: ROLE_ARN },
      }),
    );
    const got = await client.send(new GetScheduleCommand({ Name: 'plain' }));

    // Assess
    expect(got).toMatchObject({
      GroupName: 'default',
      State: 'ENABLED',
      ActionAfterCompletion: 'NONE',
      ScheduleExpressionTimezone: 'UTC',
      Target: { RetryPolicy: { MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 86400 } },
    });
  });

  it('answers ConflictException when a schedule of that name already exists in the group', async () => {
    // Prepare
    const { client } = await start();
    await client.send(new CreateScheduleCommand(oneTime('dup', '2027-02-01T00:00:00')));

    // Act
    const error = await rejectionOf(
      client.send(new CreateScheduleCommand(oneTime('dup', '2027-03-01T00:00:00'))),
    );

    // Assess
    expect(error).toBeInstanceOf(ConflictException);
  });

  it('replays the first answer for a repeated ClientToken instead of answering ConflictException', async () => {
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

  it('answers ResourceNotFoundException for getting or deleting a schedule that does not exist', async () => {
    // Prepare
    const { client } = await start();

    // Act
    const getError = await rejectionOf(client.send(new GetScheduleCommand({ Name: 'missing' })));
    const deleteError = await rejectionOf(client.send(new DeleteScheduleCommand({ Name: 'missing' })));

    // Assess
    expect(getError).toBeInstanceOf(ResourceNotFoundException);
    expect(deleteError).toBeInstanceOf(ResourceNotFoundException);
  });

  it('deletes a schedule once: the second delete is ResourceNotFoundException', async () => {
    // Prepare
    const { client } = await start();
    await client.send(new CreateScheduleCommand(oneTime('gone', '2027-02-01T00:00:00')));

    // Act
    await client.send(new DeleteScheduleCommand({ Name: 'gone' }));
    const again = await rejectionOf(client.send(new DeleteScheduleCommand({ Name: 'gone' })));

    // Assess
    expect(again).toBeInstanceOf(ResourceNotFoundException);
  });

  it.each([
    ['a 65-character name', { Name: 'n'.repeat(65) }, "at 'name'"],
    ['a name with a space and a slash', { Name: 'bad name/x' }, "at 'name'"],
    ['month 13 in at()', { ScheduleExpression: 'at(2026-13-01T00:00:00)' }, 'Invalid Schedule Expression'],
    ['30 February in at()', { ScheduleExpression: 'at(2027-02-30T09:00:00)' }, 'Invalid Schedule Expression'],
    [
      'an at() without seconds',
      { ScheduleExpression: 'at(2027-02-01T09:00)' },
      'Invalid Schedule Expression',
    ],
    ['rate in seconds', { ScheduleExpression: 'rate(30 seconds)' }, 'Invalid Schedule Expression'],
    ['rate of zero', { ScheduleExpression: 'rate(0 minutes)' }, 'Invalid Schedule Expression'],
    ['cron with five fields', { ScheduleExpression: 'cron(0 9 * * ?)' }, 'Invalid Schedule Expression'],
    [
      'cron without a ? day field',
      { ScheduleExpression: 'cron(0 9 * * * *)' },
      'Invalid Schedule Expression',
    ],
    ['FLEXIBLE without a window', { FlexibleTimeWindow: { Mode: 'FLEXIBLE' } }, 'MaximumWindowInMinutes'],
    [
      'a window of 1441 minutes',
      { FlexibleTimeWindow: { Mode: 'FLEXIBLE', MaximumWindowInMinutes: 1441 } },
      'flexibleTimeWindow.maximumWindowInMinutes',
    ],
    ['an unknown time zone', { ScheduleExpressionTimezone: 'Mars/Olympus' }, 'ScheduleExpressionTimezone'],
    ['a 513-character description', { Description: 'd'.repeat(513) }, "at 'description'"],
    ['a state that does not exist', { State: 'PAUSED' as 'ENABLED' }, "at 'state'"],
    [
      '186 retries',
      { Target: { Arn: SENDER_ARN, RoleArn: ROLE_ARN, RetryPolicy: { MaximumRetryAttempts: 186 } } },
      'target.retryPolicy.maximumRetryAttempts',
    ],
    [
      'an event age under 60 seconds',
      { Target: { Arn: SENDER_ARN, RoleArn: ROLE_ARN, RetryPolicy: { MaximumEventAgeInSeconds: 59 } } },
      'target.retryPolicy.maximumEventAgeInSeconds',
    ],
    [
      'an Input of 8193 characters',
      { Target: { Arn: SENDER_ARN, RoleArn: ROLE_ARN, Input: 'x'.repeat(8193) } },
      "at 'target.input'",
    ],
    [
      'a target without a role',
      { Target: { Arn: SENDER_ARN, RoleArn: undefined } },
      "null at 'target.roleArn'",
    ],
    [
      'a role that is no IAM role ARN',
      { Target: { Arn: SENDER_ARN, RoleArn: 'scheduler-role' } },
      'target.roleArn',
    ],
  ] satisfies [string, Partial<CreateScheduleCommandInput>, string][])(
    'answers ValidationException for %s',
    async (_case, override, messagePart) => {
      // Prepare
      const { client } = await start();

      // Act
      const error = await rejectionOf(
        client.send(new CreateScheduleCommand(oneTime('valid-name', '2027-02-01T09:00:00', override))),
      );

      // Assess
      expect(error).toBeInstanceOf(ValidationException);
      expect((error as ValidationException).message).toContain(messagePart);
    },
  );

  it('accepts a well-formed cron expression and stores it', async () => {
    // Prepare
    const { client, emulator } = await start();

    // Act
    await client.send(
      new CreateScheduleCommand(oneTime('daily', '', { ScheduleExpression: 'cron(0 9 ? * MON-FRI *)' })),
    );

    // Assess
    expect(emulator.list()).toMatchObject([{ name: 'daily', expression: 'cron(0 9 ? * MON-FRI *)' }]);
  });

  it('answers ResourceNotFoundException for a schedule in a group that does not exist', async () => {
    // Prepare
    const { client } = await start();

    // Act
    const error = await rejectionOf(
      client.send(new CreateScheduleCommand(oneTime('orphan', '2027-02-01T00:00:00', { GroupName: 'nope' }))),
    );

    // Assess
    expect(error).toBeInstanceOf(ResourceNotFoundException);
  });

  it('replaces every field on UpdateSchedule: what the update leaves out goes back to its default', async () => {
    // Prepare
    const { client } = await start();
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

    // Assess
    expect(got).toMatchObject({
      ScheduleExpression: 'at(2027-03-01T10:30:00)',
      ScheduleExpressionTimezone: 'UTC',
      FlexibleTimeWindow: { Mode: 'FLEXIBLE', MaximumWindowInMinutes: 15 },
      State: 'DISABLED',
      ActionAfterCompletion: 'NONE',
      Target: { Input: '{"v":2}' },
    });
    expect(got.Description).toBeUndefined();
    expect(got.Target?.DeadLetterConfig).toBeUndefined();
  });

  it('answers ResourceNotFoundException when updating a schedule that does not exist', async () => {
    // Prepare
    const { client } = await start();

    // Act
    const error = await rejectionOf(
      client.send(new UpdateScheduleCommand(oneTime('never-created', '2027-02-01T00:00:00'))),
    );

    // Assess
    expect(error).toBeInstanceOf(ResourceNotFoundException);
  });

  it('pages ListSchedules of one group with paginateListSchedules, in name order', async () => {
    // Prepare
    const { client } = await start();
    await client.send(new CreateScheduleGroupCommand({ Name: 'rebound' }));
    for (const name of ['e', 'c', 'a', 'd', 'b']) {
      await client.send(
        new CreateScheduleCommand(oneTime(name, '2027-02-01T00:00:00', { GroupName: 'rebound' })),
      );
    }
    await client.send(new CreateScheduleCommand(oneTime('other-group', '2027-02-01T00:00:00')));

    // Act
    const pages: string[][] = [];
    for await (const page of paginateListSchedules({ client, pageSize: 2 }, { GroupName: 'rebound' })) {
      pages.push((page.Schedules ?? []).map((s) => s.Name ?? ''));
    }

    // Assess
    expect(pages).toEqual([['a', 'b'], ['c', 'd'], ['e']]);
  });

  it('filters ListSchedules by name prefix and state, and summarises each schedule', async () => {
    // Prepare
    const { client } = await start();
    await client.send(new CreateScheduleCommand(oneTime('rebound-1', '2027-02-01T00:00:00')));
    await client.send(
      new CreateScheduleCommand(oneTime('rebound-2', '2027-02-01T00:00:00', { State: 'DISABLED' })),
    );
    await client.send(new CreateScheduleCommand(oneTime('other-1', '2027-02-01T00:00:00')));

    // Act
    const listed = await client.send(new ListSchedulesCommand({ NamePrefix: 'rebound-', State: 'ENABLED' }));

    // Assess
    expect(listed.NextToken).toBeUndefined();
    expect(listed.Schedules).toEqual([
      {
        Arn: 'arn:aws:scheduler:us-east-1:000000000000:schedule/default/rebound-1',
        Name: 'rebound-1',
        GroupName: 'default',
        State: 'ENABLED',
        CreationDate: new Date('2027-01-10T12:00:00Z'),
        LastModificationDate: new Date('2027-01-10T12:00:00Z'),
        Target: { Arn: SENDER_ARN },
      },
    ]);
  });

  it('tags schedule groups: TagResource merges, UntagResource removes, ListTagsForResource reads', async () => {
    // Prepare
    const { client } = await start();
    const created = await client.send(
      new CreateScheduleGroupCommand({ Name: 'tagged', Tags: [{ Key: 'app', Value: 'rebound' }] }),
    );
    const ResourceArn = created.ScheduleGroupArn;

    // Act
    await client.send(new TagResourceCommand({ ResourceArn, Tags: [{ Key: 'stage', Value: 'local' }] }));
    await client.send(new UntagResourceCommand({ ResourceArn, TagKeys: ['app'] }));
    const listed = await client.send(new ListTagsForResourceCommand({ ResourceArn }));
    const missing = await rejectionOf(
      client.send(
        new ListTagsForResourceCommand({
          ResourceArn: 'arn:aws:scheduler:us-east-1:000000000000:schedule-group/nope',
        }),
      ),
    );

    // Assess
    expect(listed.Tags).toEqual([{ Key: 'stage', Value: 'local' }]);
    expect(missing).toBeInstanceOf(ResourceNotFoundException);
  });

  it('keeps the default group, and deleting a group deletes its schedules', async () => {
    // Prepare
    const { client, emulator } = await start();
    await client.send(new CreateScheduleGroupCommand({ Name: 'temp' }));
    await client.send(
      new CreateScheduleCommand(oneTime('in-temp', '2027-02-01T00:00:00', { GroupName: 'temp' })),
    );
    await client.send(new CreateScheduleCommand(oneTime('in-default', '2027-02-01T00:00:00')));
    const duplicate = await rejectionOf(client.send(new CreateScheduleGroupCommand({ Name: 'temp' })));
    const group = await client.send(new GetScheduleGroupCommand({ Name: 'temp' }));

    // Act
    await client.send(new DeleteScheduleGroupCommand({ Name: 'temp' }));
    const groups = await client.send(new ListScheduleGroupsCommand({}));
    const gone = await rejectionOf(client.send(new GetScheduleGroupCommand({ Name: 'temp' })));

    // Assess
    expect(duplicate).toBeInstanceOf(ConflictException);
    expect(group).toMatchObject({
      Arn: 'arn:aws:scheduler:us-east-1:000000000000:schedule-group/temp',
      Name: 'temp',
      State: 'ACTIVE',
    });
    expect(groups.ScheduleGroups?.map((g) => g.Name)).toEqual(['default']);
    expect(gone).toBeInstanceOf(ResourceNotFoundException);
    expect(emulator.list().map((s) => s.name)).toEqual(['in-default']);
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
    expect(emulator.nextDueAt()).toBeUndefined();
  });

  it('does not fire a schedule that is not yet due, and reports when it will be', async () => {
    // Prepare
    const { client, emulator, clock, calls } = await start();
    await client.send(new CreateScheduleCommand(oneTime('later', '2027-01-10T12:30:00')));
    clock.set('2027-01-10T12:29:59Z');

    // Act
    const attempted = await emulator.fireDue();

    // Assess
    expect(attempted).toBe(0);
    expect(calls).toEqual([]);
    expect(emulator.nextDueAt()).toEqual(new Date('2027-01-10T12:30:00Z'));
    expect(emulator.list()[0]?.nextFireAt).toBe('2027-01-10T12:30:00.000Z');
  });

  it('fires a schedule whose at() was already past when it was created at the next fireDue', async () => {
    // Prepare
    const { client, emulator, calls } = await start();
    await client.send(new CreateScheduleCommand(oneTime('overdue', '2027-01-01T08:00:00')));

    // Act
    await emulator.fireDue();

    // Assess
    expect(calls).toHaveLength(1);
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
    const nextAfterWinter = emulator.nextDueAt();
    clock.set('2027-07-15T07:00:00Z');
    const atSummer = await emulator.fireDue();

    // Assess
    expect([beforeWinter, atWinter, atSummer]).toEqual([0, 1, 1]);
    expect(nextAfterWinter).toEqual(new Date('2027-07-15T07:00:00Z'));
    expect(calls.map((c) => c.input)).toEqual(['{"reminderId":"winter"}', '{"reminderId":"summer"}']);
  });

  it('fires due schedules earliest first', async () => {
    // Prepare
    const { client, emulator, clock, calls } = await start();
    await client.send(new CreateScheduleCommand(oneTime('third', '2027-01-10T12:03:00')));
    await client.send(new CreateScheduleCommand(oneTime('first', '2027-01-10T12:01:00')));
    await client.send(new CreateScheduleCommand(oneTime('second', '2027-01-10T12:02:00')));
    clock.set('2027-01-10T13:00:00Z');

    // Act
    await emulator.fireDue();

    // Assess
    expect(calls.map((c) => c.input)).toEqual([
      '{"reminderId":"first"}',
      '{"reminderId":"second"}',
      '{"reminderId":"third"}',
    ]);
  });

  it('retries a failing target MaximumRetryAttempts times, then dead-letters the event and completes the schedule', async () => {
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
    clock.set('2027-01-10T12:31:00Z');

    // Act
    const attempted = await emulator.fireDue();
    const attemptedAgain = await emulator.fireDue();

    // Assess
    expect(attempted).toBe(3);
    expect(attemptedAgain).toBe(0);
    expect(calls).toHaveLength(3);
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

  it('only logs a failed delivery when the schedule has no dead-letter queue', async () => {
    // Prepare
    const { client, emulator, clock, calls } = await start({
      target: async () => {
        throw new Error('down');
      },
    });
    await client.send(
      new CreateScheduleCommand(
        oneTime('no-dlq', '2027-01-10T12:30:00', {
          Target: { Arn: SENDER_ARN, RoleArn: ROLE_ARN, RetryPolicy: { MaximumRetryAttempts: 0 } },
        }),
      ),
    );
    clock.set('2027-01-10T12:30:00Z');

    // Act
    await emulator.fireDue();

    // Assess
    expect(calls).toHaveLength(1);
    expect(emulator.deadLetters()).toEqual([]);
    expect(emulator.list()).toEqual([]);
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
    expect(error).toMatchObject({ awsType: 'ResourceNotFoundException' });
  });

  it('coalesces a one-day jump over a rate(5 minutes) schedule into a single invocation', async () => {
    // Prepare
    const { client, emulator, clock, calls } = await start();
    await client.send(
      new CreateScheduleCommand({
        Name: 'reconciler',
        ScheduleExpression: 'rate(5 minutes)',
        FlexibleTimeWindow: { Mode: 'OFF' },
        Target: { Arn: RECONCILER_ARN, RoleArn: ROLE_ARN, Input: '{}' },
      }),
    );
    const firstDue = emulator.nextDueAt();

    // Act
    clock.advance(86_400_000 + 60_000);
    const afterJump = await emulator.fireDue();
    const nextDue = emulator.nextDueAt();
    clock.advance(4 * 60_000);
    const oneOccurrenceLater = await emulator.fireDue();

    // Assess
    expect(firstDue).toEqual(new Date('2027-01-10T12:05:00Z'));
    expect(afterJump).toBe(1);
    expect(nextDue).toEqual(new Date('2027-01-11T12:05:00Z'));
    expect(oneOccurrenceLater).toBe(1);
    expect(calls).toEqual([
      { targetArn: RECONCILER_ARN, input: '{}' },
      { targetArn: RECONCILER_ARN, input: '{}' },
    ]);
  });

  it('does not fire rate() occurrences at or after the EndDate', async () => {
    // Prepare
    const { client, emulator, clock, calls } = await start();
    await client.send(
      new CreateScheduleCommand({
        Name: 'bounded',
        ScheduleExpression: 'rate(1 hour)',
        StartDate: new Date('2027-01-10T12:00:00Z'),
        EndDate: new Date('2027-01-10T14:00:00Z'),
        FlexibleTimeWindow: { Mode: 'OFF' },
        Target: { Arn: RECONCILER_ARN, RoleArn: ROLE_ARN },
      }),
    );

    // Act
    clock.set('2027-01-10T13:00:00Z');
    await emulator.fireDue();
    clock.set('2027-01-10T15:00:00Z');
    const afterEnd = await emulator.fireDue();

    // Assess
    expect(calls).toHaveLength(1);
    expect(afterEnd).toBe(0);
    expect(emulator.nextDueAt()).toBeUndefined();
  });

  it('never fires a DISABLED schedule', async () => {
    // Prepare
    const { client, emulator, clock, calls } = await start();
    await client.send(
      new CreateScheduleCommand(oneTime('off', '2027-01-10T12:30:00', { State: 'DISABLED' })),
    );
    clock.set('2027-01-11T00:00:00Z');

    // Act
    const attempted = await emulator.fireDue();

    // Assess
    expect(attempted).toBe(0);
    expect(calls).toEqual([]);
    expect(emulator.nextDueAt()).toBeUndefined();
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
  it('gives a second emulator loaded from the same data file the schedules, timers and dead letters', async () => {
    // Prepare
    const clock = new FakeClock('2027-01-10T12:00:00Z');
    const first = await start({
      clock,
      target: async ({ input }) => {
        if (input?.includes('broken')) throw new Error('boom');
      },
    });
    await first.client.send(new CreateScheduleGroupCommand({ Name: 'rebound' }));
    await first.client.send(
      new CreateScheduleCommand(
        oneTime('broken', '2027-01-10T12:10:00', {
          GroupName: 'rebound',
          Target: {
            Arn: SENDER_ARN,
            RoleArn: ROLE_ARN,
            Input: '{"reminderId":"broken"}',
            DeadLetterConfig: { Arn: DLQ_ARN },
            RetryPolicy: { MaximumRetryAttempts: 0 },
          },
        }),
      ),
    );
    await first.client.send(
      new CreateScheduleCommand(oneTime('pending', '2027-02-01T09:00:00', { GroupName: 'rebound' })),
    );
    clock.set('2027-01-10T12:10:00Z');
    await first.emulator.fireDue();
    await first.emulator.close();

    // Act
    const second = await start({ dataFile: first.dataFile, clock });
    const got = await second.client.send(new GetScheduleCommand({ Name: 'pending', GroupName: 'rebound' }));
    clock.set('2027-02-01T09:00:00Z');
    await second.emulator.fireDue();

    // Assess
    expect(got.ScheduleExpression).toBe('at(2027-02-01T09:00:00)');
    expect(second.emulator.deadLetters()).toMatchObject([
      { scheduleName: 'broken', groupName: 'rebound', attempts: 1 },
    ]);
    expect(second.calls).toEqual([{ targetArn: SENDER_ARN, input: '{"reminderId":"pending"}' }]);
    expect(JSON.parse(await readFile(first.dataFile, 'utf8'))).toMatchObject({ version: 1, schedules: [] });
  });
});
