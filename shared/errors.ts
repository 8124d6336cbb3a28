/**
 * The one error hierarchy. Everything Rebound throws on purpose is a `ReboundError`;
 * handlers map these to HTTP or batch outcomes in one place with `instanceof`.
 */
export class ReboundError extends Error {
  public constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ReboundError';
  }
}

export interface ValidationIssue {
  readonly path: string;
  readonly message: string;
}

/** The request is malformed or violates the contract: 400, nothing written. */
export class InvalidEventError extends ReboundError {
  public constructor(
    public readonly issues: readonly ValidationIssue[],
    options?: ErrorOptions,
  ) {
    super(`Invalid event: ${issues.map((i) => `${i.path || '(body)'}: ${i.message}`).join('; ')}`, options);
    this.name = 'InvalidEventError';
  }
}

/** The body is larger than the intake accepts: 413. */
export class PayloadTooLargeError extends ReboundError {
  public constructor(
    public readonly limitBytes: number,
    options?: ErrorOptions,
  ) {
    super(`Body exceeds ${limitBytes} bytes`, options);
    this.name = 'PayloadTooLargeError';
  }
}

/** The content type is not JSON: 415. */
export class UnsupportedMediaTypeError extends ReboundError {
  public constructor(
    public readonly received: string | undefined,
    options?: ErrorOptions,
  ) {
    super(`Content-Type must be application/json, got ${received ?? 'none'}`, options);
    this.name = 'UnsupportedMediaTypeError';
  }
}

/** The same idempotency key was used for a different event: 409. */
export class IdempotencyConflictError extends ReboundError {
  public constructor(
    public readonly eventId: string,
    options?: ErrorOptions,
  ) {
    super(`Event id ${eventId} was already used for a different event`, options);
    this.name = 'IdempotencyConflictError';
  }
}

/** A requested resource does not exist: 404. */
export class NotFoundError extends ReboundError {
  public constructor(what: string, options?: ErrorOptions) {
    super(`${what} not found`, options);
    this.name = 'NotFoundError';
  }
}

/** A conditional write lost a race; the caller may re-read and retry. */
export class ConcurrencyError extends ReboundError {
  public constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ConcurrencyError';
  }
}

/** Configuration is missing or invalid: fail at cold start, naming the variable. */
export class ConfigError extends ReboundError {
  public constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ConfigError';
  }
}
