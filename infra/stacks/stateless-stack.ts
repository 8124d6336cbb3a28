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
import { ComparisonOperator, Metric } from 'aws-cdk-lib/aws-cloudwatch';
import type { Rule } from 'aws-cdk-lib/aws-events';
import type { Role } from 'aws-cdk-lib/aws-iam';
import { FilterCriteria, StartingPosition } from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { Construct } from 'constructs';
import { PLANNER_STREAM_FILTER } from '../../shared/table-definition.ts';
import { PLANNER_STREAM_MAPPING, POWERTOOLS } from '../../shared/wiring.ts';
import { AdminView } from '../constructs/admin-view.ts';
import { onePeriodAlarm } from '../constructs/alarms.ts';
import { IntakeApi } from '../constructs/intake-api.ts';
import { type LinkSigning, linkEnvironment } from '../constructs/link-key-ring.ts';
import { LinkPages } from '../constructs/link-pages.ts';
import { type FunctionDefaults, ReboundFunction } from '../constructs/rebound-function.ts';
import { Reconciler } from '../constructs/reconciler.ts';
import { ReminderTimers } from '../constructs/reminder-timers.ts';
import { SesFeedback } from '../constructs/ses-feedback.ts';
import type { StageConfig } from '../stages.ts';
import type { StatefulStack } from './stateful-stack.ts';

export interface StatelessStackProps extends StackProps {
  readonly config: StageConfig;
  readonly stateful: StatefulStack;
}

/**
 * The code: the HTTP API (intake, link pages and the admin view), the planner on the table stream, the
 * reminder timers (sender and Scheduler role), the reconciler, the SES feedback rule and function, and the
 * admin function with its app client. Safe to destroy and redeploy; all state lives in the stateful stack.
 */
export class StatelessStack extends Stack {
  public readonly ingest: ReboundFunction<'ingest'>;
  public readonly openapi: ReboundFunction<'openapi'>;
  public readonly planner: ReboundFunction<'planner'>;
  public readonly sender: ReboundFunction<'sender'>;
  public readonly reconciler: ReboundFunction<'reconciler'>;
  public readonly links: ReboundFunction<'links'>;
  public readonly feedback: ReboundFunction<'feedback'>;
  public readonly admin: ReboundFunction<'admin'>;
  /** The admin view's app client, routes and URL. */
  public readonly adminView: AdminView;
  public readonly schedulerRole: Role;
  public readonly api: HttpApi;
  public readonly feedbackRule: Rule;
  /** What every link in an email starts with (`PUBLIC_BASE_URL`). */
  public readonly publicBaseUrl: string;

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

    // The API first: every function that signs links needs its URL. Functions depend on the API (its id is
    // in their environment), routes and integrations on the functions: no cycle.
    const intake = new IntakeApi(this, 'Intake', {
      functionDefaults,
      table,
      sourcesKey: stateful.sourcesKey,
      throttle: config.apiThrottle,
      alarmAction,
      description: `Rebound ${config.stage} intake and link pages`,
      domain: stateful.apiDomain,
    });
    // The literal name, not the domain's token: nothing in a function's environment waits on another stack.
    this.publicBaseUrl = config.domainName ? `https://${config.domainName}` : intake.url;
    // Signers (planner: confirmation email; sender, reconciler: reminder emails) and the verifier (links)
    // all need the key: HS256 signs and verifies with the same secret. Ingest and feedback never see it.
    const linkSigning: LinkSigning = { publicBaseUrl: this.publicBaseUrl, keyRing: stateful.linkKeys };

    // Timers before the planner: the planner's environment names the sender and the Scheduler role.
    const timers = new ReminderTimers(this, 'Timers', {
      functionDefaults,
      scheduleGroupName: config.scheduleGroupName,
      table,
      mail,
      linkSigning,
      timerDeadLetterQueue: stateful.schedulerDlq.queue,
      senderDeadLetterQueue: stateful.senderDlq.queue,
    });

    this.planner = new ReboundFunction(this, 'Planner', {
      ...functionDefaults,
      name: 'planner',
      description:
        'Plans reminders from new timeline events (DynamoDB stream), keeps their timers in sync, sends confirmation emails',
      config: {
        TABLE_NAME: table.tableName,
        ...timers.targetEnvironment,
        ...mail.senderConfig,
        ...linkEnvironment(linkSigning),
      },
    });
    // It applies "delete my data" (shared/use-cases/apply-user-action.ts), which batch-deletes the user's items.
    this.planner.bindTable(table, 'readWriteErase');
    timers.allowManageTimers(this.planner);
    // The confirmation email of double opt-in goes out from the planner, right away, not at a send slot.
    this.planner.allowSendEmail(mail);
    this.planner.allowReadLinkKeys(linkSigning.keyRing);
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
    // An event that can never be planned is marked failed and skipped, so the stream moves on; a person
    // should still look at why (shared/use-cases/plan-event.ts).
    onePeriodAlarm(this, 'PlannerPoisonEventsAlarm', {
      description: `${this.stackName}: the planner marked an event failed for good (PoisonEvents); look at its reason`,
      metric: new Metric({
        namespace: POWERTOOLS.namespace,
        metricName: 'PoisonEvents',
        dimensionsMap: { service: POWERTOOLS.service },
        statistic: 'Sum',
        period: Duration.minutes(5),
      }),
      action: alarmAction,
    });

    // Intake refusing credentials in bulk: an integrator's key or secret broke (a rotation gone wrong), or
    // someone is guessing. A few 401s are normal (a client's typo); fifty in five minutes are not.
    onePeriodAlarm(this, 'IntakeUnauthenticatedAlarm', {
      description: `${this.stackName}: intake refused 50 or more requests for their credentials in 5 minutes (UnauthenticatedRequests)`,
      metric: new Metric({
        namespace: POWERTOOLS.namespace,
        metricName: 'UnauthenticatedRequests',
        dimensionsMap: { service: POWERTOOLS.service },
        statistic: 'Sum',
        period: Duration.minutes(5),
      }),
      threshold: 50,
      action: alarmAction,
    });

    const reconciler = new Reconciler(this, 'Reconcile', {
      functionDefaults,
      table,
      mail,
      linkSigning,
      reconcileAfterMinutes: config.reconcileAfterMinutes,
      deadLetterQueue: stateful.schedulerDlq.queue,
      alarmAction,
    });

    const pages = new LinkPages(this, 'LinkPages', {
      functionDefaults,
      table,
      api: intake.api,
      signing: linkSigning,
    });

    const feedback = new SesFeedback(this, 'SesFeedback', {
      functionDefaults,
      stage: config.stage,
      table,
      configurationSetName: mail.configurationSet.configurationSetName,
      deadLetterQueue: stateful.feedbackDlq.queue,
    });

    // The admin view on the same API: its sign-in callback and cookies belong to the URL people open, so the
    // custom domain when there is one (the execute-api endpoint has no trailing slash, unlike the stage URL).
    this.adminView = new AdminView(this, 'Admin', {
      functionDefaults,
      table,
      auditTable: stateful.auditTable,
      identity: stateful.adminIdentity,
      api: intake.api,
      baseUrl: config.domainName ? `https://${config.domainName}` : intake.api.apiEndpoint,
      timers: timers.targetEnvironment,
      schedulerRole: timers.schedulerRole,
      // Named as the twin names its dead letters (`stream`, `scheduler`), so health reads the same in both.
      deadLetterQueues: {
        stream: stateful.plannerDlq.queue,
        sender: stateful.senderDlq.queue,
        scheduler: stateful.schedulerDlq.queue,
        feedback: stateful.feedbackDlq.queue,
      },
      planner: this.planner,
    });

    this.ingest = intake.ingest;
    this.openapi = intake.openapi;
    this.sender = timers.sender;
    this.reconciler = reconciler.function;
    this.links = pages.function;
    this.feedback = feedback.function;
    this.admin = this.adminView.function;
    this.feedbackRule = feedback.rule;
    this.schedulerRole = timers.schedulerRole;
    this.api = intake.api;
    for (const fn of [
      this.ingest,
      this.openapi,
      this.planner,
      this.sender,
      this.reconciler,
      this.links,
      this.feedback,
      this.admin,
    ]) {
      fn.addErrorAlarm(alarmAction);
    }

    new CfnOutput(this, 'ApiUrl', {
      value: intake.url,
      description: 'Base URL of the HTTP API (POST /events; the link pages when no custom domain is set)',
    });
    new CfnOutput(this, 'AdminUrl', {
      value: this.adminView.url,
      description: 'The admin view (operators sign in with the managed login; see docs/deploy.md)',
    });
  }
}
