/**
 * Composition roots: the real adapters each use case runs with on AWS (and in the twin), one function per
 * use case. Handlers call one of these once, at cold start, with their parsed configuration; tests pass
 * in-memory fakes to the use case instead.
 */
import type { KMSClient } from '@aws-sdk/client-kms';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { ConfigOf } from '../config.ts';
import type { AcceptEventDeps } from '../use-cases/accept-event.ts';
import type { AdminDeps } from '../use-cases/admin/index.ts';
import { type ManageSourcesDeps, openSource } from '../use-cases/manage-sources.ts';
import type { PlanEventDeps } from '../use-cases/plan-event.ts';
import type { RecordEventDeps } from '../use-cases/record-event.ts';
import type { RecordFeedbackDeps } from '../use-cases/record-feedback.ts';
import type { SendDueDeps } from '../use-cases/send-due-reminders.ts';
import type { LinksDeps } from '../web/links/service.ts';
import { DynamoDbAdminStore } from './admin-store.ts';
import { DynamoDbAuditLog } from './audit-store.ts';
import {
  getDocumentClient,
  getLambdaClient,
  getSchedulerClient,
  getSesClient,
  getSqsClient,
  getStreamsClient,
} from './aws-clients.ts';
import { clock, systemClock } from './clock.ts';
import { parseDeadLetterQueues, SqsDeadLetters, TwinDeadLetters } from './dead-letters.ts';
import { DynamoDbReminderStore } from './dynamodb-store.ts';
import { KeyRingLinks, keyRingSource } from './link-keys.ts';
import { DynamoDbRateCounters } from './rate-limiter.ts';
import { SchedulerTimerInspector } from './scheduler-inspector.ts';
import { SchedulerTimerService, type TimerTargetConfig } from './scheduler-timers.ts';
import { getKmsClient, KmsSecretBox } from './secret-box.ts';
import { SesMailer } from './ses-mailer.ts';
import { SesSuppressionList } from './ses-suppression.ts';
import { CachedSourceDirectory } from './source-directory.ts';
import { DynamoDbSourceStore } from './source-store.ts';
import { DynamoDbStreamReplay, lambdaPlanner } from './stream-replay.ts';
import { StandardWebhooksVerifier } from './webhook-verifier.ts';

const storeFor = (config: { readonly TABLE_NAME: string }) =>
  new DynamoDbReminderStore(getDocumentClient(), config.TABLE_NAME);

/** What recording an event needs: the table and the clock. */
export function recordDependencies(config: { readonly TABLE_NAME: string }): RecordEventDeps {
  return { store: storeFor(config), clock };
}

/**
 * What the intake needs: recording, plus the sources (table items, secrets opened with KMS, cached a
 * minute), the Standard Webhooks verifier, the rate counters (table) and real time, which judges cache ages
 * and rate windows whatever the twin's virtual clock says.
 */
export function acceptDependencies(config: ConfigOf<'ingest'>): AcceptEventDeps {
  const sourceStore = new DynamoDbSourceStore(getDocumentClient(), config.TABLE_NAME);
  const box = new KmsSecretBox(getKmsClient(), config.KMS_KEY_ID);
  return {
    ...recordDependencies(config),
    sources: new CachedSourceDirectory((sourceId, previous) =>
      openSource(sourceId, { store: sourceStore, box }, previous),
    ),
    verifier: new StandardWebhooksVerifier(),
    counters: new DynamoDbRateCounters(getDocumentClient(), config.TABLE_NAME),
    realClock: systemClock,
  };
}

/**
 * What managing sources needs (`npm run sources`, the twin's `local` source): the table, KMS to seal secrets,
 * and real time for creation and revocation stamps. The CLI passes clients aimed at the twin or a stage.
 */
export function manageSourcesDependencies(
  config: { readonly TABLE_NAME: string; readonly KMS_KEY_ID: string },
  clients: { readonly documentClient?: DynamoDBDocumentClient; readonly kms?: KMSClient } = {},
): ManageSourcesDeps {
  return {
    store: new DynamoDbSourceStore(clients.documentClient ?? getDocumentClient(), config.TABLE_NAME),
    box: new KmsSecretBox(clients.kms ?? getKmsClient(), config.KMS_KEY_ID),
    clock: systemClock,
  };
}

/** Timers that invoke the sender: the planner's, and the admin view's re-sync. */
const timersFor = (config: {
  readonly SCHEDULE_GROUP: string;
  readonly SENDER_FUNCTION_ARN: string;
  readonly SCHEDULER_ROLE_ARN: string;
  readonly SCHEDULER_DLQ_ARN: string;
}) => {
  const target: TimerTargetConfig = {
    groupName: config.SCHEDULE_GROUP,
    targetArn: config.SENDER_FUNCTION_ARN,
    roleArn: config.SCHEDULER_ROLE_ARN,
    deadLetterArn: config.SCHEDULER_DLQ_ARN,
  };
  return new SchedulerTimerService(getSchedulerClient(), target);
};

const mailerFor = (config: {
  readonly MAIL_FROM: string;
  readonly SES_CONFIGURATION_SET?: string | undefined;
}) =>
  new SesMailer(getSesClient(), {
    from: config.MAIL_FROM,
    configurationSetName: config.SES_CONFIGURATION_SET,
  });

/**
 * What the planner needs: the table, EventBridge Scheduler (timers that invoke the sender), the clock, and,
 * to ask a new address for consent, SES v2, the link key ring and the public base URL.
 */
export function planDependencies(config: ConfigOf<'planner'>): PlanEventDeps {
  return {
    store: storeFor(config),
    timers: timersFor(config),
    clock,
    mailer: mailerFor(config),
    links: new KeyRingLinks(keyRingSource(config), clock),
    publicBaseUrl: config.PUBLIC_BASE_URL,
  };
}

/**
 * What the sender and the reconciler need: the table, SES v2, the clock, and the link key ring and public
 * base URL for the links in every email.
 */
export function sendDependencies(config: ConfigOf<'sender'>): SendDueDeps {
  return {
    store: storeFor(config),
    mailer: mailerFor(config),
    clock,
    links: new KeyRingLinks(keyRingSource(config), clock),
    publicBaseUrl: config.PUBLIC_BASE_URL,
  };
}

/** What the links pages need: the table (read targets, record changes), the key ring and the clock. */
export function linksDependencies(config: ConfigOf<'links'>): LinksDeps {
  return { store: storeFor(config), links: new KeyRingLinks(keyRingSource(config), clock), clock };
}

/** What SES feedback needs: the table (record changes), SES's account suppression list and the clock. */
export function feedbackDependencies(config: ConfigOf<'feedback'>): RecordFeedbackDeps {
  return { store: storeFor(config), suppressionList: new SesSuppressionList(getSesClient()), clock };
}

/**
 * What the admin view needs: the table (the pipeline's store for actions, the admin's index reads), the audit
 * table, EventBridge Scheduler (look at timers, re-sync them), the dead letters (SQS queues on AWS, the
 * twin's endpoint locally; a redrive wakes the sender through timers and replays stream batches to the
 * planner through the table's stream and Lambda) and the clock (virtual in the twin, so the views agree with
 * the pipeline).
 */
export function adminDependencies(config: ConfigOf<'admin'>): AdminDeps {
  const documentClient = getDocumentClient();
  const timers = timersFor(config);
  const planner = config.PLANNER_FUNCTION_ARN;
  return {
    store: storeFor(config),
    admin: new DynamoDbAdminStore(documentClient, config.TABLE_NAME, clock),
    audit: new DynamoDbAuditLog(documentClient, config.AUDIT_TABLE_NAME, clock),
    inspector: new SchedulerTimerInspector(getSchedulerClient(), config.SCHEDULE_GROUP),
    timers,
    deadLetters: config.DEAD_LETTERS_URL
      ? new TwinDeadLetters(config.DEAD_LETTERS_URL)
      : new SqsDeadLetters(getSqsClient(), parseDeadLetterQueues(config.DEAD_LETTER_QUEUES ?? ''), {
          timers,
          clock,
          streams: planner
            ? new DynamoDbStreamReplay(getStreamsClient(), lambdaPlanner(getLambdaClient(), planner))
            : undefined,
        }),
    clock,
  };
}
