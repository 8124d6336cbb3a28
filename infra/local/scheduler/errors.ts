/**
 * Errors of the EventBridge Scheduler emulator. Each one carries the AWS error type and HTTP status the
 * real service answers with, so the HTTP layer maps them in one place and the real SDK client turns them
 * into its own modelled exceptions (`ValidationException`, `ResourceNotFoundException`, ...).
 */
import { ReboundError } from '#shared/errors.ts';

/** Base class: an error the emulator answers on the wire as `awsType` with `statusCode`. */
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

/** The request breaks a constraint of the API model or a rule of the service: 400. */
export class SchedulerValidationError extends SchedulerApiError {
  public constructor(message: string, options?: ErrorOptions) {
    super('ValidationException', 400, message, options);
    this.name = 'SchedulerValidationError';
  }
}

/** The body is not JSON, or a member has the wrong JSON type: 400, as rest-json services answer. */
export class SchedulerSerializationError extends SchedulerApiError {
  public constructor(message: string, options?: ErrorOptions) {
    super('SerializationException', 400, message, options);
    this.name = 'SchedulerSerializationError';
  }
}

/** The schedule or schedule group does not exist: 404. */
export class SchedulerResourceNotFoundError extends SchedulerApiError {
  public constructor(message: string, options?: ErrorOptions) {
    super('ResourceNotFoundException', 404, message, options);
    this.name = 'SchedulerResourceNotFoundError';
  }
}

/** The resource already exists: 409. */
export class SchedulerConflictError extends SchedulerApiError {
  public constructor(message: string, options?: ErrorOptions) {
    super('ConflictException', 409, message, options);
    this.name = 'SchedulerConflictError';
  }
}

/** No operation matches the method and path: 404, like API Gateway-fronted AWS services. */
export class SchedulerUnknownOperationError extends SchedulerApiError {
  public constructor(method: string, path: string, options?: ErrorOptions) {
    super('UnknownOperationException', 404, `No operation matches ${method} ${path}`, options);
    this.name = 'SchedulerUnknownOperationError';
  }
}

/** The persisted state file exists but cannot be read back: fail at start, naming the file. */
export class SchedulerStateFileError extends ReboundError {
  public constructor(
    public readonly path: string,
    detail: string,
    options?: ErrorOptions,
  ) {
    super(`Scheduler emulator state file ${path} is unreadable: ${detail}`, options);
    this.name = 'SchedulerStateFileError';
  }
}
