import { beforeEach, describe, expect, it } from 'vitest';
import { RateLimitExceededError } from '#shared/errors.ts';
import { limitRate } from '#shared/use-cases/limit-rate.ts';
import { SettableClock } from '../../support/fakes.ts';
import { InMemoryRateCounters } from '../sources/support.ts';

const source = { sourceId: 'acme', rateLimit: { perSecond: 50, burst: 100 } };

describe('limitRate', () => {
  let counters: InMemoryRateCounters;
  let realClock: SettableClock;

  beforeEach(() => {
    counters = new InMemoryRateCounters();
    realClock = new SettableClock('2026-03-10T14:05:00.300Z');
  });

  const take = () => limitRate(source, { counters, realClock });

  it('admits a burst of 100 in one window with one counter write each', async () => {
    // Act
    for (let i = 0; i < 100; i += 1) await take();

    // Assess
    expect(counters.writes).toBe(100);
    expect([...counters.counters.values()]).toEqual([
      // The counter outlives its 2-second window by 5 minutes, then DynamoDB TTL removes it.
      { n: 100, expiresAt: Date.parse('2026-03-10T14:10:02.000Z') / 1000 },
    ]);
  });

  it('refuses the 101st request of the window with the seconds until the window ends', async () => {
    // Prepare
    for (let i = 0; i < 100; i += 1) await take();
    realClock.set('2026-03-10T14:05:00.900Z');

    // Act
    const refused = take();

    // Assess
    await expect(refused).rejects.toBeInstanceOf(RateLimitExceededError);
    await expect(refused).rejects.toMatchObject({ sourceId: 'acme', retryAfterSeconds: 2 });
  });

  it('admits requests again in the next window', async () => {
    // Prepare
    for (let i = 0; i < 100; i += 1) await take();
    await expect(take()).rejects.toBeInstanceOf(RateLimitExceededError);
    realClock.set('2026-03-10T14:05:02.000Z');

    // Act
    await take();

    // Assess
    expect(counters.counters.size).toBe(2);
  });

  it('counts each source on its own', async () => {
    // Prepare
    for (let i = 0; i < 100; i += 1) await take();

    // Act
    await limitRate({ ...source, sourceId: 'globex' }, { counters, realClock });

    // Assess
    await expect(take()).rejects.toBeInstanceOf(RateLimitExceededError);
  });

  it('holds a stricter limit of a source: 2/s with bursts of 4 admits 4 per 2 seconds', async () => {
    // Prepare
    const strict = { sourceId: 'small', rateLimit: { perSecond: 2, burst: 4 } };
    for (let i = 0; i < 4; i += 1) await limitRate(strict, { counters, realClock });

    // Act
    const refused = limitRate(strict, { counters, realClock });

    // Assess
    await expect(refused).rejects.toMatchObject({ retryAfterSeconds: 2 });
  });
});
