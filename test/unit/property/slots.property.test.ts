/**
 * Property-based tests of the send-slot arithmetic (`shared/domain/slots.ts`) in every zone the runtime knows.
 */
import * as fc from 'fast-check';
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { isValidTimeZone } from '#events/job-event.ts';
import { nextSendSlot, SEND_HOUR, slotAtLeast, slotDaysLater } from '#shared/domain/slots.ts';
import { DAY_MS, zoneArb } from './support/policy-world.ts';
import { propertyRuns } from './support/runs.ts';

/** 2012 to 2199: see `nowArb` for why not earlier; 2199 is the Scheduler's last year. */
const instantArb = fc
  .integer({ min: Date.UTC(2012, 0, 1), max: Date.UTC(2199, 11, 1) })
  .map((ms) => new Date(ms));

const local = (instant: Date, zone: string) => DateTime.fromJSDate(instant, { zone });

function isSlot(instant: Date, zone: string): boolean {
  const time = local(instant, zone);
  return (
    time.weekday <= 5 &&
    time.hour === SEND_HOUR &&
    time.minute === 0 &&
    time.second === 0 &&
    time.millisecond === 0
  );
}

describe('send slots in any zone (property)', () => {
  it('nextSendSlot is the first weekday 09:00 local at or after the instant', () => {
    fc.assert(
      fc.property(instantArb, zoneArb, (after, zone) => {
        // Act
        const slot = nextSendSlot(after, zone);

        // Assess: a slot, not before `after`, and no weekday of the zone has its 09:00 in between.
        expect(isSlot(slot, zone)).toBe(true);
        expect(slot.getTime()).toBeGreaterThanOrEqual(after.getTime());
        for (let day = local(after, zone).startOf('day'); day < local(slot, zone).startOf('day'); ) {
          const nine = day.set({ hour: SEND_HOUR });
          if (day.weekday <= 5) expect(nine.toMillis()).toBeLessThan(after.getTime());
          day = day.plus({ days: 1 });
        }
      }),
      propertyRuns(200),
    );
  });

  it('slotDaysLater lands at 09:00 on the local date N days on, or on the Monday after it', () => {
    fc.assert(
      fc.property(instantArb, zoneArb, fc.integer({ min: 0, max: 60 }), (from, zone, days) => {
        // Act
        const slot = slotDaysLater(from, days, zone);

        // Assess
        expect(isSlot(slot, zone)).toBe(true);
        const target = local(from, zone).startOf('day').plus({ days });
        const landed = local(slot, zone).startOf('day');
        const shift = Math.round(landed.diff(target, 'days').days);
        expect(shift).toBe(target.weekday === 6 ? 2 : target.weekday === 7 ? 1 : 0);
      }),
      propertyRuns(200),
    );
  });

  it('slotAtLeast keeps its minimum distance and is a slot', () => {
    fc.assert(
      fc.property(instantArb, zoneArb, fc.integer({ min: 0, max: 3 * DAY_MS }), (from, zone, minimumMs) => {
        const slot = slotAtLeast(from, minimumMs, zone);
        expect(isSlot(slot, zone)).toBe(true);
        expect(slot.getTime() - from.getTime()).toBeGreaterThanOrEqual(minimumMs);
      }),
      propertyRuns(200),
    );
  });

  it('every time zone the contract accepts, in any spelling, places a slot', () => {
    const spelledArb = fc.oneof(
      zoneArb.map((zone) => zone.toLowerCase()),
      zoneArb.map((zone) => zone.toUpperCase()),
      fc.constantFrom('EST', 'EST5EDT', 'SystemV/AST4', 'US/Pacific-New', 'Asia/Calcutta', '+05:30', 'UTC+1'),
      fc.string({ maxLength: 20 }),
    );
    fc.assert(
      fc.property(instantArb, spelledArb, (after, zone) => {
        fc.pre(isValidTimeZone(zone));
        expect(isSlot(nextSendSlot(after, zone), zone)).toBe(true);
      }),
      propertyRuns(200),
    );
  });
});
