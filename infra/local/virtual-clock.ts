/**
 * The twin's clock: it flows with real time from a persisted starting point, and can be moved forward.
 * It never moves backwards. It is saved on every move (and on stop), so a restart resumes where it was.
 */
import type { Clock } from '../../shared/ports.ts';
import { JsonFile } from './support/json-file.ts';

export class VirtualClock implements Clock {
  private readonly file: JsonFile<{ now: string }>;
  private offsetMs = 0;
  /** While frozen (during an advance), time stands still so each timer fires at exactly its instant. */
  private frozenAtMs: number | undefined;

  public constructor(path: string) {
    this.file = new JsonFile(path);
  }

  /** Resume from the saved instant; a fresh data directory starts at the real time. */
  public async load(): Promise<void> {
    const at = Date.parse((await this.file.read())?.now ?? '');
    this.offsetMs = Number.isFinite(at) ? at - Date.now() : 0;
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

  public save(): Promise<void> {
    return this.file.write({ now: this.now().toISOString() });
  }
}
