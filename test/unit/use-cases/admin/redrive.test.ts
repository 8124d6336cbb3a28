/**
 * The operator's redrive of a dead-letter queue (`dead_letter.redrive`): on the pipeline's fakes, with a
 * queue of dead letters handed back by the real `redriveLetter` (as the SQS adapter and the twin do), so a
 * redriven wake-up becomes the user's slot timer and the real sender sends what is due exactly once.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { type DeadLetterKind, redriveLetter } from '#shared/adapters/dead-letters.ts';
import { slotScheduleNameFor } from '#shared/domain/ids.ts';
import type { Reminder } from '#shared/domain/model.ts';
import { AdminActionRefusedError, ForbiddenError, NotFoundError } from '#shared/errors.ts';
import type { DeadLetterView, RedriveResult } from '#shared/ports.ts';
import { adminService } from '#shared/use-cases/admin/index.ts';
import { sendDueReminders } from '#shared/use-cases/send-due-reminders.ts';
import { type AdminWorld, adminWorld } from './support.ts';
import { OPERATOR, samApplied, VIEWER } from './world.ts';

// Tuesday 1 December 2026, 10:00:30 UTC.
const NOW = '2026-12-01T10:00:30.000Z';

/** One queue of message bodies, redriven one by one; what cannot be handed back stays. */
class QueueOfDeadLetters implements DeadLetterView {
  public redrives = 0;
  public constructor(
    private readonly name: string,
    private readonly kind: DeadLetterKind,
    public bodies: unknown[],
    private readonly w: AdminWorld,
  ) {}
  public async counts() {
    return [{ name: this.name, count: this.bodies.length }];
  }
  public async redrive(queue: string): Promise<RedriveResult> {
    if (queue !== this.name) throw new NotFoundError(`Dead-letter queue ${queue}`);
    this.redrives += 1;
    const kept: unknown[] = [];
    const notes: string[] = [];
    for (const body of this.bodies) {
      const note = await redriveLetter(this.kind, body, { timers: this.w.p.timers, clock: this.w.p.clock });
      if (note !== undefined) {
        kept.push(body);
        notes.push(note);
      }
    }
    const redriven = this.bodies.length - kept.length;
    this.bodies = kept;
    return { redriven, remaining: kept.length, notes };
  }
}

let w: AdminWorld;
let userId: string;
let first: Reminder;

beforeEach(async () => {
  w = adminWorld(NOW);
  const sam = await samApplied(w);
  userId = sam.userId;
  first = sam.pending[0] as Reminder;
});

describe('redriving the scheduler dead letters', () => {
  it('wakes the sender at the next minute through the slot timer, audits the counts, and sends the reminder once', async () => {
    // Prepare: the first follow-up's wake-up failed (SES down) and dead-lettered, beside a body of another kind
    const wokenAt = new Date(Date.parse(first.dueAt) + 20 * 60_000 + 15_000);
    w.p.clock.set(wokenAt);
    const queue = new QueueOfDeadLetters(
      'scheduler',
      'wake-up',
      [JSON.stringify({ userId, reminderId: first.reminderId }), '{}'],
      w,
    );
    const service = adminService({ ...w.deps, deadLetters: queue });

    // Act
    const result = await service.act(OPERATOR, { type: 'dead_letter.redrive', queue: 'scheduler' }, 'k-1');
    const nextMinute = new Date(Math.ceil(wokenAt.getTime() / 60_000) * 60_000).toISOString();
    w.p.clock.set(nextMinute);
    const firstWake = await sendDueReminders(userId, w.p);
    const secondWake = await sendDueReminders(userId, w.p);

    // Assess
    expect(result.outcome).toBe('applied');
    expect(result.deadLetters).toEqual({
      queue: 'scheduler',
      redriven: 1,
      remaining: 1,
      notes: ['A message that is not a wake-up of the sender ({ userId, reminderId }) was kept.'],
    });
    expect(result.message).toMatch(
      /^Redrove 1 dead letter from scheduler: their users' sender runs again at the next minute\. 1 dead letter remain\./,
    );
    expect(w.p.timers.timers.get(slotScheduleNameFor(userId, nextMinute))).toEqual({
      scheduleName: slotScheduleNameFor(userId, nextMinute),
      dueAt: nextMinute,
      userId,
      reminderId: first.reminderId,
    });
    expect(firstWake.emails).toBe(1);
    expect(secondWake.emails).toBe(0);
    expect(w.p.mailer.sent).toHaveLength(1);
    const record = w.audit.records.get(result.auditId);
    expect(record).toMatchObject({
      actor: OPERATOR.email,
      action: 'dead_letter.redrive',
      input: { queue: 'scheduler' },
      before: { count: 2 },
      after: { redriven: 1, remaining: 1 },
      outcome: 'applied',
    });
  });

  it('sends nothing for a wake-up whose reminder went out already: DynamoDB decides', async () => {
    w.p.clock.set(new Date(Date.parse(first.dueAt) + 60_000));
    await sendDueReminders(userId, w.p);
    const sentBefore = w.p.mailer.sent.length;
    const queue = new QueueOfDeadLetters(
      'scheduler',
      'wake-up',
      [JSON.stringify({ userId, reminderId: first.reminderId })],
      w,
    );
    await adminService({ ...w.deps, deadLetters: queue }).act(OPERATOR, {
      type: 'dead_letter.redrive',
      queue: 'scheduler',
    });
    w.p.clock.set(new Date(Date.parse(first.dueAt) + 3 * 60_000));
    const wake = await sendDueReminders(userId, w.p);
    expect(sentBefore).toBe(1);
    expect(queue.bodies).toEqual([]);
    expect(wake.emails).toBe(0);
    expect(w.p.mailer.sent).toHaveLength(1);
  });

  it('says so when there was nothing to redrive', async () => {
    const queue = new QueueOfDeadLetters('scheduler', 'wake-up', [], w);
    const result = await adminService({ ...w.deps, deadLetters: queue }).act(OPERATOR, {
      type: 'dead_letter.redrive',
      queue: 'scheduler',
    });
    expect(result.message).toBe('Nothing redriven from scheduler. None remain.');
    expect(result.deadLetters).toMatchObject({ redriven: 0, remaining: 0 });
  });
});

describe('who may redrive, and what', () => {
  it('refuses a viewer with ForbiddenError: nothing is redriven or audited', async () => {
    const queue = new QueueOfDeadLetters('scheduler', 'wake-up', ['{}'], w);
    await expect(
      adminService({ ...w.deps, deadLetters: queue }).act(VIEWER, {
        type: 'dead_letter.redrive',
        queue: 'scheduler',
      }),
    ).rejects.toBeInstanceOf(ForbiddenError);
    expect(queue.redrives).toBe(0);
    expect(w.audit.writes).toBe(0);
  });

  it('answers NotFoundError for a queue the view does not list, before redriving anything', async () => {
    const queue = new QueueOfDeadLetters('scheduler', 'wake-up', ['{}'], w);
    await expect(
      adminService({ ...w.deps, deadLetters: queue }).act(OPERATOR, {
        type: 'dead_letter.redrive',
        queue: 'nope',
      }),
    ).rejects.toBeInstanceOf(NotFoundError);
    expect(queue.redrives).toBe(0);
    expect(w.audit.writes).toBe(0);
  });

  it('passes on the refusal of a queue that cannot be redriven, and audits nothing', async () => {
    w.deadLetters.queues = [{ name: 'feedback', count: 2 }];
    const refusing: DeadLetterView = {
      counts: () => w.deadLetters.counts(),
      redrive: async () => {
        throw new AdminActionRefusedError('Redrive is not supported for the feedback queue');
      },
    };
    await expect(
      adminService({ ...w.deps, deadLetters: refusing }).act(OPERATOR, {
        type: 'dead_letter.redrive',
        queue: 'feedback',
      }),
    ).rejects.toBeInstanceOf(AdminActionRefusedError);
    expect(w.audit.writes).toBe(0);
  });
});
