/**
 * Integrators on the twin (issue 9), through HTTP only: signed webhooks and API keys, the 401 codes (each
 * leaving the table byte-for-byte as it was), redeliveries of one `webhook-id`, secret rotation, the rate
 * limit and the served OpenAPI document. Requests go through the typed client of `events/client.ts`;
 * sources are created, rotated and revoked as `npm run sources` does (harness/sources.ts).
 *
 * Intake caches a source for a minute of real time. The tests stay fast and exact without waiting for it:
 * the revoked source is revoked before intake ever reads it, and the retired secret is tried after a restart
 * of the twin, whose intake starts with an empty cache as a new Lambda instance does.
 */
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createReboundClient, type PostEventResult, signWebhook } from '../../events/client.ts';
import { fixture, uniqueEmail } from '../../harness/scenario.ts';
import { type TwinSources, twinSources, uniqueSourceId } from '../../harness/sources.ts';
import { itemsOf, scanTable, tableSnapshot } from '../../harness/table.ts';
import { TwinClient } from '../../harness/twin-client.ts';
import { type RunningTwin, startTwinProcess } from '../../harness/twin-process.ts';
import { userIdFor } from '../../shared/domain/ids.ts';
import {
  createSource,
  retireSecret,
  revokeSource,
  rotateSecret,
} from '../../shared/use-cases/manage-sources.ts';

const MINUTE_MS = 60_000;

let twin: RunningTwin;
let api: TwinClient;
let sources: TwinSources;

beforeAll(async () => {
  twin = await startTwinProcess({ env: { REBOUND_QUIET: '1' } });
  api = new TwinClient(twin.api, twin.credentials);
  sources = twinSources(twin.urls);
});

afterAll(async () => {
  sources?.close();
  await twin?.stop();
});

/** The twin's `local` source, signing webhooks. */
const signed = () =>
  createReboundClient({
    baseUrl: twin.api,
    sourceId: twin.credentials.sourceId,
    webhookSecret: twin.credentials.webhookSecret,
  });

const event = (label: string, overrides: { id?: string | null; email?: string } = {}) =>
  fixture('application.submitted', {
    email: overrides.email ?? uniqueEmail(label),
    ...(overrides.id === undefined ? {} : { id: overrides.id }),
  });

const rejectedWith = (result: PostEventResult) =>
  result.ok ? 'accepted' : `${result.status} ${result.error}`;

describe('authenticated intake', () => {
  it('accepts a correctly signed webhook and a request with the API key, each stored with its source', async () => {
    // Prepare
    const webhookEvent = event('signed');
    const keyEvent = event('keyed');

    // Act
    const viaWebhook = await signed().postBody(JSON.stringify(webhookEvent));
    const viaKey = await createReboundClient({
      baseUrl: twin.api,
      apiKey: twin.credentials.apiKey,
    }).postBody(JSON.stringify(keyEvent));

    // Assess
    expect(viaWebhook).toMatchObject({ ok: true, status: 202, duplicate: false });
    expect(viaKey).toMatchObject({ ok: true, status: 202, duplicate: false });
    const stored = itemsOf(await scanTable(twin.urls.dynamodb), 'EVENT');
    for (const [result, sent] of [
      [viaWebhook, webhookEvent],
      [viaKey, keyEvent],
    ] as const) {
      const item = stored.find((i) => result.ok && i.sk === `EVENT#${result.eventId}`);
      expect(item?.pk).toBe(`USER#${userIdFor(String((sent.user as { email: string }).email))}`);
      expect(item?.sourceId).toBe('local');
    }
  });

  describe('refuses, with its 401 code and nothing written,', () => {
    let revoked: { sourceId: string; webhookSecret: string; apiKey: string };

    beforeAll(async () => {
      // Revoked before intake ever reads it, so no cached copy can still say "active".
      const issued = await createSource(
        { sourceId: uniqueSourceId('revoked'), name: 'Revoked integrator', apiKey: true },
        sources.deps,
      );
      await revokeSource(issued.source.sourceId, sources.deps);
      revoked = {
        sourceId: issued.source.sourceId,
        webhookSecret: issued.webhookSecret,
        apiKey: issued.apiKey ?? '',
      };
      await api.advance('PT0S'); // the planner has caught up: nothing else writes meanwhile
    });

    const body = () => JSON.stringify(event('refused'));
    const otherSecret = `whsec_${Buffer.from('a secret that is no source’s!!').toString('base64')}`;

    it.each<{ name: string; code: string; send: () => Promise<PostEventResult> }>([
      {
        name: 'no credentials',
        code: 'missing_credentials',
        send: async () => {
          const res = await fetch(`${twin.api}/events`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: body(),
          });
          const json = (await res.json()) as { error: string };
          return { ok: false, status: res.status, error: json.error, body: json };
        },
      },
      {
        name: 'a bad signature (another secret)',
        code: 'invalid_signature',
        send: () =>
          createReboundClient({ baseUrl: twin.api, sourceId: 'local', webhookSecret: otherSecret }).postBody(
            body(),
          ),
      },
      {
        name: 'a signature over a different body',
        code: 'invalid_signature',
        send: () => {
          const sent = body();
          const headers = signWebhook({
            secret: twin.credentials.webhookSecret,
            id: 'msg_other_body',
            timestamp: new Date(),
            body: `${sent} `,
          });
          return signed().postBody(sent, { webhookId: 'msg_other_body', headers });
        },
      },
      {
        name: 'a timestamp 6 minutes old',
        code: 'stale_timestamp',
        send: () => signed().postBody(body(), { timestamp: new Date(Date.now() - 6 * MINUTE_MS) }),
      },
      {
        name: 'a timestamp 6 minutes ahead',
        code: 'stale_timestamp',
        send: () => signed().postBody(body(), { timestamp: new Date(Date.now() + 6 * MINUTE_MS) }),
      },
      {
        name: 'an unknown source (webhook)',
        code: 'unknown_source',
        send: () =>
          createReboundClient({
            baseUrl: twin.api,
            sourceId: uniqueSourceId('nobody'),
            webhookSecret: otherSecret,
          }).postBody(body()),
      },
      {
        name: 'an unknown source (API key)',
        code: 'unknown_source',
        send: () =>
          createReboundClient({ baseUrl: twin.api, apiKey: `rbk_nobody_${'x'.repeat(32)}` }).postBody(body()),
      },
      {
        name: 'a revoked source (webhook)',
        code: 'revoked_source',
        send: () =>
          createReboundClient({
            baseUrl: twin.api,
            sourceId: revoked.sourceId,
            webhookSecret: revoked.webhookSecret,
          }).postBody(body()),
      },
      {
        name: 'a revoked source (API key)',
        code: 'revoked_source',
        send: () => createReboundClient({ baseUrl: twin.api, apiKey: revoked.apiKey }).postBody(body()),
      },
    ])('$name: 401 $code', async ({ code, send }) => {
      // Prepare
      const before = await tableSnapshot(twin.urls.dynamodb);

      // Act
      const result = await send();

      // Assess
      expect(rejectedWith(result)).toBe(`401 ${code}`);
      expect(await tableSnapshot(twin.urls.dynamodb)).toBe(before);
    });
  });

  it('stores one event and one set of reminders for one webhook-id delivered 5 times at once', async () => {
    // Prepare: a body without `id`, so the webhook-id is the idempotency key; a control user gets it once.
    const email = uniqueEmail('redelivered');
    const control = uniqueEmail('delivered-once');
    const body = JSON.stringify(event('redelivered', { id: null, email }));
    const now = Date.now();

    // Act: five attempts of one message, each signed at its own time
    const attempts = await Promise.all(
      [0, 1, 2, 3, 4].map((i) =>
        signed().postBody(body, { webhookId: 'msg_redelivered_5x', timestamp: new Date(now - i * 7_000) }),
      ),
    );
    await signed().postBody(JSON.stringify(event('control', { id: null, email: control })), {
      webhookId: 'msg_control_once',
    });
    await api.advance('PT1M'); // the planner has planned both

    // Assess
    expect(attempts.map((a) => a.status)).toEqual([202, 202, 202, 202, 202]);
    const ids = new Set(attempts.map((a) => (a.ok ? a.eventId : a.error)));
    expect(ids.size).toBe(1);
    expect(attempts.filter((a) => a.ok && !a.duplicate)).toHaveLength(1);
    const items = await scanTable(twin.urls.dynamodb);
    const of = (address: string, prefix: string) =>
      itemsOf(items, prefix).filter((i) => i.pk === `USER#${userIdFor(address)}`);
    expect(of(email, 'EVENT')).toHaveLength(1);
    expect(of(email, 'REMINDER').length).toBeGreaterThan(0);
    expect(of(email, 'REMINDER')).toHaveLength(of(control, 'REMINDER').length);
  });

  it('verifies the old and the new secret after a rotation, and only the new one once the old is retired', async () => {
    // Prepare
    const { source, webhookSecret: oldSecret } = await createSource(
      { sourceId: uniqueSourceId('rotating'), name: 'Rotating integrator' },
      sources.deps,
    );
    const as = (webhookSecret: string) =>
      createReboundClient({ baseUrl: twin.api, sourceId: source.sourceId, webhookSecret });
    const before = await as(oldSecret).postBody(JSON.stringify(event('rotation-before')));

    // Act 1: rotate. Intake re-reads a source after a failed check at most once a second, so a secret
    // issued within a second of the last read is known a second later.
    const { webhookSecret: newSecret } = await rotateSecret(source.sourceId, sources.deps);
    await sleep(1_100);
    const withNew = await as(newSecret).postBody(JSON.stringify(event('rotation-new')));
    const withOld = await as(oldSecret).postBody(JSON.stringify(event('rotation-old')));

    // Act 2: retire the old one; a restart empties intake's one-minute cache, as a new Lambda instance has it
    await retireSecret(source.sourceId, sources.deps);
    await twin.stop();
    twin = await startTwinProcess({ dataDir: twin.dataDir, port: twin.port, env: { REBOUND_QUIET: '1' } });
    const oldAfterRetire = await as(oldSecret).postBody(JSON.stringify(event('retired-old')));
    const newAfterRetire = await as(newSecret).postBody(JSON.stringify(event('retired-new')));

    // Assess
    expect(rejectedWith(before)).toBe('accepted');
    expect(rejectedWith(withNew)).toBe('accepted');
    expect(rejectedWith(withOld)).toBe('accepted');
    expect(rejectedWith(oldAfterRetire)).toBe('401 invalid_signature');
    expect(rejectedWith(newAfterRetire)).toBe('accepted');
  });

  it('answers a burst beyond the rate limit with 429 and Retry-After, and accepts a request after the window', async () => {
    // Prepare: 1 request/s in bursts of 5, i.e. windows of 5 s admitting 5; start just after a window opens
    const { source, apiKey } = await createSource(
      {
        sourceId: uniqueSourceId('limited'),
        name: 'Limited integrator',
        apiKey: true,
        rateLimit: { perSecond: 1, burst: 5 },
      },
      sources.deps,
    );
    const client = createReboundClient({ baseUrl: twin.api, apiKey: apiKey ?? '' });
    await client.postBody(JSON.stringify(event('limit-warm'))); // the source is read and cached before the burst
    await sleep(5_000 - (Date.now() % 5_000) + 50);

    // Act
    const burst = await Promise.all(
      Array.from({ length: 12 }, (_, i) => client.postBody(JSON.stringify(event(`burst-${i}`)))),
    );
    const limited = burst.filter((r) => !r.ok && r.status === 429);
    const waitS = Math.max(...limited.map((r) => (r.ok ? 0 : (r.retryAfterSeconds ?? 0))));
    await sleep(waitS * 1000);
    const after = await client.postBody(JSON.stringify(event('after-window')));

    // Assess
    const accepted = burst.filter((r) => r.ok);
    expect(accepted.length + limited.length).toBe(burst.length);
    // All 12 normally land in one window (5 admitted); a slow machine may spill into the next one.
    expect(accepted.length).toBeGreaterThanOrEqual(5);
    expect(accepted.length).toBeLessThanOrEqual(10);
    expect(limited.length).toBeGreaterThan(0);
    for (const r of limited) {
      expect(r.ok ? undefined : r.error).toBe('rate_limited');
      expect(r.ok ? 0 : r.retryAfterSeconds).toBeGreaterThanOrEqual(1);
      expect(r.ok ? 9 : r.retryAfterSeconds).toBeLessThanOrEqual(5);
    }
    expect(rejectedWith(after)).toBe('accepted');
    expect(source.rateLimit).toEqual({ perSecond: 1, burst: 5 });
  });

  it('serves GET /openapi.json equal to the committed document', async () => {
    // Act
    const res = await fetch(`${twin.api}/openapi.json`);
    const again = await fetch(`${twin.api}/openapi.json`, {
      headers: { 'if-none-match': res.headers.get('etag') ?? '' },
    });

    // Assess
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const committed = JSON.parse(
      readFileSync(new URL('../../events/schema/openapi.json', import.meta.url), 'utf8'),
    ) as unknown;
    expect(await res.json()).toEqual(committed);
    expect(again.status).toBe(304);
  });
});
