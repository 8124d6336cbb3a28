/**
 * The simulated job search behind `npm run simulate`: for N users over W weeks, every intake event they
 * would send, in time order, each stamped with the virtual instant it happens at. Pure and deterministic:
 * the same options give the same events, byte for byte, on any machine (no clock, no `Math.random`).
 *
 * Each user draws from their own seeded stream (seed and user index hashed together), so user 7 behaves
 * the same whether the run has 10 users or 300.
 *
 * The shape of a search (defaults in `SEARCH_MODEL`, from the issue and the seed article):
 *  1. A user starts on one of the first seven days, in one of a few IANA zones, and applies to 2–4 jobs a
 *     week, on random days, during local waking hours (08:00–21:00).
 *  2. Most applications get no answer. About 20 % reach an interview; of the rest some are rejected at the
 *     application stage, a few are withdrawn.
 *  3. After an interview: a rejection (stage `interview`), an offer, or silence.
 *  4. Rejections carry the contract's reasons, weighted differently per stage.
 *  5. The first offer is accepted (`offer.accepted`) and the user stops: nothing of theirs happens later.
 *  6. Nothing happens after the horizon (start + W weeks).
 */
import { DateTime } from 'luxon';
import type { JobEventInput, RejectionReason } from '../../events/job-event.ts';
import { nextSendSlot } from '../../shared/domain/slots.ts';

const DAY_MS = 86_400_000;
const WEEK_MS = 7 * DAY_MS;

// ---- seeded randomness --------------------------------------------------------------------------------------

/** mulberry32: a tiny, fast 32-bit PRNG; plenty for a workload (not for anything secret). Returns [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** Mixes the run seed and a user index into one 32-bit seed (murmur3's finaliser), so streams do not overlap. */
export function userSeed(seed: number, user: number): number {
  let h = (Math.imul(seed >>> 0, 0x9e3779b1) ^ Math.imul(user + 1, 0x85ebca6b)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

class Random {
  public constructor(private readonly next: () => number) {}
  /** [0, 1) */
  public float(): number {
    return this.next();
  }
  public chance(p: number): boolean {
    return this.next() < p;
  }
  /** Integer in [min, max], both inclusive. */
  public int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }
  public pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from an empty list');
    return items[Math.floor(this.next() * items.length)] as T;
  }
  public weighted<T>(choices: readonly (readonly [T, number])[]): T {
    const total = choices.reduce((sum, [, w]) => sum + w, 0);
    let r = this.next() * total;
    for (const [value, weight] of choices) {
      r -= weight;
      if (r < 0) return value;
    }
    const last = choices.at(-1);
    if (!last) throw new Error('weighted pick from an empty list');
    return last[0];
  }
}

// ---- the model ------------------------------------------------------------------------------------------------

/** Days as [min, max], inclusive. */
type DayRange = readonly [number, number];

export interface SearchModel {
  /** Applications per user per week, [min, max] inclusive. */
  readonly applicationsPerWeek: readonly [number, number];
  /** Share of applications that reach an interview. */
  readonly interviewRate: number;
  /** Of the applications without an interview: share rejected on the application alone. */
  readonly applicationRejectionRate: number;
  /** Of the applications without an interview: share the user withdraws. */
  readonly withdrawalRate: number;
  /** After an interview: share rejected, and share that ends in an offer (the rest hear nothing). */
  readonly interviewRejectionRate: number;
  readonly offerRate: number;
  readonly delays: {
    readonly interviewAfterSubmission: DayRange;
    readonly rejectionAfterSubmission: DayRange;
    readonly withdrawalAfterSubmission: DayRange;
    readonly rejectionAfterInterview: DayRange;
    readonly offerAcceptedAfterInterview: DayRange;
  };
  readonly reasons: {
    readonly application: readonly (readonly [RejectionReason, number])[];
    readonly interview: readonly (readonly [RejectionReason, number])[];
  };
  /** IANA zones with weights; includes a +05:30 zone and both hemispheres' DST. */
  readonly zones: readonly (readonly [string, number])[];
  /** Local hours in which users send events, [from, to). */
  readonly localHours: readonly [number, number];
  /** Share of applications with a named contact with an address / with a name only (the rest: none). */
  readonly contactWithEmail: number;
  readonly contactNameOnly: number;
  /**
   * Share of users who follow the double opt-in link of the confirmation email (when the product sends
   * one); the others never get reminders. Decided per user on a stream of its own (`confirmsConsent`).
   */
  readonly confirmRate: number;
}

/**
 * Defaults: ~20 % interviews (issue 7); "most get no answer": 80 % × (1 − 0.30 − 0.03) + 20 % × (1 − 0.55
 * − 0.06) ≈ 61 % silent. With ~0.6 interviews a week and a 6 % offer rate, a bit under half the users
 * accept an offer within 18 weeks, the length of an average search.
 */
export const SEARCH_MODEL: SearchModel = {
  applicationsPerWeek: [2, 4],
  interviewRate: 0.2,
  applicationRejectionRate: 0.3,
  withdrawalRate: 0.03,
  interviewRejectionRate: 0.55,
  offerRate: 0.06,
  delays: {
    interviewAfterSubmission: [5, 21],
    rejectionAfterSubmission: [2, 30],
    withdrawalAfterSubmission: [3, 20],
    rejectionAfterInterview: [2, 14],
    offerAcceptedAfterInterview: [4, 14],
  },
  reasons: {
    application: [
      ['not_selected', 35],
      ['pursuing_other_candidates', 20],
      ['keep_on_file', 15],
      ['not_hiring', 10],
      ['only_accepting_applications', 10],
      ['other', 10],
    ],
    interview: [
      ['not_selected', 45],
      ['pursuing_other_candidates', 30],
      ['keep_on_file', 10],
      ['not_hiring', 5],
      ['other', 10],
    ],
  },
  zones: [
    ['America/New_York', 25],
    ['America/Chicago', 10],
    ['America/Los_Angeles', 15],
    ['Europe/London', 15],
    ['Europe/Berlin', 15],
    ['Asia/Kolkata', 10],
    ['Australia/Sydney', 10],
  ],
  localHours: [8, 21],
  contactWithEmail: 0.6,
  contactNameOnly: 0.25,
  confirmRate: 0.9,
};

const COMPANIES = [
  'Acme Corp',
  'Globex',
  'Initech',
  'Umbrella Health',
  'Stark Logistics',
  'Wayne Analytics',
  'Hooli',
  'Vandelay Imports',
  'Soylent Foods',
  'Tyrell Systems',
  'Cyberdyne Robotics',
  'Wonka Industries',
  'Oscorp Labs',
  'Aperture Science',
  'Massive Dynamic',
  'Gringotts Finance',
] as const;
const ROLES = [
  'Backend Engineer',
  'Data Analyst',
  'Product Designer',
  'Customer Success Manager',
  'Marketing Coordinator',
  'Site Reliability Engineer',
  'Accountant',
  'Project Manager',
  undefined,
] as const;
const FIRST_NAMES = ['Sam', 'Alex', 'Priya', 'Jo', 'Chen', 'Maria', 'Tom', 'Aisha', 'Lukas', 'Noor'] as const;
const LAST_NAMES = ['Lee', 'Park', 'Rivera', 'Müller', 'Okafor', 'Sato', 'Nguyen', 'Brown', 'Rossi'] as const;
const TITLES = ['Engineering Manager', 'Recruiter', 'Head of Talent', 'Team Lead', undefined] as const;

// ---- generation -----------------------------------------------------------------------------------------------

export interface WorkloadOptions {
  readonly users: number;
  readonly weeks: number;
  readonly seed: number;
  /** The first instant of the search (virtual time); events happen in [start, start + weeks). */
  readonly start: Date;
}

/** One intake request: `body` is what `POST /events` receives; `at` (epoch ms) equals its `occurredAt`. */
export interface WorkloadEvent {
  readonly at: number;
  readonly userIndex: number;
  readonly body: JobEventInput;
}

export interface WorkloadStats {
  readonly events: number;
  readonly byType: Readonly<Record<JobEventInput['type'], number>>;
  readonly rejectionsByReason: Readonly<Partial<Record<RejectionReason, number>>>;
  readonly usersWhoAcceptedAnOffer: number;
  readonly usersByZone: Readonly<Record<string, number>>;
}

export interface Workload {
  readonly events: readonly WorkloadEvent[];
  /** Exclusive end of the search: start + weeks. */
  readonly horizon: number;
  readonly zones: readonly string[];
  readonly stats: WorkloadStats;
}

/**
 * An instant on the user's `day`-th local calendar day of the search (day 0 is the first local day that
 * starts at or after `startMs`, so nothing happens before the start), at a random waking hour.
 */
function localInstant(
  rng: Random,
  startMs: number,
  day: number,
  zone: string,
  hours: readonly [number, number],
): number {
  const midnight = DateTime.fromMillis(startMs, { zone }).startOf('day');
  const first = midnight.toMillis() < startMs ? midnight.plus({ days: 1 }) : midnight;
  const minutes = rng.int(hours[0] * 60, hours[1] * 60 - 1);
  return first
    .plus({ days: day })
    .plus({ minutes, seconds: rng.int(0, 59) })
    .toMillis();
}

/** ISO 8601 with the user's own offset, as a client in that zone would send it. */
export function isoInZone(ms: number, zone: string): string {
  const iso = DateTime.fromMillis(ms, { zone }).toISO({ suppressMilliseconds: true });
  if (!iso) throw new Error(`cannot format ${ms} in ${zone}`);
  return iso;
}

/** A delay drawn from a day range, at minute resolution plus random seconds. */
const delayMs = (rng: Random, [min, max]: DayRange): number =>
  rng.int(min * 24 * 60, max * 24 * 60) * 60_000 + rng.int(0, 59) * 1000;

type Application = Extract<JobEventInput, { type: 'application.submitted' }>['application'];
/** An event before the user and the time are stamped on (distributes over the union). */
type EventBody = JobEventInput extends infer E
  ? E extends JobEventInput
    ? Omit<E, 'occurredAt' | 'user'>
    : never
  : never;

interface GeneratedUser {
  readonly events: WorkloadEvent[];
  readonly zone: string;
  readonly accepted: boolean;
}

function randomApplication(rng: Random, ref: string, model: SearchModel): Application {
  const contactRoll = rng.float();
  const first = rng.pick(FIRST_NAMES);
  const contactName = `${first} ${rng.pick(LAST_NAMES)}`;
  const title = rng.pick(TITLES);
  const contact =
    contactRoll < model.contactWithEmail
      ? { name: contactName, email: `${first.toLowerCase()}@${ref}.example`, ...(title ? { title } : {}) }
      : contactRoll < model.contactWithEmail + model.contactNameOnly
        ? { name: contactName }
        : undefined;
  const role = rng.pick(ROLES);
  return { ref, company: rng.pick(COMPANIES), ...(role ? { role } : {}), ...(contact ? { contact } : {}) };
}

function generateUser(userIndex: number, opts: WorkloadOptions, model: SearchModel): GeneratedUser {
  const rng = new Random(mulberry32(userSeed(opts.seed, userIndex)));
  const startMs = opts.start.getTime();
  const horizon = startMs + opts.weeks * WEEK_MS;
  const zone = rng.weighted(model.zones);
  const user = {
    email: userEmail(opts.seed, userIndex),
    name: `${rng.pick(FIRST_NAMES)} ${rng.pick(LAST_NAMES)}`,
    timezone: zone,
  };
  const idPrefix = `sim-s${opts.seed}-u${userIndex}`;
  const firstDay = rng.int(0, 6);
  const drafts: { at: number; body: EventBody }[] = [];
  /** The first offer to arrive is the one accepted. */
  let offer: { at: number; application: Application } | undefined;

  let appNumber = 0;
  for (let week = 0; week < opts.weeks; week += 1) {
    // Once an offer is accepted the user stops applying.
    if (offer && offer.at <= startMs + (firstDay + week * 7) * DAY_MS) break;
    const count = rng.int(model.applicationsPerWeek[0], model.applicationsPerWeek[1]);
    for (let i = 0; i < count; i += 1) {
      const day = firstDay + week * 7 + rng.int(0, 6);
      const submittedAt = localInstant(rng, startMs, day, zone, model.localHours);
      appNumber += 1;
      const ref = `app-${userIndex}-${appNumber}`;
      const application = randomApplication(rng, ref, model);
      const id = `${idPrefix}-a${appNumber}`;
      drafts.push({
        at: submittedAt,
        body: { type: 'application.submitted', id: `${id}-submitted`, application },
      });

      if (rng.chance(model.interviewRate)) {
        const interviewAt = submittedAt + delayMs(rng, model.delays.interviewAfterSubmission);
        drafts.push({
          at: interviewAt,
          body: { type: 'interview.completed', id: `${id}-interview`, application },
        });
        const outcome = rng.float();
        if (outcome < model.interviewRejectionRate) {
          const reason = rng.weighted(model.reasons.interview);
          drafts.push({
            at: interviewAt + delayMs(rng, model.delays.rejectionAfterInterview),
            body: {
              type: 'application.rejected',
              id: `${id}-rejected`,
              application,
              rejection: { stage: 'interview', reason },
            },
          });
        } else if (outcome < model.interviewRejectionRate + model.offerRate) {
          const at = interviewAt + delayMs(rng, model.delays.offerAcceptedAfterInterview);
          if (!offer || at < offer.at) offer = { at, application };
        }
      } else {
        const outcome = rng.float();
        if (outcome < model.applicationRejectionRate) {
          const reason = rng.weighted(model.reasons.application);
          drafts.push({
            at: submittedAt + delayMs(rng, model.delays.rejectionAfterSubmission),
            body: {
              type: 'application.rejected',
              id: `${id}-rejected`,
              application,
              rejection: { stage: 'application', reason },
            },
          });
        } else if (outcome < model.applicationRejectionRate + model.withdrawalRate) {
          drafts.push({
            at: submittedAt + delayMs(rng, model.delays.withdrawalAfterSubmission),
            body: { type: 'application.withdrawn', id: `${id}-withdrawn`, application },
          });
        }
      }
    }
  }

  const accepted = offer !== undefined && offer.at < horizon;
  const end = accepted && offer ? offer.at : horizon;
  // Nothing of a user happens after they accepted an offer, nor after the horizon.
  const kept = drafts.filter((d) => d.at < end);
  if (accepted && offer) {
    kept.push({
      at: offer.at,
      body: { type: 'offer.accepted', id: `${idPrefix}-offer`, application: offer.application },
    });
  }
  const events = kept.map(
    (d): WorkloadEvent => ({
      at: d.at,
      userIndex,
      body: { ...d.body, occurredAt: isoInZone(d.at, zone), user: { ...user } } as JobEventInput,
    }),
  );
  return { events, zone, accepted };
}

/** The address of a simulated user: unique per seed and index, so emails can be traced back to a user. */
export function userEmail(seed: number, userIndex: number): string {
  return `sim.s${seed}.u${userIndex}@example.com`;
}

/**
 * Whether the user confirms when asked to (double opt-in). Drawn from a stream apart from the user's
 * events, so adding the question changed no event of any seed.
 */
export function confirmsConsent(seed: number, userIndex: number, model: SearchModel = SEARCH_MODEL): boolean {
  return mulberry32(userSeed(seed ^ 0x5eed_c0de, userIndex))() < model.confirmRate;
}

/** Earlier first; ties broken by id, so the order never depends on the sort's stability. */
export function byTimeThenId(a: WorkloadEvent, b: WorkloadEvent): number {
  const ida = a.body.id ?? '';
  const idb = b.body.id ?? '';
  return a.at - b.at || (ida < idb ? -1 : ida > idb ? 1 : 0);
}

/** Every event of the search, in time order. */
export function generateWorkload(opts: WorkloadOptions, model: SearchModel = SEARCH_MODEL): Workload {
  if (!Number.isInteger(opts.users) || opts.users < 1) throw new Error('users must be a positive integer');
  if (!Number.isInteger(opts.weeks) || opts.weeks < 1) throw new Error('weeks must be a positive integer');
  const all: WorkloadEvent[] = [];
  const usersByZone: Record<string, number> = {};
  let accepted = 0;
  for (let u = 0; u < opts.users; u += 1) {
    const generated = generateUser(u, opts, model);
    all.push(...generated.events);
    usersByZone[generated.zone] = (usersByZone[generated.zone] ?? 0) + 1;
    if (generated.accepted) accepted += 1;
  }
  all.sort(byTimeThenId);

  const byType: Record<JobEventInput['type'], number> = {
    'application.submitted': 0,
    'interview.completed': 0,
    'application.rejected': 0,
    'application.withdrawn': 0,
    'offer.accepted': 0,
  };
  const rejectionsByReason: Partial<Record<RejectionReason, number>> = {};
  for (const { body } of all) {
    byType[body.type] += 1;
    if (body.type === 'application.rejected') {
      rejectionsByReason[body.rejection.reason] = (rejectionsByReason[body.rejection.reason] ?? 0) + 1;
    }
  }
  return {
    events: all,
    horizon: opts.start.getTime() + opts.weeks * WEEK_MS,
    zones: Object.keys(usersByZone).sort(),
    stats: { events: all.length, byType, rejectionsByReason, usersWhoAcceptedAnOffer: accepted, usersByZone },
  };
}

// ---- driving the clock ---------------------------------------------------------------------------------------

/** One clock move and the events to post once the clock stands there. */
export interface Step {
  /** Move the virtual clock here (epoch ms): the latest `at` of `events`. */
  readonly advanceTo: number;
  readonly events: readonly WorkloadEvent[];
}

/**
 * Every send slot (09:00 local, Monday to Friday, as the product computes it) of the given zones in
 * [from, to), sorted, deduplicated.
 */
export function sendSlots(zones: readonly string[], from: number, to: number): number[] {
  const slots = new Set<number>();
  for (const zone of zones) {
    for (let s = nextSendSlot(new Date(from), zone).getTime(); s < to; ) {
      slots.add(s);
      s = nextSendSlot(new Date(s + 1), zone).getTime();
    }
  }
  return [...slots].sort((a, b) => a - b);
}

/**
 * Cuts the time-ordered events into clock steps so that no timer can fire out of turn: a step never spans a
 * send slot (timers are due at slots) or a UTC midnight (progress is reported per day). Posting a step's
 * events after moving to its last event's time then delivers each event before every slot after it and
 * after every slot before it, as in real time, with O(slots) clock moves instead of one per event. Events
 * inside a step reach the twin up to a few hours after their `occurredAt`; the policy reads `occurredAt`,
 * so the reminders are the same.
 */
export function planSteps(events: readonly WorkloadEvent[], zones: readonly string[]): Step[] {
  const first = events[0];
  const last = events.at(-1);
  if (!first || !last) return [];
  const breaks = new Set(sendSlots(zones, first.at, last.at + 1));
  for (let d = Math.floor(first.at / DAY_MS) + 1; d * DAY_MS <= last.at; d += 1) breaks.add(d * DAY_MS);
  const sortedBreaks = [...breaks].sort((a, b) => a - b);

  const steps: Step[] = [];
  let current: WorkloadEvent[] = [];
  let b = 0;
  for (const event of events) {
    // Close the current step when a break lies in (its first event, this event].
    let crossed = false;
    while (b < sortedBreaks.length && (sortedBreaks[b] ?? Number.POSITIVE_INFINITY) <= event.at) {
      if (current.length > 0 && (sortedBreaks[b] ?? 0) > (current[0]?.at ?? 0)) crossed = true;
      b += 1;
    }
    if (crossed) {
      steps.push({ advanceTo: current.at(-1)?.at ?? event.at, events: current });
      current = [];
    }
    current.push(event);
  }
  if (current.length > 0) steps.push({ advanceTo: current.at(-1)?.at ?? last.at, events: current });
  return steps;
}
