/**
 * Credentials for `npm run fuzz`'s requests to `POST /events`, added at run time with the twin's `local`
 * source: the API key on even indexes and a Standard Webhooks signature on odd ones (so every mutation meets
 * both ways in), or, for the `auth` category, the forged credential its recipe names.
 *
 * Signatures are computed here over the exact body bytes (the algorithm, not the library). A body that is not
 * valid UTF-8 goes with the API key instead: the gateway hands a JSON body to the function as a string, as
 * API Gateway does, so its bytes are not the ones signed and the answer would be 401 instead of the 400 under
 * test.
 */
import { isUtf8 } from 'node:buffer';
import { createHmac } from 'node:crypto';
import type { SourceCredentials } from '../../harness/credentials.ts';
import type { ForgedAuth, FuzzRequest } from './fuzz-requests.ts';

/** How a request to `POST /events` authenticated: valid (`api-key`, `signature`) or forged. */
export type AuthUsed = 'api-key' | 'signature' | ForgedAuth;

const SKEW_S = 6 * 60; // beyond the 5-minute tolerance
const OTHER_SECRET = `whsec_${Buffer.from('not the secret of any source!!!!').toString('base64')}`;

/** `v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>">` with `secret` (`whsec_<base64 key>`). */
export function signatureOf(secret: string, id: string, timestampS: number, body: Buffer): string {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  const mac = createHmac('sha256', key).update(`${id}.${timestampS}.`).update(body).digest('base64');
  return `v1,${mac}`;
}

/** True for the intake route: `POST /events` (with or without a query). */
export function isIntake(request: Pick<FuzzRequest, 'method' | 'path'>): boolean {
  return request.method === 'POST' && new URL(request.path, 'http://localhost').pathname === '/events';
}

const withQuery = (path: string, query: string) => `${path}${path.includes('?') ? '&' : '?'}${query}`;

/**
 * `request` with its credentials, and how it authenticated. Requests to other routes go as they are (`none`
 * is not reported for them: `auth` is undefined).
 */
export function authenticate(
  request: FuzzRequest,
  credentials: SourceCredentials,
  nowS = Math.floor(Date.now() / 1000),
): { readonly request: FuzzRequest; readonly auth?: AuthUsed } {
  if (!isIntake(request)) return { request };
  const body = request.body ?? Buffer.alloc(0);
  const auth: AuthUsed = request.auth ?? (request.index % 2 === 0 || !isUtf8(body) ? 'api-key' : 'signature');
  const id = `msg_fuzz_${request.index}`;
  const bearer = (value: string) => ({ ...request, headers: { ...request.headers, authorization: value } });
  const signed = (opts: {
    secret?: string;
    at?: number;
    over?: Buffer;
    source?: string | null;
    version?: string;
  }) => {
    const at = opts.at ?? nowS;
    const signature = signatureOf(opts.secret ?? credentials.webhookSecret, id, at, opts.over ?? body);
    const source = opts.source === undefined ? credentials.sourceId : opts.source;
    return {
      ...request,
      path: source === null ? request.path : withQuery(request.path, `source=${encodeURIComponent(source)}`),
      headers: {
        ...request.headers,
        'webhook-id': id,
        'webhook-timestamp': String(at),
        'webhook-signature': opts.version ? signature.replace(/^v1,/, `${opts.version},`) : signature,
      },
    };
  };
  const key = credentials.apiKey;
  const forgedKey = `${key.slice(0, -4)}${key.endsWith('AAAA') ? 'BBBB' : 'AAAA'}`;
  switch (auth) {
    case 'api-key':
      return { request: bearer(`Bearer ${key}`), auth };
    case 'signature':
      return { request: signed({}), auth };
    case 'none':
      return { request, auth };
    case 'wrong-key':
      return { request: bearer(`Bearer ${forgedKey}`), auth };
    case 'unknown-source-key':
      return { request: bearer(`Bearer rbk_nobody_${'x'.repeat(32)}`), auth };
    case 'malformed-bearer':
      return { request: bearer(`Bearer ${key.slice(0, 12)}`), auth };
    case 'basic-auth':
      return { request: bearer(`Basic ${Buffer.from(`local:${key}`).toString('base64')}`), auth };
    case 'forged-signature':
      return { request: signed({ secret: OTHER_SECRET }), auth };
    case 'other-body':
      return { request: signed({ over: Buffer.concat([body, Buffer.from(' ')]) }), auth };
    case 'stale':
      return { request: signed({ at: nowS - SKEW_S }), auth };
    case 'ahead':
      return { request: signed({ at: nowS + SKEW_S }), auth };
    case 'unknown-version':
      return { request: signed({ version: 'v2' }), auth };
    case 'unknown-source':
      return { request: signed({ source: 'nobody' }), auth };
    case 'no-source':
      return { request: signed({ source: null }), auth };
  }
}
