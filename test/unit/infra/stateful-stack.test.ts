import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { TABLE_DEFINITION } from '../../../shared/table-definition.ts';
import { logicalIdOf, synthStacks } from './support.ts';

describe('Stateful stack', () => {
  let dev: Template;
  let prod: Template;
  let devStacks: ReturnType<typeof synthStacks>;

  beforeAll(() => {
    // Prepare: both stages once per file.
    devStacks = synthStacks({ stage: 'dev' });
    dev = Template.fromStack(devStacks.stateful);
    const prodStacks = synthStacks({
      stage: 'prod',
      mailFrom: 'reminders@mail.example.org',
      sesDomain: 'mail.example.org',
      alarmEmail: 'ops@example.org',
    });
    prod = Template.fromStack(prodStacks.stateful);
  });

  describe('the table', () => {
    it('uses the key schema, indexes and stream view of TABLE_DEFINITION, on demand', () => {
      const indexes: readonly unknown[] = TABLE_DEFINITION.globalSecondaryIndexes;
      // This table and the admin audit table (test/unit/infra/admin-view.test.ts).
      dev.resourceCountIs('AWS::DynamoDB::Table', 2);
      dev.hasResourceProperties('AWS::DynamoDB::Table', {
        BillingMode: 'PAY_PER_REQUEST',
        KeySchema: [
          { AttributeName: TABLE_DEFINITION.partitionKey.name, KeyType: 'HASH' },
          { AttributeName: TABLE_DEFINITION.sortKey.name, KeyType: 'RANGE' },
        ],
        StreamSpecification: { StreamViewType: TABLE_DEFINITION.streamViewType },
        // CloudFormation has no empty index list: a table without indexes has no such property.
        GlobalSecondaryIndexes:
          indexes.length === 0
            ? Match.absent()
            : TABLE_DEFINITION.globalSecondaryIndexes.map((gsi) =>
                Match.objectLike({
                  IndexName: gsi.indexName,
                  KeySchema: [
                    { AttributeName: gsi.partitionKey.name, KeyType: 'HASH' },
                    { AttributeName: gsi.sortKey.name, KeyType: 'RANGE' },
                  ],
                }),
              ),
      });
    });

    it('has point-in-time recovery and server-side encryption', () => {
      dev.hasResourceProperties('AWS::DynamoDB::Table', {
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        SSESpecification: { SSEEnabled: true },
      });
    });

    it('has a TTL attribute exactly when TABLE_DEFINITION names one', () => {
      const ttl = (TABLE_DEFINITION as { readonly timeToLiveAttribute?: string }).timeToLiveAttribute;
      dev.hasResourceProperties('AWS::DynamoDB::Table', {
        TimeToLiveSpecification: ttl === undefined ? Match.absent() : { AttributeName: ttl, Enabled: true },
      });
    });

    it('is destroyed with a dev stack but retained and deletion-protected on prod', () => {
      dev.hasResource('AWS::DynamoDB::Table', {
        DeletionPolicy: 'Delete',
        Properties: Match.objectLike({ DeletionProtectionEnabled: false }),
      });
      prod.hasResource('AWS::DynamoDB::Table', {
        DeletionPolicy: 'Retain',
        UpdateReplacePolicy: 'Retain',
        Properties: Match.objectLike({ DeletionProtectionEnabled: true }),
      });
    });

    it('exports its name as a stack output', () => {
      dev.hasOutput('TableName', { Value: { Ref: logicalIdOf(devStacks.stateful.table) } });
    });
  });

  describe('the dead-letter queues', () => {
    it('are encrypted, keep messages 14 days and refuse plain-HTTP access', () => {
      const queues = dev.findResources('AWS::SQS::Queue');
      // Planner stream batches, sender invocations, Scheduler timers, SES feedback events.
      expect(Object.keys(queues)).toHaveLength(4);
      for (const [id, queue] of Object.entries(queues)) {
        expect(queue.Properties).toMatchObject({
          SqsManagedSseEnabled: true,
          MessageRetentionPeriod: 1_209_600,
        });
        dev.hasResourceProperties('AWS::SQS::QueuePolicy', {
          Queues: [{ Ref: id }],
          PolicyDocument: {
            Statement: Match.arrayWith([
              Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
            ]),
          },
        });
      }
    });

    it('each raise an alarm as soon as they hold a message', () => {
      for (const id of Object.keys(dev.findResources('AWS::SQS::Queue'))) {
        dev.hasResourceProperties('AWS::CloudWatch::Alarm', {
          Namespace: 'AWS/SQS',
          MetricName: 'ApproximateNumberOfMessagesVisible',
          Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [id, 'QueueName'] } }],
          Threshold: 1,
          ComparisonOperator: 'GreaterThanOrEqualToThreshold',
          AlarmActions: Match.anyValue(),
        });
      }
    });
  });

  describe('the SES feedback dead-letter queue', () => {
    it('accepts undeliverable events from the feedback rule only (by its fixed name), over TLS', () => {
      const queueId = logicalIdOf(devStacks.stateful.feedbackDlq.queue);
      dev.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [{ Ref: queueId }],
        PolicyDocument: {
          Statement: Match.arrayWith([
            {
              Effect: 'Allow',
              Principal: { Service: 'events.amazonaws.com' },
              Action: 'sqs:SendMessage',
              Resource: { 'Fn::GetAtt': [queueId, 'Arn'] },
              Condition: {
                ArnEquals: {
                  'aws:SourceArn': {
                    'Fn::Join': [
                      '',
                      Match.arrayWith([Match.stringLikeRegexp(':rule/rebound-dev-ses-feedback$')]),
                    ],
                  },
                },
              },
            },
          ]),
        },
      });
    });

    it('is the only queue EventBridge may send to', () => {
      const grants = Object.values(dev.findResources('AWS::SQS::QueuePolicy')).filter((p) =>
        JSON.stringify(p.Properties.PolicyDocument).includes('events.amazonaws.com'),
      );
      expect(grants.map((p) => p.Properties.Queues)).toEqual([
        [{ Ref: logicalIdOf(devStacks.stateful.feedbackDlq.queue) }],
      ]);
    });
  });

  describe('the link key ring', () => {
    it('is one secret that CloudFormation generates as {"current":"k1","k1":<64 letters and digits>}', () => {
      dev.resourceCountIs('AWS::SecretsManager::Secret', 1);
      dev.hasResourceProperties('AWS::SecretsManager::Secret', {
        GenerateSecretString: {
          SecretStringTemplate: '{"current":"k1"}',
          GenerateStringKey: 'k1',
          PasswordLength: 64,
          ExcludePunctuation: true,
        },
      });
    });

    it('has no automatic rotation (rotation is the manual key-ring procedure in docs/deploy.md)', () => {
      dev.resourceCountIs('AWS::SecretsManager::RotationSchedule', 0);
    });

    it('is retained on prod and destroyed with a dev stack', () => {
      prod.hasResource('AWS::SecretsManager::Secret', {
        DeletionPolicy: 'Retain',
        UpdateReplacePolicy: 'Retain',
      });
      dev.hasResource('AWS::SecretsManager::Secret', { DeletionPolicy: 'Delete' });
    });

    it('exports its ARN as a stack output', () => {
      dev.hasOutput('LinkKeysSecretArn', { Value: { Ref: logicalIdOf(devStacks.stateful.linkKeys.secret) } });
    });
  });

  describe("the key that seals the sources' webhook secrets", () => {
    it('is one symmetric KMS key with automatic rotation, aliased alias/rebound-<stage>', () => {
      dev.resourceCountIs('AWS::KMS::Key', 1);
      dev.hasResourceProperties('AWS::KMS::Key', {
        EnableKeyRotation: true,
        KeySpec: Match.absent(), // SYMMETRIC_DEFAULT
        KeyUsage: Match.absent(), // ENCRYPT_DECRYPT
      });
      dev.hasResourceProperties('AWS::KMS::Alias', {
        AliasName: 'alias/rebound-dev',
        TargetKeyId: { 'Fn::GetAtt': [logicalIdOf(devStacks.stateful.sourcesKey.key), 'Arn'] },
      });
      prod.hasResourceProperties('AWS::KMS::Alias', { AliasName: 'alias/rebound-prod' });
    });

    it('is retained on prod (without it no sealed secret opens again) and destroyed with a dev stack', () => {
      prod.hasResource('AWS::KMS::Key', {
        DeletionPolicy: 'Retain',
        UpdateReplacePolicy: 'Retain',
        Properties: Match.objectLike({ PendingWindowInDays: 30 }),
      });
      dev.hasResource('AWS::KMS::Key', {
        DeletionPolicy: 'Delete',
        Properties: Match.objectLike({ PendingWindowInDays: 7 }),
      });
    });

    it('exports its ARN beside the table name, the two outputs npm run sources -- --stage reads', () => {
      dev.hasOutput('SourcesKeyArn', {
        Value: { 'Fn::GetAtt': [logicalIdOf(devStacks.stateful.sourcesKey.key), 'Arn'] },
      });
      dev.hasOutput('TableName', { Value: { Ref: logicalIdOf(devStacks.stateful.table) } });
    });
  });

  describe('the schedule group', () => {
    it('is named from the stage config ("rebound" by default)', () => {
      dev.resourceCountIs('AWS::Scheduler::ScheduleGroup', 1);
      dev.hasResourceProperties('AWS::Scheduler::ScheduleGroup', { Name: 'rebound' });
    });
  });

  describe('SES', () => {
    it('has a configuration set with reputation metrics and required TLS', () => {
      dev.hasResourceProperties('AWS::SES::ConfigurationSet', {
        ReputationOptions: { ReputationMetricsEnabled: true },
        DeliveryOptions: { TlsPolicy: 'REQUIRE' },
      });
    });

    it('publishes bounces and complaints to the default EventBridge bus', () => {
      dev.hasResourceProperties('AWS::SES::ConfigurationSetEventDestination', {
        EventDestination: {
          Enabled: true,
          MatchingEventTypes: Match.arrayEquals(['bounce', 'complaint']),
          EventBridgeDestination: {
            EventBusArn: { 'Fn::Join': ['', Match.arrayWith([':event-bus/default'])] },
          },
        },
      });
    });

    it('verifies the mailFrom address on dev and the configured domain on prod', () => {
      dev.hasResourceProperties('AWS::SES::EmailIdentity', {
        EmailIdentity: 'reminders@example.com',
        ConfigurationSetAttributes: { ConfigurationSetName: Match.anyValue() },
      });
      prod.hasResourceProperties('AWS::SES::EmailIdentity', { EmailIdentity: 'mail.example.org' });
    });

    it('alarms on the account bounce and complaint rates', () => {
      for (const metric of ['Reputation.BounceRate', 'Reputation.ComplaintRate']) {
        dev.hasResourceProperties('AWS::CloudWatch::Alarm', {
          Namespace: 'AWS/SES',
          MetricName: metric,
          ComparisonOperator: 'GreaterThanOrEqualToThreshold',
          TreatMissingData: 'notBreaching',
          AlarmActions: Match.anyValue(),
        });
      }
    });
  });

  describe('alarm notifications', () => {
    it('come from alarms that fire on one period and treat no data as not breaching', () => {
      const alarms = Object.values(dev.findResources('AWS::CloudWatch::Alarm'));
      // Four dead-letter queues, SES bounce and complaint rates.
      expect(alarms).toHaveLength(6);
      for (const alarm of alarms) {
        expect(alarm.Properties).toMatchObject({ EvaluationPeriods: 1, TreatMissingData: 'notBreaching' });
        expect(alarm.Properties.AlarmActions).toEqual([{ Ref: logicalIdOf(devStacks.stateful.alarmTopic) }]);
      }
    });

    it('go to a TLS-only topic, with an email subscription only when alarmEmail is set', () => {
      dev.resourceCountIs('AWS::SNS::Subscription', 0);
      prod.hasResourceProperties('AWS::SNS::Subscription', {
        Protocol: 'email',
        Endpoint: 'ops@example.org',
      });
      dev.hasResourceProperties('AWS::SNS::TopicPolicy', {
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          ]),
        },
      });
    });
  });

  it('holds no function and no log group: code lives in the stateless stack', () => {
    dev.resourceCountIs('AWS::Lambda::Function', 0);
    dev.resourceCountIs('AWS::Logs::LogGroup', 0);
  });
});
