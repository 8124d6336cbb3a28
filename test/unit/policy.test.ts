import { beforeEach, describe, expect, it } from 'vitest';
import {
  type EventType,
  type JobEventInput,
  REJECTION_REASONS,
  REJECTION_STAGES,
  type RejectionReason,
  type RejectionStage,
  type StoredJobEvent,
} from '#events/job-event.ts';
import { contentHash, reminderIdFor, slotScheduleNameFor, userIdFor } from '#shared/domain/ids.ts';
import type { ApplicationState, Reminder, ReminderKind, UserProfile } from '#shared/domain/model.ts';
import { REMINDER_KINDS } from '#shared/domain/model.ts';
import { decide, POLICY_RULES, type PolicyDecision } from '#shared/domain/policy.ts';
import { type EventOf, fixture } from '../support/events.ts';

// ---------------------------------------------------------------------------------------------------
// Fixtures: the JSON files in events/fixtures, parsed once and cloned for every use.
// Offsets used below: Berlin CET +01:00 / CEST +02:00 (from 2026-03-29); Los Angeles PST -08:00 /
// PDT -07:00 (2026-03-08…11-01, 2027-03-14…11-07); Auckland NZST +12:00 / NZDT +13:00 (from 2026-09-27).
// ---------------------------------------------------------------------------------------------------

const USER_ID = userIdFor('sam@example.com');
const OTHER_REF = 'globex-platform';

/** A stored event made from a fixture: `occurredAt` set, the id made unique, then `change` applied. */
function eventOf<T extends EventType>(
  type: T,
  occurredAt: string,
  change: (event: EventOf<T>) => void = () => {},
): StoredJobEvent {
  const event = fixture(type);
  event.occurredAt = occurredAt;
  change(event);
  event.id = `${event.id}-${event.application?.ref ?? 'none'}-${occurredAt}`;
  return {
    eventId: event.id,
    userId: userIdFor(event.user.email),
    receivedAt: occurredAt,
    occurredAt,
    contentHash: contentHash(event),
    event,
  };
}

const inZone = (timezone: string) => (event: JobEventInput) => {
  event.user.timezone = timezone;
};
const rejectedFor =
  (stage: RejectionStage, reason: RejectionReason) => (event: EventOf<'application.rejected'>) => {
    event.rejection = { stage, reason };
  };
const onApplication = (ref: string, company: string) => (event: JobEventInput) => {
  if (event.application === undefined) throw new Error('fixture without application');
  event.application = { ref, company };
};

/** The store, reduced to what the policy reads: profile, application states and pending reminders. */
class World {
  public profile: UserProfile | undefined;
  public readonly applications = new Map<string, ApplicationState>();
  public pending: Reminder[] = [];

  /** Decide on one event arriving at `now` (default: a minute after it happened) and apply the decision. */
  public receive(event: StoredJobEvent, now: string = minuteAfter(event.occurredAt)): PolicyDecision {
    const ref = event.event.application?.ref;
    const decision = decide({
      event,
      profile: this.profile,
      application: ref === undefined ? undefined : this.applications.get(ref),
      pending: this.pending,
      now: new Date(now),
    });
    this.profile = decision.profile;
    if (decision.application) this.applications.set(decision.application.ref, decision.application);
    const cancelled = new Set(decision.cancel.map((c) => c.reminderId));
    this.pending = [
      ...this.pending.filter((r) => !cancelled.has(r.reminderId)),
      ...decision.create.map((r): Reminder => ({ ...r, status: 'pending' })),
    ];
    return decision;
  }

  public pendingOf(ref: string): Reminder[] {
    return this.pending.filter((r) => r.application.ref === ref);
  }
}

function minuteAfter(iso: string): string {
  return new Date(Date.parse(iso) + 60_000).toISOString();
}

type Planned = readonly [kind: ReminderKind, sequence: number, dueAt: string];
const planned = (decision: PolicyDecision): Planned[] =>
  decision.create.map((r) => [r.kind, r.sequence, r.dueAt] as const);
const cancelledIds = (decision: PolicyDecision): string[] => decision.cancel.map((c) => c.reminderId).sort();
const idsOf = (reminders: readonly Reminder[]): string[] => reminders.map((r) => r.reminderId).sort();

/** Rows for `it.each`, titled by their `case` (`$case` would quote and truncate long titles). */
const byCase = <T extends { readonly case: string }>(rows: readonly T[]) =>
  rows.map((row) => [row.case, row] as const);

let world: World;
beforeEach(() => {
  world = new World();
});

// ---------------------------------------------------------------------------------------------------

describe('decide: the reminders one event schedules on a new application', () => {
  it.each(
    byCase<{ case: string; event: () => StoredJobEvent; expected: Planned[] }>([
      {
        case: 'a submission on a Tuesday afternoon gets follow-ups on the next two Tuesdays at 09:00',
        event: () => eventOf('application.submitted', '2026-03-10T14:00:00Z'),
        expected: [
          ['follow_up', 1, '2026-03-17T08:00:00.000Z'],
          ['follow_up', 2, '2026-03-24T08:00:00.000Z'],
        ],
      },
      {
        case: 'a submission before the Berlin clocks change keeps its follow-ups at 09:00 local',
        event: () => eventOf('application.submitted', '2026-03-24T14:00:00Z'),
        expected: [
          ['follow_up', 1, '2026-03-31T07:00:00.000Z'],
          ['follow_up', 2, '2026-04-07T07:00:00.000Z'],
        ],
      },
      {
        case: 'an interview on a Thursday gets a thank-you on Friday and a follow-up a week later',
        event: () => eventOf('interview.completed', '2026-03-12T15:00:00Z'),
        expected: [
          ['thank_you', 1, '2026-03-13T08:00:00.000Z'],
          ['follow_up', 1, '2026-03-19T08:00:00.000Z'],
        ],
      },
      {
        case: 'an interview on a Friday afternoon gets its thank-you after the weekend',
        event: () => eventOf('interview.completed', '2026-03-13T15:00:00Z'),
        expected: [
          ['thank_you', 1, '2026-03-16T08:00:00.000Z'],
          ['follow_up', 1, '2026-03-20T08:00:00.000Z'],
        ],
      },
      {
        case: 'a rejection after an interview asks for feedback a day later and reconnects after six weeks',
        event: () =>
          eventOf('application.rejected', '2026-03-11T09:00:00Z', rejectedFor('interview', 'not_selected')),
        expected: [
          ['ask_feedback', 1, '2026-03-13T08:00:00.000Z'],
          ['reconnect', 1, '2026-04-22T07:00:00.000Z'],
        ],
      },
      {
        case: 'a rejection for not selected asks for feedback even at the application stage',
        event: () =>
          eventOf('application.rejected', '2026-03-11T09:00:00Z', rejectedFor('application', 'not_selected')),
        expected: [
          ['ask_feedback', 1, '2026-03-13T08:00:00.000Z'],
          ['reconnect', 1, '2026-04-22T07:00:00.000Z'],
        ],
      },
      {
        case: 'a rejection for another candidate asks for feedback and reconnects after six weeks',
        event: () =>
          eventOf(
            'application.rejected',
            '2026-03-11T09:00:00Z',
            rejectedFor('application', 'pursuing_other_candidates'),
          ),
        expected: [
          ['ask_feedback', 1, '2026-03-13T08:00:00.000Z'],
          ['reconnect', 1, '2026-04-22T07:00:00.000Z'],
        ],
      },
      {
        case: 'a rejection for another reason asks for feedback and reconnects after six weeks',
        event: () =>
          eventOf('application.rejected', '2026-03-11T09:00:00Z', rejectedFor('application', 'other')),
        expected: [
          ['ask_feedback', 1, '2026-03-13T08:00:00.000Z'],
          ['reconnect', 1, '2026-04-22T07:00:00.000Z'],
        ],
      },
      {
        case: 'a rejection that only accepts formal applications suggests applying the next morning',
        event: () =>
          eventOf(
            'application.rejected',
            '2026-03-11T09:00:00Z',
            rejectedFor('application', 'only_accepting_applications'),
          ),
        expected: [
          ['apply_formally', 1, '2026-03-12T08:00:00.000Z'],
          ['reconnect', 1, '2026-04-22T07:00:00.000Z'],
        ],
      },
      {
        case: 'a rejection kept on file reconnects after four weeks only',
        event: () =>
          eventOf('application.rejected', '2026-03-11T09:00:00Z', rejectedFor('application', 'keep_on_file')),
        expected: [['reconnect', 1, '2026-04-08T07:00:00.000Z']],
      },
      {
        case: 'a rejection for not hiring reconnects after eight weeks only',
        event: () =>
          eventOf('application.rejected', '2026-03-11T09:00:00Z', rejectedFor('application', 'not_hiring')),
        expected: [['reconnect', 1, '2026-05-06T07:00:00.000Z']],
      },
      {
        case: 'a rejection kept on file after an interview asks for feedback and reconnects after four weeks',
        event: () =>
          eventOf('application.rejected', '2026-03-11T09:00:00Z', rejectedFor('interview', 'keep_on_file')),
        expected: [
          ['ask_feedback', 1, '2026-03-13T08:00:00.000Z'],
          ['reconnect', 1, '2026-04-08T07:00:00.000Z'],
        ],
      },
      {
        case: 'a withdrawal schedules nothing',
        event: () => eventOf('application.withdrawn', '2026-03-11T09:00:00Z'),
        expected: [],
      },
      {
        case: 'an accepted offer schedules nothing',
        event: () => eventOf('offer.accepted', '2026-03-11T09:00:00Z'),
        expected: [],
      },
      {
        case: 'a Los Angeles submission before the March 2026 change keeps 09:00 PDT afterwards',
        event: () => eventOf('application.submitted', '2026-03-03T23:00:00Z', inZone('America/Los_Angeles')),
        expected: [
          ['follow_up', 1, '2026-03-10T16:00:00.000Z'],
          ['follow_up', 2, '2026-03-17T16:00:00.000Z'],
        ],
      },
      {
        case: 'a Los Angeles interview before the November 2026 change follows up at 09:00 PST',
        event: () => eventOf('interview.completed', '2026-10-27T22:00:00Z', inZone('America/Los_Angeles')),
        expected: [
          ['thank_you', 1, '2026-10-28T16:00:00.000Z'],
          ['follow_up', 1, '2026-11-03T17:00:00.000Z'],
        ],
      },
      {
        case: 'a Los Angeles rejection kept on file before the November 2026 change reconnects at 09:00 PST',
        event: () =>
          eventOf('application.rejected', '2026-10-23T17:00:00Z', (event) => {
            inZone('America/Los_Angeles')(event);
            rejectedFor('application', 'keep_on_file')(event);
          }),
        expected: [['reconnect', 1, '2026-11-20T17:00:00.000Z']],
      },
      {
        case: 'a Los Angeles submission before the March 2027 change keeps 09:00 PDT afterwards',
        event: () => eventOf('application.submitted', '2027-03-09T23:00:00Z', inZone('America/Los_Angeles')),
        expected: [
          ['follow_up', 1, '2027-03-16T16:00:00.000Z'],
          ['follow_up', 2, '2027-03-23T16:00:00.000Z'],
        ],
      },
      {
        case: 'a Los Angeles submission before the November 2027 change keeps 09:00 PST afterwards',
        event: () => eventOf('application.submitted', '2027-11-02T22:00:00Z', inZone('America/Los_Angeles')),
        expected: [
          ['follow_up', 1, '2027-11-09T17:00:00.000Z'],
          ['follow_up', 2, '2027-11-16T17:00:00.000Z'],
        ],
      },
      {
        case: 'a Kolkata interview is thanked at 09:00 IST, 03:30 UTC',
        event: () => eventOf('interview.completed', '2026-06-01T08:30:00Z', inZone('Asia/Kolkata')),
        expected: [
          ['thank_you', 1, '2026-06-02T03:30:00.000Z'],
          ['follow_up', 1, '2026-06-08T03:30:00.000Z'],
        ],
      },
      {
        case: 'a Kathmandu submission follows up at 09:00 NPT, 03:15 UTC',
        event: () => eventOf('application.submitted', '2026-06-01T06:15:00Z', inZone('Asia/Kathmandu')),
        expected: [
          ['follow_up', 1, '2026-06-08T03:15:00.000Z'],
          ['follow_up', 2, '2026-06-15T03:15:00.000Z'],
        ],
      },
      {
        case: 'an Auckland rejection on a Friday asks for feedback on Monday, a Sunday in UTC',
        event: () =>
          eventOf('application.rejected', '2026-07-03T04:00:00Z', (event) => {
            inZone('Pacific/Auckland')(event);
            rejectedFor('application', 'not_selected')(event);
          }),
        expected: [
          ['ask_feedback', 1, '2026-07-05T21:00:00.000Z'],
          ['reconnect', 1, '2026-08-13T21:00:00.000Z'],
        ],
      },
      {
        case: 'an Auckland submission before the September change follows up at 09:00 NZDT',
        event: () => eventOf('application.submitted', '2026-09-21T23:00:00Z', inZone('Pacific/Auckland')),
        expected: [
          ['follow_up', 1, '2026-09-28T20:00:00.000Z'],
          ['follow_up', 2, '2026-10-05T20:00:00.000Z'],
        ],
      },
    ]),
  )('%s', (_case, { event, expected }) => {
    // Prepare
    const stored = event();

    // Act
    const decision = world.receive(stored);

    // Assess
    expect(planned(decision)).toEqual(expected);
    expect(decision.cancel).toEqual([]);
  });

  it('gives each reminder its ids, schedule name and a snapshot of the application', () => {
    // Prepare
    const submitted = eventOf('application.submitted', '2026-03-10T14:00:00Z');
    const now = '2026-03-10T14:00:05.123Z';

    // Act
    const decision = world.receive(submitted, now);

    // Assess
    const reminderId = reminderIdFor(USER_ID, submitted.eventId, 'follow_up', 1);
    expect(decision.create[0]).toEqual({
      reminderId,
      userId: USER_ID,
      kind: 'follow_up',
      sequence: 1,
      dueAt: '2026-03-17T08:00:00.000Z',
      application: {
        ref: 'acme-backend',
        company: 'Acme Corp',
        role: 'Backend Engineer',
        contact: { name: 'Jo Park', email: 'jo.park@acme.example', title: 'Engineering Manager' },
      },
      sourceEventId: submitted.eventId,
      // One timer per user and send slot.
      scheduleName: slotScheduleNameFor(USER_ID, '2026-03-17T08:00:00.000Z'),
      createdAt: now,
    });
  });

  it.each(REJECTION_STAGES.flatMap((stage) => REJECTION_REASONS.map((reason) => [stage, reason] as const)))(
    'a rejection at the %s stage for %s plans exactly one reconnect',
    (stage, reason) => {
      // Prepare
      const rejected = eventOf('application.rejected', '2026-03-11T09:00:00Z', rejectedFor(stage, reason));

      // Act
      const decision = world.receive(rejected);

      // Assess
      expect(decision.create.filter((r) => r.kind === 'reconnect')).toHaveLength(1);
    },
  );
});

describe('decide: later events supersede earlier reminders', () => {
  it('a later interview cancels the follow-ups of the submission and schedules its own', () => {
    // Prepare
    world.receive(eventOf('application.submitted', '2026-03-10T14:00:00Z'));
    const followUps = world.pendingOf('acme-backend');

    // Act
    const decision = world.receive(eventOf('interview.completed', '2026-03-12T15:00:00Z'));

    // Assess
    expect(followUps).toHaveLength(2);
    expect(cancelledIds(decision)).toEqual(idsOf(followUps));
    expect(decision.cancel.map((c) => c.reason)).toEqual([
      'superseded by interview.completed',
      'superseded by interview.completed',
    ]);
    expect(planned(decision)).toEqual([
      ['thank_you', 1, '2026-03-13T08:00:00.000Z'],
      ['follow_up', 1, '2026-03-19T08:00:00.000Z'],
    ]);
  });

  it('a later event leaves the reminders of other applications alone', () => {
    // Prepare
    world.receive(
      eventOf('application.submitted', '2026-03-10T14:00:00Z', onApplication(OTHER_REF, 'Globex')),
    );
    world.receive(eventOf('application.submitted', '2026-03-10T15:00:00Z'));

    // Act
    const decision = world.receive(eventOf('interview.completed', '2026-03-12T15:00:00Z'));

    // Assess
    expect(decision.cancel).toHaveLength(2);
    expect(world.pendingOf(OTHER_REF)).toHaveLength(2);
  });

  it('a later rejection cancels the pending thank-you and follow-up', () => {
    // Prepare
    world.receive(eventOf('interview.completed', '2026-03-12T15:00:00Z'));
    const pending = world.pendingOf('acme-backend');

    // Act
    const decision = world.receive(eventOf('application.rejected', '2026-03-13T09:00:00Z'));

    // Assess
    expect(cancelledIds(decision)).toEqual(idsOf(pending));
    expect(decision.create.map((r) => r.kind)).toEqual(['ask_feedback', 'reconnect']);
  });
});

describe('decide: events that arrive out of order', () => {
  it('a submission that arrives after its own rejection starts no follow-up', () => {
    // Prepare
    world.receive(eventOf('application.rejected', '2026-03-20T09:00:00Z'));
    const submitted = eventOf('application.submitted', '2026-03-10T14:00:00Z');

    // Act
    const decision = world.receive(submitted, '2026-03-20T09:05:00Z');

    // Assess
    expect(decision.create).toEqual([]);
    expect(decision.cancel).toEqual([]);
    expect(decision.application).toMatchObject({
      status: 'rejected',
      submittedAt: '2026-03-10T14:00:00.000Z',
      rejectedAt: '2026-03-20T09:00:00.000Z',
      lastEventAt: '2026-03-20T09:00:00.000Z',
      lastEventType: 'application.rejected',
      eventCount: 2,
    });
  });

  it('an earlier submission arriving after an interview records history but creates and cancels nothing', () => {
    // Prepare
    world.receive(eventOf('interview.completed', '2026-03-19T15:00:00Z'));
    const pending = world.pendingOf('acme-backend');

    // Act
    const decision = world.receive(
      eventOf('application.submitted', '2026-03-10T14:00:00Z'),
      '2026-03-19T16:00:00Z',
    );

    // Assess
    expect(decision.create).toEqual([]);
    expect(decision.cancel).toEqual([]);
    expect(idsOf(world.pendingOf('acme-backend'))).toEqual(idsOf(pending));
    expect(decision.application).toMatchObject({
      status: 'active',
      submittedAt: '2026-03-10T14:00:00.000Z',
      lastInterviewAt: '2026-03-19T15:00:00.000Z',
      lastEventAt: '2026-03-19T15:00:00.000Z',
      lastEventType: 'interview.completed',
      eventCount: 2,
    });
  });

  it('a rejection that arrives out of order still asks for feedback and plans to reconnect', () => {
    // Prepare
    world.receive(eventOf('interview.completed', '2026-03-19T15:00:00Z'));
    const interviewReminders = world.pendingOf('acme-backend');
    const rejected = eventOf('application.rejected', '2026-03-18T09:00:00Z');

    // Act
    const decision = world.receive(rejected, '2026-03-19T16:00:00Z');

    // Assess
    expect(planned(decision)).toEqual([
      ['ask_feedback', 1, '2026-03-20T08:00:00.000Z'],
      ['reconnect', 1, '2026-04-29T07:00:00.000Z'],
    ]);
    // Interpretation: the application is no longer active, so nudges to follow it up must not go out.
    expect(cancelledIds(decision)).toEqual(idsOf(interviewReminders));
    expect(decision.application).toMatchObject({
      status: 'rejected',
      rejectedAt: '2026-03-18T09:00:00.000Z',
      lastEventAt: '2026-03-19T15:00:00.000Z',
      lastEventType: 'interview.completed',
    });
  });
});

describe('decide: past (backfilled) events', () => {
  it.each(
    byCase<{ case: string; event: () => StoredJobEvent; now: string; expected: Planned[] }>([
      {
        case: 'a backfilled submission whose follow-ups are both past gets one follow-up at the next slot',
        event: () => eventOf('application.submitted', '2026-01-06T14:00:00Z'),
        now: '2026-03-10T10:30:00Z',
        expected: [['follow_up', 1, '2026-03-11T08:00:00.000Z']],
      },
      {
        case: 'a backfilled submission whose first follow-up is past keeps the second on its day',
        event: () => eventOf('application.submitted', '2026-03-03T14:00:00Z'),
        now: '2026-03-10T10:30:00Z',
        expected: [
          ['follow_up', 1, '2026-03-11T08:00:00.000Z'],
          ['follow_up', 2, '2026-03-17T08:00:00.000Z'],
        ],
      },
      {
        case: 'a submission that arrives at 08:59 on its follow-up day is followed up the same morning',
        event: () => eventOf('application.submitted', '2026-03-03T14:00:00Z'),
        now: '2026-03-10T07:59:00Z',
        expected: [
          ['follow_up', 1, '2026-03-10T08:00:00.000Z'],
          ['follow_up', 2, '2026-03-17T08:00:00.000Z'],
        ],
      },
      {
        case: 'a backfilled rejection whose reconnect is past reconnects at the next slot',
        event: () =>
          eventOf('application.rejected', '2026-01-07T09:00:00Z', rejectedFor('application', 'keep_on_file')),
        now: '2026-03-10T10:30:00Z',
        expected: [['reconnect', 1, '2026-03-11T08:00:00.000Z']],
      },
      {
        case: 'a backfilled rejection on a Friday evening moves every past reminder to Monday',
        event: () => eventOf('application.rejected', '2026-01-07T09:00:00Z'),
        now: '2026-03-13T18:00:00Z',
        expected: [
          ['ask_feedback', 1, '2026-03-16T08:00:00.000Z'],
          ['reconnect', 1, '2026-03-16T08:00:00.000Z'],
        ],
      },
    ]),
  )('%s', (_case, { event, now, expected }) => {
    // Prepare
    const stored = event();

    // Act
    const decision = world.receive(stored, now);

    // Assess
    expect(planned(decision)).toEqual(expected);
    for (const reminder of decision.create) {
      expect(Date.parse(reminder.dueAt)).toBeGreaterThanOrEqual(Date.parse(now));
    }
  });
});

describe("decide: the Scheduler's range", () => {
  it('an event stored with the year 10000 in UTC records its application but plans no timer the Scheduler refuses', () => {
    // Prepare: 9999-12-31T23:59:59-23:59, which the contract accepted before it bounded occurredAt.
    const stored = eventOf('application.submitted', new Date('9999-12-31T23:59:59-23:59').toISOString());

    // Act
    const decision = world.receive(stored, '2026-03-10T10:30:00Z');

    // Assess
    expect(decision.create).toEqual([]);
    expect(decision.application?.submittedAt).toBe('+010000-01-01T23:58:59.000Z');
  });

  it("an event in 2199 keeps the reminders that fall inside the Scheduler's range and drops the rest", () => {
    // Prepare: Friday 2199-12-13; follow-up 1 on Friday 20 December, follow-up 2 on Friday 27 December 2199.
    const stored = eventOf('application.submitted', '2199-12-13T10:00:00Z', inZone('UTC'));
    const late = eventOf('application.submitted', '2199-12-20T10:00:00Z', (event) => {
      inZone('UTC')(event);
      onApplication(OTHER_REF, 'Globex')(event);
    });

    // Act
    const inRange = world.receive(stored, '2199-12-13T10:01:00Z');
    const partly = world.receive(late, '2199-12-20T10:01:00Z');

    // Assess
    expect(planned(inRange)).toEqual([
      ['follow_up', 1, '2199-12-20T09:00:00.000Z'],
      ['follow_up', 2, '2199-12-27T09:00:00.000Z'],
    ]);
    expect(planned(partly)).toEqual([['follow_up', 1, '2199-12-27T09:00:00.000Z']]);
  });
});

describe('decide: the end of an application', () => {
  it('a withdrawal cancels every pending reminder of its application and no other', () => {
    // Prepare
    world.receive(
      eventOf('application.submitted', '2026-03-10T14:00:00Z', onApplication(OTHER_REF, 'Globex')),
    );
    world.receive(eventOf('application.rejected', '2026-03-11T09:00:00Z'));
    const acmeReminders = world.pendingOf('acme-backend');

    // Act
    const decision = world.receive(eventOf('application.withdrawn', '2026-03-12T10:00:00Z'));

    // Assess
    expect(acmeReminders.map((r) => r.kind)).toEqual(['ask_feedback', 'reconnect']);
    expect(cancelledIds(decision)).toEqual(idsOf(acmeReminders));
    expect(decision.cancel.map((c) => c.reason)).toEqual(['application withdrawn', 'application withdrawn']);
    expect(decision.create).toEqual([]);
    expect(world.pendingOf(OTHER_REF)).toHaveLength(2);
    expect(decision.application).toMatchObject({
      status: 'withdrawn',
      withdrawnAt: '2026-03-12T10:00:00.000Z',
    });
  });

  it('a duplicate rejection creates nothing new and keeps the first rejection on record', () => {
    // Prepare
    world.receive(eventOf('application.rejected', '2026-03-11T09:00:00Z'));
    const again = eventOf(
      'application.rejected',
      '2026-03-12T09:00:00Z',
      rejectedFor('application', 'other'),
    );

    // Act
    const decision = world.receive(again);

    // Assess
    expect(decision.create).toEqual([]);
    expect(decision.cancel).toEqual([]);
    expect(world.pendingOf('acme-backend')).toHaveLength(2);
    expect(decision.application).toMatchObject({
      status: 'rejected',
      rejectedAt: '2026-03-11T09:00:00.000Z',
      rejectionStage: 'interview',
      rejectionReason: 'not_selected',
      lastEventAt: '2026-03-12T09:00:00.000Z',
      eventCount: 2,
    });
  });

  it.each(
    byCase([
      {
        case: 'a later submission on a rejected application starts no follow-up',
        type: 'application.submitted',
      },
      { case: 'a later interview on a rejected application is not thanked', type: 'interview.completed' },
    ] as const),
  )('%s', (_case, { type }) => {
    // Prepare
    world.receive(eventOf('application.rejected', '2026-03-11T09:00:00Z'));

    // Act
    const decision = world.receive(eventOf(type, '2026-03-16T09:00:00Z'));

    // Assess
    expect(decision.create).toEqual([]);
    expect(decision.application?.status).toBe('rejected');
  });

  it('a later submission on a withdrawn application starts no follow-up', () => {
    // Prepare
    world.receive(eventOf('application.withdrawn', '2026-03-11T09:00:00Z'));

    // Act
    const decision = world.receive(eventOf('application.submitted', '2026-03-16T09:00:00Z'));

    // Assess
    expect(decision.create).toEqual([]);
    expect(decision.application?.status).toBe('withdrawn');
  });
});

describe('decide: an accepted offer ends the search', () => {
  beforeEach(() => {
    world.receive(eventOf('application.submitted', '2026-03-10T14:00:00Z'));
    world.receive(
      eventOf('application.rejected', '2026-03-11T09:00:00Z', onApplication(OTHER_REF, 'Globex')),
    );
  });

  it('an accepted offer without an application cancels every pending reminder across applications', () => {
    // Prepare
    const pending = [...world.pending];
    const offer = eventOf('offer.accepted', '2026-03-20T16:00:00Z', (event) => {
      delete event.application;
    });

    // Act
    const decision = world.receive(offer);

    // Assess
    expect(pending.map((r) => `${r.application.ref}:${r.kind}`)).toEqual([
      'acme-backend:follow_up',
      'acme-backend:follow_up',
      `${OTHER_REF}:ask_feedback`,
      `${OTHER_REF}:reconnect`,
    ]);
    expect(cancelledIds(decision)).toEqual(idsOf(pending));
    expect(new Set(decision.cancel.map((c) => c.reason))).toEqual(new Set(['offer accepted']));
    expect(decision.create).toEqual([]);
    expect(decision.application).toBeUndefined();
    expect(decision.profile.searchEndedAt).toBe('2026-03-20T16:00:00.000Z');
  });

  it('an accepted offer for an application closes it', () => {
    // Prepare
    const offer = eventOf('offer.accepted', '2026-03-20T16:00:00Z');

    // Act
    const decision = world.receive(offer);

    // Assess
    expect(decision.cancel).toHaveLength(4);
    expect(decision.application).toMatchObject({
      ref: 'acme-backend',
      status: 'closed',
      lastEventType: 'offer.accepted',
      eventCount: 2,
    });
  });

  it('an event that happened before the offer but arrives after it creates no reminders yet is recorded', () => {
    // Prepare
    world.receive(eventOf('offer.accepted', '2026-03-20T16:00:00Z'));
    const late = eventOf(
      'application.submitted',
      '2026-03-18T10:00:00Z',
      onApplication('initech-data', 'Initech'),
    );

    // Act
    const decision = world.receive(late, '2026-03-21T10:00:00Z');

    // Assess
    expect(decision.create).toEqual([]);
    expect(decision.application).toMatchObject({
      ref: 'initech-data',
      status: 'active',
      submittedAt: '2026-03-18T10:00:00.000Z',
      eventCount: 1,
    });
  });

  it('an event after the offer starts a new search with reminders as usual', () => {
    // Prepare
    world.receive(eventOf('offer.accepted', '2026-03-20T16:00:00Z'));
    const next = eventOf(
      'application.submitted',
      '2026-05-05T08:00:00Z',
      onApplication('initech-data', 'Initech'),
    );

    // Act
    const decision = world.receive(next);

    // Assess
    expect(planned(decision)).toEqual([
      ['follow_up', 1, '2026-05-12T07:00:00.000Z'],
      ['follow_up', 2, '2026-05-19T07:00:00.000Z'],
    ]);
    expect(decision.profile.searchEndedAt).toBe('2026-03-20T16:00:00.000Z');
  });
});

describe('decide: the profile', () => {
  it('remembers the time zone of an earlier event when a later one names none', () => {
    // Prepare
    world.receive(eventOf('application.submitted', '2026-03-03T23:00:00Z', inZone('America/Los_Angeles')));
    const interview = eventOf('interview.completed', '2026-03-05T23:00:00Z', (event) => {
      delete event.user.timezone;
    });

    // Act
    const decision = world.receive(interview);

    // Assess
    expect(decision.profile.timezone).toBe('America/Los_Angeles');
    expect(planned(decision)).toEqual([
      ['thank_you', 1, '2026-03-06T17:00:00.000Z'], // Fri 09:00 PST
      ['follow_up', 1, '2026-03-12T16:00:00.000Z'], // Thu 09:00 PDT
    ]);
  });

  it('falls back to UTC when the user never named a time zone', () => {
    // Prepare
    const submitted = eventOf('application.submitted', '2026-03-10T14:00:00Z', (event) => {
      delete event.user.timezone;
    });

    // Act
    const decision = world.receive(submitted);

    // Assess
    expect(decision.profile.timezone).toBe('UTC');
    expect(decision.create[0]?.dueAt).toBe('2026-03-17T09:00:00.000Z');
  });

  it('updates name and email but keeps when the profile was created', () => {
    // Prepare
    world.receive(eventOf('application.submitted', '2026-03-10T14:00:00Z'), '2026-03-10T14:01:00Z');
    const renamed = eventOf('interview.completed', '2026-03-12T15:00:00Z', (event) => {
      event.user = { email: 'Sam@Example.com', name: 'Sam R.' };
    });

    // Act
    const decision = world.receive(renamed, '2026-03-12T15:02:00Z');

    // Assess
    expect(decision.profile).toEqual({
      userId: USER_ID,
      email: 'Sam@Example.com',
      name: 'Sam R.',
      timezone: 'Europe/Berlin',
      createdAt: '2026-03-10T14:01:00.000Z',
      updatedAt: '2026-03-12T15:02:00.000Z',
    });
  });
});

describe('decide: application bookkeeping', () => {
  it('keeps the newest details and counts every event', () => {
    // Prepare
    world.receive(eventOf('application.submitted', '2026-03-10T14:00:00Z'));
    const interview = eventOf('interview.completed', '2026-03-12T15:00:00Z', (event) => {
      event.application.role = 'Senior Backend Engineer';
    });

    // Act
    const decision = world.receive(interview, '2026-03-12T15:10:00Z');

    // Assess
    expect(decision.application).toEqual({
      userId: USER_ID,
      ref: 'acme-backend',
      company: 'Acme Corp',
      role: 'Senior Backend Engineer',
      contact: { name: 'Jo Park', email: 'jo.park@acme.example', title: 'Engineering Manager' },
      status: 'active',
      submittedAt: '2026-03-10T14:00:00.000Z',
      lastInterviewAt: '2026-03-12T15:00:00.000Z',
      lastEventAt: '2026-03-12T15:00:00.000Z',
      lastEventType: 'interview.completed',
      eventCount: 2,
      updatedAt: '2026-03-12T15:10:00.000Z',
    });
    expect(decision.create.every((r) => r.application.role === 'Senior Backend Engineer')).toBe(true);
  });

  it('keeps the newer details when an older event arrives late', () => {
    // Prepare
    world.receive(eventOf('interview.completed', '2026-03-12T15:00:00Z'));
    const older = eventOf('application.submitted', '2026-03-10T14:00:00Z', (event) => {
      event.application.company = 'Acme Corporation (old name)';
    });

    // Act
    const decision = world.receive(older, '2026-03-12T16:00:00Z');

    // Assess
    expect(decision.application?.company).toBe('Acme Corp');
  });
});

describe('POLICY_RULES', () => {
  it('schedules every kind of reminder from some rule', () => {
    // Prepare
    const kinds = new Set(POLICY_RULES.map((rule) => rule.kind));

    // Act
    const missing = REMINDER_KINDS.filter((kind) => !kinds.has(kind));

    // Assess
    expect(missing).toEqual([]);
  });

  it('is plain data that survives a JSON round trip, so docs can print it', () => {
    // Prepare
    const json = JSON.stringify(POLICY_RULES);

    // Act
    const copy: unknown = JSON.parse(json);

    // Assess
    expect(copy).toEqual(POLICY_RULES);
  });
});
