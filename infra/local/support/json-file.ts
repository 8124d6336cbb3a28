/**
 * The twin's one persisted-state helper: a JSON file written atomically (temporary file + rename, by the
 * well-kept `steno`, which also coalesces writes that overlap). Guards against the twin's own process
 * dying mid-write, not against power loss (no fsync): the data directory is a development convenience.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Writer } from 'steno';

export class JsonFile<T> {
  private writer: Writer | undefined;

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
    if (!this.writer) {
      await mkdir(dirname(this.path), { recursive: true });
      this.writer = new Writer(this.path);
    }
    await this.writer.write(`${JSON.stringify(value)}\n`);
  }
}
