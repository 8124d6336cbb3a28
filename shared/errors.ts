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

/**
 * Retrying cannot fix it: the same input fails the same way every time. The planner records such an event
 * as `failed`, with this error's message as the reason, and moves on instead of holding up the stream.
 * Everything that is not a `PermanentError` (throttling, 5xx, timeouts, unknown errors) counts as transient
 * and is retried. Adapters translate the SDK errors they know to be permanent into a subclass of this one.
 */
export class PermanentError extends ReboundError {
  public constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'PermanentError';
  }
}

/** A stored item does not satisfy the event contract (it was stored under older rules, or by hand). */
export class InvalidStoredEventError extends PermanentError {
  public constructor(
    public readonly issues: readonly ValidationIssue[],
    options?: ErrorOptions,
  ) {
    super(
      `Stored event violates the contract: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
      options,
    );
    this.name = 'InvalidStoredEventError';
  }
}

/** An AWS API refused a request as invalid (a `ValidationException`): sending it again gets the same answer. */
export class RequestRejectedError extends PermanentError {
  public constructor(
    public readonly operation: string,
    options: ErrorOptions & { readonly cause: Error },
  ) {
    super(`${operation} was refused: ${options.cause.message}`, options);
    this.name = 'RequestRejectedError';
  }
}

/** A stream record not applied because an earlier record with the same user failed in the same batch. */
export class SkippedAfterFailureError extends ReboundError {
  public constructor(key: string, options?: ErrorOptions) {
    super(`Skipped: an earlier record of ${key} failed in this batch`, options);
    this.name = 'SkippedAfterFailureError';
  }
}

/** Why a request to `POST /events` was not authenticated: the `error` code of the 401. */
export const AUTHENTICATION_FAILURES = [
  'missing_credentials',
  'invalid_signature',
  'stale_timestamp',
  'unknown_source',
  'revoked_source',
] as const;
export type AuthenticationFailure = (typeof AUTHENTICATION_FAILURES)[number];

/** The request carries no valid credentials of an active source: 401, nothing written. */
export class AuthenticationError extends ReboundError {
  public constructor(
    public readonly code: AuthenticationFailure,
    options?: ErrorOptions,
  ) {
    super(`Not authenticated: ${code}`, options);
    this.name = 'AuthenticationError';
  }
}

/** The source sent more than its rate limit admits: 429 with `Retry-After`, nothing written. */
export class RateLimitExceededError extends ReboundError {
  public constructor(
    public readonly sourceId: string,
    public readonly retryAfterSeconds: number,
    options?: ErrorOptions,
  ) {
    super(`Source ${sourceId} exceeded its rate limit; retry after ${retryAfterSeconds} s`, options);
    this.name = 'RateLimitExceededError';
  }
}

/** A change to a source that its state or the rules refuse (a third secret, a bad id, a revoked source). */
export class SourceRuleError extends ReboundError {
  public constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'SourceRuleError';
  }
}

/** A source with this id exists already. */
export class SourceExistsError extends ReboundError {
  public constructor(
    public readonly sourceId: string,
    options?: ErrorOptions,
  ) {
    super(`Source ${sourceId} exists already`, options);
    this.name = 'SourceExistsError';
  }
}

/** An admin request without a valid session or bearer token (missing, expired, forged, wrong audience): 401. */
export class AdminAuthenticationError extends ReboundError {
  public constructor(
    public readonly reason: 'missing' | 'invalid' | 'expired',
    options?: ErrorOptions,
  ) {
    super(`Admin token ${reason}`, options);
    this.name = 'AdminAuthenticationError';
  }
}

/** An authenticated admin user without the role an action needs (a viewer acting): 403, nothing changed. */
export class ForbiddenError extends ReboundError {
  public constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ForbiddenError';
  }
}

/** An admin action that cannot apply to the target's current state (e.g. the reminder was sent): 409. */
export class AdminActionRefusedError extends ReboundError {
  public constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'AdminActionRefusedError';
  }
}
