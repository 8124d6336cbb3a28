/**
 * An API Gateway HTTP API (v2) request to `POST /events`, as `acceptEvent` takes it: the credentials it
 * carries, the exact body bytes, and how to parse them. What is checked here is only what needs no secret.
 *
 * Credentials, in this order:
 * - Standard Webhooks: `webhook-id`, `webhook-timestamp` and `webhook-signature`, with the sending source in
 *   the URL, `POST /events?source=<sourceId>`. Standard Webhooks has no header naming the sender: a
 *   receiver gives each sender its own endpoint URL, and that is all a sender's webhook settings hold (a URL
 *   and a secret), so the URL carries the source. When any `webhook-` header is present, this is the scheme
 *   and all three headers and `?source=` must be present.
 * - An API key: `Authorization: Bearer rbk_<sourceId>_…`.
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { PayloadTooLargeError } from './errors.ts';
import { MAX_BODY_BYTES, parseJobEventBody } from './http-body.ts';
import type { IntakeRequest } from './use-cases/accept-event.ts';
import type { Credentials } from './use-cases/authenticate-request.ts';

/** The query parameter that names the signing source of a webhook. */
export const SOURCE_QUERY_PARAMETER = 'source';

const BEARER = /^Bearer[ \t]+(\S+)[ \t]*$/i;

export function credentialsOf(request: APIGatewayProxyEventV2): Credentials {
  const headers = request.headers ?? {};
  const id = headers['webhook-id'];
  const timestamp = headers['webhook-timestamp'];
  const signature = headers['webhook-signature'];
  if (id !== undefined || timestamp !== undefined || signature !== undefined) {
    const sourceId = request.queryStringParameters?.[SOURCE_QUERY_PARAMETER];
    if (!id || !timestamp || !signature || !sourceId) return { kind: 'none' };
    return { kind: 'webhook', sourceId, id, timestamp, signature };
  }
  const key = BEARER.exec(headers.authorization ?? '')?.[1];
  return key ? { kind: 'apiKey', key } : { kind: 'none' };
}

/** The exact bytes the client sent: API Gateway base64-encodes bodies it does not treat as text. */
export function rawBodyOf(request: APIGatewayProxyEventV2): Buffer {
  if (request.body === undefined) return Buffer.alloc(0);
  return Buffer.from(request.body, request.isBase64Encoded ? 'base64' : 'utf8');
}

/**
 * The request for `acceptEvent`. A body over the intake's limit is refused here (413), before any
 * signature is computed over it: checking the size needs no secret and tells nothing, while hashing up to
 * API Gateway's 10 MB for anyone who asks would be a cheap way to burn our CPU.
 */
export function intakeRequestOf(request: APIGatewayProxyEventV2): IntakeRequest {
  const body = rawBodyOf(request);
  if (body.length > MAX_BODY_BYTES) throw new PayloadTooLargeError(MAX_BODY_BYTES);
  const contentType = request.headers?.['content-type'];
  return {
    credentials: credentialsOf(request),
    body,
    parse: (bytes) => parseJobEventBody(contentType, Buffer.from(bytes).toString('utf8')),
  };
}
