/**
 * Redriving a dead-letter queue from the admin web layer: the JSON API route, the Redrive button on Health
 * (operators, redrivable queues with messages), and the confirm-then-POST flow, with the fake service.
 */
import { describe, expect, it } from 'vitest';
import type { HealthView } from '../../../events/admin-api.ts';
import { AdminActionRefusedError } from '../../../shared/errors.ts';
import { health, postForm, postJson, setup } from './admin-fakes.ts';

const OPERATOR = { email: 'ops@example.com', roles: ['operator', 'viewer'] };

/** The fake service, with dead letters in a redrivable queue, an empty one and one that is not redrivable. */
function withDeadLetters() {
  const s = setup();
  const view: HealthView = {
    ...health,
    deadLetters: [
      { name: 'scheduler', count: 3 },
      { name: 'stream', count: 0 },
      { name: 'feedback', count: 2 },
    ],
  };
  s.service.health = async () => view;
  return s;
}

describe('the redrive API route', () => {
  it('takes dead_letter.redrive for an operator with the Idempotency-Key', async () => {
    const { operator, service } = setup();
    const res = await operator(
      '/admin/api/dead-letters/scheduler/redrive',
      postJson(undefined, { 'idempotency-key': 'key-9' }),
    );
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ outcome: 'applied', auditId: 'a2' });
    expect(service.acted).toEqual([
      { principal: OPERATOR, action: { type: 'dead_letter.redrive', queue: 'scheduler' }, key: 'key-9' },
    ]);
  });

  it('refuses a viewer with 403 and never calls the service', async () => {
    const { viewer, service } = setup();
    const res = await viewer('/admin/api/dead-letters/scheduler/redrive', postJson());
    expect(res.status).toBe(403);
    expect(await res.json()).toEqual({ error: 'forbidden' });
    expect(service.acted).toEqual([]);
  });

  it('answers 400 naming the field for a body or a queue name it does not take, 404 for another verb', async () => {
    const { operator, service } = setup();
    const body = await operator('/admin/api/dead-letters/scheduler/redrive', postJson({ all: true }));
    const name = await operator('/admin/api/dead-letters/sch%20eduler/redrive', postJson());
    const verb = await operator('/admin/api/dead-letters/scheduler/purge', postJson());
    expect(body.status).toBe(400);
    expect(((await body.json()) as { issues: { path: string }[] }).issues[0]?.path).toBe('all');
    expect(name.status).toBe(400);
    expect(verb.status).toBe(404);
    expect(service.acted).toEqual([]);
  });

  it('answers 409 with the reason when the queue cannot be redriven', async () => {
    const { operator, service } = setup();
    service.failNext = new AdminActionRefusedError('Redrive is not supported for the feedback queue');
    const res = await operator('/admin/api/dead-letters/feedback/redrive', postJson());
    expect(res.status).toBe(409);
    expect(await res.json()).toEqual({
      error: 'action_refused',
      message: 'Redrive is not supported for the feedback queue',
    });
  });
});

describe('Redrive on the Health page', () => {
  it('offers an operator Redrive for each redrivable queue with messages, and nothing else', async () => {
    const { operator } = withDeadLetters();
    const html = await (await operator('/admin/health')).text();
    expect(html).toContain('href="/admin/confirm?action=dead_letter.redrive&amp;queue=scheduler"');
    expect(html).not.toContain('queue=stream'); // empty
    expect(html).not.toContain('queue=feedback'); // not redrivable
    expect(html).toContain('5 in all');
  });

  it('shows a viewer the counts without any button', async () => {
    const { viewer } = withDeadLetters();
    const html = await (await viewer('/admin/health')).text();
    expect(html).toContain('5 in all');
    expect(html).not.toContain('dead_letter.redrive');
  });

  it('confirms with the queue and its count, then POSTs once and goes back to Health with the result', async () => {
    const { operator, service } = withDeadLetters();
    const confirm = await operator('/admin/confirm?action=dead_letter.redrive&queue=scheduler');
    const html = await confirm.text();
    const key = /name="key" value="([\w-]+)"/.exec(html)?.[1] ?? '';
    const posted = await operator('/admin/actions/dead-letters/scheduler/redrive', postForm({ key }));

    expect(confirm.status).toBe(200);
    expect(html).toContain('Redrive the scheduler dead letters?');
    expect(html).toContain('Hand the 3 messages of the <strong>scheduler</strong> dead-letter queue');
    expect(html).toContain('action="/admin/actions/dead-letters/scheduler/redrive"');
    expect(key.length).toBeGreaterThanOrEqual(8);
    expect(posted.status).toBe(303);
    expect(posted.headers.get('location')).toMatch(/^\/admin\/health\?done=/);
    expect(service.acted).toEqual([
      { principal: OPERATOR, action: { type: 'dead_letter.redrive', queue: 'scheduler' }, key },
    ]);
  });

  it('answers 404 on the confirm page for a queue Health does not list', async () => {
    const { operator } = withDeadLetters();
    const res = await operator('/admin/confirm?action=dead_letter.redrive&queue=nope');
    expect(res.status).toBe(404);
  });

  it('gives a viewer a 403 page for the confirm page and the POST, and acts on nothing', async () => {
    const { viewer, service } = withDeadLetters();
    const confirm = await viewer('/admin/confirm?action=dead_letter.redrive&queue=scheduler');
    const posted = await viewer(
      '/admin/actions/dead-letters/scheduler/redrive',
      postForm({ key: 'k-123456789' }),
    );
    expect(confirm.status).toBe(403);
    expect(posted.status).toBe(403);
    expect(service.acted).toEqual([]);
  });

  it('shows a refusal as a 409 page with a way back to Health', async () => {
    const { operator, service } = withDeadLetters();
    service.failNext = new AdminActionRefusedError('Redrive is not supported for the feedback queue');
    const res = await operator(
      '/admin/actions/dead-letters/feedback/redrive',
      postForm({ key: 'k-123456789' }),
    );
    const html = await res.text();
    expect(res.status).toBe(409);
    expect(html).toContain('Redrive is not supported for the feedback queue');
    expect(html).toContain('href="/admin/health"');
  });
});
