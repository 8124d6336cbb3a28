import { describe, expect, it } from 'vitest';
import { scheduleNameFor, slotScheduleNameFor } from '#shared/domain/ids.ts';
import type { NewReminder, Reminder } from '#shared/domain/model.ts';
import { cancellation } from '#shared/domain/policy.ts';
import { SEND_TIME_CHECK } from '#shared/use-cases/send-due-reminders.ts';
import { applyTimers, ENSURE_ALWAYS_WITHIN_MS, timerNameOf } from '#shared/use-cases/timers.ts';
import { FakeTimerService } from '../../support/fakes.ts';

const USER = 'u_0123456789abcdef01234567';
const NOW = new Date('2027-01-04T10:00:00.000Z');
const SLOT = '2027-01-11T08:00:00.000Z';
const LATER_SLOT = '2027-01-18T08:00:00.000Z';
const slotTimer = (dueAt: string) => slotScheduleNameFor(USER, dueAt);

function reminder(id: string, dueAt: string, extra: Partial<Reminder> = {}): Reminder {
  return {
    reminderId: `r_${id.padStart(30, '0')}`,
    userId: USER,
    kind: 'follow_up',
    sequence: 1,
    status: 'pending',
    dueAt,
    application: { ref: 'acme', company: 'Acme' },
    sourceEventId: 'evt-1',
    scheduleName: slotTimer(dueAt),
    createdAt: NOW.toISOString(),
    ...extra,
  };
}

const created = (r: Reminder): NewReminder => {
  const { status: _status, ...rest } = r;
  return rest;
};

describe('timers, one per user and send slot', () => {
  it('names a slot timer within the Scheduler’s limits, and keeps a reminder’s own timer from before', () => {
    // Act
    const name = slotTimer(SLOT);

    // Assess
    expect(name).toBe('rebound-u-0123456789abcdef01234567-20270111T0800');
    expect(name).toMatch(/^[0-9a-zA-Z\-_.]{1,64}$/);
    const legacy = reminder('1', SLOT, { scheduleName: scheduleNameFor('r_1') });
    expect(timerNameOf(USER, legacy)).toBe(scheduleNameFor('r_1'));
    expect(timerNameOf(USER, { ...reminder('2', SLOT), dueAt: LATER_SLOT })).toBe(slotTimer(LATER_SLOT));
  });

  it('creates one timer for two new reminders of the same slot', async () => {
    // Prepare
    const timers = new FakeTimerService();
    const a = reminder('1', SLOT);
    const b = reminder('2', SLOT);

    // Act
    await applyTimers(USER, { create: [created(a), created(b)], cancel: [] }, timers, {
      pending: [],
      now: NOW,
    });

    // Assess
    expect(timers.ensured).toEqual([
      { scheduleName: slotTimer(SLOT), dueAt: SLOT, userId: USER, reminderId: a.reminderId },
    ]);
  });

  it('asks nothing of the Scheduler for a reminder whose slot another pending reminder already has', async () => {
    // Prepare
    const timers = new FakeTimerService();
    const waiting = reminder('1', SLOT);

    // Act
    await applyTimers(USER, { create: [created(reminder('2', SLOT))], cancel: [] }, timers, {
      pending: [waiting],
      now: NOW,
    });

    // Assess
    expect(timers.ensured).toEqual([]);
  });

  it('ensures the timer of a slot that is about to fire, even when another reminder has it', async () => {
    // Prepare: the slot's timer may just have fired and be gone
    const timers = new FakeTimerService();
    const now = new Date(Date.parse(SLOT) - ENSURE_ALWAYS_WITHIN_MS + 1);

    // Act
    await applyTimers(USER, { create: [created(reminder('2', SLOT))], cancel: [] }, timers, {
      pending: [reminder('1', SLOT)],
      now,
    });

    // Assess
    expect(timers.ensured.map((t) => t.scheduleName)).toEqual([slotTimer(SLOT)]);
  });

  it('does not count a reminder the sender moved after a pause (it has no timer) as keeping its slot’s', async () => {
    // Prepare
    const timers = new FakeTimerService();
    const moved = reminder('1', SLOT, { movedBy: SEND_TIME_CHECK });

    // Act
    await applyTimers(USER, { create: [created(reminder('2', SLOT))], cancel: [] }, timers, {
      pending: [moved],
      now: NOW,
    });

    // Assess
    expect(timers.ensured.map((t) => t.scheduleName)).toEqual([slotTimer(SLOT)]);
  });

  it('keeps the slot’s timer while another reminder is due then, and deletes it with the last one', async () => {
    // Prepare
    const timers = new FakeTimerService();
    const a = reminder('1', SLOT);
    const b = reminder('2', SLOT);

    // Act
    await applyTimers(USER, { create: [], cancel: [cancellation(a, 'superseded')] }, timers, {
      pending: [a, b],
      now: NOW,
    });
    const afterFirst = [...timers.removed];
    await applyTimers(USER, { create: [], cancel: [cancellation(b, 'superseded')] }, timers, {
      pending: [b],
      now: NOW,
    });

    // Assess
    expect(afterFirst).toEqual([]);
    expect(timers.removed).toEqual([slotTimer(SLOT)]);
  });

  it('moves a reminder between slots: ensures the new slot’s timer, deletes the old one left empty', async () => {
    // Prepare
    const timers = new FakeTimerService();
    const a = reminder('1', SLOT);

    // Act
    await applyTimers(
      USER,
      {
        create: [],
        cancel: [],
        move: [{ reminderId: a.reminderId, scheduleName: a.scheduleName, dueAt: LATER_SLOT }],
      },
      timers,
      { pending: [a], now: NOW },
    );

    // Assess
    expect(timers.ensured.map((t) => [t.scheduleName, t.dueAt])).toEqual([
      [slotTimer(LATER_SLOT), LATER_SLOT],
    ]);
    expect(timers.removed).toEqual([slotTimer(SLOT)]);
  });

  it('gives held reminders no timer and deletes none for them', async () => {
    // Prepare
    const timers = new FakeTimerService();
    const held = reminder('1', SLOT, { held: true });

    // Act
    await applyTimers(
      USER,
      { create: [created(reminder('2', SLOT, { held: true }))], cancel: [cancellation(held, 'not me')] },
      timers,
      { pending: [held], now: NOW },
    );

    // Assess
    expect(timers.ensured).toEqual([]);
    expect(timers.removed).toEqual([]);
  });

  it('keeps timing a reminder planned before slot timers by its own timer', async () => {
    // Prepare
    const timers = new FakeTimerService();
    const legacy = reminder('1', SLOT, { scheduleName: scheduleNameFor('r_1') });
    const other = reminder('2', SLOT);

    // Act: moved, then cancelled
    await applyTimers(
      USER,
      {
        create: [],
        cancel: [],
        move: [{ reminderId: legacy.reminderId, scheduleName: legacy.scheduleName, dueAt: LATER_SLOT }],
      },
      timers,
      { pending: [legacy, other], now: NOW },
    );
    await applyTimers(
      USER,
      { create: [], cancel: [cancellation({ ...legacy, dueAt: LATER_SLOT }, 'done')] },
      timers,
      { pending: [{ ...legacy, dueAt: LATER_SLOT }, other], now: NOW },
    );

    // Assess: its own timer moved, then went; the slot timer of the other reminder was never touched
    expect(timers.ensured.map((t) => [t.scheduleName, t.dueAt])).toEqual([
      [scheduleNameFor('r_1'), LATER_SLOT],
    ]);
    expect(timers.removed).toEqual([scheduleNameFor('r_1')]);
  });
});
