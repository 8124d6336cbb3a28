/**
 * The `ReminderStore` contract (`shared/ports.ts`), run against both implementations: the in-memory fake the
 * unit tests rely on, and the DynamoDB adapter on DynamoDB Local. Every test goes through the port only (but
 * for `failureOf`, which reads what no port method returns yet), so a test that passes for one and fails for
 * the other means the fake no longer tells the truth about the adapter.
 */
import { randomUUID } from 'node:crypto';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, QueryCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { JobEventInput, StoredJobEvent } from '#events/job-event.ts';
import type { StoredUserAction } from '#events/user-action.ts';
import { DynamoDbReminderStore } from '#shared/adapters/dynamodb-store.ts';
import { contentHash, digestIdFor, reminderIdFor, scheduleNameFor, userIdFor } from '#shared/domain/ids.ts';
import type { Digest, EventFailure, NewReminder, Reminder, UserProfile } from '#shared/domain/model.ts';
import { decide } from '#shared/domain/policy.ts';
import { historyExpiry } from '#shared/domain/retention.ts';
import { ConcurrencyError } from '#shared/errors.ts';
import type { PlanWrite, ReminderStore } from '#shared/ports.ts';
import { ensureTable } from '../../infra/local/dynamodb-local.ts';
import { type EventOf, fixture } from '../support/events.ts';
import { InMemoryReminderStore, type ScannedItem } from '../support/fakes.ts';
import { useDynamoDbLocal } from './support/dynamodb-local.ts';

const local = useDynamoDbLocal('store-contract');
let client: DynamoDBClient;
let documentClient: DynamoDBDocumentClient;

beforeAll(() => {
  client = local().client;
  // Marshalled as in production (`shared/adapters/aws-clients.ts`).
  documentClient = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
});

/**
 * A store that has nothing in it, and a way to see what `markEventFailed` recorded: no port method reads it
 * back (the admin view will), so each implementation is inspected as that view will read it.
 */
interface Subject {
  readonly store: ReminderStore;
  failureOf(userId: string, eventId: string): Promise<EventFailure | undefined>;
  /** A table scan: every item that mentions the user id anywhere, by sort key, with its TTL. */
  scan(userId: string): Promise<ScannedItem[]>;
}

const sortedBySk = (items: readonly ScannedItem[]): ScannedItem[] =>
  [...items].sort((a, b) => (a.sk < b.sk ? -1 : a.sk > b.sk ? 1 : 0));

/** Each implementation by name, with a factory for an empty subject. */
const implementations: [name: string, create: () => Promise<Subject>][] = [
  [
    'InMemoryReminderStore',
    async () => {
      const store = new InMemoryReminderStore();
      return {
        store,
        failureOf: async (userId, eventId) => store.eventFailure(userId, eventId),
        scan: async (userId) => sortedBySk(store.itemsOf(userId)),
      };
    },
  ],
  [
    'DynamoDbReminderStore on DynamoDB Local',
    async () => {
      // A table per test: listAllPendingDue and listStuckDigests read across all users.
      const table = `store-contract-${randomUUID()}`;
      await ensureTable(client, table);
      return {
        store: new DynamoDbReminderStore(documentClient, table),
        failureOf: async (userId, eventId) => {
          const { Item: item } = await documentClient.send(
            new GetCommand({ TableName: table, Key: { pk: `USER#${userId}`, sk: `EVENT#${eventId}` } }),
          );
          return item?.status === 'failed'
            ? { failedAt: String(item.failedAt), reason: String(item.failureReason) }
            : undefined;
        },
        scan: async (userId) => {
          const items: Record<string, unknown>[] = [];
          let startKey: Record<string, unknown> | undefined;
          do {
            const page = await documentClient.send(
              new ScanCommand({ TableName: table, ExclusiveStartKey: startKey, ConsistentRead: true }),
            );
            items.push(...(page.Items ?? []));
            startKey = page.LastEvaluatedKey;
          } while (startKey);
          return sortedBySk(
            items
              .filter((item) => JSON.stringify(item).includes(userId))
              .map((item) => ({
                sk: String(item.sk),
                ...(item.expiresAt === undefined ? {} : { expiresAt: Number(item.expiresAt) }),
              })),
          );
        },
      };
    },
  ],
];

// ---- timeline -------------------------------------------------------------------------------------------

// The application.submitted fixture happens on Tuesday 2026-03-10 at 15:00 Berlin; the policy puts its two
// follow-ups on the 09:00 Berlin slots one and two weeks later.
const RECEIVED_AT = '2026-03-10T14:00:05.000Z';
const PLANNED_AT = '2026-03-10T14:00:06.000Z';
const LATER = '2026-03-19T15:00:05.000Z';
const FAR_FUTURE = new Date('2027-01-01T00:00:00.000Z');
const FAR_FUTURE_ISO = FAR_FUTURE.toISOString();
/** A TTL, epoch seconds: 2026-04-10T00:00:00Z. */
const EXPIRES_AT = Date.UTC(2026, 3, 10) / 1000;

/** 2026-03-<day> at <hour>:<minute> UTC, as the store keeps instants. */
const at = (day: number, hour = 8, minute = 0): string =>
  new Date(Date.UTC(2026, 2, day, hour, minute)).toISOString();

// ---- builders -------------------------------------------------------------------------------------------

interface User {
  readonly email: string;
  readonly userId: string;
}

/** A user nobody else writes to. */
function newUser(): User {
  const email = `user-${randomUUID()}@example.com`;
  return { email, userId: userIdFor(email) };
}

function submitted(user: User, id = 'evt-acme-backend-submitted'): EventOf<'application.submitted'> {
  const input = fixture('application.submitted');
  input.id = id;
  input.user = { ...input.user, email: user.email };
  return input;
}

function interviewed(user: User, id = 'evt-acme-backend-interview'): JobEventInput {
  const input = fixture('interview.completed');
  input.id = id;
  input.user = { ...input.user, email: user.email };
  return input;
}

/** The event as intake stores it (see `recordEvent`): the fixtures carry both `id` and `occurredAt`. */
function storedEvent(input: JobEventInput, receivedAt = RECEIVED_AT): StoredJobEvent {
  if (input.id === undefined || input.occurredAt === undefined) {
    throw new Error('storedEvent: the input needs an id and an occurredAt');
  }
  return {
    eventId: input.id,
    userId: userIdFor(input.user.email),
    receivedAt,
    occurredAt: new Date(input.occurredAt).toISOString(),
    contentHash: contentHash(input),
    event: input,
  };
}

function profileOf(event: StoredJobEvent): UserProfile {
  return {
    userId: event.userId,
    email: event.event.user.email,
    timezone: 'Europe/Berlin',
    createdAt: PLANNED_AT,
    updatedAt: PLANNED_AT,
  };
}

/** A follow-up due at `dueAt`, with ids derived as the policy derives them. */
function reminderDue(userId: string, sourceEventId: string, dueAt: string, sequence: number): NewReminder {
  const reminderId = reminderIdFor(userId, sourceEventId, 'follow_up', sequence);
  return {
    reminderId,
    userId,
    kind: 'follow_up',
    sequence,
    dueAt,
    application: { ref: 'acme-backend', company: 'Acme Corp' },
    sourceEventId,
    scheduleName: scheduleNameFor(reminderId),
    createdAt: PLANNED_AT,
  };
}

function digestOf(
  userId: string,
  reminders: readonly NewReminder[],
  claimedAt: string,
  attempt?: number,
): Digest {
  const reminderIds = reminders.map((r) => r.reminderId);
  const digestId = digestIdFor(reminderIds, claimedAt, attempt);
  return { digestId, userId, reminderIds, status: 'sending', claimedAt };
}

/** A user action as the links function stores it (see `events/user-action.ts`). */
function storedAction(user: User, eventId = 'act-confirm', receivedAt = RECEIVED_AT): StoredUserAction {
  return {
    eventId,
    userId: user.userId,
    receivedAt,
    occurredAt: receivedAt,
    action: { type: 'reminder.snoozed', reminderId: 'r_1', days: 7 },
    actor: { type: 'user', via: 'link' },
  };
}

/** A plan of the policy: for an intake event, with the profile it upserts. */
type PolicyPlan = PlanWrite & { readonly event: StoredJobEvent; readonly profile: UserProfile };

const asPending = (r: NewReminder): Reminder => ({ ...r, status: 'pending' });
const sortedIds = (rs: readonly { readonly reminderId: string }[]): string[] =>
  rs.map((r) => r.reminderId).sort();

// ---- the contract ---------------------------------------------------------------------------------------

describe.each(implementations)('ReminderStore contract: %s', (_name, create) => {
  let store: ReminderStore;
  let failureOf: Subject['failureOf'];
  let scan: Subject['scan'];

  beforeEach(async () => {
    ({ store, failureOf, scan } = await create());
  });

  /** The reminder as the store now holds it, read through the port: the event that created it touched it. */
  async function current(reminder: NewReminder): Promise<Reminder | undefined> {
    const touched = await store.remindersTouchedBy(reminder.userId, reminder.sourceEventId);
    return touched.find((r) => r.reminderId === reminder.reminderId);
  }

  /** What the planner writes for `event`: the real policy applied to the state the store reports. */
  async function planFor(event: StoredJobEvent, now: string): Promise<PolicyPlan> {
    const state = await store.loadPlanningState(
      event.userId,
      event.eventId,
      event.event.application?.ref,
      'consistent',
    );
    const decision = decide({
      event,
      profile: state.profile,
      application: state.application,
      pending: state.pending,
      now: new Date(now),
    });
    return { event, ...decision, plannedAt: now };
  }

  /** Store the event and apply the policy's plan for it, as intake and the planner do. */
  async function intakeAndPlan(input: JobEventInput, now: string): Promise<PolicyPlan> {
    const event = storedEvent(input);
    await store.putEvent(event);
    const plan = await planFor(event, now);
    await store.applyPlan(plan);
    return plan;
  }

  /** A fresh user with one pending reminder per entry of `dues`, written by one planned event. */
  async function userWithReminders<K extends string>(
    dues: Record<K, string>,
  ): Promise<User & { readonly reminders: Record<K, NewReminder> }> {
    const user = newUser();
    const event = storedEvent(submitted(user));
    const entries = (Object.entries(dues) as [K, string][]).map(
      ([name, dueAt], i) => [name, reminderDue(user.userId, event.eventId, dueAt, i + 1)] as const,
    );
    await store.putEvent(event);
    await store.applyPlan({
      event,
      profile: profileOf(event),
      create: entries.map(([, r]) => r),
      cancel: [],
      plannedAt: PLANNED_AT,
    });
    return { ...user, reminders: Object.fromEntries(entries) as Record<K, NewReminder> };
  }

  /**
   * A fresh unconfirmed user whose one planned event created `dues` reminders, held (waiting for consent)
   * when `held`, every item carrying `expiresAt`.
   */
  async function unconfirmedWith<K extends string>(
    dues: Record<K, string>,
    options: { readonly held?: boolean; readonly expiresAt?: number } = {},
  ): Promise<User & { readonly event: StoredJobEvent; readonly reminders: Record<K, NewReminder> }> {
    const user = newUser();
    const event = storedEvent(submitted(user));
    const held = options.held ?? true;
    const entries = (Object.entries(dues) as [K, string][]).map(([name, dueAt], i) => {
      const r = reminderDue(user.userId, event.eventId, dueAt, i + 1);
      return [name, held ? { ...r, held: true as const } : r] as const;
    });
    await store.putEvent(event);
    const plan = await planFor(event, PLANNED_AT);
    await store.applyPlan({
      ...plan,
      profile: { ...plan.profile, expiresAt: options.expiresAt },
      create: entries.map(([, r]) => r),
      expiresAt: options.expiresAt,
    });
    return { ...user, event, reminders: Object.fromEntries(entries) as Record<K, NewReminder> };
  }

  /** Cancel `reminders` by planning a new event of their user; returns that event. */
  async function cancelled(user: User, reminders: readonly NewReminder[]): Promise<StoredJobEvent> {
    const event = storedEvent(interviewed(user, `evt-cancel-${randomUUID()}`));
    await store.putEvent(event);
    await store.applyPlan({
      event,
      profile: profileOf(event),
      create: [],
      cancel: reminders.map((r) => ({
        reminderId: r.reminderId,
        scheduleName: r.scheduleName,
        reason: 'test',
      })),
      plannedAt: LATER,
    });
    return event;
  }

  async function claimed(user: User, reminders: readonly NewReminder[], claimedAt: string): Promise<Digest> {
    const digest = digestOf(user.userId, reminders, claimedAt);
    const result = await store.claimDigest(digest, FAR_FUTURE_ISO);
    if (result.outcome !== 'claimed') throw new Error(`Prepare: the claim of ${digest.digestId} was lost`);
    return digest;
  }

  describe('putEvent', () => {
    it('stores a new event and answers created', async () => {
      // Prepare
      const event = storedEvent(submitted(newUser()));

      // Act
      const result = await store.putEvent(event);

      // Assess
      expect(result).toEqual({ outcome: 'created' });
    });

    it('answers duplicate with the stored copy when the same key is put again', async () => {
      // Prepare
      const user = newUser();
      const original = storedEvent(submitted(user));
      await store.putEvent(original);
      const retry = storedEvent(submitted(user), LATER);

      // Act
      const result = await store.putEvent(retry);

      // Assess
      expect(result).toEqual({ outcome: 'duplicate', existing: original });
      expect(
        result.outcome === 'duplicate' && 'event' in result.existing && result.existing.contentHash,
      ).toBe(retry.contentHash);
    });

    it('keeps the first copy when different content arrives under the same key', async () => {
      // Prepare
      const user = newUser();
      const original = storedEvent(submitted(user));
      await store.putEvent(original);
      const other = submitted(user);
      other.application = { ...other.application, company: 'Globex' };
      const conflicting = storedEvent(other, LATER);

      // Act
      const result = await store.putEvent(conflicting);

      // Assess
      expect(result).toEqual({ outcome: 'duplicate', existing: original });
      expect(conflicting.contentHash).not.toBe(original.contentHash);
    });
  });

  describe('putEvent of a user action', () => {
    it('stores a user action beside intake events and answers created', async () => {
      // Prepare
      const user = newUser();
      await store.putEvent(storedEvent(submitted(user)));
      const action = storedAction(user);

      // Act
      const result = await store.putEvent(action);

      // Assess
      expect(result).toEqual({ outcome: 'created' });
    });

    it('answers duplicate with the stored action when the same action is put again', async () => {
      // Prepare
      const user = newUser();
      const original = storedAction(user);
      await store.putEvent(original);

      // Act
      const result = await store.putEvent(storedAction(user, original.eventId, LATER));

      // Assess
      expect(result).toEqual({ outcome: 'duplicate', existing: original });
    });

    it('answers duplicate with the stored intake event when an action reuses its key', async () => {
      // Prepare
      const user = newUser();
      const intake = storedEvent(submitted(user));
      await store.putEvent(intake);

      // Act
      const result = await store.putEvent(storedAction(user, intake.eventId));

      // Assess
      expect(result).toEqual({ outcome: 'duplicate', existing: intake });
    });
  });

  describe('getReminder', () => {
    it('returns a reminder whatever its status, and nothing for an unknown id or another user', async () => {
      // Prepare
      const user = await userWithReminders({ waiting: at(17), sent: at(18) });
      const { waiting, sent } = user.reminders;
      const digest = await claimed(user, [sent], at(18));
      await store.completeDigest(digest, 'msg-1', at(18, 8, 1));
      const stranger = newUser();

      // Act
      const [pending, done, unknown, elsewhere] = await Promise.all([
        store.getReminder(user.userId, waiting.reminderId),
        store.getReminder(user.userId, sent.reminderId),
        store.getReminder(user.userId, 'r_unknown'),
        store.getReminder(stranger.userId, waiting.reminderId),
      ]);

      // Assess
      expect(pending).toEqual(asPending(waiting));
      expect(done).toMatchObject({ reminderId: sent.reminderId, status: 'sent', digestId: digest.digestId });
      expect(unknown).toBeUndefined();
      expect(elsewhere).toBeUndefined();
    });
  });

  describe('getApplication', () => {
    it('returns the application the last plan wrote, and nothing for an unknown ref', async () => {
      // Prepare
      const user = newUser();
      const plan = await intakeAndPlan(submitted(user), PLANNED_AT);

      // Act
      const known = await store.getApplication(user.userId, 'acme-backend');
      const unknown = await store.getApplication(user.userId, 'globex-platform');

      // Assess
      expect(plan.application).toBeDefined();
      expect(known).toEqual(plan.application);
      expect(unknown).toBeUndefined();
    });
  });

  describe('held reminders (waiting for consent)', () => {
    it('are pending for the planner but due for nobody: not listed for the sender nor on the pending index', async () => {
      // Prepare
      const user = await unconfirmedWith({ a: at(17), b: at(18) });

      // Act
      const state = await store.loadPlanningState(user.userId, 'evt-next', 'acme-backend', 'consistent');
      const { due } = await store.loadDue(user.userId, FAR_FUTURE);
      const all = await store.listAllPendingDue(FAR_FUTURE, 10);

      // Assess
      expect(sortedIds(state.pending)).toEqual(sortedIds(Object.values(user.reminders)));
      expect(state.pending.every((r) => r.held === true && r.status === 'pending')).toBe(true);
      expect(due).toEqual([]);
      expect(all).toEqual([]);
    });

    it('cannot be claimed by a sender', async () => {
      // Prepare
      const user = await unconfirmedWith({ a: at(17) });

      // Act
      const result = await store.claimDigest(
        digestOf(user.userId, [user.reminders.a], at(17)),
        FAR_FUTURE_ISO,
      );

      // Assess
      expect(result).toEqual({ outcome: 'lost' });
      expect(await store.getReminder(user.userId, user.reminders.a.reminderId)).toEqual(
        asPending(user.reminders.a),
      );
    });
  });

  describe('moveReminders', () => {
    const stamp = { by: 'act-confirm', at: LATER };

    it('releases a held reminder onto the pending index at its new time, without its expiry', async () => {
      // Prepare
      const user = await unconfirmedWith({ a: at(17), b: at(25) }, { expiresAt: EXPIRES_AT });
      const { a, b } = user.reminders;

      // Act
      await store.moveReminders(
        user.userId,
        [{ reminderId: a.reminderId, scheduleName: a.scheduleName, dueAt: at(20) }],
        stamp,
      );

      // Assess
      const { held: _held, ...released } = a;
      const moved = { ...asPending(released), dueAt: at(20), movedBy: stamp.by, movedAt: stamp.at };
      expect(await store.getReminder(user.userId, a.reminderId)).toEqual(moved);
      expect(await store.listAllPendingDue(FAR_FUTURE, 10)).toEqual([moved]);
      expect((await store.loadDue(user.userId, FAR_FUTURE)).due).toEqual([moved]);
      expect((await scan(user.userId)).find((i) => i.sk === `REMINDER#${a.reminderId}`)).toEqual({
        sk: `REMINDER#${a.reminderId}`,
      });
      expect(await store.getReminder(user.userId, b.reminderId)).toEqual(asPending(b));
      expect(sortedIds(await store.remindersTouchedBy(user.userId, stamp.by))).toEqual([a.reminderId]);
    });

    it('keeps a reminder held when the move says so', async () => {
      // Prepare
      const user = await unconfirmedWith({ a: at(17) });
      const { a } = user.reminders;

      // Act
      await store.moveReminders(user.userId, [{ ...a, dueAt: at(24), held: true }], stamp);

      // Assess
      expect(await store.getReminder(user.userId, a.reminderId)).toMatchObject({ held: true, dueAt: at(24) });
      expect(await store.listAllPendingDue(FAR_FUTURE, 10)).toEqual([]);
    });

    it('moves a pending reminder along the pending index, and leaves one that is no longer pending', async () => {
      // Prepare
      const user = await userWithReminders({ a: at(17), b: at(18) });
      const { a, b } = user.reminders;
      await cancelled(user, [b]);
      const bBefore = await store.getReminder(user.userId, b.reminderId);

      // Act
      await store.moveReminders(
        user.userId,
        [
          { reminderId: a.reminderId, scheduleName: a.scheduleName, dueAt: at(24) },
          { reminderId: b.reminderId, scheduleName: b.scheduleName, dueAt: at(24) },
        ],
        stamp,
      );

      // Assess
      expect(await store.listAllPendingDue(new Date(at(23)), 10)).toEqual([]);
      expect(await store.listAllPendingDue(new Date(at(24)), 10)).toEqual([
        { ...asPending(a), dueAt: at(24), movedBy: stamp.by, movedAt: stamp.at },
      ]);
      expect(await store.getReminder(user.userId, b.reminderId)).toEqual(bBefore);
    });
  });

  describe('cancelReminders', () => {
    it('cancels pending reminders, held or not, with who and why, and leaves the rest', async () => {
      // Prepare
      const held = await unconfirmedWith({ a: at(17) });
      const user = await userWithReminders({ b: at(18), sent: at(19) });
      const digest = await claimed(user, [user.reminders.sent], at(19));
      await store.completeDigest(digest, 'msg-1', at(19));
      const stamp = { by: 'send-time-check', at: LATER };
      const cancel = (r: NewReminder) => ({
        reminderId: r.reminderId,
        scheduleName: r.scheduleName,
        reason: 'opted_out',
      });

      // Act
      await store.cancelReminders(held.userId, [cancel(held.reminders.a)], stamp);
      await store.cancelReminders(
        user.userId,
        [cancel(user.reminders.b), cancel(user.reminders.sent)],
        stamp,
      );

      // Assess
      const expected = {
        status: 'cancelled',
        cancelledBy: stamp.by,
        cancelledAt: stamp.at,
        cancelReason: 'opted_out',
      };
      expect(await store.getReminder(held.userId, held.reminders.a.reminderId)).toMatchObject(expected);
      expect(await store.getReminder(user.userId, user.reminders.b.reminderId)).toMatchObject(expected);
      expect(await store.getReminder(user.userId, user.reminders.sent.reminderId)).toMatchObject({
        status: 'sent',
      });
      expect(await store.listAllPendingDue(FAR_FUTURE, 10)).toEqual([]);
    });
  });

  describe('applyPlan of a user action', () => {
    it('records done on a reminder once, whatever its status, and marks the action planned', async () => {
      // Prepare
      const user = await userWithReminders({ sent: at(17) });
      const digest = await claimed(user, [user.reminders.sent], at(17));
      await store.completeDigest(digest, 'msg-1', at(17));
      const first = storedAction(user, 'act-done-1');
      const second = storedAction(user, 'act-done-2', LATER);
      await store.putEvent(first);
      await store.putEvent(second);

      // Act
      await store.applyPlan({
        event: first,
        create: [],
        cancel: [],
        done: [user.reminders.sent.reminderId],
        plannedAt: PLANNED_AT,
      });
      await store.applyPlan({
        event: second,
        create: [],
        cancel: [],
        done: [user.reminders.sent.reminderId],
        plannedAt: LATER,
      });

      // Assess
      expect(await store.getReminder(user.userId, user.reminders.sent.reminderId)).toMatchObject({
        status: 'sent',
        doneAt: PLANNED_AT,
      });
      expect(
        (await store.loadPlanningState(user.userId, first.eventId, undefined, 'consistent')).alreadyPlanned,
      ).toBe(true);
    });

    it('leaves the profile as it is when the plan has none', async () => {
      // Prepare
      const user = await userWithReminders({ a: at(17) });
      const before = await store.getProfile(user.userId);
      const action = storedAction(user);
      await store.putEvent(action);

      // Act
      await store.applyPlan({ event: action, create: [], cancel: [], plannedAt: LATER });

      // Assess
      expect(await store.getProfile(user.userId)).toEqual(before);
    });
  });

  describe('retention of a confirmed user’s history (TTL)', () => {
    const ttlOf = async (user: User, sk: string) =>
      (await scan(user.userId)).find((i) => i.sk === sk)?.expiresAt;

    it('gives what becomes history the retention from then, and live items none', async () => {
      // Prepare
      const user = await userWithReminders({ waiting: at(17), gone: at(18), claimedOne: at(19) });
      const { waiting, gone, claimedOne } = user.reminders;

      // Act
      const canceller = await cancelled(user, [gone]);
      const digest = await claimed(user, [claimedOne], at(19));
      await store.completeDigest(digest, 'msg-1', at(19, 8, 1));

      // Assess
      expect(await ttlOf(user, 'PROFILE')).toBeUndefined();
      expect(await ttlOf(user, `REMINDER#${waiting.reminderId}`)).toBeUndefined();
      expect(await ttlOf(user, `REMINDER#${gone.reminderId}`)).toBe(historyExpiry(LATER));
      expect(await ttlOf(user, `EVENT#${canceller.eventId}`)).toBe(historyExpiry(LATER));
      expect(await ttlOf(user, `REMINDER#${claimedOne.reminderId}`)).toBe(historyExpiry(at(19)));
      expect(await ttlOf(user, `DIGEST#${digest.digestId}`)).toBe(historyExpiry(at(19)));
    });

    it('keeps an application the retention after its last write', async () => {
      // Prepare / Act
      const user = newUser();
      const plan = await intakeAndPlan(submitted(user), PLANNED_AT);

      // Assess
      expect(plan.application?.updatedAt).toBeDefined();
      expect(await ttlOf(user, 'APP#acme-backend')).toBe(historyExpiry(plan.application?.updatedAt ?? ''));
    });

    it('takes it off reminders released after a refused send, which are pending again', async () => {
      // Prepare
      const user = await userWithReminders({ a: at(17) });
      const digest = await claimed(user, [user.reminders.a], at(17));

      // Act
      await store.releaseDigest(digest, 'refused');

      // Assess
      expect(await ttlOf(user, `REMINDER#${user.reminders.a.reminderId}`)).toBeUndefined();
      expect(await ttlOf(user, `DIGEST#${digest.digestId}`)).toBe(historyExpiry(at(17)));
    });

    it('keeps the sooner expiry of an unconfirmed user’s held reminder when it is cancelled', async () => {
      // Prepare
      const user = await unconfirmedWith({ a: at(17) }, { expiresAt: EXPIRES_AT });

      // Act
      await store.cancelReminders(user.userId, [{ ...user.reminders.a, reason: 'suppressed', held: true }], {
        by: 'act-suppress',
        at: LATER,
      });

      // Assess
      expect(await ttlOf(user, `REMINDER#${user.reminders.a.reminderId}`)).toBe(EXPIRES_AT);
    });

    it('marks an event failed for good as history', async () => {
      // Prepare
      const event = storedEvent(submitted(newUser()));
      await store.putEvent(event);

      // Act
      await store.markEventFailed(event.userId, event.eventId, { failedAt: LATER, reason: 'poison' });

      // Assess
      expect(await ttlOf({ email: '', userId: event.userId }, `EVENT#${event.eventId}`)).toBe(
        historyExpiry(LATER),
      );
    });

    it('on confirmation (setExpiry undefined), leaves live items without and gives history the one given', async () => {
      // Prepare: an unconfirmed user with a planned event, an application, a held reminder, a cancelled one
      const user = await unconfirmedWith({ a: at(17), b: at(18) }, { expiresAt: EXPIRES_AT });
      await store.cancelReminders(user.userId, [{ ...user.reminders.b, reason: 'test', held: true }], {
        by: 'act-x',
        at: LATER,
      });
      const unplanned = storedAction(user, 'act-confirm');
      await store.putEvent(unplanned);
      const retention = historyExpiry(LATER);

      // Act
      await store.setExpiry(user.userId, undefined, retention);

      // Assess
      expect(await ttlOf(user, 'PROFILE')).toBeUndefined();
      expect(await ttlOf(user, `REMINDER#${user.reminders.a.reminderId}`)).toBeUndefined();
      expect(await ttlOf(user, `EVENT#${unplanned.eventId}`)).toBeUndefined();
      expect(await ttlOf(user, `REMINDER#${user.reminders.b.reminderId}`)).toBe(retention);
      expect(await ttlOf(user, `EVENT#${user.event.eventId}`)).toBe(retention);
      expect(await ttlOf(user, 'APP#acme-backend')).toBe(retention);
    });
  });

  describe('expiry (TTL)', () => {
    it('is stamped by a plan on the event, the application and the reminders it writes; the profile keeps its own', async () => {
      // Act
      const user = await unconfirmedWith({ a: at(17) }, { expiresAt: EXPIRES_AT });

      // Assess
      const items = await scan(user.userId);
      expect(items.map((i) => i.sk.split('#')[0])).toEqual(['APP', 'EVENT', 'PROFILE', 'REMINDER']);
      expect(items.every((i) => i.expiresAt === EXPIRES_AT)).toBe(true);
      expect(await store.getProfile(user.userId)).toMatchObject({ expiresAt: EXPIRES_AT });
      expect(await store.getReminder(user.userId, user.reminders.a.reminderId)).not.toHaveProperty(
        'expiresAt',
      );
      expect(await store.getApplication(user.userId, 'acme-backend')).not.toHaveProperty('expiresAt');
    });

    it('is set on every item of the user by setExpiry, and removed from every one with undefined', async () => {
      // Prepare
      const user = await unconfirmedWith({ a: at(17), b: at(18) }, { expiresAt: EXPIRES_AT });
      const unstamped = storedAction(user, 'act-bounce');
      await store.putEvent(unstamped);

      // Act
      await store.setExpiry(user.userId, EXPIRES_AT + 86_400);
      const later = await scan(user.userId);
      await store.setExpiry(user.userId, undefined);
      const none = await scan(user.userId);

      // Assess
      expect(later).toHaveLength(6);
      expect(later.every((i) => i.expiresAt === EXPIRES_AT + 86_400)).toBe(true);
      expect(none.map((i) => i.sk)).toEqual(later.map((i) => i.sk));
      expect(none.every((i) => i.expiresAt === undefined)).toBe(true);
      expect(await store.getProfile(user.userId)).not.toHaveProperty('expiresAt');
    });

    it('changes nothing but the expiry: held reminders, planned events and the live index stay as they were', async () => {
      // Prepare
      const user = await unconfirmedWith({ a: at(17), b: at(18) }, { expiresAt: EXPIRES_AT });
      const before = await store.loadPlanningState(user.userId, user.event.eventId, 'acme-backend', 'index');
      const reminderBefore = await store.getReminder(user.userId, user.reminders.a.reminderId);

      // Act
      await store.setExpiry(user.userId, EXPIRES_AT + 7 * 86_400);

      // Assess
      const after = await store.loadPlanningState(user.userId, user.event.eventId, 'acme-backend', 'index');
      expect(after.alreadyPlanned).toBe(true);
      expect(after.application).toEqual(before.application);
      expect(sortedIds(after.pending)).toEqual(sortedIds(before.pending));
      expect(after.profile).toEqual({ ...before.profile, expiresAt: EXPIRES_AT + 7 * 86_400 });
      expect(await store.getReminder(user.userId, user.reminders.a.reminderId)).toEqual(reminderBefore);
    });
  });

  describe('claimConfirmation', () => {
    it('lets exactly one of two deliveries claim the same confirmation', async () => {
      // Prepare
      const user = await unconfirmedWith({});
      const claim = { previousCount: 0, at: LATER };

      // Act
      const first = await store.claimConfirmation(user.userId, claim);
      const second = await store.claimConfirmation(user.userId, claim);

      // Assess
      expect([first, second]).toEqual([true, false]);
      expect(await store.getProfile(user.userId)).toMatchObject({
        confirmationsSent: 1,
        lastConfirmationAt: LATER,
      });
    });

    it('claims the next one only from the counters as they are now', async () => {
      // Prepare
      const user = await unconfirmedWith({});
      await store.claimConfirmation(user.userId, { previousCount: 0, at: PLANNED_AT });

      // Act
      const stale = await store.claimConfirmation(user.userId, { previousCount: 0, at: LATER });
      const fresh = await store.claimConfirmation(user.userId, {
        previousCount: 1,
        previousAt: PLANNED_AT,
        at: LATER,
      });

      // Assess
      expect([stale, fresh]).toEqual([false, true]);
      expect(await store.getProfile(user.userId)).toMatchObject({
        confirmationsSent: 2,
        lastConfirmationAt: LATER,
      });
    });

    it('claims nothing for a user who is not unconfirmed, or who has no profile', async () => {
      // Prepare
      const user = await userWithReminders({});
      const event = storedAction(user, 'act-confirm');
      await store.putEvent(event);
      const profile = await store.getProfile(user.userId);
      await store.applyPlan({
        event,
        profile: { ...(profile as UserProfile), consent: 'confirmed' },
        create: [],
        cancel: [],
        plannedAt: LATER,
      });

      // Act
      const confirmedClaim = await store.claimConfirmation(user.userId, { previousCount: 0, at: LATER });
      const nobody = await store.claimConfirmation(newUser().userId, { previousCount: 0, at: LATER });

      // Assess
      expect([confirmedClaim, nobody]).toEqual([false, false]);
    });

    it('is undone by releaseConfirmation while it is the latest', async () => {
      // Prepare
      const user = await unconfirmedWith({});
      const before = await store.getProfile(user.userId);
      await store.claimConfirmation(user.userId, { previousCount: 0, at: PLANNED_AT });
      const second = { previousCount: 1, previousAt: PLANNED_AT, at: LATER };
      await store.claimConfirmation(user.userId, second);

      // Act
      await store.releaseConfirmation(user.userId, second);
      const afterSecond = await store.getProfile(user.userId);
      await store.releaseConfirmation(user.userId, second);
      await store.releaseConfirmation(user.userId, { previousCount: 0, at: PLANNED_AT });

      // Assess
      expect(afterSecond).toMatchObject({ confirmationsSent: 1, lastConfirmationAt: PLANNED_AT });
      expect(await store.getProfile(user.userId)).toEqual(before);
    });
  });

  describe('eraseUser', () => {
    it('leaves nothing of the user but the marker: no event, profile, application, reminder or digest', async () => {
      // Prepare
      const user = await userWithReminders({ a: at(17), sent: at(18) });
      const digest = await claimed(user, [user.reminders.sent], at(18));
      await store.completeDigest(digest, 'msg-1', at(18));
      const request = storedAction(user, 'act-erase');
      await store.putEvent(request);
      const marker = {
        userId: user.userId,
        erasedAt: LATER,
        confirmationsSent: 1,
        lastConfirmationAt: PLANNED_AT,
        expiresAt: EXPIRES_AT,
      };
      const neighbour = await userWithReminders({ b: at(17) });

      // Act
      await store.eraseUser(user.userId, marker, request.eventId);

      // Assess
      expect(await scan(user.userId)).toEqual([{ sk: 'ERASED', expiresAt: EXPIRES_AT }]);
      const state = await store.loadPlanningState(user.userId, request.eventId, 'acme-backend', 'consistent');
      expect(state).toEqual({
        profile: undefined,
        application: undefined,
        pending: [],
        alreadyPlanned: false,
        eventStored: false,
        erasure: marker,
      });
      expect(await store.listAllPendingDue(FAR_FUTURE, 10)).toEqual([asPending(neighbour.reminders.b)]);
    });

    it('leaves nothing at all without a marker', async () => {
      // Prepare
      const user = await userWithReminders({ a: at(17) });
      const request = storedAction(user, 'act-erase');
      await store.putEvent(request);

      // Act
      await store.eraseUser(user.userId, undefined, request.eventId);

      // Assess
      expect(await scan(user.userId)).toEqual([]);
    });
  });

  describe('markEventFailed', () => {
    it('records when and why the event failed, and keeps its stored copy as it was', async () => {
      // Prepare
      const event = storedEvent(submitted(newUser()));
      await store.putEvent(event);
      const failure = { failedAt: LATER, reason: 'CreateSchedule rebound-r-1 was refused: out of range' };

      // Act
      await store.markEventFailed(event.userId, event.eventId, failure);

      // Assess
      expect(await failureOf(event.userId, event.eventId)).toEqual(failure);
      expect(await store.putEvent(event)).toEqual({ outcome: 'duplicate', existing: event });
    });

    it('keeps at most 500 characters of the reason', async () => {
      // Prepare
      const event = storedEvent(submitted(newUser()));
      await store.putEvent(event);

      // Act
      await store.markEventFailed(event.userId, event.eventId, { failedAt: LATER, reason: 'x'.repeat(600) });

      // Assess
      expect((await failureOf(event.userId, event.eventId))?.reason).toBe('x'.repeat(500));
    });

    it('creates nothing for an event that is not stored', async () => {
      // Prepare
      const event = storedEvent(submitted(newUser()));

      // Act
      await store.markEventFailed(event.userId, event.eventId, { failedAt: LATER, reason: 'gone' });

      // Assess
      expect(await failureOf(event.userId, event.eventId)).toBeUndefined();
      expect(await store.putEvent(event)).toEqual({ outcome: 'created' });
    });
  });

  describe('loadPlanningState', () => {
    it('knows nothing about a user it has never seen', async () => {
      // Prepare
      const user = newUser();

      // Act
      const state = await store.loadPlanningState(user.userId, 'evt-unknown', 'acme-backend', 'consistent');

      // Assess
      expect(state).toEqual({
        profile: undefined,
        application: undefined,
        pending: [],
        alreadyPlanned: false,
        eventStored: false,
      });
    });

    it('reports an event as not planned before applyPlan and as planned after it', async () => {
      // Prepare
      const event = storedEvent(submitted(newUser()));
      await store.putEvent(event);
      const before = await store.loadPlanningState(event.userId, event.eventId, 'acme-backend', 'consistent');
      const plan = await planFor(event, PLANNED_AT);

      // Act
      await store.applyPlan(plan);

      // Assess
      const after = await store.loadPlanningState(event.userId, event.eventId, 'acme-backend', 'consistent');
      expect(before.alreadyPlanned).toBe(false);
      expect(after.alreadyPlanned).toBe(true);
    });

    it('returns the profile and the application the last plan wrote', async () => {
      // Prepare
      const user = newUser();
      const plan = await intakeAndPlan(submitted(user), PLANNED_AT);

      // Act
      const state = await store.loadPlanningState(user.userId, 'evt-next', 'acme-backend', 'consistent');
      const otherApplication = await store.loadPlanningState(
        user.userId,
        'evt-next',
        'globex-platform',
        'consistent',
      );

      // Assess
      expect(plan.application).toBeDefined();
      expect(state.profile).toEqual(plan.profile);
      expect(state.application).toEqual(plan.application);
      expect(state.alreadyPlanned).toBe(false);
      expect(otherApplication.application).toBeUndefined();
      expect(await store.getProfile(user.userId)).toEqual(plan.profile);
    });

    it('lists as pending only the pending reminders of the requested user', async () => {
      // Prepare
      const user = await userWithReminders({ waiting: at(17), claimedOne: at(18), cancelledOne: at(19) });
      await claimed(user, [user.reminders.claimedOne], at(18));
      await cancelled(user, [user.reminders.cancelledOne]);
      await userWithReminders({ someoneElses: at(16) });

      // Act
      const state = await store.loadPlanningState(user.userId, 'evt-next', 'acme-backend', 'consistent');

      // Assess
      expect(state.pending).toEqual([asPending(user.reminders.waiting)]);
    });

    it('reads the same pending reminders from the live index as from the table, held ones included', async () => {
      // Prepare: pending, held, moved, claimed, cancelled and released-after-a-refused-send reminders
      const user = await userWithReminders({
        waiting: at(17),
        moved: at(18),
        claimedOne: at(19),
        cancelledOne: at(20),
        refused: at(16),
      });
      const { moved, refused } = user.reminders;
      await store.moveReminders(
        user.userId,
        [{ reminderId: moved.reminderId, scheduleName: moved.scheduleName, dueAt: at(24) }],
        { by: 'act-snooze', at: LATER },
      );
      await claimed(user, [user.reminders.claimedOne], at(19));
      await cancelled(user, [user.reminders.cancelledOne]);
      await store.releaseDigest(await claimed(user, [refused], at(16)), 'refused');
      const unconfirmed = await unconfirmedWith({ a: at(17), b: at(18) });

      // Act
      const fromIndex = await store.loadPlanningState(user.userId, 'evt-next', 'acme-backend', 'index');
      const fromTable = await store.loadPlanningState(user.userId, 'evt-next', 'acme-backend', 'consistent');
      const listed = await store.listPending(user.userId);
      const heldFromIndex = await store.loadPlanningState(unconfirmed.userId, 'evt-next', undefined, 'index');

      // Assess
      expect(sortedIds(fromIndex.pending)).toEqual(sortedIds([user.reminders.waiting, moved, refused]));
      expect(sortedIds(fromIndex.pending)).toEqual(sortedIds(fromTable.pending));
      expect(sortedIds(listed)).toEqual(sortedIds(fromTable.pending));
      expect(fromIndex.pending.find((r) => r.reminderId === moved.reminderId)?.dueAt).toBe(at(24));
      expect(fromIndex.profile).toEqual(fromTable.profile);
      expect(sortedIds(heldFromIndex.pending)).toEqual(sortedIds(Object.values(unconfirmed.reminders)));
    });

    it('does not flag a profile the planner wrote as missing from the live index', async () => {
      // Prepare
      const user = newUser();
      await intakeAndPlan(submitted(user), PLANNED_AT);

      // Act
      const state = await store.loadPlanningState(user.userId, 'evt-next', 'acme-backend', 'index');

      // Assess
      expect(state.profileNotIndexed).toBeUndefined();
    });
  });

  describe('applyPlan', () => {
    it('creates the planned reminders, each pending', async () => {
      // Prepare
      const event = storedEvent(submitted(newUser()));
      await store.putEvent(event);
      const plan = await planFor(event, PLANNED_AT);

      // Act
      await store.applyPlan(plan);

      // Assess
      expect(plan.create).toHaveLength(2);
      for (const r of plan.create) {
        expect(await current(r)).toEqual(asPending(r));
      }
    });

    it('cancels pending reminders and leaves claimed and sent ones as they are', async () => {
      // Prepare: one claimed under a digest still sending, one under a digest completed
      const user = await userWithReminders({ waiting: at(17), sending: at(18), sent: at(19) });
      const { waiting, sending, sent } = user.reminders;
      await claimed(user, [sending], at(18));
      const done = await claimed(user, [sent], at(19));
      await store.completeDigest(done, 'msg-1', at(19, 8, 1));
      const sendingBefore = await current(sending);
      const sentBefore = await current(sent);
      const event = storedEvent(interviewed(user));
      await store.putEvent(event);

      // Act
      await store.applyPlan({
        event,
        profile: profileOf(event),
        create: [],
        cancel: [waiting, sending, sent].map((r) => ({
          reminderId: r.reminderId,
          scheduleName: r.scheduleName,
          reason: 'superseded by interview.completed',
        })),
        plannedAt: LATER,
      });

      // Assess
      expect(await current(waiting)).toEqual({
        ...waiting,
        status: 'cancelled',
        cancelledAt: LATER,
        cancelledBy: event.eventId,
        cancelReason: 'superseded by interview.completed',
      });
      expect(sendingBefore?.status).toBe('sent');
      expect(await current(sending)).toEqual(sendingBefore);
      expect(sentBefore?.status).toBe('sent');
      expect(await current(sent)).toEqual(sentBefore);
    });

    it('upserts the profile and the application, and cancels what the policy cancels', async () => {
      // Prepare
      const user = newUser();
      const first = await intakeAndPlan(submitted(user), PLANNED_AT);
      const event = storedEvent(interviewed(user));
      await store.putEvent(event);
      const plan = await planFor(event, LATER);

      // Act
      await store.applyPlan(plan);

      // Assess
      const state = await store.loadPlanningState(user.userId, event.eventId, 'acme-backend', 'consistent');
      expect(state.profile).toEqual(plan.profile);
      expect(state.application).toEqual(plan.application);
      expect(state.application).toMatchObject({ eventCount: 2, lastEventType: 'interview.completed' });
      expect(sortedIds(plan.cancel)).toEqual(sortedIds(first.create));
      expect(sortedIds(state.pending)).toEqual(sortedIds(plan.create));
    });

    it('throws ConcurrencyError when the same event is planned a second time, writing nothing of it', async () => {
      // Prepare
      const user = newUser();
      const first = await intakeAndPlan(submitted(user), PLANNED_AT);
      const extra = reminderDue(user.userId, first.event.eventId, at(28), 9);
      const second: PlanWrite = {
        ...first,
        profile: { ...first.profile, name: 'Someone Else', updatedAt: LATER },
        create: [extra],
        cancel: [],
        plannedAt: LATER,
      };

      // Act
      const attempt = store.applyPlan(second);

      // Assess
      await expect(attempt).rejects.toBeInstanceOf(ConcurrencyError);
      expect(await store.getProfile(user.userId)).toEqual(first.profile);
      expect(await current(extra)).toBeUndefined();
    });
  });

  describe('remindersTouchedBy', () => {
    it('returns the reminders an event created and the ones it cancelled, for that user only', async () => {
      // Prepare
      const user = newUser();
      const submittedPlan = await intakeAndPlan(submitted(user), PLANNED_AT);
      const interviewPlan = await intakeAndPlan(interviewed(user), LATER);
      // Same fixture ids, another user: must not leak in.
      await intakeAndPlan(submitted(newUser()), PLANNED_AT);

      // Act
      const bySubmitted = await store.remindersTouchedBy(user.userId, submittedPlan.event.eventId);
      const byInterview = await store.remindersTouchedBy(user.userId, interviewPlan.event.eventId);

      // Assess
      expect(interviewPlan.cancel).toHaveLength(2);
      expect(sortedIds(bySubmitted)).toEqual(sortedIds(submittedPlan.create));
      expect(sortedIds(byInterview)).toEqual(sortedIds([...submittedPlan.create, ...interviewPlan.create]));
      const cancelledByInterview = byInterview.filter((r) => r.sourceEventId === submittedPlan.event.eventId);
      expect(cancelledByInterview.map((r) => [r.status, r.cancelledBy])).toEqual([
        ['cancelled', interviewPlan.event.eventId],
        ['cancelled', interviewPlan.event.eventId],
      ]);
    });
  });

  describe('loadDue', () => {
    it('lists only pending reminders of the user due at or before until, soonest first', async () => {
      // Prepare
      const user = await userWithReminders({
        on20th: at(20),
        on17th: at(17),
        claimedOne: at(18),
        cancelledOne: at(19),
        afterUntil: at(25),
        atUntil: at(21),
      });
      await claimed(user, [user.reminders.claimedOne], at(18));
      await cancelled(user, [user.reminders.cancelledOne]);
      await userWithReminders({ someoneElses: at(16) });

      // Act
      const { due } = await store.loadDue(user.userId, new Date(at(21)));

      // Assess
      const { on17th, on20th, atUntil } = user.reminders;
      expect(due).toEqual([asPending(on17th), asPending(on20th), asPending(atUntil)]);
    });

    it('returns the profile with the reminders due, from the live index and from the table alike', async () => {
      // Prepare
      const user = newUser();
      const plan = await intakeAndPlan(submitted(user), PLANNED_AT);
      const [first] = plan.create;

      // Act
      const fromIndex = await store.loadDue(user.userId, new Date(first?.dueAt ?? FAR_FUTURE));
      const fromTable = await store.loadDue(user.userId, new Date(first?.dueAt ?? FAR_FUTURE), {
        consistent: true,
      });

      // Assess
      expect(first).toBeDefined();
      expect(fromIndex).toEqual({ profile: plan.profile, due: first ? [asPending(first)] : [] });
      expect(fromTable).toEqual(fromIndex);
    });

    it('finds no profile and nothing due for a user it does not know', async () => {
      expect(await store.loadDue(newUser().userId, FAR_FUTURE)).toEqual({ profile: undefined, due: [] });
    });
  });

  describe('listAllPendingDue', () => {
    it('lists pending reminders of every user due at or before until, oldest first', async () => {
      // Prepare
      const ann = await userWithReminders({
        on19th: at(19),
        on17th: at(17),
        afterUntil: at(22),
        claimedOne: at(16),
        cancelledOne: at(15),
      });
      const bob = await userWithReminders({ atUntil: at(21), on18th: at(18) });
      await claimed(ann, [ann.reminders.claimedOne], at(16));
      await cancelled(ann, [ann.reminders.cancelledOne]);

      // Act
      const due = await store.listAllPendingDue(new Date(at(21)), 10);

      // Assess
      expect(due).toEqual([
        asPending(ann.reminders.on17th),
        asPending(bob.reminders.on18th),
        asPending(ann.reminders.on19th),
        asPending(bob.reminders.atUntil),
      ]);
    });

    it('returns at most limit reminders, the oldest ones', async () => {
      // Prepare
      const ann = await userWithReminders({ on19th: at(19), on17th: at(17) });
      const bob = await userWithReminders({ on18th: at(18) });

      // Act
      const due = await store.listAllPendingDue(FAR_FUTURE, 2);

      // Assess
      expect(due).toEqual([asPending(ann.reminders.on17th), asPending(bob.reminders.on18th)]);
    });
  });

  describe('claimDigest', () => {
    it('claims every reminder of the digest: each becomes sent under its id, the digest sending', async () => {
      // Prepare
      const user = await userWithReminders({ first: at(17), second: at(17, 8, 30) });
      const { first, second } = user.reminders;
      const digest = digestOf(user.userId, [first, second], at(17, 8, 31));

      // Act
      const result = await store.claimDigest(digest, FAR_FUTURE_ISO);

      // Assess
      expect(result).toEqual({ outcome: 'claimed', digest });
      for (const r of [first, second]) {
        expect(await current(r)).toEqual({
          ...r,
          status: 'sent',
          claimedAt: digest.claimedAt,
          sentAt: digest.claimedAt,
          digestId: digest.digestId,
        });
      }
      expect((await store.loadDue(user.userId, FAR_FUTURE)).due).toEqual([]);
      expect(await store.listAllPendingDue(FAR_FUTURE, 10)).toEqual([]);
      expect(await store.listStuckDigests(FAR_FUTURE, 10)).toEqual([digest]);
    });

    it('loses a claim of a reminder due after the bound (moved since it was read), and changes nothing', async () => {
      // Prepare: read as due on the 17th, then snoozed to the 24th
      const user = await userWithReminders({ a: at(17), b: at(17) });
      const { a, b } = user.reminders;
      await store.moveReminders(
        user.userId,
        [{ reminderId: b.reminderId, scheduleName: b.scheduleName, dueAt: at(24) }],
        { by: 'act-snooze', at: LATER },
      );

      // Act
      const result = await store.claimDigest(digestOf(user.userId, [a, b], at(17)), at(17, 8, 1));

      // Assess
      expect(result).toEqual({ outcome: 'lost' });
      expect(await store.getReminder(user.userId, a.reminderId)).toEqual(asPending(a));
      expect((await store.getReminder(user.userId, b.reminderId))?.status).toBe('pending');
    });

    it('loses a second claim that shares a reminder with the first, and changes nothing', async () => {
      // Prepare
      const user = await userWithReminders({ a: at(17), b: at(18), c: at(19) });
      const { a, b, c } = user.reminders;
      const first = await claimed(user, [a, b], at(18));
      const bBefore = await current(b);

      // Act
      const result = await store.claimDigest(digestOf(user.userId, [b, c], at(19)), FAR_FUTURE_ISO);

      // Assess
      expect(result).toEqual({ outcome: 'lost' });
      expect(bBefore).toMatchObject({ status: 'sent', digestId: first.digestId });
      expect(await current(b)).toEqual(bBefore);
      expect(await current(c)).toEqual(asPending(c));
      expect((await store.loadDue(user.userId, FAR_FUTURE)).due).toEqual([asPending(c)]);
      expect(await store.listStuckDigests(FAR_FUTURE, 10)).toEqual([first]);
    });

    it('loses a claim that includes a cancelled reminder, and claims none of the others', async () => {
      // Prepare
      const user = await userWithReminders({ a: at(17), b: at(17, 8, 30) });
      const { a, b } = user.reminders;
      const canceller = await cancelled(user, [b]);

      // Act
      const result = await store.claimDigest(digestOf(user.userId, [a, b], at(17, 8, 31)), FAR_FUTURE_ISO);

      // Assess
      expect(result).toEqual({ outcome: 'lost' });
      expect(await current(a)).toEqual(asPending(a));
      expect(await current(b)).toMatchObject({
        status: 'cancelled',
        cancelledBy: canceller.eventId,
      });
      expect(await store.listAllPendingDue(FAR_FUTURE, 10)).toEqual([asPending(a)]);
      expect(await store.listStuckDigests(FAR_FUTURE, 10)).toEqual([]);
    });
  });

  describe('completeDigest', () => {
    it('marks the digest sent (no longer stuck) and leaves the reminders as the claim marked them', async () => {
      // Prepare
      const user = await userWithReminders({ a: at(17), b: at(17, 8, 30), later: at(30) });
      const { a, b, later } = user.reminders;
      const digest = await claimed(user, [a, b], at(17, 8, 31));
      const claimedBefore = await Promise.all([current(a), current(b)]);

      // Act
      await store.completeDigest(digest, 'msg-1', at(17, 8, 32));

      // Assess: one write, to the digest
      expect(await Promise.all([current(a), current(b)])).toEqual(claimedBefore);
      for (const r of claimedBefore) {
        expect(r).toMatchObject({ status: 'sent', sentAt: digest.claimedAt, digestId: digest.digestId });
      }
      expect((await store.loadDue(user.userId, FAR_FUTURE)).due).toEqual([asPending(later)]);
      expect(await store.listAllPendingDue(FAR_FUTURE, 10)).toEqual([asPending(later)]);
      expect(await store.listStuckDigests(FAR_FUTURE, 10)).toEqual([]);
    });

    it('refuses to complete a digest twice', async () => {
      // Prepare
      const user = await userWithReminders({ a: at(17) });
      const digest = await claimed(user, [user.reminders.a], at(17, 8, 1));
      await store.completeDigest(digest, 'msg-1', at(17, 8, 2));

      // Act / Assess: the condition is on the digest's status (the port leaves the error type open)
      await expect(store.completeDigest(digest, 'msg-2', at(17, 8, 3))).rejects.toThrow();
    });

    it('refuses to release a digest that was completed, and the reminders stay sent', async () => {
      // Prepare
      const user = await userWithReminders({ a: at(17) });
      const digest = await claimed(user, [user.reminders.a], at(17, 8, 1));
      await store.completeDigest(digest, 'msg-1', at(17, 8, 2));
      const before = await current(user.reminders.a);

      // Act
      const attempt = store.releaseDigest(digest, 'too late');

      // Assess
      // The error type is not part of the port (the adapter lets the SDK's error through).
      await expect(attempt).rejects.toThrow();
      expect(before?.status).toBe('sent');
      expect(await current(user.reminders.a)).toEqual(before);
      expect(await store.listAllPendingDue(FAR_FUTURE, 10)).toEqual([]);
    });
  });

  describe('releaseDigest', () => {
    it('puts the reminders back to pending, on both pending lists, each with one more refused send', async () => {
      // Prepare
      const user = await userWithReminders({ a: at(17), b: at(18) });
      const { a, b } = user.reminders;
      const digest = await claimed(user, [a, b], at(18));

      // Act
      await store.releaseDigest(digest, 'Mail provider refused the message');

      // Assess
      const released = [a, b].map((r) => ({ ...asPending(r), failedSends: 1 }));
      expect(await current(a)).toEqual(released[0]);
      expect(await current(b)).toEqual(released[1]);
      expect((await store.loadDue(user.userId, new Date(at(18)))).due).toEqual(released);
      expect(await store.listAllPendingDue(new Date(at(18)), 10)).toEqual(released);
      expect(await store.listStuckDigests(FAR_FUTURE, 10)).toEqual([]);
    });

    it('lets the next attempt claim the released reminders at the same instant', async () => {
      // Prepare
      const user = await userWithReminders({ a: at(17), b: at(18) });
      const { a, b } = user.reminders;
      const failed = await claimed(user, [a, b], at(18));
      await store.releaseDigest(failed, 'Mail provider refused the message');
      const retry = digestOf(user.userId, [a, b], at(18), 2);

      // Act
      const result = await store.claimDigest(retry, FAR_FUTURE_ISO);

      // Assess
      expect(retry.digestId).not.toBe(failed.digestId);
      expect(result).toEqual({ outcome: 'claimed', digest: retry });
      for (const r of [a, b]) {
        expect(await current(r)).toMatchObject({
          status: 'sent',
          digestId: retry.digestId,
          claimedAt: retry.claimedAt,
        });
      }
      expect(await store.listStuckDigests(FAR_FUTURE, 10)).toEqual([retry]);
    });
  });

  describe('listStuckDigests', () => {
    const OLDER_THAN = new Date(at(17, 8, 10));

    it('lists digests still sending that were claimed before olderThan, oldest first, and no settled ones', async () => {
      // Prepare
      const ann = await userWithReminders({
        stuck: at(17),
        completed: at(17, 8, 1),
        released: at(17, 8, 2),
        atCutOff: at(17, 8, 3),
        recent: at(17, 8, 4),
      });
      const bob = await userWithReminders({ stuck: at(17) });
      const annStuck = await claimed(ann, [ann.reminders.stuck], at(17, 8, 0));
      const completed = await claimed(ann, [ann.reminders.completed], at(17, 8, 1));
      await store.completeDigest(completed, 'msg-1', at(17, 8, 1));
      const released = await claimed(ann, [ann.reminders.released], at(17, 8, 2));
      await store.releaseDigest(released, 'Mail provider refused the message');
      await claimed(ann, [ann.reminders.atCutOff], OLDER_THAN.toISOString());
      await claimed(ann, [ann.reminders.recent], at(17, 8, 30));
      const bobStuck = await claimed(bob, [bob.reminders.stuck], at(17, 7, 59));

      // Act
      const stuck = await store.listStuckDigests(OLDER_THAN, 10);

      // Assess
      expect(stuck).toEqual([bobStuck, annStuck]);
    });

    it('returns at most limit digests, the oldest ones', async () => {
      // Prepare
      const user = await userWithReminders({ a: at(17), b: at(17, 8, 1), c: at(17, 8, 2) });
      const oldest = await claimed(user, [user.reminders.a], at(17, 8, 0));
      const middle = await claimed(user, [user.reminders.b], at(17, 8, 1));
      await claimed(user, [user.reminders.c], at(17, 8, 2));

      // Act
      const stuck = await store.listStuckDigests(OLDER_THAN, 2);

      // Assess
      expect(stuck).toEqual([oldest, middle]);
    });
  });
});

// ---- the DynamoDB layout the admin view reads -------------------------------------------------------------

/**
 * Entries on gsi1 that no `ReminderStore` method reads back (the admin view's `AdminReadStore` does, see
 * `admin-store.test.ts`): checked here on the items themselves, by a Query of the index, because every write
 * path of the store must keep them right.
 */
describe('DynamoDbReminderStore: the gsi1 entries of the admin view', () => {
  let table: string;
  let store: DynamoDbReminderStore;

  beforeEach(async () => {
    table = `store-layout-${randomUUID()}`;
    await ensureTable(client, table);
    store = new DynamoDbReminderStore(documentClient, table);
  });

  /** The sort keys of one gsi1 partition, in index order. */
  async function onIndex(partition: string): Promise<string[]> {
    const { Items = [] } = await documentClient.send(
      new QueryCommand({
        TableName: table,
        IndexName: 'gsi1',
        KeyConditionExpression: 'gsi1pk = :p',
        ExpressionAttributeValues: { ':p': partition },
      }),
    );
    return Items.map((i) => String(i.gsi1sk));
  }

  async function heldUser(dues: readonly string[]) {
    const user = newUser();
    const event = storedEvent(submitted(user));
    const reminders = dues.map((dueAt, i) => ({
      ...reminderDue(user.userId, event.eventId, dueAt, i + 1),
      held: true as const,
    }));
    await store.putEvent(event);
    await store.applyPlan({
      event,
      profile: { ...profileOf(event), expiresAt: EXPIRES_AT },
      create: reminders,
      cancel: [],
      expiresAt: EXPIRES_AT,
      plannedAt: PLANNED_AT,
    });
    return { user, reminders };
  }

  const keyOf = (r: { dueAt: string; reminderId: string }) => `${r.dueAt}#${r.reminderId}`;
  const stamp = { by: 'act-1', at: LATER };

  it('puts held reminders on HELD by due time, never on PENDING', async () => {
    // Act
    const { reminders } = await heldUser([at(18), at(17)]);

    // Assess
    const [a, b] = reminders;
    if (!a || !b) throw new Error('expected two reminders');
    expect(await onIndex('HELD')).toEqual([keyOf(b), keyOf(a)]);
    expect(await onIndex('PENDING')).toEqual([]);
  });

  it('moves a held reminder along HELD, releases it onto PENDING, and an unconfirmed user’s expiry keeps it', async () => {
    // Prepare
    const { user, reminders } = await heldUser([at(17), at(18)]);
    const [a, b] = reminders;
    if (!a || !b) throw new Error('expected two reminders');

    // Act
    await store.moveReminders(user.userId, [{ ...a, dueAt: at(20), held: true }], stamp);
    await store.setExpiry(user.userId, EXPIRES_AT + 7 * 86_400);
    const afterHeldMove = await onIndex('HELD');
    await store.moveReminders(
      user.userId,
      [{ reminderId: b.reminderId, scheduleName: b.scheduleName, dueAt: at(19) }],
      stamp,
    );

    // Assess
    expect(afterHeldMove).toEqual([keyOf(b), keyOf({ ...a, dueAt: at(20) })]);
    expect(await onIndex('HELD')).toEqual([keyOf({ ...a, dueAt: at(20) })]);
    expect(await onIndex('PENDING')).toEqual([keyOf({ ...b, dueAt: at(19) })]);
  });

  it('takes a cancelled held reminder off HELD', async () => {
    // Prepare
    const { user, reminders } = await heldUser([at(17)]);
    const [a] = reminders;
    if (!a) throw new Error('expected a reminder');

    // Act
    await store.cancelReminders(user.userId, [{ ...a, reason: 'operator', held: true }], stamp);

    // Assess
    expect(await onIndex('HELD')).toEqual([]);
    expect(await onIndex('PENDING')).toEqual([]);
  });

  it('files a completed digest under the UTC day it was sent, in the same update that ends its send', async () => {
    // Prepare
    const user = newUser();
    const event = storedEvent(submitted(user));
    const r = reminderDue(user.userId, event.eventId, at(17), 1);
    await store.putEvent(event);
    await store.applyPlan({
      event,
      profile: profileOf(event),
      create: [r],
      cancel: [],
      plannedAt: PLANNED_AT,
    });
    const digest = digestOf(user.userId, [r], at(17, 23, 59));
    await store.claimDigest(digest, FAR_FUTURE_ISO);
    const whileSending = await onIndex('SENDING');
    const sentAt = '2026-03-18T00:00:01.000Z';

    // Act
    await store.completeDigest(digest, 'msg-1', sentAt);

    // Assess
    expect(whileSending).toEqual([`${digest.claimedAt}#${digest.digestId}`]);
    expect(await onIndex('SENDING')).toEqual([]);
    expect(await onIndex('SENT#2026-03-18')).toEqual([`${sentAt}#${digest.digestId}`]);
    expect(await onIndex('SENT#2026-03-17')).toEqual([]);
  });

  it('files SES bounces and complaints under the day they were received, and nothing else', async () => {
    // Prepare
    const user = newUser();
    const feedback = (
      eventId: string,
      action: StoredUserAction['action'],
      actor: StoredUserAction['actor'],
    ) => ({ ...storedAction(user, eventId, at(17, 23, 0)), action, actor }) satisfies StoredUserAction;
    const ses = { type: 'ses' } as const;
    const events = [
      feedback('fb-bounce', { type: 'consent.suppressed', reason: 'bounce' }, ses),
      feedback('fb-complaint', { type: 'consent.suppressed', reason: 'complaint' }, ses),
      feedback('fb-transient', { type: 'delivery.bounced_transient' }, ses),
      feedback(
        'link-not-me',
        { type: 'consent.suppressed', reason: 'not_me' },
        { type: 'user', via: 'link' },
      ),
      feedback(
        'link-snooze',
        { type: 'reminder.snoozed', reminderId: 'r_1', days: 7 },
        { type: 'user', via: 'link' },
      ),
    ];

    // Act
    for (const e of events) await store.putEvent(e);
    const again = await store.putEvent(events[0] as StoredUserAction);

    // Assess
    const partition = await documentClient.send(
      new QueryCommand({
        TableName: table,
        IndexName: 'gsi1',
        KeyConditionExpression: 'gsi1pk = :p',
        ExpressionAttributeValues: { ':p': 'FEEDBACK#2026-03-17' },
      }),
    );
    expect((partition.Items ?? []).map((i) => [i.gsi1sk, i.feedback])).toEqual([
      [`${at(17, 23, 0)}#fb-bounce`, 'bounce'],
      [`${at(17, 23, 0)}#fb-complaint`, 'complaint'],
      [`${at(17, 23, 0)}#fb-transient`, 'bounce'],
    ]);
    // The index entry is bookkeeping: a repeat answers the action as it was put.
    expect(again).toEqual({ outcome: 'duplicate', existing: events[0] });
  });
});
