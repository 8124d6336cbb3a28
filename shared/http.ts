/**
 * The one place where errors become HTTP responses. Only `ReboundError`s are described to the client;
 * anything else is a 500 with no detail (the cause goes to the log, not the wire).
 */
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import {
  AuthenticationError,
  IdempotencyConflictError,
  InvalidEventError,
  NotFoundError,
  PayloadTooLargeError,
  RateLimitExceededError,
  UnsupportedMediaTypeError,
} from './errors.ts';

export function json(
  statusCode: number,
  body: unknown,
  headers: Readonly<Record<string, string>> = {},
): APIGatewayProxyStructuredResultV2 {
  return {
    statusCode,
    headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers },
    body: JSON.stringify(body),
  };
}

export function errorResponse(error: unknown): APIGatewayProxyStructuredResultV2 {
  // The code only: which check failed is for the integrator's debugging, the details are for our logs.
  if (error instanceof AuthenticationError)
    return json(401, { error: error.code }, { 'www-authenticate': 'Bearer realm="rebound"' });
  if (error instanceof RateLimitExceededError)
    return json(
      429,
      { error: 'rate_limited', message: `Too many requests; retry after ${error.retryAfterSeconds} s` },
      { 'retry-after': String(error.retryAfterSeconds) },
    );
  if (error instanceof InvalidEventError) return json(400, { error: 'invalid_event', issues: error.issues });
  if (error instanceof PayloadTooLargeError)
    return json(413, {
      error: 'payload_too_large',
      message: `The body must be at most ${error.limitBytes} bytes`,
    });
  if (error instanceof UnsupportedMediaTypeError)
    return json(415, { error: 'unsupported_media_type', message: 'Send Content-Type: application/json' });
  if (error instanceof IdempotencyConflictError)
    return json(409, {
      error: 'idempotency_conflict',
      message: `id ${error.eventId} was already used for a different event`,
    });
  if (error instanceof NotFoundError) return json(404, { error: 'not_found', message: error.message });
  return json(500, { error: 'internal_error' });
}
