import { describe, expect, it } from 'vitest';
import { nextReconcilerWake, type ReconcilerTiming } from '../../../infra/local/reconciler-wake.ts';

const TIMING: ReconcilerTiming = {
  nextFireAt: '2027-01-11T08:05:00.000Z',
  lastFiredAt: '2027-01-11T08:00:00.000Z',
  graceMs: 5 * 60_000,
  periodMs: 5 * 60_000,
};

describe('nextReconcilerWake', () => {
  it('is the first run at or after the oldest pending reminder is late enough for the reconciler', () => {
    // A reminder due Tuesday 08:00 whose timer was lost: the run at 08:05 sends it
    expect(nextReconcilerWake(['2027-01-12T08:00:00.000Z'], TIMING)).toEqual(
      new Date('2027-01-12T08:05:00.000Z'),
    );
  });

  it('rounds up to the schedule of runs', () => {
    expect(nextReconcilerWake(['2027-01-12T08:01:30.000Z'], TIMING)).toEqual(
      new Date('2027-01-12T08:10:00.000Z'),
    );
  });

  it('is the next run when a reminder is late already', () => {
    expect(nextReconcilerWake(['2027-01-11T07:58:00.000Z'], { ...TIMING, lastFiredAt: undefined })).toEqual(
      new Date('2027-01-11T08:05:00.000Z'),
    );
  });

  it('skips reminders the reconciler has run for, so a failing send is not stepped through every 5 minutes', () => {
    // Prepare: the 08:00 run was already late enough for the first reminder, and it is still pending
    const pending = ['2027-01-11T07:50:00.000Z', '2027-01-13T08:00:00.000Z'];

    // Act / Assess
    expect(nextReconcilerWake(pending, TIMING)).toEqual(new Date('2027-01-13T08:05:00.000Z'));
    expect(nextReconcilerWake(pending.slice(0, 1), TIMING)).toBeUndefined();
  });

  it('gives no hint without a reconciler schedule or pending reminders', () => {
    expect(
      nextReconcilerWake(['2027-01-12T08:00:00.000Z'], { ...TIMING, nextFireAt: undefined }),
    ).toBeUndefined();
    expect(nextReconcilerWake([], TIMING)).toBeUndefined();
  });
});
