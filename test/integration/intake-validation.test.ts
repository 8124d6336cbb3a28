/**
 * Bad input gets a clear error and changes nothing: every rejection leaves the table byte-for-byte as it was.
 */
import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixture, uniqueEmail } from '../../harness/scenario.ts';
import { TwinClient } from '../../harness/twin-client.ts';
import { type RunningTwin, startTwinProcess } from '../../harness/twin-process.ts';

let twin: RunningTwin;
let api: TwinClient;
let dynamo: DynamoDBClient;

async function tableDump(): Promise<string> {
  const items: unknown[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const res = await dynamo.send(
      new ScanCommand({
        TableName: 'rebound-local',
        ConsistentRead: true,
        ExclusiveStartKey: start as never,
      }),
    );
    items.push(...(res.Items ?? []));
    start = res.LastEvaluatedKey;
  } while (start);
  return JSON.stringify(items.map((i) => JSON.stringify(i)).sort());
}

beforeAll(async () => {
  twin = await startTwinProcess();
  api = new TwinClient(twin.api);
  dynamo = new DynamoDBClient({
    endpoint: twin.urls.dynamodb,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  // Some state to protect.
  const ok = await api.postEvent(fixture('application.submitted', { email: uniqueEmail('valid') }));
  expect(ok.status).toBe(202);
  await api.advance('PT1M');
});

afterAll(async () => {
  dynamo?.destroy();
  await twin?.stop();
});

const valid = () => fixture('application.rejected', { email: uniqueEmail('bad') });
// biome-ignore lint/suspicious/noExplicitAny: the cases below break a fixture on purpose, field by field
type Loose = Record<string, any>;
const without = (e: Loose, mutate: (e: Loose) => void) => {
  mutate(e);
  return e;
};

const cases: {
  name: string;
  body?: unknown;
  raw?: string;
  contentType?: string;
  status: number;
  path?: string;
  error: string;
}[] = [
  {
    name: 'a missing user email',
    body: without(valid(), (e) => {
      delete e.user.email;
    }),
    status: 400,
    path: 'user.email',
    error: 'invalid_event',
  },
  {
    name: 'a malformed user email',
    body: without(valid(), (e) => {
      e.user.email = 'not-an-email';
    }),
    status: 400,
    path: 'user.email',
    error: 'invalid_event',
  },
  {
    name: 'an unknown event type',
    body: without(valid(), (e) => {
      e.type = 'application.ghosted';
    }),
    status: 400,
    path: 'type',
    error: 'invalid_event',
  },
  {
    name: 'a bad time zone',
    body: without(valid(), (e) => {
      e.user.timezone = 'Mars/Olympus_Mons';
    }),
    status: 400,
    path: 'user.timezone',
    error: 'invalid_event',
  },
  {
    name: 'an unknown rejection reason',
    body: without(valid(), (e) => {
      e.rejection.reason = 'too_awesome';
    }),
    status: 400,
    path: 'rejection.reason',
    error: 'invalid_event',
  },
  {
    name: 'a rejection without its rejection block',
    body: without(valid(), (e) => {
      delete e.rejection;
    }),
    status: 400,
    path: 'rejection',
    error: 'invalid_event',
  },
  {
    name: 'a missing application',
    body: without(valid(), (e) => {
      delete e.application;
    }),
    status: 400,
    path: 'application',
    error: 'invalid_event',
  },
  {
    name: 'an over-long company name',
    body: without(valid(), (e) => {
      e.application.company = 'x'.repeat(500);
    }),
    status: 400,
    path: 'application.company',
    error: 'invalid_event',
  },
  {
    name: 'an unknown field',
    body: without(valid(), (e) => {
      e.surprise = true;
    }),
    status: 400,
    path: 'surprise',
    error: 'invalid_event',
  },
  {
    name: 'malformed JSON',
    raw: '{"type": "application.submitted",',
    status: 400,
    path: '',
    error: 'invalid_event',
  },
  {
    name: 'a body over 64 KB',
    body: without(valid(), (e) => {
      e.rejection.message = 'x'.repeat(70_000);
    }),
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
];

describe('intake validation', () => {
  it.each(cases)('rejects $name with $status and writes nothing', async (c) => {
    // Prepare
    const before = await tableDump();

    // Act
    const res = await api.postEvent(c.body, { raw: c.raw, contentType: c.contentType });
    await api.advance('PT1S');

    // Assess
    expect(res.status).toBe(c.status);
    expect(res.body.error).toBe(c.error);
    if (c.path !== undefined) {
      const issues = res.body.issues as { path: string; message: string }[];
      expect(issues.map((i) => i.path)).toContain(c.path);
      for (const issue of issues) expect(issue.message.length).toBeGreaterThan(3);
    }
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

describe('the local clock controls', () => {
  it.each([
    ['a malformed duration', { by: 'three days' }, 'by'],
    ['a negative duration', { by: '-P1D' }, 'by'],
    ['a date in the past', { to: '2001-01-01T00:00:00Z' }, 'to'],
    ['both forms at once', { by: 'P1D', to: '2099-01-01T00:00:00Z' }, ''],
  ])('refuse %s with 400 and leave the clock where it was', async (_name, body, path) => {
    // Prepare
    const before = await api.now();

    // Act
    const res = await fetch(`${twin.api}/_local/clock/advance`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const answer = (await res.json()) as { error: string; issues: { path: string }[] };

    // Assess
    expect(res.status).toBe(400);
    expect(answer.error).toBe('invalid_request');
    if (path) expect(answer.issues.map((i) => i.path)).toContain(path);
    const after = await api.now();
    expect(after.getTime() - before.getTime()).toBeLessThan(5_000);
  });
});
