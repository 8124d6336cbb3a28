/**
 * The planner's batch contract: per-user order, cross-user parallelism, and failures reported item by item
 * so the stream retries from the first failed record.
 */
import { marshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import type { StoredJobEvent } from '#events/job-event.ts';
import { fixture, intake } from '../../support/events.ts';
import { FakeTimerService, InMemoryReminderStore, SettableClock } from '../../support/fakes.ts';

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
    POWERTOOLS_LOG_LEVEL: 'SILENT',
    POWERTOOLS_METRICS_DISABLED: 'true',
  });
  planner = await import('../../../functions/planner.ts');
});

function streamRecord(stored: StoredJobEvent, sequence: number): DynamoDBRecord {
  return {
    eventID: String(sequence),
    eventName: 'INSERT',
    eventSource: 'aws:dynamodb',
    dynamodb: {
      SequenceNumber: String(sequence).padStart(21, '0'),
      NewImage: marshall(
        { pk: `USER#${stored.userId}`, sk: `EVENT#${stored.eventId}`, type: 'event', ...stored },
        { removeUndefinedValues: true },
      ) as NonNullable<DynamoDBRecord['dynamodb']>['NewImage'],
    },
  };
}

async function setup() {
  const store = new InMemoryReminderStore();
  const clock = new SettableClock('2026-03-16T09:00:00.000Z');
  const timers = new FakeTimerService();
  const sam = fixture('application.submitted');
  const alex = {
    ...fixture('application.submitted'),
    id: 'alex-1',
    user: { ...sam.user, email: 'alex@example.com' },
  };
  const samLater = { ...fixture('interview.completed'), id: 'sam-2' };
  const events = [
    await intake(sam, { store, clock }),
    await intake(alex, { store, clock }),
    await intake(samLater, { store, clock }),
  ];
  const batch: DynamoDBStreamEvent = { Records: events.map((e, i) => streamRecord(e, i + 1)) };
  return { store, clock, timers, events, batch };
}

describe('the planner handler', () => {
  it('plans every record of a healthy batch and reports no failures', async () => {
    // Prepare
    const { store, clock, timers, batch } = await setup();
    const handler = planner.createRecordHandler({ store, clock, timers });

    // Act
    const results = await Promise.allSettled(batch.Records.map((r) => handler.handle(r)));

    // Assess
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled']);
    // Sam: two follow-ups from the submission, cancelled by the interview, which adds a thank-you and a follow-up.
    expect(store.allReminders().filter((r) => r.status === 'pending')).toHaveLength(4);
  });

  it("fails a user's later record after its earlier one failed, while other users go on", async () => {
    // Prepare: the first timer call fails (Sam's submission)
    const { store, clock, timers, batch, events } = await setup();
    timers.failNextEnsures(1);
    const handler = planner.createRecordHandler({ store, clock, timers });

    // Act
    const results = await Promise.allSettled(batch.Records.map((r) => handler.handle(r)));

    // Assess
    expect(results.map((r) => r.status)).toEqual(['rejected', 'fulfilled', 'rejected']);
    const skipped = results[2];
    expect(skipped?.status === 'rejected' && (skipped.reason as Error).name).toBe('SkippedAfterFailureError');
    // Sam's interview was not applied ahead of the submission it follows: no thank-you exists yet.
    expect(store.allReminders().some((r) => r.kind === 'thank_you')).toBe(false);
    const alexId = events[1]?.userId;
    expect(store.allReminders().filter((r) => r.userId === alexId)).toHaveLength(2);
  });

  it('answers the stream with the sequence numbers of the failed records', async () => {
    // Prepare: a record that is not a stored event at all
    const { batch } = await setup();
    const poison: DynamoDBRecord = {
      ...batch.Records[0],
      dynamodb: { SequenceNumber: '9'.padStart(21, '0'), NewImage: { pk: { S: 'USER#x' } } },
    };

    // Act
    const response = await planner.plan({ Records: [poison] });

    // Assess
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: '9'.padStart(21, '0') }]);
  });
});
