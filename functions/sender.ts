/** Primary adapter: EventBridge Scheduler target. The raw `Input` is `{ userId, reminderId }`. */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import { TimerPayloadSchema } from '#events/timer-payload.ts';
import { sendDependencies } from '#shared/adapters/compose.ts';
import { logger, metrics } from '#shared/adapters/observability.ts';
import { loadConfig } from '#shared/config.ts';
import {
  type SendDueDeps,
  type SendDueResult,
  sendDueReminders,
} from '#shared/use-cases/send-due-reminders.ts';

const deps = sendDependencies(loadConfig('sender'));

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
