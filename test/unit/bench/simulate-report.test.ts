import { describe, expect, it } from 'vitest';
import {
  type AuditItem,
  attributeSizeBytes,
  auditTable,
  callsPerReminder,
  dynamoCalls,
  itemSizeBytes,
  MeterSchema,
  parseEmailLine,
  perReminderCalls,
  perReminderInvocations,
  renderReport,
  type SentEmail,
  type SimulationReport,
} from '../../../bench/support/simulate-report.ts';

const NOW = Date.parse('2027-03-01T12:00:00Z');
const GRACE = 15 * 60_000;
const iso = (ms: number) => new Date(ms).toISOString();

const NONE: ReadonlySet<string> = new Set();
const sent = (messageId: string, confirmPath?: string): SentEmail => ({
  messageId,
  to: ['sam@example.com'],
  ...(confirmPath ? { confirmPath } : {}),
});

const reminder = (id: string, status: string, dueAt = iso(NOW - 86_400_000)): AuditItem => ({
  pk: 'USER#u1',
  sk: `REMINDER#${id}`,
  status,
  dueAt,
  sizeBytes: 600,
});
const digest = (id: string, status: string, reminderIds: string[], messageId?: string): AuditItem => ({
  pk: 'USER#u1',
  sk: `DIGEST#${id}`,
  status,
  reminderIds,
  messageId,
  sizeBytes: 300,
});

describe('auditTable', () => {
  it('counts reminders by status and items by kind', () => {
    // Prepare
    const items = [
      { pk: 'USER#u1', sk: 'PROFILE', sizeBytes: 200 },
      { ...reminder('r1', 'sent'), expires: true },
      reminder('r2', 'cancelled'),
      reminder('r3', 'pending', iso(NOW + 86_400_000)),
      digest('d1', 'sent', ['r1'], 'm1'),
    ];
    // Act
    const audit = auditTable(items, [sent('m1')], NONE, NOW, GRACE);
    // Assess
    expect(audit.reminders).toEqual({
      created: 3,
      byStatus: { sent: 1, cancelled: 1, pending: 1 },
      pendingNotDue: 1,
      heldForConsent: 0,
    });
    expect(audit.items).toEqual({
      PROFILE: { count: 1, bytes: 200, expiringBytes: 0 },
      REMINDER: { count: 3, bytes: 1800, expiringBytes: 600 },
      DIGEST: { count: 1, bytes: 300, expiringBytes: 0 },
    });
    expect(audit.doubleSends.total).toBe(0);
    expect(audit.lost.total).toBe(0);
  });

  it('finds a reminder that went out in two digests', () => {
    const items = [
      reminder('r1', 'sent'),
      digest('d1', 'sent', ['r1'], 'm1'),
      digest('d2', 'sending', ['r1']),
      digest('d3', 'failed', ['r1']),
    ];
    const audit = auditTable(items, [sent('m1')], NONE, NOW, GRACE);
    expect(audit.doubleSends.remindersInSeveralDigests).toEqual(['r1']);
    expect(audit.doubleSends.total).toBe(1);
  });

  it('finds an email no sent digest accounts for', () => {
    const audit = auditTable(
      [digest('d1', 'sent', ['r1'], 'm1')],
      [sent('m1'), sent('m2')],
      NONE,
      NOW,
      GRACE,
    );
    expect(audit.doubleSends.emailsWithoutDigest).toBe(1);
  });

  it('counts as lost a reminder overdue past the grace, or claimed and never sent', () => {
    const items = [
      reminder('late', 'pending', iso(NOW - GRACE - 1)),
      reminder('just-due', 'pending', iso(NOW - GRACE + 60_000)),
      reminder('stuck', 'sending'),
    ];
    const audit = auditTable(items, [], NONE, NOW, GRACE);
    expect(audit.lost).toEqual({ pendingOverdue: 1, claimedNotSent: 1, heldAfterConfirmation: 0, total: 2 });
    expect(audit.reminders.pendingNotDue).toBe(0);
  });

  it('groups items outside users’ partitions (rate counters, sources) by their partition key', () => {
    const items: AuditItem[] = [
      { pk: 'RATE#local', sk: '2026-11-30T11:14:20.000Z', sizeBytes: 57 },
      { pk: 'RATE#local', sk: '2026-11-30T11:14:30.000Z', sizeBytes: 56 },
      { pk: 'SOURCE#local', sk: 'SOURCE', sizeBytes: 500 },
    ];
    expect(Object.keys(auditTable(items, [], NONE, NOW, GRACE).items).sort()).toEqual(['RATE', 'SOURCE']);
  });

  it('counts the reminders of a digest still sending as claimed and never sent, each once', () => {
    // A claim marks its reminders sent; the digest alone says the email may not have gone.
    const items = [
      reminder('r1', 'sent'),
      reminder('r2', 'sent'),
      reminder('legacy', 'sending'),
      digest('d1', 'sending', ['r1', 'r2']),
      digest('d2', 'sending', ['legacy']),
    ];
    const audit = auditTable(items, [], NONE, NOW, GRACE);
    expect(audit.lost).toEqual({ pendingOverdue: 0, claimedNotSent: 3, heldAfterConfirmation: 0, total: 3 });
  });

  it('counts a reminder held for consent as lost only when its user confirmed', () => {
    const held = (pk: string): AuditItem => ({ ...reminder(pk, 'pending'), pk, held: true });
    const audit = auditTable([held('USER#a'), held('USER#b')], [], new Set(['USER#b']), NOW, GRACE);
    expect(audit.reminders.heldForConsent).toBe(1);
    expect(audit.lost.heldAfterConfirmation).toBe(1);
    expect(audit.lost.pendingOverdue).toBe(0);
  });

  it('tells confirmation requests from reminder emails, and does not count them as double sends', () => {
    const audit = auditTable(
      [digest('d1', 'sent', ['r1'], 'm1')],
      [sent('m1'), sent('c1', '/links/confirm?t=abc')],
      NONE,
      NOW,
      GRACE,
    );
    expect(audit.emails).toEqual({ reminders: 1, confirmations: 1 });
    expect(audit.doubleSends.total).toBe(0);
  });
});

describe('parseEmailLine', () => {
  it('reads the message id, the recipients and the confirmation link of a recorded email', () => {
    const line = JSON.stringify({
      messageId: 'm-1',
      from: 'Rebound <reminders@rebound.local>',
      to: ['sam@example.com'],
      subject: 'Do you want reminders?',
      text: 'Yes: http://127.0.0.1:3000/links/confirm?t=abc.def-ghi\n',
      html: '<a href="http://127.0.0.1:3000/links/confirm?t=abc.def-ghi">Yes</a>',
      headers: [],
      sentAt: '2026-12-01T09:00:00.000Z',
    });
    expect(parseEmailLine(line)).toEqual({
      messageId: 'm-1',
      to: ['sam@example.com'],
      confirmPath: '/links/confirm?t=abc.def-ghi',
    });
  });

  it('reads a reminder email without a confirmation link, and skips blank lines', () => {
    expect(parseEmailLine(JSON.stringify({ messageId: 'm-2', to: ['a@b.c'], text: 'Follow up' }))).toEqual({
      messageId: 'm-2',
      to: ['a@b.c'],
    });
    expect(parseEmailLine('')).toBeUndefined();
  });
});

describe('item sizes', () => {
  it('counts attribute names and values the way DynamoDB does', () => {
    expect(itemSizeBytes({ pk: { S: 'USER#1' }, sk: { S: 'PROFILE' } })).toBe(2 + 6 + 2 + 7);
    expect(attributeSizeBytes({ S: 'é' })).toBe(2);
    expect(attributeSizeBytes({ N: '12345' })).toBe(4);
    expect(attributeSizeBytes({ BOOL: true })).toBe(1);
    expect(attributeSizeBytes({ M: { a: { S: 'xy' } } })).toBe(3 + 1 + 1 + 2);
    expect(attributeSizeBytes({ L: [{ S: 'a' }, { S: 'bc' }] })).toBe(3 + 2 + 3);
  });
});

describe('the meter', () => {
  const meter = MeterSchema.parse({
    awsCalls: {
      'DynamoDB.Query': 300,
      'Scheduler.CreateSchedule': 120,
      'SESv2.SendEmail': 60,
      'DynamoDB.GetItem': 40,
    },
    invocations: { ingest: { count: 50, durationMs: 400 }, sender: { count: 70, durationMs: 900 } },
  });

  it('accepts the documented shape', () => {
    expect(meter.awsCalls['DynamoDB.Query']).toBe(300);
    expect(meter.dynamodb).toBeUndefined();
  });

  it('reads the twin’s own shape: calls with outcomes, invocations with total time', () => {
    const twin = MeterSchema.parse({
      awsCalls: { 'DynamoDB.Query': { calls: 7, forwarded: 6, faulted: 1 } },
      invocations: { sender: { count: 2, errors: 0, totalMs: 31.5 } },
    });
    expect(twin.awsCalls).toEqual({ 'DynamoDB.Query': 7 });
    expect(twin.invocations).toEqual({ sender: { count: 2, durationMs: 31.5 } });
  });

  it('rejects a shape it cannot read', () => {
    expect(MeterSchema.safeParse({ awsCalls: { x: 'many' }, invocations: {} }).success).toBe(false);
  });

  it('gives calls per reminder, largest first, with and without SES', () => {
    const calls = callsPerReminder(meter.awsCalls, 100);
    expect(calls.rows.map((r) => `${r.service}.${r.operation}`)).toEqual([
      'DynamoDB.Query',
      'Scheduler.CreateSchedule',
      'SESv2.SendEmail',
      'DynamoDB.GetItem',
    ]);
    expect(calls.rows[0]?.perReminder).toBe(3);
    expect(calls.total).toBeCloseTo(5.2, 9);
    expect(calls.totalWithoutSes).toBeCloseTo(4.6, 9);
  });

  it('prices every function but the reconciler per reminder', () => {
    const withReconciler = MeterSchema.parse({
      ...meter,
      invocations: { ...meter.invocations, reconciler: { count: 9, durationMs: 90 } },
    });
    expect(perReminderInvocations(withReconciler)).toEqual({
      ingest: { invocations: 50, durationMs: 400 },
      sender: { invocations: 70, durationMs: 900 },
    });
  });

  it('picks out the DynamoDB operations', () => {
    expect(dynamoCalls(meter.awsCalls)).toEqual({ Query: 300, GetItem: 40 });
  });

  it('leaves the reconciler out when the meter splits calls by function', () => {
    const split = MeterSchema.parse({
      ...meter,
      awsCallsByFunction: {
        planner: { 'DynamoDB.Query': 10 },
        sender: { 'DynamoDB.Query': 5, 'SESv2.SendEmail': 2 },
        reconciler: { 'DynamoDB.Query': 99 },
      },
    });
    expect(perReminderCalls(split)).toEqual({ 'DynamoDB.Query': 15, 'SESv2.SendEmail': 2 });
    expect(perReminderCalls(meter)).toEqual(meter.awsCalls);
  });
});

describe('renderReport', () => {
  const base: SimulationReport = {
    config: {
      users: 2,
      weeks: 1,
      seed: 1,
      concurrency: 4,
      drainWeeks: 9,
      logLevel: 'INFO',
      dynamodb: 'memory',
    },
    workload: {
      events: 5,
      byType: { 'application.submitted': 5 },
      rejectionsByReason: {},
      usersWhoAcceptedAnOffer: 0,
      usersByZone: { 'Europe/Berlin': 2 },
      clockSteps: 3,
      start: '2026-12-01T00:00:00.000Z',
      horizon: '2026-12-08T00:00:00.000Z',
      end: '2027-02-09T00:00:00.000Z',
    },
    posted: { total: 5, byStatus: { 202: 5 }, duplicates: 0 },
    audit: auditTable(
      [reminder('r1', 'sent'), digest('d1', 'sent', ['r1'], 'm1')],
      [sent('m1')],
      NONE,
      NOW,
      GRACE,
    ),
    emails: 1,
    consent: { confirmed: 2, declined: 0, failed: 0 },
    deadLetters: { stream: 0, scheduler: 0 },
    schedulesLeft: 0,
    wallMs: { total: 61_000, startup: 10_000, posting: 1_000, advancing: 40_000, drain: 9_000, audit: 1_000 },
    retriedRequests: 0,
    twinCpuMs: { node: 5_000, java: 9_000 },
    meter: { available: false, reason: 'GET /_local/meter answered 404' },
    cost: undefined,
    reconcilerMonthlyUsd: undefined,
    profile: undefined,
    ok: true,
    failures: [],
  };

  it('says the meter is not available and still prints the rest', () => {
    const text = renderReport(base);
    expect(text).toContain('meter not available (GET /_local/meter answered 404)');
    expect(text).toMatch(/double sends\s+0/);
    expect(text).toMatch(/lost reminders\s+0/);
    expect(text).toContain('1 min 01 s');
    expect(text.trimEnd().endsWith('OK')).toBe(true);
  });

  it('says in its first line where DynamoDB Local kept the tables', () => {
    expect(renderReport(base).split('\n')[0]).toContain('DynamoDB Local in memory');
    const onDisk = renderReport({ ...base, config: { ...base.config, dynamodb: 'disk' } });
    expect(onDisk.split('\n')[0]).toContain('DynamoDB Local on disk');
  });

  it("counts the reconciler's queries in the DynamoDB line when the meter reports consumed capacity", () => {
    const meter = {
      available: true as const,
      calls: callsPerReminder({ 'DynamoDB.Query': 3 }, 1),
      callsScope: 'every function',
      invocations: { reconciler: { count: 2, durationMs: 8 } },
      logBytes: undefined,
    };
    const metered = renderReport({
      ...base,
      reconcilerMonthlyUsd: 0.002,
      meter: { ...meter, dynamoUnits: { readUnits: 1, writeUnits: 2, source: 'meter' } },
    });
    expect(metered).toContain('(consumed capacity, metered)');
    expect(metered).toContain('(its queries are in the DynamoDB line above)');
    const approximated = renderReport({
      ...base,
      reconcilerMonthlyUsd: 0.002,
      meter: { ...meter, dynamoUnits: { readUnits: 1, writeUnits: 2, source: 'approximation' } },
    });
    expect(approximated).toContain('(its queries not included)');
  });

  it('prints calls per reminder when the meter answers', () => {
    const text = renderReport({
      ...base,
      meter: {
        available: true,
        calls: callsPerReminder({ 'DynamoDB.Query': 3, 'SESv2.SendEmail': 1 }, 1),
        callsScope: 'ingest, planner, sender',
        invocations: { sender: { count: 2, durationMs: 30 } },
        dynamoUnits: { readUnits: 3, writeUnits: 4, source: 'approximation' },
        logBytes: undefined,
      },
    });
    expect(text).toMatch(/DynamoDB\.Query\s+3\s+3\.00/);
    expect(text).toMatch(/total without SES\s+3\.00/);
    expect(text).toContain('LOWER BOUND');
  });

  it('lists the failures', () => {
    const text = renderReport({ ...base, ok: false, failures: ['2 lost reminders'] });
    expect(text).toContain('FAILED:\n  - 2 lost reminders');
  });
});
