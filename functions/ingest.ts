/**
 * Primary adapter: `POST /events` (API Gateway HTTP API v2) → authenticate the source (401) → its rate
 * limit (429) → validate (4xx) → store the event once → 202.
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { acceptDependencies } from '#shared/adapters/compose.ts';
import { httpErrors } from '#shared/adapters/middleware.ts';
import { logger, metrics } from '#shared/adapters/observability.ts';
import { loadConfig } from '#shared/config.ts';
import { json } from '#shared/http.ts';
import { intakeRequestOf } from '#shared/http-intake.ts';
import { type AcceptEventDeps, acceptEvent } from '#shared/use-cases/accept-event.ts';

const deps = acceptDependencies(loadConfig('ingest'));

export async function ingest(
  event: APIGatewayProxyEventV2,
  dependencies: AcceptEventDeps = deps,
): Promise<APIGatewayProxyStructuredResultV2> {
  const result = await acceptEvent(intakeRequestOf(event), dependencies);
  logger.info('Event recorded', {
    eventId: result.eventId,
    userId: result.userId,
    sourceId: result.sourceId,
    type: result.type,
    duplicate: result.duplicate,
  });
  metrics.addMetric(result.duplicate ? 'DuplicateEvents' : 'EventsAccepted', MetricUnit.Count, 1);
  return json(202, { eventId: result.eventId, duplicate: result.duplicate });
}

export const handler = middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>()
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics))
  .use(httpErrors({ onRefused: countRefusal }))
  .handler((event) => ingest(event));

/**
 * Refusals by kind, so an operator sees a source whose credentials broke (401s), one over its rate limit
 * (429s) and a client sending bad events (400/409/413/415), without reading logs.
 */
function countRefusal(status: number): void {
  const name =
    status === 401 ? 'UnauthenticatedRequests' : status === 429 ? 'RateLimitedRequests' : 'RejectedEvents';
  metrics.addMetric(name, MetricUnit.Count, 1);
}
