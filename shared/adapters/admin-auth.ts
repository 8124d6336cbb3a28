/**
 * The admin view's token check: an OpenID Connect ID token, verified with aws-jwt-verify against the issuer's
 * JWKS. One code path for both issuers; only configuration differs:
 * - on AWS, the Cognito user pool (`https://cognito-idp.<region>.amazonaws.com/<pool id>`, its
 *   `/.well-known/jwks.json`, the app client id as audience);
 * - in the twin, its local issuer (`infra/local/auth-issuer.ts`), which mints tokens shaped like Cognito's.
 *
 * Why these rules:
 * - Only ID tokens (`token_use: "id"`): they carry `aud` = the app client and the `email` we show in the audit
 *   log. A Cognito access token has no `aud` and no `email`, and must not pass for one.
 * - Roles come from `cognito:groups`, kept only where they name an admin role. A token with neither role is
 *   still a valid principal with no roles: the routes answer 403, which tells the person what is wrong
 *   (signed in, but not allowed) better than a sign-in loop would.
 * - Expiry is judged by the library on real time, not the twin's virtual clock: a session lasts an hour of
 *   the operator's day even while the twin skips weeks ahead.
 * - The JWKS is fetched with the global `fetch`: aws-jwt-verify's own fetcher uses `node:https` and refuses
 *   the twin's plain-http issuer.
 */
import { JwtVerifier } from 'aws-jwt-verify';
import {
  FetchError,
  JwksValidationError,
  JwtBaseError,
  JwtExpiredError,
  NonRetryableFetchError,
} from 'aws-jwt-verify/error';
import type { Fetcher } from 'aws-jwt-verify/https';
import { SimpleJwksCache } from 'aws-jwt-verify/jwk';
import type { JwtPayload } from 'aws-jwt-verify/jwt-model';
import { ADMIN_ROLES, type AdminPrincipal, type AdminRole } from '../../events/admin-api.ts';
import { AdminAuthenticationError } from '../errors.ts';
import type { AdminAuthenticator } from '../web/admin/port.ts';

/** How long a JWKS fetch may take before the request fails (the library's own default is 1.5 s). */
const JWKS_TIMEOUT_MS = 3000;
/** A JWKS is a few keys; anything much larger is not one. */
const JWKS_MAX_BYTES = 64 * 1024;

export interface JwtAdminAuthenticatorOptions {
  /** The `iss` every token must carry: the user pool URL, or the twin issuer's URL. */
  readonly issuer: string;
  /** Where the issuer publishes its signing keys. */
  readonly jwksUrl: string;
  /** The app client id: ID tokens carry it as `aud`. */
  readonly clientId: string;
  /** @default the global `fetch` */
  readonly fetch?: typeof fetch;
}

/** A JWKS fetcher on `fetch`, which speaks http as well as https. */
function fetchFetcher(fetchImpl: typeof fetch): Fetcher {
  return {
    fetch: async (uri) => {
      let res: Response;
      try {
        res = await fetchImpl(uri, { signal: AbortSignal.timeout(JWKS_TIMEOUT_MS), redirect: 'error' });
      } catch (error) {
        throw new FetchError(uri, error instanceof Error ? error.message : String(error));
      }
      if (!res.ok) {
        throw new (res.status >= 500 ? FetchError : NonRetryableFetchError)(uri, `status ${res.status}`);
      }
      const body = await res.arrayBuffer();
      if (body.byteLength > JWKS_MAX_BYTES) throw new NonRetryableFetchError(uri, 'JWKS too large');
      return body;
    },
  };
}

/** What the ID token must hold beyond a good signature, `iss`, `aud` and `exp`. */
function checkIdToken(payload: JwtPayload): void {
  if (payload.token_use !== 'id') throw new AdminAuthenticationError('invalid');
  if (typeof payload.exp !== 'number') throw new AdminAuthenticationError('invalid');
  if (typeof payload.email !== 'string' || payload.email === '')
    throw new AdminAuthenticationError('invalid');
}

export class JwtAdminAuthenticator implements AdminAuthenticator {
  private readonly verifier;

  public constructor(options: JwtAdminAuthenticatorOptions) {
    const jwksCache = new SimpleJwksCache({ fetcher: fetchFetcher(options.fetch ?? fetch) });
    this.verifier = JwtVerifier.create(
      {
        issuer: options.issuer,
        audience: options.clientId,
        jwksUri: options.jwksUrl,
        customJwtCheck: ({ payload }) => checkIdToken(payload),
      },
      { jwksCache },
    );
  }

  /**
   * The principal of a valid ID token. Throws `AdminAuthenticationError`: `missing` (empty), `expired`, or
   * `invalid` (bad signature, unknown key, wrong issuer or audience, not an ID token, no email, malformed).
   * An unreachable or broken JWKS is the issuer's fault, not the token's: that error is rethrown as is (500).
   */
  public async verify(token: string): Promise<AdminPrincipal> {
    if (token.trim() === '') throw new AdminAuthenticationError('missing');
    let payload: JwtPayload;
    try {
      payload = await this.verifier.verify(token);
    } catch (error) {
      if (error instanceof AdminAuthenticationError) throw error;
      if (error instanceof FetchError || error instanceof JwksValidationError) throw error;
      if (error instanceof JwtExpiredError) throw new AdminAuthenticationError('expired', { cause: error });
      if (error instanceof JwtBaseError) throw new AdminAuthenticationError('invalid', { cause: error });
      throw error;
    }
    const groups = payload['cognito:groups'];
    const roles: AdminRole[] = ADMIN_ROLES.filter((role) => Array.isArray(groups) && groups.includes(role));
    return { email: String(payload.email), roles };
  }
}
