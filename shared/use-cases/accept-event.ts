/**
 * Intake from an integrator: who sent it, may they send now, is it a valid event, store it once.
 * The one use case behind `POST /events`.
 */
import type { JobEventInput } from '#events/job-event.ts';
import { type AuthenticateDeps, authenticateRequest, type Credentials } from './authenticate-request.ts';
import { type LimitRateDeps, limitRate } from './limit-rate.ts';
import { type RecordEventDeps, type RecordEventResult, recordEvent } from './record-event.ts';

export interface AcceptEventDeps extends RecordEventDeps, AuthenticateDeps, LimitRateDeps {}

/** One request to `POST /events`, as the HTTP adapter hands it over. */
export interface IntakeRequest {
  readonly credentials: Credentials;
  /** The exact bytes received: what the signature covers. */
  readonly body: Uint8Array;
  /**
   * Turn the body into a contract-valid event, or throw the 4xx errors of `shared/http-body.ts`. Called only
   * once the request is authenticated and within its rate limit.
   */
  readonly parse: (body: Uint8Array) => JobEventInput;
}

export interface AcceptedEvent extends RecordEventResult {
  readonly sourceId: string;
  readonly type: JobEventInput['type'];
}

/**
 * Accept one event from a source.
 *
 * Input: credentials, body bytes and how to parse them. Output: the stored event's id, whether it was a
 * repeat, and the source.
 * 1. Authenticate (`authenticateRequest`): 401 `AuthenticationError`, nothing read from the body.
 * 2. Count the request against the source's rate limit (`limitRate`): 429 `RateLimitExceededError`.
 * 3. Parse and validate the body: 415/413/400.
 * 4. Record it once (`recordEvent`), with its source; a webhook's `webhook-id` is the idempotency key when
 *    the body has no `id`.
 * So a request that fails a check changes nothing, and an unauthenticated one never costs a write.
 */
export async function acceptEvent(request: IntakeRequest, deps: AcceptEventDeps): Promise<AcceptedEvent> {
  const { source, webhookId } = await authenticateRequest(request.credentials, request.body, deps);
  await limitRate(source, deps);
  const input = request.parse(request.body);
  const result = await recordEvent(input, deps, { sourceId: source.sourceId, webhookId });
  return { ...result, sourceId: source.sourceId, type: input.type };
}
