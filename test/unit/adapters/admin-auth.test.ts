import { exportJWK, type GenerateKeyPairResult, generateKeyPair, type JWTPayload, SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { JwtAdminAuthenticator } from '../../../shared/adapters/admin-auth.ts';
import { AdminAuthenticationError } from '../../../shared/errors.ts';

const ISSUER = 'http://127.0.0.1:9/issuer';
const JWKS_URL = 'http://127.0.0.1:9/jwks';
const CLIENT_ID = 'rebound-admin';

/** A signing key, a JWKS serving its public half through an injected `fetch`, and a token factory. */
async function setup() {
  const kid = 'key-1';
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  const jwks = { keys: [{ ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' }] };
  const fetches: string[] = [];
  const fakeFetch = (async (input: string | URL | Request) => {
    fetches.push(String(input));
    return Response.json(jwks);
  }) as typeof fetch;
  const auth = new JwtAdminAuthenticator({
    issuer: ISSUER,
    jwksUrl: JWKS_URL,
    clientId: CLIENT_ID,
    fetch: fakeFetch,
  });
  const now = Math.floor(Date.now() / 1000);
  const sign = (
    claims: JWTPayload = {},
    options: {
      key?: GenerateKeyPairResult['privateKey'];
      kid?: string;
      exp?: number;
      omit?: readonly string[];
    } = {},
  ) => {
    const payload: JWTPayload = {
      iss: ISSUER,
      aud: CLIENT_ID,
      sub: 'b5f1c3a0-0000-4000-8000-000000000001',
      token_use: 'id',
      email: 'operator@example.org',
      'cognito:groups': ['operator'],
      iat: now,
      exp: options.exp ?? now + 3600,
      ...claims,
    };
    for (const name of options.omit ?? []) delete payload[name];
    return new SignJWT(payload)
      .setProtectedHeader({ alg: 'RS256', kid: options.kid ?? kid, typ: 'JWT' })
      .sign(options.key ?? privateKey);
  };
  return { auth, sign, fetches, now, kid };
}

async function refusal(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AdminAuthenticationError);
  return (error as AdminAuthenticationError).reason;
}

describe('the admin authenticator', () => {
  it('accepts an operator ID token and fetches the JWKS from the configured URL', async () => {
    const { auth, sign, fetches } = await setup();
    const principal = await auth.verify(await sign());
    expect(principal).toEqual({ email: 'operator@example.org', roles: ['operator'] });
    expect(fetches).toEqual([JWKS_URL]);
  });

  it('accepts a viewer and keeps only the admin roles of cognito:groups', async () => {
    const { auth, sign } = await setup();
    const token = await sign({ email: 'viewer@example.org', 'cognito:groups': ['viewer', 'admins', 'x'] });
    expect(await auth.verify(token)).toEqual({ email: 'viewer@example.org', roles: ['viewer'] });
  });

  it('accepts a signed-in person with neither role as a principal with no roles', async () => {
    const { auth, sign } = await setup();
    expect(await auth.verify(await sign({ 'cognito:groups': ['staff'] }))).toEqual({
      email: 'operator@example.org',
      roles: [],
    });
    expect(await auth.verify(await sign({}, { omit: ['cognito:groups'] }))).toEqual({
      email: 'operator@example.org',
      roles: [],
    });
  });

  it('reuses the fetched keys for later tokens', async () => {
    const { auth, sign, fetches } = await setup();
    await auth.verify(await sign());
    await auth.verify(await sign({ email: 'other@example.org' }));
    expect(fetches).toHaveLength(1);
  });

  it('refuses an expired token as expired', async () => {
    const { auth, sign, now } = await setup();
    expect(await refusal(auth.verify(await sign({}, { exp: now - 60 })))).toBe('expired');
  });

  it('refuses a token signed with another key under the same kid as invalid', async () => {
    const { auth, sign } = await setup();
    const forger = await generateKeyPair('RS256');
    expect(await refusal(auth.verify(await sign({}, { key: forger.privateKey })))).toBe('invalid');
  });

  it('refuses a token whose kid is not in the JWKS as invalid', async () => {
    const { auth, sign } = await setup();
    const forger = await generateKeyPair('RS256');
    expect(await refusal(auth.verify(await sign({}, { key: forger.privateKey, kid: 'unknown' })))).toBe(
      'invalid',
    );
  });

  it('refuses a token for another app client as invalid', async () => {
    const { auth, sign } = await setup();
    expect(await refusal(auth.verify(await sign({ aud: 'another-client' })))).toBe('invalid');
  });

  it('refuses a token from another issuer as invalid', async () => {
    const { auth, sign } = await setup();
    expect(await refusal(auth.verify(await sign({ iss: 'https://issuer.example.org' })))).toBe('invalid');
  });

  it('refuses an access token as invalid, even with the right audience', async () => {
    const { auth, sign } = await setup();
    expect(await refusal(auth.verify(await sign({ token_use: 'access' })))).toBe('invalid');
    expect(await refusal(auth.verify(await sign({}, { omit: ['token_use'] })))).toBe('invalid');
  });

  it('refuses a token without an email or without an expiry as invalid', async () => {
    const { auth, sign } = await setup();
    expect(await refusal(auth.verify(await sign({}, { omit: ['email'] })))).toBe('invalid');
    expect(await refusal(auth.verify(await sign({ email: '' })))).toBe('invalid');
    expect(await refusal(auth.verify(await sign({}, { omit: ['exp'] })))).toBe('invalid');
  });

  it('refuses a malformed or unsigned token as invalid and an empty one as missing', async () => {
    const { auth, sign } = await setup();
    const [header, payload] = (await sign()).split('.');
    const none = `${Buffer.from('{"alg":"none","kid":"key-1"}').toString('base64url')}.${payload}.`;
    expect(await refusal(auth.verify('not-a-token'))).toBe('invalid');
    expect(await refusal(auth.verify(`${header}.${payload}`))).toBe('invalid');
    expect(await refusal(auth.verify(none))).toBe('invalid');
    expect(await refusal(auth.verify(''))).toBe('missing');
  });

  it('lets an unreachable JWKS fail as an error of the service, not as a bad token', async () => {
    const auth = new JwtAdminAuthenticator({
      issuer: ISSUER,
      jwksUrl: JWKS_URL,
      clientId: CLIENT_ID,
      fetch: (async () => {
        throw new TypeError('fetch failed');
      }) as typeof fetch,
    });
    const { sign } = await setup();
    const error = await auth.verify(await sign()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(AdminAuthenticationError);
  });
});
