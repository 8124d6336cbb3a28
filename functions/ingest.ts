/** Primary adapter: `POST /events` (API Gateway HTTP API v2) → store the event once → 202. */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { recordDependencies } from '#shared/adapters/compose.ts';
import { httpErrors } from '#shared/adapters/middleware.ts';
import { logger, metrics } from '#shared/adapters/observability.ts';
import { loadConfig } from '#shared/config.ts';
import { json } from '#shared/http.ts';
import { parseJobEventRequest } from '#shared/http-body.ts';
import { type RecordEventDeps, recordEvent } from '#shared/use-cases/record-event.ts';

const deps = recordDependencies(loadConfig('ingest'));

export async function ingest(
  event: APIGatewayProxyEventV2,
  dependencies: RecordEventDeps = deps,
): Promise<APIGatewayProxyStructuredResultV2> {
  const input = parseJobEventRequest(event);
  const result = await recordEvent(input, dependencies);
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
