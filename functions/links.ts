/**
 * Primary adapter: the pages behind the links in emails (API Gateway HTTP API v2 → Hono). Routes and pages
 * are in `shared/web/links/`; GET shows, POST changes (recorded as a user-action event for the planner).
 */
import { linksDependencies } from '#shared/adapters/compose.ts';
import { logger } from '#shared/adapters/observability.ts';
import { loadConfig } from '#shared/config.ts';
import { lambdaHandler } from '#shared/web/lambda.ts';
import { createLinksApp } from '#shared/web/links/routes.tsx';
import { linksService } from '#shared/web/links/service.ts';

export const app = createLinksApp(linksService(linksDependencies(loadConfig('links'))), {
  onError: (error) => logger.error('Link page failed', { error }),
});

export const handler = lambdaHandler(app);
