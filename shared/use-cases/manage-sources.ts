/**
 * Managing sources (`npm run sources`, and the twin's `local` source): create, list, rotate a secret or an
 * API key, retire the older one, change the rate limit, revoke. Secrets and keys are generated here, shown
 * to the caller once, and stored only sealed (webhook secrets, which intake must read back) or hashed (API
 * keys, which intake only compares).
 */
import { randomBytes } from 'node:crypto';
import {
  API_KEY_RANDOM_BYTES,
  apiKeyOf,
  DEFAULT_RATE_LIMIT,
  isWebhookSecret,
  type OpenSecret,
  type RateLimit,
  revoked,
  type SealedSecret,
  type Source,
  type SourceRecord,
  type SourceSummary,
  sourceIdOfApiKey,
  storedApiKeyOf,
  summaryOf,
  validRateLimit,
  validSourceId,
  WEBHOOK_SECRET_BYTES,
  webhookSecretOf,
  withAddedApiKey,
  withAddedSecret,
  withoutOlderApiKey,
  withoutOlderSecret,
  withRateLimit,
} from '../domain/sources.ts';
import { NotFoundError, SourceRuleError } from '../errors.ts';
import type { Clock } from '../ports.ts';

/** Where sources live: `pk = SOURCE#<sourceId>`, `sk = SOURCE` in the single table. */
export interface SourceStore {
  /** The stored source (strongly consistent), or undefined. */
  get(sourceId: string): Promise<SourceRecord | undefined>;
  /** Store a new source; throws `SourceExistsError` when the id is taken. */
  create(record: SourceRecord): Promise<void>;
  /** Replace a source if it is still at `expectedVersion`; throws `ConcurrencyError` when it changed. */
  update(record: SourceRecord, expectedVersion: number): Promise<void>;
  /** Every source, by id. */
  list(): Promise<readonly SourceRecord[]>;
}

/**
 * Seals secrets at rest (KMS on AWS, the twin's KMS emulator locally). `context` is bound to the ciphertext
 * (KMS encryption context): a ciphertext copied to another source's item does not open there.
 */
export interface SecretBox {
  seal(plaintext: string, context: Readonly<Record<string, string>>): Promise<string>;
  open(ciphertext: string, context: Readonly<Record<string, string>>): Promise<string>;
}

export interface ManageSourcesDeps {
  readonly store: SourceStore;
  readonly box: SecretBox;
  readonly clock: Clock;
  /** Random bytes for new secrets and keys. @default crypto.randomBytes */
  readonly random?: (size: number) => Uint8Array;
}

const contextOf = (sourceId: string) => ({ sourceId });

/** Seal a webhook secret for a source, with a fresh, non-secret id. */
async function sealSecret(sourceId: string, secret: string, deps: ManageSourcesDeps): Promise<SealedSecret> {
  const random = deps.random ?? randomBytes;
  return {
    id: `sec_${Buffer.from(random(6)).toString('hex')}`,
    createdAt: deps.clock.now().toISOString(),
    ciphertext: await deps.box.seal(secret, contextOf(sourceId)),
  };
}

async function mustGet(sourceId: string, deps: Pick<ManageSourcesDeps, 'store'>): Promise<SourceRecord> {
  const record = await deps.store.get(sourceId);
  if (!record) throw new NotFoundError(`Source ${sourceId}`);
  return record;
}

export interface CreateSourceInput {
  readonly sourceId: string;
  readonly name: string;
  /** @default {@link DEFAULT_RATE_LIMIT} */
  readonly rateLimit?: RateLimit | undefined;
  /** Use this secret instead of generating one (the twin's `REBOUND_LOCAL_WEBHOOK_SECRET`). */
  readonly webhookSecret?: string | undefined;
  /** `true`: generate an API key; a string: use this key (the twin's `REBOUND_LOCAL_API_KEY`). */
  readonly apiKey?: boolean | string | undefined;
}

/** The credentials of a new source, to be shown once: nothing can show them again. */
export interface IssuedCredentials {
  readonly source: SourceSummary;
  readonly webhookSecret: string;
  readonly apiKey?: string | undefined;
}

function apiKeyFor(sourceId: string, wanted: boolean | string | undefined, deps: ManageSourcesDeps) {
  if (wanted === undefined || wanted === false) return undefined;
  if (wanted === true) return apiKeyOf(sourceId, (deps.random ?? randomBytes)(API_KEY_RANDOM_BYTES));
  if (sourceIdOfApiKey(wanted) !== sourceId)
    throw new SourceRuleError(`An API key of source ${sourceId} looks like rbk_${sourceId}_<32 characters>`);
  return wanted;
}

function webhookSecretFor(wanted: string | undefined, deps: ManageSourcesDeps): string {
  if (wanted === undefined) return webhookSecretOf((deps.random ?? randomBytes)(WEBHOOK_SECRET_BYTES));
  if (!isWebhookSecret(wanted))
    throw new SourceRuleError('A webhook secret looks like whsec_<base64 of 24 to 64 bytes>');
  return wanted;
}

/** A new record with fresh (or the given) credentials, not yet stored. */
async function newRecord(
  input: CreateSourceInput,
  deps: ManageSourcesDeps,
): Promise<{ record: SourceRecord; webhookSecret: string; apiKey?: string | undefined }> {
  const sourceId = validSourceId(input.sourceId);
  const name = input.name.trim();
  if (name.length === 0 || name.length > 120) throw new SourceRuleError('A name has 1 to 120 characters');
  const rateLimit = validRateLimit(input.rateLimit ?? DEFAULT_RATE_LIMIT);
  const webhookSecret = webhookSecretFor(input.webhookSecret, deps);
  const apiKey = apiKeyFor(sourceId, input.apiKey, deps);
  // One instant for the source and its first key: the clock moves while the secret is sealed.
  const now = deps.clock.now();
  const record: SourceRecord = {
    sourceId,
    name,
    status: 'active',
    createdAt: now.toISOString(),
    rateLimit,
    webhookSecrets: [await sealSecret(sourceId, webhookSecret, deps)],
    apiKeys: apiKey ? [storedApiKeyOf(apiKey, now)] : [],
    version: 1,
  };
  return { record, webhookSecret, apiKey };
}

/**
 * Create a source.
 *
 * Input: id, name, optional rate limit and credentials. Output: the credentials, to be shown once.
 * 1. Validate the id (it ends up in keys, URLs and API keys), the name and the rate limit.
 * 2. Generate a webhook secret (and an API key if asked), or take the given ones after checking their format.
 * 3. Seal the secret, hash the key, and store the source unless the id is taken (`SourceExistsError`).
 */
export async function createSource(
  input: CreateSourceInput,
  deps: ManageSourcesDeps,
): Promise<IssuedCredentials> {
  const { record, webhookSecret, apiKey } = await newRecord(input, deps);
  await deps.store.create(record);
  return { source: summaryOf(record), webhookSecret, ...(apiKey ? { apiKey } : {}) };
}

/**
 * Make a source exist with exactly these credentials (the twin's `local` source at every start, from its
 * environment or data directory): created if absent, otherwise its secrets, keys, name and rate limit replaced
 * (a second key or secret from a rotation is dropped) and its status active again. Its creation time stays.
 */
export async function ensureSource(
  input: CreateSourceInput & { readonly webhookSecret: string },
  deps: ManageSourcesDeps,
): Promise<SourceSummary> {
  const existing = await deps.store.get(input.sourceId);
  const { record } = await newRecord(input, deps);
  if (!existing) {
    await deps.store.create(record);
    return summaryOf(record);
  }
  const replaced: SourceRecord = {
    ...record,
    createdAt: existing.createdAt,
    version: existing.version + 1,
  };
  await deps.store.update(replaced, existing.version);
  return summaryOf(replaced);
}

export async function listSources(deps: Pick<ManageSourcesDeps, 'store'>): Promise<readonly SourceSummary[]> {
  return (await deps.store.list()).map(summaryOf);
}

/**
 * Rotate the webhook secret: add a new one beside the current one. Both verify until `retireSecret` removes
 * the older, so the integrator can switch without a moment where neither works. Refused while two exist.
 */
export async function rotateSecret(
  sourceId: string,
  deps: ManageSourcesDeps,
): Promise<{ readonly source: SourceSummary; readonly webhookSecret: string; readonly secretId: string }> {
  const record = await mustGet(sourceId, deps);
  const webhookSecret = webhookSecretFor(undefined, deps);
  const sealed = await sealSecret(sourceId, webhookSecret, deps);
  const updated = withAddedSecret(record, sealed);
  await deps.store.update(updated, record.version);
  return { source: summaryOf(updated), webhookSecret, secretId: sealed.id };
}

/** End a rotation: the older of the two secrets stops verifying (within intake's one-minute cache). */
export async function retireSecret(
  sourceId: string,
  deps: ManageSourcesDeps,
): Promise<{ readonly source: SourceSummary; readonly retiredSecretId: string }> {
  const record = await mustGet(sourceId, deps);
  const { record: updated, retired } = withoutOlderSecret(record);
  await deps.store.update(updated, record.version);
  return { source: summaryOf(updated), retiredSecretId: retired.id };
}

/**
 * Rotate the API key: issue a new one beside the current one (or a source's first). Both work until
 * `retireApiKey` removes the older, so the integrator can switch without a moment where neither works.
 * Refused while two exist. Output: the key, to be shown once, and its prefix.
 */
export async function rotateApiKey(
  sourceId: string,
  deps: ManageSourcesDeps,
): Promise<{ readonly source: SourceSummary; readonly apiKey: string; readonly prefix: string }> {
  const record = await mustGet(sourceId, deps);
  const apiKey = apiKeyOf(sourceId, (deps.random ?? randomBytes)(API_KEY_RANDOM_BYTES));
  const stored = storedApiKeyOf(apiKey, deps.clock.now());
  const updated = withAddedApiKey(record, stored);
  await deps.store.update(updated, record.version);
  return { source: summaryOf(updated), apiKey, prefix: stored.prefix };
}

/** End an API key rotation: the older of the two keys stops working (within intake's one-minute cache). */
export async function retireApiKey(
  sourceId: string,
  deps: ManageSourcesDeps,
): Promise<{ readonly source: SourceSummary; readonly retiredPrefix: string }> {
  const record = await mustGet(sourceId, deps);
  const { record: updated, retired } = withoutOlderApiKey(record);
  await deps.store.update(updated, record.version);
  return { source: summaryOf(updated), retiredPrefix: retired.prefix };
}

/**
 * Change a source's rate limit (checked as at create: `validRateLimit`). Intake applies it once its cached
 * read of the source is a minute old.
 */
export async function setRateLimit(
  sourceId: string,
  rateLimit: RateLimit,
  deps: Pick<ManageSourcesDeps, 'store'>,
): Promise<SourceSummary> {
  const record = await mustGet(sourceId, deps);
  const updated = withRateLimit(record, rateLimit);
  await deps.store.update(updated, record.version);
  return summaryOf(updated);
}

/** Revoke a source for good: intake answers its requests `401 revoked_source` within a minute. */
export async function revokeSource(sourceId: string, deps: ManageSourcesDeps): Promise<SourceSummary> {
  const record = await mustGet(sourceId, deps);
  const updated = revoked(record, deps.clock.now());
  if (updated !== record) await deps.store.update(updated, record.version);
  return summaryOf(updated);
}

/**
 * Read a source for intake: the record, its webhook secrets opened (one `SecretBox.open` each: one, or two
 * during a rotation). Undefined when there is no such source. When the record is still at the version of
 * `previous` (an earlier read), `previous` itself comes back and nothing is opened: a re-read then costs one
 * `GetItem`, whether the source exists or not.
 */
export async function openSource(
  sourceId: string,
  deps: Pick<ManageSourcesDeps, 'store' | 'box'>,
  previous?: Source,
): Promise<Source | undefined> {
  const record = await deps.store.get(sourceId);
  if (!record) return undefined;
  if (previous?.sourceId === record.sourceId && previous.version === record.version) return previous;
  const webhookSecrets: OpenSecret[] = await Promise.all(
    record.webhookSecrets.map(async (sealed) => ({
      id: sealed.id,
      secret: await deps.box.open(sealed.ciphertext, contextOf(record.sourceId)),
    })),
  );
  return {
    sourceId: record.sourceId,
    name: record.name,
    status: record.status,
    rateLimit: record.rateLimit,
    webhookSecrets,
    apiKeyHashes: record.apiKeys.map((key) => key.hash),
    version: record.version,
  };
}
