/**
 * A state kept as a snapshot plus an append-only journal of changes, for a state that changes often and is
 * large: the Scheduler emulator's schedules. Rewriting the whole JSON file on every change cost a write of
 * the whole state per CreateSchedule (the twin's largest own cost in `npm run simulate`); a journal line
 * costs one `write()` of that change.
 *
 * Crash safety is the same as `JsonFile`'s (the twin's process dying at any point; no fsync, so not power
 * loss):
 * - `commit()` resolves once every change recorded before it is in the journal file (one `write()` per
 *   batch of lines); callers answer only then, so an acknowledged change is on disk.
 * - A process killed inside a `write()` may leave a torn last line: it was never acknowledged, and `load()`
 *   ignores it (a torn line anywhere else is corruption and throws).
 * - Compaction writes the snapshot atomically (`JsonFile`: temporary file + rename) holding `journalSeq`,
 *   the number of the last change it includes, and only then empties the journal. Lines carry their number,
 *   so a crash between the two replays nothing twice (`load()` skips lines the snapshot includes).
 * - The journal is compacted once it holds more lines than `compactAfter()` says, at `load()` when it
 *   holds any, and at `close()`, so it stays proportional to the state.
 */
import { type FileHandle, mkdir, open, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { JsonFile } from './json-file.ts';

/** What a snapshot holds besides the state: the number of the last journal line it includes. */
export interface SnapshotMark {
  readonly journalSeq?: number;
}

export interface JournalOptions<S extends object> {
  /** The snapshot, a JSON file (its format is the caller's, plus `journalSeq`). */
  readonly snapshotPath: string;
  /** The journal, one JSON line per change. @default `<snapshotPath>.journal` */
  readonly journalPath?: string;
  /** The whole state as it stands in memory, every recorded change included. */
  readonly snapshot: () => S;
  /** Compact once the journal holds more lines than this (read at each write). @default 1000 */
  readonly compactAfter?: () => number;
}

interface Waiter {
  readonly promise: Promise<void>;
  resolve(): void;
  reject(error: unknown): void;
}

function waiter(): Waiter {
  let resolve!: () => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

export class Journal<S extends object, E extends object> {
  public readonly journalPath: string;
  private readonly snapshotFile: JsonFile<S & SnapshotMark>;
  private handle: Promise<FileHandle> | undefined;
  /** Number of the last change recorded (in memory). */
  private seq = 0;
  /** Lines recorded and not yet written. */
  private pending: string[] = [];
  /** Lines in the journal file (written or pending) since the last snapshot. */
  private lines = 0;
  /** The next write must be a compaction: asked for, or a failed write may have left a torn line. */
  private compactNext = false;
  private writing: Promise<void> | undefined;
  private next: Waiter | undefined;

  public constructor(private readonly options: JournalOptions<S>) {
    this.snapshotFile = new JsonFile(options.snapshotPath);
    this.journalPath = options.journalPath ?? `${options.snapshotPath}.journal`;
  }

  /**
   * The snapshot (`undefined` when there is none yet) and the journal's changes made after it, in order.
   * Then compacts, if the journal held anything, so that appends never follow a torn line.
   * @throws the parse error of a corrupt snapshot or of a corrupt line before the journal's last one
   */
  public async load(): Promise<{ snapshot: (S & SnapshotMark) | undefined; changes: E[] }> {
    const snapshot = await this.snapshotFile.read();
    const from = snapshot?.journalSeq ?? 0;
    let text = '';
    try {
      text = await readFile(this.journalPath, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    const lines = text.split('\n');
    // The last element is '' after a complete final line, or a line torn by a crash: never acknowledged.
    lines.pop();
    const changes: E[] = [];
    this.seq = from;
    for (const line of lines) {
      const { seq, change } = JSON.parse(line) as { seq: number; change: E };
      if (seq <= from) continue;
      changes.push(change);
      this.seq = seq;
    }
    if (text.length > 0) this.compactNext = true;
    return { snapshot, changes };
  }

  /** Record a change already made in memory; it is written by the next `commit()`. */
  public record(change: E): void {
    this.seq += 1;
    this.pending.push(`${JSON.stringify({ seq: this.seq, change })}\n`);
    this.lines += 1;
  }

  /** Resolves once every change recorded so far is on disk (and after whatever was writing before). */
  public commit(): Promise<void> {
    this.next ??= waiter();
    const { promise } = this.next;
    this.writing ??= this.writeAll();
    return promise;
  }

  /** Write the whole state as the snapshot and empty the journal. */
  public compact(): Promise<void> {
    this.compactNext = true;
    return this.commit();
  }

  /** Resolves when nothing is being written. */
  public async flush(): Promise<void> {
    while (this.writing) await this.writing.catch(() => undefined);
  }

  /** Compact and release the journal file. */
  public async close(): Promise<void> {
    await this.compact();
    const handle = this.handle;
    this.handle = undefined;
    if (handle) await (await handle).close();
  }

  /** One write at a time; changes recorded meanwhile go together in the next one. */
  private async writeAll(): Promise<void> {
    try {
      while (this.next) {
        const done = this.next;
        this.next = undefined;
        try {
          await this.writeOnce();
          done.resolve();
        } catch (error) {
          // The lines may be half written: the next write rewrites everything instead of appending.
          this.compactNext = true;
          done.reject(error);
        }
      }
    } finally {
      this.writing = undefined;
    }
  }

  private async writeOnce(): Promise<void> {
    const compact = this.compactNext || this.lines > (this.options.compactAfter?.() ?? 1000);
    if (!compact) {
      const text = this.pending.join('');
      this.pending = [];
      if (text) await (await this.file()).appendFile(text);
      return;
    }
    this.compactNext = false;
    // Taken together, synchronously: the snapshot includes exactly the changes up to `seq`.
    const seq = this.seq;
    const state = this.options.snapshot();
    this.pending = [];
    this.lines = 0;
    try {
      await this.snapshotFile.write({ ...state, journalSeq: seq });
      // Lines recorded from here on are > seq, still pending, and appended after the truncation.
      await (await this.file()).truncate(0);
    } catch (error) {
      this.compactNext = true;
      throw error;
    }
  }

  /** The journal, opened for appending once (created with its directory as needed). */
  private file(): Promise<FileHandle> {
    if (!this.handle) {
      const opening = mkdir(dirname(this.journalPath), { recursive: true }).then(() =>
        open(this.journalPath, 'a'),
      );
      this.handle = opening;
      // A failed open is tried again by the next write.
      opening.catch(() => {
        if (this.handle === opening) this.handle = undefined;
      });
    }
    return this.handle;
  }
}
