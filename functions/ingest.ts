/** Primary adapter: `POST /events` (API Gateway HTTP API v2) → store the event once → 202. */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { getDocumentClient } from '#shared/adapters/aws-clients.ts';
import { clock } from '#shared/adapters/clock.ts';
import { DynamoDbReminderStore } from '#shared/adapters/dynamodb-store.ts';
import { httpErrors } from '#shared/adapters/middleware.ts';
import { logger, metrics } from '#shared/adapters/observability.ts';
import { loadConfig } from '#shared/config.ts';
import { json } from '#shared/http.ts';
import { parseJobEventRequest } from '#shared/http-body.ts';
import { type RecordEventResult, recordEvent } from '#shared/use-cases/record-event.ts';

const config = loadConfig('ingest');
const deps = { store: new DynamoDbReminderStore(getDocumentClient(), config.TABLE_NAME), clock };

export async function ingest(
  event: APIGatewayProxyEventV2,
  dependencies: Parameters<typeof recordEvent>[1] = deps,
): Promise<APIGatewayProxyStructuredResultV2> {
  const input = parseJobEventRequest(event);
  const result: RecordEventResult = await recordEvent(input, dependencies);
  logger.info('Event recorded', {
    eventId: result.eventId,
    userId: result.userId,
    type: input.type,
    duplicate: result.duplicate,
  });
  metrics.addMetric(result.duplicate ? 'DuplicateEvents' : 'EventsAccepted', MetricUnit.Count, 1);
  return json(202, { eventId: result.eventId, duplicate: result.duplicate });
}

export const handler = middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>()
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics))
  .use(httpErrors())
  .handler((event) => ingest(event));
