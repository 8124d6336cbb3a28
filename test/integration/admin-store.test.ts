/**
 * The admin view's reads (`DynamoDbAdminStore`) and its audit trail (`DynamoDbAuditLog`) on DynamoDB Local.
 * Everything is written through the product's own store (`DynamoDbReminderStore`), as the planner and the
 * sender write it, so these tests also prove the store keeps the global views the admin view reads.
 */
import { randomUUID } from 'node:crypto';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { StoredJobEvent } from '#events/job-event.ts';
import type { StoredUserAction } from '#events/user-action.ts';
import { DynamoDbAdminStore, MAX_QUERY_PAGES } from '#shared/adapters/admin-store.ts';
import { DynamoDbAuditLog } from '#shared/adapters/audit-store.ts';
import { DynamoDbReminderStore } from '#shared/adapters/dynamodb-store.ts';
import {
  contentHash,
  digestIdFor,
  reminderIdFor,
  slotScheduleNameFor,
  userIdFor,
} from '#shared/domain/ids.ts';
import type { Digest, NewReminder, Reminder, ReminderKind, UserProfile } from '#shared/domain/model.ts';
import { InvalidEventError } from '#shared/errors.ts';
import type { AuditRecord } from '#shared/ports.ts';
import { AUDIT_RETENTION_DAYS } from '#shared/table-definition.ts';
import { ensureAuditTable, ensureTable } from '../../infra/local/dynamodb/table.ts';
import { fixture } from '../support/events.ts';
import { SettableClock } from '../support/fakes.ts';
import { useDynamoDbLocal } from './support/dynamodb-local.ts';

const local = useDynamoDbLocal('admin-store');
let documentClient: DynamoDBDocumentClient;
let client: DynamoDBClient;

beforeAll(() => {
  client = local().client;
  documentClient = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
});

const NOW = '2026-03-20T12:00:00.000Z';
const PLANNED_AT = '2026-03-10T14:00:06.000Z';

/** 2026-03-<day> at <hour>:<minute> UTC. */
const at = (day: number, hour = 8, minute = 0): string =>
  new Date(Date.UTC(2026, 2, day, hour, minute)).toISOString();

let table: string;
let store: DynamoDbReminderStore;
let admin: DynamoDbAdminStore;
let clock: SettableClock;

beforeEach(async () => {
  // A table per test: the global views read across all users.
  table = `admin-store-${randomUUID()}`;
  await ensureTable(client, table);
  clock = new SettableClock(NOW);
  store = new DynamoDbReminderStore(documentClient, table);
  admin = new DynamoDbAdminStore(documentClient, table, clock);
});

interface Planned {
  readonly userId: string;
  readonly event: StoredJobEvent;
  readonly reminders: NewReminder[];
}

interface Wanted {
  readonly dueAt: string;
  readonly kind?: ReminderKind;
  readonly sourceId?: string;
}

/** A user whose one planned event created `wanted` reminders (held when `held`), through the store. */
async function userWith(
  wanted: readonly Wanted[],
  options: { readonly held?: boolean; readonly eventId?: string } = {},
): Promise<Planned> {
  const email = `user-${randomUUID()}@example.com`;
  const userId = userIdFor(email);
  const input = fixture('application.submitted');
  input.id = options.eventId ?? 'evt-submitted';
  input.user = { ...input.user, email };
  const event: StoredJobEvent = {
    eventId: input.id,
    userId,
    receivedAt: PLANNED_AT,
    occurredAt: PLANNED_AT,
    contentHash: contentHash(input),
    event: input,
  };
  const reminders = wanted.map((w, i): NewReminder => {
    const kind = w.kind ?? 'follow_up';
    const reminderId = reminderIdFor(userId, event.eventId, kind, i + 1);
    return {
      reminderId,
      userId,
      kind,
      sequence: i + 1,
      dueAt: w.dueAt,
      application: { ref: 'acme-backend', company: 'Acme Corp' },
      sourceEventId: event.eventId,
      ...(w.sourceId ? { sourceId: w.sourceId } : {}),
      scheduleName: slotScheduleNameFor(userId, w.dueAt),
      createdAt: PLANNED_AT,
      ...(options.held ? { held: true as const } : {}),
    };
  });
  const profile: UserProfile = {
    userId,
    email,
    timezone: 'Europe/Berlin',
    ...(options.held ? {} : { consent: 'confirmed' as const }),
    createdAt: PLANNED_AT,
    updatedAt: PLANNED_AT,
  };
  await store.putEvent(event);
  await store.applyPlan({ event, profile, create: reminders, cancel: [], plannedAt: PLANNED_AT });
  return { userId, event, reminders };
}

const asPending = (r: NewReminder): Reminder => ({ ...r, status: 'pending' });
const ids = (rs: readonly { reminderId: string }[]) => rs.map((r) => r.reminderId);

/** Every page of a listing, following the cursors; fails if it never ends. */
async function allPages(query: Parameters<DynamoDbAdminStore['listUpcoming']>[0]) {
  const pages: Reminder[][] = [];
  let cursor: string | undefined;
  for (let i = 0; i < 100; i += 1) {
    const page = await admin.listUpcoming({ ...query, cursor });
    pages.push([...page.reminders]);
    if (page.next === undefined) return pages;
    cursor = page.next;
  }
  throw new Error('the listing did not end');
}

describe('held reminders', () => {
  it('are listed under held, not pending, and move to pending when released', async () => {
    // Prepare
    const { userId, reminders } = await userWith([{ dueAt: at(18) }, { dueAt: at(17) }], { held: true });
    const [later, sooner] = reminders as [NewReminder, NewReminder];
    const heldBefore = await admin.listUpcoming({ partition: 'held', limit: 10 });
    const pendingBefore = await admin.listUpcoming({ partition: 'pending', limit: 10 });

    // Act: the confirmation releases the sooner one; the later stays held a moment longer
    await store.moveReminders(
      userId,
      [{ reminderId: sooner.reminderId, scheduleName: sooner.scheduleName, dueAt: at(21) }],
      { by: 'act-confirm', at: NOW },
    );

    // Assess
    expect(heldBefore).toEqual({ reminders: [asPending(sooner), asPending(later)] });
    expect(pendingBefore).toEqual({ reminders: [] });
    expect(ids((await admin.listUpcoming({ partition: 'held', limit: 10 })).reminders)).toEqual([
      later.reminderId,
    ]);
    const { held: _held, ...released } = sooner;
    expect(await admin.listUpcoming({ partition: 'pending', limit: 10 })).toEqual({
      reminders: [{ ...asPending(released), dueAt: at(21), movedBy: 'act-confirm', movedAt: NOW }],
    });
  });

  it('leave both views when cancelled', async () => {
    // Prepare
    const { userId, reminders } = await userWith([{ dueAt: at(18) }], { held: true });
    const [r] = reminders as [NewReminder];

    // Act
    await store.cancelReminders(userId, [{ ...r, reason: 'operator', held: true }], { by: 'op', at: NOW });

    // Assess
    expect((await admin.listUpcoming({ partition: 'held', limit: 10 })).reminders).toEqual([]);
    expect((await admin.listUpcoming({ partition: 'pending', limit: 10 })).reminders).toEqual([]);
  });
});

describe('listUpcoming', () => {
  it('lists the pending reminders of every user by due time', async () => {
    // Prepare
    const ann = await userWith([{ dueAt: at(19) }, { dueAt: at(17) }]);
    const bob = await userWith([{ dueAt: at(18) }]);

    // Act
    const page = await admin.listUpcoming({ partition: 'pending', limit: 10 });

    // Assess
    expect(page.next).toBeUndefined();
    expect(page.reminders.map((r) => [r.userId, r.dueAt])).toEqual([
      [ann.userId, at(17)],
      [bob.userId, at(18)],
      [ann.userId, at(19)],
    ]);
  });

  it('keeps to the due window, both ends included, whatever offset the bounds are given in', async () => {
    // Prepare
    await userWith([{ dueAt: at(16) }, { dueAt: at(17) }, { dueAt: at(18) }, { dueAt: at(19) }]);

    // Act
    const window = await admin.listUpcoming({
      partition: 'pending',
      from: '2026-03-17T09:00:00+01:00',
      to: at(18),
      limit: 10,
    });
    const onlyFrom = await admin.listUpcoming({ partition: 'pending', from: at(19), limit: 10 });
    const onlyTo = await admin.listUpcoming({ partition: 'pending', to: at(16, 23), limit: 10 });

    // Assess
    expect(window.reminders.map((r) => r.dueAt)).toEqual([at(17), at(18)]);
    expect(onlyFrom.reminders.map((r) => r.dueAt)).toEqual([at(19)]);
    expect(onlyTo.reminders.map((r) => r.dueAt)).toEqual([at(16)]);
  });

  it('filters by kind and by source', async () => {
    // Prepare
    const { reminders } = await userWith([
      { dueAt: at(17), kind: 'follow_up', sourceId: 'acme-ats' },
      { dueAt: at(18), kind: 'thank_you', sourceId: 'acme-ats' },
      { dueAt: at(19), kind: 'thank_you', sourceId: 'globex-hr' },
      { dueAt: at(20), kind: 'thank_you' },
    ]);
    const [, acmeThanks, globexThanks, unsourced] = reminders as NewReminder[];

    // Act
    const thanks = await admin.listUpcoming({ partition: 'pending', kind: 'thank_you', limit: 10 });
    const acme = await admin.listUpcoming({ partition: 'pending', sourceId: 'acme-ats', limit: 10 });
    const both = await admin.listUpcoming({
      partition: 'pending',
      kind: 'thank_you',
      sourceId: 'acme-ats',
      limit: 10,
    });

    // Assess
    expect(ids(thanks.reminders)).toEqual(ids([acmeThanks, globexThanks, unsourced] as NewReminder[]));
    expect(acme.reminders.map((r) => [r.kind, r.sourceId])).toEqual([
      ['follow_up', 'acme-ats'],
      ['thank_you', 'acme-ats'],
    ]);
    expect(ids(both.reminders)).toEqual([acmeThanks?.reminderId]);
  });

  it('pages through more reminders than the limit with its cursor, each once, in order', async () => {
    // Prepare: 25 reminders, one every hour
    const { reminders } = await userWith(
      Array.from({ length: 25 }, (_, i) => ({ dueAt: at(17 + Math.floor(i / 24), i % 24) })),
    );

    // Act
    const pages = await allPages({ partition: 'pending', limit: 10 });

    // Assess
    expect(pages.map((p) => p.length)).toEqual([10, 10, 5]);
    expect(pages.flat().map((r) => r.reminderId)).toEqual(ids(reminders));
  });

  it('keeps querying past pages a filter leaves short, and pages the matches with its cursor', async () => {
    // Prepare: 450 follow-ups (more than two of DynamoDB's filtered pages) and, spread among them, 5 thank-yous
    const wanted: Wanted[] = Array.from({ length: 455 }, (_, i) => ({
      dueAt: new Date(Date.UTC(2026, 2, 17) + i * 60_000).toISOString(),
      kind: i % 90 === 89 ? 'thank_you' : 'follow_up',
    }));
    const users = [];
    // At most 100 items in the planner's transaction: one user per 90 reminders.
    for (let i = 0; i < wanted.length; i += 90) {
      users.push(await userWith(wanted.slice(i, i + 90), { eventId: `evt-${i}` }));
    }
    const thanks = users.flatMap((u) => u.reminders).filter((r) => r.kind === 'thank_you');

    // Act
    const pages = await allPages({ partition: 'pending', kind: 'thank_you', limit: 2 });

    // Assess
    expect(thanks).toHaveLength(5);
    expect(pages.flat().map((r) => r.reminderId)).toEqual(ids(thanks));
    expect(pages.map((p) => p.length)).toEqual([2, 2, 1]);
  });

  it('returns nothing and no cursor when a filter matches nothing', async () => {
    await userWith(Array.from({ length: 30 }, (_, i) => ({ dueAt: at(17, 8, i) })));
    const page = await admin.listUpcoming({ partition: 'pending', sourceId: 'nobody', limit: 10 });
    expect(page).toEqual({ reminders: [] });
  });

  it('stops after a bounded number of DynamoDB pages and returns a cursor to go on from', async () => {
    // Prepare: more follow-ups than MAX_QUERY_PAGES filtered pages read, then one thank-you
    const count = MAX_QUERY_PAGES * 200 + 10;
    const wanted: Wanted[] = Array.from({ length: count + 1 }, (_, i) => ({
      dueAt: new Date(Date.UTC(2026, 2, 17) + i * 60_000).toISOString(),
      kind: i === count ? 'thank_you' : 'follow_up',
    }));
    for (let i = 0; i < wanted.length; i += 90) {
      await userWith(wanted.slice(i, i + 90), { eventId: `evt-${i}` });
    }

    // Act
    const first = await admin.listUpcoming({ partition: 'pending', kind: 'thank_you', limit: 10 });
    const second = await admin.listUpcoming({
      partition: 'pending',
      kind: 'thank_you',
      limit: 10,
      cursor: first.next,
    });

    // Assess
    expect(first.reminders).toEqual([]);
    expect(first.next).toBeDefined();
    expect(second.reminders.map((r) => r.dueAt)).toEqual([wanted[count]?.dueAt]);
    expect(second.next).toBeUndefined();
  });

  it('refuses a cursor it did not make, or one of the other view', async () => {
    // Prepare
    await userWith([{ dueAt: at(17) }, { dueAt: at(18) }]);
    const { next } = await admin.listUpcoming({ partition: 'pending', limit: 1 });
    if (next === undefined) throw new Error('expected a cursor');

    // Act / Assess
    await expect(
      admin.listUpcoming({ partition: 'pending', limit: 1, cursor: 'not-a-cursor' }),
    ).rejects.toThrow(InvalidEventError);
    await expect(admin.listUpcoming({ partition: 'held', limit: 1, cursor: next })).rejects.toThrow(
      InvalidEventError,
    );
  });
});

describe('countUpcoming', () => {
  it('counts the view’s reminders per UTC day and kind in [from, to)', async () => {
    // Prepare
    await userWith([
      { dueAt: at(17, 8), kind: 'follow_up' },
      { dueAt: at(17, 23, 59), kind: 'follow_up' },
      { dueAt: at(17, 9), kind: 'thank_you' },
      { dueAt: at(18, 0), kind: 'reconnect' },
      { dueAt: at(19, 0), kind: 'reconnect' },
    ]);
    await userWith([{ dueAt: at(17, 10), kind: 'follow_up' }], { held: true });

    // Act
    const pending = await admin.countUpcoming('pending', at(17, 0), at(19, 0));
    const held = await admin.countUpcoming('held', at(17, 0), at(19, 0));

    // Assess
    expect(pending).toEqual([
      { day: '2026-03-17', kind: 'follow_up', count: 2 },
      { day: '2026-03-17', kind: 'thank_you', count: 1 },
      { day: '2026-03-18', kind: 'reconnect', count: 1 },
    ]);
    expect(held).toEqual([{ day: '2026-03-17', kind: 'follow_up', count: 1 }]);
  });
});

describe('getProfiles', () => {
  it('returns the profiles asked for, strongly consistent, and leaves out users it does not know', async () => {
    // Prepare
    const users = await Promise.all(Array.from({ length: 3 }, () => userWith([])));

    // Act
    const profiles = await admin.getProfiles([
      ...users.map((u) => u.userId),
      'u_unknown',
      users[0]?.userId ?? '',
    ]);

    // Assess
    expect([...profiles.keys()].sort()).toEqual(users.map((u) => u.userId).sort());
    expect(profiles.get(users[0]?.userId ?? '')).toMatchObject({
      timezone: 'Europe/Berlin',
      consent: 'confirmed',
    });
    expect(profiles.get(users[0]?.userId ?? '')).not.toHaveProperty('pk');
  });

  it('reads more users than one BatchGetItem takes', async () => {
    const user = await userWith([]);
    const many = [user.userId, ...Array.from({ length: 150 }, (_, i) => `u_missing_${i}`)];
    const profiles = await admin.getProfiles(many);
    expect([...profiles.keys()]).toEqual([user.userId]);
  });
});

describe('readUser', () => {
  it('splits the user’s partition into profile, events, applications, reminders and digests, without bookkeeping', async () => {
    // Prepare
    const { userId, event, reminders } = await userWith([{ dueAt: at(17) }, { dueAt: at(24) }]);
    const [first] = reminders as [NewReminder];
    const digest = digestOf(userId, [first], at(17));
    await store.claimDigest(digest, at(17));
    await store.completeDigest(digest, 'msg-1', at(17, 8, 1));
    const bounce = sesFeedback(userId, 'fb-1', at(17, 9), 'bounce');
    await store.putEvent(bounce);

    // Act
    const records = await admin.readUser(userId);

    // Assess
    expect(records?.profile).toMatchObject({ userId, consent: 'confirmed' });
    expect(records?.events).toEqual([{ ...event, plannedAt: PLANNED_AT }, bounce]);
    expect(records?.applications).toEqual([]);
    expect(records?.reminders.map((r) => [r.reminderId, r.status])).toEqual(
      reminders.map((r) => [r.reminderId, r === first ? 'sent' : 'pending']).sort(),
    );
    expect(records?.digests).toEqual([
      { ...digest, status: 'sent', messageId: 'msg-1', sentAt: at(17, 8, 1) },
    ]);
    for (const item of [...(records?.reminders ?? []), ...(records?.events ?? [])]) {
      expect(Object.keys(item).filter((k) => /^(pk|sk|gsi|dueKey|expiresAt|type|feedback)/.test(k))).toEqual(
        [],
      );
    }
  });

  it('finds nothing for a user it does not know', async () => {
    expect(await admin.readUser('u_unknown')).toBeUndefined();
  });
});

describe('eventState and getDigest', () => {
  it('tells planned, waiting, failed and missing events apart', async () => {
    // Prepare
    const { userId, event } = await userWith([]);
    const waiting = sesFeedback(userId, 'fb-waiting', at(17), 'bounce');
    const failed = sesFeedback(userId, 'fb-failed', at(17), 'complaint');
    await store.putEvent(waiting);
    await store.putEvent(failed);
    await store.markEventFailed(userId, failed.eventId, { failedAt: NOW, reason: 'test' });

    // Act
    const states = await Promise.all(
      [event.eventId, waiting.eventId, failed.eventId, 'evt-unknown'].map((id) =>
        admin.eventState(userId, id),
      ),
    );

    // Assess
    expect(states).toEqual(['planned', 'waiting', 'failed', 'missing']);
  });

  it('reads one digest as the sender left it, and nothing for an unknown id', async () => {
    const { userId, reminders } = await userWith([{ dueAt: at(17) }]);
    const digest = digestOf(userId, reminders, at(17));
    await store.claimDigest(digest, at(17));
    expect(await admin.getDigest(userId, digest.digestId)).toEqual(digest);
    expect(await admin.getDigest(userId, 'd_unknown')).toBeUndefined();
  });
});

describe('emailsSentPerDay', () => {
  it('counts the digests completed on each UTC day, and none that are only claimed', async () => {
    // Prepare
    const { userId, reminders } = await userWith([
      { dueAt: at(17) },
      { dueAt: at(18) },
      { dueAt: at(18, 9) },
    ]);
    const [a, b, c] = reminders as [NewReminder, NewReminder, NewReminder];
    for (const [r, sentAt] of [
      [a, at(17, 8, 1)],
      [b, at(18, 8, 1)],
    ] as const) {
      const digest = digestOf(userId, [r], r.dueAt);
      await store.claimDigest(digest, r.dueAt);
      await store.completeDigest(digest, `msg-${r.reminderId}`, sentAt);
    }
    await store.claimDigest(digestOf(userId, [c], c.dueAt), c.dueAt);

    // Act
    const sent = await admin.emailsSentPerDay(['2026-03-16', '2026-03-17', '2026-03-18']);

    // Assess
    expect([...sent]).toEqual([
      ['2026-03-16', 0],
      ['2026-03-17', 1],
      ['2026-03-18', 1],
    ]);
  });
});

describe('feedbackCounts', () => {
  it('counts SES bounces (permanent and transient) and complaints from a day up to today', async () => {
    // Prepare
    const { userId } = await userWith([]);
    await store.putEvent(sesFeedback(userId, 'fb-old', at(10), 'bounce'));
    await store.putEvent(sesFeedback(userId, 'fb-1', at(15), 'bounce'));
    await store.putEvent(sesFeedback(userId, 'fb-2', at(18), 'transient'));
    await store.putEvent(sesFeedback(userId, 'fb-3', at(20, 11), 'complaint'));
    await store.putEvent({
      ...sesFeedback(userId, 'link-not-me', at(18), 'bounce'),
      action: { type: 'consent.suppressed', reason: 'not_me' },
      actor: { type: 'user', via: 'link' },
    });

    // Act
    const counts = await admin.feedbackCounts('2026-03-15');

    // Assess
    expect(counts).toEqual({ bounces: 2, complaints: 1 });
  });
});

describe('DynamoDbAuditLog', () => {
  let audit: DynamoDbAuditLog;
  let auditTable: string;

  beforeEach(async () => {
    auditTable = `audit-${randomUUID()}`;
    await ensureAuditTable(client, auditTable);
    audit = new DynamoDbAuditLog(documentClient, auditTable, clock);
  });

  function entry(auditId: string, when: string): AuditRecord {
    return {
      auditId,
      at: when,
      actor: 'ops@example.com',
      action: 'reminder.cancel',
      userId: 'u_1',
      reminderId: 'r_1',
      input: { reason: 'asked by the user' },
      before: { status: 'pending' },
      after: { status: 'cancelled' },
      outcome: 'applied',
    };
  }

  it('records an entry once: a repeat, even at a later time, is ignored', async () => {
    // Act
    await audit.record(entry('a_1', '2026-03-20T10:00:00.000Z'));
    await audit.record(entry('a_1', '2026-03-20T10:00:00.000Z'));
    await audit.record({ ...entry('a_1', '2026-03-20T10:05:00.000Z'), outcome: 'duplicate' });

    // Assess
    expect(await audit.list(10)).toEqual({ items: [entry('a_1', '2026-03-20T10:00:00.000Z')] });
  });

  it('lists newest first across months, page by page with its cursor', async () => {
    // Prepare: two in February, three in March
    const records = [
      entry('feb-1', '2026-02-10T09:00:00.000Z'),
      entry('feb-2', '2026-02-27T09:00:00.000Z'),
      entry('mar-1', '2026-03-01T00:00:00.000Z'),
      entry('mar-2', '2026-03-15T09:00:00.000Z'),
      entry('mar-3', '2026-03-20T11:00:00.000Z'),
    ];
    for (const r of records) await audit.record(r);

    // Act
    const first = await audit.list(2);
    const second = await audit.list(2, first.next);
    const third = await audit.list(2, second.next);

    // Assess
    expect(first.items.map((r) => r.auditId)).toEqual(['mar-3', 'mar-2']);
    expect(second.items.map((r) => r.auditId)).toEqual(['mar-1', 'feb-2']);
    expect(third.items.map((r) => r.auditId)).toEqual(['feb-1']);
    expect(third.next).toBeUndefined();
    expect(second.items[1]).toEqual(records[1]);
  });

  it('skips months with no entries, and stops two years back', async () => {
    // Prepare
    await audit.record(entry('old', '2025-12-01T00:00:00.000Z'));
    await audit.record(entry('too-old', '2024-03-01T00:00:00.000Z'));

    // Act
    const page = await audit.list(10);

    // Assess
    expect(page).toEqual({ items: [entry('old', '2025-12-01T00:00:00.000Z')] });
  });

  it('expires each entry the retention after it was made (TTL)', async () => {
    await audit.record(entry('a_ttl', '2026-03-20T10:00:00.000Z'));
    // The test reads the whole (one-entry) table to see the guard item too.
    const { Items = [] } = await documentClient.send(new ScanCommand({ TableName: auditTable }));
    const expected = Date.parse('2026-03-20T10:00:00.000Z') / 1000 + AUDIT_RETENTION_DAYS * 86_400;
    expect(Items.map((i) => i.expiresAt)).toEqual([expected, expected]);
  });
});

function digestOf(userId: string, reminders: readonly NewReminder[], claimedAt: string): Digest {
  const reminderIds = reminders.map((r) => r.reminderId);
  return { digestId: digestIdFor(reminderIds, claimedAt), userId, reminderIds, status: 'sending', claimedAt };
}

/** An SES feedback action as the feedback function stores it. */
function sesFeedback(
  userId: string,
  eventId: string,
  receivedAt: string,
  kind: 'bounce' | 'transient' | 'complaint',
): StoredUserAction {
  return {
    eventId,
    userId,
    receivedAt,
    occurredAt: receivedAt,
    action:
      kind === 'transient'
        ? { type: 'delivery.bounced_transient' }
        : { type: 'consent.suppressed', reason: kind },
    actor: { type: 'ses' },
  };
}
