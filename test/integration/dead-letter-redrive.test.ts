/**
 * Redriving dead letters from the admin view (issue 10 §3), on the running twin, through the admin JSON API
 * with bearer tokens, as an operator would after an outage:
 * - `scheduler`: SES fails every attempt, so a timer's wake-up of the sender dead-letters; once SES is back,
 *   the redrive wakes the sender again at the next minute and the reminder goes out exactly once;
 * - `stream`: DynamoDB refuses the planner's writes beyond its retries, so a new event's stream record
 *   dead-letters; once DynamoDB is back, the redrive reads it back from the stream and the planner applies it.
 * A viewer may not redrive (403, nothing changed). One twin for the file.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ActionResult, AuditPage, HealthView, UserView } from '../../events/admin-api.ts';
import { adminToken, bearerOf, OPERATOR, VIEWER } from '../../harness/admin-auth.ts';
import { confirmUsers } from '../../harness/consent.ts';
import { fixture, nextMonday, uniqueEmail } from '../../harness/scenario.ts';
import { TwinClient } from '../../harness/twin-client.ts';
import { type RunningTwin, startTwinProcess } from '../../harness/twin-process.ts';
import { userIdFor } from '../../shared/domain/ids.ts';

const MINUTE = 60_000;

let twin: RunningTwin;
let api: TwinClient;
let operatorToken: string;
let viewerToken: string;

beforeAll(async () => {
  twin = await startTwinProcess({ env: { REBOUND_QUIET: '1' } });
  api = new TwinClient(twin.api);
  operatorToken = await adminToken(twin.api, OPERATOR);
  viewerToken = await adminToken(twin.api, VIEWER);
});

afterEach(async () => {
  await api.clearFaults();
});

afterAll(async () => {
  await twin?.stop();
});

async function adminGet<T>(path: string, token = operatorToken): Promise<T> {
  const res = await fetch(`${twin.api}/admin/api/${path}`, { headers: bearerOf(token) });
  expect(res.status).toBe(200);
  return (await res.json()) as T;
}

async function redrive(queue: string, token = operatorToken): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${twin.api}/admin/api/dead-letters/${queue}/redrive`, {
    method: 'POST',
    headers: { ...bearerOf(token), 'content-type': 'application/json' },
    body: '{}',
  });
  return { status: res.status, body: await res.json() };
}

async function deadLetterCount(queue: string): Promise<number | undefined> {
  const health = await adminGet<HealthView>('health');
  return health.deadLetters.find((q) => q.name === queue)?.count;
}

/** A user whose first application was submitted at `at` (Berlin), confirmed through the link in their email. */
async function confirmedUser(label: string, at: Date): Promise<string> {
  const email = uniqueEmail(label);
  const posted = await api.postEvent(
    fixture('application.submitted', { email, timezone: 'Europe/Berlin', occurredAt: at, ref: 'first' }),
  );
  expect(posted.status).toBe(202);
  await confirmUsers(api, [email]);
  return email;
}

/** When the user's earliest timer fires (their first follow-up's send slot). */
async function firstTimerOf(email: string): Promise<Date> {
  const prefix = `rebound-${userIdFor(email).replace('_', '-')}-`;
  const fires = (await api.schedules())
    .filter((s) => s.name.startsWith(prefix) && s.nextFireAt)
    .map((s) => Date.parse(s.nextFireAt ?? ''));
  expect(fires.length).toBeGreaterThan(0);
  return new Date(Math.min(...fires));
}

describe('redriving the scheduler dead letters', () => {
  it('wakes the sender again once SES is back: the reminder goes out exactly once and the queue is empty', async () => {
    // Prepare: a confirmed user; SES fails every call from a minute before their first follow-up's timer
    const start = nextMonday(await api.now(), 'Europe/Berlin', 10);
    await api.advanceTo(start);
    const email = await confirmedUser('redrive-timer', start);
    const due = await firstTimerOf(email);
    await api.advanceTo(new Date(due.getTime() - MINUTE));
    const emailsBefore = (await api.emails(email)).length;
    await api.injectFaults({ operation: 'SES.SendEmail', effect: 'fail' });
    await api.advanceTo(due);
    expect(await deadLetterCount('scheduler')).toBe(1);
    expect((await api.emails(email)).length).toBe(emailsBefore);
    await api.clearFaults();

    // Act: a viewer tries first; then the operator redrives, and a minute passes
    const refused = await redrive('scheduler', viewerToken);
    const countAfterViewer = await deadLetterCount('scheduler');
    const redriven = await redrive('scheduler');
    const countAfterRedrive = await deadLetterCount('scheduler');
    const emailsRightAfter = (await api.emails(email)).length;
    await api.advance('PT1M');
    const sentByRedrive = (await api.emails(email)).slice(emailsBefore);
    await api.advance('PT2H'); // the reconciler's runs, and any other timer: nothing goes out again
    const again = await redrive('scheduler');

    // Assess
    expect(refused.status).toBe(403);
    expect(countAfterViewer).toBe(1);
    expect(redriven.status).toBe(200);
    const result = redriven.body as ActionResult;
    expect(result.outcome).toBe('applied');
    expect(result.deadLetters).toEqual({ queue: 'scheduler', redriven: 1, remaining: 0, notes: [] });
    expect(result.message).toContain('Redrove 1 dead letter from scheduler');
    expect(countAfterRedrive).toBe(0);
    expect(emailsRightAfter).toBe(emailsBefore); // sent by the timer at the next minute, not by the redrive
    expect(sentByRedrive).toHaveLength(1);
    expect(Date.parse(sentByRedrive[0]?.sentAt ?? '') - due.getTime()).toBeLessThanOrEqual(2 * MINUTE);
    expect((await api.emails(email)).slice(emailsBefore)).toHaveLength(1);
    expect(again.status).toBe(200);
    expect((again.body as ActionResult).deadLetters).toMatchObject({ redriven: 0, remaining: 0 });
    const audit = await adminGet<AuditPage>('audit?limit=5');
    const entry = audit.items.find((i) => i.auditId === result.auditId);
    expect(entry).toMatchObject({
      actor: OPERATOR.email,
      action: 'dead_letter.redrive',
      input: { queue: 'scheduler' },
      before: { count: 1 },
      after: { redriven: 1, remaining: 0 },
      outcome: 'applied',
    });
  });

  it('answers 404 for a queue the twin does not have', async () => {
    const res = await redrive('sender');
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ error: 'not_found' });
  });
});

describe('redriving the stream dead letters', () => {
  it('replays the failed event to the planner once DynamoDB is back: its reminders are planned', async () => {
    // Prepare: a confirmed user; then DynamoDB refuses every transaction (the planner's plan write) while
    // their second application arrives, beyond the stream's retries
    const start = nextMonday(await api.now(), 'Europe/Berlin', 10);
    await api.advanceTo(start);
    const email = await confirmedUser('redrive-stream', start);
    const streamBefore = (await api.deadLetters()).stream.length;
    await api.injectFaults({ operation: 'DynamoDB.TransactWriteItems', effect: 'fail' });
    const posted = await api.postEvent(
      fixture('application.submitted', { email, occurredAt: start, ref: 'second', company: 'Globex' }),
    );
    expect(posted.status).toBe(202);
    await api.advance('PT0S');
    const failed = (await api.deadLetters()).stream.slice(streamBefore);
    await api.clearFaults();
    const globex = async () =>
      (await adminGet<UserView>(`users?email=${encodeURIComponent(email)}`)).pending.filter(
        (r) => r.company === 'Globex',
      );
    const plannedBefore = await globex();

    // Act
    const refused = await redrive('stream', viewerToken);
    const redriven = await redrive('stream');
    await api.advance('PT0S');

    // Assess
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ DDBStreamBatchInfo: { batchSize: 1 } });
    expect(plannedBefore).toEqual([]);
    expect(refused.status).toBe(403);
    expect(redriven.status).toBe(200);
    expect((redriven.body as ActionResult).deadLetters).toEqual({
      queue: 'stream',
      redriven: 1,
      remaining: 0,
      notes: [],
    });
    expect(await deadLetterCount('stream')).toBe(0);
    const planned = await globex();
    expect(planned.length).toBeGreaterThan(0);
    expect(planned.every((r) => r.status === 'pending' && !r.held)).toBe(true);
  });
});
