/**
 * The twin's OpenID Connect issuer, over HTTP: its sign-in page and form, the mock's `/authorize`, the token
 * endpoint with PKCE, and the ID tokens it issues, verified by the admin view's own authenticator
 * (aws-jwt-verify against the issuer's JWKS). One flow runs in Chromium through the admin session's routes,
 * with axe on the sign-in page. The issuer and a small server for the twin-side routes start per file; the
 * signing key's persistence starts issuers of its own over temporary data directories.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminToken, OPERATOR, VIEWER } from '../../harness/admin-auth.ts';
import { type AuthIssuer, authRoutes, startAuthIssuer } from '../../infra/local/auth-issuer.ts';
import { type Routes, type Served, serve } from '../../infra/local/support/http.ts';
import { JwtAdminAuthenticator } from '../../shared/adapters/admin-auth.ts';
import { AdminAuthenticationError } from '../../shared/errors.ts';
import type { AdminEnv } from '../../shared/web/admin/port.ts';
import { createAdminSession } from '../../shared/web/admin/session.ts';
import { createWebApp } from '../../shared/web/app.tsx';
import { axeViolations, blocking, launchChromium, openSession } from '../e2e/support/browser.ts';

const CLIENT_ID = 'rebound-admin-local';

let issuer: AuthIssuer;
let twin: Served;
let base: string;
/** The app client's registered callbacks: the admin view's, and a second one to exchange a code against. */
let callbacks: [string, string];
let auth: JwtAdminAuthenticator;

/** The admin session's routes and one guarded page, served next to the issuer's twin-side routes. */
function adminApp() {
  const app = createWebApp<AdminEnv>();
  const session = createAdminSession(auth, {
    authorizeUrl: `${base}/_local/auth/sign-in`,
    tokenUrl: issuer.tokenUrl,
    clientId: CLIENT_ID,
    baseUrl: base,
    secureCookies: false,
  });
  session.mount(app);
  app.get('/admin', session.page, (c) => c.text(`Signed in as ${c.get('principal').email}`));
  return app;
}

let app: ReturnType<typeof adminApp>;

/** Hand a request to the Hono app, as the twin's gateway hands it to the admin function. */
async function toApp(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers))
    if (typeof value === 'string') headers.set(name, value);
  const answer = await app.request(`${url.pathname}${url.search}`, { method: req.method ?? 'GET', headers });
  const out: Record<string, string | string[]> = Object.fromEntries(answer.headers);
  const cookies = answer.headers.getSetCookie();
  if (cookies.length > 0) out['set-cookie'] = cookies;
  res.writeHead(answer.status, out).end(Buffer.from(await answer.arrayBuffer()));
}

beforeAll(async () => {
  // The server first: its port is in the callback URLs the issuer registers. Its routes are read per request.
  const routes: Routes = {
    'GET /admin': toApp,
    'GET /admin/sign-in': toApp,
    'GET /admin/auth/callback': toApp,
    'GET /assets/rebound.css': toApp,
  };
  twin = await serve(0, routes, () => undefined);
  base = `http://127.0.0.1:${twin.port}`;
  callbacks = [`${base}/admin/auth/callback`, `${base}/second/auth/callback`];
  issuer = await startAuthIssuer({ port: 0, clientId: CLIENT_ID, callbackUrls: callbacks });
  Object.assign(routes, authRoutes(issuer));
  auth = new JwtAdminAuthenticator({
    issuer: issuer.issuerUrl,
    jwksUrl: issuer.jwksUrl,
    clientId: CLIENT_ID,
  });
  app = adminApp();
});

afterAll(async () => {
  await twin?.close();
  await issuer?.stop();
});

const pkce = () => {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
};

const decodeEntities = (s: string) =>
  s
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');

/** The hidden fields of the sign-in page's form. */
const hiddenFields = (html: string): Record<string, string> =>
  Object.fromEntries(
    [...html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g)].map((m) => [
      m[1] ?? '',
      decodeEntities(m[2] ?? ''),
    ]),
  );

/** Drive the code flow with fetch up to the redirect back to the app; returns the code and state. */
async function signIn(email: string, redirectUri = `${base}/admin/auth/callback`) {
  const { verifier, challenge } = pkce();
  const state = randomBytes(16).toString('base64url');
  const query = new URLSearchParams({
    response_type: 'code',
    client_id: CLIENT_ID,
    redirect_uri: redirectUri,
    scope: 'openid email profile',
    state,
    code_challenge: challenge,
    code_challenge_method: 'S256',
  });
  const page = await fetch(`${base}/_local/auth/sign-in?${query}`);
  const html = await page.text();
  expect(page.status).toBe(200);
  const form = new URLSearchParams({ ...hiddenFields(html), login_hint: email });
  const posted = await fetch(`${base}/_local/auth/sign-in`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: form,
    redirect: 'manual',
  });
  expect(posted.status).toBe(302);
  const authorize = new URL(posted.headers.get('location') ?? '');
  expect(`${authorize.origin}${authorize.pathname}`).toBe(issuer.authorizeUrl);
  const back = await fetch(authorize, { redirect: 'manual' });
  expect(back.status).toBe(302);
  const callback = new URL(back.headers.get('location') ?? '');
  return { callback, verifier, state, redirectUri, html, page };
}

const exchange = (form: Record<string, string>) =>
  fetch(issuer.tokenUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form),
  });

async function reason(promise: Promise<unknown>): Promise<string | undefined> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  return error instanceof AdminAuthenticationError ? error.reason : `not refused: ${String(error)}`;
}

describe('the twin issuer', () => {
  it('shows both accounts as buttons that carry the OAuth request on', async () => {
    const { html, page, state } = await signIn(OPERATOR.email);
    expect(page.headers.get('content-security-policy')).toContain(`form-action 'self' ${issuer.issuerUrl}`);
    expect(html).toContain('<html lang="en">');
    expect(html).toContain('<h1>Sign in to the admin view</h1>');
    expect(html).toMatch(/<button[^>]*name="login_hint" value="operator@local"/);
    expect(html).toMatch(/<button[^>]*name="login_hint" value="viewer@local"/);
    expect(hiddenFields(html)).toMatchObject({ client_id: CLIENT_ID, state, code_challenge_method: 'S256' });
  });

  it('runs the code flow with PKCE and issues an ID token the admin authenticator accepts', async () => {
    const { callback, verifier, state, redirectUri } = await signIn(OPERATOR.email);
    expect(`${callback.origin}${callback.pathname}`).toBe(redirectUri);
    expect(callback.searchParams.get('state')).toBe(state);
    const code = callback.searchParams.get('code') ?? '';
    const res = await exchange({
      grant_type: 'authorization_code',
      client_id: CLIENT_ID,
      code,
      redirect_uri: redirectUri,
      code_verifier: verifier,
    });
    const body = (await res.json()) as { id_token: string; access_token: string; expires_in: number };
    expect(res.status).toBe(200);
    expect(await auth.verify(body.id_token)).toEqual({ email: 'operator@local', roles: ['operator'] });
    const claims = JSON.parse(Buffer.from(body.id_token.split('.')[1] ?? '', 'base64url').toString('utf8'));
    expect(claims).toMatchObject({
      iss: issuer.issuerUrl,
      aud: CLIENT_ID,
      token_use: 'id',
      email: 'operator@local',
      'cognito:groups': ['operator'],
      sub: expect.stringMatching(/^[0-9a-f-]{36}$/),
    });
    expect(claims.exp - claims.iat).toBe(900);
    expect(body.expires_in).toBe(900);
    // The access token is no ID token: Cognito's shape, and refused by the admin view.
    expect(await reason(auth.verify(body.access_token))).toBe('invalid');

    const again = await exchange({
      grant_type: 'authorization_code',
      client_id: CLIENT_ID,
      code,
      redirect_uri: redirectUri,
      code_verifier: verifier,
    });
    expect(again.status).toBe(400);
    expect(await again.json()).not.toHaveProperty('id_token');
  });

  it('signs the viewer in as a viewer', async () => {
    const { callback, verifier, redirectUri } = await signIn(VIEWER.email);
    const res = await exchange({
      grant_type: 'authorization_code',
      client_id: CLIENT_ID,
      code: callback.searchParams.get('code') ?? '',
      redirect_uri: redirectUri,
      code_verifier: verifier,
    });
    const { id_token } = (await res.json()) as { id_token: string };
    expect(await auth.verify(id_token)).toEqual({ email: 'viewer@local', roles: ['viewer'] });
  });

  it('refuses a code without its verifier, with a wrong one, or for another redirect URI', async () => {
    for (const change of [
      { code_verifier: undefined },
      { code_verifier: pkce().verifier },
      // Registered too, but not the one the code was issued for.
      { redirect_uri: callbacks[1] },
    ]) {
      const { callback, verifier, redirectUri } = await signIn(OPERATOR.email);
      const form: Record<string, string | undefined> = {
        grant_type: 'authorization_code',
        client_id: CLIENT_ID,
        code: callback.searchParams.get('code') ?? '',
        redirect_uri: redirectUri,
        code_verifier: verifier,
        ...change,
      };
      const res = await exchange(
        Object.fromEntries(Object.entries(form).filter((e): e is [string, string] => e[1] !== undefined)),
      );
      expect(res.status, JSON.stringify(change)).toBe(400);
      expect(await res.json(), JSON.stringify(change)).not.toHaveProperty('id_token');
    }
  });

  it('refuses other grants: the admin view signs in with codes only', async () => {
    const res = await exchange({ grant_type: 'client_credentials', client_id: CLIENT_ID, scope: 'x' });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: 'unsupported_grant_type' });
  });

  it('refuses a sign-in request for another client or without a redirect URI, naming the parameter', async () => {
    const wrong = await fetch(
      `${base}/_local/auth/sign-in?response_type=code&client_id=other&redirect_uri=${encodeURIComponent(base)}`,
    );
    expect(wrong.status).toBe(400);
    expect(await wrong.text()).toContain('client_id');
    const noRedirect = await fetch(`${base}/_local/auth/sign-in?response_type=code&client_id=${CLIENT_ID}`);
    expect(noRedirect.status).toBe(400);
    expect(await noRedirect.text()).toContain('redirect_uri');
  });

  it('refuses a sign-in form for an account it does not have', async () => {
    const { html } = await signIn(OPERATOR.email);
    const res = await fetch(`${base}/_local/auth/sign-in`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ ...hiddenFields(html), login_hint: 'mallory@local' }),
      redirect: 'manual',
    });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('login_hint');
  });

  it('answers a direct /authorize without a known account with an error, not a code', async () => {
    const { challenge } = pkce();
    const url = new URL(issuer.authorizeUrl);
    url.search = new URLSearchParams({
      response_type: 'code',
      client_id: CLIENT_ID,
      redirect_uri: `${base}/admin/auth/callback`,
      state: 's',
      code_challenge: challenge,
      code_challenge_method: 'S256',
    }).toString();
    const res = await fetch(url, { redirect: 'manual' });
    const back = new URL(res.headers.get('location') ?? '');
    expect(back.searchParams.get('code')).toBeNull();
    expect(back.searchParams.get('error')).toBe('access_denied');
  });

  it('refuses a sign-in for a redirect_uri that is not a registered callback, and issues nothing', async () => {
    const { html: good } = await signIn(OPERATOR.email);
    for (const unregistered of [
      'http://127.0.0.1:9/admin/auth/callback',
      `${base}/admin/auth/callback/`,
      `${base.replace('127.0.0.1', 'localhost')}/admin/auth/callback`,
    ]) {
      const query = new URLSearchParams({ ...hiddenFields(good), redirect_uri: unregistered });
      // The sign-in page: the problem named, and no form to go on with.
      const page = await fetch(`${base}/_local/auth/sign-in?${query}`);
      const html = await page.text();
      expect(page.status, unregistered).toBe(400);
      expect(html).toContain('redirect_uri: not a registered callback URL');
      expect(html).not.toContain('<form');
      expect(page.headers.get('content-security-policy')).not.toContain('127.0.0.1:9');
      // Its form, posted anyway with the redirect_uri swapped: refused, no redirect to the issuer.
      const posted = await fetch(`${base}/_local/auth/sign-in`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ ...Object.fromEntries(query), login_hint: OPERATOR.email }),
        redirect: 'manual',
      });
      expect(posted.status, unregistered).toBe(400);
      expect(posted.headers.get('location')).toBeNull();
      expect(await posted.text()).toContain('redirect_uri: not a registered callback URL');
      // The issuer's /authorize straight away: no code, and never a redirect to that URI.
      const authorize = new URL(issuer.authorizeUrl);
      authorize.search = new URLSearchParams({
        ...Object.fromEntries(query),
        login_hint: OPERATOR.email,
      }).toString();
      const direct = await fetch(authorize, { redirect: 'manual' });
      expect(direct.status).toBe(302);
      const location = new URL(direct.headers.get('location') ?? '');
      expect(`${location.origin}${location.pathname}`).toBe(`${issuer.issuerUrl}/error`);
      expect(location.searchParams.get('error')).toBe('redirect_mismatch');
      expect(location.searchParams.get('code')).toBeNull();
      const error = await fetch(location);
      expect(error.status).toBe(400);
      expect(await error.text()).toContain('redirect_uri is not a registered callback URL');
    }
  });
});

describe('the signing key', () => {
  let dirs: string[] = [];
  const started: AuthIssuer[] = [];

  afterAll(async () => {
    for (const running of started) await running.stop().catch(() => undefined);
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
    dirs = [];
  });

  const dataDir = async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rebound-auth-issuer-'));
    dirs.push(dir);
    return dir;
  };

  /** An issuer over `dir`, as the twin starts it (the key file in its data directory). */
  async function startOver(dir: string, options: { port?: number; warn?: (line: string) => void } = {}) {
    const running = await startAuthIssuer({
      port: options.port ?? 0,
      clientId: CLIENT_ID,
      callbackUrls: callbacks,
      keyFile: join(dir, 'auth-issuer-key.json'),
      warn: options.warn ?? ((line) => expect.fail(`unexpected warning: ${line}`)),
    });
    started.push(running);
    return running;
  }

  /** A new authenticator each time, as the admin function has after a twin restart: no JWKS cached. */
  const authenticatorFor = (running: AuthIssuer) =>
    new JwtAdminAuthenticator({ issuer: running.issuerUrl, jwksUrl: running.jwksUrl, clientId: CLIENT_ID });

  const jwks = async (running: AuthIssuer) =>
    ((await (await fetch(running.jwksUrl)).json()) as { keys: { kid: string; n: string }[] }).keys;

  it('survives a restart over the same data directory: a token issued before still verifies after', async () => {
    const dir = await dataDir();
    const first = await startOver(dir);
    const token = await first.mintToken(OPERATOR);
    expect(await authenticatorFor(first).verify(token)).toEqual({
      email: 'operator@local',
      roles: ['operator'],
    });
    const before = await jwks(first);
    await first.stop();
    started.splice(started.indexOf(first), 1);

    const second = await startOver(dir, { port: Number(new URL(first.issuerUrl).port) });
    expect(second.issuerUrl).toBe(first.issuerUrl);
    expect(await jwks(second)).toEqual(before);
    expect(await authenticatorFor(second).verify(token)).toEqual({
      email: 'operator@local',
      roles: ['operator'],
    });
    // Readable by its owner only: it signs tokens for any account.
    expect((await stat(join(dir, 'auth-issuer-key.json'))).mode & 0o777).toBe(0o600);
  });

  it('is a different key in a fresh data directory, whose JWKS does not verify the other’s tokens', async () => {
    const one = await startOver(await dataDir());
    const other = await startOver(await dataDir());
    const [oneKey] = await jwks(one);
    const [otherKey] = await jwks(other);
    expect(otherKey?.kid).not.toBe(oneKey?.kid);
    expect(otherKey?.n).not.toBe(oneKey?.n);
    // The other's token, checked against this JWKS (its issuer named, so only the key can fail it).
    const foreign = await other.mintToken(OPERATOR);
    const againstOne = new JwtAdminAuthenticator({
      issuer: other.issuerUrl,
      jwksUrl: one.jwksUrl,
      clientId: CLIENT_ID,
    });
    expect(await reason(againstOne.verify(foreign))).toBe('invalid');
  });

  it('replaces a corrupt key file with a new key, warning once, and keeps the new one after', async () => {
    const publicOnly = JSON.stringify((await jwks(issuer))[0]);
    for (const corrupt of ['', '{"kty":"RSA', '{"kty":"RSA","alg":"RS256"}', publicOnly]) {
      const dir = await dataDir();
      const file = join(dir, 'auth-issuer-key.json');
      await writeFile(file, corrupt, { mode: 0o644 });
      const warnings: string[] = [];
      const running = await startOver(dir, { warn: (line) => warnings.push(line) });
      expect(warnings, corrupt).toHaveLength(1);
      expect(warnings[0]).toContain(file);
      expect(warnings[0]).toContain('new signing key');
      const stored = JSON.parse(await readFile(file, 'utf8')) as { kid: string; kty: string; d?: string };
      expect(stored).toMatchObject({ kty: 'RSA', d: expect.any(String) });
      expect((await jwks(running)).map((k) => k.kid)).toEqual([stored.kid]);
      expect((await stat(file)).mode & 0o777).toBe(0o600);
      const token = await running.mintToken(VIEWER);
      expect(await authenticatorFor(running).verify(token)).toEqual({
        email: 'viewer@local',
        roles: ['viewer'],
      });
      // The next start reads it back without a word.
      const again = await startOver(dir);
      expect((await jwks(again)).map((k) => k.kid)).toEqual([stored.kid]);
    }
  });
});

describe('minted tokens', () => {
  it('verify like the code flow’s, for any email and groups', async () => {
    const token = await issuer.mintToken({ email: 'someone@example.org', groups: ['viewer', 'staff'] });
    expect(await auth.verify(token)).toEqual({ email: 'someone@example.org', roles: ['viewer'] });
    const none = await issuer.mintToken({ email: 'nobody@example.org', groups: [] });
    expect(await auth.verify(none)).toEqual({ email: 'nobody@example.org', roles: [] });
  });

  it('expire when asked to, and are refused as expired', async () => {
    const token = await issuer.mintToken({ ...OPERATOR, expiresInSeconds: -60 });
    expect(await reason(auth.verify(token))).toBe('expired');
  });

  it('come from POST /_local/auth/token, which the harness calls', async () => {
    expect(await auth.verify(await adminToken(base, OPERATOR))).toEqual({
      email: 'operator@local',
      roles: ['operator'],
    });
    expect(await reason(auth.verify(await adminToken(base, { ...VIEWER, expiresInSeconds: -1 })))).toBe(
      'expired',
    );
  });

  it('are refused by POST /_local/auth/token for a bad request, naming the field', async () => {
    const post = (body: unknown) =>
      fetch(`${base}/_local/auth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    for (const [body, field] of [
      [{ email: 'not-an-email', groups: [] }, 'email'],
      [{ email: 'a@b.org' }, 'groups'],
      [{ email: 'a@b.org', groups: ['operator'], expiresInSeconds: 'soon' }, 'expiresInSeconds'],
    ] as const) {
      const res = await post(body);
      expect(res.status).toBe(400);
      const answer = (await res.json()) as { issues: { path: string }[] };
      expect(answer.issues.map((i) => i.path)).toContain(field);
    }
    await expect(adminToken(base, { email: 'bad', groups: [] })).rejects.toThrow(/400/);
  });
});

describe('signing in with a browser', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('goes from the admin view to the sign-in page and back, signed in; the page passes axe', async () => {
    const session = await openSession(browser);
    try {
      const { page } = session;
      await page.goto(`${base}/admin`);
      await page.getByRole('heading', { level: 1, name: 'Sign in to the admin view' }).waitFor();
      expect(blocking(await axeViolations(session))).toEqual([]);
      await page.getByRole('button', { name: /viewer@local/ }).click();
      await page.waitForURL(`${base}/admin`);
      expect(await page.textContent('body')).toBe('Signed in as viewer@local');
      const cookies = await session.context.cookies(base);
      expect(cookies.find((c) => c.name === 'rebound_admin')).toMatchObject({
        httpOnly: true,
        sameSite: 'Lax',
      });
      expect(session.cspViolations).toEqual([]);
    } finally {
      await session.close();
    }
  });
});
