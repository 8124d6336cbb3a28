/**
 * Composition roots: the real adapters a use case runs with on AWS (and in the twin). Handlers call these
 * once at cold start; tests pass their own fakes instead.
 */
import type { ConfigOf } from '../config.ts';
import type { SendDueDeps } from '../use-cases/send-due-reminders.ts';
import { getDocumentClient, getSesClient } from './aws-clients.ts';
import { clock } from './clock.ts';
import { DynamoDbReminderStore } from './dynamodb-store.ts';
import { SesMailer } from './ses-mailer.ts';

/** What the sender and the reconciler need: the table, SES v2 and the clock. */
export function sendDependencies(config: ConfigOf<'sender'>): SendDueDeps {
  return {
    store: new DynamoDbReminderStore(getDocumentClient(), config.TABLE_NAME),
    mailer: new SesMailer(getSesClient(), {
      from: config.MAIL_FROM,
      configurationSetName: config.SES_CONFIGURATION_SET,
    }),
    clock,
  };
}
