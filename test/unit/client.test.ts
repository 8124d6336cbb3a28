/** The typed client (`events/client.ts`): what it sends, signed so that our own verifier accepts it. */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createReboundClient, eventsUrl } from '#events/client.ts';
import { StandardWebhooksVerifier } from '#shared/adapters/webhook-verifier.ts';
import { webhookSecretOf } from '#shared/domain/sources.ts';
import { fixture } from '../support/events.ts';

interface Sent {
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly body: string;
}

/** A `fetch` that records the request and answers `status` with `body` and `headers`. */
function recordingFetch(status: number, body: unknown, headers: Record<string, string> = {}) {
  const sent: Sent[] = [];
  const fetch = (async (url: string | URL | Request, init?: RequestInit) => {
    sent.push({
      url: String(url),
      headers: Object.fromEntries(new Headers(init?.headers).entries()),
      body: String(init?.body),
    });
    return new Response(JSON.stringify(body), { status, headers });
  }) as typeof globalThis.fetch;
  return { fetch, sent };
}

const SECRET = webhookSecretOf(randomBytes(32));

describe('createReboundClient', () => {
  it('signs a webhook to /events?source=<id> over exactly the bytes it sends', async () => {
    // Prepare
    const { fetch, sent } = recordingFetch(202, { eventId: 'evt-1', duplicate: false });
    const client = createReboundClient({
      baseUrl: 'https://api.rebound.test/',
      sourceId: 'acme',
      webhookSecret: SECRET,
      fetch,
    });

    // Act
    const result = await client.postEvent(fixture('application.submitted'), { webhookId: 'msg_9' });

    // Assess
    expect(result).toEqual({ ok: true, status: 202, eventId: 'evt-1', duplicate: false, webhookId: 'msg_9' });
    const [request] = sent;
    expect(request?.url).toBe('https://api.rebound.test/events?source=acme');
    expect(request?.headers['content-type']).toBe('application/json');
    const check = new StandardWebhooksVerifier().verify(
      {
        id: request?.headers['webhook-id'] ?? '',
        timestamp: request?.headers['webhook-timestamp'] ?? '',
        signature: request?.headers['webhook-signature'] ?? '',
        body: Buffer.from(request?.body ?? ''),
      },
      [SECRET],
    );
    expect(check).toBe('valid');
  });

  it('makes a new webhook-id per call unless given one', async () => {
    const { fetch, sent } = recordingFetch(202, { eventId: 'e', duplicate: false });
    const client = createReboundClient({
      baseUrl: 'https://api.rebound.test',
      sourceId: 'acme',
      webhookSecret: SECRET,
      fetch,
    });
    await client.postBody('{}');
    await client.postBody('{}');
    expect(sent[0]?.headers['webhook-id']).toMatch(/^msg_[0-9a-f-]{36}$/);
    expect(sent[0]?.headers['webhook-id']).not.toBe(sent[1]?.headers['webhook-id']);
  });

  it('sends an API key as a Bearer token to /events', async () => {
    // Prepare
    const { fetch, sent } = recordingFetch(202, { eventId: 'evt-1', duplicate: true });
    const client = createReboundClient({
      baseUrl: 'https://api.rebound.test/v1',
      apiKey: 'rbk_acme_x',
      fetch,
    });

    // Act
    const result = await client.postBody('{}');

    // Assess
    expect(result).toMatchObject({ ok: true, duplicate: true });
    expect(sent[0]?.url).toBe('https://api.rebound.test/v1/events');
    expect(sent[0]?.headers.authorization).toBe('Bearer rbk_acme_x');
    expect(sent[0]?.headers['webhook-signature']).toBeUndefined();
  });

  it('reports a refusal with its code, body and Retry-After', async () => {
    // Prepare
    const { fetch } = recordingFetch(
      429,
      { error: 'rate_limited', message: 'slow down' },
      { 'retry-after': '2' },
    );
    const client = createReboundClient({ baseUrl: 'https://api.rebound.test', apiKey: 'k', fetch });

    // Act
    const result = await client.postBody('{}');

    // Assess
    expect(result).toEqual({
      ok: false,
      status: 429,
      error: 'rate_limited',
      body: { error: 'rate_limited', message: 'slow down' },
      retryAfterSeconds: 2,
      webhookId: undefined,
    });
  });

  it('builds the events URL whatever the base URL ends with', () => {
    expect(eventsUrl('http://127.0.0.1:3000')).toBe('http://127.0.0.1:3000/events');
    expect(eventsUrl('http://127.0.0.1:3000//', 'local')).toBe('http://127.0.0.1:3000/events?source=local');
  });
});
