/**
 * Who sent this request? Intake accepts two credentials: a Standard Webhooks signature (`webhook-id`,
 * `webhook-timestamp`, `webhook-signature`, with the source named in the URL: `POST /events?source=<id>`) or
 * an API key (`Authorization: Bearer rbk_<sourceId>_…`). Anything else is a 401 with one of five codes.
 */
import { randomBytes } from 'node:crypto';
import {
  apiKeyMatches,
  hashApiKey,
  MAX_API_KEYS,
  SOURCE_ID_PATTERN,
  type Source,
  sourceIdOfApiKey,
  webhookSecretOf,
} from '../domain/sources.ts';
import { AuthenticationError, type AuthenticationFailure } from '../errors.ts';

/** The credentials a request carries, as the HTTP adapter found them; nothing checked yet. */
export type Credentials =
  /** None, or an incomplete set (a signature without its timestamp, a webhook without `?source=`). */
  | { readonly kind: 'none' }
  | {
      readonly kind: 'webhook';
      readonly sourceId: string;
      /** `webhook-id`: unique per message, the same on every redelivery. */
      readonly id: string;
      /** `webhook-timestamp`: epoch seconds when the sender signed this attempt. */
      readonly timestamp: string;
      /** `webhook-signature`: `v1,<base64>`, possibly several separated by spaces. */
      readonly signature: string;
    }
  | { readonly kind: 'apiKey'; readonly key: string };

/** A signed message: the three headers and the exact bytes of the body. */
export interface SignedMessage {
  readonly id: string;
  readonly timestamp: string;
  readonly signature: string;
  readonly body: Uint8Array;
}

export type SignatureCheck = 'valid' | 'invalid_signature' | 'stale_timestamp';

/**
 * Verifies Standard Webhooks signatures. The timestamp tolerance (5 minutes either way) is judged on real
 * time, not the `Clock` port: the sender signs with its own wall clock, while the twin's clock is virtual.
 */
export interface WebhookVerifier {
  /**
   * `valid` when the signature of some `v1` entry was made with one of `secrets` over this id, timestamp and
   * body. Checks against every secret, so the time taken does not tell which one matched.
   */
  verify(message: SignedMessage, secrets: readonly string[]): SignatureCheck;
}

/** Sources as intake sees them, cached for at most a minute (so a revocation takes effect within one). */
export interface SourceDirectory {
  /** The source, possibly as read up to a minute ago. */
  find(sourceId: string): Promise<Source | undefined>;
  /**
   * A fresher read after a check failed against what `find` gave: a secret or key issued since then works at
   * once. Re-reads at most once a second per source, so a flood of bad requests costs no more than that.
   */
  reload(sourceId: string): Promise<Source | undefined>;
}

export interface AuthenticateDeps {
  readonly sources: SourceDirectory;
  readonly verifier: WebhookVerifier;
}

/** A source whose credentials the request carried. */
export interface Authenticated {
  readonly source: Source;
  /** The `webhook-id` of a signed request (its idempotency key when the body has no `id`). */
  readonly webhookId?: string | undefined;
}

/**
 * Stand-ins for an unknown source: verifying against them takes as long as against a real one, so the time
 * to answer does not tell an unknown source from a bad signature. Made at load, never stored or shown.
 */
const DUMMY_SECRETS = [webhookSecretOf(randomBytes(32))];
const DUMMY_KEY_HASH = hashApiKey(`rbk_dummy_${randomBytes(24).toString('base64url')}`);

const fail = (code: AuthenticationFailure): never => {
  throw new AuthenticationError(code);
};

type Outcome =
  | { readonly ok: true; readonly source: Source }
  | { readonly ok: false; readonly code: Failure };
type Failure = Exclude<AuthenticationFailure, 'missing_credentials'>;

/** Judge a signed message against one read of its source. */
function judgeWebhook(message: SignedMessage, source: Source | undefined, deps: AuthenticateDeps): Outcome {
  const secrets =
    source && source.webhookSecrets.length > 0 ? source.webhookSecrets.map((s) => s.secret) : DUMMY_SECRETS;
  const check = deps.verifier.verify(message, secrets);
  if (!source) return { ok: false, code: 'unknown_source' };
  if (check !== 'valid') return { ok: false, code: check };
  // Only a holder of a valid credential learns that the source was revoked.
  if (source.status !== 'active') return { ok: false, code: 'revoked_source' };
  return { ok: true, source };
}

/**
 * Judge an API key against one read of the source it names: always {@link MAX_API_KEYS} constant-time
 * comparisons, the missing ones against a dummy hash, so the time taken tells neither whether the source
 * exists, nor how many keys it has, nor which one matched.
 */
function judgeApiKey(key: string, source: Source | undefined): Outcome {
  let matches = false;
  for (let i = 0; i < MAX_API_KEYS; i += 1) {
    const hash = source?.apiKeyHashes[i];
    // The comparison runs first, whatever came before: no short circuit skips it.
    const matched = apiKeyMatches(key, hash ?? DUMMY_KEY_HASH) && hash !== undefined;
    matches = matched || matches;
  }
  // A key that matches no source's key names no source we know: the same answer as a made-up source id.
  if (!source || !matches) return { ok: false, code: 'unknown_source' };
  if (source.status !== 'active') return { ok: false, code: 'revoked_source' };
  return { ok: true, source };
}

/** A failure a fresher read could turn into success: a source or credential created since the cached read. */
const mayBeNewer = (outcome: Outcome) =>
  !outcome.ok && (outcome.code === 'unknown_source' || outcome.code === 'invalid_signature');

/**
 * Authenticate one intake request.
 *
 * Input: the credentials and the exact body bytes. Output: the source, or `AuthenticationError` (401).
 * 1. No credentials, or an incomplete set: `missing_credentials`.
 * 2. Find the source the credentials name (the `?source=` of a webhook, the id inside an API key) in the
 *    one-minute cache.
 * 3. Check the credential against it: the signature against each of its secrets (a dummy secret when the source
 *    is unknown, so both cases take the same time), or the key's SHA-256 against the stored hashes in constant
 *    time (two comparisons always: one key, or two during a rotation, padded with a dummy). Codes:
 *    `stale_timestamp`, `invalid_signature`, `unknown_source`; a valid credential of a revoked source:
 *    `revoked_source`.
 * 4. When the source is unknown or the credential does not match, check once more against a fresh read (at
 *    most one per second per source; one `GetItem`, secrets reopened only if the source changed), so a
 *    source, secret or key created a moment ago works at once, while a revocation waits for the cache (at most a
 *    minute).
 */
export async function authenticateRequest(
  credentials: Credentials,
  body: Uint8Array,
  deps: AuthenticateDeps,
): Promise<Authenticated> {
  if (credentials.kind === 'none') return fail('missing_credentials');
  const sourceId = credentials.kind === 'webhook' ? credentials.sourceId : sourceIdOfApiKey(credentials.key);
  const judge = (source: Source | undefined): Outcome =>
    credentials.kind === 'webhook'
      ? judgeWebhook({ ...credentials, body }, source, deps)
      : judgeApiKey(credentials.key, source);
  if (sourceId === undefined || !SOURCE_ID_PATTERN.test(sourceId)) {
    judge(undefined);
    return fail('unknown_source');
  }
  const cached = await deps.sources.find(sourceId);
  let outcome = judge(cached);
  if (mayBeNewer(outcome)) {
    const fresh = await deps.sources.reload(sourceId);
    if (fresh !== cached) outcome = judge(fresh);
  }
  if (!outcome.ok) return fail(outcome.code);
  return {
    source: outcome.source,
    ...(credentials.kind === 'webhook' ? { webhookId: credentials.id } : {}),
  };
}
