/** Primary adapter: DynamoDB stream batch (INSERTs of `EVENT#` items) → plan reminders, per-record failures. */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import middy from '@middy/core';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { type StoredJobEvent, StoredJobEventSchema } from '#events/job-event.ts';
import { getDocumentClient, getSchedulerClient } from '#shared/adapters/aws-clients.ts';
import { clock } from '#shared/adapters/clock.ts';
import { DynamoDbReminderStore } from '#shared/adapters/dynamodb-store.ts';
import { logger, metrics } from '#shared/adapters/observability.ts';
import { SchedulerTimerService } from '#shared/adapters/scheduler-timers.ts';
import { loadConfig } from '#shared/config.ts';
import { ReboundError } from '#shared/errors.ts';
import { type PlanEventDeps, planEvent } from '#shared/use-cases/plan-event.ts';

const config = loadConfig('planner');
const deps: PlanEventDeps = {
  store: new DynamoDbReminderStore(getDocumentClient(), config.TABLE_NAME),
  timers: new SchedulerTimerService(getSchedulerClient(), {
    groupName: config.SCHEDULE_GROUP,
    targetArn: config.SENDER_FUNCTION_ARN,
    roleArn: config.SCHEDULER_ROLE_ARN,
    deadLetterArn: config.SCHEDULER_DLQ_ARN,
  }),
  clock,
};

/** A record whose user already had a failure in this batch is not applied: order per user must hold. */
class SkippedAfterFailureError extends ReboundError {
  public constructor() {
    super('Skipped: an earlier record of the same user failed in this batch');
    this.name = 'SkippedAfterFailureError';
  }
}

/**
 * Per-user order, cross-user parallelism. Each user's records run one after another in stream order;
 * different users run concurrently. After a failure, that user's later records are failed too, so the
 * retry (which starts at the lowest failed sequence number) replays them in order. Other users' records
 * that succeeded may be redelivered by that retry; `plannedAt` makes the replay a no-op.
 */
export function createRecordHandler(dependencies: PlanEventDeps = deps) {
  let chains = new Map<string, Promise<void>>();
  const planOne = async (stored: StoredJobEvent, record: DynamoDBRecord): Promise<void> => {
    try {
      const result = await planEvent(stored, dependencies);
      logger.info('Event planned', { ...result, userId: stored.userId });
      metrics.addMetric('RemindersCreated', MetricUnit.Count, result.replay ? 0 : result.created);
      metrics.addMetric('RemindersCancelled', MetricUnit.Count, result.replay ? 0 : result.cancelled);
    } catch (error) {
      logger.error('Planning failed', { sequenceNumber: record.dynamodb?.SequenceNumber, error });
      throw error;
    }
  };
  return {
    reset: () => {
      chains = new Map();
    },
    handle: (record: DynamoDBRecord): Promise<void> => {
      const image = unmarshall((record.dynamodb?.NewImage ?? {}) as Record<string, AttributeValue>);
      const stored = StoredJobEventSchema.parse(image);
      const previous = chains.get(stored.userId) ?? Promise.resolve();
      const current = previous.then(
        () => planOne(stored, record),
        () => {
          throw new SkippedAfterFailureError();
        },
      );
      chains.set(stored.userId, current);
      return current;
    },
  };
}

const processor = new BatchProcessor(EventType.DynamoDBStreams);
const recordHandler = createRecordHandler();

export async function plan(event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> {
  recordHandler.reset();
  return processPartialResponse(event, recordHandler.handle, processor, {
    processInParallel: true,
    // A batch where every record failed is reported item by item too, so the retry starts at the first.
    throwOnFullBatchFailure: false,
  });
}

export const handler = middy<DynamoDBStreamEvent, DynamoDBBatchResponse>()
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics))
  .handler((event) => plan(event));
