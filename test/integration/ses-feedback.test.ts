/**
 * `POST /_local/ses/feedback` on the running twin: SES's bounce and complaint events reach the feedback
 * function, which stores them in the user's timeline and puts the address on SES's suppression list. What
 * the planner does with them is the consent tests' business; this file checks what reaches the table.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixture, uniqueEmail } from '../../harness/scenario.ts';
import { itemsOf, scanTable, type TableItem } from '../../harness/table.ts';
import { TwinClient } from '../../harness/twin-client.ts';
import { type RunningTwin, startTwinProcess } from '../../harness/twin-process.ts';
import { userIdFor } from '../../shared/domain/ids.ts';

let twin: RunningTwin;
let api: TwinClient;

beforeAll(async () => {
  twin = await startTwinProcess({ env: { REBOUND_QUIET: '1' } });
  api = new TwinClient(twin.api);
});

afterAll(async () => {
  await twin?.stop();
});

/** The user-action events stored in `email`'s timeline. */
async function actionsOf(email: string): Promise<TableItem[]> {
  const pk = `USER#${userIdFor(email)}`;
  return itemsOf(await scanTable(twin.urls.dynamodb), 'EVENT').filter((i) => i.pk === pk && i.action);
}

describe('POST /_local/ses/feedback', () => {
  it.each([
    ['malformed JSON', '{"email":', ''],
    ['no address', { type: 'Complaint' }, 'email'],
    ['an unknown type', { email: 'sam@example.com', type: 'Delivery' }, 'type'],
    ['a bounce without its bounce type', { email: 'sam@example.com', type: 'Bounce' }, 'bounceType'],
  ])('answers 400 for %s, naming the field', async (_name, body, path) => {
    // Act
    const res = await api.sesFeedback(body);

    // Assess
    expect(res.status).toBe(400);
    const answer = res.body as { error: string; issues: { path: string }[] };
    expect(answer.error).toBe('invalid_request');
    expect(answer.issues.map((i) => i.path)).toContain(path);
  });

  it('stores a permanent bounce as consent.suppressed, about the last email sent to the address', async () => {
    // Prepare: a user who has been sent something (a confirmation, or a reminder before double opt-in)
    const email = uniqueEmail('bounce');
    await api.postEvent(fixture('application.submitted', { email, occurredAt: await api.now() }));
    await api.advance('P8D');
    const last = (await api.emails(email)).at(-1);
    expect(last).toBeDefined();

    // Act
    const res = await api.sesFeedback({ email, type: 'Bounce', bounceType: 'Permanent' });

    // Assess
    expect(res.status).toBe(200);
    const { result, event } = res.body as {
      result: { recorded: number };
      event: { detail: { mail: { messageId: string } } };
    };
    expect(result).toEqual({ recorded: 1 });
    expect(event.detail.mail.messageId).toBe(last?.messageId);
    const actions = await actionsOf(email);
    expect(actions.map((a) => a.action)).toEqual([{ type: 'consent.suppressed', reason: 'bounce' }]);
    expect(actions[0]?.actor).toEqual({ type: 'ses' });
    expect((await api.suppressions()).filter((s) => s.email === email)).toMatchObject([{ reason: 'BOUNCE' }]);
    expect(await api.deadLetters()).toEqual({ scheduler: [], stream: [] });
  });

  it('stores a complaint once however often SES delivers it', async () => {
    // Prepare
    const email = uniqueEmail('complaint');
    await api.postEvent(fixture('application.submitted', { email, occurredAt: await api.now() }));
    await api.advance('P8D');
    const first = await api.sesFeedback({ email, type: 'Complaint' });

    // Act: the same complaint about the same email, delivered again
    const again = await api.sesFeedback({ email, type: 'Complaint' });

    // Assess
    expect((first.body as { result: unknown }).result).toEqual({ recorded: 1 });
    expect(again.status).toBe(200);
    expect((again.body as { result: unknown }).result).toEqual({ recorded: 0 });
    const actions = await actionsOf(email);
    expect(actions.map((a) => a.action)).toEqual([{ type: 'consent.suppressed', reason: 'complaint' }]);
    expect((await api.suppressions()).filter((s) => s.email === email)).toMatchObject([
      { reason: 'COMPLAINT' },
    ]);
  });

  it('stores a transient bounce as delivery.bounced_transient and suppresses nothing', async () => {
    // Prepare
    const email = uniqueEmail('transient');
    await api.postEvent(fixture('application.submitted', { email, occurredAt: await api.now() }));
    await api.advance('PT0S');

    // Act
    const res = await api.sesFeedback({ email, type: 'Bounce', bounceType: 'Transient' });

    // Assess
    expect(res.status).toBe(200);
    expect((await actionsOf(email)).map((a) => a.action)).toEqual([{ type: 'delivery.bounced_transient' }]);
    expect((await api.suppressions()).filter((s) => s.email === email)).toEqual([]);
  });

  it('counts the feedback function and its calls on the meter', async () => {
    // Prepare
    await api.resetMeter();

    // Act
    await api.sesFeedback({ email: uniqueEmail('metered'), type: 'Complaint' });

    // Assess
    const meter = await api.meter();
    expect(meter.invocations.feedback).toMatchObject({ count: 1, errors: 0 });
    expect(meter.awsCalls['SES.PutSuppressedDestination']).toEqual({ calls: 1, forwarded: 1, faulted: 0 });
    expect(meter.awsCalls['DynamoDB.PutItem']?.calls).toBeGreaterThanOrEqual(1);
  });
});
