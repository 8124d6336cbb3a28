/** Primary adapter: EventBridge Scheduler target. The raw `Input` is `{ userId, reminderId }`. */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import { TimerPayloadSchema } from '#events/timer-payload.ts';
import { getDocumentClient, getSesClient } from '#shared/adapters/aws-clients.ts';
import { clock } from '#shared/adapters/clock.ts';
import { DynamoDbReminderStore } from '#shared/adapters/dynamodb-store.ts';
import { logger, metrics } from '#shared/adapters/observability.ts';
import { SesMailer } from '#shared/adapters/ses-mailer.ts';
import { loadConfig } from '#shared/config.ts';
import {
  type SendDueDeps,
  type SendDueResult,
  sendDueReminders,
} from '#shared/use-cases/send-due-reminders.ts';

const config = loadConfig('sender');
const deps: SendDueDeps = {
  store: new DynamoDbReminderStore(getDocumentClient(), config.TABLE_NAME),
  mailer: new SesMailer(getSesClient(), {
    from: config.MAIL_FROM,
    configurationSetName: config.SES_CONFIGURATION_SET,
  }),
  clock,
};

export async function send(input: unknown, dependencies: SendDueDeps = deps): Promise<SendDueResult> {
  const payload = TimerPayloadSchema.parse(input);
  const result = await sendDueReminders(payload.userId, dependencies);
  logger.info('Timer handled', { ...payload, ...result });
  metrics.addMetric('EmailsSent', MetricUnit.Count, result.emails);
  metrics.addMetric('RemindersSent', MetricUnit.Count, result.reminders);
  return result;
}

export const handler = middy<unknown, SendDueResult>()
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics))
  .handler((event) => send(event));
