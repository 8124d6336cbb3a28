import { describe, expect, it } from 'vitest';
import {
  isSchedulable,
  nextSendSlot,
  notInThePast,
  SEND_HOUR,
  slotAtLeast,
  slotDaysLater,
} from '#shared/domain/slots.ts';
import { ReboundError } from '#shared/errors.ts';

// Offsets used below: Berlin CET +01:00 / CEST +02:00; Los Angeles PST -08:00 / PDT -07:00;
// Auckland NZST +12:00 / NZDT +13:00. US DST 2026: Mar 8 / Nov 1; 2027: Mar 14 / Nov 7.
// NZ DST 2026: ends Apr 5, starts Sep 27. EU DST 2026: Mar 29 / Oct 25.
const at = (iso: string): Date => new Date(iso);

/** Rows for `it.each`, titled by their `case` (`$case` would quote and truncate long titles). */
const byCase = <T extends { readonly case: string }>(rows: readonly T[]) =>
  rows.map((row) => [row.case, row] as const);

describe('SEND_HOUR', () => {
  it('sends at nine in the morning', () => {
    expect(SEND_HOUR).toBe(9);
  });
});

describe('nextSendSlot', () => {
  it.each(
    byCase([
      {
        case: 'is 09:00 the same day when the day has not reached 09:00 yet',
        zone: 'Europe/Berlin',
        after: '2026-03-10T07:00:00.000Z', // Tue 08:00 CET
        expected: '2026-03-10T08:00:00.000Z',
      },
      {
        case: 'is the instant itself when it is exactly a slot',
        zone: 'Europe/Berlin',
        after: '2026-03-10T08:00:00.000Z',
        expected: '2026-03-10T08:00:00.000Z',
      },
      {
        case: 'is the next day when the slot passed a millisecond ago',
        zone: 'Europe/Berlin',
        after: '2026-03-10T08:00:00.001Z',
        expected: '2026-03-11T08:00:00.000Z',
      },
      {
        case: 'skips the weekend from a Friday afternoon to Monday',
        zone: 'Europe/Berlin',
        after: '2026-03-13T14:00:00.000Z', // Fri 15:00 CET
        expected: '2026-03-16T08:00:00.000Z',
      },
      {
        case: 'skips the rest of the weekend from a Sunday',
        zone: 'Europe/Berlin',
        after: '2026-03-15T07:00:00.000Z', // Sun 08:00 CET
        expected: '2026-03-16T08:00:00.000Z',
      },
      {
        case: 'keeps 09:00 local over the Los Angeles spring change of 2026',
        zone: 'America/Los_Angeles',
        after: '2026-03-06T18:00:00.000Z', // Fri 10:00 PST
        expected: '2026-03-09T16:00:00.000Z', // Mon 09:00 PDT
      },
      {
        case: 'keeps 09:00 local over the Los Angeles autumn change of 2026',
        zone: 'America/Los_Angeles',
        after: '2026-10-30T17:00:00.000Z', // Fri 10:00 PDT
        expected: '2026-11-02T17:00:00.000Z', // Mon 09:00 PST
      },
      {
        case: 'keeps 09:00 local over the Los Angeles spring change of 2027',
        zone: 'America/Los_Angeles',
        after: '2027-03-12T18:00:00.000Z', // Fri 10:00 PST
        expected: '2027-03-15T16:00:00.000Z', // Mon 09:00 PDT
      },
      {
        case: 'keeps 09:00 local over the Los Angeles autumn change of 2027',
        zone: 'America/Los_Angeles',
        after: '2027-11-05T17:00:00.000Z', // Fri 10:00 PDT
        expected: '2027-11-08T17:00:00.000Z', // Mon 09:00 PST
      },
      {
        case: 'uses the Los Angeles date, not the UTC date, late in the evening',
        zone: 'America/Los_Angeles',
        after: '2026-03-04T04:00:00.000Z', // Tue 20:00 PST, already Wednesday in UTC
        expected: '2026-03-04T17:00:00.000Z', // Wed 09:00 PST
      },
      {
        case: 'places 09:00 at 03:30 UTC in Asia/Kolkata',
        zone: 'Asia/Kolkata',
        after: '2026-06-01T04:30:00.000Z', // Mon 10:00 IST
        expected: '2026-06-02T03:30:00.000Z', // Tue 09:00 IST
      },
      {
        case: 'places 09:00 at 03:15 UTC in Asia/Kathmandu',
        zone: 'Asia/Kathmandu',
        after: '2026-06-01T00:00:00.000Z', // Mon 05:45 NPT
        expected: '2026-06-01T03:15:00.000Z',
      },
      {
        case: 'treats an Auckland Saturday as weekend although it is Friday in UTC',
        zone: 'Pacific/Auckland',
        after: '2026-07-03T20:00:00.000Z', // Sat 08:00 NZST
        expected: '2026-07-05T21:00:00.000Z', // Mon 09:00 NZST, a Sunday in UTC
      },
      {
        case: 'keeps 09:00 local over the Auckland change to summer time',
        zone: 'Pacific/Auckland',
        after: '2026-09-24T22:00:00.000Z', // Fri 10:00 NZST
        expected: '2026-09-27T20:00:00.000Z', // Mon 09:00 NZDT
      },
      {
        case: 'keeps 09:00 local over the Auckland change to standard time',
        zone: 'Pacific/Auckland',
        after: '2026-04-02T21:00:00.000Z', // Fri 10:00 NZDT
        expected: '2026-04-05T21:00:00.000Z', // Mon 09:00 NZST
      },
    ]),
  )('%s', (_case, { zone, after, expected }) => {
    // Prepare
    const instant = at(after);

    // Act
    const slot = nextSendSlot(instant, zone);

    // Assess
    expect(slot.toISOString()).toBe(expected);
  });

  it('rejects a zone the runtime does not know', () => {
    // Prepare
    const instant = at('2026-03-10T07:00:00.000Z');

    // Act
    const act = () => nextSendSlot(instant, 'Mars/Olympus_Mons');

    // Assess
    expect(act).toThrow(ReboundError);
  });
});

describe('slotDaysLater', () => {
  it.each(
    byCase([
      {
        case: 'makes "7 days later" of a Tuesday afternoon the next Tuesday 09:00',
        zone: 'Europe/Berlin',
        from: '2026-03-10T14:00:00.000Z', // Tue 15:00 CET
        days: 7,
        expected: '2026-03-17T08:00:00.000Z',
      },
      {
        case: 'keeps 09:00 local when the Berlin clocks change in between',
        zone: 'Europe/Berlin',
        from: '2026-03-24T14:00:00.000Z', // Tue 15:00 CET
        days: 7,
        expected: '2026-03-31T07:00:00.000Z', // Tue 09:00 CEST
      },
      {
        case: 'moves a Saturday to the Monday after',
        zone: 'Europe/Berlin',
        from: '2026-03-09T09:00:00.000Z', // Mon 10:00 CET, +5 days is Saturday
        days: 5,
        expected: '2026-03-16T08:00:00.000Z',
      },
      {
        case: 'moves a Sunday to the Monday after',
        zone: 'Europe/Berlin',
        from: '2026-03-09T09:00:00.000Z', // Mon 10:00 CET, +6 days is Sunday
        days: 6,
        expected: '2026-03-16T08:00:00.000Z',
      },
      {
        case: 'counts six weeks as 42 calendar days',
        zone: 'Europe/Berlin',
        from: '2026-03-11T09:00:00.000Z', // Wed 10:00 CET
        days: 42,
        expected: '2026-04-22T07:00:00.000Z', // Wed 09:00 CEST
      },
      {
        case: 'gives today 09:00 for zero days, even when that has passed',
        zone: 'Europe/Berlin',
        from: '2026-03-10T14:00:00.000Z',
        days: 0,
        expected: '2026-03-10T08:00:00.000Z',
      },
      {
        case: 'keeps 09:00 local over the Los Angeles spring change of 2026',
        zone: 'America/Los_Angeles',
        from: '2026-03-03T23:00:00.000Z', // Tue 15:00 PST
        days: 7,
        expected: '2026-03-10T16:00:00.000Z', // Tue 09:00 PDT
      },
      {
        case: 'keeps 09:00 local over the Los Angeles autumn change of 2026',
        zone: 'America/Los_Angeles',
        from: '2026-10-27T22:00:00.000Z', // Tue 15:00 PDT
        days: 7,
        expected: '2026-11-03T17:00:00.000Z', // Tue 09:00 PST
      },
      {
        case: 'keeps 09:00 local over the Los Angeles spring change of 2027',
        zone: 'America/Los_Angeles',
        from: '2027-03-09T23:00:00.000Z', // Tue 15:00 PST
        days: 7,
        expected: '2027-03-16T16:00:00.000Z', // Tue 09:00 PDT
      },
      {
        case: 'keeps 09:00 local over the Los Angeles autumn change of 2027',
        zone: 'America/Los_Angeles',
        from: '2027-11-02T22:00:00.000Z', // Tue 15:00 PDT
        days: 7,
        expected: '2027-11-09T17:00:00.000Z', // Tue 09:00 PST
      },
      {
        case: 'counts from the Los Angeles date when it is already tomorrow in UTC',
        zone: 'America/Los_Angeles',
        from: '2026-03-04T04:00:00.000Z', // Tue 20:00 PST, Wednesday in UTC
        days: 7,
        expected: '2026-03-10T16:00:00.000Z', // Tue 09:00 PDT
      },
      {
        case: 'counts from the Kolkata date when it is still yesterday in UTC',
        zone: 'Asia/Kolkata',
        from: '2026-06-01T20:00:00.000Z', // Tue 01:30 IST
        days: 7,
        expected: '2026-06-09T03:30:00.000Z', // Tue 09:00 IST
      },
      {
        case: 'keeps 09:00 local over the Auckland change to summer time',
        zone: 'Pacific/Auckland',
        from: '2026-09-22T23:00:00.000Z', // Wed 11:00 NZST
        days: 7,
        expected: '2026-09-29T20:00:00.000Z', // Wed 09:00 NZDT
      },
    ]),
  )('%s', (_case, { zone, from, days, expected }) => {
    // Prepare
    const instant = at(from);

    // Act
    const slot = slotDaysLater(instant, days, zone);

    // Assess
    expect(slot.toISOString()).toBe(expected);
  });
});

describe('slotAtLeast', () => {
  const DAY_MS = 24 * 60 * 60 * 1000;

  it.each(
    byCase([
      {
        case: 'skips the next morning when 24 hours end after 09:00',
        zone: 'Europe/Berlin',
        from: '2026-03-09T09:00:00.000Z', // Mon 10:00 CET
        expected: '2026-03-11T08:00:00.000Z', // Wed 09:00
      },
      {
        case: 'takes the next morning when 24 hours end before 09:00',
        zone: 'Europe/Berlin',
        from: '2026-03-09T07:00:00.000Z', // Mon 08:00 CET
        expected: '2026-03-10T08:00:00.000Z', // Tue 09:00
      },
      {
        case: 'skips the weekend when 24 hours end on a Saturday',
        zone: 'Europe/Berlin',
        from: '2026-03-13T09:00:00.000Z', // Fri 10:00 CET
        expected: '2026-03-16T08:00:00.000Z', // Mon 09:00
      },
      {
        case: 'counts real hours across the Los Angeles spring change',
        zone: 'America/Los_Angeles',
        from: '2026-03-07T18:00:00.000Z', // Sat 10:00 PST; +24h is Sun 11:00 PDT
        expected: '2026-03-09T16:00:00.000Z', // Mon 09:00 PDT
      },
    ]),
  )('%s', (_case, { zone, from, expected }) => {
    // Prepare
    const instant = at(from);

    // Act
    const slot = slotAtLeast(instant, DAY_MS, zone);

    // Assess
    expect(slot.toISOString()).toBe(expected);
  });
});

describe('notInThePast', () => {
  const now = at('2026-03-10T10:30:00.000Z'); // Tue 11:30 CET

  it.each(
    byCase([
      {
        case: 'keeps a slot that lies ahead',
        slot: '2026-03-17T08:00:00.000Z',
        expected: '2026-03-17T08:00:00.000Z',
      },
      {
        case: 'keeps a slot that is exactly now',
        slot: '2026-03-10T10:30:00.000Z',
        expected: '2026-03-10T10:30:00.000Z',
      },
      {
        case: 'moves a past slot to the next slot after now',
        slot: '2026-01-13T08:00:00.000Z',
        expected: '2026-03-11T08:00:00.000Z',
      },
    ]),
  )('%s', (_case, { slot, expected }) => {
    // Prepare
    const candidate = at(slot);

    // Act
    const result = notInThePast(candidate, now, 'Europe/Berlin');

    // Assess
    expect(result.toISOString()).toBe(expected);
  });
});

describe('isSchedulable', () => {
  it.each([
    ['1969-12-31T23:59:59.000Z', false],
    ['1970-01-01T00:00:00.000Z', true],
    ['2026-03-10T08:00:00.000Z', true],
    ['2199-12-31T23:59:59.000Z', true],
    ['2200-01-01T00:00:00.000Z', false],
    ['+010000-01-01T23:58:59.000Z', false],
  ])("%s lies inside the Scheduler's range: %s", (instant, expected) => {
    expect(isSchedulable(at(instant))).toBe(expected);
  });

  it('refuses an invalid date', () => {
    expect(isSchedulable(new Date(Number.NaN))).toBe(false);
  });
});

describe('wall-clock readings kept in memory', () => {
  it('give the same slots for one instant in different zones, read again, and after the memory is cleared', () => {
    // Prepare: one instant (Friday 2026-03-27 10:00 UTC) in three zones, two days before Berlin's DST change.
    const instant = at('2026-03-27T10:00:00.000Z');
    const expected = {
      'Europe/Berlin': '2026-03-30T07:00:00.000Z', // Friday 11:00 CET: Monday 09:00 CEST
      'America/Los_Angeles': '2026-03-27T16:00:00.000Z', // Friday 03:00 PDT: the same day, 09:00 PDT
      'Pacific/Auckland': '2026-03-29T20:00:00.000Z', // Friday 23:00 NZDT: Monday 09:00 NZDT
    };
    const slots = () =>
      Object.fromEntries(
        Object.keys(expected).map((zone) => [zone, nextSendSlot(instant, zone).toISOString()]),
      );

    // Act: first readings, the same from memory, then enough other readings to clear the memory.
    const first = slots();
    const again = slots();
    for (let i = 0; i < 12_000; i += 1) slotDaysLater(new Date(Date.UTC(2027, 0, 1) + i * 61_000), 1, 'UTC');
    const afterClearing = slots();

    // Assess
    expect(first).toEqual(expected);
    expect(again).toEqual(expected);
    expect(afterClearing).toEqual(expected);
  });
});
