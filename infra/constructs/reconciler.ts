import { Duration, Stack, Validations } from 'aws-cdk-lib';
import { type IAlarmAction, Metric } from 'aws-cdk-lib/aws-cloudwatch';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { Schedule, ScheduleExpression } from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { POWERTOOLS, RECONCILER_RATE_MINUTES } from '../../shared/wiring.ts';
import { onePeriodAlarm } from './alarms.ts';
import { type LinkSigning, linkEnvironment } from './link-key-ring.ts';
import type { Mail } from './mail.ts';
import { type FunctionDefaults, ReboundFunction } from './rebound-function.ts';
import { schedulerRole } from './scheduler-role.ts';

export interface ReconcilerProps {
  /** Log settings of the stage. */
  readonly functionDefaults: FunctionDefaults;
  /** The single table: the reconciler queries overdue reminders and stuck digests, and settles them. */
  readonly table: ITable;
  /** The SES identity the reconciler sends as. */
  readonly mail: Mail;
  /** Where the links in the reminder emails it sends point, and the key ring that signs them. */
  readonly linkSigning: LinkSigning;
  /** A pending reminder this many minutes past due counts as having lost its timer. */
  readonly reconcileAfterMinutes: number;
  /** Where Scheduler parks a run it could not deliver. */
  readonly deadLetterQueue: IQueue;
  /** Notified when digests are stuck or timers are being lost. */
  readonly alarmAction: IAlarmAction;
}

/**
 * The safety net for lost timers: the reconciler function, started every `RECONCILER_RATE_MINUTES` by a
 * recurring EventBridge Scheduler schedule, and alarms on the two metrics it publishes.
 */
export class Reconciler extends Construct {
  public readonly function: ReboundFunction<'reconciler'>;
  public readonly schedule: Schedule;

  public constructor(scope: Construct, id: string, props: ReconcilerProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const fn = new ReboundFunction(this, 'Function', {
      ...props.functionDefaults,
      name: 'reconciler',
      description: `Every ${RECONCILER_RATE_MINUTES} minutes: sends pending reminders whose timer was lost`,
      timeout: Duration.minutes(2),
      config: {
        TABLE_NAME: props.table.tableName,
        ...props.mail.senderConfig,
        ...linkEnvironment(props.linkSigning),
        RECONCILE_AFTER_MINUTES: String(props.reconcileAfterMinutes),
      },
    });
    fn.bindTable(props.table, 'readWrite');
    fn.allowSendEmail(props.mail);
    fn.allowReadLinkKeys(props.linkSigning.keyRing);
    // The next run is minutes away: a retry would only overlap it.
    fn.configureAsyncInvoke({ retryAttempts: 0 });
    this.function = fn;

    // The default group: the Rebound group holds only per-reminder timers the planner manages.
    const role = schedulerRole(this, 'ScheduleRole', {
      description: 'Assumed by EventBridge Scheduler to start the reconciler',
      scheduleGroupName: 'default',
    });
    this.schedule = new Schedule(this, 'Schedule', {
      description: 'Rebound: send reminders whose timer was lost',
      schedule: ScheduleExpression.rate(Duration.minutes(RECONCILER_RATE_MINUTES)),
      target: new LambdaInvoke(fn, {
        role,
        deadLetterQueue: props.deadLetterQueue,
        retryAttempts: 2,
        // Give up on a run before the next one is due, so two runs never overlap.
        maxEventAge: Duration.minutes(Math.max(1, RECONCILER_RATE_MINUTES - 1)),
      }),
    });
    Validations.of(role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${stack.getLogicalId(fn.node.defaultChild as CfnFunction)}.Arn>:*]`,
      reason:
        'LambdaInvoke grants the function ARN and its qualified versions/aliases (":*"); only this one function.',
    });

    // A digest stuck in `sending` may or may not have been emailed and is never resent, so a person must look;
    // a reminder the reconciler had to send means timers are being lost.
    const reconcilerMetric = (metricName: string) =>
      new Metric({
        namespace: POWERTOOLS.namespace,
        metricName,
        dimensionsMap: { service: POWERTOOLS.service },
        statistic: 'Maximum',
        period: Duration.minutes(15),
      });
    onePeriodAlarm(this, 'StuckDigestsAlarm', {
      description: `${stack.stackName}: an email may or may not have gone out; check the digest and its reminders`,
      metric: reconcilerMetric('StuckDigests'),
      action: props.alarmAction,
    });
    onePeriodAlarm(this, 'RemindersRecoveredAlarm', {
      description: `${stack.stackName}: reminders were sent by the reconciler: timers are being lost`,
      metric: reconcilerMetric('RemindersRecovered'),
      action: props.alarmAction,
    });
  }
}
