/**
 * What only a running twin can show about bad input: the status that comes back over HTTP, and that the
 * table is byte-for-byte as it was. Field-by-field rules live in test/unit/contract/parse.test.ts; the
 * local controls' own validation in test/unit/local/controls.test.ts.
 */
import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixture, uniqueEmail } from '../../harness/scenario.ts';
import { TwinClient } from '../../harness/twin-client.ts';
import { type RunningTwin, startTwinProcess } from '../../harness/twin-process.ts';
import { localClientConfig } from '../../infra/local/dynamodb/launcher.ts';
import { LOCAL_NAMES } from '../../infra/local/wiring.ts';

let twin: RunningTwin;
let api: TwinClient;
let dynamo: DynamoDBClient;

async function tableDump(): Promise<string> {
  const items: unknown[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const res = await dynamo.send(
      new ScanCommand({
        TableName: LOCAL_NAMES.table,
        ConsistentRead: true,
        ExclusiveStartKey: start as never,
      }),
    );
    // A rate counter counts every authenticated request, refused or not: that is what a rate limit is for. It is
    // the one write a rejected request makes, so it is left out of "nothing written".
    items.push(...(res.Items ?? []).filter((item) => !item.pk?.S?.startsWith('RATE#')));
    start = res.LastEvaluatedKey;
  } while (start);
  return JSON.stringify(items.map((i) => JSON.stringify(i)).sort());
}

beforeAll(async () => {
  twin = await startTwinProcess();
  api = new TwinClient(twin.api);
  dynamo = new DynamoDBClient(localClientConfig(twin.urls.dynamodb));
  // Some state to protect.
  const ok = await api.postEvent(fixture('application.submitted', { email: uniqueEmail('valid') }));
  expect(ok.status).toBe(202);
  await api.advance('PT1M');
});

afterAll(async () => {
  dynamo?.destroy();
  await twin?.stop();
});

const rejected = () => fixture('application.rejected', { email: uniqueEmail('bad') });

describe('intake over HTTP', () => {
  it.each([
    {
      name: 'an invalid event',
      body: { ...rejected(), surprise: true },
      status: 400,
      error: 'invalid_event',
    },
    { name: 'malformed JSON', raw: '{"type": "application.submitted",', status: 400, error: 'invalid_event' },
    {
      name: 'a body over 64 KB',
      body: { ...rejected(), note: 'x'.repeat(70_000) },
      status: 413,
      error: 'payload_too_large',
    },
    {
      name: 'a form-encoded body',
      raw: 'type=application.submitted',
      contentType: 'application/x-www-form-urlencoded',
      status: 415,
      error: 'unsupported_media_type',
    },
  ])('rejects $name with $status and writes nothing', async (c) => {
    // Prepare
    const before = await tableDump();

    // Act
    const res = await api.postEvent(c.body, { raw: c.raw, contentType: c.contentType });
    await api.advance('PT1S');

    // Assess
    expect(res.status).toBe(c.status);
    expect(res.body.error).toBe(c.error);
    expect(await tableDump()).toBe(before);
  });

  it('answers 409 when an id is reused for a different event, and keeps the first', async () => {
    // Prepare
    const email = uniqueEmail('conflict');
    const first = fixture('application.submitted', { email, id: 'reused-id' });
    const second = fixture('application.submitted', { email, id: 'reused-id', company: 'Other Co' });
    expect((await api.postEvent(first)).status).toBe(202);
    await api.advance('PT1S');
    const before = await tableDump();

    // Act
    const res = await api.postEvent(second);

    // Assess
    expect(res.status).toBe(409);
    expect(res.body.error).toBe('idempotency_conflict');
    expect(await tableDump()).toBe(before);
  });
});

describe('the local controls', () => {
  const fire = (body: string) =>
    fetch(`${twin.api}/_local/schedules/fire`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });

  it('answer 400 to a fire request without a name, and 404 to one for no such schedule', async () => {
    // Act
    const bad = await fire('{"nom":"x"}');
    const unknown = await fire('{"name":"no-such-schedule"}');

    // Assess
    expect(bad.status).toBe(400);
    expect(unknown.status).toBe(404);
  });

  it('move the clock one calendar month for {"by":"P1M"}, not 30 days', async () => {
    // Prepare: 31 January, 10:00 UTC, of next year
    const year = (await api.now()).getUTCFullYear() + 1;
    await api.advanceTo(new Date(Date.UTC(year, 0, 31, 10)));

    // Act
    const now = await api.advance('P1M');

    // Assess: the last day of February (plus the seconds that flowed), where 30 days would land in March
    const lateBy = now.getTime() - Date.UTC(year, 2, 0, 10);
    expect(lateBy).toBeGreaterThanOrEqual(0);
    expect(lateBy).toBeLessThan(60_000);
  });
});
