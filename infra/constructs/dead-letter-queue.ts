import { Duration, type RemovalPolicy, Validations } from 'aws-cdk-lib';
import type { Alarm, IAlarmAction } from 'aws-cdk-lib/aws-cloudwatch';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { onePeriodAlarm } from './alarms.ts';

export interface DeadLetterQueueProps {
  /** What lands here, for the alarm text and the queue description in the docs. */
  readonly purpose: string;
  /** Notified when the queue holds any message. */
  readonly alarmAction: IAlarmAction;
  /** What happens to the queue (and any parked messages) when the stack is deleted. */
  readonly removalPolicy: RemovalPolicy;
  /** @default Duration.days(14) (the SQS maximum: time to investigate and redrive) */
  readonly retentionPeriod?: Duration;
}

/**
 * A dead-letter queue: SSE-SQS encrypted, TLS-only, 14 days retention, and an alarm as soon as it is not
 * empty. Every message here is a reminder or event that needs a human.
 */
export class DeadLetterQueue extends Construct {
  public readonly queue: Queue;
  public readonly alarm: Alarm;

  public constructor(scope: Construct, id: string, props: DeadLetterQueueProps) {
    super(scope, id);
    this.queue = new Queue(this, 'Queue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: props.retentionPeriod ?? Duration.days(14),
      removalPolicy: props.removalPolicy,
    });
    Validations.of(this.queue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: 'This queue is itself a dead-letter queue (a failure destination); it needs no DLQ of its own.',
    });
    this.alarm = onePeriodAlarm(this, 'DepthAlarm', {
      description: `Dead-letter queue not empty: ${props.purpose}`,
      metric: this.queue.metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(5),
        statistic: 'Maximum',
      }),
      action: props.alarmAction,
    });
  }

  /**
   * Let one EventBridge rule park the events it could not deliver here. EventBridge sends to a rule's DLQ
   * under the queue's resource policy (there is no role to grant), so the rule is named by ARN: the rule
   * lives in the stateless stack, and referencing it by token from here would make the stacks depend on
   * each other.
   */
  public allowEventRule(ruleArn: string): void {
    this.queue.addToResourcePolicy(
      new PolicyStatement({
        principals: [new ServicePrincipal('events.amazonaws.com')],
        actions: ['sqs:SendMessage'],
        resources: [this.queue.queueArn],
        conditions: { ArnEquals: { 'aws:SourceArn': ruleArn } },
      }),
    );
  }
}
