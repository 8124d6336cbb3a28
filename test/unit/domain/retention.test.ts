import { describe, expect, it } from 'vitest';
import { HISTORY_RETENTION_DAYS, historyExpiry } from '#shared/domain/retention.ts';

const DAY_MS = 24 * 60 * 60 * 1000;

describe('the retention of history', () => {
  it('is 400 days', () => {
    expect(HISTORY_RETENTION_DAYS).toBe(400);
  });

  it('expires an item 400 days after it became history, at the next UTC midnight', () => {
    // Prepare
    const at = '2027-01-04T10:30:00.000Z';

    // Act
    const expiry = historyExpiry(at) * 1000;

    // Assess
    expect(new Date(expiry).toISOString()).toBe('2028-02-09T00:00:00.000Z');
    expect(expiry - Date.parse(at)).toBeGreaterThanOrEqual(400 * DAY_MS);
    expect(expiry - Date.parse(at)).toBeLessThan(401 * DAY_MS);
  });

  it('gives one value for a whole UTC day and takes a Date as well as a string', () => {
    expect(historyExpiry('2027-01-04T00:00:01Z')).toBe(historyExpiry(new Date('2027-01-04T23:59:59Z')));
  });
});
