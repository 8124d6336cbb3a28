/**
 * The snapshot-plus-journal file of the twin's state (infra/local/support/journal.ts): what a journal
 * opened again after a crash gives back, at each point a crash can happen.
 */
import { appendFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Journal } from '../../../infra/local/support/journal.ts';

interface State {
  readonly items: readonly string[];
}
type Change = { readonly add: string };

const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

async function freshPath(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'rebound-journal-'));
  dirs.push(dir);
  return join(dir, 'nested', 'state.json');
}

/** A list kept through a journal, as the Scheduler emulator keeps its schedules. */
async function open(path: string, compactAfter = 1000) {
  const items: string[] = [];
  const journal = new Journal<State, Change>({
    snapshotPath: path,
    snapshot: () => ({ items: [...items] }),
    compactAfter: () => compactAfter,
  });
  const { snapshot, changes } = await journal.load();
  items.push(...(snapshot?.items ?? []), ...changes.map((c) => c.add));
  const add = (item: string) => {
    items.push(item);
    journal.record({ add: item });
  };
  return { journal, items, add };
}

const lines = async (path: string): Promise<string[]> =>
  (await readFile(path, 'utf8').catch(() => '')).split('\n').filter(Boolean);

describe('a state kept as a snapshot plus a journal', () => {
  it('has every committed change on disk when commit resolves, and gives them back to a journal opened after a crash', async () => {
    // Prepare
    const path = await freshPath();
    const first = await open(path);
    first.add('a');
    first.add('b');
    const committed = first.journal.commit();
    first.add('c');

    // Act
    await Promise.all([committed, first.journal.commit()]);
    const onDisk = await lines(`${path}.journal`);
    const second = await open(path); // the first is never closed: a kill -9

    // Assess
    expect(onDisk.map((line) => JSON.parse(line))).toEqual([
      { seq: 1, change: { add: 'a' } },
      { seq: 2, change: { add: 'b' } },
      { seq: 3, change: { add: 'c' } },
    ]);
    expect(second.items).toEqual(['a', 'b', 'c']);
  });

  it('ignores a last line torn by a crash mid-write (never acknowledged), and appends cleanly afterwards', async () => {
    // Prepare
    const path = await freshPath();
    const first = await open(path);
    first.add('a');
    await first.journal.commit();
    await appendFile(`${path}.journal`, '{"seq":2,"change":{"ad');

    // Act
    const second = await open(path);
    second.add('b');
    await second.journal.commit();
    const third = await open(path);

    // Assess
    expect(second.items).toEqual(['a', 'b']);
    expect(third.items).toEqual(['a', 'b']);
  });

  it('compacts past compactAfter lines: the snapshot holds the state and the journal only what came after', async () => {
    // Prepare
    const path = await freshPath();
    const first = await open(path, 2);
    for (const item of ['a', 'b', 'c']) first.add(item);
    await first.journal.commit(); // 3 lines > 2: compacted
    first.add('d');

    // Act
    await first.journal.commit();
    const snapshot = JSON.parse(await readFile(path, 'utf8'));
    const journal = await lines(`${path}.journal`);
    const second = await open(path);

    // Assess
    expect(snapshot).toEqual({ items: ['a', 'b', 'c'], journalSeq: 3 });
    expect(journal.map((line) => JSON.parse(line))).toEqual([{ seq: 4, change: { add: 'd' } }]);
    expect(second.items).toEqual(['a', 'b', 'c', 'd']);
  });

  it('replays nothing twice after a crash between writing the snapshot and emptying the journal', async () => {
    // Prepare: the journal still holds lines 1-2 that the snapshot already includes, and line 3 after it
    const path = await freshPath();
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, JSON.stringify({ items: ['a', 'b'], journalSeq: 2 }));
    await writeFile(
      `${path}.journal`,
      ['a', 'b', 'c'].map((add, i) => `${JSON.stringify({ seq: i + 1, change: { add } })}\n`).join(''),
    );

    // Act
    const reopened = await open(path);
    reopened.add('d');
    await reopened.journal.commit();
    const again = await open(path);

    // Assess
    expect(reopened.items).toEqual(['a', 'b', 'c', 'd']);
    expect(again.items).toEqual(['a', 'b', 'c', 'd']);
  });

  it('writes the whole state as the snapshot and empties the journal on close', async () => {
    // Prepare
    const path = await freshPath();
    const first = await open(path);
    first.add('a');
    await first.journal.commit();

    // Act
    await first.journal.close();

    // Assess
    expect(JSON.parse(await readFile(path, 'utf8'))).toEqual({ items: ['a'], journalSeq: 1 });
    expect(await lines(`${path}.journal`)).toEqual([]);
  });

  it('refuses a journal corrupt before its last line', async () => {
    // Prepare
    const path = await freshPath();
    const first = await open(path);
    first.add('a');
    await first.journal.commit();
    await writeFile(`${path}.journal`, 'not json\n{"seq":2,"change":{"add":"b"}}\n');

    // Act
    const loading = open(path);

    // Assess
    await expect(loading).rejects.toThrow(SyntaxError);
  });
});
