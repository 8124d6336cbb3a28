import { describe, expect, it } from 'vitest';
import { inOrderPerKey } from '#shared/adapters/in-order-per-key.ts';
import { SkippedAfterFailureError } from '#shared/errors.ts';

interface Item {
  readonly key: string;
  readonly name: string;
  /** Milliseconds the handler takes for this item. */
  readonly takes?: number;
  readonly fails?: boolean;
}

/** A handler that records when each item starts and ends, taking `takes` ms and failing when told. */
function recorder() {
  const log: string[] = [];
  const handle = async (item: Item): Promise<void> => {
    log.push(`start ${item.name}`);
    await new Promise((resolve) => setTimeout(resolve, item.takes ?? 0));
    log.push(`end ${item.name}`);
    if (item.fails) throw new Error(`${item.name} failed`);
  };
  return { log, handle };
}

describe('inOrderPerKey', () => {
  it('runs the items of one key one after another, in the order they were handed in', async () => {
    // Prepare
    const { log, handle } = recorder();
    const run = inOrderPerKey(handle, (item: Item) => item.key);
    const items: Item[] = [
      { key: 'sam', name: 'sam-1', takes: 20 },
      { key: 'sam', name: 'sam-2' },
    ];

    // Act
    await Promise.all(items.map(run));

    // Assess
    expect(log).toEqual(['start sam-1', 'end sam-1', 'start sam-2', 'end sam-2']);
  });

  it('runs items of different keys concurrently', async () => {
    // Prepare
    const { log, handle } = recorder();
    const run = inOrderPerKey(handle, (item: Item) => item.key);
    const items: Item[] = [
      { key: 'sam', name: 'sam-1', takes: 20 },
      { key: 'alex', name: 'alex-1' },
    ];

    // Act
    await Promise.all(items.map(run));

    // Assess: Alex finished while Sam's slow item was still running.
    expect(log).toEqual(['start sam-1', 'start alex-1', 'end alex-1', 'end sam-1']);
  });

  it("fails a key's later items without running them after an earlier one failed, while other keys go on", async () => {
    // Prepare
    const { log, handle } = recorder();
    const run = inOrderPerKey(handle, (item: Item) => item.key);
    const items: Item[] = [
      { key: 'sam', name: 'sam-1', fails: true },
      { key: 'alex', name: 'alex-1' },
      { key: 'sam', name: 'sam-2' },
      { key: 'sam', name: 'sam-3' },
    ];

    // Act
    const results = await Promise.allSettled(items.map(run));

    // Assess
    expect(results.map((r) => r.status)).toEqual(['rejected', 'fulfilled', 'rejected', 'rejected']);
    for (const skipped of [results[2], results[3]]) {
      expect(skipped?.status === 'rejected' && skipped.reason).toBeInstanceOf(SkippedAfterFailureError);
    }
    expect(log).not.toContain('start sam-2');
    expect(log).not.toContain('start sam-3');
    expect(log).toContain('end alex-1');
  });

  it('keeps no state between wrappers, so each batch starts clean', async () => {
    // Prepare: a first batch in which Sam's item failed
    const { log, handle } = recorder();
    await inOrderPerKey(
      handle,
      (item: Item) => item.key,
    )({ key: 'sam', name: 'sam-1', fails: true }).catch(() => {});

    // Act
    await inOrderPerKey(handle, (item: Item) => item.key)({ key: 'sam', name: 'sam-2' });

    // Assess
    expect(log).toContain('end sam-2');
  });
});
