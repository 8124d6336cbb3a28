import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import type { ReboundFunctionName } from '../../../infra/constructs/rebound-function.ts';
import { keys } from '../../../shared/adapters/dynamodb-store.ts';
import { rateKeys } from '../../../shared/adapters/rate-limiter.ts';
import { sourceKeys } from '../../../shared/adapters/source-store.ts';
import { CONFIG_SCHEMAS, type FunctionName } from '../../../shared/config.ts';
import { PLANNER_STREAM_FILTER, TABLE_DEFINITION } from '../../../shared/table-definition.ts';
import { PLANNER_STREAM_MAPPING, POWERTOOLS, RECONCILER_RATE_MINUTES } from '../../../shared/wiring.ts';
import {
  asArray,
  identityStatements,
  logicalIdOf,
  rolesAllowedTo,
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
  'ses:PutSuppressedDestination':
    'the account suppression list has no resource type (feedback function only)',
};

/** The functions that sign links (planner, sender, reconciler) or verify them (links): HS256 needs the key for both. */
const LINK_KEY_READERS = [
  'links',
  'planner',
  'reconciler',
  'sender',
] as const satisfies readonly FunctionName[];

const POWERTOOLS_AND_RUNTIME_VARS = [
  'NODE_OPTIONS',
  'POWERTOOLS_SERVICE_NAME',
  'POWERTOOLS_METRICS_NAMESPACE',
  'POWERTOOLS_LOG_LEVEL',
];

describe('Stateless stack', () => {
  let template: Template;
  let stacks: ReturnType<typeof synthStacks>;
  const fnId = (name: ReboundFunctionName) => logicalIdOf(stacks.stateless[name]);
  const roleId = (name: ReboundFunctionName) => logicalIdOf(stacks.stateless[name].functionRole);
  const functionProps = (name: ReboundFunctionName) => template.toJSON().Resources[fnId(name)].Properties;
  const getAtt = (id: string) => ({ 'Fn::GetAtt': [id, 'Arn'] });
  const actionsOf = (s: Statement) => asArray(s.Action);

  beforeAll(() => {
    stacks = synthStacks({ stage: 'dev' });
    template = Template.fromStack(stacks.stateless);
  });

  describe('functions', () => {
    const names = Object.keys(CONFIG_SCHEMAS) as FunctionName[];
    /** With the configless ones, which have no schema (`openapi` serves a bundled document). */
    const allFunctions: readonly ReboundFunctionName[] = [...names, 'openapi'];

    it('are Node.js 24 functions on ARM64 with source maps enabled, one per config schema and openapi', () => {
      template.resourceCountIs('AWS::Lambda::Function', allFunctions.length);
      for (const name of allFunctions) {
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
      // openapi reads nothing: no configuration at all.
      expect(Object.keys(functionProps('openapi').Environment.Variables).sort()).toEqual(
        [...POWERTOOLS_AND_RUNTIME_VARS].sort(),
      );
    });

    it('that sign or verify links read the key ring from the secret (never a file) and link to the API URL', () => {
      const apiUrl = template.toJSON().Outputs.ApiUrl.Value;
      const secretId = logicalIdOf(stacks.stateful.linkKeys.secret);
      for (const name of names) {
        const env = functionProps(name).Environment.Variables;
        expect(env.LINK_KEYS_FILE, name).toBeUndefined();
        const signs = (LINK_KEY_READERS as readonly FunctionName[]).includes(name);
        expect('LINK_KEYS_SECRET_ARN' in CONFIG_SCHEMAS[name].shape, name).toBe(signs);
        if (!signs) continue;
        expect(JSON.stringify(env.LINK_KEYS_SECRET_ARN), name).toContain(secretId);
        expect(env.PUBLIC_BASE_URL, name).toEqual(apiUrl);
      }
    });

    it('are not traced with X-Ray (see docs/deploy.md for why)', () => {
      for (const name of allFunctions) expect(functionProps(name).TracingConfig).toBeUndefined();
    });

    it('log to their own log group, and every log group has the stage retention', () => {
      const groups = template.findResources('AWS::Logs::LogGroup');
      expect(Object.keys(groups).length).toBeGreaterThanOrEqual(allFunctions.length + 1);
      for (const group of Object.values(groups)) {
        expect(group.Properties.RetentionInDays).toBe(stacks.config.logRetention);
      }
      for (const name of allFunctions) {
        const ref = functionProps(name).LoggingConfig.LogGroup.Ref;
        expect(groups[ref]).toBeDefined();
      }
    });

    it('each have an error alarm', () => {
      for (const name of allFunctions) {
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

    it("lets ingest put events in users' partitions, read them and sources, and count only in RATE# partitions", () => {
      const dynamo = statementsOfRole(template, roleId('ingest')).filter((s) =>
        actionsOf(s).some((a) => a.startsWith('dynamodb:')),
      );
      const partitionsFor = (action: string) =>
        dynamo
          .filter((s) => actionsOf(s).includes(action))
          .map((s) => s.Condition?.['ForAllValues:StringLike']?.['dynamodb:LeadingKeys']);
      // One action per statement, each held to its partitions by the leading key.
      for (const statement of dynamo) {
        expect(actionsOf(statement)).toHaveLength(1);
        expect(asArray(statement.Resource)).toHaveLength(1); // the table itself, no index
        expect(JSON.stringify(statement.Resource)).not.toContain('/index/');
      }
      expect(dynamo.flatMap(actionsOf).sort()).toEqual([
        'dynamodb:GetItem',
        'dynamodb:PutItem',
        'dynamodb:UpdateItem',
      ]);
      expect(partitionsFor('dynamodb:PutItem')).toEqual([[keys.user('*')]]);
      expect(partitionsFor('dynamodb:GetItem')).toEqual([[keys.user('*'), sourceKeys.source('*').pk]]);
      // The rate counter's UpdateItem (shared/adapters/rate-limiter.ts), and nothing else it could update.
      expect(partitionsFor('dynamodb:UpdateItem')).toEqual([[rateKeys.counter('*', new Date(0)).pk]]);
      expect(partitionsFor('dynamodb:UpdateItem')[0]).toEqual(['RATE#*']);
    });

    it('lets only ingest decrypt with the sources key, under a sourceId encryption context', () => {
      // The stateful stack's key, imported by its ARN (the export's name carries the key's logical ID).
      const keyId = logicalIdOf(stacks.stateful.sourcesKey.key);
      expect(rolesAllowedTo(template, 'kms:Decrypt')).toEqual([roleId('ingest')]);
      const kms = statementsOfRole(template, roleId('ingest')).filter((s) =>
        actionsOf(s).some((a) => a.startsWith('kms:')),
      );
      expect(kms).toHaveLength(1);
      expect(actionsOf(kms[0] as Statement)).toEqual(['kms:Decrypt']);
      expect(asArray(kms[0]?.Resource)).toHaveLength(1);
      expect(JSON.stringify(kms[0]?.Resource)).toMatch(new RegExp(`FnGetAtt${keyId}Arn`));
      expect(kms[0]?.Condition).toEqual({
        'ForAllValues:StringEquals': { 'kms:EncryptionContextKeys': ['sourceId'] },
        Null: { 'kms:EncryptionContext:sourceId': 'false' },
      });
      expect(JSON.stringify(functionProps('ingest').Environment.Variables.KMS_KEY_ID)).toMatch(
        new RegExp(`FnGetAtt${keyId}Arn`),
      );
    });

    it("lets no function encrypt, re-encrypt or make data keys: sources are sealed with operators' credentials", () => {
      for (const action of [
        'kms:Encrypt',
        'kms:ReEncryptFrom',
        'kms:ReEncryptTo',
        'kms:GenerateDataKey',
        'kms:GenerateDataKeyWithoutPlaintext',
        'kms:CreateGrant',
      ]) {
        expect(rolesAllowedTo(template, action), action).toEqual([]);
      }
      const kmsActions = identityStatements(template)
        .flatMap(({ statement }) => actionsOf(statement))
        .filter((a) => a.startsWith('kms:'));
      expect(new Set(kmsActions)).toEqual(new Set(['kms:Decrypt']));
    });

    it('gives the openapi function nothing but its own logs', () => {
      const statements = statementsOfRole(template, roleId('openapi'));
      expect(statements.flatMap(actionsOf).every((a) => a.startsWith('logs:'))).toBe(true);
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

    it('lets sender, reconciler and planner (confirmations) send email only as the identity, through the configuration set', () => {
      for (const name of ['sender', 'reconciler', 'planner'] as const) {
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
      expect(rolesAllowedTo(template, 'ses:SendEmail')).toEqual(
        (['sender', 'reconciler', 'planner'] as const).map(roleId).sort(),
      );
      for (const name of ['ingest', 'links'] as const) {
        const ses = statementsOfRole(template, roleId(name)).filter((s) =>
          actionsOf(s).some((a) => a.startsWith('ses:')),
        );
        expect(ses).toEqual([]);
      }
    });

    it('lets exactly the functions that sign or verify links read the key ring, and nothing else of Secrets Manager', () => {
      // Not "only the links function" (issue 8): HS256 signs with the same key it verifies with, and the
      // planner, sender and reconciler sign the links they put in emails. Ingest and feedback cannot read it.
      expect(rolesAllowedTo(template, 'secretsmanager:GetSecretValue')).toEqual(
        LINK_KEY_READERS.map(roleId).sort(),
      );
      for (const name of ['ingest', 'feedback'] as const) {
        const secrets = statementsOfRole(template, roleId(name)).filter((s) =>
          actionsOf(s).some((a) => a.startsWith('secretsmanager:')),
        );
        expect(secrets, name).toEqual([]);
      }
      const secretId = logicalIdOf(stacks.stateful.linkKeys.secret);
      const secretStatements = identityStatements(template)
        .map(({ statement }) => statement)
        .filter((s) => actionsOf(s).some((a) => a.startsWith('secretsmanager:')));
      expect(secretStatements).toHaveLength(LINK_KEY_READERS.length);
      for (const statement of secretStatements) {
        expect(actionsOf(statement)).toEqual(['secretsmanager:GetSecretValue']);
        // One resource: the stateful stack's secret (imported by its full ARN), never a pattern.
        expect(asArray(statement.Resource)).toHaveLength(1);
        expect(JSON.stringify(statement.Resource)).toContain(secretId);
      }
    });

    it('lets only the feedback function add addresses to the SES suppression list, in its own region', () => {
      expect(rolesAllowedTo(template, 'ses:PutSuppressedDestination')).toEqual([roleId('feedback')]);
      expect(rolesAllowedTo(Template.fromStack(stacks.stateful), 'ses:PutSuppressedDestination')).toEqual([]);
      const suppress = statementsOfRole(template, roleId('feedback')).filter((s) =>
        actionsOf(s).some((a) => a.startsWith('ses:')),
      );
      expect(suppress).toEqual([
        {
          Effect: 'Allow',
          Action: 'ses:PutSuppressedDestination',
          Resource: '*',
          Condition: { StringEquals: { 'aws:RequestedRegion': { Ref: 'AWS::Region' } } },
        },
      ]);
    });

    it('lets only the planner, which applies "delete my data", batch-delete items', () => {
      expect(rolesAllowedTo(template, 'dynamodb:BatchWriteItem')).toEqual([roleId('planner')]);
    });

    it('lets the links and feedback functions read and write the table, without Scan', () => {
      for (const name of ['links', 'feedback'] as const) {
        const dynamo = statementsOfRole(template, roleId(name)).filter((s) =>
          actionsOf(s).some((a) => a.startsWith('dynamodb:')),
        );
        expect(dynamo, name).toHaveLength(1);
        expect(actionsOf(dynamo[0] as Statement), name).toEqual(
          expect.arrayContaining(['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:PutItem']),
        );
        expect(actionsOf(dynamo[0] as Statement), name).not.toContain('dynamodb:Scan');
      }
    });
  });

  describe('SES feedback', () => {
    const ruleProps = () => {
      const rules = Object.values(template.findResources('AWS::Events::Rule'));
      expect(rules).toHaveLength(1);
      return rules[0]?.Properties;
    };

    it('routes bounces and complaints of our configuration set on the default bus, nothing else', () => {
      const configurationSet = logicalIdOf(stacks.stateful.mail.configurationSet);
      const rule = ruleProps();
      expect(rule.EventBusName).toBeUndefined();
      expect(rule.State).toBe('ENABLED');
      expect(rule.Name).toBe('rebound-dev-ses-feedback');
      expect(Object.keys(rule.EventPattern).sort()).toEqual(['detail', 'detail-type', 'source']);
      expect(rule.EventPattern.source).toEqual(['aws.ses']);
      expect(rule.EventPattern['detail-type']).toEqual(['Email Bounced', 'Email Complaint Received']);
      // SES tags every event of mail sent through a configuration set with the set's name.
      const tag = rule.EventPattern.detail.mail.tags['ses:configuration-set'];
      expect(tag).toHaveLength(1);
      expect(JSON.stringify(tag)).toContain(configurationSet);
    });

    it('targets only the feedback function, with a retry policy and a dead-letter queue', () => {
      const targets = ruleProps().Targets;
      expect(targets).toHaveLength(1);
      expect(targets[0]).toMatchObject({
        Arn: getAtt(fnId('feedback')),
        RetryPolicy: { MaximumRetryAttempts: 8, MaximumEventAgeInSeconds: 6 * 60 * 60 },
      });
      expect(JSON.stringify(targets[0].DeadLetterConfig.Arn)).toContain(
        logicalIdOf(stacks.stateful.feedbackDlq.queue),
      );
    });

    it('retries a failed invocation twice, then parks the event in the same queue', () => {
      template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
        FunctionName: { Ref: fnId('feedback') },
        MaximumRetryAttempts: 2,
        DestinationConfig: { OnFailure: { Destination: Match.anyValue() } },
      });
      const config = Object.values(template.findResources('AWS::Lambda::EventInvokeConfig')).find(
        (c) => JSON.stringify(c.Properties.FunctionName) === JSON.stringify({ Ref: fnId('feedback') }),
      );
      expect(JSON.stringify(config?.Properties.DestinationConfig)).toContain(
        logicalIdOf(stacks.stateful.feedbackDlq.queue),
      );
    });

    it('may be invoked by that rule only', () => {
      template.hasResourceProperties('AWS::Lambda::Permission', {
        Action: 'lambda:InvokeFunction',
        FunctionName: getAtt(fnId('feedback')),
        Principal: 'events.amazonaws.com',
        SourceArn: getAtt(logicalIdOf(stacks.stateless.feedbackRule)),
      });
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
      // Eight function errors, iterator age, poison events, API 5xx, stuck digests, recovered reminders,
      // intake's refused credentials.
      expect(alarms).toHaveLength(14);
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

    it("alarm on intake's UnauthenticatedRequests: fifty 401s in five minutes", () => {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: POWERTOOLS.namespace,
        MetricName: 'UnauthenticatedRequests',
        Dimensions: [{ Name: 'service', Value: POWERTOOLS.service }],
        Statistic: 'Sum',
        Period: 300,
        Threshold: 50,
      });
    });

    it("alarm on the planner's PoisonEvents metric: any event failed for good in five minutes", () => {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: POWERTOOLS.namespace,
        MetricName: 'PoisonEvents',
        Dimensions: [{ Name: 'service', Value: POWERTOOLS.service }],
        Statistic: 'Sum',
        Period: 300,
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        EvaluationPeriods: 1,
        TreatMissingData: 'notBreaching',
        AlarmActions: Match.anyValue(),
      });
      const env = functionProps('planner').Environment.Variables;
      expect(env.POWERTOOLS_METRICS_NAMESPACE).toBe(POWERTOOLS.namespace);
      expect(env.POWERTOOLS_SERVICE_NAME).toBe(POWERTOOLS.service);
    });
  });

  describe('the HTTP API', () => {
    /** The function a route's integration invokes, found through the route's target and the integration's URI. */
    const functionBehind = (routeKey: string): unknown => {
      const route = Object.values(template.findResources('AWS::ApiGatewayV2::Route')).find(
        (r) => r.Properties.RouteKey === routeKey,
      );
      expect(route, routeKey).toBeDefined();
      // Target: { "Fn::Join": ["", ["integrations/", { "Ref": <integration> }]] }
      const [, parts] = route?.Properties.Target['Fn::Join'] ?? [];
      const integrationId = parts[1].Ref;
      return template.toJSON().Resources[integrationId].Properties.IntegrationUri;
    };

    it('routes POST /events to ingest, GET /openapi.json to openapi, the link pages and their assets to the links function, /admin to the admin function', () => {
      const routeKeys = Object.values(template.findResources('AWS::ApiGatewayV2::Route'))
        .map((r) => r.Properties.RouteKey)
        .sort();
      expect(routeKeys).toEqual([
        'ANY /admin/{proxy+}',
        'GET /admin',
        'GET /assets/{file}',
        'GET /links/{action}',
        'GET /openapi.json',
        'POST /events',
        'POST /links/{action}',
      ]);
      expect(functionBehind('POST /events')).toEqual(getAtt(fnId('ingest')));
      expect(functionBehind('GET /openapi.json')).toEqual(getAtt(fnId('openapi')));
      for (const key of ['GET /links/{action}', 'POST /links/{action}', 'GET /assets/{file}']) {
        expect(functionBehind(key), key).toEqual(getAtt(fnId('links')));
      }
      for (const key of ['GET /admin', 'ANY /admin/{proxy+}']) {
        expect(functionBehind(key), key).toEqual(getAtt(fnId('admin')));
      }
    });

    it('lets API Gateway invoke the links function', () => {
      template.hasResourceProperties('AWS::Lambda::Permission', {
        Action: 'lambda:InvokeFunction',
        FunctionName: getAtt(fnId('links')),
        Principal: 'apigateway.amazonaws.com',
      });
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

    it('keeps request paths, and so the tokens in link URLs, out of the access logs', () => {
      const stage = Object.values(template.findResources('AWS::ApiGatewayV2::Stage'))[0];
      const format: string = stage?.Properties.AccessLogSettings.Format;
      expect(format).toContain('$context.routeKey');
      expect(format).not.toMatch(/\$context\.path|querystring/i);
    });

    it('outputs the API URL and the admin view URL, and no URL of a route that does not exist', () => {
      const outputs = template.toJSON().Outputs;
      expect(Object.keys(outputs).sort()).toEqual(['AdminUrl', 'ApiUrl']);
      expect(JSON.stringify(outputs.ApiUrl.Value)).toContain('.execute-api.');
      expect(outputs.AdminUrl.Value).toEqual({
        'Fn::Join': ['', [{ 'Fn::GetAtt': [logicalIdOf(stacks.stateless.api), 'ApiEndpoint'] }, '/admin']],
      });
    });
  });
});

describe('Stateless stack with a custom domain', () => {
  let template: Template;
  let stacks: ReturnType<typeof synthStacks>;
  const certificateArn =
    'arn:aws:acm:eu-west-1:123456789012:certificate/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b';

  beforeAll(() => {
    stacks = synthStacks({
      stage: 'prod',
      mailFrom: 'reminders@mail.example.org',
      domainName: 'links.example.org',
      certificateArn,
    });
    template = Template.fromStack(stacks.stateless);
  });

  it('keeps the domain, with its certificate, in the stateful stack (its DNS target outlives the API)', () => {
    const stateful = Template.fromStack(stacks.stateful);
    stateful.hasResourceProperties('AWS::ApiGatewayV2::DomainName', {
      DomainName: 'links.example.org',
      DomainNameConfigurations: [
        Match.objectLike({ CertificateArn: certificateArn, EndpointType: 'REGIONAL' }),
      ],
    });
    expect(stateful.toJSON().Outputs.DomainTarget).toBeDefined();
    template.resourceCountIs('AWS::ApiGatewayV2::DomainName', 0);
  });

  it('maps the domain to the default stage of the API', () => {
    template.resourceCountIs('AWS::ApiGatewayV2::ApiMapping', 1);
    const mapping = Object.values(template.findResources('AWS::ApiGatewayV2::ApiMapping'))[0];
    expect(mapping?.Properties.ApiId).toEqual({ Ref: logicalIdOf(stacks.stateless.api) });
    expect(JSON.stringify(mapping?.Properties.DomainName)).toContain(
      logicalIdOf(stacks.stateful.apiDomain as NonNullable<typeof stacks.stateful.apiDomain>),
    );
  });

  it('puts the domain, not the execute-api URL, into every link', () => {
    const { links, planner, sender, reconciler } = stacks.stateless;
    for (const fn of [links, planner, sender, reconciler]) {
      const env = template.toJSON().Resources[logicalIdOf(fn)].Properties.Environment.Variables;
      expect(env.PUBLIC_BASE_URL).toBe('https://links.example.org');
    }
    expect(Object.keys(template.toJSON().Outputs).sort()).toEqual(['AdminUrl', 'ApiUrl']);
    expect(template.toJSON().Outputs.AdminUrl.Value).toBe('https://links.example.org/admin');
  });
});
