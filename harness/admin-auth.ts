/**
 * Admin tokens for tests: the twin's issuer mints an ID token (`POST /_local/auth/token`) like the ones its
 * sign-in flow issues, so a test can call the admin API with `Authorization: Bearer <token>` without
 * driving a browser through sign-in.
 */

export interface AdminIdentity {
  readonly email: string;
  readonly groups: readonly string[];
}

/** The twin's two accounts, as its sign-in page lists them. */
export const OPERATOR: AdminIdentity = { email: 'operator@local', groups: ['operator'] };
export const VIEWER: AdminIdentity = { email: 'viewer@local', groups: ['viewer'] };

/**
 * An ID token for `identity` from the twin at `baseUrl` (its API URL). `expiresInSeconds` below zero gives
 * a token that expired that long ago. @default expiresInSeconds 3600
 */
export async function adminToken(
  baseUrl: string,
  identity: AdminIdentity & { readonly expiresInSeconds?: number },
): Promise<string> {
  const res = await fetch(`${baseUrl.replace(/\/+$/, '')}/_local/auth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      email: identity.email,
      groups: identity.groups,
      ...(identity.expiresInSeconds === undefined ? {} : { expiresInSeconds: identity.expiresInSeconds }),
    }),
  });
  const body = (await res.json().catch(() => ({}))) as { token?: unknown };
  if (res.status !== 200 || typeof body.token !== 'string') {
    throw new Error(`POST /_local/auth/token answered ${res.status}: ${JSON.stringify(body)}`);
  }
  return body.token;
}

/** `{ authorization: 'Bearer <token>' }`, for `fetch` headers. */
export const bearerOf = (token: string): { authorization: string } => ({ authorization: `Bearer ${token}` });
