/**
 * Composition roots: the real adapters each use case runs with on AWS (and in the twin), one function per
 * use case. Handlers call one of these once, at cold start, with their parsed configuration; tests pass
 * in-memory fakes to the use case instead.
 */
import type { KMSClient } from '@aws-sdk/client-kms';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { ConfigOf } from '../config.ts';
import type { AcceptEventDeps } from '../use-cases/accept-event.ts';
import { type ManageSourcesDeps, openSource } from '../use-cases/manage-sources.ts';
import type { PlanEventDeps } from '../use-cases/plan-event.ts';
import type { RecordEventDeps } from '../use-cases/record-event.ts';
import type { RecordFeedbackDeps } from '../use-cases/record-feedback.ts';
import type { SendDueDeps } from '../use-cases/send-due-reminders.ts';
import type { LinksDeps } from '../web/links/service.ts';
import { getDocumentClient, getSchedulerClient, getSesClient } from './aws-clients.ts';
import { clock, systemClock } from './clock.ts';
import { DynamoDbReminderStore } from './dynamodb-store.ts';
import { KeyRingLinks, keyRingSource } from './link-keys.ts';
import { DynamoDbRateCounters } from './rate-limiter.ts';
import { SchedulerTimerService } from './scheduler-timers.ts';
import { getKmsClient, KmsSecretBox } from './secret-box.ts';
import { SesMailer } from './ses-mailer.ts';
import { SesSuppressionList } from './ses-suppression.ts';
import { CachedSourceDirectory } from './source-directory.ts';
import { DynamoDbSourceStore } from './source-store.ts';
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
    timers: new SchedulerTimerService(getSchedulerClient(), {
      groupName: config.SCHEDULE_GROUP,
      targetArn: config.SENDER_FUNCTION_ARN,
      roleArn: config.SCHEDULER_ROLE_ARN,
      deadLetterArn: config.SCHEDULER_DLQ_ARN,
    }),
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
