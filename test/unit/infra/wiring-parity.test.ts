/**
 * The CDK app and the local twin must run with the same wiring. Expected values come from what the twin runs
 * with (`TWIN_WIRING`), actual values from the synthesized template, so the test fails when either side
 * changes alone; a change to `shared/wiring.ts` moves both and passes.
 */
import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { TWIN_WIRING } from '../../../infra/local/wiring.ts';
import { buildScheduleRequest } from '../../../shared/adapters/scheduler-timers.ts';
import { CONFIG_SCHEMAS, type FunctionName } from '../../../shared/config.ts';
import { logicalIdOf, synthStacks } from './support.ts';

// biome-ignore lint/suspicious/noExplicitAny: CloudFormation resources are untyped JSON.
type Resource = { Properties: Record<string, any> };

describe('wiring parity: the synthesized template runs with what the local twin runs with', () => {
  let stacks: ReturnType<typeof synthStacks>;
  let stateless: Template;
  let stateful: Template;
  const resources = (template: Template, type: string): Resource[] =>
    Object.values(template.findResources(type)) as Resource[];
  const environmentOf = (fn: FunctionName): Record<string, string> =>
    stateless.toJSON().Resources[logicalIdOf(stacks.stateless[fn])].Properties.Environment.Variables;

  beforeAll(() => {
    // Prepare: the dev stage with no context overrides, i.e. every wiring default.
    stacks = synthStacks({ stage: 'dev' });
    stateless = Template.fromStack(stacks.stateless);
    stateful = Template.fromStack(stacks.stateful);
  });

  it('the planner stream mapping: batch size, retries, bisect, partial batch response, maximum record age', () => {
    const mappings = resources(stateless, 'AWS::Lambda::EventSourceMapping');
    expect(mappings).toHaveLength(1);
    const actual = mappings[0]?.Properties ?? {};

    // Every key of the twin's mapping is read back from the template, so a new key fails here until mapped.
    expect({
      batchSize: actual.BatchSize,
      retryAttempts: actual.MaximumRetryAttempts,
      bisectBatchOnFunctionError: actual.BisectBatchOnFunctionError ?? false,
      reportBatchItemFailures: (actual.FunctionResponseTypes ?? []).includes('ReportBatchItemFailures'),
      maxRecordAgeSeconds: actual.MaximumRecordAgeInSeconds,
    }).toEqual(TWIN_WIRING.streamMapping);
  });

  it("the reconciler's schedule expression", () => {
    const reconcilerArn = { 'Fn::GetAtt': [logicalIdOf(stacks.stateless.reconciler), 'Arn'] };
    const schedules = resources(stateless, 'AWS::Scheduler::Schedule').filter(
      (s) => JSON.stringify(s.Properties.Target.Arn) === JSON.stringify(reconcilerArn),
    );
    expect(schedules).toHaveLength(1);

    expect(schedules[0]?.Properties.ScheduleExpression).toBe(TWIN_WIRING.reconcilerSchedule);
  });

  it('the schedule group: the group the stateful stack creates and the one the planner writes timers to', () => {
    const groups = resources(stateful, 'AWS::Scheduler::ScheduleGroup');
    expect(groups.map((g) => g.Properties.Name)).toEqual([TWIN_WIRING.scheduleGroup]);

    expect(environmentOf('planner').SCHEDULE_GROUP).toBe(TWIN_WIRING.scheduleGroup);
  });

  it('the Powertools service name and metrics namespace of every function', () => {
    for (const fn of Object.keys(CONFIG_SCHEMAS) as FunctionName[]) {
      const env = environmentOf(fn);

      expect(
        { service: env.POWERTOOLS_SERVICE_NAME, namespace: env.POWERTOOLS_METRICS_NAMESPACE },
        fn,
      ).toEqual(TWIN_WIRING.powertools);
    }
  });

  it('the Powertools namespace and service of the alarms on custom metrics', () => {
    const custom = resources(stateless, 'AWS::CloudWatch::Alarm').filter(
      (a) => !String(a.Properties.Namespace).startsWith('AWS/'),
    );
    expect(custom.length).toBeGreaterThan(0);

    for (const alarm of custom) {
      expect({
        namespace: alarm.Properties.Namespace,
        service: alarm.Properties.Dimensions?.find((d: { Name: string }) => d.Name === 'service')?.Value,
      }).toEqual({ namespace: TWIN_WIRING.powertools.namespace, service: TWIN_WIRING.powertools.service });
    }
  });

  it("the timer retry policy: in the planner's schedule request, since no timer is in the template", () => {
    // The only schedule CDK creates is the reconciler's; reminder timers are created at runtime.
    expect(resources(stateless, 'AWS::Scheduler::Schedule')).toHaveLength(1);

    const request = buildScheduleRequest(
      { scheduleName: 'r-1', dueAt: '2030-01-01T09:00:00.000Z', userId: 'u-1', reminderId: 'r-1' },
      { groupName: 'g', targetArn: 'arn:t', roleArn: 'arn:r', deadLetterArn: 'arn:d' },
    );

    expect(request.Target?.RetryPolicy).toEqual(TWIN_WIRING.timerRetryPolicy);
  });
});
