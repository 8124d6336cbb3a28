/**
 * Sources: the integrators (career centres, coaching tools, job boards) who send us events. Pure: the shape
 * of a source, the format of its credentials, the changes a source may go through, and the rate window.
 *
 * Credentials:
 * - **Webhook signing secrets** in the Standard Webhooks format, `whsec_<base64 of 24–64 random bytes>`: one,
 *   or two during a rotation (both verify until the older one is retired). Stored sealed (KMS), never plain.
 * - **Optional API keys**, `rbk_<sourceId>_<32 base64url characters>` (192 random bits): none, one, or two
 *   during a rotation (both work until the older one is retired), as with the secrets. The source id in the
 *   key lets intake find the source with one read instead of a scan. Stored only as its SHA-256: a key is
 *   high-entropy, so a fast hash is right (a slow password hash protects low-entropy secrets against guessing;
 *   nobody can guess 192 random bits, and intake checks a key on every request).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { SourceRuleError } from '../errors.ts';

/** Lower-case letters, digits and inner hyphens, 1–40 characters: safe in keys, URLs and API keys. */
export const SOURCE_ID_PATTERN = /^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$/;

export type SourceStatus = 'active' | 'revoked';

/**
 * Requests a source may make: `perSecond` on average, with bursts of up to `burst` at once. Enforced as a
 * fixed window of `burst / perSecond` seconds that admits `burst` requests (see {@link rateWindowAt}).
 */
export interface RateLimit {
  readonly perSecond: number;
  readonly burst: number;
}

/** 50 requests per second, bursts of 100: a 2-second window of 100 requests. */
export const DEFAULT_RATE_LIMIT: RateLimit = { perSecond: 50, burst: 100 };

/** Old and new during a rotation; never more. */
export const MAX_WEBHOOK_SECRETS = 2;

/** A webhook secret as stored: sealed by the `SecretBox` with the encryption context `{ sourceId }`. */
export interface SealedSecret {
  /** Names the secret in `list` and `retire-secret` output; not secret. */
  readonly id: string;
  readonly createdAt: string;
  readonly ciphertext: string;
}

/** Old and new during a rotation; never more. */
export const MAX_API_KEYS = 2;

/** An API key as stored: only its hash, and a prefix that names it. */
export interface StoredApiKey {
  /** The key's first characters (`rbk_<sourceId>_AbCd`), so a person can tell which key is meant; not secret. */
  readonly prefix: string;
  /** SHA-256 (hex) of the key. */
  readonly hash: string;
  readonly createdAt: string;
}

/** A source as stored: its secrets sealed, its API keys hashed. */
export interface SourceRecord {
  readonly sourceId: string;
  readonly name: string;
  readonly status: SourceStatus;
  readonly createdAt: string;
  readonly revokedAt?: string | undefined;
  readonly rateLimit: RateLimit;
  /** Oldest first; one, or two during a rotation. */
  readonly webhookSecrets: readonly SealedSecret[];
  /** Oldest first; none, one, or two during a rotation. */
  readonly apiKeys: readonly StoredApiKey[];
  /** Counts changes; every update is conditional on the version it read. */
  readonly version: number;
}

/**
 * A source item as it may be found at rest: written before sources had two API keys, it holds one key as
 * `apiKeyHash` and `apiKeyPrefix` and no `apiKeys`.
 */
export type StoredSourceRecord = Omit<SourceRecord, 'apiKeys'> & {
  readonly apiKeys?: readonly StoredApiKey[] | undefined;
  /** The single key's SHA-256, in an item written before `apiKeys`: read through {@link sourceRecordOf}. */
  readonly apiKeyHash?: string | undefined;
  /** The single key's prefix, with `apiKeyHash`. */
  readonly apiKeyPrefix?: string | undefined;
};

/**
 * A stored item in the current shape: an old single key becomes a one-key list, and the old attributes are
 * dropped, so the next update (a whole-item put) writes the new shape. The old shape did not record when its
 * key was issued; the source's creation time stands in for it (it only orders keys, and a one-key list has
 * nothing to order).
 */
export function sourceRecordOf(stored: StoredSourceRecord): SourceRecord {
  const { apiKeys, apiKeyHash, apiKeyPrefix, ...rest } = stored;
  if (apiKeys) return { ...rest, apiKeys };
  return {
    ...rest,
    apiKeys: apiKeyHash
      ? [{ prefix: apiKeyPrefix ?? '', hash: apiKeyHash, createdAt: stored.createdAt }]
      : [],
  };
}

/** A webhook secret opened for verification. */
export interface OpenSecret {
  readonly id: string;
  /** `whsec_…` */
  readonly secret: string;
}

/** A source as intake checks requests against it: the secrets opened, the key still only a hash. */
export interface Source {
  readonly sourceId: string;
  readonly name: string;
  readonly status: SourceStatus;
  readonly rateLimit: RateLimit;
  readonly webhookSecrets: readonly OpenSecret[];
  /** SHA-256 (hex) of each API key: none, one, or two during a rotation. */
  readonly apiKeyHashes: readonly string[];
  /** The record's version: an unchanged version needs no secret opened again. */
  readonly version: number;
}

/** What `list` shows of a source: nothing secret. */
export interface SourceSummary {
  readonly sourceId: string;
  readonly name: string;
  readonly status: SourceStatus;
  readonly createdAt: string;
  readonly revokedAt?: string | undefined;
  readonly rateLimit: RateLimit;
  readonly webhookSecrets: readonly { readonly id: string; readonly createdAt: string }[];
  /** Oldest first, by prefix: never a key or its hash. */
  readonly apiKeys: readonly { readonly prefix: string; readonly createdAt: string }[];
}

export function summaryOf(record: SourceRecord): SourceSummary {
  return {
    sourceId: record.sourceId,
    name: record.name,
    status: record.status,
    createdAt: record.createdAt,
    ...(record.revokedAt ? { revokedAt: record.revokedAt } : {}),
    rateLimit: record.rateLimit,
    webhookSecrets: record.webhookSecrets.map(({ id, createdAt }) => ({ id, createdAt })),
    apiKeys: record.apiKeys.map(({ prefix, createdAt }) => ({ prefix, createdAt })),
  };
}

// ---------------------------------------------------------------------------------------------------------
// Credentials

export const WEBHOOK_SECRET_PREFIX = 'whsec_';
/** Random bytes in a secret we generate (Standard Webhooks allows 24–64). */
export const WEBHOOK_SECRET_BYTES = 32;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** True for `whsec_<base64 of 24–64 bytes>`. */
export function isWebhookSecret(value: string): boolean {
  if (!value.startsWith(WEBHOOK_SECRET_PREFIX)) return false;
  const body = value.slice(WEBHOOK_SECRET_PREFIX.length);
  if (!BASE64.test(body) || body.length % 4 !== 0) return false;
  const bytes = Buffer.from(body, 'base64').length;
  return bytes >= 24 && bytes <= 64;
}

export function webhookSecretOf(random: Uint8Array): string {
  return `${WEBHOOK_SECRET_PREFIX}${Buffer.from(random).toString('base64')}`;
}

export const API_KEY_PREFIX = 'rbk_';
/** Random bytes of a key: 24 bytes are 32 base64url characters. */
export const API_KEY_RANDOM_BYTES = 24;
const API_KEY = /^rbk_([a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?)_([A-Za-z0-9_-]{32})$/;

export function apiKeyOf(sourceId: string, random: Uint8Array): string {
  return `${API_KEY_PREFIX}${sourceId}_${Buffer.from(random).toString('base64url')}`;
}

/** The source an API key names, or undefined when it is not a key of ours. */
export function sourceIdOfApiKey(key: string): string | undefined {
  return API_KEY.exec(key)?.[1];
}

/** `rbk_<sourceId>_` and the first four random characters: enough to tell keys apart, useless to guess. */
export function apiKeyPrefixOf(key: string): string {
  const sourceId = sourceIdOfApiKey(key) ?? '';
  return key.slice(0, API_KEY_PREFIX.length + sourceId.length + 1 + 4);
}

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** A key as it is stored: hashed, named by its prefix. */
export function storedApiKeyOf(key: string, createdAt: Date): StoredApiKey {
  return { prefix: apiKeyPrefixOf(key), hash: hashApiKey(key), createdAt: createdAt.toISOString() };
}

/**
 * Whether `key` hashes to `expectedHash`, in constant time: two 32-byte digests compared with
 * `timingSafeEqual`, so neither the key's length nor where it differs shows in the time taken.
 */
export function apiKeyMatches(key: string, expectedHash: string): boolean {
  const actual = createHash('sha256').update(key, 'utf8').digest();
  const expected = Buffer.from(expectedHash, 'hex');
  // A malformed stored hash still costs one comparison, and never matches.
  const comparable = expected.length === actual.length ? expected : Buffer.alloc(actual.length);
  return timingSafeEqual(actual, comparable) && comparable === expected;
}

/**
 * The idempotency key of a webhook delivery whose body has no `id`: its `webhook-id`, scoped to the source
 * (two integrators may both number their messages from 1). Hashed so any `webhook-id` makes a safe key.
 */
export function webhookEventId(sourceId: string, webhookId: string): string {
  return `w_${createHash('sha256').update(`${sourceId}\n${webhookId}`, 'utf8').digest('hex').slice(0, 32)}`;
}

// ---------------------------------------------------------------------------------------------------------
// Changes

/** Check a rate limit a person asked for: whole numbers, and a burst of at least one second's worth. */
export function validRateLimit(limit: RateLimit): RateLimit {
  const { perSecond, burst } = limit;
  if (!Number.isInteger(perSecond) || perSecond < 1 || perSecond > 10_000)
    throw new SourceRuleError('perSecond must be a whole number from 1 to 10000');
  if (!Number.isInteger(burst) || burst < perSecond || burst > 100_000)
    throw new SourceRuleError('burst must be a whole number, at least perSecond and at most 100000');
  return { perSecond, burst };
}

export function validSourceId(sourceId: string): string {
  if (!SOURCE_ID_PATTERN.test(sourceId))
    throw new SourceRuleError(
      `"${sourceId}" is not a valid source id: use 1-40 lower-case letters, digits and inner hyphens`,
    );
  return sourceId;
}

function mustBeActive(record: SourceRecord): void {
  if (record.status !== 'active') throw new SourceRuleError(`Source ${record.sourceId} is revoked`);
}

/** Start a rotation: the new secret verifies beside the old one until the old one is retired. */
export function withAddedSecret(record: SourceRecord, secret: SealedSecret): SourceRecord {
  mustBeActive(record);
  if (record.webhookSecrets.length >= MAX_WEBHOOK_SECRETS)
    throw new SourceRuleError(
      `Source ${record.sourceId} already has ${MAX_WEBHOOK_SECRETS} secrets: retire the older one first (retire-secret)`,
    );
  return { ...record, webhookSecrets: [...record.webhookSecrets, secret], version: record.version + 1 };
}

/** Finish a rotation: the older of two secrets stops verifying. The last secret is never removed. */
export function withoutOlderSecret(record: SourceRecord): { record: SourceRecord; retired: SealedSecret } {
  mustBeActive(record);
  const [older, ...rest] = record.webhookSecrets;
  if (!older || rest.length === 0)
    throw new SourceRuleError(
      `Source ${record.sourceId} has one secret only: rotate first, then retire the older one`,
    );
  return { record: { ...record, webhookSecrets: rest, version: record.version + 1 }, retired: older };
}

/**
 * Start an API key rotation (or issue a source's first key): the new key works beside the current one until
 * the older is retired.
 */
export function withAddedApiKey(record: SourceRecord, key: StoredApiKey): SourceRecord {
  mustBeActive(record);
  if (record.apiKeys.length >= MAX_API_KEYS)
    throw new SourceRuleError(
      `Source ${record.sourceId} already has ${MAX_API_KEYS} API keys: retire the older one first (retire-key)`,
    );
  return { ...record, apiKeys: [...record.apiKeys, key], version: record.version + 1 };
}

/** Finish an API key rotation: the older of two keys stops working. A lone key is not removed. */
export function withoutOlderApiKey(record: SourceRecord): { record: SourceRecord; retired: StoredApiKey } {
  mustBeActive(record);
  const [older, ...rest] = record.apiKeys;
  if (!older || rest.length === 0)
    throw new SourceRuleError(
      `Source ${record.sourceId} has ${older ? 'one API key only' : 'no API key'}: rotate first (rotate --api-key), then retire the older one`,
    );
  return { record: { ...record, apiKeys: rest, version: record.version + 1 }, retired: older };
}

/** A new rate limit, checked by {@link validRateLimit}. */
export function withRateLimit(record: SourceRecord, limit: RateLimit): SourceRecord {
  mustBeActive(record);
  return { ...record, rateLimit: validRateLimit(limit), version: record.version + 1 };
}

/**
 * Revoke for good. The credentials stay on the item, so a holder of a valid one is told `revoked_source`
 * while anyone else still gets `invalid_signature` or `unknown_source`.
 */
export function revoked(record: SourceRecord, at: Date): SourceRecord {
  if (record.status === 'revoked') return record;
  return { ...record, status: 'revoked', revokedAt: at.toISOString(), version: record.version + 1 };
}

// ---------------------------------------------------------------------------------------------------------
// Rate window

/** One fixed window of a source's rate limit. */
export interface RateWindow {
  readonly start: Date;
  readonly end: Date;
  /** Requests the window admits. */
  readonly limit: number;
}

/**
 * The fixed window `now` falls in: `burst / perSecond` seconds long (2 s for 50/100), aligned on the epoch,
 * admitting `burst` requests. So the long-run average is `perSecond` and a burst of `burst` fits at once.
 * The price of a fixed window: a client may send `burst` at the end of one window and `burst` at the start of
 * the next, up to twice the burst within a short span; a sliding window would need more than one write per
 * request.
 */
export function rateWindowAt(limit: RateLimit, now: Date): RateWindow {
  const lengthMs = Math.max(1000, Math.round((limit.burst / limit.perSecond) * 1000));
  const start = Math.floor(now.getTime() / lengthMs) * lengthMs;
  return { start: new Date(start), end: new Date(start + lengthMs), limit: Math.max(1, limit.burst) };
}

/** Whole seconds until the window ends, at least 1: the `Retry-After` of a refused request. */
export function retryAfterSeconds(window: RateWindow, now: Date): number {
  return Math.max(1, Math.ceil((window.end.getTime() - now.getTime()) / 1000));
}
