/** The fault scenarios' delivery audit (harness/audit.ts), on hand-made tables. */
import { describe, expect, it } from 'vitest';
import { auditDelivery, stuckDigestReports } from '../../../harness/audit.ts';
import type { TableItem } from '../../../harness/table.ts';
import type { Email } from '../../../harness/twin-client.ts';

const NOW = new Date('2027-01-11T12:00:00Z');
const OPTIONS = { now: NOW, graceMs: 10 * 60_000 };

const reminder = (id: string, status: string, extra: Record<string, unknown> = {}): TableItem => ({
  pk: 'USER#u',
  sk: `REMINDER#${id}`,
  reminderId: id,
  status,
  dueAt: '2027-01-11T08:00:00.000Z',
  ...extra,
});
const digest = (id: string, status: string, reminderIds: string[], messageId?: string): TableItem => ({
  pk: 'USER#u',
  sk: `DIGEST#${id}`,
  digestId: id,
  status,
  reminderIds,
  ...(messageId ? { messageId } : {}),
});
const email = (messageId: string, digestId?: string): Email => ({
  messageId,
  from: 'reminders@rebound.local',
  to: ['sam@example.com'],
  subject: '',
  text: '',
  html: '',
  headers: [],
  tags: digestId ? [{ name: 'digest', value: digestId }] : [{ name: 'type', value: 'confirmation' }],
  sentAt: NOW.toISOString(),
});

describe('auditDelivery', () => {
  it('finds nothing wrong when every reminder went out once, in the email its digest records', () => {
    const audit = auditDelivery(
      [reminder('r1', 'sent'), reminder('r2', 'sent'), digest('d1', 'sent', ['r1', 'r2'], 'm1')],
      [email('m1', 'd1'), email('c1')],
      OPTIONS,
    );

    expect(audit.doubles.total).toBe(0);
    expect(audit.lost.total).toBe(0);
    expect(audit.reminders.byStatus).toEqual({ sent: 2 });
  });

  it('counts a reminder in two sent digests, a digest sent twice, and an email its digest does not record', () => {
    const audit = auditDelivery(
      [reminder('r1', 'sent'), digest('d1', 'sent', ['r1'], 'm1'), digest('d2', 'sent', ['r1'], 'm2')],
      [email('m1', 'd1'), email('m2', 'd2'), email('m3', 'd2'), email('m4', 'gone')],
      OPTIONS,
    );

    expect(audit.doubles.inSeveralDigests).toEqual(['r1']);
    expect(audit.doubles.inSeveralEmails).toEqual(['r1']);
    expect(audit.doubles.emailsWithoutDigest).toEqual(['m3', 'm4']);
  });

  it('counts a reminder pending past the grace as lost, but not one held for consent or not yet late', () => {
    const audit = auditDelivery(
      [
        reminder('late', 'pending'),
        reminder('held', 'pending', { held: true }),
        reminder('recent', 'pending', { dueAt: '2027-01-11T11:55:00.000Z' }),
      ],
      [],
      OPTIONS,
    );

    expect(audit.lost.pendingOverdue).toEqual(['late']);
  });

  it.each([
    ['reminders left in sending', 'sending'],
    ['reminders the claim marked sent', 'sent'],
  ])('counts the %s of a digest stuck in sending as lost until a report names it', (_name, status) => {
    const items = [reminder('r1', status, { digestId: 'd1' }), digest('d1', 'sending', ['r1'])];

    expect(auditDelivery(items, [], OPTIONS).lost.sendingUnreported).toEqual(['r1']);
    const reported = auditDelivery(items, [email('m1', 'd1')], { ...OPTIONS, reportedStuck: ['d1'] });
    expect(reported.lost.total).toBe(0);
    expect(reported.doubles.total).toBe(0);
    expect(reported.sendingDigests).toEqual(['d1']);
  });
});

describe('stuckDigestReports', () => {
  it('reads the digest ids from the reconciler log lines and skips a line cut by the tail', () => {
    const output = [
      '[clock] now 2027-01-11T12:00:00.000Z',
      '{"level":"WARN","message":"Digests stuck in sending","digestIds":["d1","d2"]}',
      'ing","digestIds":["d3"',
      '{"level":"WARN","message":"Digests stuck in sending","digestIds":["d2"]}',
    ].join('\n');

    expect([...stuckDigestReports(output)]).toEqual(['d1', 'd2']);
  });
});
