import { afterEach, describe, expect, it } from 'vitest';
import { World, type WorldParts } from '../../../infra/local/world.ts';

const at = (iso: string) => new Date(iso);

/** A frozen-or-flowing clock that only moves when told (real time does not leak in). */
class FakeClock {
  public frozen = false;
  public constructor(public t: Date) {}
  public now = () => this.t;
  public freeze = () => {
    this.frozen = true;
  };
  public thaw = () => {
    this.frozen = false;
  };
  public moveTo = async (to: Date) => {
    if (to > this.t) this.t = to;
    return this.t;
  };
}

/** Timers due at fixed instants; each fires once, and records the clock's time when it did. */
function fakeParts(clock: FakeClock, dueAt: string[], stream: Partial<WorldParts> = {}) {
  const pending = dueAt.map((iso) => at(iso));
  const firedAt: string[] = [];
  const lines: string[] = [];
  const parts: WorldParts = {
    clock,
    fireDueTimers: async () => {
      const due = pending.filter((d) => d <= clock.now());
      for (const d of due) {
        pending.splice(pending.indexOf(d), 1);
        firedAt.push(clock.now().toISOString());
      }
      return due.length;
    },
    nextTimerAt: () => pending.reduce<Date | undefined>((min, d) => (!min || d < min ? d : min), undefined),
    drainStream: async () => undefined,
    streamProgress: () => 0,
    log: (line) => lines.push(line),
    ...stream,
  };
  return { parts, firedAt, lines };
}

let world: World | undefined;
afterEach(async () => {
  await world?.stop();
  world = undefined;
});

describe('advancing the world', () => {
  it('steps to each timer in turn, so each fires at its own instant, and ends thawed at the target', async () => {
    // Prepare
    const clock = new FakeClock(at('2027-01-04T10:00:00Z'));
    const { parts, firedAt } = fakeParts(clock, ['2027-01-11T08:00:00Z', '2027-01-05T08:00:00Z']);
    world = new World(parts);

    // Act
    const now = await world.advanceTo(at('2027-01-20T00:00:00Z'));

    // Assess
    expect(firedAt).toEqual(['2027-01-05T08:00:00.000Z', '2027-01-11T08:00:00.000Z']);
    expect(now.toISOString()).toBe('2027-01-20T00:00:00.000Z');
    expect(clock.frozen).toBe(false);
  });

  it('leaves timers due after the target for later', async () => {
    // Prepare
    const clock = new FakeClock(at('2027-01-04T10:00:00Z'));
    const { parts, firedAt } = fakeParts(clock, ['2027-01-05T08:00:00Z']);
    world = new World(parts);

    // Act
    await world.advanceTo(at('2027-01-05T07:59:59Z'));

    // Assess
    expect(firedAt).toEqual([]);
  });

  it('keeps draining a slow stream that still handles records, without calling it stalled', async () => {
    // Prepare: three slices time out while records are handled, the fourth goes quiet
    const clock = new FakeClock(at('2027-01-04T10:00:00Z'));
    let progress = 0;
    let drains = 0;
    const { parts, lines } = fakeParts(clock, [], {
      drainStream: async () => {
        drains += 1;
        progress += 10;
        if (drains < 4) throw new Error('did not go quiet');
      },
      streamProgress: () => progress,
    });
    world = new World(parts);

    // Act
    await world.advanceTo(at('2027-01-05T00:00:00Z'));

    // Assess
    expect(drains).toBe(5); // four slices before the clock moves, one quiet drain after
    expect(lines.filter((l) => l.includes('stalled'))).toEqual([]);
  });

  it('moves time and fires timers past a stalled stream, which it logs once and stops waiting for', async () => {
    // Prepare
    const clock = new FakeClock(at('2027-01-04T10:00:00Z'));
    let drains = 0;
    const { parts, firedAt, lines } = fakeParts(clock, ['2027-01-05T08:00:00Z', '2027-01-06T08:00:00Z'], {
      drainStream: async () => {
        drains += 1;
        throw new Error('did not go quiet');
      },
    });
    world = new World(parts);

    // Act
    const now = await world.advanceTo(at('2027-01-07T00:00:00Z'));

    // Assess
    expect(now.toISOString()).toBe('2027-01-07T00:00:00.000Z');
    expect(firedAt).toHaveLength(2);
    expect(drains).toBe(1);
    expect(lines.filter((l) => l.includes('stalled'))).toHaveLength(1);
  });
});

describe('drains skipped while nothing was written to the table', () => {
  it('drains at the start of every advance, and not again within it while no table write was counted', async () => {
    // Prepare
    const clock = new FakeClock(at('2027-01-04T10:00:00Z'));
    let drains = 0;
    const { parts, firedAt } = fakeParts(clock, ['2027-01-05T08:00:00Z', '2027-01-06T08:00:00Z'], {
      drainStream: async () => {
        drains += 1;
      },
      tableWrites: () => 7,
    });
    world = new World(parts, { quietMs: 60_000 });

    // Act
    await world.advanceTo(at('2027-01-07T00:00:00Z'));
    const afterFirst = drains;
    await world.advanceTo(at('2027-01-08T00:00:00Z'));

    // Assess
    expect(firedAt).toHaveLength(2);
    expect([afterFirst, drains]).toEqual([1, 2]);
  });

  it('drains after each firing that wrote to the table, and counts writes made during a drain as drained', async () => {
    // Prepare: each timer writes once; each drain delivers what was written and writes once more itself
    const clock = new FakeClock(at('2027-01-04T10:00:00Z'));
    let writes = 0;
    let drains = 0;
    const { parts } = fakeParts(clock, ['2027-01-05T08:00:00Z', '2027-01-06T08:00:00Z'], {
      drainStream: async () => {
        drains += 1;
        writes += 1; // the planner's writes, delivered by the drain's last round
        return writes;
      },
      tableWrites: () => writes,
    });
    const fire = parts.fireDueTimers;
    parts.fireDueTimers = async () => {
      const fired = await fire();
      writes += fired;
      return fired;
    };
    world = new World(parts, { quietMs: 60_000 });

    // Act
    await world.advanceTo(at('2027-01-07T00:00:00Z'));

    // Assess: the advance's first drain, then one after each of the two firings
    expect(drains).toBe(3);
  });

  it('lets the loop drain again once a quiet drain is older than quietMs, writes or not', async () => {
    // Prepare
    const clock = new FakeClock(at('2027-01-04T10:00:00Z'));
    let drains = 0;
    const { parts } = fakeParts(clock, [], {
      drainStream: async () => {
        drains += 1;
      },
      tableWrites: () => 0,
    });
    world = new World(parts, { tickMs: 5, quietMs: 100 });

    // Act
    world.start();
    await new Promise((resolve) => setTimeout(resolve, 350)); // some 70 ticks

    // Assess: about one drain per 100 ms, not one per tick
    expect(drains).toBeGreaterThanOrEqual(2);
    expect(drains).toBeLessThanOrEqual(8);
  });
});

describe('the loop', () => {
  it('skips its turns behind a stalled drain, so an advance waits for one drain at most', async () => {
    // Prepare: the first drain hangs until released, every later one fails at once with no progress
    const clock = new FakeClock(at('2027-01-04T10:00:00Z'));
    let release: (() => void) | undefined;
    let drains = 0;
    const { parts } = fakeParts(clock, [], {
      drainStream: () => {
        drains += 1;
        if (drains === 1)
          return new Promise<void>((_, reject) => (release = () => reject(new Error('stuck'))));
        return Promise.reject(new Error('stuck'));
      },
    });
    world = new World(parts, { tickMs: 5, stalledRetryMs: 60_000 });
    world.start();
    await new Promise((resolve) => setTimeout(resolve, 100)); // some 20 ticks while the first drain hangs

    // Act
    const advanced = world.advanceTo(at('2027-01-05T00:00:00Z'));
    release?.();
    const now = await advanced;

    // Assess: one hanging drain, then the advance's own attempt; no tick queued in between
    expect(now.toISOString()).toBe('2027-01-05T00:00:00.000Z');
    expect(drains).toBe(2);
  });
});
