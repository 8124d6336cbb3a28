/** The twin's timer bookkeeping: the reconciler's schedule as CDK creates it, and where an advance steps next. */
import {
  ConflictException,
  CreateScheduleCommand,
  CreateScheduleGroupCommand,
  SchedulerClient,
} from '@aws-sdk/client-scheduler';
import { localClientConfig } from './dynamodb/launcher.ts';
import type { EmulatedSchedule } from './scheduler-emulator.ts';
import { LOCAL_NAMES, TWIN_WIRING } from './wiring.ts';

export function earliest(...dates: (Date | undefined)[]): Date | undefined {
  const times = dates.flatMap((d) => (d ? [d.getTime()] : []));
  return times.length > 0 ? new Date(Math.min(...times)) : undefined;
}

/** The schedule group and the reconciler's recurring schedule, as the CDK stacks create them on AWS. */
export async function createReconcilerSchedule(
  endpoint: string,
  existing: readonly EmulatedSchedule[],
): Promise<void> {
  const client = new SchedulerClient({ ...localClientConfig(endpoint), maxAttempts: 1 });
  try {
    await client.send(new CreateScheduleGroupCommand({ Name: TWIN_WIRING.scheduleGroup }));
  } catch (error) {
    if (!(error instanceof ConflictException)) throw error;
  }
  if (existing.some((s) => s.name === LOCAL_NAMES.reconcilerSchedule)) return;
  await client.send(
    new CreateScheduleCommand({
      Name: LOCAL_NAMES.reconcilerSchedule,
      ScheduleExpression: TWIN_WIRING.reconcilerSchedule,
      FlexibleTimeWindow: { Mode: 'OFF' },
      Target: { Arn: LOCAL_NAMES.reconcilerArn, RoleArn: LOCAL_NAMES.schedulerRoleArn, Input: '{}' },
    }),
  );
  client.destroy();
}
