import { describe, expect, it } from 'vitest';
import {
  type AuditItem,
  attributeSizeBytes,
  auditTable,
  callsPerReminder,
  dynamoCalls,
  itemSizeBytes,
  MeterSchema,
  perReminderCalls,
  renderReport,
  type SimulationReport,
} from '../../../bench/support/simulate-report.ts';

const NOW = Date.parse('2027-03-01T12:00:00Z');
const GRACE = 15 * 60_000;
const iso = (ms: number) => new Date(ms).toISOString();

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
      reminder('r1', 'sent'),
      reminder('r2', 'cancelled'),
      reminder('r3', 'pending', iso(NOW + 86_400_000)),
      digest('d1', 'sent', ['r1'], 'm1'),
    ];
    // Act
    const audit = auditTable(items, ['m1'], NOW, GRACE);
    // Assess
    expect(audit.reminders).toEqual({
      created: 3,
      byStatus: { sent: 1, cancelled: 1, pending: 1 },
      pendingNotDue: 1,
    });
    expect(audit.items).toEqual({
      PROFILE: { count: 1, bytes: 200 },
      REMINDER: { count: 3, bytes: 1800 },
      DIGEST: { count: 1, bytes: 300 },
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
    const audit = auditTable(items, ['m1'], NOW, GRACE);
    expect(audit.doubleSends.remindersInSeveralDigests).toEqual(['r1']);
    expect(audit.doubleSends.total).toBe(1);
  });

  it('finds an email no sent digest accounts for', () => {
    const audit = auditTable([digest('d1', 'sent', ['r1'], 'm1')], ['m1', 'm2'], NOW, GRACE);
    expect(audit.doubleSends.emailsWithoutDigest).toBe(1);
  });

  it('counts as lost a reminder overdue past the grace, or claimed and never sent', () => {
    const items = [
      reminder('late', 'pending', iso(NOW - GRACE - 1)),
      reminder('just-due', 'pending', iso(NOW - GRACE + 60_000)),
      reminder('stuck', 'sending'),
    ];
    const audit = auditTable(items, [], NOW, GRACE);
    expect(audit.lost).toEqual({ pendingOverdue: 1, claimedNotSent: 1, total: 2 });
    expect(audit.reminders.pendingNotDue).toBe(0);
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
    config: { users: 2, weeks: 1, seed: 1, concurrency: 4, drainWeeks: 9, logLevel: 'INFO' },
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
    audit: auditTable([reminder('r1', 'sent'), digest('d1', 'sent', ['r1'], 'm1')], ['m1'], NOW, GRACE),
    emails: 1,
    deadLetters: { stream: 0, scheduler: 0 },
    schedulesLeft: 0,
    wallMs: { total: 61_000, startup: 10_000, posting: 1_000, advancing: 40_000, drain: 9_000, audit: 1_000 },
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
