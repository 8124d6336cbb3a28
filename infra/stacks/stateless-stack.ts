import {
  CfnOutput,
  CrossStackReferences,
  Duration,
  ReferenceStrength,
  Stack,
  type StackProps,
  Validations,
} from 'aws-cdk-lib';
import type { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import { ComparisonOperator } from 'aws-cdk-lib/aws-cloudwatch';
import type { Role } from 'aws-cdk-lib/aws-iam';
import { FilterCriteria, StartingPosition } from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { Construct } from 'constructs';
import { PLANNER_STREAM_FILTER } from '../../shared/table-definition.ts';
import { PLANNER_STREAM_MAPPING } from '../../shared/wiring.ts';
import { onePeriodAlarm } from '../constructs/alarms.ts';
import { IntakeApi } from '../constructs/intake-api.ts';
import { type FunctionDefaults, ReboundFunction } from '../constructs/rebound-function.ts';
import { Reconciler } from '../constructs/reconciler.ts';
import { ReminderTimers } from '../constructs/reminder-timers.ts';
import type { StageConfig } from '../stages.ts';
import type { StatefulStack } from './stateful-stack.ts';

export interface StatelessStackProps extends StackProps {
  readonly config: StageConfig;
  readonly stateful: StatefulStack;
}

/**
 * The code: the intake API, the planner on the table stream, the reminder timers (sender and Scheduler
 * role) and the reconciler. Safe to destroy and redeploy; all state lives in the stateful stack.
 */
export class StatelessStack extends Stack {
  public readonly ingest: ReboundFunction<'ingest'>;
  public readonly planner: ReboundFunction<'planner'>;
  public readonly sender: ReboundFunction<'sender'>;
  public readonly reconciler: ReboundFunction<'reconciler'>;
  public readonly schedulerRole: Role;
  public readonly api: HttpApi;

  public constructor(scope: Construct, id: string, props: StatelessStackProps) {
    super(scope, id, props);
    // Explicitly strong (Fn::ImportValue): CloudFormation refuses to delete or replace a table, queue or identity
    // the functions still use. Removing one takes two deploys (drop the use, then the resource); that is the point.
    CrossStackReferences.of(this).consume(ReferenceStrength.STRONG);
    const { config, stateful } = props;
    const { table, mail, alarmAction } = stateful;
    const functionDefaults: FunctionDefaults = {
      logRetention: config.logRetention,
      logRemovalPolicy: config.removalPolicy,
      logLevel: config.logLevel,
    };

    // Timers first: the planner's environment names the sender and the Scheduler role.
    const timers = new ReminderTimers(this, 'Timers', {
      functionDefaults,
      scheduleGroupName: config.scheduleGroupName,
      table,
      mail,
      timerDeadLetterQueue: stateful.schedulerDlq.queue,
      senderDeadLetterQueue: stateful.senderDlq.queue,
    });

    this.planner = new ReboundFunction(this, 'Planner', {
      ...functionDefaults,
      name: 'planner',
      description: 'Plans reminders from new intake events (DynamoDB stream) and keeps their timers in sync',
      config: { TABLE_NAME: table.tableName, ...timers.targetEnvironment },
    });
    this.planner.bindTable(table, 'readWrite');
    timers.allowManageTimers(this.planner);
    this.planner.addEventSource(
      new DynamoEventSource(table, {
        // LATEST would drop the events written while the mapping is being created or re-created.
        startingPosition: StartingPosition.TRIM_HORIZON,
        filters: [FilterCriteria.filter(PLANNER_STREAM_FILTER)],
        batchSize: PLANNER_STREAM_MAPPING.batchSize,
        maxBatchingWindow: Duration.seconds(1),
        reportBatchItemFailures: PLANNER_STREAM_MAPPING.reportBatchItemFailures,
        bisectBatchOnError: PLANNER_STREAM_MAPPING.bisectBatchOnFunctionError,
        retryAttempts: PLANNER_STREAM_MAPPING.retryAttempts,
        maxRecordAge: Duration.seconds(PLANNER_STREAM_MAPPING.maxRecordAgeSeconds),
        onFailure: new SqsDlq(stateful.plannerDlq.queue),
      }),
    );
    Validations.of(this.planner.functionRole).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'dynamodb:ListStreams supports no resource-level permissions; added by DynamoEventSource for the stream poller.',
    });
    onePeriodAlarm(this, 'PlannerIteratorAgeAlarm', {
      description: `${this.stackName}: the planner is more than 5 minutes behind the table stream`,
      metric: this.planner.metric('IteratorAge', { statistic: 'Maximum', period: Duration.minutes(5) }),
      threshold: Duration.minutes(5).toMilliseconds(),
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      action: alarmAction,
    });

    const intake = new IntakeApi(this, 'Intake', {
      functionDefaults,
      table,
      throttle: config.apiThrottle,
      alarmAction,
      description: `Rebound ${config.stage} intake`,
    });

    const reconciler = new Reconciler(this, 'Reconcile', {
      functionDefaults,
      table,
      mail,
      reconcileAfterMinutes: config.reconcileAfterMinutes,
      deadLetterQueue: stateful.schedulerDlq.queue,
      alarmAction,
    });

    this.ingest = intake.ingest;
    this.sender = timers.sender;
    this.reconciler = reconciler.function;
    this.schedulerRole = timers.schedulerRole;
    this.api = intake.api;
    for (const fn of [this.ingest, this.planner, this.sender, this.reconciler]) fn.addErrorAlarm(alarmAction);

    new CfnOutput(this, 'ApiUrl', {
      value: intake.url,
      description: 'Base URL of the intake API (POST /events)',
    });
  }
}
