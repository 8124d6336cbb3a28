/**
 * Primary adapter: the admin view (API Gateway HTTP API v2 → Hono): server-rendered pages under `/admin` and
 * the JSON API under `/admin/api/`. Routes and pages are in `shared/web/admin/`; every route sits behind the
 * admin session (an OpenID Connect ID token, verified on every request); the use cases are in
 * `shared/use-cases/admin/`.
 */
import { JwtAdminAuthenticator } from '#shared/adapters/admin-auth.ts';
import { clock } from '#shared/adapters/clock.ts';
import { adminDependencies } from '#shared/adapters/compose.ts';
import { logger } from '#shared/adapters/observability.ts';
import { loadConfig } from '#shared/config.ts';
import { adminService } from '#shared/use-cases/admin/index.ts';
import { createAdminApp } from '#shared/web/admin/routes.tsx';
import { createAdminSession } from '#shared/web/admin/session.ts';
import { lambdaHandler } from '#shared/web/lambda.ts';

const config = loadConfig('admin');

const session = createAdminSession(
  new JwtAdminAuthenticator({
    issuer: config.ADMIN_ISSUER,
    jwksUrl: config.ADMIN_JWKS_URL,
    clientId: config.ADMIN_CLIENT_ID,
  }),
  {
    authorizeUrl: config.ADMIN_AUTHORIZE_URL,
    tokenUrl: config.ADMIN_TOKEN_URL,
    logoutUrl: config.ADMIN_LOGOUT_URL,
    clientId: config.ADMIN_CLIENT_ID,
    baseUrl: config.ADMIN_BASE_URL,
    secureCookies: config.ADMIN_BASE_URL.startsWith('https:'),
  },
);

export const app = createAdminApp(adminService(adminDependencies(config)), session, {
  onError: (error) => logger.error('Admin request failed', { error }),
  // The product's clock (virtual in the twin): "3 hours ago" and "until …" agree with the data shown.
  now: () => clock.now(),
  // Signing out posts to us, then redirects to Cognito's /logout: the pages' CSP must allow that hop.
  formActionOrigins: config.ADMIN_LOGOUT_URL ? [new URL(config.ADMIN_LOGOUT_URL).origin] : [],
});

export const handler = lambdaHandler(app);
