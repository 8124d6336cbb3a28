/**
 * The clock adapter: the only place that reads the system time. The local twin swaps in its virtual clock
 * with `useClock()` before it invokes any function, so a whole search can be replayed in minutes.
 */
import type { Clock } from '../ports.ts';

export const systemClock: Clock = { now: () => new Date() };

let current: Clock = systemClock;

/** The process-wide clock that functions are composed with. */
export const clock: Clock = { now: () => current.now() };

/** Replace the time source (local twin and tests only). */
export function useClock(source: Clock): void {
  current = source;
}
