import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { CONFIG_SCHEMAS, type FunctionName } from '../../../shared/config.ts';
import { PLANNER_STREAM_FILTER, TABLE_DEFINITION } from '../../../shared/table-definition.ts';
import { PLANNER_STREAM_MAPPING, POWERTOOLS, RECONCILER_RATE_MINUTES } from '../../../shared/wiring.ts';
import {
  asArray,
  identityStatements,
  logicalIdOf,
  type Statement,
  statementsOfRole,
  synthStacks,
} from './support.ts';

/**
 * Actions that have no resource-level permissions, so `Resource: "*"` is the narrowest possible.
 * Each needs a reason here and an acknowledgement beside the code that adds it.
 */
const STAR_RESOURCE_EXCEPTIONS: Record<string, string> = {
  'dynamodb:ListStreams': 'DynamoEventSource: ListStreams cannot be scoped to a table',
};

const POWERTOOLS_AND_RUNTIME_VARS = [
  'NODE_OPTIONS',
  'POWERTOOLS_SERVICE_NAME',
  'POWERTOOLS_METRICS_NAMESPACE',
  'POWERTOOLS_LOG_LEVEL',
];

describe('Stateless stack', () => {
  let template: Template;
  let stacks: ReturnType<typeof synthStacks>;
  const fnId = (name: FunctionName) => logicalIdOf(stacks.stateless[name]);
  const roleId = (name: FunctionName) => logicalIdOf(stacks.stateless[name].functionRole);
  const functionProps = (name: FunctionName) => template.toJSON().Resources[fnId(name)].Properties;
  const getAtt = (id: string) => ({ 'Fn::GetAtt': [id, 'Arn'] });
  const actionsOf = (s: Statement) => asArray(s.Action);

  beforeAll(() => {
    stacks = synthStacks({ stage: 'dev' });
    template = Template.fromStack(stacks.stateless);
  });

  describe('functions', () => {
    const names = Object.keys(CONFIG_SCHEMAS) as FunctionName[];

    it('are four Node.js 24 functions on ARM64 with source maps enabled', () => {
      template.resourceCountIs('AWS::Lambda::Function', names.length);
      for (const name of names) {
        expect(functionProps(name)).toMatchObject({
          Runtime: 'nodejs24.x',
          Architectures: ['arm64'],
          Handler: 'index.handler',
          Environment: { Variables: expect.objectContaining({ NODE_OPTIONS: '--enable-source-maps' }) },
        });
      }
    });

    it('get exactly the environment their config schema parses, plus Powertools settings', () => {
      for (const name of names) {
        const variables = Object.keys(functionProps(name).Environment.Variables);
        const shape: Record<string, z.ZodType> = CONFIG_SCHEMAS[name].shape;
        const schemaKeys = Object.keys(shape);
        // Required = the schema rejects a missing value (optional and defaulted keys may be left out).
        const required = schemaKeys.filter((key) => !shape[key]?.safeParse(undefined).success);
        expect(variables.filter((v) => !POWERTOOLS_AND_RUNTIME_VARS.includes(v)).sort()).toEqual(
          expect.arrayContaining(required.sort()),
        );
        for (const variable of variables)
          expect([...schemaKeys, ...POWERTOOLS_AND_RUNTIME_VARS]).toContain(variable);
      }
    });

    it('are not traced with X-Ray (see docs/deploy.md for why)', () => {
      for (const name of names) expect(functionProps(name).TracingConfig).toBeUndefined();
    });

    it('log to their own log group, and every log group has the stage retention', () => {
      const groups = template.findResources('AWS::Logs::LogGroup');
      expect(Object.keys(groups).length).toBeGreaterThanOrEqual(names.length + 1);
      for (const group of Object.values(groups)) {
        expect(group.Properties.RetentionInDays).toBe(stacks.config.logRetention);
      }
      for (const name of names) {
        const ref = functionProps(name).LoggingConfig.LogGroup.Ref;
        expect(groups[ref]).toBeDefined();
      }
    });

    it('each have an error alarm', () => {
      for (const name of names) {
        template.hasResourceProperties('AWS::CloudWatch::Alarm', {
          Namespace: 'AWS/Lambda',
          MetricName: 'Errors',
          Dimensions: [{ Name: 'FunctionName', Value: { Ref: fnId(name) } }],
          AlarmActions: Match.anyValue(),
        });
      }
    });
  });

  describe('the planner stream', () => {
    it('filters INSERTs of events at the source and reports per-record failures', () => {
      template.resourceCountIs('AWS::Lambda::EventSourceMapping', 1);
      template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        FunctionName: { Ref: fnId('planner') },
        FilterCriteria: { Filters: [{ Pattern: JSON.stringify(PLANNER_STREAM_FILTER) }] },
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        StartingPosition: 'TRIM_HORIZON',
      });
    });

    it('retries, bisects failing batches, caps record age as shared/wiring.ts says and parks failures in a queue', () => {
      template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        BatchSize: PLANNER_STREAM_MAPPING.batchSize,
        MaximumRetryAttempts: PLANNER_STREAM_MAPPING.retryAttempts,
        BisectBatchOnFunctionError: true,
        MaximumRecordAgeInSeconds: PLANNER_STREAM_MAPPING.maxRecordAgeSeconds,
        DestinationConfig: { OnFailure: { Destination: Match.anyValue() } },
      });
    });

    it('alarms when the planner falls behind the stream', () => {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: 'IteratorAge',
        Dimensions: [{ Name: 'FunctionName', Value: { Ref: fnId('planner') } }],
        Statistic: 'Maximum',
        Threshold: 5 * 60 * 1000,
        ComparisonOperator: 'GreaterThanThreshold',
      });
    });
  });

  describe('IAM', () => {
    it('has no "*" resource except for actions that cannot be scoped', () => {
      const offenders = identityStatements(template)
        .filter(({ statement }) => asArray(statement.Resource).includes('*'))
        .filter(({ statement }) => !actionsOf(statement).every((a) => a in STAR_RESOURCE_EXCEPTIONS));
      expect(offenders).toEqual([]);
    });

    it('uses every documented "*" exception (so the list cannot rot)', () => {
      const starActions = identityStatements(template)
        .filter(({ statement }) => asArray(statement.Resource).includes('*'))
        .flatMap(({ statement }) => actionsOf(statement));
      expect(new Set(starActions)).toEqual(new Set(Object.keys(STAR_RESOURCE_EXCEPTIONS)));
    });

    it('has no wildcard actions and no AWS managed policies', () => {
      for (const { statement } of identityStatements(template)) {
        for (const action of actionsOf(statement)) expect(action).not.toContain('*');
      }
      for (const role of Object.values(template.findResources('AWS::IAM::Role'))) {
        expect(role.Properties.ManagedPolicyArns).toBeUndefined();
      }
    });

    it('lets ingest only put (and read back) items, on the table itself', () => {
      const dynamo = statementsOfRole(template, roleId('ingest')).filter((s) =>
        actionsOf(s).some((a) => a.startsWith('dynamodb:')),
      );
      expect(dynamo).toHaveLength(1);
      expect(actionsOf(dynamo[0] as Statement).sort()).toEqual(['dynamodb:GetItem', 'dynamodb:PutItem']);
      expect(asArray(dynamo[0]?.Resource)).toHaveLength(1);
    });

    it('scopes table access of the other functions to the table and its named indexes, without Scan', () => {
      for (const name of ['planner', 'sender', 'reconciler'] as const) {
        const statement = statementsOfRole(template, roleId(name)).find((s) =>
          actionsOf(s).includes('dynamodb:PutItem'),
        );
        expect(statement, name).toBeDefined();
        expect(actionsOf(statement as Statement)).not.toContain('dynamodb:Scan');
        const indexSuffixes = asArray(statement?.Resource)
          .map((r) => JSON.stringify(r))
          .filter((r) => r.includes('/index/'));
        expect(indexSuffixes).toHaveLength(TABLE_DEFINITION.globalSecondaryIndexes.length);
      }
    });

    it('lets the planner create, update and delete schedules only in the Rebound group and pass only the Scheduler role', () => {
      const statements = statementsOfRole(template, roleId('planner'));
      const scheduling = statements.find((s) => actionsOf(s).includes('scheduler:CreateSchedule'));
      // No GetSchedule: the planner never reads a timer back.
      expect(actionsOf(scheduling as Statement).sort()).toEqual([
        'scheduler:CreateSchedule',
        'scheduler:DeleteSchedule',
        'scheduler:UpdateSchedule',
      ]);
      expect(statements.flatMap((s) => actionsOf(s)).filter((a) => a.startsWith('scheduler:'))).toHaveLength(
        3,
      );
      expect(JSON.stringify(scheduling?.Resource)).toContain(
        `:schedule/${stacks.config.scheduleGroupName}/*"]]}`,
      );
      const passRole = statements.find((s) => actionsOf(s).includes('iam:PassRole'));
      expect(passRole?.Resource).toEqual(getAtt(logicalIdOf(stacks.stateless.schedulerRole)));
      expect(passRole?.Condition).toEqual({
        StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' },
      });
    });

    it('lets the Scheduler role, assumable only by Scheduler in this account, invoke only the sender', () => {
      const schedulerRoleId = logicalIdOf(stacks.stateless.schedulerRole);
      template.hasResourceProperties('AWS::IAM::Role', {
        AssumeRolePolicyDocument: {
          Statement: [
            Match.objectLike({
              Principal: { Service: 'scheduler.amazonaws.com' },
              Condition: Match.objectLike({
                StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
              }),
            }),
          ],
        },
        Description: Match.stringLikeRegexp('reminder timers'),
      });
      const statements = statementsOfRole(template, schedulerRoleId);
      expect(statements.flatMap((s) => actionsOf(s)).sort()).toEqual([
        'lambda:InvokeFunction',
        'sqs:SendMessage',
      ]);
      const invoke = statements.find((s) => actionsOf(s).includes('lambda:InvokeFunction'));
      expect(invoke?.Resource).toEqual(getAtt(fnId('sender')));
    });

    it('lets sender and reconciler send email only as the identity, through the configuration set', () => {
      for (const name of ['sender', 'reconciler'] as const) {
        const ses = statementsOfRole(template, roleId(name)).filter((s) =>
          actionsOf(s).some((a) => a.startsWith('ses:')),
        );
        expect(ses).toHaveLength(1);
        expect(actionsOf(ses[0] as Statement)).toEqual(['ses:SendEmail']);
        const resources = asArray(ses[0]?.Resource).map((r) => JSON.stringify(r));
        expect(resources).toHaveLength(2);
        expect(resources.some((r) => r.includes(':identity/'))).toBe(true);
        expect(resources.some((r) => r.includes(':configuration-set/'))).toBe(true);
      }
      for (const name of ['ingest', 'planner'] as const) {
        const ses = statementsOfRole(template, roleId(name)).filter((s) =>
          actionsOf(s).some((a) => a.startsWith('ses:')),
        );
        expect(ses).toEqual([]);
      }
    });
  });

  describe('the sender', () => {
    it('retries failed async invocations twice, then parks them in a queue', () => {
      template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
        FunctionName: { Ref: fnId('sender') },
        MaximumRetryAttempts: 2,
        DestinationConfig: { OnFailure: { Destination: Match.anyValue() } },
      });
    });
  });

  describe('the reconciler', () => {
    it('runs at the shared rate on an EventBridge Scheduler schedule', () => {
      template.resourceCountIs('AWS::Scheduler::Schedule', 1);
      template.hasResourceProperties('AWS::Scheduler::Schedule', {
        ScheduleExpression: `rate(${RECONCILER_RATE_MINUTES} minutes)`,
        State: 'ENABLED',
        Target: Match.objectLike({
          Arn: getAtt(fnId('reconciler')),
          DeadLetterConfig: { Arn: Match.anyValue() },
        }),
      });
    });

    it('gives up on a run before the next one is due, and never retries an async invocation', () => {
      const schedule = Object.values(template.findResources('AWS::Scheduler::Schedule'))[0];
      const retry = schedule?.Properties.Target.RetryPolicy;
      expect(retry.MaximumRetryAttempts).toBe(2);
      expect(retry.MaximumEventAgeInSeconds).toBeLessThan(RECONCILER_RATE_MINUTES * 60);
      template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
        FunctionName: { Ref: fnId('reconciler') },
        MaximumRetryAttempts: 0,
      });
    });
  });

  describe('operator alarms', () => {
    it('each fire on one period, treat no data as not breaching and notify an action', () => {
      const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm'));
      // Four function errors, iterator age, API 5xx, stuck digests, recovered reminders.
      expect(alarms).toHaveLength(8);
      for (const alarm of alarms) {
        expect(alarm.Properties).toMatchObject({ EvaluationPeriods: 1, TreatMissingData: 'notBreaching' });
        expect(alarm.Properties.AlarmActions).toHaveLength(1);
      }
    });

    it.each(['StuckDigests', 'RemindersRecovered'])(
      "alarm on the reconciler's %s metric in the namespace and service the functions publish to",
      (metricName) => {
        template.hasResourceProperties('AWS::CloudWatch::Alarm', {
          Namespace: POWERTOOLS.namespace,
          MetricName: metricName,
          Dimensions: [{ Name: 'service', Value: POWERTOOLS.service }],
          Threshold: 1,
          AlarmActions: Match.anyValue(),
        });
        const env = functionProps('reconciler').Environment.Variables;
        expect(env.POWERTOOLS_METRICS_NAMESPACE).toBe(POWERTOOLS.namespace);
        expect(env.POWERTOOLS_SERVICE_NAME).toBe(POWERTOOLS.service);
      },
    );
  });

  describe('the HTTP API', () => {
    it('routes POST /events to ingest', () => {
      template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: 'POST /events' });
      template.resourceCountIs('AWS::ApiGatewayV2::Route', 1);
    });

    it('throttles and access-logs the default stage', () => {
      template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
        StageName: '$default',
        AutoDeploy: true,
        DefaultRouteSettings: {
          ThrottlingRateLimit: stacks.config.apiThrottle.rateLimit,
          ThrottlingBurstLimit: stacks.config.apiThrottle.burstLimit,
        },
        AccessLogSettings: {
          DestinationArn: Match.anyValue(),
          Format: Match.stringLikeRegexp('\\$context.requestId'),
        },
      });
    });

    it('outputs the API URL, and no URL of a route that does not exist', () => {
      const outputs = template.toJSON().Outputs;
      expect(Object.keys(outputs)).toEqual(['ApiUrl']);
      expect(JSON.stringify(outputs.ApiUrl.Value)).toContain('.execute-api.');
    });
  });
});
