import {
  ConflictException,
  CreateScheduleCommand,
  DeleteScheduleCommand,
  ResourceNotFoundException,
  type SchedulerClient,
  ThrottlingException,
  UpdateScheduleCommand,
  ValidationException,
} from '@aws-sdk/client-scheduler';
import { describe, expect, it } from 'vitest';
import { TimerPayloadSchema } from '#events/timer-payload.ts';
import {
  atExpression,
  buildScheduleRequest,
  SchedulerTimerService,
  type TimerTargetConfig,
} from '#shared/adapters/scheduler-timers.ts';
import { reminderIdFor, scheduleNameFor, userIdFor } from '#shared/domain/ids.ts';
import { PermanentError, RequestRejectedError } from '#shared/errors.ts';
import type { TimerRequest } from '#shared/ports.ts';

const CONFIG: TimerTargetConfig = {
  groupName: 'rebound',
  targetArn: 'arn:aws:lambda:eu-west-1:123456789012:function:rebound-sender',
  roleArn: 'arn:aws:iam::123456789012:role/rebound-scheduler',
  deadLetterArn: 'arn:aws:sqs:eu-west-1:123456789012:rebound-timer-dlq',
};

function timerDueAt(dueAt: string): TimerRequest {
  const userId = userIdFor('sam@example.com');
  const reminderId = reminderIdFor(userId, 'evt-acme-backend-submitted', 'follow_up', 1);
  return { scheduleName: scheduleNameFor(reminderId), dueAt, userId, reminderId };
}

/** Stands in for `SchedulerClient`: records each command and answers with what a test sets. */
class FakeSchedulerClient {
  public readonly commands: unknown[] = [];

  public constructor(private readonly answer: (command: unknown) => unknown = () => ({})) {}

  public async send(command: unknown): Promise<unknown> {
    this.commands.push(command);
    return this.answer(command);
  }

  public asClient(): SchedulerClient {
    return this as unknown as SchedulerClient;
  }
}

const conflict = () =>
  new ConflictException({
    message: 'Schedule already exists.',
    Message: 'Schedule already exists.',
    $metadata: {},
  });
const invalid = () =>
  new ValidationException({
    message: 'Invalid Schedule Expression at(+10000-01-01T00:00:00).',
    Message: 'Invalid Schedule Expression at(+10000-01-01T00:00:00).',
    $metadata: {},
  });
const throttled = () =>
  new ThrottlingException({ message: 'Rate exceeded', Message: 'Rate exceeded', $metadata: {} });
const notFound = () =>
  new ResourceNotFoundException({
    message: 'Schedule does not exist.',
    Message: 'Schedule does not exist.',
    $metadata: {},
  });

describe('buildScheduleRequest', () => {
  it('writes at() in UTC with 1-based months', () => {
    // Prepare
    const timer = timerDueAt('2027-01-04T08:00:00.000Z');

    // Act
    const request = buildScheduleRequest(timer, CONFIG);

    // Assess
    expect(request.ScheduleExpression).toBe('at(2027-01-04T08:00:00)');
    expect(request.ScheduleExpressionTimezone).toBe('UTC');
  });

  it('keeps a December due date in month 12', () => {
    // Prepare
    const timer = timerDueAt('2026-12-07T08:00:00.000Z');

    // Act
    const request = buildScheduleRequest(timer, CONFIG);

    // Assess
    expect(request.ScheduleExpression).toBe('at(2026-12-07T08:00:00)');
  });

  it('converts a due time given with an offset to UTC, across the year boundary', () => {
    // Prepare
    const dueAt = '2026-12-31T23:30:00-05:00';

    // Act
    const expression = atExpression(dueAt);

    // Assess
    expect(expression).toBe('at(2027-01-01T04:30:00)');
  });

  it('names the schedule within the 64 characters and alphabet Scheduler allows', () => {
    // Prepare
    const timer = timerDueAt('2027-01-04T08:00:00.000Z');

    // Act
    const request = buildScheduleRequest(timer, CONFIG);

    // Assess
    expect(request.Name).toBe(timer.scheduleName);
    expect(request.Name?.length).toBeLessThanOrEqual(64);
    expect(request.Name).toMatch(/^[0-9a-zA-Z\-_.]+$/);
    expect(request.GroupName).toBe('rebound');
  });

  it('deletes itself after completion and fires at the exact instant', () => {
    // Prepare
    const timer = timerDueAt('2027-01-04T08:00:00.000Z');

    // Act
    const request = buildScheduleRequest(timer, CONFIG);

    // Assess
    expect(request.ActionAfterCompletion).toBe('DELETE');
    expect(request.FlexibleTimeWindow).toEqual({ Mode: 'OFF' });
    expect(request.State).toBe('ENABLED');
  });

  it('targets the sender with an explicit retry policy and a dead-letter queue', () => {
    // Prepare
    const timer = timerDueAt('2027-01-04T08:00:00.000Z');

    // Act
    const target = buildScheduleRequest(timer, CONFIG).Target;

    // Assess
    expect(target?.Arn).toBe(CONFIG.targetArn);
    expect(target?.RoleArn).toBe(CONFIG.roleArn);
    expect(target?.RetryPolicy).toEqual({ MaximumRetryAttempts: 5, MaximumEventAgeInSeconds: 3600 });
    expect(target?.DeadLetterConfig).toEqual({ Arn: CONFIG.deadLetterArn });
  });

  it('carries only the user and reminder ids as a valid timer payload', () => {
    // Prepare
    const timer = timerDueAt('2027-01-04T08:00:00.000Z');

    // Act
    const input: unknown = JSON.parse(buildScheduleRequest(timer, CONFIG).Target?.Input ?? 'null');

    // Assess
    expect(input).toEqual({ userId: timer.userId, reminderId: timer.reminderId });
    expect(TimerPayloadSchema.safeParse(input).success).toBe(true);
  });
});

describe('SchedulerTimerService', () => {
  it('updates an existing schedule with exactly the request it tried to create', async () => {
    // Prepare
    const client = new FakeSchedulerClient((command) => {
      if (command instanceof CreateScheduleCommand) throw conflict();
      return {};
    });
    const timers = new SchedulerTimerService(client.asClient(), CONFIG);
    const timer = timerDueAt('2027-01-04T08:00:00.000Z');

    // Act
    await timers.ensure(timer);

    // Assess
    const [create, update] = client.commands;
    expect(client.commands).toHaveLength(2);
    expect(create).toBeInstanceOf(CreateScheduleCommand);
    expect(update).toBeInstanceOf(UpdateScheduleCommand);
    expect((update as UpdateScheduleCommand).input).toEqual((create as CreateScheduleCommand).input);
    expect((create as CreateScheduleCommand).input).toEqual(buildScheduleRequest(timer, CONFIG));
  });

  it('creates a new schedule without updating it', async () => {
    // Prepare
    const client = new FakeSchedulerClient();
    const timers = new SchedulerTimerService(client.asClient(), CONFIG);

    // Act
    await timers.ensure(timerDueAt('2027-01-04T08:00:00.000Z'));

    // Assess
    expect(client.commands).toHaveLength(1);
    expect(client.commands[0]).toBeInstanceOf(CreateScheduleCommand);
  });

  it('passes on a failure other than a conflict without trying an update', async () => {
    // Prepare
    const client = new FakeSchedulerClient(() => {
      throw new Error('throttled');
    });
    const timers = new SchedulerTimerService(client.asClient(), CONFIG);

    // Act
    const attempt = timers.ensure(timerDueAt('2027-01-04T08:00:00.000Z'));

    // Assess
    await expect(attempt).rejects.toThrow('throttled');
    expect(client.commands).toHaveLength(1);
  });

  it('treats removing a schedule that is already gone as done', async () => {
    // Prepare
    const client = new FakeSchedulerClient(() => {
      throw notFound();
    });
    const timers = new SchedulerTimerService(client.asClient(), CONFIG);
    const name = timerDueAt('2027-01-04T08:00:00.000Z').scheduleName;

    // Act
    await timers.remove(name);

    // Assess
    expect(client.commands).toHaveLength(1);
    expect(client.commands[0]).toBeInstanceOf(DeleteScheduleCommand);
    expect((client.commands[0] as DeleteScheduleCommand).input).toEqual({ Name: name, GroupName: 'rebound' });
  });

  it('passes on a removal failure other than not found', async () => {
    // Prepare
    const client = new FakeSchedulerClient(() => {
      throw new Error('access denied');
    });
    const timers = new SchedulerTimerService(client.asClient(), CONFIG);

    // Act
    const attempt = timers.remove('rebound-r-0');

    // Assess
    await expect(attempt).rejects.toThrow('access denied');
  });

  it('reports a schedule the Scheduler refuses as invalid as a permanent failure, keeping the cause', async () => {
    // Prepare
    const refusal = invalid();
    const client = new FakeSchedulerClient(() => {
      throw refusal;
    });
    const timers = new SchedulerTimerService(client.asClient(), CONFIG);

    // Act
    const attempt = timers.ensure(timerDueAt('2027-01-04T08:00:00.000Z'));

    // Assess
    await expect(attempt).rejects.toBeInstanceOf(RequestRejectedError);
    await expect(attempt).rejects.toMatchObject({ cause: refusal });
    expect(client.commands).toHaveLength(1);
  });

  it('reports an update the Scheduler refuses as invalid as a permanent failure', async () => {
    // Prepare
    const client = new FakeSchedulerClient((command) => {
      throw command instanceof CreateScheduleCommand ? conflict() : invalid();
    });
    const timers = new SchedulerTimerService(client.asClient(), CONFIG);

    // Act
    const attempt = timers.ensure(timerDueAt('2027-01-04T08:00:00.000Z'));

    // Assess
    await expect(attempt).rejects.toBeInstanceOf(RequestRejectedError);
    expect(client.commands.map((c) => (c as object).constructor)).toEqual([
      CreateScheduleCommand,
      UpdateScheduleCommand,
    ]);
  });

  it('passes on throttling as it is, so the record is retried', async () => {
    // Prepare
    const client = new FakeSchedulerClient(() => {
      throw throttled();
    });
    const timers = new SchedulerTimerService(client.asClient(), CONFIG);

    // Act
    const attempt = timers.ensure(timerDueAt('2027-01-04T08:00:00.000Z'));

    // Assess
    await expect(attempt).rejects.toBeInstanceOf(ThrottlingException);
    await expect(attempt).rejects.not.toBeInstanceOf(PermanentError);
  });
});
