/**
 * A small typed client for `POST /events`, for integrators in TypeScript, the bench, the tests and
 * `npm run sources`. It signs with the same `standardwebhooks` library intake verifies with, or sends an
 * API key. It imports nothing from `shared/`: it is the contract's client, not the server's code.
 *
 * @example
 * const rebound = createReboundClient({ baseUrl, sourceId: 'acme', webhookSecret: 'whsec_…' });
 * const result = await rebound.postEvent(event);
 * if (result.ok) console.log(result.eventId, result.duplicate);
 */
import { Webhook } from 'standardwebhooks';
import type { JobEventInput } from './job-event.ts';

/** Sign as a Standard Webhooks sender: the source in the URL, the secret never leaves this process. */
export interface WebhookCredentials {
  /** The API's base URL, e.g. `https://api.example.com` or the twin's `http://127.0.0.1:3000`. */
  readonly baseUrl: string;
  readonly sourceId: string;
  /** `whsec_…`, as `npm run sources -- create` printed it. */
  readonly webhookSecret: string;
}

/** Send an API key (`Authorization: Bearer rbk_…`). */
export interface ApiKeyCredentials {
  readonly baseUrl: string;
  readonly apiKey: string;
}

export type ReboundClientOptions = (WebhookCredentials | ApiKeyCredentials) & {
  /** @default globalThis.fetch */
  readonly fetch?: typeof fetch;
};

export interface PostOptions {
  /**
   * The `webhook-id`: the same on every redelivery of one message, so intake stores it once when the body
   * has no `id`. @default a new `msg_<uuid>` per call
   */
  readonly webhookId?: string;
  /** When the request is signed. Intake refuses timestamps more than 5 minutes off. @default now */
  readonly timestamp?: Date;
  /** More headers to send (tests: an extra or tampered header). */
  readonly headers?: Readonly<Record<string, string>>;
  readonly signal?: AbortSignal;
}

/** The 401 codes intake answers. */
export type AuthenticationFailureCode =
  | 'missing_credentials'
  | 'invalid_signature'
  | 'stale_timestamp'
  | 'unknown_source'
  | 'revoked_source';

export type PostEventResult =
  | {
      readonly ok: true;
      readonly status: 202;
      readonly eventId: string;
      readonly duplicate: boolean;
      /** The `webhook-id` sent, when signed: send it again to retry this message. */
      readonly webhookId?: string | undefined;
    }
  | {
      readonly ok: false;
      readonly status: number;
      /** `invalid_event`, `rate_limited`, one of {@link AuthenticationFailureCode}, …; `unknown` if none. */
      readonly error: string;
      /** The whole JSON answer (400s carry `issues`). */
      readonly body: unknown;
      /** From `Retry-After` on a 429 (and a 503), in seconds. */
      readonly retryAfterSeconds?: number | undefined;
      readonly webhookId?: string | undefined;
    };

export interface ReboundClient {
  /** Send one event: serialised once, signed over exactly the bytes sent. */
  postEvent(event: JobEventInput, options?: PostOptions): Promise<PostEventResult>;
  /** Send a body as it is (a fixture file, or a malformed body in a test), signed over these bytes. */
  postBody(body: string, options?: PostOptions): Promise<PostEventResult>;
}

/**
 * The three Standard Webhooks headers for `body`: `webhook-id`, `webhook-timestamp` (epoch seconds) and
 * `webhook-signature` (`v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>">`).
 */
export function signWebhook(input: {
  readonly secret: string;
  readonly id: string;
  readonly timestamp: Date;
  readonly body: string;
}): Record<'webhook-id' | 'webhook-timestamp' | 'webhook-signature', string> {
  return {
    'webhook-id': input.id,
    'webhook-timestamp': String(Math.floor(input.timestamp.getTime() / 1000)),
    'webhook-signature': new Webhook(input.secret).sign(input.id, input.timestamp, input.body),
  };
}

/** The URL a source's webhooks go to: `POST /events?source=<sourceId>`. */
export function eventsUrl(baseUrl: string, sourceId?: string): string {
  const url = new URL('events', `${baseUrl.replace(/\/+$/, '')}/`);
  if (sourceId !== undefined) url.searchParams.set('source', sourceId);
  return url.toString();
}

function retryAfterOf(response: Response): number | undefined {
  const value = response.headers.get('retry-after');
  if (value === null) return undefined;
  const seconds = Number(value);
  return Number.isFinite(seconds) ? seconds : undefined;
}

export function createReboundClient(options: ReboundClientOptions): ReboundClient {
  const send = options.fetch ?? globalThis.fetch;

  async function postBody(body: string, post: PostOptions = {}): Promise<PostEventResult> {
    let url: string;
    let auth: Record<string, string>;
    let webhookId: string | undefined;
    if ('webhookSecret' in options) {
      webhookId = post.webhookId ?? `msg_${globalThis.crypto.randomUUID()}`;
      url = eventsUrl(options.baseUrl, options.sourceId);
      auth = signWebhook({
        secret: options.webhookSecret,
        id: webhookId,
        timestamp: post.timestamp ?? new Date(),
        body,
      });
    } else {
      url = eventsUrl(options.baseUrl);
      auth = { authorization: `Bearer ${options.apiKey}` };
    }
    const response = await send(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...auth, ...post.headers },
      body,
      ...(post.signal ? { signal: post.signal } : {}),
    });
    const text = await response.text();
    let json: unknown;
    try {
      json = text === '' ? undefined : JSON.parse(text);
    } catch {
      json = text;
    }
    const fields = (json ?? {}) as { eventId?: unknown; duplicate?: unknown; error?: unknown };
    if (response.status === 202 && typeof fields.eventId === 'string') {
      return {
        ok: true,
        status: 202,
        eventId: fields.eventId,
        duplicate: fields.duplicate === true,
        webhookId,
      };
    }
    return {
      ok: false,
      status: response.status,
      error: typeof fields.error === 'string' ? fields.error : 'unknown',
      body: json,
      retryAfterSeconds: retryAfterOf(response),
      webhookId,
    };
  }

  return {
    postEvent: (event, post) => postBody(JSON.stringify(event), post),
    postBody,
  };
}
