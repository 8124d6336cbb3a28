/**
 * The Scheduler emulator's schedules ordered by when they fire next, so that a firing pass and the world's
 * "next timer" question look at what is due instead of reading every schedule (a pass used to compute every
 * schedule's next instant; the world asked several times per clock step).
 *
 * One binary min-heap per kind, by (instant, key), with lazy removal: an entry holds the record it was made
 * for and counts only while that record is still the schedule's (`isCurrent`). Replacing or deleting a
 * schedule leaves its old entry behind, to be dropped when it reaches the top, or when stale entries
 * outnumber live ones (`rebuild`).
 */
import type { StoredSchedule } from './state.ts';
import { timingOf } from './timing.ts';

export interface DueEntry {
  readonly atMs: number;
  readonly key: string;
  readonly schedule: StoredSchedule;
}

class MinHeap {
  private readonly items: DueEntry[] = [];

  public get size(): number {
    return this.items.length;
  }

  public push(entry: DueEntry): void {
    const { items } = this;
    items.push(entry);
    let i = items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(entry, items[parent] as DueEntry)) break;
      items[i] = items[parent] as DueEntry;
      i = parent;
    }
    items[i] = entry;
  }

  public peek(): DueEntry | undefined {
    return this.items[0];
  }

  public pop(): DueEntry | undefined {
    const { items } = this;
    const top = items[0];
    const last = items.pop();
    if (items.length === 0 || last === undefined) return top;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= items.length) break;
      const right = left + 1;
      const child =
        right < items.length && before(items[right] as DueEntry, items[left] as DueEntry) ? right : left;
      if (!before(items[child] as DueEntry, last)) break;
      items[i] = items[child] as DueEntry;
      i = child;
    }
    items[i] = last;
    return top;
  }

  public clear(): void {
    this.items.length = 0;
  }
}

const before = (a: DueEntry, b: DueEntry): boolean => a.atMs < b.atMs || (a.atMs === b.atMs && a.key < b.key);

export class DueIndex {
  private readonly oneTime = new MinHeap();
  private readonly recurring = new MinHeap();

  /** @param isCurrent whether `schedule` is still what the state holds under `key` */
  public constructor(private readonly isCurrent: (key: string, schedule: StoredSchedule) => boolean) {}

  /** Index a schedule just stored under `key` (one that never fires again is left out). */
  public add(key: string, schedule: StoredSchedule): void {
    const { kind, nextMs } = timingOf(schedule);
    if (nextMs === undefined) return;
    (kind === 'at' ? this.oneTime : this.recurring).push({ atMs: nextMs, key, schedule });
  }

  /** The earliest instant a one-time schedule fires. */
  public nextOneTimeMs(): number | undefined {
    return this.top(this.oneTime)?.atMs;
  }

  /**
   * Take out every current entry due at or before `nowMs`. The caller puts back (`add`) those it did not
   * replace or delete; a record it fired and completed is replaced by the state anyway.
   */
  public takeDue(nowMs: number): DueEntry[] {
    const due: DueEntry[] = [];
    for (const heap of [this.oneTime, this.recurring]) {
      for (let top = this.top(heap); top && top.atMs <= nowMs; top = this.top(heap)) {
        heap.pop();
        due.push(top);
      }
    }
    return due;
  }

  /** Start again from the live schedules, dropping every stale entry. */
  public rebuild(schedules: Iterable<readonly [string, StoredSchedule]>): void {
    this.oneTime.clear();
    this.recurring.clear();
    for (const [key, schedule] of schedules) this.add(key, schedule);
  }

  /** Entries held, stale ones included. */
  public get size(): number {
    return this.oneTime.size + this.recurring.size;
  }

  /** The heap's earliest current entry, dropping stale ones on the way. */
  private top(heap: MinHeap): DueEntry | undefined {
    for (let top = heap.peek(); top; top = heap.peek()) {
      if (this.isCurrent(top.key, top.schedule)) return top;
      heap.pop();
    }
    return undefined;
  }
}
