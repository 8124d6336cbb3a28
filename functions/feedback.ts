/** Primary adapter: SES bounce and complaint events from EventBridge → suppression and bounce counts. */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import { feedbackOf, SesFeedbackEventSchema } from '#events/ses-feedback.ts';
import { feedbackDependencies } from '#shared/adapters/compose.ts';
import { logger, metrics } from '#shared/adapters/observability.ts';
import { loadConfig } from '#shared/config.ts';
import { type RecordFeedbackDeps, recordFeedback } from '#shared/use-cases/record-feedback.ts';

const deps = feedbackDependencies(loadConfig('feedback'));

export async function feedback(
  event: unknown,
  dependencies: RecordFeedbackDeps = deps,
): Promise<{ readonly recorded: number }> {
  // A malformed event throws: EventBridge retries, then parks it in the rule's DLQ for a person to look at.
  const parsed = SesFeedbackEventSchema.parse(event);
  const items = feedbackOf(parsed);
  const result = await recordFeedback(items, dependencies);
  for (const item of items) {
    metrics.addMetric(item.kind === 'complaint' ? 'Complaints' : 'Bounces', MetricUnit.Count, 1);
  }
  // Ids only: the address stays out of the logs.
  logger.info('SES feedback recorded', { type: parsed.detail.eventType, recorded: result.recorded });
  return result;
}

export const handler = middy<unknown, { readonly recorded: number }>()
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics))
  .handler((event) => feedback(event));
