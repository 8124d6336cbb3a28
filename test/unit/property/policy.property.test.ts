/**
 * Property-based tests of the reminder policy (`shared/domain/policy.ts`): arbitrary sequences of one user's
 * events, in arbitrary arrival order and time zones, planned through `decide` into a small world that keeps
 * what the store keeps. Seeded and bounded so the unit suite stays fast and a failure replays exactly.
 */
import * as fc from 'fast-check';
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { atExpression } from '#shared/adapters/scheduler-timers.ts';
import type { ReminderKind } from '#shared/domain/model.ts';
import { SEND_HOUR } from '#shared/domain/slots.ts';
import {
  contractOffsetArb,
  DAY_MS,
  type Draft,
  draftArb,
  MINUTE_MS,
  nowArb,
  PolicyWorld,
  stored,
  type WorldReminder,
  zoneArb,
} from './support/policy-world.ts';
import { propertyRuns } from './support/runs.ts';

const RUNS = propertyRuns(200);

/**
 * What EventBridge Scheduler accepts for a one-time schedule: `at(yyyy-mm-ddThh:mm:ss)` (a four-digit year)
 * and, the narrowest year range the service documents for its expressions, the years 1970 to 2199.
 */
const AT_FORMAT = /^at\((\d{4})-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\)$/;
const SCHEDULER_YEARS = { first: 1970, last: 2199 } as const;

/** The longest rule is 8 weeks; a weekend adds 2 days, the local 09:00 and offsets less than one more. */
const LONGEST_LEAD_MS = 60 * DAY_MS;

const PROGRESS: ReadonlySet<ReminderKind> = new Set<ReminderKind>(['follow_up', 'thank_you']);

function expectSchedulable(dueAt: string): void {
  const at = AT_FORMAT.exec(atExpression(dueAt));
  expect(at, `at() of ${dueAt}`).not.toBeNull();
  const year = Number(at?.[1]);
  expect(year).toBeGreaterThanOrEqual(SCHEDULER_YEARS.first);
  expect(year).toBeLessThanOrEqual(SCHEDULER_YEARS.last);
}

function expectWeekdayNineLocal(dueAt: string, zone: string): void {
  const local = DateTime.fromISO(dueAt, { zone });
  expect(local.weekday, `${dueAt} in ${zone} is ${local.toISO()}`).toBeLessThanOrEqual(5);
  expect({ hour: local.hour, minute: local.minute, second: local.second, ms: local.millisecond }).toEqual({
    hour: SEND_HOUR,
    minute: 0,
    second: 0,
    ms: 0,
  });
}

interface Step {
  readonly draft: Draft;
  /** `occurredAt` relative to the clock when the event arrives. */
  readonly offsetMs: number;
  /** How far the clock moves before the event arrives; due reminders are sent on the way. */
  readonly advanceMs: number;
}

const stepArb = (offsets: fc.Arbitrary<number>): fc.Arbitrary<Step> =>
  fc.record({
    draft: draftArb({ offers: true, zone: fc.option(zoneArb, { nil: undefined }) }),
    offsetMs: offsets,
    advanceMs: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 20 * DAY_MS })),
  });

describe('the reminder policy over arbitrary event sequences (property)', () => {
  it('keeps its invariants after every event: due slots, at most 2 follow-ups, nothing after an offer', () => {
    fc.assert(
      fc.property(
        nowArb,
        fc.array(stepArb(contractOffsetArb), { minLength: 1, maxLength: 10 }),
        (start, steps) => {
          // Prepare
          const world = new PolicyWorld();
          let now = start;
          const followUpsSentSinceEvent = new Map<string, number>();
          const firstRejection = new Map<string, string>();

          steps.forEach((step, index) => {
            now = new Date(now.getTime() + step.advanceMs);
            for (const sent of world.sendDue(now)) {
              // Nothing is sent for an event that happened before the search ended.
              const source = world.events.get(sent.sourceEventId);
              const ended = world.profile?.searchEndedAt;
              if (ended !== undefined)
                expect(Date.parse(source?.occurredAt ?? '')).toBeGreaterThan(Date.parse(ended));
              if (sent.kind === 'follow_up') {
                const ref = sent.application.ref;
                followUpsSentSinceEvent.set(ref, (followUpsSentSinceEvent.get(ref) ?? 0) + 1);
                expect(followUpsSentSinceEvent.get(ref)).toBeLessThanOrEqual(2);
              }
            }
            const event = stored(step.draft, index, now.getTime() + step.offsetMs, now);
            const ref = event.event.application?.ref;
            if (ref !== undefined) followUpsSentSinceEvent.set(ref, 0);
            if (
              ref !== undefined &&
              event.event.type === 'application.rejected' &&
              !firstRejection.has(ref)
            ) {
              firstRejection.set(ref, event.eventId);
            }

            // Act
            const decision = world.plan(event, now);

            // Assess: every new reminder is due at a weekday 09:00 local, not before now, inside the Scheduler's range.
            for (const r of decision.create) {
              expect(Date.parse(r.dueAt)).toBeGreaterThanOrEqual(now.getTime());
              expect(Date.parse(r.dueAt) - now.getTime()).toBeLessThanOrEqual(LONGEST_LEAD_MS);
              expectWeekdayNineLocal(r.dueAt, decision.profile.timezone);
              expectSchedulable(r.dueAt);
            }
            // One event makes at most 2 follow-ups, with distinct sequences.
            const followUps = decision.create.filter((r) => r.kind === 'follow_up');
            expect(new Set(followUps.map((r) => r.sequence)).size).toBe(followUps.length);
            expect(followUps.length).toBeLessThanOrEqual(2);
            // An application never has more than 2 follow-ups pending, and they come from one event.
            const pendingByRef = new Map<string, WorldReminder[]>();
            for (const r of world.pending()) {
              if (r.kind !== 'follow_up') continue;
              pendingByRef.set(r.application.ref, [...(pendingByRef.get(r.application.ref) ?? []), r]);
            }
            for (const list of pendingByRef.values()) {
              expect(list.length).toBeLessThanOrEqual(2);
              expect(new Set(list.map((r) => r.sourceEventId)).size).toBe(1);
            }
            // offer.accepted leaves nothing pending; later, only events after the end of the search have reminders.
            if (event.event.type === 'offer.accepted') expect(world.pending()).toEqual([]);
            const ended = world.profile?.searchEndedAt;
            if (ended !== undefined) {
              for (const r of world.pending()) {
                expect(Date.parse(world.events.get(r.sourceEventId)?.occurredAt ?? '')).toBeGreaterThan(
                  Date.parse(ended),
                );
              }
            }
            // "A second rejection adds nothing": rejection reminders come only from the first rejection to arrive.
            for (const r of world.reminders.values()) {
              if (PROGRESS.has(r.kind)) continue;
              expect(r.sourceEventId).toBe(firstRejection.get(r.application.ref));
            }
          });
        },
      ),
      RUNS,
    );
  });

  it('never plans a due time the Scheduler refuses, whatever occurredAt a stored event carries', () => {
    // Events stored before the contract bounded occurredAt: any instant with a four-digit year in some zone,
    // up to 9999-12-31T23:59:59.999-23:59 (the year 10000 in UTC).
    const anyStoredInstant = fc.integer({
      min: Date.parse('0000-01-01T00:00:00Z'),
      max: Date.parse('9999-12-31T23:59:59.999-23:59'),
    });
    fc.assert(
      fc.property(
        nowArb,
        fc.array(stepArb(fc.constant(0)), { minLength: 1, maxLength: 4 }),
        anyStoredInstant,
        (now, steps, at) => {
          // Prepare
          const world = new PolicyWorld();

          steps.forEach((step, index) => {
            // Act
            const decision = world.plan(stored(step.draft, index, at + index * DAY_MS, now), now);

            // Assess
            for (const r of decision.create) {
              expectSchedulable(r.dueAt);
              expectWeekdayNineLocal(r.dueAt, decision.profile.timezone);
            }
          });
        },
      ),
      propertyRuns(150),
    );
  });
});

/**
 * Which result does not depend on arrival order. The README's out-of-order rules are stated by occurrence
 * ("an event older than the application's latest creates no follow-up or thank-you"), except three that
 * are stated by arrival and so are excluded here:
 * - "a second rejection adds nothing": second to arrive, so at most one rejection per application;
 * - "offer.accepted cancels everything pending for the user": whatever arrived before it, even events that
 *   happened after it, so an offer, if any, happened after every other event;
 * - the user's time zone is the last one named, so one zone for the user.
 * With these, and distinct occurrence times, every arrival order planned at the same `now` ends with the same
 * pending reminders (id, kind, sequence, due time), the same application history and status, and the same
 * end of search. Not compared: the company details a reminder copies (the newest known when it was made) and
 * `role`/`contact` (kept from older events when the newest omits them, so they depend on order).
 */
describe('the reminder policy under reordering (property)', () => {
  const scenarioArb = fc
    .record({
      zone: zoneArb,
      now: nowArb,
      events: fc.uniqueArray(
        fc.record({
          draft: draftArb({ offers: false, zone: fc.constant(undefined) }),
          offsetMs: fc.integer({ min: -120 * DAY_MS, max: 5 * MINUTE_MS }),
          order: fc.nat(),
        }),
        { minLength: 1, maxLength: 10, selector: (e) => e.offsetMs },
      ),
      offer: fc.option(fc.nat(), { nil: undefined }),
    })
    .map(({ zone, now, events, offer }) => {
      // Keep the first rejection of each application; later ones become interviews.
      const rejected = new Set<string>();
      const drafts = events.map((e) => {
        const ref = e.draft.application?.ref ?? '';
        if (e.draft.type !== 'application.rejected') return e;
        if (!rejected.has(ref)) {
          rejected.add(ref);
          return e;
        }
        const { rejection: _dropped, ...interview } = e.draft;
        return { ...e, draft: { ...interview, type: 'interview.completed' } as Draft };
      });
      if (offer !== undefined) {
        const latest = Math.max(...events.map((e) => e.offsetMs));
        drafts.push({ draft: { type: 'offer.accepted' } as Draft, offsetMs: latest + 1000, order: offer });
      }
      return {
        zone,
        now,
        events: drafts.map((e, index) => ({ ...e, draft: { ...e.draft, timezone: zone }, index })),
      };
    });

  it('ends in the same pending reminders, application history and end of search for every arrival order', () => {
    fc.assert(
      fc.property(scenarioArb, ({ now, events }) => {
        // Prepare
        const inArrivalOrder = (list: typeof events) => {
          const world = new PolicyWorld();
          for (const e of list) world.plan(stored(e.draft, e.index, now.getTime() + e.offsetMs, now), now);
          return world;
        };
        const shuffled = [...events].sort((a, b) => a.order - b.order || a.index - b.index);

        // Act
        const one = inArrivalOrder(events);
        const other = inArrivalOrder(shuffled);

        // Assess
        expect(outcome(other)).toEqual(outcome(one));
      }),
      RUNS,
    );
  });
});

function outcome(world: PolicyWorld) {
  return {
    pending: world
      .pending()
      .map((r) => `${r.application.ref} ${r.kind}#${r.sequence} ${r.dueAt} ${r.reminderId}`)
      .sort(),
    applications: [...world.applications.values()]
      .map((a) => ({
        ref: a.ref,
        company: a.company,
        status: a.status,
        submittedAt: a.submittedAt,
        lastInterviewAt: a.lastInterviewAt,
        rejectedAt: a.rejectedAt,
        rejectionStage: a.rejectionStage,
        rejectionReason: a.rejectionReason,
        withdrawnAt: a.withdrawnAt,
        lastEventAt: a.lastEventAt,
        lastEventType: a.lastEventType,
        eventCount: a.eventCount,
      }))
      .sort((a, b) => a.ref.localeCompare(b.ref)),
    searchEndedAt: world.profile?.searchEndedAt,
    timezone: world.profile?.timezone,
  };
}
