/**
 * The admin session: OpenID Connect sign-in (authorization code with PKCE, a public client with no secret)
 * against the configured issuer, a session cookie holding the ID token, and the guards every admin route
 * sits behind. On AWS the issuer is Cognito's managed login (`/oauth2/authorize`, `/oauth2/token`,
 * `/logout`); in the twin, its local issuer, whose sign-in page lists two test accounts.
 *
 * Why it is built this way:
 * - The cookie holds the ID token itself and every request verifies it (signature, issuer, audience, expiry):
 *   no server-side session store, and a session ends when its token does (15 minutes, the stack's app client).
 * - The state, the PKCE verifier and where to go next ride in a short-lived HttpOnly login cookie scoped to
 *   `/admin/auth`, so the callback can check the state and prove it started the flow.
 * - `next` is only ever a path under `/admin`: an absolute URL would make sign-in an open redirect.
 * - CSRF: the session cookie is `SameSite=Lax`, and any state-changing request that a cookie authenticates
 *   must also carry our own `Origin`. A bearer token cannot be sent by another site, so it is exempt.
 * - The cookie is `__Host-` prefixed (Secure, Path=/, no Domain) on AWS; the twin on plain http cannot use
 *   the prefix and drops `Secure`.
 * - Expiry (the cookie's Max-Age) is real time, as the token's own `exp` is: the twin's virtual clock moves
 *   the reminders' world, not the operator's day.
 *
 * Mount these routes before the guards (`app.use('/admin/*', session.page)` after `session.mount(app)`):
 * Hono stops at the first handler that answers, so sign-in, the callback and the signed-out page stay open.
 */
import { createHash, randomBytes as nodeRandomBytes, timingSafeEqual } from 'node:crypto';
import type { Context, Hono, MiddlewareHandler } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { type Child, jsx } from 'hono/jsx';
import { decodeJwt } from 'jose';
import * as z from 'zod';
import { systemClock } from '../../adapters/clock.ts';
import { AdminAuthenticationError } from '../../errors.ts';
import type { Clock } from '../../ports.ts';
import { Layout } from '../layout.tsx';
import type { AdminAuthenticator, AdminEnv, AdminSession, AdminSignInConfig } from './port.ts';

/** Paths of the sign-in flow (the callback must be registered with the issuer's app client). */
export const ADMIN_SIGN_IN_PATH = '/admin/sign-in';
export const ADMIN_CALLBACK_PATH = '/admin/auth/callback';
export const ADMIN_SIGN_OUT_PATH = '/admin/sign-out';
export const ADMIN_SIGNED_OUT_PATH = '/admin/signed-out';
/** Where a sign-in goes when it was not asked to go anywhere else. */
const ADMIN_HOME = '/admin';

/** The login cookie lives only as long as a person might take to sign in. */
const LOGIN_COOKIE_SECONDS = 10 * 60;
const LOGIN_COOKIE_PATH = '/admin/auth';
/** How long the token endpoint may take before the callback gives up. */
const TOKEN_TIMEOUT_MS = 10_000;
/** The scopes the ID token needs: `email` for the principal, `profile` for the name Cognito shows. */
const SCOPES = 'openid email profile';

export interface AdminSessionOptions {
  /** Calls the token endpoint. @default the global `fetch` */
  readonly fetch?: typeof fetch;
  /** Source of the state and PKCE verifier. @default `node:crypto` randomBytes */
  readonly randomBytes?: (size: number) => Uint8Array;
  /** Real time, for the cookie's Max-Age. @default the system clock (never the twin's virtual one) */
  readonly clock?: Clock;
}

/** The session cookie's name: `__Host-` prefixed whenever it can be (Secure). */
export const sessionCookieName = (secure: boolean): string =>
  secure ? '__Host-rebound_admin' : 'rebound_admin';
const loginCookieName = (secure: boolean): string =>
  secure ? '__Secure-rebound_admin_login' : 'rebound_admin_login';

const LoginState = z.object({
  state: z.string().min(16),
  verifier: z.string().regex(/^[A-Za-z0-9._~-]{43,128}$/),
  next: z.string(),
});
type LoginState = z.infer<typeof LoginState>;

const TokenResponse = z.object({ id_token: z.string().min(1) });

const base64url = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64url');

/**
 * `next` if it is a path under `/admin` on this site, else the admin home. Refuses absolute and
 * scheme-relative URLs (`//evil.example`), backslashes (browsers read `/\evil` as `//evil`), control
 * characters, and the sign-in flow's own paths (which would loop).
 */
export function safeNext(next: string | undefined): string {
  if (!next || next.length > 2048) return ADMIN_HOME;
  if (!/^\/admin(?:[/?#]|$)/.test(next)) return ADMIN_HOME;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
  if (/[\\\s\u0000-\u001f\u007f]/.test(next) || next.startsWith('//')) return ADMIN_HOME;
  const resolved = new URL(next, 'https://admin.invalid');
  if (resolved.origin !== 'https://admin.invalid') return ADMIN_HOME;
  const path = resolved.pathname; // dot segments resolved: `/admin/../x` is `/x`
  if (!/^\/admin(?:\/|$)/.test(path)) return ADMIN_HOME;
  if (path.startsWith('/admin/auth/') || path === ADMIN_SIGN_IN_PATH || path === ADMIN_SIGN_OUT_PATH) {
    return ADMIN_HOME;
  }
  return `${path}${resolved.search}`;
}

const sameString = (a: string, b: string): boolean => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

/** GET, HEAD and OPTIONS change nothing; everything else must prove it comes from our own pages. */
const changesState = (method: string): boolean => !['GET', 'HEAD', 'OPTIONS'].includes(method.toUpperCase());

/** The form field naming the page to come back to when a POST finds the session gone. */
export const RETURN_TO_FIELD = 'returnTo';
/** A confirm form is a few hundred bytes; a bigger body (or one of unknown length) is not read unauthenticated. */
const RETURN_TO_MAX_BODY_BYTES = 16 * 1024;

const pathOf = (url: string): string => {
  const { pathname, search } = new URL(url);
  return safeNext(`${pathname}${search}`);
};

/**
 * Where a form POST that found no session should land after signing in again. Not its own path: an action
 * has no page to GET (its sign-in would end on a 404). The page the form was on, when the form names it in
 * `returnTo` (the confirm page does, so the operator sees the same question again, with a fresh key); else
 * the admin's home.
 */
async function returnToOf(c: Context): Promise<string> {
  // Read before anyone is authenticated: only a small form, as the confirm page sends, is worth reading.
  const type = c.req.header('content-type') ?? '';
  const length = Number(c.req.header('content-length'));
  if (!type.startsWith('application/x-www-form-urlencoded') || !(length <= RETURN_TO_MAX_BODY_BYTES)) {
    return ADMIN_HOME;
  }
  const form = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
  const named = (form as Record<string, unknown>)[RETURN_TO_FIELD];
  return safeNext(typeof named === 'string' ? named : undefined);
}

type SignInProblem = 'state' | 'refused' | 'token' | 'unavailable';

const PROBLEM_TEXT: Record<SignInProblem, string> = {
  state: 'The sign-in link was used twice, was too old, or was started in another browser.',
  refused: 'The sign-in service did not let you in.',
  token: 'The sign-in service gave us a token we could not accept.',
  unavailable: 'The sign-in service did not answer.',
};

/**
 * The flow's own pages, built with `jsx()` calls (this module is imported as `session.ts`, so no JSX syntax);
 * every text is escaped as in any other page.
 */
const renderPage = (title: string, ...children: Child[]): string | Promise<string> =>
  jsx(Layout, { title }, ...children).toString();

const signInProblemPage = (problem: SignInProblem, next: string) =>
  renderPage(
    'Sign-in did not work',
    jsx('h1', null, 'Sign-in did not work'),
    jsx('p', null, `${PROBLEM_TEXT[problem]} You are not signed in.`),
    jsx(
      'p',
      null,
      jsx('a', { href: `${ADMIN_SIGN_IN_PATH}?next=${encodeURIComponent(next)}` }, 'Sign in again'),
    ),
  );

const signedOutPage = () =>
  renderPage(
    'You have signed out',
    jsx('h1', null, 'You have signed out'),
    jsx('p', null, 'Close this window if you are using a shared computer.'),
    jsx('p', null, jsx('a', { href: ADMIN_SIGN_IN_PATH }, 'Sign in again')),
  );

const crossOriginPage = () =>
  renderPage(
    'Request refused',
    jsx('h1', null, 'Request refused'),
    jsx('p', null, 'This form was not sent from the Rebound admin pages, so nothing was changed.'),
    jsx('p', null, jsx('a', { href: ADMIN_HOME }, 'Go to the admin view')),
  );

export function createAdminSession(
  auth: AdminAuthenticator,
  config: AdminSignInConfig,
  options: AdminSessionOptions = {},
): AdminSession {
  const fetchImpl = options.fetch ?? fetch;
  const random = options.randomBytes ?? ((size: number) => new Uint8Array(nodeRandomBytes(size)));
  const clock = options.clock ?? systemClock;
  const secure = config.secureCookies;
  const baseUrl = config.baseUrl.replace(/\/+$/, '');
  const origin = new URL(baseUrl).origin;
  const redirectUri = `${baseUrl}${ADMIN_CALLBACK_PATH}`;
  const sessionCookie = sessionCookieName(secure);
  const loginCookie = loginCookieName(secure);

  /**
   * Our own pages send `Sec-Fetch-Site: same-origin` (a header no script can set). Their `Origin` is `null`:
   * the web layer's `Referrer-Policy: no-referrer` makes browsers send `Origin: null` with every form POST.
   * Without `Sec-Fetch-Site` (an older browser, a script), `Origin` must be ours.
   */
  const fromOurOrigin = (c: Context) => {
    const site = c.req.header('sec-fetch-site');
    if (site !== undefined) return site === 'same-origin';
    return c.req.header('origin') === origin;
  };

  const readLogin = (c: Context): LoginState | undefined => {
    const raw = getCookie(c, loginCookie);
    if (!raw) return undefined;
    try {
      const parsed = LoginState.safeParse(JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')));
      return parsed.success ? parsed.data : undefined;
    } catch {
      return undefined;
    }
  };

  const clearSession = (c: Context) => deleteCookie(c, sessionCookie, { path: '/', secure, httpOnly: true });

  /** The ID token for `code`, or the problem to show. */
  const exchange = async (code: string, verifier: string): Promise<string | SignInProblem> => {
    let res: Response;
    try {
      res = await fetchImpl(config.tokenUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: new URLSearchParams({
          grant_type: 'authorization_code',
          client_id: config.clientId,
          code,
          redirect_uri: redirectUri,
          code_verifier: verifier,
        }).toString(),
        signal: AbortSignal.timeout(TOKEN_TIMEOUT_MS),
        redirect: 'error',
      });
    } catch {
      return 'unavailable';
    }
    if (res.status >= 500) return 'unavailable';
    const body = TokenResponse.safeParse(await res.json().catch(() => undefined));
    if (!res.ok || !body.success) return 'refused';
    return body.data.id_token;
  };

  const mount = (app: Hono<AdminEnv>) => {
    app.get(ADMIN_SIGN_IN_PATH, (c) => {
      const login: LoginState = {
        state: base64url(random(32)),
        verifier: base64url(random(32)),
        next: safeNext(c.req.query('next')),
      };
      setCookie(c, loginCookie, Buffer.from(JSON.stringify(login)).toString('base64url'), {
        httpOnly: true,
        secure,
        sameSite: 'Lax',
        path: LOGIN_COOKIE_PATH,
        maxAge: LOGIN_COOKIE_SECONDS,
      });
      const url = new URL(config.authorizeUrl);
      url.searchParams.set('response_type', 'code');
      url.searchParams.set('client_id', config.clientId);
      url.searchParams.set('redirect_uri', redirectUri);
      url.searchParams.set('scope', SCOPES);
      url.searchParams.set('state', login.state);
      url.searchParams.set('code_challenge', createHash('sha256').update(login.verifier).digest('base64url'));
      url.searchParams.set('code_challenge_method', 'S256');
      return c.redirect(url.href, 302);
    });

    app.get(ADMIN_CALLBACK_PATH, async (c) => {
      const login = readLogin(c);
      const next = login?.next ?? ADMIN_HOME;
      const fail = (problem: SignInProblem) =>
        c.html(signInProblemPage(problem, next), problem === 'unavailable' ? 502 : 400);
      const { code, state, error } = c.req.query();
      if (!login || !state || !sameString(state, login.state)) return fail('state');
      if (error || !code) return fail('refused');
      const idToken = await exchange(code, login.verifier);
      if (idToken === 'unavailable' || idToken === 'refused') return fail(idToken);
      try {
        await auth.verify(idToken);
      } catch (e) {
        if (e instanceof AdminAuthenticationError) return fail('token');
        throw e;
      }
      const { exp } = decodeJwt(idToken);
      const maxAge = Math.floor((exp ?? 0) - clock.now().getTime() / 1000);
      if (maxAge <= 0) return fail('token');
      setCookie(c, sessionCookie, idToken, { httpOnly: true, secure, sameSite: 'Lax', path: '/', maxAge });
      deleteCookie(c, loginCookie, { path: LOGIN_COOKIE_PATH, secure, httpOnly: true });
      return c.redirect(safeNext(next), 303);
    });

    app.post(ADMIN_SIGN_OUT_PATH, (c) => {
      if (!fromOurOrigin(c)) return c.html(crossOriginPage(), 403);
      clearSession(c);
      if (!config.logoutUrl) return c.redirect(ADMIN_SIGNED_OUT_PATH, 303);
      // Cognito's /logout ends its own session too, then returns to a sign-out URL the app client allows.
      const url = new URL(config.logoutUrl);
      url.searchParams.set('client_id', config.clientId);
      url.searchParams.set('logout_uri', `${baseUrl}${ADMIN_SIGNED_OUT_PATH}`);
      return c.redirect(url.href, 303);
    });

    app.get(ADMIN_SIGNED_OUT_PATH, (c) => c.html(signedOutPage()));
  };

  const page: MiddlewareHandler<AdminEnv> = async (c, next) => {
    if (changesState(c.req.method) && !fromOurOrigin(c)) return c.html(crossOriginPage(), 403);
    const token = getCookie(c, sessionCookie);
    const toSignIn = async () => {
      const back = changesState(c.req.method) ? await returnToOf(c) : pathOf(c.req.url);
      return c.redirect(`${ADMIN_SIGN_IN_PATH}?next=${encodeURIComponent(back)}`, 303);
    };
    if (!token) return toSignIn();
    try {
      c.set('principal', await auth.verify(token));
    } catch (e) {
      if (!(e instanceof AdminAuthenticationError)) throw e;
      clearSession(c); // a stale cookie would only be sent, and refused, again
      return toSignIn();
    }
    await next();
  };

  const api: MiddlewareHandler<AdminEnv> = async (c, next) => {
    const unauthenticated = (reason: AdminAuthenticationError['reason']) =>
      c.json({ error: 'unauthenticated', reason }, 401, {
        'www-authenticate': reason === 'missing' ? 'Bearer' : 'Bearer error="invalid_token"',
      });
    const authorization = c.req.header('authorization');
    let token: string | undefined;
    if (authorization !== undefined) {
      const bearer = /^Bearer +(\S*) *$/i.exec(authorization);
      if (!bearer) return unauthenticated('invalid');
      token = bearer[1];
    } else {
      token = getCookie(c, sessionCookie);
      if (token !== undefined && changesState(c.req.method) && !fromOurOrigin(c)) {
        return c.json({ error: 'forbidden', message: 'Cross-origin request refused' }, 403);
      }
    }
    if (!token) return unauthenticated('missing');
    try {
      c.set('principal', await auth.verify(token));
    } catch (e) {
      if (e instanceof AdminAuthenticationError) return unauthenticated(e.reason);
      throw e;
    }
    await next();
  };

  return { mount, page, api };
}
