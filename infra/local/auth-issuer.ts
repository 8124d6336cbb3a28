/**
 * The twin's OpenID Connect issuer, standing in for the Cognito user pool of the admin view. Built on
 * `oauth2-mock-server` (real RSA keys, a real JWKS, the authorization-code flow with PKCE), shaped so that
 * the admin function verifies its tokens on exactly the path it uses on AWS (`JwtAdminAuthenticator`):
 *
 * - ID tokens look like Cognito's: `iss` = this issuer, `aud` = the app client, `token_use: "id"`, `email`,
 *   `cognito:groups`, `cognito:username`, `sub`, `exp` (15 minutes, real time, as the stack's app client). Access tokens carry
 *   `token_use: "access"`, `client_id` and no `aud`, as Cognito's do, so they cannot pass for ID tokens.
 * - Two accounts: `operator@local` (group `operator`) and `viewer@local` (group `viewer`). The sign-in page
 *   (`GET /_local/auth/sign-in` on the twin's API, the configured authorize URL) lists them; its form goes
 *   on to this server's `/authorize` with `login_hint` naming the account, and the code that comes back
 *   remembers who it was issued to.
 * - As Cognito does, sign-in serves only the app client's registered callback URLs (`callbackUrls`, compared
 *   exactly): the sign-in page refuses any other `redirect_uri`, and a direct `/authorize` with one never
 *   redirects to it (it goes to the issuer's own `/error?error=redirect_mismatch`, as Cognito's does).
 * - As Cognito does, the token endpoint takes an authorization code once, within five minutes, only from
 *   the client and redirect URI it was issued for, and only with the PKCE verifier when a challenge was
 *   sent. Other grants are refused: the admin view signs in with codes only.
 * - `POST /_local/auth/token` mints an ID token for any email and groups directly (tests, scripts), also
 *   an already expired one.
 *
 * The RSA signing key lives in `keyFile` (the twin's `<data dir>/auth-issuer-key.json`, mode 0600): made on
 * the first start and re-used after, so a twin restart keeps operators signed in until their ID token
 * expires (their session cookie holds the token, verified against the JWKS on every request). A file that
 * cannot be read or holds no usable key is replaced by a new key, with one warning: that signs everyone out,
 * as a new user pool would. Without `keyFile` (tests), each start has a new key.
 */
import { createHash, randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { dirname } from 'node:path';
import {
  Events,
  JWKStore,
  type MutableRedirectUri,
  type MutableResponse,
  type MutableToken,
  OAuth2Server,
} from 'oauth2-mock-server';
import * as z from 'zod';
import { type LocalAccount, renderSignInPage, renderSignInRequestProblemPage } from './auth-issuer-page.tsx';
import { readRequest } from './controls.ts';
import { type Routes, readBody, sendJson } from './support/http.ts';

export type { LocalAccount } from './auth-issuer-page.tsx';

/** The twin's two test accounts, as the sign-in page lists them. */
export const LOCAL_ACCOUNTS: readonly LocalAccount[] = [
  { email: 'operator@local', groups: ['operator'], description: 'operator: may act' },
  { email: 'viewer@local', groups: ['viewer'], description: 'viewer: read only' },
];

/** Paths on the twin's API. */
export const AUTH_SIGN_IN_PATH = '/_local/auth/sign-in';
export const AUTH_TOKEN_PATH = '/_local/auth/token';
/** The issuer's own error page, where Cognito sends an authorize request for an unregistered callback. */
const ERROR_PATH = '/error';

/** Cognito's authorization codes are valid for five minutes. */
const CODE_LIFETIME_MS = 5 * 60 * 1000;
/** The stack's app client issues ID tokens for 15 minutes (`infra/constructs/admin-view.ts`). */
const ID_TOKEN_SECONDS = 900;
const SIGN_IN_MAX_BODY_BYTES = 8192;
/** The OAuth parameters the sign-in page passes on to `/authorize`; anything else is dropped. */
const OAUTH_PARAMS = [
  'response_type',
  'client_id',
  'redirect_uri',
  'scope',
  'state',
  'code_challenge',
  'code_challenge_method',
  'nonce',
] as const;

export interface MintTokenInput {
  readonly email: string;
  readonly groups: readonly string[];
  /** Negative for a token that expired that long ago. @default 900 */
  readonly expiresInSeconds?: number;
}

export interface AuthIssuer {
  /** `iss` of every token (`ADMIN_ISSUER`). */
  readonly issuerUrl: string;
  /** `ADMIN_JWKS_URL`. */
  readonly jwksUrl: string;
  /** `ADMIN_TOKEN_URL`. */
  readonly tokenUrl: string;
  /** The mock's own `/authorize`, where the sign-in page's form goes (not `ADMIN_AUTHORIZE_URL`). */
  readonly authorizeUrl: string;
  /** The one app client (`ADMIN_CLIENT_ID`): `aud` of ID tokens. */
  readonly clientId: string;
  /** The app client's callback URLs: the only `redirect_uri` values sign-in accepts. */
  readonly callbackUrls: readonly string[];
  readonly accounts: readonly LocalAccount[];
  /** A signed ID token for anyone, as the code flow would issue it. */
  mintToken(input: MintTokenInput): Promise<string>;
  /**
   * The sign-in page for an authorize request's query, or (status 400) the page naming what is wrong with
   * the request. `formAction` is where its form posts. @default `/_local/auth/sign-in`
   */
  signInPage(query: URLSearchParams, formAction?: string): Promise<{ status: number; html: string }>;
  stop(): Promise<void>;
}

interface IssuedCode {
  readonly account: LocalAccount;
  readonly clientId: string;
  readonly redirectUri: string;
  readonly pkce: boolean;
  readonly expiresAt: number;
}

/** A stable, UUID-shaped `sub` per email, as Cognito gives each user one. */
function subjectOf(email: string): string {
  const hex = createHash('sha256').update(`rebound-local:${email}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** Cognito's ID token claims for `account` (on top of the mock's `iss`, `iat`, `exp`). */
function idTokenClaims(account: Pick<LocalAccount, 'email' | 'groups'>, clientId: string) {
  return {
    sub: subjectOf(account.email),
    aud: clientId,
    email: account.email,
    email_verified: true,
    ...(account.groups.length > 0 ? { 'cognito:groups': [...account.groups] } : {}),
    'cognito:username': account.email,
    token_use: 'id',
    auth_time: Math.floor(Date.now() / 1000),
    jti: randomUUID(),
  };
}

/** Make the mock's token look like Cognito's: no `nbf`, our claims. */
function shape(payload: Record<string, unknown>, claims: Record<string, unknown>): void {
  delete payload.nbf;
  Object.assign(payload, claims);
}

/** The authorize request's OAuth parameters and what is wrong with them (empty when nothing is). */
function readSignInRequest(
  source: URLSearchParams,
  client: Pick<AuthIssuer, 'clientId' | 'callbackUrls'>,
): { params: Record<string, string>; problems: string[] } {
  const params: Record<string, string> = {};
  for (const name of OAUTH_PARAMS) {
    const value = source.get(name);
    if (value !== null) params[name] = value;
  }
  const problems: string[] = [];
  if (params.client_id !== client.clientId) problems.push('client_id: not the admin view’s app client');
  if (params.response_type !== 'code') problems.push('response_type: must be "code"');
  if (params.redirect_uri === undefined) problems.push('redirect_uri: missing');
  else if (!client.callbackUrls.includes(params.redirect_uri)) {
    problems.push('redirect_uri: not a registered callback URL');
  }
  if (params.code_challenge !== undefined && params.code_challenge_method !== 'S256') {
    problems.push('code_challenge_method: must be "S256"');
  }
  return { params, problems };
}

/** The signing key as `keyFile` holds it: the RS256 private JWK that the mock's `keys.generate` returns. */
const StoredKeySchema = z.object({
  kty: z.literal('RSA'),
  alg: z.literal('RS256'),
  kid: z.string().min(1).max(256),
  n: z.base64url().min(1),
  e: z.base64url().min(1),
  d: z.base64url().min(1),
  p: z.base64url().min(1),
  q: z.base64url().min(1),
  dp: z.base64url().min(1),
  dq: z.base64url().min(1),
  qi: z.base64url().min(1),
});
type StoredKey = z.infer<typeof StoredKeySchema>;

type KeyFileContent =
  | { readonly status: 'missing' }
  | { readonly status: 'unusable'; readonly reason: string }
  | { readonly status: 'usable'; readonly key: StoredKey };

/** What `file` holds: a key the mock's keystore accepts (it imports it as a private key), or why not. */
async function readKeyFile(file: string): Promise<KeyFileContent> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const { code, message } = error as NodeJS.ErrnoException;
    return code === 'ENOENT' ? { status: 'missing' } : { status: 'unusable', reason: code ?? message };
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { status: 'unusable', reason: 'not JSON' };
  }
  const parsed = StoredKeySchema.safeParse(json);
  if (!parsed.success) return { status: 'unusable', reason: 'not an RS256 private key' };
  try {
    await new JWKStore().add(parsed.data);
  } catch (error) {
    return { status: 'unusable', reason: error instanceof Error ? error.message : String(error) };
  }
  return { status: 'usable', key: parsed.data };
}

/**
 * The signing key of `file`, or a new one written there when it has none: created on the first start,
 * replaced (with one `warn` line) when it cannot be read or holds no usable key.
 */
async function signingKey(file: string, warn: (line: string) => void): Promise<Record<string, unknown>> {
  const stored = await readKeyFile(file);
  if (stored.status === 'usable') return stored.key;
  if (stored.status === 'unusable') {
    warn(`[auth] ${file}: ${stored.reason}; replaced by a new signing key (everyone signs in again)`);
  }
  const key = await new JWKStore().generate('RS256');
  await mkdir(dirname(file), { recursive: true });
  // Written beside it, then renamed over it: no start ever reads half a key, and the file is 0600 even
  // where the one it replaces was not.
  const temporary = `${file}.${randomUUID()}.tmp`;
  await writeFile(temporary, `${JSON.stringify(key)}\n`, { mode: 0o600, flag: 'wx' });
  await rename(temporary, file);
  return key;
}

const CallbackUrlsSchema = z
  .array(z.url({ protocol: /^https?$/ }))
  .min(1, 'the app client needs a callback URL');

/**
 * Start the issuer on `port` (0: any free one). Its tokens are signed with the key of `keyFile` when given
 * (made on the first start), otherwise with a key new at each start.
 */
export async function startAuthIssuer(options: {
  readonly port: number;
  /** @default 127.0.0.1 */
  readonly host?: string;
  readonly clientId: string;
  /** The app client's callback URLs (absolute http(s)), as Cognito's app client registers them. */
  readonly callbackUrls: readonly string[];
  /** Where the signing key persists across starts (mode 0600). @default none: a new key at each start */
  readonly keyFile?: string;
  /** Where the one line about a replaced key file goes. @default console.warn */
  readonly warn?: (line: string) => void;
}): Promise<AuthIssuer> {
  const host = options.host ?? '127.0.0.1';
  const { clientId } = options;
  const callbackUrls = CallbackUrlsSchema.parse(options.callbackUrls);
  const server = new OAuth2Server();
  if (options.keyFile === undefined) await server.issuer.keys.generate('RS256');
  else await server.issuer.keys.add(await signingKey(options.keyFile, options.warn ?? console.warn));
  server.service.addRoute('GET', ERROR_PATH, (req, res) => {
    const problem =
      req.query.error === 'redirect_mismatch'
        ? 'redirect_uri is not a registered callback URL'
        : 'bad request';
    res.writeHead(400, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
    res.end(`Sign-in refused: ${problem}. Start again from the admin view.\n`);
  });
  await server.start(options.port, host);
  // The mock would name 127.0.0.1 "localhost"; keep the twin's one spelling of its own addresses.
  const issuerUrl = `http://${host.includes(':') ? `[${host}]` : host}:${server.address().port}`;
  server.issuer.url = issuerUrl;
  const authorizeUrl = `${issuerUrl}/authorize`;

  const codes = new Map<string, IssuedCode>();
  const forget = (now: number) => {
    for (const [code, issued] of codes) if (issued.expiresAt < now) codes.delete(code);
  };

  server.service.on(Events.BeforeAuthorizeRedirect, (redirect: MutableRedirectUri, req: IncomingMessage) => {
    const query = new URL(req.url ?? '/', issuerUrl).searchParams;
    const redirectUri = query.get('redirect_uri') ?? '';
    if (!callbackUrls.includes(redirectUri)) {
      // Never to an unregistered URI, with or without a code: to the issuer's own error page, as Cognito.
      const error = new URLSearchParams({
        error: 'redirect_mismatch',
        client_id: query.get('client_id') ?? '',
      });
      redirect.url.href = `${issuerUrl}${ERROR_PATH}?${error}`;
      return;
    }
    const code = redirect.url.searchParams.get('code');
    if (code === null) return; // the mock refused the request already (unsupported response_type)
    const refuse = (error: string) => {
      redirect.url.searchParams.delete('code');
      redirect.url.searchParams.set('error', error);
    };
    const account = LOCAL_ACCOUNTS.find((a) => a.email === query.get('login_hint'));
    if (query.get('client_id') !== clientId) return refuse('unauthorized_client');
    if (!account) return refuse('access_denied');
    const now = Date.now();
    forget(now);
    codes.set(code, {
      account,
      clientId,
      redirectUri,
      pkce: query.has('code_challenge'),
      expiresAt: now + CODE_LIFETIME_MS,
    });
  });

  server.service.on(
    Events.BeforeTokenSigning,
    (token: MutableToken, req: IncomingMessage & { body?: Record<string, unknown> }) => {
      const code = req.body?.code;
      const issued = typeof code === 'string' ? codes.get(code) : undefined;
      if (!issued) return; // refused in BeforeResponse
      const { payload } = token;
      // The mock's tokens last an hour; the stack's app client issues them for 15 minutes.
      if (typeof payload.iat === 'number') payload.exp = payload.iat + ID_TOKEN_SECONDS;
      if ('scope' in payload) {
        shape(payload, {
          sub: subjectOf(issued.account.email),
          token_use: 'access',
          client_id: issued.clientId,
          username: issued.account.email,
          'cognito:groups': [...issued.account.groups],
        });
        delete payload.amr;
      } else {
        shape(payload, idTokenClaims(issued.account, issued.clientId));
      }
    },
  );

  server.service.on(
    Events.BeforeResponse,
    (response: MutableResponse, req: IncomingMessage & { body?: Record<string, unknown> }) => {
      const body = req.body ?? {};
      const refuse = (error: string, description: string) => {
        response.statusCode = 400;
        response.body = { error, error_description: description };
      };
      if (body.grant_type !== 'authorization_code') {
        return refuse('unsupported_grant_type', 'only authorization_code');
      }
      const code = typeof body.code === 'string' ? body.code : '';
      const issued = codes.get(code);
      codes.delete(code); // once, whatever happens next
      if (!issued || issued.expiresAt < Date.now())
        return refuse('invalid_grant', 'unknown, used or expired code');
      if (body.client_id !== issued.clientId) return refuse('invalid_grant', 'code issued to another client');
      if (body.redirect_uri !== issued.redirectUri) return refuse('invalid_grant', 'redirect_uri differs');
      if (issued.pkce && typeof body.code_verifier !== 'string')
        return refuse('invalid_grant', 'code_verifier required');
      const tokens = response.body;
      if (typeof tokens === 'object' && tokens !== null && 'expires_in' in tokens) {
        (tokens as Record<string, unknown>).expires_in = ID_TOKEN_SECONDS;
      }
    },
  );

  return {
    issuerUrl,
    jwksUrl: `${issuerUrl}/jwks`,
    tokenUrl: `${issuerUrl}/token`,
    authorizeUrl,
    clientId,
    callbackUrls,
    accounts: LOCAL_ACCOUNTS,
    mintToken: (input) =>
      server.issuer.buildToken({
        expiresIn: input.expiresInSeconds ?? ID_TOKEN_SECONDS,
        scopesOrTransform: (_header, payload) => shape(payload, idTokenClaims(input, clientId)),
      }),
    signInPage: async (query, formAction = AUTH_SIGN_IN_PATH) => {
      const { params, problems } = readSignInRequest(query, { clientId, callbackUrls });
      if (problems.length > 0) return { status: 400, html: await renderSignInRequestProblemPage(problems) };
      return {
        status: 200,
        html: await renderSignInPage({ action: formAction, params, accounts: LOCAL_ACCOUNTS }),
      };
    },
    stop: () => server.stop(),
  };
}

const MintRequestSchema = z.strictObject({
  // Not z.email(): the twin's own accounts live at `@local`, which has no dot.
  email: z
    .string()
    .max(254)
    .regex(/^[^\s@]+@[^\s@]+$/, 'must be an email address'),
  groups: z.array(z.string().min(1).max(128)).max(20),
  expiresInSeconds: z.number().int().min(-86_400).max(86_400).optional(),
});

/** The headers of the twin's sign-in pages: the web layer's policy, with the issuer as a form target. */
function pageHeaders(formTargets: readonly string[]): Record<string, string> {
  return {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    // Chromium checks form-action on every redirect after the form: the issuer, then the callback.
    'content-security-policy': [
      "default-src 'none'",
      "style-src 'self'",
      "img-src 'self' data:",
      `form-action 'self' ${formTargets.join(' ')}`.trim(),
      "frame-ancestors 'none'",
      "base-uri 'none'",
    ].join('; '),
    'referrer-policy': 'no-referrer',
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
  };
}

function sendHtml(res: ServerResponse, status: number, html: string, formTargets: readonly string[] = []) {
  res.writeHead(status, pageHeaders(formTargets)).end(html);
}

/**
 * The issuer's routes on the twin's API:
 * - `GET /_local/auth/sign-in`: the sign-in page (the admin view's authorize URL in the twin);
 * - `POST /_local/auth/sign-in`: its form; 302 to the issuer's `/authorize` with the request's OAuth
 *   parameters and `login_hint`;
 * - `POST /_local/auth/token` `{ "email", "groups": ["operator"], "expiresInSeconds"? }` → `{ "token" }`.
 */
export function authRoutes(issuer: AuthIssuer): Routes {
  return {
    [`GET ${AUTH_SIGN_IN_PATH}`]: async (_req, res, url) => {
      const { status, html } = await issuer.signInPage(url.searchParams);
      // The registered callbacks' origins only: a request for another never gets a form that could go there.
      sendHtml(res, status, html, [
        new URL(issuer.authorizeUrl).origin,
        ...new Set(issuer.callbackUrls.map((callback) => new URL(callback).origin)),
      ]);
    },
    [`POST ${AUTH_SIGN_IN_PATH}`]: async (req, res) => {
      const body = await readBody(req, SIGN_IN_MAX_BODY_BYTES);
      if (body === 'too_large')
        return sendHtml(res, 413, await renderSignInRequestProblemPage(['the form is too large']));
      const form = new URLSearchParams(body.toString('utf8'));
      const { params, problems } = readSignInRequest(form, issuer);
      const account = issuer.accounts.find((a) => a.email === form.get('login_hint'));
      if (!account) problems.push('login_hint: choose one of the accounts');
      if (problems.length > 0) return sendHtml(res, 400, await renderSignInRequestProblemPage(problems));
      const target = new URL(issuer.authorizeUrl);
      for (const [name, value] of Object.entries(params)) target.searchParams.set(name, value);
      target.searchParams.set('login_hint', account?.email ?? '');
      res.writeHead(302, { location: target.href, 'cache-control': 'no-store' }).end();
    },
    [`POST ${AUTH_TOKEN_PATH}`]: async (req, res) => {
      const hint = 'Send {"email":"operator@local","groups":["operator"]} (optional "expiresInSeconds")';
      const request = await readRequest(req, res, MintRequestSchema, hint);
      if (!request) return;
      sendJson(res, 200, { token: await issuer.mintToken(request) }, { 'cache-control': 'no-store' });
    },
  };
}
