/**
 * The real handlers, imported only once the functions' environment is set (they read it at cold start, as on
 * Lambda), each wrapped as its trigger invokes it (with a Lambda context) and counted under its short name
 * (`GET /_local/meter`).
 */
import type { APIGatewayProxyEventV2, DynamoDBStreamEvent } from 'aws-lambda';
import type { InvocationMeter } from './faults/index.ts';
import { lambdaContext } from './lambda-context.ts';

export async function loadFunctions(meter: InvocationMeter) {
  const handlers = await Promise.all([
    import('../../functions/ingest.ts'),
    import('../../functions/planner.ts'),
    import('../../functions/sender.ts'),
    import('../../functions/reconciler.ts'),
    import('../../functions/links.ts'),
    import('../../functions/feedback.ts'),
    import('../../functions/openapi.ts'),
    import('../../functions/admin.ts'),
  ]);
  const [ingest, planner, sender, reconciler, links, feedback, openapi, admin] = meteredFunctions(
    handlers,
    meter,
  );
  return { ingest, planner, sender, reconciler, links, feedback, openapi, admin };
}

type Handlers = [
  typeof import('../../functions/ingest.ts'),
  typeof import('../../functions/planner.ts'),
  typeof import('../../functions/sender.ts'),
  typeof import('../../functions/reconciler.ts'),
  typeof import('../../functions/links.ts'),
  typeof import('../../functions/feedback.ts'),
  typeof import('../../functions/openapi.ts'),
  typeof import('../../functions/admin.ts'),
];

/** Each function as its trigger invokes it (with a Lambda context), counted under its short name. */
function meteredFunctions(
  [ingest, planner, sender, reconciler, links, feedback, openapi, admin]: Handlers,
  meter: InvocationMeter,
) {
  return [
    meter.wrap('ingest', (event: APIGatewayProxyEventV2) =>
      ingest.handler(event, lambdaContext('rebound-ingest')),
    ),
    meter.wrap('planner', (event: DynamoDBStreamEvent) =>
      planner.handler(event, lambdaContext('rebound-planner')),
    ),
    meter.wrap('sender', (input: unknown) => sender.handler(input, lambdaContext('rebound-sender'))),
    meter.wrap('reconciler', (input: unknown) =>
      reconciler.handler(input, lambdaContext('rebound-reconciler')),
    ),
    meter.wrap('links', (event: APIGatewayProxyEventV2) =>
      links.handler(event, lambdaContext('rebound-links')),
    ),
    meter.wrap('feedback', (event: unknown) => feedback.handler(event, lambdaContext('rebound-feedback'))),
    meter.wrap('openapi', (event: APIGatewayProxyEventV2) => openapi.handler(event)),
    meter.wrap('admin', (event: APIGatewayProxyEventV2) =>
      admin.handler(event, lambdaContext('rebound-admin')),
    ),
  ] as const;
}
