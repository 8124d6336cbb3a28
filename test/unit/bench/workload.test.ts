import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { JobEventInputSchema, REJECTION_REASONS } from '#events/job-event.ts';
import {
  generateWorkload,
  mulberry32,
  planSteps,
  SEARCH_MODEL,
  sendSlots,
  userSeed,
  type WorkloadEvent,
} from '../../../bench/support/workload.ts';

const DAY_MS = 86_400_000;
const WEEK_MS = 7 * DAY_MS;
// A Tuesday; 18 weeks from here cross the US (Mar 14) and EU (Mar 28) DST changes and Sydney's (Apr 4).
const START = new Date('2026-12-01T00:00:00.000Z');

const small = generateWorkload({ users: 10, weeks: 4, seed: 1, start: START });
const large = generateWorkload({ users: 120, weeks: 18, seed: 7, start: START });

const eventsOf = (events: readonly WorkloadEvent[], user: number) =>
  events.filter((e) => e.userIndex === user);

describe('mulberry32', () => {
  it('gives the same sequence for the same seed, in [0, 1)', () => {
    // Prepare
    const a = mulberry32(42);
    const b = mulberry32(42);
    // Act
    const xs = Array.from({ length: 1000 }, () => a());
    const ys = Array.from({ length: 1000 }, () => b());
    // Assess
    expect(xs).toEqual(ys);
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(1);
  });

  it('gives another sequence for another seed', () => {
    expect(mulberry32(1)()).not.toBe(mulberry32(2)());
  });

  it('gives each user of a run a seed of their own', () => {
    const seeds = new Set(Array.from({ length: 1000 }, (_, u) => userSeed(1, u)));
    expect(seeds.size).toBe(1000);
    expect(userSeed(1, 5)).not.toBe(userSeed(2, 5));
  });
});

describe('generateWorkload', () => {
  it('is deterministic: the same options give the same events', () => {
    const again = generateWorkload({ users: 10, weeks: 4, seed: 1, start: START });
    expect(again).toEqual(small);
  });

  it('gives another search for another seed', () => {
    const other = generateWorkload({ users: 10, weeks: 4, seed: 2, start: START });
    expect(other.events.map((e) => e.at)).not.toEqual(small.events.map((e) => e.at));
  });

  it('keeps a user the same whatever the number of users in the run', () => {
    const three = generateWorkload({ users: 3, weeks: 4, seed: 1, start: START });
    for (const user of [0, 1, 2]) expect(eventsOf(three.events, user)).toEqual(eventsOf(small.events, user));
  });

  it('produces only events the intake contract accepts, with unique ids', () => {
    for (const { body } of large.events) expect(JobEventInputSchema.safeParse(body).success).toBe(true);
    const ids = large.events.map((e) => e.body.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('stamps each event with occurredAt at its own instant, in the user’s offset', () => {
    for (const { at, body } of large.events) {
      expect(Date.parse(body.occurredAt ?? '')).toBe(at);
      const zone = body.user.timezone ?? 'UTC';
      const offset = DateTime.fromMillis(at, { zone }).toFormat('ZZ');
      expect(body.occurredAt?.endsWith(offset === '+00:00' ? '+00:00' : offset)).toBe(true);
    }
  });

  it('lists events in time order, inside [start, horizon)', () => {
    const times = large.events.map((e) => e.at);
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(times[0]).toBeGreaterThanOrEqual(START.getTime());
    expect(times.at(-1)).toBeLessThan(large.horizon);
    expect(large.horizon).toBe(START.getTime() + 18 * WEEK_MS);
  });

  it('has every user apply to 2-4 jobs a week while they search', () => {
    for (let user = 0; user < 120; user += 1) {
      const events = eventsOf(large.events, user);
      if (events.some((e) => e.body.type === 'offer.accepted')) continue;
      const submitted = events.filter((e) => e.body.type === 'application.submitted').length;
      expect(submitted).toBeGreaterThanOrEqual(2 * 17); // the last week may be cut by the horizon
      expect(submitted).toBeLessThanOrEqual(4 * 18);
    }
  });

  it('sends about a fifth of the applications to an interview and leaves most unanswered', () => {
    const { byType } = large.stats;
    const submitted = byType['application.submitted'];
    const interviewShare = byType['interview.completed'] / submitted;
    expect(interviewShare).toBeGreaterThan(0.14);
    expect(interviewShare).toBeLessThan(0.24);
    const answered = new Set(
      large.events.filter((e) => e.body.type !== 'application.submitted').map((e) => e.body.application?.ref),
    );
    expect(1 - answered.size / submitted).toBeGreaterThan(0.5);
  });

  it('rejects with every reason of the contract, at both stages', () => {
    const rejections = large.events.flatMap((e) => (e.body.type === 'application.rejected' ? [e.body] : []));
    expect(new Set(rejections.map((r) => r.rejection.reason))).toEqual(new Set(REJECTION_REASONS));
    expect(new Set(rejections.map((r) => r.rejection.stage))).toEqual(new Set(['application', 'interview']));
  });

  it('has some users accept an offer partway, after which nothing of theirs happens', () => {
    const accepted = large.stats.usersWhoAcceptedAnOffer;
    expect(accepted).toBeGreaterThan(120 * 0.2);
    expect(accepted).toBeLessThan(120 * 0.8);
    for (let user = 0; user < 120; user += 1) {
      const events = eventsOf(large.events, user);
      const offers = events.filter((e) => e.body.type === 'offer.accepted');
      expect(offers.length).toBeLessThanOrEqual(1);
      if (offers[0]) expect(events.at(-1)).toBe(offers[0]);
    }
  });

  it('follows every interview and rejection with the application they are about', () => {
    const submittedAt = new Map(
      large.events
        .filter((e) => e.body.type === 'application.submitted')
        .map((e) => [`${e.userIndex}/${e.body.application?.ref}`, e.at]),
    );
    for (const e of large.events) {
      if (e.body.type === 'application.submitted' || e.body.type === 'offer.accepted') continue;
      const first = submittedAt.get(`${e.userIndex}/${e.body.application.ref}`);
      expect(first).toBeDefined();
      expect(e.at).toBeGreaterThan(first ?? Number.POSITIVE_INFINITY);
    }
  });

  it('spreads users over several IANA zones of the model', () => {
    const modelZones = new Set(SEARCH_MODEL.zones.map(([z]) => z));
    expect(large.zones.length).toBeGreaterThanOrEqual(5);
    for (const zone of large.zones) expect(modelZones.has(zone)).toBe(true);
  });

  it('refuses a run without users or weeks', () => {
    expect(() => generateWorkload({ users: 0, weeks: 1, seed: 1, start: START })).toThrow(/users/);
    expect(() => generateWorkload({ users: 1, weeks: 0, seed: 1, start: START })).toThrow(/weeks/);
  });
});

describe('sendSlots', () => {
  it('lists 09:00 local on weekdays only', () => {
    // Mon 2026-12-07 .. Sun 2026-12-13, Berlin in CET (+01:00): 08:00Z Monday to Friday.
    const from = Date.parse('2026-12-07T00:00:00Z');
    const slots = sendSlots(['Europe/Berlin'], from, from + WEEK_MS);
    expect(slots.map((s) => new Date(s).toISOString())).toEqual([
      '2026-12-07T08:00:00.000Z',
      '2026-12-08T08:00:00.000Z',
      '2026-12-09T08:00:00.000Z',
      '2026-12-10T08:00:00.000Z',
      '2026-12-11T08:00:00.000Z',
    ]);
  });

  it('merges the zones in time order', () => {
    const from = Date.parse('2026-12-07T00:00:00Z');
    const slots = sendSlots(['America/New_York', 'Asia/Kolkata'], from, from + DAY_MS);
    expect(slots.map((s) => new Date(s).toISOString())).toEqual([
      '2026-12-07T03:30:00.000Z',
      '2026-12-07T14:00:00.000Z',
    ]);
  });
});

describe('planSteps', () => {
  const steps = planSteps(large.events, large.zones);
  const breaks = [
    ...sendSlots(large.zones, START.getTime(), large.horizon),
    ...Array.from({ length: 18 * 7 }, (_, d) => START.getTime() + d * DAY_MS),
  ];

  it('posts every event once, in order', () => {
    expect(steps.flatMap((s) => s.events)).toEqual(large.events);
  });

  it('moves the clock forward to each step’s last event', () => {
    for (const step of steps) expect(step.advanceTo).toBe(step.events.at(-1)?.at);
    const targets = steps.map((s) => s.advanceTo);
    expect(targets).toEqual([...targets].sort((a, b) => a - b));
  });

  it('never lets a step span a send slot or a UTC midnight, so no timer fires out of turn', () => {
    for (const step of steps) {
      const first = step.events[0]?.at ?? 0;
      expect(breaks.filter((b) => b > first && b <= step.advanceTo)).toEqual([]);
    }
  });

  it('needs far fewer clock moves than events', () => {
    expect(steps.length).toBeLessThan(large.events.length / 3);
  });

  it('has nothing to do without events', () => {
    expect(planSteps([], ['UTC'])).toEqual([]);
  });
});
