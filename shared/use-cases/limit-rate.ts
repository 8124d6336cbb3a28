/**
 * The per-source rate limit, held across every Lambda instance: one counter item per source and fixed window
 * in the table (`pk = RATE#<sourceId>`, `sk = <window start>`), one conditional update per request.
 */
import { type RateLimit, rateWindowAt, retryAfterSeconds } from '../domain/sources.ts';
import { RateLimitExceededError } from '../errors.ts';
import type { Clock } from '../ports.ts';

/** Counters of requests per source and window. */
export interface RateCounters {
  /**
   * Count one request in the window starting at `windowStart`, unless it already counted `limit`: true when
   * counted, false when the window was full. One conditional write; the counter expires at `expiresAt`.
   */
  increment(sourceId: string, windowStart: Date, limit: number, expiresAt: Date): Promise<boolean>;
}

export interface LimitRateDeps {
  readonly counters: RateCounters;
  /** Real time: requests arrive in it, whatever the twin's virtual clock says. */
  readonly realClock: Clock;
}

/** How long a window's counter outlives the window, for DynamoDB TTL (which deletes within days anyway). */
const COUNTER_LINGER_MS = 5 * 60_000;

/**
 * Admit one request of a source, or throw `RateLimitExceededError` (429) with the seconds until its window
 * ends. Windows are `burst / perSecond` seconds long and admit `burst` requests (`rateWindowAt`).
 */
export async function limitRate(
  source: { readonly sourceId: string; readonly rateLimit: RateLimit },
  deps: LimitRateDeps,
): Promise<void> {
  const now = deps.realClock.now();
  const window = rateWindowAt(source.rateLimit, now);
  const expiresAt = new Date(window.end.getTime() + COUNTER_LINGER_MS);
  const counted = await deps.counters.increment(source.sourceId, window.start, window.limit, expiresAt);
  if (!counted) throw new RateLimitExceededError(source.sourceId, retryAfterSeconds(window, now));
}
