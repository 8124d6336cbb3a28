import { beforeEach, describe, expect, it, vi } from 'vitest';
import { signWebhook } from '#events/client.ts';
import { CachedSourceDirectory } from '#shared/adapters/source-directory.ts';
import { StandardWebhooksVerifier } from '#shared/adapters/webhook-verifier.ts';
import { AuthenticationError } from '#shared/errors.ts';
import {
  type AuthenticateDeps,
  authenticateRequest,
  type Credentials,
  type SignedMessage,
  type WebhookVerifier,
} from '#shared/use-cases/authenticate-request.ts';
import {
  createSource,
  type ManageSourcesDeps,
  openSource,
  retireApiKey,
  revokeSource,
  rotateApiKey,
  rotateSecret,
} from '#shared/use-cases/manage-sources.ts';
import { SettableClock } from '../../support/fakes.ts';
import { FakeSecretBox, InMemorySourceStore } from '../sources/support.ts';

// Every API key comparison, counted (the real one runs): the count is a stand-in for the time intake takes.
const keyComparisons = vi.hoisted(() => ({ count: 0 }));
vi.mock('#shared/domain/sources.ts', async (importOriginal) => {
  const real = await importOriginal<typeof import('#shared/domain/sources.ts')>();
  return {
    ...real,
    apiKeyMatches: (key: string, expectedHash: string) => {
      keyComparisons.count += 1;
      return real.apiKeyMatches(key, expectedHash);
    },
  };
});

const BODY = Buffer.from('{"type":"offer.accepted","user":{"email":"sam@example.com"}}');

/** The real verifier, recording how many secrets each check was given (a stand-in for the time it takes). */
class RecordingVerifier implements WebhookVerifier {
  public readonly secretCounts: number[] = [];
  private readonly real = new StandardWebhooksVerifier();

  public verify(message: SignedMessage, secrets: readonly string[]) {
    this.secretCounts.push(secrets.length);
    return this.real.verify(message, secrets);
  }
}

function webhook(sourceId: string, secret: string, options: { at?: Date; body?: Buffer } = {}): Credentials {
  const headers = signWebhook({
    secret,
    id: 'msg_1',
    timestamp: options.at ?? new Date(),
    body: (options.body ?? BODY).toString('utf8'),
  });
  return {
    kind: 'webhook',
    sourceId,
    id: headers['webhook-id'],
    timestamp: headers['webhook-timestamp'],
    signature: headers['webhook-signature'],
  };
}

const failureOf = async (attempt: Promise<unknown>) => {
  const error = await attempt.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AuthenticationError);
  return (error as AuthenticationError).code;
};

describe('authenticateRequest', () => {
  let manage: ManageSourcesDeps;
  let realClock: SettableClock;
  let store: InMemorySourceStore;
  let box: FakeSecretBox;
  let verifier: RecordingVerifier;
  let deps: AuthenticateDeps;
  let secret: string;
  let apiKey: string;

  beforeEach(async () => {
    store = new InMemorySourceStore();
    box = new FakeSecretBox();
    realClock = new SettableClock(new Date());
    manage = { store, box, clock: realClock };
    const issued = await createSource({ sourceId: 'acme', name: 'Acme', apiKey: true }, manage);
    secret = issued.webhookSecret;
    apiKey = issued.apiKey ?? '';
    verifier = new RecordingVerifier();
    deps = {
      sources: new CachedSourceDirectory((id, previous) => openSource(id, manage, previous), realClock),
      verifier,
    };
  });

  it('answers missing_credentials to a request with none', async () => {
    expect(await failureOf(authenticateRequest({ kind: 'none' }, BODY, deps))).toBe('missing_credentials');
  });

  it('authenticates a signed request and hands on its webhook-id', async () => {
    // Act
    const result = await authenticateRequest(webhook('acme', secret), BODY, deps);

    // Assess
    expect(result.source.sourceId).toBe('acme');
    expect(result.webhookId).toBe('msg_1');
  });

  it('answers invalid_signature to a signature over another body', async () => {
    const credentials = webhook('acme', secret, { body: Buffer.from('{"other":true}') });
    expect(await failureOf(authenticateRequest(credentials, BODY, deps))).toBe('invalid_signature');
  });

  it('answers stale_timestamp to a valid signature made 6 minutes ago', async () => {
    const credentials = webhook('acme', secret, { at: new Date(Date.now() - 6 * 60_000) });
    expect(await failureOf(authenticateRequest(credentials, BODY, deps))).toBe('stale_timestamp');
  });

  it('does the same work for an unknown source as for a bad signature: one read, one check of one secret', async () => {
    // Prepare: both sources were looked up over a second ago, so a failure re-reads each once.
    const otherSecret = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;
    await authenticateRequest(webhook('acme', secret), BODY, deps);
    await failureOf(authenticateRequest(webhook('nobody', secret), BODY, deps));
    realClock.advance(1_000);
    const before = { reads: store.reads, opens: box.opens, checks: verifier.secretCounts.length };
    const cost = () => ({
      reads: store.reads - before.reads,
      opens: box.opens - before.opens,
      checks: verifier.secretCounts.slice(before.checks),
    });

    // Act
    const unknown = await failureOf(authenticateRequest(webhook('nobody', secret), BODY, deps));
    const unknownCost = cost();
    Object.assign(before, { reads: store.reads, opens: box.opens, checks: verifier.secretCounts.length });
    const badSignature = await failureOf(authenticateRequest(webhook('acme', otherSecret), BODY, deps));
    const badSignatureCost = cost();

    // Assess
    expect([unknown, badSignature]).toEqual(['unknown_source', 'invalid_signature']);
    // The unknown source is checked against a dummy secret; the unchanged source's secrets are not reopened.
    expect(unknownCost).toEqual({ reads: 1, opens: 0, checks: [1] });
    expect(badSignatureCost).toEqual({ reads: 1, opens: 0, checks: [1] });
  });

  it('answers unknown_source to an id that cannot be a source, after the same dummy check', async () => {
    expect(await failureOf(authenticateRequest(webhook('NOT A SOURCE', secret), BODY, deps))).toBe(
      'unknown_source',
    );
    expect(verifier.secretCounts).toEqual([1]);
  });

  it('tells a holder of a valid signature that the source is revoked, and anyone else that the signature is bad', async () => {
    // Prepare
    await revokeSource('acme', manage);

    // Act
    const holder = await failureOf(authenticateRequest(webhook('acme', secret), BODY, deps));
    const stranger = await failureOf(
      authenticateRequest(webhook('acme', `whsec_${Buffer.alloc(32, 7).toString('base64')}`), BODY, deps),
    );

    // Assess
    expect([holder, stranger]).toEqual(['revoked_source', 'invalid_signature']);
  });

  it('accepts the old and the new secret during a rotation', async () => {
    // Prepare
    const { webhookSecret: newSecret } = await rotateSecret('acme', manage);

    // Act
    const withOld = await authenticateRequest(webhook('acme', secret), BODY, deps);
    const withNew = await authenticateRequest(webhook('acme', newSecret), BODY, deps);

    // Assess
    expect([withOld.source.sourceId, withNew.source.sourceId]).toEqual(['acme', 'acme']);
  });

  it('accepts a secret issued after the source was cached, at once, by reading it again', async () => {
    // Prepare
    await authenticateRequest(webhook('acme', secret), BODY, deps);
    const { webhookSecret: newSecret } = await rotateSecret('acme', manage);
    realClock.advance(1_000);

    // Act
    const result = await authenticateRequest(webhook('acme', newSecret), BODY, deps);

    // Assess
    expect(result.source.webhookSecrets).toHaveLength(2);
  });

  it('sees a revocation only once the cached read is a minute old', async () => {
    // Prepare
    await authenticateRequest(webhook('acme', secret), BODY, deps);
    await revokeSource('acme', manage);

    // Act
    realClock.advance(30_000);
    const meanwhile = await authenticateRequest(webhook('acme', secret), BODY, deps);
    realClock.advance(30_000);
    const later = await failureOf(authenticateRequest(webhook('acme', secret), BODY, deps));

    // Assess
    expect(meanwhile.source.status).toBe('active');
    expect(later).toBe('revoked_source');
  });

  describe('with an API key', () => {
    const bearer = (key: string): Credentials => ({ kind: 'apiKey', key });

    it('authenticates the key whose SHA-256 is stored', async () => {
      const result = await authenticateRequest(bearer(apiKey), BODY, deps);
      expect(result.source.sourceId).toBe('acme');
      expect(result.webhookId).toBeUndefined();
    });

    it('answers unknown_source to a wrong key of a real source, a made-up source and a malformed key', async () => {
      // Prepare
      const wrong = `${apiKey.slice(0, -1)}${apiKey.endsWith('A') ? 'B' : 'A'}`;

      // Act
      const codes = await Promise.all(
        [wrong, `rbk_nobody_${'a'.repeat(32)}`, 'sk_live_1234'].map((key) =>
          failureOf(authenticateRequest(bearer(key), BODY, deps)),
        ),
      );

      // Assess
      expect(codes).toEqual(['unknown_source', 'unknown_source', 'unknown_source']);
    });

    it('answers unknown_source for a source that has no API key', async () => {
      await createSource({ sourceId: 'hooks-only', name: 'Hooks only' }, manage);
      const key = `rbk_hooks-only_${'a'.repeat(32)}`;
      expect(await failureOf(authenticateRequest(bearer(key), BODY, deps))).toBe('unknown_source');
    });

    it('accepts a key issued after the source was cached at once, beside the old one, until the old is retired', async () => {
      // Prepare
      await authenticateRequest(bearer(apiKey), BODY, deps);
      const { apiKey: newKey } = await rotateApiKey('acme', manage);
      realClock.advance(1_000);

      // Act
      const withNew = await authenticateRequest(bearer(newKey), BODY, deps);
      const withOld = await authenticateRequest(bearer(apiKey), BODY, deps);
      await retireApiKey('acme', manage);
      const oldWhileCached = await authenticateRequest(bearer(apiKey), BODY, deps);
      realClock.advance(60_000);
      const oldLater = await failureOf(authenticateRequest(bearer(apiKey), BODY, deps));
      const newLater = await authenticateRequest(bearer(newKey), BODY, deps);

      // Assess
      expect(withNew.source.apiKeyHashes).toHaveLength(2);
      expect(withOld.source.sourceId).toBe('acme');
      // A retired key, like a retired secret, works until the cached read is a minute old.
      expect(oldWhileCached.source.sourceId).toBe('acme');
      expect(oldLater).toBe('unknown_source');
      expect(newLater.source.apiKeyHashes).toHaveLength(1);
    });

    it('compares every key against exactly two hashes, whether the source exists, has one key or two, or it matches', async () => {
      // Prepare
      const comparisonsFor = async (key: string) => {
        keyComparisons.count = 0;
        await authenticateRequest(bearer(key), BODY, deps).catch(() => undefined);
        return keyComparisons.count;
      };
      const madeUp = `rbk_nobody_${'a'.repeat(32)}`;
      const wrong = `${apiKey.slice(0, -1)}${apiKey.endsWith('A') ? 'B' : 'A'}`;

      // Act
      const oneKey = [
        await comparisonsFor(apiKey),
        await comparisonsFor(wrong),
        await comparisonsFor(madeUp),
      ];
      const { apiKey: newKey } = await rotateApiKey('acme', manage);
      realClock.advance(60_000);
      const twoKeys = [
        await comparisonsFor(apiKey),
        await comparisonsFor(newKey),
        await comparisonsFor(wrong),
      ];

      // Assess
      expect(oneKey).toEqual([2, 2, 2]);
      expect(twoKeys).toEqual([2, 2, 2]);
    });

    it('answers revoked_source to the right key of a revoked source', async () => {
      await revokeSource('acme', manage);
      expect(await failureOf(authenticateRequest(bearer(apiKey), BODY, deps))).toBe('revoked_source');
    });
  });
});
