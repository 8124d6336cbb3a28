/**
 * The twin's clock: it flows with real time from a persisted starting point, and can be moved forward.
 * It never moves backwards. It is saved on every move (and on stop), so a restart resumes where it was.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Clock } from '../../shared/ports.ts';

export class VirtualClock implements Clock {
  private offsetMs = 0;
  /** While frozen (during an advance), time stands still so each timer fires at exactly its instant. */
  private frozenAtMs: number | undefined;

  public constructor(private readonly file: string) {}

  /** Resume from the saved instant; a fresh data directory starts at the real time. */
  public async load(): Promise<void> {
    try {
      const saved = JSON.parse(await readFile(this.file, 'utf8')) as { now: string };
      const at = Date.parse(saved.now);
      if (Number.isFinite(at)) this.offsetMs = at - Date.now();
    } catch {
      this.offsetMs = 0;
    }
  }

  public now(): Date {
    return new Date(this.frozenAtMs ?? Date.now() + this.offsetMs);
  }

  /** Stop the flow of time until `thaw()`. */
  public freeze(): void {
    this.frozenAtMs ??= this.now().getTime();
  }

  /** Let time flow again from where it stands. */
  public thaw(): void {
    if (this.frozenAtMs === undefined) return;
    this.offsetMs = this.frozenAtMs - Date.now();
    this.frozenAtMs = undefined;
  }

  /** Move to `to` if it is later than now; returns the new now. */
  public async moveTo(to: Date): Promise<Date> {
    const delta = to.getTime() - this.now().getTime();
    if (delta > 0) {
      if (this.frozenAtMs !== undefined) this.frozenAtMs += delta;
      else this.offsetMs += delta;
    }
    await this.save();
    return this.now();
  }

  public async save(): Promise<void> {
    await mkdir(dirname(this.file), { recursive: true });
    const tmp = `${this.file}.tmp`;
    await writeFile(tmp, JSON.stringify({ now: this.now().toISOString() }));
    await rename(tmp, this.file);
  }
}
