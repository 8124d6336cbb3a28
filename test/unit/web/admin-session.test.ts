import { createHash } from 'node:crypto';
import { Hono } from 'hono';
import { decodeJwt, UnsecuredJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import type { AdminPrincipal } from '../../../events/admin-api.ts';
import { AdminAuthenticationError } from '../../../shared/errors.ts';
import type { AdminAuthenticator, AdminEnv, AdminSignInConfig } from '../../../shared/web/admin/port.ts';
import { createAdminSession, safeNext } from '../../../shared/web/admin/session.ts';

const BASE = 'http://127.0.0.1:3000';
const CONFIG: AdminSignInConfig = {
  authorizeUrl: 'http://127.0.0.1:3000/_local/auth/sign-in',
  tokenUrl: 'http://127.0.0.1:3005/token',
  clientId: 'rebound-admin',
  baseUrl: BASE,
  secureCookies: false,
};

/** An unsigned JWT: the fake authenticator trusts its claims, the session reads its `exp`. */
const idToken = (claims: { email: string; groups?: string[]; expiresIn?: number }) =>
  new UnsecuredJWT({ email: claims.email, 'cognito:groups': claims.groups ?? ['operator'] })
    .setExpirationTime(Math.floor(Date.now() / 1000) + (claims.expiresIn ?? 3600))
    .encode();

/** Accepts the tokens `idToken` makes (expired ones as expired); anything else is invalid. */
const fakeAuthenticator: AdminAuthenticator = {
  verify: async (token) => {
    if (!token) throw new AdminAuthenticationError('missing');
    let claims: ReturnType<typeof decodeJwt>;
    try {
      claims = decodeJwt(token);
    } catch {
      throw new AdminAuthenticationError('invalid');
    }
    if ((claims.exp ?? 0) < Date.now() / 1000) throw new AdminAuthenticationError('expired');
    const groups = (claims['cognito:groups'] as string[] | undefined) ?? [];
    return {
      email: String(claims.email),
      roles: groups.filter((g): g is 'operator' | 'viewer' => g === 'operator' || g === 'viewer'),
    };
  },
};

interface TokenCall {
  readonly url: string;
  readonly form: URLSearchParams;
}

function setup(
  options: {
    config?: Partial<AdminSignInConfig>;
    tokenResponse?: () => Response | Promise<Response>;
    guardEverything?: boolean;
  } = {},
) {
  const config = { ...CONFIG, ...options.config };
  const calls: TokenCall[] = [];
  let issued = idToken({ email: 'operator@example.org' });
  const fakeFetch = (async (input: string | URL | Request, init?: RequestInit) => {
    calls.push({ url: String(input), form: new URLSearchParams(String(init?.body)) });
    if (options.tokenResponse) return options.tokenResponse();
    return Response.json({ id_token: issued, access_token: 'access', token_type: 'Bearer' });
  }) as typeof fetch;
  let counter = 0;
  const randomBytes = (size: number) => {
    counter += 1;
    return new Uint8Array(size).fill(counter);
  };
  const session = createAdminSession(fakeAuthenticator, config, { fetch: fakeFetch, randomBytes });
  const app = new Hono<AdminEnv>();
  session.mount(app);
  const seen: AdminPrincipal[] = [];
  const show = (c: { get(key: 'principal'): AdminPrincipal; json(body: unknown): Response }) => {
    seen.push(c.get('principal'));
    return c.json({ principal: c.get('principal') });
  };
  if (options.guardEverything) app.use('/admin/*', session.page);
  app.get('/admin', session.page, (c) => show(c));
  app.get('/admin/reminders', session.page, (c) => show(c));
  app.post('/admin/reminders/cancel', session.page, (c) => show(c));
  app.get('/admin/api/me', session.api, (c) => show(c));
  app.post('/admin/api/actions', session.api, (c) => show(c));
  const setIssued = (token: string) => {
    issued = token;
  };
  return { app, calls, seen, setIssued };
}

const cookieHeader = (res: Response) =>
  res.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');

/** Start a sign-in; returns the login cookie, the authorize redirect and the login state inside it. */
async function startSignIn(app: Hono<AdminEnv>, next = '/admin/reminders?consent=waiting') {
  const res = await app.request(`/admin/sign-in?next=${encodeURIComponent(next)}`);
  const location = new URL(res.headers.get('location') ?? '');
  const cookie = cookieHeader(res);
  const raw = cookie.split('=')[1] ?? '';
  const login = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as {
    state: string;
    verifier: string;
    next: string;
  };
  return { res, location, cookie, login };
}

describe('the admin sign-in', () => {
  it('redirects to the authorize endpoint with PKCE (S256) and a short-lived HttpOnly login cookie', async () => {
    const { app } = setup();
    const { res, location, login } = await startSignIn(app);
    expect(res.status).toBe(302);
    expect(`${location.origin}${location.pathname}`).toBe(CONFIG.authorizeUrl);
    expect(Object.fromEntries(location.searchParams)).toEqual({
      response_type: 'code',
      client_id: 'rebound-admin',
      redirect_uri: `${BASE}/admin/auth/callback`,
      scope: 'openid email profile',
      state: login.state,
      code_challenge: createHash('sha256').update(login.verifier).digest('base64url'),
      code_challenge_method: 'S256',
    });
    expect(login.next).toBe('/admin/reminders?consent=waiting');
    expect(login.verifier).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(login.state).not.toBe(login.verifier);
    const [setCookie] = res.headers.getSetCookie();
    expect(setCookie).toMatch(/^rebound_admin_login=/);
    expect(setCookie).toContain('HttpOnly');
    expect(setCookie).toContain('Path=/admin/auth');
    expect(setCookie).toContain('Max-Age=600');
    expect(setCookie).toContain('SameSite=Lax');
  });

  it('exchanges the code with the verifier, sets the session cookie and goes where the user was going', async () => {
    const { app, calls } = setup();
    const { cookie, login } = await startSignIn(app);
    const res = await app.request(`/admin/auth/callback?code=the-code&state=${login.state}`, {
      headers: { cookie },
    });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/admin/reminders?consent=waiting');
    expect(calls).toHaveLength(1);
    expect(calls[0]?.url).toBe(CONFIG.tokenUrl);
    expect(Object.fromEntries(calls[0]?.form ?? [])).toEqual({
      grant_type: 'authorization_code',
      client_id: 'rebound-admin',
      code: 'the-code',
      redirect_uri: `${BASE}/admin/auth/callback`,
      code_verifier: login.verifier,
    });
    const cookies = res.headers.getSetCookie();
    const session = cookies.find((c) => c.startsWith('rebound_admin='));
    expect(session).toContain('HttpOnly');
    expect(session).toContain('SameSite=Lax');
    expect(session).toContain('Path=/');
    expect(session).not.toContain('Secure');
    const maxAge = Number(/Max-Age=(\d+)/.exec(session ?? '')?.[1]);
    expect(maxAge).toBeGreaterThan(3590);
    expect(maxAge).toBeLessThanOrEqual(3600);
    const cleared = cookies.find((c) => c.startsWith('rebound_admin_login='));
    expect(cleared).toContain('Max-Age=0');
  });

  it('names the cookie __Host- and marks it Secure when cookies are secure', async () => {
    const { app } = setup({ config: { secureCookies: true, baseUrl: 'https://admin.example.org' } });
    const { cookie, login, res: start } = await startSignIn(app);
    expect(start.headers.getSetCookie()[0]).toMatch(/^__Secure-rebound_admin_login=.*; Secure/);
    const res = await app.request(`/admin/auth/callback?code=c&state=${login.state}`, {
      headers: { cookie },
    });
    const session = res.headers.getSetCookie().find((c) => c.startsWith('__Host-rebound_admin='));
    expect(session).toContain('Secure');
    expect(session).toContain('Path=/');
    expect(session).not.toContain('Domain');
  });

  it('the session cookie it sets lets the user into the pages', async () => {
    const { app, seen } = setup();
    const { cookie, login } = await startSignIn(app);
    const callback = await app.request(`/admin/auth/callback?code=c&state=${login.state}`, {
      headers: { cookie },
    });
    const res = await app.request('/admin/reminders', {
      headers: { cookie: cookieHeader(callback).replace(/; rebound_admin_login=$/, '') },
    });
    expect(res.status).toBe(200);
    expect(seen).toEqual([{ email: 'operator@example.org', roles: ['operator'] }]);
  });

  it('refuses a callback whose state does not match the login cookie, and sets nothing', async () => {
    const { app, calls } = setup();
    const { cookie } = await startSignIn(app);
    const res = await app.request('/admin/auth/callback?code=c&state=forged-state-of-an-attacker', {
      headers: { cookie },
    });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('Sign in again');
    expect(res.headers.getSetCookie()).toEqual([]);
    expect(calls).toEqual([]);
  });

  it('refuses a callback without the login cookie, without a code, or with an error from the issuer', async () => {
    const { app, calls } = setup();
    const { cookie, login } = await startSignIn(app);
    const noCookie = await app.request(`/admin/auth/callback?code=c&state=${login.state}`);
    const noCode = await app.request(`/admin/auth/callback?state=${login.state}`, { headers: { cookie } });
    const denied = await app.request(`/admin/auth/callback?error=access_denied&state=${login.state}`, {
      headers: { cookie },
    });
    for (const res of [noCookie, noCode, denied]) {
      expect(res.status).toBe(400);
      expect(res.headers.getSetCookie()).toEqual([]);
    }
    expect(await noCode.text()).toContain(
      'href="/admin/sign-in?next=%2Fadmin%2Freminders%3Fconsent%3Dwaiting"',
    );
    expect(calls).toEqual([]);
  });

  it('refuses a callback when the token endpoint refuses the code', async () => {
    const { app } = setup({
      tokenResponse: () => Response.json({ error: 'invalid_grant' }, { status: 400 }),
    });
    const { cookie, login } = await startSignIn(app);
    const res = await app.request(`/admin/auth/callback?code=c&state=${login.state}`, {
      headers: { cookie },
    });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('did not let you in');
    expect(res.headers.getSetCookie()).toEqual([]);
  });

  it('answers 502 when the token endpoint fails', async () => {
    const { app } = setup({ tokenResponse: () => new Response('down', { status: 503 }) });
    const { cookie, login } = await startSignIn(app);
    const res = await app.request(`/admin/auth/callback?code=c&state=${login.state}`, {
      headers: { cookie },
    });
    expect(res.status).toBe(502);
    expect(res.headers.getSetCookie()).toEqual([]);
  });

  it('refuses a callback whose ID token does not verify', async () => {
    const { app, setIssued } = setup();
    setIssued('not-a-jwt');
    const { cookie, login } = await startSignIn(app);
    const res = await app.request(`/admin/auth/callback?code=c&state=${login.state}`, {
      headers: { cookie },
    });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('could not accept');
    expect(res.headers.getSetCookie()).toEqual([]);
  });

  it('never redirects off the admin view after sign-in (no open redirect)', async () => {
    const { app } = setup();
    for (const next of [
      'https://evil.example/admin',
      '//evil.example/admin',
      '/\\evil.example',
      '/administrator',
      'javascript:alert(1)',
      '/admin/../evil',
    ]) {
      const { cookie, login } = await startSignIn(app, next);
      const res = await app.request(`/admin/auth/callback?code=c&state=${login.state}`, {
        headers: { cookie },
      });
      expect(res.headers.get('location'), next).toBe('/admin');
    }
  });

  it('keeps only a path under /admin as where to go next', () => {
    expect(safeNext('/admin/users?email=a%40b.org')).toBe('/admin/users?email=a%40b.org');
    expect(safeNext('/admin')).toBe('/admin');
    expect(safeNext(undefined)).toBe('/admin');
    expect(safeNext('/admin/sign-in?next=/admin')).toBe('/admin');
    expect(safeNext('/admin/auth/callback')).toBe('/admin');
    expect(safeNext('/admin\n/x')).toBe('/admin');
    expect(safeNext('/links/stop')).toBe('/admin');
    expect(safeNext('/admin/../links/stop')).toBe('/admin');
    expect(safeNext('/admin/%2e%2e/links')).toBe('/admin');
  });

  it('leaves the sign-in routes open when the page guard covers /admin/*', async () => {
    const { app } = setup({ guardEverything: true });
    expect((await app.request('/admin/sign-in')).status).toBe(302);
    expect((await app.request('/admin/signed-out')).status).toBe(200);
    expect((await app.request('/admin/auth/callback?code=c&state=s')).status).toBe(400);
  });
});

describe('the admin sign-out', () => {
  it('clears the session cookie and shows the signed-out page', async () => {
    const { app } = setup();
    const res = await app.request('/admin/sign-out', { method: 'POST', headers: { origin: BASE } });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/admin/signed-out');
    expect(res.headers.getSetCookie()).toEqual([
      expect.stringMatching(/^rebound_admin=; Max-Age=0; Path=\/;/),
    ]);
    const page = await app.request('/admin/signed-out');
    expect(await page.text()).toContain('<h1>You have signed out</h1>');
  });

  it('goes through the issuer logout URL when one is configured', async () => {
    const { app } = setup({ config: { logoutUrl: 'https://auth.example.org/logout' } });
    const res = await app.request('/admin/sign-out', { method: 'POST', headers: { origin: BASE } });
    const location = new URL(res.headers.get('location') ?? '');
    expect(`${location.origin}${location.pathname}`).toBe('https://auth.example.org/logout');
    expect(location.searchParams.get('client_id')).toBe('rebound-admin');
    expect(location.searchParams.get('logout_uri')).toBe(`${BASE}/admin/signed-out`);
  });

  it('refuses a sign-out posted from another site', async () => {
    const { app } = setup();
    const res = await app.request('/admin/sign-out', {
      method: 'POST',
      headers: { origin: 'https://evil.example' },
    });
    expect(res.status).toBe(403);
    expect(res.headers.getSetCookie()).toEqual([]);
  });
});

describe('the page guard', () => {
  it('sends a visitor without a session to sign in, keeping the page and its query', async () => {
    const { app, seen } = setup();
    const res = await app.request('/admin/reminders?consent=waiting');
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(
      `/admin/sign-in?next=${encodeURIComponent('/admin/reminders?consent=waiting')}`,
    );
    expect(seen).toEqual([]);
  });

  it('sends an expired or invalid session to sign in and clears its cookie', async () => {
    const { app, seen } = setup();
    for (const token of [idToken({ email: 'a@b.org', expiresIn: -10 }), 'garbage']) {
      const res = await app.request('/admin', { headers: { cookie: `rebound_admin=${token}` } });
      expect(res.status).toBe(303);
      expect(res.headers.get('location')).toBe('/admin/sign-in?next=%2Fadmin');
      expect(res.headers.getSetCookie()[0]).toMatch(/^rebound_admin=; Max-Age=0/);
    }
    expect(seen).toEqual([]);
  });

  it('sends a form POST that finds no session to sign in and back to the page the form names, not to the action', async () => {
    // Prepare
    const { app, seen } = setup();
    const confirm = '/admin/confirm?action=reminder.cancel&userId=u_1&reminderId=r_1';
    const post = (cookie: string | undefined, form: Record<string, string>, length?: number) => {
      const body = new URLSearchParams(form).toString();
      return app.request('/admin/reminders/cancel', {
        method: 'POST',
        headers: {
          origin: BASE,
          'content-type': 'application/x-www-form-urlencoded',
          'content-length': String(length ?? Buffer.byteLength(body)),
          ...(cookie ? { cookie } : {}),
        },
        body,
      });
    };
    const expired = `rebound_admin=${idToken({ email: 'a@b.org', expiresIn: -10 })}`;

    // Act
    const responses = [
      await post(undefined, { key: 'k-12345678', returnTo: confirm }),
      await post(expired, { key: 'k-12345678', returnTo: confirm }),
      await post(undefined, { key: 'k-12345678' }),
      await post(undefined, { returnTo: 'https://evil.example/admin' }),
      await post(undefined, { returnTo: '/links/stop' }),
      // A body bigger than a confirm form is not read before sign-in.
      await post(undefined, { returnTo: confirm, pad: 'x'.repeat(20_000) }),
    ];

    // Assess
    expect(responses.map((r) => r.status)).toEqual([303, 303, 303, 303, 303, 303]);
    expect(responses.map((r) => r.headers.get('location'))).toEqual([
      `/admin/sign-in?next=${encodeURIComponent(confirm)}`,
      `/admin/sign-in?next=${encodeURIComponent(confirm)}`,
      '/admin/sign-in?next=%2Fadmin',
      '/admin/sign-in?next=%2Fadmin',
      '/admin/sign-in?next=%2Fadmin',
      '/admin/sign-in?next=%2Fadmin',
    ]);
    expect(seen).toEqual([]);
  });

  it('lets a valid session in with its principal', async () => {
    const { app } = setup();
    const token = idToken({ email: 'viewer@example.org', groups: ['viewer'] });
    const res = await app.request('/admin', { headers: { cookie: `rebound_admin=${token}` } });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ principal: { email: 'viewer@example.org', roles: ['viewer'] } });
  });

  it('refuses a form posted from another site, or with no Origin, with 403', async () => {
    const { app, seen } = setup();
    const cookie = `rebound_admin=${idToken({ email: 'operator@example.org' })}`;
    const crossSite = await app.request('/admin/reminders/cancel', {
      method: 'POST',
      headers: { cookie, origin: 'https://evil.example' },
    });
    const noOrigin = await app.request('/admin/reminders/cancel', { method: 'POST', headers: { cookie } });
    expect(crossSite.status).toBe(403);
    expect(noOrigin.status).toBe(403);
    expect(seen).toEqual([]);
    const sameSite = await app.request('/admin/reminders/cancel', {
      method: 'POST',
      headers: { cookie, origin: BASE },
    });
    expect(sameSite.status).toBe(200);
  });
});

describe('the API guard', () => {
  it('answers 401 JSON with the reason and WWW-Authenticate: Bearer', async () => {
    const { app, seen } = setup();
    const missing = await app.request('/admin/api/me');
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toBe('Bearer');
    expect(await missing.json()).toEqual({ error: 'unauthenticated', reason: 'missing' });

    const invalid = await app.request('/admin/api/me', { headers: { authorization: 'Bearer garbage' } });
    expect(invalid.status).toBe(401);
    expect(invalid.headers.get('www-authenticate')).toMatch(/^Bearer error="invalid_token"/);
    expect(await invalid.json()).toEqual({ error: 'unauthenticated', reason: 'invalid' });

    const expired = await app.request('/admin/api/me', {
      headers: { authorization: `Bearer ${idToken({ email: 'a@b.org', expiresIn: -1 })}` },
    });
    expect(await expired.json()).toEqual({ error: 'unauthenticated', reason: 'expired' });

    const basic = await app.request('/admin/api/me', { headers: { authorization: 'Basic dXNlcjpwYXNz' } });
    expect(await basic.json()).toEqual({ error: 'unauthenticated', reason: 'invalid' });
    expect(seen).toEqual([]);
  });

  it('accepts a bearer token, or the session cookie', async () => {
    const { app } = setup();
    const token = idToken({ email: 'operator@example.org' });
    const bearer = await app.request('/admin/api/me', { headers: { authorization: `Bearer ${token}` } });
    const cookie = await app.request('/admin/api/me', { headers: { cookie: `rebound_admin=${token}` } });
    for (const res of [bearer, cookie]) {
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ principal: { email: 'operator@example.org', roles: ['operator'] } });
    }
  });

  it('refuses a cookie-authenticated POST from another origin with 403, but not a bearer one', async () => {
    const { app } = setup();
    const token = idToken({ email: 'operator@example.org' });
    const crossSite = await app.request('/admin/api/actions', {
      method: 'POST',
      headers: { cookie: `rebound_admin=${token}`, origin: 'https://evil.example' },
    });
    expect(crossSite.status).toBe(403);
    expect(await crossSite.json()).toMatchObject({ error: 'forbidden' });
    const sameSite = await app.request('/admin/api/actions', {
      method: 'POST',
      headers: { cookie: `rebound_admin=${token}`, origin: BASE },
    });
    expect(sameSite.status).toBe(200);
    const bearer = await app.request('/admin/api/actions', {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(bearer.status).toBe(200);
  });
});
