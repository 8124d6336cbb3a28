/**
 * The twin's persisted-state helpers. `JsonFile`: one JSON value written atomically (temporary file +
 * rename, by the well-kept `steno`, which also coalesces writes that overlap). `JsonLines`: an append-only
 * log. They guard against the twin's own process dying mid-write, not against power loss (no fsync): the
 * data directory is a development convenience.
 */
import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Writer } from 'steno';

export class JsonFile<T> {
  private writer: Promise<Writer> | undefined;

  public constructor(public readonly path: string) {}

  /** The saved value, or `undefined` when the file does not exist yet. Corrupt JSON throws. */
  public async read(): Promise<T | undefined> {
    try {
      return JSON.parse(await readFile(this.path, 'utf8')) as T;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  public async write(value: T): Promise<void> {
    // One writer per file, created once even when the first writes overlap, so steno can coalesce them.
    this.writer ??= mkdir(dirname(this.path), { recursive: true }).then(() => new Writer(this.path));
    await (await this.writer).write(`${JSON.stringify(value)}\n`);
  }
}

/** An append-only log of JSON values, one per line (sent emails, dead letters). */
export class JsonLines<T> {
  private ready: Promise<unknown> | undefined;

  public constructor(public readonly path: string) {}

  public async append(value: T): Promise<void> {
    this.ready ??= mkdir(dirname(this.path), { recursive: true });
    await this.ready;
    await appendFile(this.path, `${JSON.stringify(value)}\n`);
  }

  /** Every value appended so far, oldest first; none when the file does not exist yet. */
  public async read(): Promise<T[]> {
    try {
      const text = await readFile(this.path, 'utf8');
      return text
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as T);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
  }
}
