/**
 * `TimerService` on EventBridge Scheduler: one one-time schedule per reminder, named deterministically,
 * carrying only ids. The request comes from one pure function, used for both create and update, because
 * UpdateSchedule resets every field it is not given.
 */
import {
  ConflictException,
  CreateScheduleCommand,
  type CreateScheduleCommandInput,
  DeleteScheduleCommand,
  ResourceNotFoundException,
  type SchedulerClient,
  UpdateScheduleCommand,
} from '@aws-sdk/client-scheduler';
import type { TimerPayload, TimerRequest, TimerService } from '../ports.ts';

export interface TimerTargetConfig {
  readonly groupName: string;
  /** The sender function: the only thing a reminder schedule may invoke. */
  readonly targetArn: string;
  readonly roleArn: string;
  readonly deadLetterArn: string;
}

/** Retries cover a sender that is throttled or briefly failing; after an hour the reconciler takes over. */
export const TIMER_RETRY_POLICY = { MaximumRetryAttempts: 5, MaximumEventAgeInSeconds: 3600 } as const;

/** `at()` takes a local date-time without zone; we always give UTC (seconds precision). */
export function atExpression(dueAt: string): string {
  const iso = new Date(dueAt).toISOString();
  return `at(${iso.slice(0, 19)})`;
}

/** The full CreateSchedule/UpdateSchedule request for one reminder timer. Pure. */
export function buildScheduleRequest(
  timer: TimerRequest,
  config: TimerTargetConfig,
): CreateScheduleCommandInput {
  const payload: TimerPayload = { userId: timer.userId, reminderId: timer.reminderId };
  return {
    Name: timer.scheduleName,
    GroupName: config.groupName,
    ScheduleExpression: atExpression(timer.dueAt),
    ScheduleExpressionTimezone: 'UTC',
    FlexibleTimeWindow: { Mode: 'OFF' },
    ActionAfterCompletion: 'DELETE',
    State: 'ENABLED',
    Description: `Rebound reminder ${timer.reminderId}`,
    Target: {
      Arn: config.targetArn,
      RoleArn: config.roleArn,
      Input: JSON.stringify(payload),
      RetryPolicy: { ...TIMER_RETRY_POLICY },
      DeadLetterConfig: { Arn: config.deadLetterArn },
    },
  };
}

export class SchedulerTimerService implements TimerService {
  public constructor(
    private readonly client: SchedulerClient,
    private readonly config: TimerTargetConfig,
  ) {}

  public async ensure(timer: TimerRequest): Promise<void> {
    const request = buildScheduleRequest(timer, this.config);
    try {
      await this.client.send(new CreateScheduleCommand(request));
    } catch (error) {
      if (!(error instanceof ConflictException)) throw error;
      // It exists (a retry after a partial failure): make it match what DynamoDB says.
      await this.client.send(new UpdateScheduleCommand(request));
    }
  }

  public async remove(scheduleName: string): Promise<void> {
    try {
      await this.client.send(
        new DeleteScheduleCommand({ Name: scheduleName, GroupName: this.config.groupName }),
      );
    } catch (error) {
      if (!(error instanceof ResourceNotFoundException)) throw error;
      // Already fired (ActionAfterCompletion DELETE) or deleted by an earlier attempt.
    }
  }
}
