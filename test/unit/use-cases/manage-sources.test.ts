import { beforeEach, describe, expect, it } from 'vitest';
import { CachedSourceDirectory } from '#shared/adapters/source-directory.ts';
import { StandardWebhooksVerifier } from '#shared/adapters/webhook-verifier.ts';
import {
  apiKeyMatches,
  hashApiKey,
  isWebhookSecret,
  type SourceRecord,
  sourceIdOfApiKey,
} from '#shared/domain/sources.ts';
import { AuthenticationError, NotFoundError, SourceExistsError, SourceRuleError } from '#shared/errors.ts';
import { authenticateRequest } from '#shared/use-cases/authenticate-request.ts';
import {
  createSource,
  ensureSource,
  listSources,
  type ManageSourcesDeps,
  openSource,
  retireApiKey,
  retireSecret,
  revokeSource,
  rotateApiKey,
  rotateSecret,
  setRateLimit,
} from '#shared/use-cases/manage-sources.ts';
import { SettableClock } from '../../support/fakes.ts';
import { FakeSecretBox, InMemorySourceStore } from '../sources/support.ts';

describe('managing sources', () => {
  let store: InMemorySourceStore;
  let box: FakeSecretBox;
  let clock: SettableClock;
  let deps: ManageSourcesDeps;

  beforeEach(() => {
    store = new InMemorySourceStore();
    box = new FakeSecretBox();
    clock = new SettableClock('2026-03-10T14:00:00.000Z');
    deps = { store, box, clock };
  });

  describe('createSource', () => {
    it('issues a webhook secret and an API key, and stores the one sealed and the other hashed', async () => {
      // Act
      const issued = await createSource({ sourceId: 'acme', name: 'Acme Careers', apiKey: true }, deps);

      // Assess
      expect(isWebhookSecret(issued.webhookSecret)).toBe(true);
      expect(sourceIdOfApiKey(issued.apiKey ?? '')).toBe('acme');
      const [stored] = store.raw();
      expect(JSON.stringify(stored)).not.toContain(issued.webhookSecret);
      expect(JSON.stringify(stored)).not.toContain(issued.apiKey);
      expect(stored?.apiKeys).toHaveLength(1);
      expect(apiKeyMatches(issued.apiKey ?? '', stored?.apiKeys?.[0]?.hash ?? '')).toBe(true);
      expect(stored).toMatchObject({
        sourceId: 'acme',
        name: 'Acme Careers',
        status: 'active',
        createdAt: '2026-03-10T14:00:00.000Z',
        rateLimit: { perSecond: 50, burst: 100 },
        version: 1,
      });
      expect(stored?.apiKeys?.[0]).toMatchObject({
        prefix: issued.apiKey?.slice(0, 'rbk_acme_'.length + 4),
        createdAt: '2026-03-10T14:00:00.000Z',
      });
    });

    it('seals each secret to its source, so a ciphertext copied to another source does not open', async () => {
      // Prepare
      const issued = await createSource({ sourceId: 'acme', name: 'Acme' }, deps);
      const sealed = store.raw()[0]?.webhookSecrets[0]?.ciphertext ?? '';

      // Act / Assess
      await expect(box.open(sealed, { sourceId: 'acme' })).resolves.toBe(issued.webhookSecret);
      await expect(box.open(sealed, { sourceId: 'globex' })).rejects.toThrow(/encryption context/);
    });

    it('issues no API key unless asked', async () => {
      const issued = await createSource({ sourceId: 'acme', name: 'Acme' }, deps);
      expect(issued.apiKey).toBeUndefined();
      expect(store.raw()[0]?.apiKeys).toEqual([]);
    });

    it('refuses an id that is taken, a bad id, a blank name and a bad rate limit', async () => {
      await createSource({ sourceId: 'acme', name: 'Acme' }, deps);
      await expect(createSource({ sourceId: 'acme', name: 'Again' }, deps)).rejects.toBeInstanceOf(
        SourceExistsError,
      );
      await expect(createSource({ sourceId: 'Acme!', name: 'x' }, deps)).rejects.toBeInstanceOf(
        SourceRuleError,
      );
      await expect(createSource({ sourceId: 'b', name: '  ' }, deps)).rejects.toBeInstanceOf(SourceRuleError);
      await expect(
        createSource({ sourceId: 'c', name: 'C', rateLimit: { perSecond: 10, burst: 1 } }, deps),
      ).rejects.toBeInstanceOf(SourceRuleError);
    });

    it('takes given credentials only in their formats', async () => {
      await expect(
        createSource({ sourceId: 'acme', name: 'Acme', webhookSecret: 'not-a-secret' }, deps),
      ).rejects.toThrow(/whsec_/);
      await expect(
        createSource({ sourceId: 'acme', name: 'Acme', apiKey: `rbk_globex_${'a'.repeat(32)}` }, deps),
      ).rejects.toThrow(/rbk_acme_/);
    });
  });

  describe('rotation', () => {
    it('adds a second secret that verifies beside the first, then retires the older', async () => {
      // Prepare
      const created = await createSource({ sourceId: 'acme', name: 'Acme' }, deps);
      clock.advance(60_000);

      // Act
      const rotated = await rotateSecret('acme', deps);
      const during = await openSource('acme', deps);
      const retired = await retireSecret('acme', deps);
      const after = await openSource('acme', deps);

      // Assess
      expect(rotated.webhookSecret).not.toBe(created.webhookSecret);
      expect(during?.webhookSecrets.map((s) => s.secret)).toEqual([
        created.webhookSecret,
        rotated.webhookSecret,
      ]);
      expect(retired.retiredSecretId).toBe(created.source.webhookSecrets[0]?.id);
      expect(after?.webhookSecrets.map((s) => s.secret)).toEqual([rotated.webhookSecret]);
    });

    it('refuses a third secret and retiring the only one', async () => {
      await createSource({ sourceId: 'acme', name: 'Acme' }, deps);
      await expect(retireSecret('acme', deps)).rejects.toBeInstanceOf(SourceRuleError);
      await rotateSecret('acme', deps);
      await expect(rotateSecret('acme', deps)).rejects.toBeInstanceOf(SourceRuleError);
    });

    it('says which source is missing', async () => {
      await expect(rotateSecret('nobody', deps)).rejects.toBeInstanceOf(NotFoundError);
      await expect(rotateApiKey('nobody', deps)).rejects.toBeInstanceOf(NotFoundError);
      await expect(retireApiKey('nobody', deps)).rejects.toBeInstanceOf(NotFoundError);
    });
  });

  describe('API key rotation, as intake sees it', () => {
    /** Intake's authentication over a fresh cache (an `AuthenticationError` is its 401): what a request gets now. */
    const authenticate = (key: string) =>
      authenticateRequest({ kind: 'apiKey', key }, Buffer.from('{}'), {
        sources: new CachedSourceDirectory((id, previous) => openSource(id, deps, previous), clock),
        verifier: new StandardWebhooksVerifier(),
      });
    const outcomeOf = (key: string) =>
      authenticate(key).then(
        (result) => `ok ${result.source.sourceId}`,
        (error: unknown) => (error instanceof AuthenticationError ? `401 ${error.code}` : String(error)),
      );

    it('accepts both the old and the new key during the overlap', async () => {
      // Prepare
      const created = await createSource({ sourceId: 'acme', name: 'Acme', apiKey: true }, deps);
      clock.advance(60_000);

      // Act
      const rotated = await rotateApiKey('acme', deps);

      // Assess
      expect(rotated.apiKey).not.toBe(created.apiKey);
      expect(rotated.prefix).toBe(rotated.apiKey.slice(0, 'rbk_acme_'.length + 4));
      expect(rotated.source.apiKeys.map((k) => k.createdAt)).toEqual([
        '2026-03-10T14:00:00.000Z',
        '2026-03-10T14:01:00.000Z',
      ]);
      expect(await outcomeOf(created.apiKey ?? '')).toBe('ok acme');
      expect(await outcomeOf(rotated.apiKey)).toBe('ok acme');
    });

    it('after retire-key accepts only the newer key, and answers 401 to the older', async () => {
      // Prepare
      const created = await createSource({ sourceId: 'acme', name: 'Acme', apiKey: true }, deps);
      const rotated = await rotateApiKey('acme', deps);

      // Act
      const retired = await retireApiKey('acme', deps);

      // Assess
      expect(retired.retiredPrefix).toBe(created.source.apiKeys[0]?.prefix);
      expect(retired.source.apiKeys.map((k) => k.prefix)).toEqual([rotated.prefix]);
      expect(await outcomeOf(created.apiKey ?? '')).toBe('401 unknown_source');
      expect(await outcomeOf(rotated.apiKey)).toBe('ok acme');
    });

    it('refuses a rotation while two keys exist, telling to retire the older first', async () => {
      // Prepare
      await createSource({ sourceId: 'acme', name: 'Acme', apiKey: true }, deps);
      await rotateApiKey('acme', deps);

      // Act
      const third = rotateApiKey('acme', deps);

      // Assess
      await expect(third).rejects.toBeInstanceOf(SourceRuleError);
      await expect(third).rejects.toThrow(
        /already has 2 API keys: retire the older one first \(retire-key\)/,
      );
      expect(store.raw()[0]?.apiKeys).toHaveLength(2);
    });

    it('refuses to retire a lone key, which would leave the integrator without one', async () => {
      await createSource({ sourceId: 'acme', name: 'Acme', apiKey: true }, deps);
      await expect(retireApiKey('acme', deps)).rejects.toThrow(/one API key only/);
      expect(store.raw()[0]?.apiKeys).toHaveLength(1);
    });

    it('issues a first key to a source that had none, which then authenticates', async () => {
      // Prepare
      await createSource({ sourceId: 'acme', name: 'Acme' }, deps);

      // Act
      const { apiKey, source } = await rotateApiKey('acme', deps);

      // Assess
      expect(source.apiKeys).toHaveLength(1);
      expect(await outcomeOf(apiKey)).toBe('ok acme');
    });

    it('takes a stored record of the old single-key shape: its key works, and the next update writes the new shape', async () => {
      // Prepare
      const oldKey = `rbk_acme_${'O'.repeat(32)}`;
      await createSource({ sourceId: 'acme', name: 'Acme' }, deps);
      const { apiKeys: _, ...current } = store.raw()[0] as SourceRecord;
      store.seed({ ...current, apiKeyHash: hashApiKey(oldKey), apiKeyPrefix: 'rbk_acme_OOOO' });

      // Act
      const before = await outcomeOf(oldKey);
      const rotated = await rotateApiKey('acme', deps);

      // Assess
      expect(before).toBe('ok acme');
      const [stored] = store.raw();
      expect(stored?.apiKeys?.map((k) => k.prefix)).toEqual(['rbk_acme_OOOO', rotated.prefix]);
      expect(stored).not.toHaveProperty('apiKeyHash');
      expect(stored).not.toHaveProperty('apiKeyPrefix');
      expect(await outcomeOf(oldKey)).toBe('ok acme');
      expect(await outcomeOf(rotated.apiKey)).toBe('ok acme');
    });
  });

  describe('setRateLimit', () => {
    it('changes the rate limit, and the next openSource sees it', async () => {
      // Prepare
      await createSource({ sourceId: 'acme', name: 'Acme' }, deps);
      const before = await openSource('acme', deps);

      // Act
      const summary = await setRateLimit('acme', { perSecond: 5, burst: 10 }, deps);

      // Assess
      expect(before?.rateLimit).toEqual({ perSecond: 50, burst: 100 });
      expect(summary.rateLimit).toEqual({ perSecond: 5, burst: 10 });
      const after = await openSource('acme', deps, before);
      expect(after?.rateLimit).toEqual({ perSecond: 5, burst: 10 });
      expect(after?.version).toBe(2);
    });

    it('refuses bad values with a message naming the problem, and keeps the old limit', async () => {
      // Prepare
      await createSource({ sourceId: 'acme', name: 'Acme' }, deps);

      // Act / Assess
      await expect(setRateLimit('acme', { perSecond: 0, burst: 10 }, deps)).rejects.toThrow(
        'perSecond must be a whole number from 1 to 10000',
      );
      await expect(setRateLimit('acme', { perSecond: 20, burst: 10 }, deps)).rejects.toThrow(
        'burst must be a whole number, at least perSecond and at most 100000',
      );
      await expect(setRateLimit('acme', { perSecond: 2.5, burst: 10 }, deps)).rejects.toBeInstanceOf(
        SourceRuleError,
      );
      expect(store.raw()[0]).toMatchObject({ rateLimit: { perSecond: 50, burst: 100 }, version: 1 });
    });

    it('refuses a revoked or missing source', async () => {
      await createSource({ sourceId: 'acme', name: 'Acme' }, deps);
      await revokeSource('acme', deps);
      await expect(setRateLimit('acme', { perSecond: 5, burst: 10 }, deps)).rejects.toThrow(/revoked/);
      await expect(setRateLimit('nobody', { perSecond: 5, burst: 10 }, deps)).rejects.toBeInstanceOf(
        NotFoundError,
      );
    });
  });

  it('revokes a source once, stamped with the time', async () => {
    // Prepare
    await createSource({ sourceId: 'acme', name: 'Acme' }, deps);
    clock.set('2026-04-01T08:00:00.000Z');

    // Act
    const first = await revokeSource('acme', deps);
    const again = await revokeSource('acme', deps);

    // Assess
    expect(first).toMatchObject({ status: 'revoked', revokedAt: '2026-04-01T08:00:00.000Z' });
    expect(again).toEqual(first);
    expect((await openSource('acme', deps))?.status).toBe('revoked');
  });

  it('lists sources without any secret, key or ciphertext', async () => {
    // Prepare
    const acme = await createSource({ sourceId: 'acme', name: 'Acme', apiKey: true }, deps);
    await createSource({ sourceId: 'globex', name: 'Globex' }, deps);

    // Act
    const listed = await listSources(deps);

    // Assess
    expect(listed.map((s) => s.sourceId)).toEqual(['acme', 'globex']);
    const text = JSON.stringify(listed);
    expect(text).not.toContain(acme.webhookSecret);
    expect(text).not.toContain(acme.apiKey);
    expect(text).not.toContain('ciphertext');
    expect(text).not.toContain('apiKeyHash');
    expect(text).not.toContain('hash');
    expect(listed[0]?.apiKeys.map((k) => k.prefix)).toEqual([expect.stringMatching(/^rbk_acme_.{4}$/)]);
  });

  it("ensureSource creates the twin's source, then replaces its credentials and keeps its creation time", async () => {
    // Prepare
    const first = await ensureSource(
      { sourceId: 'local', name: 'Local', webhookSecret: secretA, apiKey: keyA },
      deps,
    );
    await revokeSource('local', deps);
    clock.advance(86_400_000);

    // Act
    const second = await ensureSource(
      { sourceId: 'local', name: 'Local', webhookSecret: secretB, apiKey: keyB },
      deps,
    );

    // Assess
    const opened = await openSource('local', deps);
    expect(opened?.status).toBe('active');
    expect(opened?.webhookSecrets.map((s) => s.secret)).toEqual([secretB]);
    expect(opened?.apiKeyHashes).toEqual([hashApiKey(keyB)]);
    expect(second.createdAt).toBe(first.createdAt);
  });
});

const secretA = `whsec_${Buffer.alloc(32, 1).toString('base64')}`;
const secretB = `whsec_${Buffer.alloc(32, 2).toString('base64')}`;
const keyA = `rbk_local_${'A'.repeat(32)}`;
const keyB = `rbk_local_${'B'.repeat(32)}`;
