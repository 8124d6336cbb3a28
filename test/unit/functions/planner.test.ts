/**
 * The planner's batch contract: Powertools parses each stream record, records of one user are planned in
 * order while users run in parallel, transient failures are reported item by item so the stream retries from
 * the first, and an event that can never be planned is marked failed and counted, not retried.
 */
import { marshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { StoredJobEvent } from '#events/job-event.ts';
import { metrics } from '#shared/adapters/observability.ts';
import { recordUserAction } from '#shared/use-cases/record-user-action.ts';
import { fixture, intake } from '../../support/events.ts';
import { confirmedUser, pipeline } from '../../support/pipeline.ts';

type PlannerModule = typeof import('../../../functions/planner.ts');
let planner: PlannerModule;

beforeAll(async () => {
  // The handler module parses its configuration at import, exactly as at a Lambda cold start.
  Object.assign(process.env, {
    TABLE_NAME: 'rebound-test',
    SCHEDULE_GROUP: 'rebound',
    SENDER_FUNCTION_ARN: 'arn:aws:lambda:us-east-1:000000000000:function:sender',
    SCHEDULER_ROLE_ARN: 'arn:aws:iam::000000000000:role/scheduler',
    SCHEDULER_DLQ_ARN: 'arn:aws:sqs:us-east-1:000000000000:dlq',
    MAIL_FROM: 'Rebound <reminders@rebound.test>',
    PUBLIC_BASE_URL: 'https://rebound.test',
    // Read only when a link is signed; these tests pass their own signer.
    LINK_KEYS_FILE: '/nonexistent/link-keys.json',
    POWERTOOLS_LOG_LEVEL: 'SILENT',
    POWERTOOLS_METRICS_DISABLED: 'true',
  });
  planner = await import('../../../functions/planner.ts');
});

beforeEach(() => {
  metrics.clearMetrics();
});

const sequenceNumber = (n: number) => String(n).padStart(21, '0');

/** The INSERT record DynamoDB Streams delivers for a stored event item (`NEW_IMAGE` view). */
function streamRecord(item: Record<string, unknown>, sequence: number): DynamoDBRecord {
  const keys = { pk: `USER#${String(item.userId)}`, sk: `EVENT#${String(item.eventId)}` };
  return {
    eventID: String(sequence),
    eventName: 'INSERT',
    eventVersion: '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: 'us-east-1',
    eventSourceARN:
      'arn:aws:dynamodb:us-east-1:000000000000:table/rebound-test/stream/2026-03-01T00:00:00.000',
    dynamodb: {
      ApproximateCreationDateTime: 1_773_651_600,
      Keys: marshall(keys) as NonNullable<DynamoDBRecord['dynamodb']>['Keys'],
      NewImage: marshall({ ...keys, type: 'event', ...item }, { removeUndefinedValues: true }) as NonNullable<
        DynamoDBRecord['dynamodb']
      >['NewImage'],
      SequenceNumber: sequenceNumber(sequence),
      SizeBytes: 512,
      StreamViewType: 'NEW_IMAGE',
    },
  };
}

/** Sam and Alex have confirmed; each has events waiting in the batch. */
async function setup() {
  const deps = pipeline('2026-03-16T09:00:00.000Z');
  const { store, clock, timers } = deps;
  const sam = fixture('application.submitted');
  const alex = {
    ...fixture('application.submitted'),
    id: 'alex-1',
    user: { ...sam.user, email: 'alex@example.com' },
  };
  // Before the clock: intake refuses an occurredAt more than 5 minutes ahead.
  const samLater = {
    ...fixture('interview.completed'),
    id: 'sam-2',
    occurredAt: '2026-03-13T16:00:00+01:00',
  };
  await confirmedUser(sam.user.email, deps);
  await confirmedUser(alex.user.email, deps);
  const events: StoredJobEvent[] = [
    await intake(sam, { store, clock }),
    await intake(alex, { store, clock }),
    await intake(samLater, { store, clock }),
  ];
  const batch: DynamoDBStreamEvent = { Records: events.map((e, i) => streamRecord(e, i + 1)) };
  return { deps, store, timers, events, batch };
}

/** The total of each metric the invocation added, by name (what `logMetrics` would publish). */
function metricTotals(): Record<string, number> {
  if (!metrics.hasStoredMetrics()) return {};
  const emf = metrics.serializeMetrics() as unknown as Record<string, number | number[]>;
  const names = (emf as unknown as EmfNames)._aws.CloudWatchMetrics.flatMap((m) =>
    m.Metrics.map((d) => d.Name),
  );
  return Object.fromEntries(names.map((name) => [name, [emf[name] ?? []].flat().reduce((a, b) => a + b, 0)]));
}

interface EmfNames {
  readonly _aws: { readonly CloudWatchMetrics: readonly { readonly Metrics: readonly { Name: string }[] }[] };
}

describe('the planner handler', () => {
  it('plans every record of a healthy batch and reports no failures', async () => {
    // Prepare
    const { deps, store, batch } = await setup();

    // Act
    const response = await planner.plan(batch, deps);

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    // Sam: two follow-ups from the submission, cancelled by the interview, which adds a thank-you and a follow-up.
    expect(store.allReminders().filter((r) => r.status === 'pending')).toHaveLength(4);
  });

  it("fails a user's later record after its earlier one failed, while other users go on", async () => {
    // Prepare: the first timer call fails (Sam's submission), as a throttled Scheduler would
    const { deps, store, timers, batch, events } = await setup();
    timers.failNextEnsures(1);

    // Act
    const response = await planner.plan(batch, deps);

    // Assess: the stream retries from Sam's first record, so his interview is replayed after it.
    expect(response.batchItemFailures).toEqual([
      { itemIdentifier: sequenceNumber(1) },
      { itemIdentifier: sequenceNumber(3) },
    ]);
    expect(store.allReminders().some((r) => r.kind === 'thank_you')).toBe(false);
    const alexId = events[1]?.userId;
    expect(store.allReminders().filter((r) => r.userId === alexId)).toHaveLength(2);
  });

  it('reports a record it cannot read as a stored event as failed', async () => {
    // Prepare: an item without the user and event ids of a stored event
    const { deps } = await setup();
    const unreadable = streamRecord({ userId: '', eventId: 'evt-x' }, 9);

    // Act
    const response = await planner.plan({ Records: [unreadable] }, deps);

    // Assess
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: sequenceNumber(9) }]);
  });

  it('marks an event that violates the contract as failed, counts it, and lets the stream move on', async () => {
    // Prepare: Sam's submission was stored under rules that no longer hold
    const { deps, store, batch, events } = await setup();
    const [samFirst, alex, samLater] = events as [StoredJobEvent, StoredJobEvent, StoredJobEvent];
    const poison = streamRecord({ ...samFirst, occurredAt: 'last Tuesday' }, 1);
    const records = [poison, ...batch.Records.slice(1)];

    // Act
    const response = await planner.plan({ Records: records }, deps);

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    expect(store.eventFailure(samFirst.userId, samFirst.eventId)?.reason).toMatch(/occurredAt/);
    expect(metricTotals()).toMatchObject({ PoisonEvents: 1 });
    // Sam's later event and Alex's were planned all the same.
    const sources = new Set(store.allReminders().map((r) => r.sourceEventId));
    expect(sources).toEqual(new Set([alex.eventId, samLater.eventId]));
  });

  it('counts the reminders a planned event created and cancelled', async () => {
    // Prepare
    const { deps, batch } = await setup();

    // Act
    await planner.plan(batch, deps);

    // Assess: 2 + 2 + 2 created; the interview cancelled Sam's two follow-ups.
    expect(metricTotals()).toMatchObject({ RemindersCreated: 6, RemindersCancelled: 2 });
    expect(metricTotals()).not.toHaveProperty('PoisonEvents');
  });

  it('applies a user action in the batch as it applies intake events, in the user’s order', async () => {
    // Prepare: Sam unsubscribes (the links function stored it) right after his events.
    const { deps, store, timers, batch, events } = await setup();
    const samId = events[0]?.userId ?? '';
    const { eventId } = await recordUserAction(
      {
        userId: samId,
        action: { type: 'consent.unsubscribed' },
        actor: { type: 'user', via: 'one-click' },
        idempotencyKey: 'token',
      },
      deps,
    );
    const action = store.timelineEvent(samId, eventId) ?? {};
    const records = [...batch.Records, streamRecord(action, 4)];

    // Act
    const response = await planner.plan({ Records: records }, deps);

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    expect(await store.getProfile(samId)).toMatchObject({ consent: 'unsubscribed' });
    const sams = store.allReminders().filter((r) => r.userId === samId);
    expect(sams.every((r) => r.status === 'cancelled')).toBe(true);
    expect([...timers.timers.values()].every((t) => t.userId !== samId)).toBe(true);
  });
});
