/** Per-key ordering for stream batches processed in parallel (Powertools `processInParallel`). */
import { SkippedAfterFailureError } from '../errors.ts';

/**
 * Wrap a record handler so that records with the same key run one after another, in the order they are
 * handed in, while records with different keys run concurrently.
 *
 * After a record fails, the later records with its key fail too, with `SkippedAfterFailureError`, without
 * running: a stream retries from the lowest failed sequence number, so they are replayed in order after it.
 * Records of other keys that succeeded may be redelivered by that retry, so the handler must be idempotent.
 *
 * Make one per batch: the chains it keeps belong to one invocation.
 */
export function inOrderPerKey<R>(
  handle: (record: R) => Promise<void>,
  keyOf: (record: R) => string,
): (record: R) => Promise<void> {
  const chains = new Map<string, Promise<void>>();
  return (record) => {
    const key = keyOf(record);
    const previous = chains.get(key) ?? Promise.resolve();
    const current = previous.then(
      () => handle(record),
      (error: unknown) => {
        throw new SkippedAfterFailureError(key, { cause: error });
      },
    );
    chains.set(key, current);
    return current;
  };
}
