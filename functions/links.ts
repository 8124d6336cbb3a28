/**
 * Primary adapter: the pages behind the links in emails (API Gateway HTTP API v2 → Hono). Routes and pages
 * are in `shared/web/links/`; GET shows, POST changes (recorded as a user-action event for the planner).
 */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { handle, type LambdaEvent } from 'hono/aws-lambda';
import { linksDependencies } from '#shared/adapters/compose.ts';
import { logger } from '#shared/adapters/observability.ts';
import { loadConfig } from '#shared/config.ts';
import { createLinksApp } from '#shared/web/links/routes.tsx';
import { linksService } from '#shared/web/links/service.ts';

export const app = createLinksApp(linksService(linksDependencies(loadConfig('links'))), {
  onError: (error) => logger.error('Link page failed', { error }),
});

const lambda = handle(app);

export async function handler(
  event: APIGatewayProxyEventV2,
  context?: Context,
): Promise<APIGatewayProxyStructuredResultV2> {
  // The same HTTP API v2 payload; Hono declares its own copy of the type (`body: string | null`).
  const result = await lambda(event as unknown as LambdaEvent, context);
  // For v2 events Hono returns cookies in `cookies`; a header listed twice is joined as HTTP allows.
  const headers = Object.fromEntries(
    Object.entries(result.headers).map(([name, value]) => [
      name,
      Array.isArray(value) ? value.join(', ') : value,
    ]),
  );
  return { ...result, headers };
}
