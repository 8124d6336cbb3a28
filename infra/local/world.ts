/**
 * The twin's world: the virtual clock, the timers and the table's stream, moved one step at a time under
 * one lock. One loop keeps the world going in real time (stream drained, due timers fired); an advance
 * freezes the clock and steps from timer to timer up to its target. docs/local-twin.md explains both.
 */
import { Mutex } from './support/mutex.ts';
import type { VirtualClock } from './virtual-clock.ts';

export interface WorldParts {
  /** Frozen during an advance, so each timer fires at exactly its instant. */
  readonly clock: Pick<VirtualClock, 'now' | 'freeze' | 'thaw' | 'moveTo'>;
  /** Fire every timer due now; resolves with the number of invocations. */
  fireDueTimers(): Promise<number>;
  /** The earliest instant a one-time timer is due, or anything else an advance should stop at, if any. */
  nextTimerAt(): Date | undefined | Promise<Date | undefined>;
  /**
   * Deliver what the stream holds; rejects when it has not gone quiet within `timeoutMs`. May resolve with
   * `tableWrites()` as it stood right before the stream was found quiet (writes made during the drain and
   * delivered by it then count as drained).
   */
  drainStream(timeoutMs: number): Promise<unknown>;
  /** Grows whenever a stream record is handled or dead-lettered: tells a slow drain from a stalled one. */
  streamProgress(): number;
  /**
   * Table writes acknowledged so far, as a counter, if the twin counts them (the handlers' writes). While it
   * stands still since a drain that went quiet less than `quietMs` ago, nothing new can be on the stream
   * from them, and the loop and the steps of an advance skip the drain. Writes it does not count (a test
   * planting an item straight into DynamoDB Local) are drained by the next advance or `runAndSettle`, which
   * always drain first, or by the loop within `quietMs`. @default every settle drains
   */
  tableWrites?(): number;
  readonly log: (line: string) => void;
}

export interface WorldOptions {
  /** The loop's period. @default 250 */
  readonly tickMs?: number;
  /** A drain that handles nothing for this long counts as stalled. @default 2000 */
  readonly stallMs?: number;
  /** While the stream is stalled, the loop tries it again this often (timers keep firing). @default 5000 */
  readonly stalledRetryMs?: number;
  /** How long a quiet drain with no table write since stands for the stream (`tableWrites`). @default 1000 */
  readonly quietMs?: number;
}

const DEFAULTS: Required<WorldOptions> = { tickMs: 250, stallMs: 2000, stalledRetryMs: 5000, quietMs: 1000 };
/** Fire-and-drain rounds per settle: a chain of timers that keeps creating due timers is a bug, not work. */
const MAX_ROUNDS = 1000;

export class World {
  private readonly lock = new Mutex();
  private readonly options: Required<WorldOptions>;
  private ticker: NodeJS.Timeout | undefined;
  private stopping = false;
  /** When the stream last stalled (real time), until a drain succeeds again. */
  private stalledAt: number | undefined;
  /** The last drain that went quiet: the write count before it began, and when it ended (real time). */
  private quiet: { readonly writes: number; readonly at: number } | undefined;

  public constructor(
    private readonly parts: WorldParts,
    options: WorldOptions = {},
  ) {
    this.options = { ...DEFAULTS, ...options };
  }

  /** Run `fn` alone (nothing else moves the world meanwhile), then settle what it set going. */
  public runAndSettle<T>(fn: () => Promise<T>): Promise<T> {
    return this.lock.run(async () => {
      const result = await fn();
      await this.settleUnlocked({ stream: true }, true);
      return result;
    });
  }

  /** Settle now: drain the stream and fire what is due, until nothing moves. */
  public settle(): Promise<void> {
    return this.runAndSettle(async () => undefined);
  }

  /**
   * Move the clock to `to`: freeze it, settle, then step to each timer's instant in turn and settle
   * there, so every email is sent at its own virtual time; finally move to `to`, settle and thaw.
   * A stalled stream is logged and left behind for the rest of this advance: time still moves.
   * @returns the clock's time afterwards
   */
  public advanceTo(to: Date): Promise<Date> {
    return this.lock.run(async () => {
      const { clock } = this.parts;
      const state = { stream: true };
      clock.freeze();
      try {
        await this.settleUnlocked(state, true);
        let due = await this.parts.nextTimerAt();
        while (due && due <= to) {
          await clock.moveTo(due);
          await this.settleUnlocked(state);
          const next = await this.parts.nextTimerAt();
          if (next?.getTime() === due.getTime()) break; // a timer that cannot leave
          due = next;
        }
        await clock.moveTo(to);
        await this.settleUnlocked(state);
        return clock.now();
      } finally {
        clock.thaw();
      }
    });
  }

  /**
   * Start the one loop that keeps the world going in real time. A tick skips its turn while anything
   * holds or waits for the lock, so ticks never pile up in front of an advance.
   */
  public start(): void {
    this.ticker ??= setInterval(() => {
      if (this.lock.pending > 0) return;
      const stream =
        this.stalledAt === undefined || Date.now() - this.stalledAt >= this.options.stalledRetryMs;
      void this.lock
        .run(() => this.settleUnlocked({ stream }))
        .catch((error: unknown) => this.parts.log(`[twin] tick failed: ${String(error)}`));
    }, this.options.tickMs);
  }

  /** Stop the loop and wait for whatever holds the lock (stop the stream meanwhile, so a drain ends). */
  public async stop(): Promise<void> {
    this.stopping = true;
    clearInterval(this.ticker);
    this.ticker = undefined;
    await this.lock.run(async () => undefined);
  }

  /** @param force drain first even when no table write was counted since the last quiet drain */
  private async settleUnlocked(state: { stream: boolean }, force = false): Promise<void> {
    if (state.stream) state.stream = await this.drain(force);
    for (let round = 0; round < MAX_ROUNDS; round += 1) {
      const fired = await this.parts.fireDueTimers();
      if (fired === 0) return;
      if (state.stream) state.stream = await this.drain(false);
    }
  }

  /** Drain in slices; false when a whole slice handled nothing (a stalled stream, logged once per stall). */
  private async drain(force: boolean): Promise<boolean> {
    // Read before the drain: a write acknowledged after this is counted, and drained next time.
    const writes = this.parts.tableWrites?.();
    const { quiet } = this;
    const fresh = quiet !== undefined && Date.now() - quiet.at < this.options.quietMs;
    if (!force && fresh && writes === quiet.writes) return true;
    this.quiet = undefined;
    for (;;) {
      const before = this.parts.streamProgress();
      try {
        const drained = await this.parts.drainStream(this.options.stallMs);
        const quietFrom = typeof drained === 'number' ? drained : writes;
        if (this.stalledAt !== undefined) this.parts.log('[stream] flowing again');
        this.stalledAt = undefined;
        if (quietFrom !== undefined) this.quiet = { writes: quietFrom, at: Date.now() };
        return true;
      } catch (error) {
        if (this.stopping) return false;
        if (this.parts.streamProgress() !== before) continue; // slow, not stuck
        if (this.stalledAt === undefined) this.parts.log(`[stream] stalled: ${String(error)}`);
        this.stalledAt = Date.now();
        return false;
      }
    }
  }
}
