import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import { DomainName } from 'aws-cdk-lib/aws-apigatewayv2';
import { Certificate } from 'aws-cdk-lib/aws-certificatemanager';
import type { IAlarmAction } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { AttributeType, BillingMode, StreamViewType, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { ScheduleGroup } from 'aws-cdk-lib/aws-scheduler';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Construct } from 'constructs';
import { AUDIT_TABLE_DEFINITION, TABLE_DEFINITION } from '../../shared/table-definition.ts';
import { ADMIN_PATHS, AdminIdentity } from '../constructs/admin-view.ts';
import { DeadLetterQueue } from '../constructs/dead-letter-queue.ts';
import { LinkKeyRing } from '../constructs/link-key-ring.ts';
import { Mail } from '../constructs/mail.ts';
import { sesFeedbackRuleArn } from '../constructs/ses-feedback.ts';
import { SourceSecretsKey } from '../constructs/source-secrets-key.ts';
import type { StageConfig } from '../stages.ts';

export interface StatefulStackProps extends StackProps {
  readonly config: StageConfig;
}

interface KeyDefinition {
  readonly name: string;
  readonly type: 'S' | 'N' | 'B';
}

/** What CDK reads from `TABLE_DEFINITION`. The TTL attribute is optional: the table has one only if it says so. */
interface TableShape {
  readonly partitionKey: KeyDefinition;
  readonly sortKey: KeyDefinition;
  readonly globalSecondaryIndexes: readonly {
    readonly indexName: string;
    readonly partitionKey: KeyDefinition;
    readonly sortKey: KeyDefinition;
  }[];
  readonly timeToLiveAttribute?: string;
  readonly streamViewType: keyof typeof StreamViewType;
}
const TABLE: TableShape = TABLE_DEFINITION;

const attribute = (key: KeyDefinition) => ({
  name: key.name,
  type: { S: AttributeType.STRING, N: AttributeType.NUMBER, B: AttributeType.BINARY }[key.type],
});

/**
 * Everything that holds data or identity and must outlive a redeploy of the code: the table, the audit
 * table, the dead-letter queues, the schedule group, SES, the link key ring, the key that seals the sources'
 * secrets, the admin user pool, and the alarm topic. The stateless stack only references it.
 */
export class StatefulStack extends Stack {
  public readonly table: Table;
  /** The admin actions' audit trail (`AUDIT_TABLE_DEFINITION`): only the admin function may use it. */
  public readonly auditTable: Table;
  /** Who may sign in to the admin view: the user pool, its groups and the managed login domain. */
  public readonly adminIdentity: AdminIdentity;
  public readonly scheduleGroup: ScheduleGroup;
  /** Failed stream batches of the planner (the ESM's on-failure destination). */
  public readonly plannerDlq: DeadLetterQueue;
  /** Async invocations of the sender that failed after Lambda's retries. */
  public readonly senderDlq: DeadLetterQueue;
  /** Reminder timers that EventBridge Scheduler could not deliver to the sender. */
  public readonly schedulerDlq: DeadLetterQueue;
  /** SES bounce/complaint events the feedback rule could not deliver, or the feedback function failed on. */
  public readonly feedbackDlq: DeadLetterQueue;
  public readonly mail: Mail;
  /** The keys that sign the links in emails (a Secrets Manager secret). */
  public readonly linkKeys: LinkKeyRing;
  /** The KMS key that seals the sources' webhook secrets (stored in the table). */
  public readonly sourcesKey: SourceSecretsKey;
  /**
   * The HTTP API's custom domain, when `domainName` is configured. Here, not with the API: links in emails
   * point at it, and its DNS target (`DomainTarget`) must not change when the stateless stack is redeployed.
   */
  public readonly apiDomain?: DomainName;
  public readonly alarmTopic: Topic;
  public readonly alarmAction: IAlarmAction;

  public constructor(scope: Construct, id: string, props: StatefulStackProps) {
    super(scope, id, props);
    const { config } = props;
    const prod = config.stage === 'prod';

    this.alarmTopic = new Topic(this, 'AlarmTopic', {
      displayName: `Rebound ${config.stage} alarms`,
      enforceSSL: true,
    });
    // No KMS on purpose: CloudWatch cannot publish to a topic under the AWS managed SNS key, and the
    // notifications carry only alarm names and states.
    if (config.alarmEmail) this.alarmTopic.addSubscription(new EmailSubscription(config.alarmEmail));
    this.alarmAction = new SnsAction(this.alarmTopic);

    this.table = new Table(this, 'Table', {
      partitionKey: attribute(TABLE.partitionKey),
      sortKey: attribute(TABLE.sortKey),
      billingMode: BillingMode.PAY_PER_REQUEST,
      stream: StreamViewType[TABLE.streamViewType],
      timeToLiveAttribute: TABLE.timeToLiveAttribute,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      // KMS key owned by the account (aws/dynamodb), so key use shows up in CloudTrail; no key policy to manage.
      encryption: TableEncryption.AWS_MANAGED,
      deletionProtection: prod,
      removalPolicy: config.removalPolicy,
    });
    for (const gsi of TABLE.globalSecondaryIndexes) {
      this.table.addGlobalSecondaryIndex({
        indexName: gsi.indexName,
        partitionKey: attribute(gsi.partitionKey),
        sortKey: attribute(gsi.sortKey),
      });
    }

    // Its own table, not items in the main one, so that no role but the admin function's can read it; the
    // same protection as the main table (an audit trail that can be lost or rewritten is none).
    this.auditTable = new Table(this, 'AuditTable', {
      partitionKey: attribute(AUDIT_TABLE_DEFINITION.partitionKey),
      sortKey: attribute(AUDIT_TABLE_DEFINITION.sortKey),
      billingMode: BillingMode.PAY_PER_REQUEST,
      timeToLiveAttribute: AUDIT_TABLE_DEFINITION.timeToLiveAttribute,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: TableEncryption.AWS_MANAGED,
      deletionProtection: prod,
      removalPolicy: config.removalPolicy,
    });

    this.scheduleGroup = new ScheduleGroup(this, 'ScheduleGroup', {
      scheduleGroupName: config.scheduleGroupName,
      // Deleting a group deletes every schedule in it, i.e. every pending reminder timer.
      removalPolicy: config.removalPolicy,
    });

    const dlq = (id: string, purpose: string) =>
      new DeadLetterQueue(this, id, {
        purpose: `${config.stage}: ${purpose}`,
        alarmAction: this.alarmAction,
        removalPolicy: config.removalPolicy,
      });
    this.plannerDlq = dlq('PlannerDlq', 'stream batches the planner failed on (shard + sequence numbers)');
    this.senderDlq = dlq('SenderDlq', 'sender invocations that failed after Lambda async retries');
    this.schedulerDlq = dlq('SchedulerDlq', 'timers EventBridge Scheduler could not deliver');
    this.feedbackDlq = dlq(
      'FeedbackDlq',
      'SES bounces/complaints not delivered to, or failed in, the feedback function (addresses not yet suppressed)',
    );
    this.feedbackDlq.allowEventRule(sesFeedbackRuleArn(this, config.stage));

    this.mail = new Mail(this, 'Mail', {
      mailFrom: config.mailFrom,
      domain: config.sesDomain,
      alarmAction: this.alarmAction,
    });

    this.linkKeys = new LinkKeyRing(this, 'LinkKeys', {
      description: `Rebound ${config.stage}: keys that sign links in emails ({"current": kid, kid: key, ...}); rotate by hand, see docs/deploy.md`,
      // Losing the ring breaks every link in every email already sent, unsubscribe links included.
      removalPolicy: config.removalPolicy,
    });

    this.sourcesKey = new SourceSecretsKey(this, 'SourcesKey', {
      stage: config.stage,
      removalPolicy: config.removalPolicy,
    });

    this.adminIdentity = new AdminIdentity(this, 'Admin', {
      stage: config.stage,
      prod,
      // Losing the pool loses every operator account and its MFA secret.
      removalPolicy: config.removalPolicy,
      domainPrefix: config.adminDomainPrefix,
      adminUrl: config.domainName ? `https://${config.domainName}${ADMIN_PATHS.home}` : undefined,
    });

    if (config.domainName && config.certificateArn) {
      this.apiDomain = new DomainName(this, 'ApiDomain', {
        domainName: config.domainName,
        certificate: Certificate.fromCertificateArn(this, 'ApiCertificate', config.certificateArn),
      });
      new CfnOutput(this, 'DomainTarget', {
        value: this.apiDomain.regionalDomainName,
        description: `Point a DNS record (CNAME or alias) for ${config.domainName} at this name`,
      });
    }

    new CfnOutput(this, 'TableName', { value: this.table.tableName, description: 'DynamoDB single table' });
    new CfnOutput(this, 'ScheduleGroupName', {
      value: this.scheduleGroup.scheduleGroupName,
      description: 'EventBridge Scheduler group holding one schedule per pending reminder',
    });
    new CfnOutput(this, 'LinkKeysSecretArn', {
      value: this.linkKeys.secretArn,
      description: 'Secrets Manager secret holding the link key ring (rotation: docs/deploy.md)',
    });
    // `npm run sources -- --stage <stage>` reads TableName and this output (scripts/sources.ts).
    new CfnOutput(this, 'SourcesKeyArn', {
      value: this.sourcesKey.keyArn,
      description: `KMS key (${this.sourcesKey.aliasName}) that seals the sources' webhook secrets`,
    });
    new CfnOutput(this, 'AuditTableName', {
      value: this.auditTable.tableName,
      description: 'DynamoDB table of the admin actions (who did what, when)',
    });
    new CfnOutput(this, 'AdminUserPoolId', {
      value: this.adminIdentity.userPool.userPoolId,
      description:
        'Cognito user pool of the admin view: invite operators here (docs/deploy.md, "The admin view")',
    });
    new CfnOutput(this, 'AdminLoginDomain', {
      value: this.adminIdentity.loginBaseUrl,
      description: 'Managed login (Cognito prefix domain) where operators sign in',
    });
    new CfnOutput(this, 'AlarmTopicArn', {
      value: this.alarmTopic.topicArn,
      description: 'Subscribe to get alarms',
    });
  }
}
