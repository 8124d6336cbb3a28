/**
 * Turning an HTTP request into a contract-valid event, or into the error `errorResponse` (`http.ts`) maps:
 * 415 for a body that is not JSON, 413 for one too large, 400 with field-level issues for anything the
 * contract (`events/job-event.ts`) refuses. The contract stays in `events/`; the HTTP work lives here.
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type * as z from 'zod';
import { EVENT_TYPES, type JobEventInput, JobEventInputSchema } from '#events/job-event.ts';
import {
  InvalidEventError,
  PayloadTooLargeError,
  UnsupportedMediaTypeError,
  type ValidationIssue,
} from './errors.ts';

/** Intake bodies are small JSON documents; anything larger is refused before parsing. */
export const MAX_BODY_BYTES = 64 * 1024;

function toIssues(error: z.ZodError): ValidationIssue[] {
  return error.issues.flatMap((issue) => {
    const path = issue.path.map(String).join('.');
    if (issue.code === 'invalid_union' && path === 'type') {
      return [{ path, message: `must be one of: ${EVENT_TYPES.join(', ')}` }];
    }
    // Name each unknown field itself, so a client sees `user.phone`, not a message about `user`.
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({
        path: path ? `${path}.${key}` : key,
        message: `"${key}" is not a field of this event type`,
      }));
    }
    return [{ path, message: issue.message }];
  });
}

/** Validate an already-parsed JSON value against the contract. */
export function parseJobEvent(value: unknown): JobEventInput {
  const result = JobEventInputSchema.safeParse(value);
  if (!result.success) throw new InvalidEventError(toIssues(result.error));
  return result.data;
}

/** Validate a raw HTTP body: content type, size, JSON syntax, then the contract. */
export function parseJobEventBody(contentType: string | undefined, body: string | undefined): JobEventInput {
  const mediaType = contentType?.split(';')[0]?.trim().toLowerCase();
  if (mediaType !== 'application/json') throw new UnsupportedMediaTypeError(contentType);
  const raw = body ?? '';
  if (Buffer.byteLength(raw, 'utf8') > MAX_BODY_BYTES) throw new PayloadTooLargeError(MAX_BODY_BYTES);
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw new InvalidEventError([{ path: '', message: 'Malformed JSON: the body could not be parsed' }]);
  }
  return parseJobEvent(value);
}

/** The event an API Gateway HTTP API (v2) request carries; a base64-encoded body is decoded first. */
export function parseJobEventRequest(request: APIGatewayProxyEventV2): JobEventInput {
  const body =
    request.isBase64Encoded && request.body
      ? Buffer.from(request.body, 'base64').toString('utf8')
      : request.body;
  return parseJobEventBody(request.headers['content-type'], body);
}
