import { Duration, type RemovalPolicy, Validations } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, type IAlarmAction, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

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
    this.alarm = new Alarm(this, 'DepthAlarm', {
      alarmDescription: `Dead-letter queue not empty: ${props.purpose}`,
      metric: this.queue.metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(5),
        statistic: 'Maximum',
      }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    this.alarm.addAlarmAction(props.alarmAction);
  }
}
