/**
 * `POST /events` as API Gateway calls it: credentials first (401), then the source's rate limit (429), then
 * the body (4xx), then one stored event, with its source. Every refusal writes nothing.
 */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { signWebhook } from '#events/client.ts';
import { CachedSourceDirectory } from '#shared/adapters/source-directory.ts';
import { StandardWebhooksVerifier } from '#shared/adapters/webhook-verifier.ts';
import { MAX_BODY_BYTES } from '#shared/http-body.ts';
import type { AcceptEventDeps } from '#shared/use-cases/accept-event.ts';
import {
  createSource,
  type ManageSourcesDeps,
  openSource,
  revokeSource,
} from '#shared/use-cases/manage-sources.ts';
import type { SourcedJobEvent } from '#shared/use-cases/record-event.ts';
import { fixtureBody } from '../../support/events.ts';
import { InMemoryReminderStore, SettableClock } from '../../support/fakes.ts';
import {
  apiRequest,
  FakeSecretBox,
  InMemoryRateCounters,
  InMemorySourceStore,
  signedRequest,
} from '../sources/support.ts';

type IngestModule = typeof import('../../../functions/ingest.ts');
let ingestModule: IngestModule;

beforeAll(async () => {
  // The handler module parses its configuration at import, exactly as at a Lambda cold start.
  Object.assign(process.env, {
    TABLE_NAME: 'rebound-test',
    KMS_KEY_ID: 'alias/rebound-sources-test',
    POWERTOOLS_LOG_LEVEL: 'SILENT',
    POWERTOOLS_METRICS_DISABLED: 'true',
  });
  ingestModule = await import('../../../functions/ingest.ts');
});

const MINUTE = 60_000;
const USER_ID = 'u_cd25a6171969f2a3c6e35c76'; // userIdFor('sam@example.com')

interface World {
  readonly deps: AcceptEventDeps;
  readonly store: InMemoryReminderStore;
  readonly counters: InMemoryRateCounters;
  readonly virtualClock: SettableClock;
  readonly manage: ManageSourcesDeps;
  readonly secret: string;
  readonly apiKey: string;
}

let world: World;

beforeEach(async () => {
  const sourceStore = new InMemorySourceStore();
  const realClock = new SettableClock(new Date());
  const manage: ManageSourcesDeps = { store: sourceStore, box: new FakeSecretBox(), clock: realClock };
  const issued = await createSource(
    { sourceId: 'acme', name: 'Acme', apiKey: true, rateLimit: { perSecond: 2, burst: 4 } },
    manage,
  );
  const store = new InMemoryReminderStore();
  const counters = new InMemoryRateCounters();
  // The twin's clock is virtual and may run months ahead; signatures are judged on real time regardless.
  const virtualClock = new SettableClock(new Date(Date.now() + 90 * 24 * 60 * MINUTE));
  world = {
    deps: {
      store,
      clock: virtualClock,
      sources: new CachedSourceDirectory((id, previous) => openSource(id, manage, previous), realClock),
      verifier: new StandardWebhooksVerifier(),
      counters,
      realClock,
    },
    store,
    counters,
    virtualClock,
    manage,
    secret: issued.webhookSecret,
    apiKey: issued.apiKey ?? '',
  };
});

const call = (request: APIGatewayProxyEventV2) => ingestModule.ingest(request, world.deps);

/** Through the middy chain, so thrown errors become responses as on Lambda. */
const handle = (request: APIGatewayProxyEventV2) =>
  ingestModule.handler(request, {} as Context) as Promise<APIGatewayProxyStructuredResultV2>;

/** The handler with the test's dependencies, and errors mapped as the middleware maps them. */
async function respond(request: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> {
  const { errorResponse } = await import('#shared/http.ts');
  try {
    return await call(request);
  } catch (error) {
    return errorResponse(error);
  }
}

const bodyOf = (response: APIGatewayProxyStructuredResultV2) => JSON.parse(String(response.body));

const event = (name = 'application.submitted') => JSON.stringify(fixtureBody(name));
/** The fixture without its `id`: the `webhook-id` becomes the idempotency key. */
const eventWithoutId = () => {
  const body = fixtureBody('application.submitted');
  delete body.id;
  delete body.occurredAt;
  return JSON.stringify(body);
};

const signed = (
  body: string,
  options: { webhookId?: string; timestamp?: Date; secret?: string; sourceId?: string } = {},
) =>
  signedRequest(body, {
    sourceId: options.sourceId ?? 'acme',
    secret: options.secret ?? world.secret,
    ...(options.webhookId ? { webhookId: options.webhookId } : {}),
    ...(options.timestamp ? { timestamp: options.timestamp } : {}),
  });

const nothingWritten = () => {
  expect(world.store.eventCount()).toBe(0);
  expect(world.counters.writes).toBe(0);
};

describe('ingest', () => {
  it('stores a correctly signed webhook once, with its source', async () => {
    // Act
    const response = await respond(signed(event()));

    // Assess
    expect(response.statusCode).toBe(202);
    expect(bodyOf(response)).toEqual({ eventId: 'evt-acme-backend-submitted', duplicate: false });
    const stored = world.store.storedEvent(USER_ID, 'evt-acme-backend-submitted') as
      | SourcedJobEvent
      | undefined;
    expect(stored?.sourceId).toBe('acme');
    expect(stored?.webhookId).toBe('msg_2xYz');
    // receivedAt is on the virtual clock, as every stored instant.
    expect(stored?.receivedAt).toBe(world.virtualClock.now().toISOString());
  });

  it('stores an event sent with the API key, with its source', async () => {
    // Act
    const response = await respond(
      apiRequest(event(), { headers: { authorization: `Bearer ${world.apiKey}` } }),
    );

    // Assess
    expect(response.statusCode).toBe(202);
    const stored = world.store.storedEvent(USER_ID, 'evt-acme-backend-submitted') as
      | SourcedJobEvent
      | undefined;
    expect(stored?.sourceId).toBe('acme');
    expect(stored?.webhookId).toBeUndefined();
  });

  it('verifies a body API Gateway delivered base64-encoded over its decoded bytes', async () => {
    const response = await respond(
      signedRequest(event(), { sourceId: 'acme', secret: world.secret, base64: true }),
    );
    expect(response.statusCode).toBe(202);
  });

  describe('refuses with 401, its code, and writes nothing', () => {
    const cases: [string, () => Promise<APIGatewayProxyEventV2>, string][] = [
      ['no credentials', async () => apiRequest(event()), 'missing_credentials'],
      [
        'webhook headers without ?source=',
        async () =>
          apiRequest(event(), {
            headers: signWebhook({ secret: world.secret, id: 'm', timestamp: new Date(), body: event() }),
          }),
        'missing_credentials',
      ],
      [
        'an Authorization that is not Bearer',
        async () => apiRequest(event(), { headers: { authorization: `Basic ${world.apiKey}` } }),
        'missing_credentials',
      ],
      [
        'a bad signature',
        async () => signed(event(), { secret: `whsec_${Buffer.alloc(32, 9).toString('base64')}` }),
        'invalid_signature',
      ],
      [
        'a signature over a different body',
        async () => ({ ...signed(event('interview.completed')), body: event() }),
        'invalid_signature',
      ],
      [
        'a timestamp 6 minutes old',
        async () => signed(event(), { timestamp: new Date(Date.now() - 6 * MINUTE) }),
        'stale_timestamp',
      ],
      [
        'a timestamp 6 minutes ahead',
        async () => signed(event(), { timestamp: new Date(Date.now() + 6 * MINUTE) }),
        'stale_timestamp',
      ],
      ['an unknown source', async () => signed(event(), { sourceId: 'nobody' }), 'unknown_source'],
      [
        'an unknown API key',
        async () => apiRequest(event(), { headers: { authorization: `Bearer rbk_acme_${'x'.repeat(32)}` } }),
        'unknown_source',
      ],
      [
        'a revoked source',
        async () => {
          await revokeSource('acme', world.manage);
          return signed(event());
        },
        'revoked_source',
      ],
    ];

    for (const [what, request, code] of cases) {
      it(`${what}: ${code}`, async () => {
        // Act
        const response = await respond(await request());

        // Assess
        expect(response.statusCode).toBe(401);
        expect(bodyOf(response)).toEqual({ error: code });
        expect(response.headers?.['www-authenticate']).toBe('Bearer realm="rebound"');
        nothingWritten();
      });
    }
  });

  describe('checks in order', () => {
    it('answers 401, not 400, to a malformed body without valid credentials', async () => {
      const unsigned = await respond(apiRequest('{"not json'));
      const badlySigned = await respond({ ...signed(event()), body: '{"not json' });
      expect([unsigned.statusCode, badlySigned.statusCode]).toEqual([401, 401]);
      nothingWritten();
    });

    it('answers 400 to a malformed body once the request is authenticated', async () => {
      const response = await respond(signed('{"not json'));
      expect(response.statusCode).toBe(400);
      expect(world.store.eventCount()).toBe(0);
    });

    it('answers 413 to a body over the limit before computing any signature over it', async () => {
      const response = await respond(apiRequest(`"${'x'.repeat(MAX_BODY_BYTES)}"`));
      expect(response.statusCode).toBe(413);
      nothingWritten();
    });
  });

  describe('rate limit', () => {
    it('answers 429 with Retry-After beyond the burst, and writes no event', async () => {
      // Prepare: acme may send 2/s with bursts of 4.
      for (let i = 0; i < 4; i += 1)
        expect((await respond(signed(event(), { webhookId: `m${i}` }))).statusCode).toBe(202);

      // Act
      const refused = await respond(signed('{"not even valid"', { webhookId: 'm5' }));

      // Assess
      expect(refused.statusCode).toBe(429);
      expect(bodyOf(refused).error).toBe('rate_limited');
      expect(Number(refused.headers?.['retry-after'])).toBeGreaterThanOrEqual(1);
      expect(world.store.eventCount()).toBe(1);
    });

    it('admits the source again once its window has passed', async () => {
      // Prepare
      for (let i = 0; i < 5; i += 1) await respond(signed(event(), { webhookId: `m${i}` }));
      (world.deps.realClock as SettableClock).advance(2_000);

      // Act
      const response = await respond(signed(event(), { webhookId: 'm6' }));

      // Assess
      expect(response.statusCode).toBe(202);
    });
  });

  describe('idempotency by webhook-id', () => {
    it('answers a redelivery with the same webhook-id and another timestamp as a duplicate', async () => {
      // Prepare
      const first = await respond(
        signed(eventWithoutId(), { webhookId: 'msg_42', timestamp: new Date(Date.now() - 4 * MINUTE) }),
      );

      // Act
      const again = await respond(signed(eventWithoutId(), { webhookId: 'msg_42' }));

      // Assess
      expect(bodyOf(first)).toEqual({ eventId: expect.stringMatching(/^w_[0-9a-f]{32}$/), duplicate: false });
      expect(bodyOf(again)).toEqual({ eventId: bodyOf(first).eventId, duplicate: true });
      expect(world.store.eventCount()).toBe(1);
    });

    it('still answers duplicate when the redelivery comes on another (virtual) day', async () => {
      // Prepare
      await respond(signed(eventWithoutId(), { webhookId: 'msg_42' }));
      world.virtualClock.advance(3 * 24 * 60 * MINUTE);

      // Act
      const again = await respond(signed(eventWithoutId(), { webhookId: 'msg_42' }));

      // Assess
      expect(bodyOf(again).duplicate).toBe(true);
      expect(world.store.eventCount()).toBe(1);
    });

    it('stores one event for five concurrent deliveries of one webhook-id, with different timestamps', async () => {
      // Prepare: a source with the default limit (50/s, bursts of 100).
      const { webhookSecret } = await createSource({ sourceId: 'busy', name: 'Busy' }, world.manage);

      // Act
      const responses = await Promise.all(
        [0, 1, 2, 3, 4].map((s) =>
          respond(
            signed(eventWithoutId(), {
              sourceId: 'busy',
              secret: webhookSecret,
              webhookId: 'msg_7',
              timestamp: new Date(Date.now() - s * 1000),
            }),
          ),
        ),
      );

      // Assess
      expect(responses.map((r) => r.statusCode)).toEqual([202, 202, 202, 202, 202]);
      expect(responses.filter((r) => bodyOf(r).duplicate === false)).toHaveLength(1);
      expect(world.store.eventCount()).toBe(1);
    });

    it('keys on the body id when there is one, whatever the webhook-id', async () => {
      await respond(signed(event(), { webhookId: 'msg_a' }));
      const again = await respond(signed(event(), { webhookId: 'msg_b' }));
      expect(bodyOf(again)).toEqual({ eventId: 'evt-acme-backend-submitted', duplicate: true });
    });
  });

  it('maps a refusal to its response through the middleware chain too', async () => {
    const response = await handle(apiRequest(event()));
    expect(response.statusCode).toBe(401);
    expect(bodyOf(response)).toEqual({ error: 'missing_credentials' });
  });
});
