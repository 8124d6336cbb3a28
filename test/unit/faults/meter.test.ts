/** How the proxies name operations from the wire, and the two meters. */
import { describe, expect, it } from 'vitest';
import { AwsCallMeter, InvocationMeter } from '../../../infra/local/faults/index.ts';
import { operationOf } from '../../../infra/local/faults/wire.ts';

describe('operationOf', () => {
  it.each([
    [
      'DynamoDB',
      'POST',
      '/',
      { 'x-amz-target': 'DynamoDB_20120810.TransactWriteItems' },
      'DynamoDB.TransactWriteItems',
    ],
    ['DynamoDB', 'POST', '/', {}, 'DynamoDB.Unknown'],
    ['Scheduler', 'POST', '/schedules/r-1', {}, 'Scheduler.CreateSchedule'],
    ['Scheduler', 'PUT', '/schedules/r-1', {}, 'Scheduler.UpdateSchedule'],
    ['Scheduler', 'DELETE', '/schedules/a%2Fb?groupName=g&clientToken=t', {}, 'Scheduler.DeleteSchedule'],
    ['Scheduler', 'GET', '/schedules/r-1?groupName=g', {}, 'Scheduler.GetSchedule'],
    ['Scheduler', 'GET', '/schedules?ScheduleGroup=g', {}, 'Scheduler.ListSchedules'],
    ['Scheduler', 'POST', '/schedule-groups/rebound', {}, 'Scheduler.CreateScheduleGroup'],
    ['Scheduler', 'PUT', '/schedule-groups/rebound', {}, 'Scheduler.Unknown'],
    ['Scheduler', 'GET', '/tags/arn%3Aaws%3Ascheduler', {}, 'Scheduler.ListTagsForResource'],
    ['SES', 'POST', '/v2/email/outbound-emails', {}, 'SES.SendEmail'],
    ['SES', 'GET', '/v2/email/account', {}, 'SES.Other'],
  ] as const)(
    'names %s %s %s as the operation the service routes it to',
    (service, method, url, headers, expected) => {
      // Act
      const operation = operationOf(service, method, url, headers);

      // Assess
      expect(operation).toBe(expected);
    },
  );
});

describe('AwsCallMeter', () => {
  it('counts calls by operation, the faulted ones apart, until reset', () => {
    // Prepare
    const meter = new AwsCallMeter();

    // Act
    meter.record('SES.SendEmail', 'forwarded');
    meter.record('DynamoDB.PutItem', 'faulted');
    meter.record('DynamoDB.PutItem', 'forwarded');
    const counted = meter.snapshot();
    meter.reset();

    // Assess
    expect(counted).toEqual({
      'DynamoDB.PutItem': { calls: 2, forwarded: 1, faulted: 1 },
      'SES.SendEmail': { calls: 1, forwarded: 1, faulted: 0 },
    });
    expect(Object.keys(counted)).toEqual(['DynamoDB.PutItem', 'SES.SendEmail']);
    expect(meter.snapshot()).toEqual({});
  });
});

describe('InvocationMeter', () => {
  it('counts invocations, errors and total duration per function name, and passes results and errors on', async () => {
    // Prepare
    let now = 0;
    const meter = new InvocationMeter(() => now);
    const sender = meter.wrap('sender', async (ms: number) => {
      now += ms;
      if (ms > 100) throw new Error('too slow');
      return ms * 2;
    });

    // Act
    const result = await sender(30);
    const failure = await sender(200).catch((error: unknown) => error);

    // Assess
    expect(result).toBe(60);
    expect(failure).toBeInstanceOf(Error);
    expect(meter.snapshot()).toEqual({ sender: { count: 2, errors: 1, totalMs: 230 } });
  });
});
