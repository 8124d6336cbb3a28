/**
 * The wiring the twin actually runs with, read from `shared/wiring.ts` like the CDK app.
 * `test/unit/infra/wiring-parity.test.ts` compares this object with the synthesized template.
 */
import {
  DEFAULT_SCHEDULE_GROUP,
  PLANNER_STREAM_MAPPING,
  POWERTOOLS,
  RECONCILER_RATE_MINUTES,
  TIMER_RETRY_POLICY,
} from '../../shared/wiring.ts';

export const TWIN_WIRING = {
  streamMapping: PLANNER_STREAM_MAPPING,
  /** The reconciler's recurring schedule, in Scheduler's expression language. */
  reconcilerSchedule: `rate(${RECONCILER_RATE_MINUTES} minutes)`,
  scheduleGroup: DEFAULT_SCHEDULE_GROUP,
  powertools: POWERTOOLS,
  timerRetryPolicy: TIMER_RETRY_POLICY,
} as const;
