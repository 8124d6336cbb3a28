import { Duration, Stack, Validations } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement, type Role } from 'aws-cdk-lib/aws-iam';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { EnvironmentOf, FunctionName } from '../../shared/config.ts';
import { type LinkSigning, linkEnvironment } from './link-key-ring.ts';
import type { Mail } from './mail.ts';
import { type FunctionDefaults, ReboundFunction } from './rebound-function.ts';
import { schedulerRole } from './scheduler-role.ts';

export interface ReminderTimersProps {
  /** Log settings of the stage, for the sender. */
  readonly functionDefaults: FunctionDefaults;
  /** The EventBridge Scheduler group that holds one one-time schedule per pending reminder. */
  readonly scheduleGroupName: string;
  /** The single table: the sender reads due reminders and writes digests. */
  readonly table: ITable;
  /** The SES identity the sender sends as. */
  readonly mail: Mail;
  /** Where the links in reminder emails point, and the key ring that signs them. */
  readonly linkSigning: LinkSigning;
  /** Where Scheduler parks a timer it could not deliver to the sender. */
  readonly timerDeadLetterQueue: IQueue;
  /** Where Lambda parks a sender invocation that failed after its async retries. */
  readonly senderDeadLetterQueue: IQueue;
}

/** The part of the planner's config that tells it how to build timers. */
export type TimerTargetEnvironment = Pick<
  EnvironmentOf<'planner'>,
  'SCHEDULE_GROUP' | 'SENDER_FUNCTION_ARN' | 'SCHEDULER_ROLE_ARN' | 'SCHEDULER_DLQ_ARN'
>;

/**
 * Reminder timers: a one-time EventBridge Scheduler schedule per pending reminder, created at runtime by
 * the planner, fires the sender.
 * - the sender function (the only target a timer may have), with async retries and an on-failure queue;
 * - the role Scheduler assumes to deliver a timer: assumable only by Scheduler for this account's group,
 *   it may invoke only the sender and park only in the timer DLQ;
 * - `allowManageTimers(fn)`: what a function needs to create, update and delete timers.
 */
export class ReminderTimers extends Construct {
  public readonly sender: ReboundFunction<'sender'>;
  public readonly schedulerRole: Role;
  /** The environment a function needs to build timer requests (see `shared/adapters/scheduler-timers.ts`). */
  public readonly targetEnvironment: TimerTargetEnvironment;
  private readonly scheduleGroupName: string;

  public constructor(scope: Construct, id: string, props: ReminderTimersProps) {
    super(scope, id);
    this.scheduleGroupName = props.scheduleGroupName;

    this.sender = new ReboundFunction(this, 'Sender', {
      ...props.functionDefaults,
      name: 'sender',
      description: 'Sends the due reminders of one user (EventBridge Scheduler target)',
      config: {
        TABLE_NAME: props.table.tableName,
        ...props.mail.senderConfig,
        ...linkEnvironment(props.linkSigning),
      },
    });
    this.sender.bindTable(props.table, 'readWrite');
    this.sender.allowSendEmail(props.mail);
    this.sender.allowReadLinkKeys(props.linkSigning.keyRing);
    // Scheduler invokes Lambda asynchronously: Lambda retries twice, then parks the event for a human.
    // The reconciler also picks the reminder up again once it is overdue.
    this.sender.configureAsyncInvoke({
      retryAttempts: 2,
      maxEventAge: Duration.hours(6),
      onFailure: new SqsDestination(props.senderDeadLetterQueue),
    });

    this.schedulerRole = schedulerRole(this, 'SchedulerRole', {
      description: 'Assumed by EventBridge Scheduler to deliver reminder timers to the sender',
      scheduleGroupName: props.scheduleGroupName,
    });
    // Exactly the unqualified sender ARN the planner puts into every schedule: no versions, no aliases
    // (`grantInvoke` would add `:*`).
    this.schedulerRole.addToPolicy(
      new PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [this.sender.functionArn] }),
    );
    // Only SendMessage: Scheduler needs neither the queue URL nor its attributes (`grantSendMessages` adds both).
    this.schedulerRole.addToPolicy(
      new PolicyStatement({ actions: ['sqs:SendMessage'], resources: [props.timerDeadLetterQueue.queueArn] }),
    );

    this.targetEnvironment = {
      SCHEDULE_GROUP: props.scheduleGroupName,
      SENDER_FUNCTION_ARN: this.sender.functionArn,
      SCHEDULER_ROLE_ARN: this.schedulerRole.roleArn,
      SCHEDULER_DLQ_ARN: props.timerDeadLetterQueue.queueArn,
    };
  }

  /**
   * Let `fn` create, update and delete timers, only inside the schedule group, and hand them only the
   * Scheduler role. No `GetSchedule`: the planner never reads a timer back (UpdateSchedule replaces it whole).
   */
  public allowManageTimers(fn: ReboundFunction<FunctionName>): void {
    const stack = Stack.of(this);
    fn.addToRolePolicy(
      new PolicyStatement({
        actions: ['scheduler:CreateSchedule', 'scheduler:UpdateSchedule', 'scheduler:DeleteSchedule'],
        resources: [
          stack.formatArn({
            service: 'scheduler',
            resource: 'schedule',
            resourceName: `${this.scheduleGroupName}/*`,
          }),
        ],
      }),
    );
    fn.addToRolePolicy(
      new PolicyStatement({
        actions: ['iam:PassRole'],
        resources: [this.schedulerRole.roleArn],
        conditions: { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } },
      }),
    );
    Validations.of(fn.functionRole).acknowledge({
      id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:scheduler:<AWS::Region>:<AWS::AccountId>:schedule/${this.scheduleGroupName}/*]`,
      reason:
        'One schedule per reminder, named at runtime: the function may manage any schedule, but only inside the Rebound group.',
    });
  }
}
