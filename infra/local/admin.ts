/**
 * The admin view in the twin: its function's environment, pointing at the local OpenID Connect issuer (the
 * stand-in for Cognito), the audit table in DynamoDB Local and the twin's dead letters. The admin code is the
 * same as on AWS; only this configuration differs (docs/local-twin.md, "Admin sign-in").
 */
import { ADMIN_CALLBACK_PATH } from '../../shared/web/admin/session.ts';
import { LOCAL_NAMES } from './wiring.ts';

/** The app client id the local issuer puts in its tokens' `aud`, as Cognito puts the app client's id. */
export const LOCAL_ADMIN_CLIENT_ID = 'rebound-admin-local';

/**
 * The app client's callback URLs for the admin view at `api` (its `ADMIN_BASE_URL`), as the Cognito app
 * client registers them: the local issuer refuses a sign-in for any other `redirect_uri`.
 */
export function localAdminCallbackUrls(api: string): string[] {
  return [`${api}${ADMIN_CALLBACK_PATH}`];
}

export function adminEnvironment(opts: {
  /** The twin's API: the admin view's base URL, where the sign-in page and dead letters are served. */
  readonly api: string;
  readonly issuer: { readonly issuerUrl: string; readonly jwksUrl: string; readonly tokenUrl: string };
}): Record<string, string> {
  return {
    AUDIT_TABLE_NAME: LOCAL_NAMES.auditTable,
    ADMIN_BASE_URL: opts.api,
    ADMIN_ISSUER: opts.issuer.issuerUrl,
    ADMIN_JWKS_URL: opts.issuer.jwksUrl,
    ADMIN_CLIENT_ID: LOCAL_ADMIN_CLIENT_ID,
    // Cognito's managed login shows its own page; the twin's shows the two local accounts, then hands over to
    // the issuer's `/authorize`.
    ADMIN_AUTHORIZE_URL: `${opts.api}/_local/auth/sign-in`,
    ADMIN_TOKEN_URL: opts.issuer.tokenUrl,
    DEAD_LETTERS_URL: `${opts.api}/_local/dead-letters`,
  };
}
