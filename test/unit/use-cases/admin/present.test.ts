/** How the admin view shows addresses and times. */
import { describe, expect, it } from 'vitest';
import { nextWholeMinute } from '#shared/domain/slots.ts';
import { localTime, maskEmail, utcDays } from '#shared/use-cases/admin/present.ts';

describe('masking an address', () => {
  it.each([
    ['sam@example.com', 's***@example.com'],
    ['a@b.example', 'a***@b.example'],
    ['first.last+tag@mail.example.org', 'f***@mail.example.org'],
    ['not-an-address', '***'],
  ])('shows %s as %s', (email, masked) => {
    expect(maskEmail(email)).toBe(masked);
  });
});

describe('local time', () => {
  it('shows an instant in the user’s zone with the zone named', () => {
    expect(localTime('2026-12-07T08:00:00.000Z', 'Europe/Berlin')).toBe(
      'Mon 7 Dec 2026, 09:00 (Europe/Berlin)',
    );
    expect(localTime('2026-07-06T13:05:00.000Z', 'America/New_York')).toBe(
      'Mon 6 Jul 2026, 09:05 (America/New_York)',
    );
  });

  it('uses a 24-hour clock at midnight', () => {
    expect(localTime('2026-12-06T23:00:00.000Z', 'Europe/Berlin')).toBe(
      'Mon 7 Dec 2026, 00:00 (Europe/Berlin)',
    );
  });

  it('falls back to UTC, and says so, for a zone the runtime does not know', () => {
    expect(localTime('2026-12-07T08:00:00.000Z', 'Mars/Olympus')).toBe('Mon 7 Dec 2026, 08:00 (UTC)');
  });
});

describe('minutes and days', () => {
  it('takes the next whole minute strictly after now', () => {
    expect(nextWholeMinute(new Date('2026-12-01T10:00:30Z')).toISOString()).toBe('2026-12-01T10:01:00.000Z');
    expect(nextWholeMinute(new Date('2026-12-01T10:00:00Z')).toISOString()).toBe('2026-12-01T10:01:00.000Z');
  });

  it('lists UTC days forward from today or back to it, oldest first', () => {
    const now = new Date('2026-03-01T23:30:00Z');
    expect(utcDays(now, 3, 'forward')).toEqual(['2026-03-01', '2026-03-02', '2026-03-03']);
    expect(utcDays(now, 3, 'backward')).toEqual(['2026-02-27', '2026-02-28', '2026-03-01']);
  });
});
