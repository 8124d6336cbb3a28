import {
  CfnOutput,
  CrossStackReferences,
  Duration,
  ReferenceStrength,
  Stack,
  type StackProps,
  Validations,
} from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import { HttpApi, HttpMethod, HttpStage, LogGroupLogDestination } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { Alarm, ComparisonOperator, Metric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { type CfnFunction, FilterCriteria, StartingPosition } from 'aws-cdk-lib/aws-lambda';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import { DynamoEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import { Schedule, ScheduleExpression } from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import type { Construct } from 'constructs';
import { PLANNER_STREAM_FILTER } from '../../shared/table-definition.ts';
import { POWERTOOLS_METRICS, ReboundFunction } from '../constructs/rebound-function.ts';
import type { StageConfig } from '../stages.ts';
import type { StatefulStack } from './stateful-stack.ts';

export interface StatelessStackProps extends StackProps {
  readonly config: StageConfig;
  readonly stateful: StatefulStack;
}

/** Stream settings of the planner's event source mapping, exported for the infra tests. */
export const PLANNER_STREAM_SETTINGS = {
  batchSize: 25,
  retryAttempts: 3,
  // Records older than this go to the DLQ (as shard/sequence pointers) instead of blocking the shard.
  maxRecordAge: Duration.hours(6),
} as const;

/**
 * The code: four functions, the HTTP API, the stream wiring, the Scheduler execution role and the
 * recurring reconcile schedule. Safe to destroy and redeploy; all state lives in the stateful stack.
 *
 * Construction order avoids a dependency cycle: sender → Scheduler role (may invoke the sender) →
 * planner (needs both ARNs in its environment).
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
    const common = {
      logRetention: config.logRetention,
      logRemovalPolicy: config.removalPolicy,
      logLevel: config.logLevel,
    };
    const mailConfig = {
      TABLE_NAME: table.tableName,
      MAIL_FROM: config.mailFrom,
      SES_CONFIGURATION_SET: mail.configurationSet.configurationSetName,
    };
    const mailGrant = {
      identityArn: mail.identity.emailIdentityArn,
      configurationSetArn: mail.configurationSetArn,
    };

    // --- sender: the target of every reminder timer -------------------------------------------------------
    this.sender = new ReboundFunction(this, 'Sender', {
      ...common,
      name: 'sender',
      description: 'Sends the due reminders of one user (EventBridge Scheduler target)',
      config: mailConfig,
    });
    this.sender.bindTable(table, 'readWrite');
    this.sender.allowSendEmail(mailGrant);
    // Scheduler invokes Lambda asynchronously: Lambda retries twice, then parks the event for a human.
    // The reconciler also picks the reminder up again once it is overdue.
    this.sender.configureAsyncInvoke({
      retryAttempts: 2,
      maxEventAge: Duration.hours(6),
      onFailure: new SqsDestination(stateful.senderDlq.queue),
    });

    // --- the role EventBridge Scheduler assumes for one-time reminder schedules --------------------------
    const scheduleGroupArn = this.formatArn({
      service: 'scheduler',
      resource: 'schedule-group',
      resourceName: config.scheduleGroupName,
    });
    this.schedulerRole = new Role(this, 'SchedulerRole', {
      description: 'Assumed by EventBridge Scheduler to deliver reminder timers to the sender',
      assumedBy: new ServicePrincipal('scheduler.amazonaws.com', {
        conditions: {
          StringEquals: { 'aws:SourceAccount': this.account },
          ArnEquals: { 'aws:SourceArn': scheduleGroupArn },
        },
      }),
    });
    // Exactly the unqualified sender ARN the planner puts into every schedule: no versions, no aliases.
    this.schedulerRole.addToPolicy(
      new PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [this.sender.functionArn] }),
    );
    this.schedulerRole.addToPolicy(
      new PolicyStatement({
        actions: ['sqs:SendMessage'],
        resources: [stateful.schedulerDlq.queue.queueArn],
      }),
    );

    // --- planner: stream → reminders → one-time schedules -------------------------------------------------
    this.planner = new ReboundFunction(this, 'Planner', {
      ...common,
      name: 'planner',
      description: 'Plans reminders from new intake events (DynamoDB stream) and keeps their timers in sync',
      config: {
        TABLE_NAME: table.tableName,
        SCHEDULE_GROUP: config.scheduleGroupName,
        SENDER_FUNCTION_ARN: this.sender.functionArn,
        SCHEDULER_ROLE_ARN: this.schedulerRole.roleArn,
        SCHEDULER_DLQ_ARN: stateful.schedulerDlq.queue.queueArn,
      },
    });
    this.planner.bindTable(table, 'readWrite');
    const scheduleArns = this.formatArn({
      service: 'scheduler',
      resource: 'schedule',
      resourceName: `${config.scheduleGroupName}/*`,
    });
    this.planner.addToRolePolicy(
      new PolicyStatement({
        actions: [
          'scheduler:CreateSchedule',
          'scheduler:UpdateSchedule',
          'scheduler:DeleteSchedule',
          'scheduler:GetSchedule',
        ],
        resources: [scheduleArns],
      }),
    );
    this.planner.addToRolePolicy(
      new PolicyStatement({
        actions: ['iam:PassRole'],
        resources: [this.schedulerRole.roleArn],
        conditions: { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } },
      }),
    );
    Validations.of(this.planner.functionRole).acknowledge({
      id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:scheduler:<AWS::Region>:<AWS::AccountId>:schedule/${config.scheduleGroupName}/*]`,
      reason:
        'One schedule per reminder, named at runtime: the planner may manage any schedule, but only inside the Rebound group.',
    });
    this.planner.addEventSource(
      new DynamoEventSource(table, {
        // LATEST would drop the events written while the mapping is being created or re-created.
        startingPosition: StartingPosition.TRIM_HORIZON,
        filters: [FilterCriteria.filter(PLANNER_STREAM_FILTER)],
        batchSize: PLANNER_STREAM_SETTINGS.batchSize,
        maxBatchingWindow: Duration.seconds(1),
        reportBatchItemFailures: true,
        bisectBatchOnError: true,
        retryAttempts: PLANNER_STREAM_SETTINGS.retryAttempts,
        maxRecordAge: PLANNER_STREAM_SETTINGS.maxRecordAge,
        onFailure: new SqsDlq(stateful.plannerDlq.queue),
      }),
    );
    Validations.of(this.planner.functionRole).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'dynamodb:ListStreams supports no resource-level permissions; added by DynamoEventSource for the stream poller.',
    });
    const iteratorAge = new Alarm(this, 'PlannerIteratorAgeAlarm', {
      alarmDescription: `${this.stackName}: the planner is more than 5 minutes behind the table stream`,
      metric: this.planner.metric('IteratorAge', { statistic: 'Maximum', period: Duration.minutes(5) }),
      threshold: Duration.minutes(5).toMilliseconds(),
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    iteratorAge.addAlarmAction(alarmAction);

    // --- ingest: POST /events -------------------------------------------------------------------------------
    this.ingest = new ReboundFunction(this, 'Ingest', {
      ...common,
      name: 'ingest',
      description: 'POST /events: validates and stores one intake event',
      timeout: Duration.seconds(10),
      config: { TABLE_NAME: table.tableName },
    });
    this.ingest.bindTable(table, 'append');

    this.api = new HttpApi(this, 'Api', {
      description: `Rebound ${config.stage} intake`,
      // The default stage is created below, with throttling and access logs.
      createDefaultStage: false,
    });
    this.api.addRoutes({
      path: '/events',
      methods: [HttpMethod.POST],
      integration: new HttpLambdaIntegration('IngestIntegration', this.ingest),
    });
    const accessLogs = new LogGroup(this, 'ApiAccessLogs', {
      retention: config.logRetention,
      removalPolicy: config.removalPolicy,
    });
    const stage = new HttpStage(this, 'ApiDefaultStage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      throttle: config.apiThrottle,
      accessLogSettings: {
        destination: new LogGroupLogDestination(accessLogs),
        format: AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            ip: '$context.identity.sourceIp',
            requestTime: '$context.requestTime',
            routeKey: '$context.routeKey',
            status: '$context.status',
            responseLength: '$context.responseLength',
            latencyMs: '$context.responseLatency',
            integrationError: '$context.integrationErrorMessage',
          }),
        ),
      },
    });
    // The ingest handler maps its errors to HTTP responses, so 5xx show up here rather than as Lambda errors.
    const serverErrors = new Alarm(this, 'ApiServerErrorsAlarm', {
      alarmDescription: `${this.stackName}: POST /events answered 5xx`,
      metric: this.api.metricServerError({ period: Duration.minutes(5), statistic: 'Sum' }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    serverErrors.addAlarmAction(alarmAction);
    Validations.of(this.api).acknowledge({
      id: 'AwsSolutions-APIG4',
      reason:
        'Intake is public in this release: bodies are schema-validated and the stage is throttled; an authorizer is tracked as a follow-up.',
    });

    // --- reconciler: the safety net for lost timers, every 5 minutes --------------------------------------
    this.reconciler = new ReboundFunction(this, 'Reconciler', {
      ...common,
      name: 'reconciler',
      description: 'Every 5 minutes: sends pending reminders whose timer was lost',
      timeout: Duration.minutes(2),
      config: { ...mailConfig, RECONCILE_AFTER_MINUTES: String(config.reconcileAfterMinutes) },
    });
    this.reconciler.bindTable(table, 'readWrite');
    this.reconciler.allowSendEmail(mailGrant);
    // The next run is 5 minutes away: a retry would only overlap it.
    this.reconciler.configureAsyncInvoke({ retryAttempts: 0 });
    const reconcileRole = new Role(this, 'ReconcileScheduleRole', {
      description: 'Assumed by EventBridge Scheduler to start the reconciler',
      assumedBy: new ServicePrincipal('scheduler.amazonaws.com', {
        conditions: {
          StringEquals: { 'aws:SourceAccount': this.account },
          ArnEquals: {
            'aws:SourceArn': this.formatArn({
              service: 'scheduler',
              resource: 'schedule-group',
              resourceName: 'default',
            }),
          },
        },
      }),
    });
    new Schedule(this, 'ReconcileSchedule', {
      description: 'Rebound: send reminders whose timer was lost',
      // The default group: the Rebound group holds only per-reminder timers the planner manages.
      schedule: ScheduleExpression.rate(Duration.minutes(5)),
      target: new LambdaInvoke(this.reconciler, {
        role: reconcileRole,
        deadLetterQueue: stateful.schedulerDlq.queue,
        retryAttempts: 2,
        maxEventAge: Duration.minutes(4),
      }),
    });
    Validations.of(reconcileRole).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${this.getLogicalId(this.reconciler.node.defaultChild as CfnFunction)}.Arn>:*]`,
      reason:
        'LambdaInvoke grants the function ARN and its qualified versions/aliases (":*"); only this one function.',
    });

    for (const fn of [this.ingest, this.planner, this.sender, this.reconciler]) fn.addErrorAlarm(alarmAction);

    // The reconciler's own Powertools metrics (namespace and service set by ReboundFunction): a digest stuck
    // in `sending` may or may not have been emailed and is never resent, so a person must look; a reminder
    // the reconciler had to send means timers are being lost.
    const reconcilerMetric = (metricName: string) =>
      new Metric({
        namespace: POWERTOOLS_METRICS.namespace,
        metricName,
        dimensionsMap: { service: POWERTOOLS_METRICS.service },
        statistic: 'Maximum',
        period: Duration.minutes(15),
      });
    for (const [id, metricName, description] of [
      [
        'StuckDigestsAlarm',
        'StuckDigests',
        'an email may or may not have gone out; check the digest and its reminders',
      ],
      [
        'RemindersRecoveredAlarm',
        'RemindersRecovered',
        'reminders were sent by the reconciler: timers are being lost',
      ],
    ] as const) {
      new Alarm(this, id, {
        alarmDescription: `${this.stackName}: ${description}`,
        metric: reconcilerMetric(metricName),
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }).addAlarmAction(alarmAction);
    }

    new CfnOutput(this, 'ApiUrl', {
      value: stage.url,
      description: 'Base URL of the intake API (POST /events)',
    });
    // Placeholder: the admin view arrives in a later issue; the output exists so docs and scripts can rely on it.
    new CfnOutput(this, 'AdminUrl', { value: `${stage.url}admin`, description: 'Admin view (coming later)' });
  }
}
