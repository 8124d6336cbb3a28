import { beforeEach, describe, expect, it } from 'vitest';
import { CachedSourceDirectory } from '#shared/adapters/source-directory.ts';
import {
  createSource,
  type ManageSourcesDeps,
  openSource,
  revokeSource,
} from '#shared/use-cases/manage-sources.ts';
import { SettableClock } from '../../support/fakes.ts';
import { FakeSecretBox, InMemorySourceStore } from '../sources/support.ts';

describe('CachedSourceDirectory', () => {
  let store: InMemorySourceStore;
  let box: FakeSecretBox;
  let realClock: SettableClock;
  let deps: ManageSourcesDeps;
  let directory: CachedSourceDirectory;

  beforeEach(async () => {
    store = new InMemorySourceStore();
    box = new FakeSecretBox();
    realClock = new SettableClock('2026-03-10T14:00:00.000Z');
    deps = { store, box, clock: realClock };
    await createSource({ sourceId: 'acme', name: 'Acme' }, deps);
    store.reads = 0;
    directory = new CachedSourceDirectory((id, previous) => openSource(id, deps, previous), realClock);
  });

  it('reads a busy source once a minute: one GetItem and one Decrypt for many requests', async () => {
    // Act
    for (let i = 0; i < 50; i += 1) {
      await directory.find('acme');
      realClock.advance(1_000);
    }

    // Assess
    expect(store.reads).toBe(1);
    expect(box.opens).toBe(1);
  });

  it('re-reads an unchanged source after a minute without opening its secrets again', async () => {
    // Prepare
    const first = await directory.find('acme');
    realClock.advance(60_000);

    // Act
    const second = await directory.find('acme');

    // Assess
    expect(store.reads).toBe(2);
    expect(box.opens).toBe(1);
    expect(second).toBe(first);
  });

  it('opens the secrets again once the source changed', async () => {
    // Prepare
    await directory.find('acme');
    await revokeSource('acme', deps);
    realClock.advance(60_000);

    // Act
    const changed = await directory.find('acme');

    // Assess
    expect(changed?.status).toBe('revoked');
    expect(box.opens).toBe(2);
  });

  it('still serves a revoked source as active within the minute, and as revoked after it', async () => {
    // Prepare
    await directory.find('acme');
    await revokeSource('acme', deps);

    // Act
    realClock.advance(59_999);
    const within = await directory.find('acme');
    realClock.advance(1);
    const after = await directory.find('acme');

    // Assess
    expect(within?.status).toBe('active');
    expect(after?.status).toBe('revoked');
  });

  it('reloads on request, but not more than once a second', async () => {
    // Prepare
    await directory.find('acme');

    // Act
    await directory.reload('acme');
    realClock.advance(999);
    await directory.reload('acme');
    realClock.advance(1);
    await directory.reload('acme');

    // Assess
    expect(store.reads).toBe(2);
  });

  it('remembers an unknown source too, so made-up ids cost no read per request', async () => {
    // Act
    for (let i = 0; i < 10; i += 1) await directory.find('nobody');

    // Assess
    expect(await directory.find('nobody')).toBeUndefined();
    expect(store.reads).toBe(1);
  });

  it('shares one read among requests that arrive together', async () => {
    // Act
    await Promise.all([directory.find('acme'), directory.find('acme'), directory.find('acme')]);

    // Assess
    expect(store.reads).toBe(1);
  });

  it('keeps no failed read: the next request tries again', async () => {
    // Prepare
    let fail = true;
    const flaky = new CachedSourceDirectory(async (id) => {
      if (fail) throw new Error('ProvisionedThroughputExceededException');
      return openSource(id, deps);
    }, realClock);
    await expect(flaky.find('acme')).rejects.toThrow();
    fail = false;

    // Act
    const source = await flaky.find('acme');

    // Assess
    expect(source?.sourceId).toBe('acme');
  });

  it('holds at most maxEntries sources, dropping the oldest read', async () => {
    // Prepare
    const small = new CachedSourceDirectory((id, previous) => openSource(id, deps, previous), realClock, {
      maxEntries: 2,
    });
    await small.find('acme');
    await small.find('b');
    await small.find('c');
    store.reads = 0;

    // Act
    await small.find('acme');

    // Assess
    expect(store.reads).toBe(1);
  });
});
