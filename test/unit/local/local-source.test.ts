/** The twin's `local` source: credentials from the environment, else generated once into the data directory. */
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ensureLocalSource } from '../../../infra/local/local-source.ts';
import { hashApiKey } from '../../../shared/domain/sources.ts';
import { SourceRuleError } from '../../../shared/errors.ts';
import { openSource, revokeSource, rotateApiKey } from '../../../shared/use-cases/manage-sources.ts';
import { FakeSecretBox, InMemorySourceStore } from '../sources/support.ts';

const KEY = `rbk_local_${'k'.repeat(32)}`;
const SECRET = `whsec_${Buffer.from('x'.repeat(32)).toString('base64')}`;

let dir: string;
let store: InMemorySourceStore;
let box: FakeSecretBox;
const deps = () => ({ store, box, clock: { now: () => new Date('2027-01-04T10:00:00Z') } });

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rebound-local-source-'));
  store = new InMemorySourceStore();
  box = new FakeSecretBox();
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('the local source', () => {
  it('takes both credentials from the environment, writes no file, and stores them sealed and hashed', async () => {
    // Act
    const { credentials } = await ensureLocalSource({
      file: join(dir, 'local-source.json'),
      apiKey: KEY,
      webhookSecret: SECRET,
      deps: deps(),
    });

    // Assess
    expect(credentials).toEqual({
      sourceId: 'local',
      apiKey: KEY,
      webhookSecret: SECRET,
      origin: { apiKey: 'env', webhookSecret: 'env' },
    });
    await expect(stat(join(dir, 'local-source.json'))).rejects.toMatchObject({ code: 'ENOENT' });
    const [record] = store.raw();
    expect(record?.apiKeys?.map((k) => k.hash)).toEqual([hashApiKey(KEY)]);
    expect(JSON.stringify(record)).not.toContain(KEY);
    expect(await box.open(record?.webhookSecrets[0]?.ciphertext ?? '', { sourceId: 'local' })).toBe(SECRET);
  });

  it('generates what is unset once, keeps it (mode 0600) and gives the same credentials on the next start', async () => {
    // Prepare
    const file = join(dir, 'local-source.json');

    // Act
    const first = await ensureLocalSource({ file, deps: deps() });
    const second = await ensureLocalSource({ file, deps: deps() });

    // Assess
    expect(first.credentials.apiKey).toMatch(/^rbk_local_[A-Za-z0-9_-]{32}$/);
    expect(first.credentials.webhookSecret).toMatch(/^whsec_[A-Za-z0-9+/]+={0,2}$/);
    expect(first.credentials.origin).toEqual({ apiKey: 'file', webhookSecret: 'file' });
    expect(second.credentials).toEqual(first.credentials);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual({
      apiKey: first.credentials.apiKey,
      webhookSecret: first.credentials.webhookSecret,
    });
    expect(store.raw()).toHaveLength(1);
  });

  it('lets the environment override one credential and keeps the generated other', async () => {
    // Act
    const { credentials } = await ensureLocalSource({
      file: join(dir, 'local-source.json'),
      apiKey: KEY,
      deps: deps(),
    });

    // Assess
    expect(credentials.apiKey).toBe(KEY);
    expect(credentials.origin).toEqual({ apiKey: 'env', webhookSecret: 'file' });
  });

  it('makes a revoked local source active again with the given rate limit at the next start', async () => {
    // Prepare
    const file = join(dir, 'local-source.json');
    await ensureLocalSource({ file, deps: deps() });
    await revokeSource('local', deps());

    // Act
    const { source } = await ensureLocalSource({
      file,
      deps: deps(),
      rateLimit: { perSecond: 10_000, burst: 100_000 },
    });

    // Assess
    expect(source.status).toBe('active');
    expect(source.rateLimit).toEqual({ perSecond: 10_000, burst: 100_000 });
  });

  it('has exactly the given key again at the next start after a key rotation left it two', async () => {
    // Prepare
    const file = join(dir, 'local-source.json');
    await ensureLocalSource({ file, apiKey: KEY, webhookSecret: SECRET, deps: deps() });
    await rotateApiKey('local', deps());

    // Act
    const { source } = await ensureLocalSource({ file, apiKey: KEY, webhookSecret: SECRET, deps: deps() });

    // Assess
    expect(source.apiKeys.map((k) => k.prefix)).toEqual([`rbk_local_${'k'.repeat(4)}`]);
    expect((await openSource('local', deps()))?.apiKeyHashes).toEqual([hashApiKey(KEY)]);
  });

  it('refuses a key of another source or a malformed secret, naming the rule', async () => {
    // Act / Assess
    await expect(
      ensureLocalSource({
        file: join(dir, 'a.json'),
        apiKey: `rbk_other_${'k'.repeat(32)}`,
        webhookSecret: SECRET,
        deps: deps(),
      }),
    ).rejects.toBeInstanceOf(SourceRuleError);
    await expect(
      ensureLocalSource({ file: join(dir, 'b.json'), apiKey: KEY, webhookSecret: 'hunter2', deps: deps() }),
    ).rejects.toThrow(/whsec_/);
  });
});
