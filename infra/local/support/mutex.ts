/** The twin's one lock: runs tasks one at a time, in the order they were queued. */
export class Mutex {
  private tail: Promise<unknown> = Promise.resolve();
  private queued = 0;

  public run<T>(fn: () => Promise<T>): Promise<T> {
    this.queued += 1;
    const next = this.tail.then(fn, fn).finally(() => {
      this.queued -= 1;
    });
    this.tail = next.catch(() => undefined);
    return next;
  }

  /** Tasks queued or running; a periodic task can skip its turn instead of piling up behind a slow one. */
  public get pending(): number {
    return this.queued;
  }
}
