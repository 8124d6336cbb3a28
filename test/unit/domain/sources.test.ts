import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  apiKeyMatches,
  apiKeyOf,
  apiKeyPrefixOf,
  DEFAULT_RATE_LIMIT,
  hashApiKey,
  isWebhookSecret,
  rateWindowAt,
  retryAfterSeconds,
  revoked,
  type SourceRecord,
  type StoredSourceRecord,
  sourceIdOfApiKey,
  sourceRecordOf,
  storedApiKeyOf,
  validRateLimit,
  validSourceId,
  webhookEventId,
  webhookSecretOf,
  withAddedApiKey,
  withAddedSecret,
  withoutOlderApiKey,
  withoutOlderSecret,
  withRateLimit,
} from '#shared/domain/sources.ts';
import { SourceRuleError } from '#shared/errors.ts';

const record: SourceRecord = {
  sourceId: 'acme',
  name: 'Acme Careers',
  status: 'active',
  createdAt: '2026-03-10T14:00:00.000Z',
  rateLimit: DEFAULT_RATE_LIMIT,
  webhookSecrets: [{ id: 'sec_1', createdAt: '2026-03-10T14:00:00.000Z', ciphertext: 'c1' }],
  apiKeys: [],
  version: 1,
};
const second = { id: 'sec_2', createdAt: '2026-04-01T09:00:00.000Z', ciphertext: 'c2' };
const keyA = storedApiKeyOf(`rbk_acme_AAAA${'a'.repeat(28)}`, new Date('2026-03-10T14:00:00.000Z'));
const keyB = storedApiKeyOf(`rbk_acme_BBBB${'b'.repeat(28)}`, new Date('2026-04-01T09:00:00.000Z'));

describe('API keys', () => {
  it('name their source and carry 32 base64url characters of randomness', () => {
    // Act
    const key = apiKeyOf('career-centre-7', randomBytes(24));

    // Assess
    expect(key).toMatch(/^rbk_career-centre-7_[A-Za-z0-9_-]{32}$/);
    expect(sourceIdOfApiKey(key)).toBe('career-centre-7');
  });

  it('name no source when they are not keys of ours', () => {
    const notKeys = ['', 'rbk_', 'rbk_acme_short', `sk_acme_${'a'.repeat(32)}`, `rbk_Acme_${'a'.repeat(32)}`];
    expect(notKeys.map(sourceIdOfApiKey)).toEqual(notKeys.map(() => undefined));
  });

  it('parse whatever base64url characters the random part holds, underscores included', () => {
    expect(sourceIdOfApiKey(`rbk_acme_${'_-'.repeat(16)}`)).toBe('acme');
  });

  it('are shown in lists by a prefix that ends four characters into the random part', () => {
    expect(apiKeyPrefixOf(`rbk_acme_AbCd${'x'.repeat(28)}`)).toBe('rbk_acme_AbCd');
  });

  it('match their SHA-256 and nothing else, whatever the stored hash looks like', () => {
    // Prepare
    const key = apiKeyOf('acme', randomBytes(24));
    const hash = hashApiKey(key);

    // Act / Assess
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(apiKeyMatches(key, hash)).toBe(true);
    expect(apiKeyMatches(`${key}x`, hash)).toBe(false);
    expect(apiKeyMatches(key, hash.slice(0, 10))).toBe(false);
    expect(apiKeyMatches(key, '')).toBe(false);
  });
});

describe('webhook secrets', () => {
  it('are whsec_ and the base64 of 24 to 64 bytes', () => {
    expect(isWebhookSecret(webhookSecretOf(randomBytes(32)))).toBe(true);
    expect(isWebhookSecret(webhookSecretOf(randomBytes(24)))).toBe(true);
    expect(isWebhookSecret(webhookSecretOf(randomBytes(64)))).toBe(true);
    expect(isWebhookSecret(webhookSecretOf(randomBytes(16)))).toBe(false);
    expect(isWebhookSecret(webhookSecretOf(randomBytes(65)))).toBe(false);
    expect(isWebhookSecret(randomBytes(32).toString('base64'))).toBe(false);
    expect(isWebhookSecret('whsec_not base64!')).toBe(false);
  });
});

describe('source ids', () => {
  it('are 1-40 lower-case letters, digits and inner hyphens', () => {
    expect(validSourceId('local')).toBe('local');
    expect(validSourceId('a')).toBe('a');
    for (const bad of ['', 'Acme', 'acme_jobs', '-acme', 'acme-', 'a'.repeat(41), 'acme jobs'])
      expect(() => validSourceId(bad), bad).toThrow(SourceRuleError);
  });
});

describe('webhookEventId', () => {
  it('is stable per source and webhook-id, and differs between sources', () => {
    expect(webhookEventId('acme', 'msg_1')).toBe(webhookEventId('acme', 'msg_1'));
    expect(webhookEventId('acme', 'msg_1')).toMatch(/^w_[0-9a-f]{32}$/);
    expect(webhookEventId('globex', 'msg_1')).not.toBe(webhookEventId('acme', 'msg_1'));
  });
});

describe('rotation', () => {
  it('adds a second secret and refuses a third', () => {
    // Act
    const rotating = withAddedSecret(record, second);

    // Assess
    expect(rotating.webhookSecrets.map((s) => s.id)).toEqual(['sec_1', 'sec_2']);
    expect(rotating.version).toBe(2);
    expect(() => withAddedSecret(rotating, { ...second, id: 'sec_3' })).toThrow(/retire the older one first/);
  });

  it('retires the older of two secrets and never the last one', () => {
    // Act
    const { record: retired, retired: old } = withoutOlderSecret(withAddedSecret(record, second));

    // Assess
    expect(old.id).toBe('sec_1');
    expect(retired.webhookSecrets.map((s) => s.id)).toEqual(['sec_2']);
    expect(() => withoutOlderSecret(retired)).toThrow(/one secret only/);
  });

  it('is refused on a revoked source', () => {
    const gone = revoked(record, new Date('2026-05-01T00:00:00Z'));
    expect(gone).toMatchObject({ status: 'revoked', revokedAt: '2026-05-01T00:00:00.000Z', version: 2 });
    expect(() => withAddedSecret(gone, second)).toThrow(/revoked/);
  });
});

describe('API key rotation', () => {
  it('stores a key as its hash and prefix, stamped with the time', () => {
    const key = `rbk_acme_AAAA${'a'.repeat(28)}`;
    expect(keyA).toEqual({
      prefix: 'rbk_acme_AAAA',
      hash: hashApiKey(key),
      createdAt: '2026-03-10T14:00:00.000Z',
    });
  });

  it('adds a second key beside the first and refuses a third, telling to retire first', () => {
    // Act
    const rotating = withAddedApiKey(withAddedApiKey(record, keyA), keyB);

    // Assess
    expect(rotating.apiKeys.map((k) => k.prefix)).toEqual(['rbk_acme_AAAA', 'rbk_acme_BBBB']);
    expect(rotating.version).toBe(3);
    expect(() => withAddedApiKey(rotating, keyA)).toThrow(SourceRuleError);
    expect(() => withAddedApiKey(rotating, keyA)).toThrow(
      'Source acme already has 2 API keys: retire the older one first (retire-key)',
    );
  });

  it('retires the older of two keys and never a lone key', () => {
    // Prepare
    const rotating = withAddedApiKey(withAddedApiKey(record, keyA), keyB);

    // Act
    const { record: retired, retired: old } = withoutOlderApiKey(rotating);

    // Assess
    expect(old.prefix).toBe('rbk_acme_AAAA');
    expect(retired.apiKeys).toEqual([keyB]);
    expect(retired.version).toBe(rotating.version + 1);
    expect(() => withoutOlderApiKey(retired)).toThrow(/one API key only: rotate first/);
    expect(() => withoutOlderApiKey(record)).toThrow(/no API key: rotate first/);
  });

  it('is refused on a revoked source', () => {
    const gone = revoked(withAddedApiKey(record, keyA), new Date('2026-05-01T00:00:00Z'));
    expect(() => withAddedApiKey(gone, keyB)).toThrow(/revoked/);
    expect(() => withoutOlderApiKey(gone)).toThrow(/revoked/);
  });
});

describe('stored records of the old single-key shape', () => {
  const legacy: StoredSourceRecord = {
    ...record,
    apiKeys: undefined,
    apiKeyHash: keyA.hash,
    apiKeyPrefix: keyA.prefix,
    version: 7,
  };

  it('read as a one-key list dated at the source creation, without the old attributes', () => {
    // Act
    const current = sourceRecordOf(legacy);

    // Assess
    expect(current).toEqual({
      ...record,
      apiKeys: [{ prefix: 'rbk_acme_AAAA', hash: keyA.hash, createdAt: record.createdAt }],
      version: 7,
    });
    expect(Object.keys(current)).not.toContain('apiKeyHash');
    expect(Object.keys(current)).not.toContain('apiKeyPrefix');
  });

  it('read as no key when they had none, and a current record reads as itself', () => {
    const { apiKeys: _none, ...withoutKeys } = record;
    expect(sourceRecordOf(withoutKeys).apiKeys).toEqual([]);
    const current = withAddedApiKey(record, keyB);
    expect(sourceRecordOf(current)).toEqual(current);
  });

  it('rotate from the migrated key like any other', () => {
    // Act
    const rotating = withAddedApiKey(sourceRecordOf(legacy), keyB);

    // Assess
    expect(rotating.apiKeys.map((k) => k.hash)).toEqual([keyA.hash, keyB.hash]);
    expect(withoutOlderApiKey(rotating).record.apiKeys).toEqual([keyB]);
  });
});

describe('rate limits', () => {
  it('need whole numbers and a burst of at least one second of requests', () => {
    expect(validRateLimit({ perSecond: 10, burst: 10 })).toEqual({ perSecond: 10, burst: 10 });
    expect(() => validRateLimit({ perSecond: 0, burst: 10 })).toThrow(SourceRuleError);
    expect(() => validRateLimit({ perSecond: 10, burst: 5 })).toThrow(SourceRuleError);
    expect(() => validRateLimit({ perSecond: 1.5, burst: 5 })).toThrow(SourceRuleError);
  });

  it('change on an active source, checked like a new one, and not on a revoked one', () => {
    // Act
    const changed = withRateLimit(record, { perSecond: 5, burst: 10 });

    // Assess
    expect(changed).toMatchObject({ rateLimit: { perSecond: 5, burst: 10 }, version: 2 });
    expect(() => withRateLimit(record, { perSecond: 10, burst: 5 })).toThrow(/burst must be/);
    expect(() => withRateLimit(revoked(record, new Date()), { perSecond: 5, burst: 10 })).toThrow(/revoked/);
  });

  it('give the default 50/s with bursts of 100 a 2-second window of 100 requests, aligned on the epoch', () => {
    // Act
    const window = rateWindowAt(DEFAULT_RATE_LIMIT, new Date('2026-03-10T14:05:01.250Z'));

    // Assess
    expect(window).toEqual({
      start: new Date('2026-03-10T14:05:00.000Z'),
      end: new Date('2026-03-10T14:05:02.000Z'),
      limit: 100,
    });
  });

  it('tell a refused request to retry when its window ends, in whole seconds, at least one', () => {
    // Prepare
    const window = rateWindowAt({ perSecond: 10, burst: 50 }, new Date('2026-03-10T14:05:00.100Z'));

    // Act / Assess
    expect(window.end).toEqual(new Date('2026-03-10T14:05:05.000Z'));
    expect(retryAfterSeconds(window, new Date('2026-03-10T14:05:00.100Z'))).toBe(5);
    expect(retryAfterSeconds(window, new Date('2026-03-10T14:05:04.900Z'))).toBe(1);
    expect(retryAfterSeconds(window, new Date('2026-03-10T14:05:05.000Z'))).toBe(1);
  });
});
