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
  ValidationException,
} from '@aws-sdk/client-scheduler';
import { RequestRejectedError } from '../errors.ts';
import type { TimerPayload, TimerRequest, TimerService } from '../ports.ts';
import { TIMER_RETRY_POLICY } from '../wiring.ts';

export interface TimerTargetConfig {
  readonly groupName: string;
  /** The sender function: the only thing a reminder schedule may invoke. */
  readonly targetArn: string;
  readonly roleArn: string;
  readonly deadLetterArn: string;
}

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
      if (!(error instanceof ConflictException))
        throw permanentIfInvalid(`CreateSchedule ${timer.scheduleName}`, error);
      // It exists (a retry after a partial failure): make it match what DynamoDB says.
      await this.client.send(new UpdateScheduleCommand(request)).catch((updateError: unknown) => {
        throw permanentIfInvalid(`UpdateSchedule ${timer.scheduleName}`, updateError);
      });
    }
  }

  public async remove(scheduleName: string): Promise<void> {
    try {
      await this.client.send(
        new DeleteScheduleCommand({ Name: scheduleName, GroupName: this.config.groupName }),
      );
    } catch (error) {
      // Already fired (ActionAfterCompletion DELETE) or deleted by an earlier attempt.
      if (error instanceof ResourceNotFoundException) return;
      throw permanentIfInvalid(`DeleteSchedule ${scheduleName}`, error);
    }
  }
}

/**
 * The Scheduler's `ValidationException` (a date out of range, a malformed name) gets the same answer however
 * often it is sent: it becomes a `RequestRejectedError`. Throttling, 5xx and timeouts pass through as they are.
 */
function permanentIfInvalid(operation: string, error: unknown): unknown {
  return error instanceof ValidationException ? new RequestRejectedError(operation, { cause: error }) : error;
}
