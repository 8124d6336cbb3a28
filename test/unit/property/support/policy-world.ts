/**
 * Generators and a tiny world for property tests of the reminder policy.
 *
 * `PolicyWorld` keeps what the planner's store keeps (profile, application states, reminders with their
 * status) and applies each `decide` result as `applyPlan` does; `sendDue` marks due reminders sent, as the
 * sender would. The arbitraries build events of one user over a few applications, in any time zone.
 */
import * as fc from 'fast-check';
import {
  type JobEventInput,
  OCCURRED_AT_MAX_AGE_DAYS,
  OCCURRED_AT_MAX_FUTURE_MINUTES,
  REJECTION_REASONS,
  REJECTION_STAGES,
  type StoredJobEvent,
} from '#events/job-event.ts';
import { userIdFor } from '#shared/domain/ids.ts';
import type { ApplicationState, Reminder, UserProfile } from '#shared/domain/model.ts';
import { decide, type PolicyDecision } from '#shared/domain/policy.ts';

export const EMAIL = 'sam@example.com';
export const USER_ID = userIdFor(EMAIL);
export const MINUTE_MS = 60_000;
export const DAY_MS = 24 * 60 * MINUTE_MS;

/** Every zone the runtime's ICU knows, plus aliases and the extremes of the offset range. */
export const ZONES: readonly string[] = [
  ...Intl.supportedValuesOf('timeZone'),
  'UTC',
  'Etc/GMT-14',
  'Etc/GMT+12',
  'Pacific/Kiritimati',
  'Pacific/Chatham',
  'Australia/Lord_Howe',
  'Asia/Kathmandu',
  'America/St_Johns',
  'Pacific/Apia',
  'US/Pacific',
];

export const zoneArb = fc.constantFrom(...ZONES);

/**
 * Clocks from 2012 to 2150 (UTC). The product's clock is past 2026; before 2012 lies one day no zone has
 * skipped since (Samoa's 30 December 2011), whose 09:00 luxon moves to Saturday's.
 */
export const nowArb = fc
  .integer({ min: Date.UTC(2012, 0, 1), max: Date.UTC(2150, 0, 1) })
  .map((ms) => new Date(ms));

/** An `occurredAt` the contract accepts at `now`: at most 365 days before it, at most 5 minutes after. */
export const contractOffsetArb = fc.integer({
  min: -OCCURRED_AT_MAX_AGE_DAYS * DAY_MS,
  max: OCCURRED_AT_MAX_FUTURE_MINUTES * MINUTE_MS,
});

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** An event before it is placed in time and given to the user; `timezone` when it names the user's zone. */
export type Draft = DistributiveOmit<JobEventInput, 'user' | 'occurredAt'> & {
  readonly timezone?: string | undefined;
};

const REFS = ['acme', 'globex', 'initech'] as const;

const applicationArb = fc
  .record({ ref: fc.constantFrom(...REFS), company: fc.constantFrom('Acme', 'Acme Corp', 'Globex') })
  .map(({ ref, company }) => ({ ref, company: `${company} ${ref}` }));

const rejectionArb = fc.record({
  stage: fc.constantFrom(...REJECTION_STAGES),
  reason: fc.constantFrom(...REJECTION_REASONS),
});

/** One event of the user, without `occurredAt` or user; `timezone` when the event names a zone. */
export function draftArb(options: {
  readonly offers: boolean;
  readonly zone: fc.Arbitrary<string | undefined>;
}): fc.Arbitrary<Draft> {
  const kinds: fc.Arbitrary<Draft>[] = [
    fc.record({
      type: fc.constant('application.submitted'),
      application: applicationArb,
      timezone: options.zone,
    }),
    fc.record({
      type: fc.constant('interview.completed'),
      application: applicationArb,
      timezone: options.zone,
    }),
    fc.record({
      type: fc.constant('application.rejected'),
      application: applicationArb,
      rejection: rejectionArb,
      timezone: options.zone,
    }),
    fc.record({
      type: fc.constant('application.withdrawn'),
      application: applicationArb,
      timezone: options.zone,
    }),
  ];
  if (options.offers) {
    kinds.push(
      fc.record(
        {
          type: fc.constant('offer.accepted'),
          application: applicationArb,
          timezone: options.zone,
        },
        { requiredKeys: ['type', 'timezone'] },
      ),
    );
  }
  return fc.oneof(...kinds) as fc.Arbitrary<Draft>;
}

/** The event as the table's stream delivers it: `occurredAt` resolved to UTC, received at `now`. */
export function stored(draft: Draft, index: number, occurredAtMs: number, now: Date): StoredJobEvent {
  const { timezone, ...rest } = draft;
  const occurredAt = new Date(occurredAtMs).toISOString();
  const event = {
    ...rest,
    id: `e${index}`,
    occurredAt,
    user: timezone === undefined ? { email: EMAIL } : { email: EMAIL, timezone },
  } as JobEventInput;
  return {
    eventId: `e${index}`,
    userId: USER_ID,
    receivedAt: now.toISOString(),
    occurredAt,
    contentHash: `hash-${index}`,
    event,
  };
}

export type WorldReminder = Reminder & { readonly zone: string };

/** What the store holds for one user, changed only as the planner and the sender change it. */
export class PolicyWorld {
  public profile: UserProfile | undefined;
  public readonly applications = new Map<string, ApplicationState>();
  public readonly reminders = new Map<string, WorldReminder>();
  /** Every event seen, by id, for checks that need an event's `occurredAt`. */
  public readonly events = new Map<string, StoredJobEvent>();

  public pending(): WorldReminder[] {
    return [...this.reminders.values()].filter((r) => r.status === 'pending');
  }

  /** Plan one event at `now` and apply the decision as `applyPlan` does. */
  public plan(event: StoredJobEvent, now: Date): PolicyDecision {
    this.events.set(event.eventId, event);
    const ref = event.event.application?.ref;
    const decision = decide({
      event,
      profile: this.profile,
      application: ref === undefined ? undefined : this.applications.get(ref),
      pending: this.pending(),
      now,
    });
    this.profile = decision.profile;
    if (decision.application) this.applications.set(decision.application.ref, decision.application);
    for (const r of decision.create) {
      if (!this.reminders.has(r.reminderId)) {
        this.reminders.set(r.reminderId, { ...r, status: 'pending', zone: decision.profile.timezone });
      }
    }
    for (const c of decision.cancel) {
      const r = this.reminders.get(c.reminderId);
      if (r?.status === 'pending') {
        this.reminders.set(c.reminderId, { ...r, status: 'cancelled', cancelledBy: event.eventId });
      }
    }
    return decision;
  }

  /** Send every pending reminder due at or before `now`; returns what was sent. */
  public sendDue(now: Date): WorldReminder[] {
    const due = this.pending().filter((r) => Date.parse(r.dueAt) <= now.getTime());
    for (const r of due)
      this.reminders.set(r.reminderId, { ...r, status: 'sent', sentAt: now.toISOString() });
    return due;
  }
}
