/**
 * Errors of the Scheduler emulator. An API error carries the AWS error type and HTTP status the real
 * service answers with, so the API maps them in one place and the real SDK client raises its own
 * modelled exception (`ValidationException`, `ResourceNotFoundException`, ...).
 */
import { ReboundError } from '#shared/errors.ts';

/** An error answered on the wire as `awsType` with `statusCode`. */
export class SchedulerApiError extends ReboundError {
  public constructor(
    public readonly awsType: string,
    public readonly statusCode: number,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'SchedulerApiError';
  }
}

/** A constraint of the API model or a rule of the service is broken, or the twin lacks what is asked. */
export class SchedulerValidationError extends SchedulerApiError {
  public constructor(message: string, options?: ErrorOptions) {
    super('ValidationException', 400, message, options);
    this.name = 'SchedulerValidationError';
  }
}

export class SchedulerResourceNotFoundError extends SchedulerApiError {
  public constructor(message: string) {
    super('ResourceNotFoundException', 404, message);
    this.name = 'SchedulerResourceNotFoundError';
  }
}

export class SchedulerConflictError extends SchedulerApiError {
  public constructor(message: string) {
    super('ConflictException', 409, message);
    this.name = 'SchedulerConflictError';
  }
}
