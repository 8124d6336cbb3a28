/**
 * Primary adapter: DynamoDB stream batch (INSERTs of `EVENT#` items) → apply each to the user's reminders,
 * per-record failures. An item with `action` is a user action (`events/user-action.ts`), any other an intake
 * event (`events/job-event.ts`).
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { planDependencies } from '#shared/adapters/compose.ts';
import { inOrderPerKey } from '#shared/adapters/in-order-per-key.ts';
import { logger, metrics } from '#shared/adapters/observability.ts';
import { loadConfig } from '#shared/config.ts';
import { type EventInsert, EventInsertSchema } from '#shared/stream-record.ts';
import { applyUserAction } from '#shared/use-cases/apply-user-action.ts';
import { type PlanEventDeps, planEvent } from '#shared/use-cases/plan-event.ts';

const deps = planDependencies(loadConfig('planner'));
// Records are parsed by the handler below (`EventInsertSchema`), not by Powertools' parser integration: that
// one brings Powertools' schemas, whose zod import costs the bundle ~360 KB (see `shared/stream-record.ts`).
const processor = new BatchProcessor(EventType.DynamoDBStreams);

export async function planRecord(record: EventInsert, dependencies: PlanEventDeps = deps): Promise<void> {
  const item = record.dynamodb.NewImage;
  const { userId, eventId } = item;
  const apply = 'action' in item ? applyUserAction : planEvent;
  const result = await apply(item, dependencies).catch((error: unknown) => {
    logger.error('Planning failed; the record will be retried', { userId, eventId, error });
    throw error;
  });
  if (result.outcome === 'failed') {
    // Alarmed on. The event stays stored, marked failed with its reason; the stream moves on.
    logger.error('Event failed for good', { userId, eventId, reason: result.reason });
    metrics.addMetric('PoisonEvents', MetricUnit.Count, 1);
    return;
  }
  logger.info('Event planned', { ...result, userId });
  const fresh = result.outcome === 'planned'; // a replay only re-syncs timers: counted the first time
  metrics.addMetric('RemindersCreated', MetricUnit.Count, fresh ? result.created : 0);
  metrics.addMetric('RemindersCancelled', MetricUnit.Count, fresh ? result.cancelled : 0);
  metrics.addMetric('ConfirmationsSent', MetricUnit.Count, result.confirmations);
}

export async function plan(event: DynamoDBStreamEvent, dependencies = deps): Promise<DynamoDBBatchResponse> {
  // One user's records in stream order, users in parallel; a new chain per batch.
  const handle = inOrderPerKey(
    (r: EventInsert) => planRecord(r, dependencies),
    (r) => r.dynamodb.NewImage.userId,
  );
  // Every failure is reported item by item, even a whole batch's, so the retry starts at the first.
  // A record that is not an event INSERT throws here and is reported failed, as the parser did.
  const parsed = (record: DynamoDBRecord) => handle(EventInsertSchema.parse(record));
  return processPartialResponse(event, parsed, processor, {
    processInParallel: true,
    throwOnFullBatchFailure: false,
  });
}

export const handler = middy<DynamoDBStreamEvent, DynamoDBBatchResponse>()
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics))
  .handler((event) => plan(event));
