import { describe, expect, it } from 'vitest';
import { AdminActionRefusedError, NotFoundError } from '../../../shared/errors.ts';
import {
  audit,
  DIGEST_ID,
  EMAIL,
  health,
  postJson,
  REMINDER_ID,
  reminder,
  setup,
  USER_ID,
  user,
} from './admin-fakes.ts';

const ACTIONS: readonly { path: string; body?: unknown; type: string }[] = [
  { path: `reminders/${USER_ID}/${REMINDER_ID}/cancel`, type: 'reminder.cancel' },
  { path: `reminders/${USER_ID}/${REMINDER_ID}/send-now`, type: 'reminder.send_now' },
  {
    path: `reminders/${USER_ID}/${REMINDER_ID}/reschedule`,
    body: { dueAt: '2027-01-12T08:00:00Z' },
    type: 'reminder.reschedule',
  },
  { path: `users/${USER_ID}/pause`, body: { weeks: 4 }, type: 'user.pause' },
  { path: `users/${USER_ID}/resume`, type: 'user.resume' },
  { path: `users/${USER_ID}/resync`, type: 'user.resync' },
  { path: `users/${USER_ID}/erase`, body: { confirmEmail: EMAIL }, type: 'user.erase' },
  { path: `digests/${USER_ID}/${DIGEST_ID}/mark-sent`, type: 'digest.mark_sent' },
  { path: `digests/${USER_ID}/${DIGEST_ID}/release`, type: 'digest.release' },
];

describe('the admin JSON API', () => {
  it('lists pending reminders with the parsed filters and answers the ReminderPage', async () => {
    const { operator, service } = setup();
    const res = await operator(
      '/admin/api/reminders?status=pending&consent=waiting&kind=follow_up&from=2027-01-01T00:00:00Z&source=acme-ats&limit=10&cursor=abc&to=',
    );
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ items: [reminder], next: 'cursor-next' });
    expect(service.queries).toEqual([
      {
        status: 'pending',
        consent: 'waiting',
        kind: 'follow_up',
        from: '2027-01-01T00:00:00Z',
        source: 'acme-ats',
        limit: 10,
        cursor: 'abc',
      },
    ]);
  });

  it('answers 400 naming the field for a bad filter, and for an unknown parameter', async () => {
    const { operator, service } = setup();
    const bad = await operator('/admin/api/reminders?kind=party&limit=5');
    expect(bad.status).toBe(400);
    const body = (await bad.json()) as { error: string; issues: { path: string }[] };
    expect(body.error).toBe('invalid_request');
    expect(body.issues.map((i) => i.path)).toEqual(['kind']);
    const unknown = await operator('/admin/api/reminders?colour=red');
    expect(((await unknown.json()) as { issues: { path: string }[] }).issues[0]?.path).toBe('colour');
    const limit = await operator('/admin/api/reminders?limit=1000');
    expect(((await limit.json()) as { issues: { path: string }[] }).issues[0]?.path).toBe('limit');
    expect(service.queries).toEqual([]);
  });

  it('finds a user by address, 404s an unknown one and 400s a malformed one', async () => {
    const { viewer } = setup();
    const found = await viewer(`/admin/api/users?email=${encodeURIComponent(EMAIL)}`);
    expect(found.status).toBe(200);
    expect(await found.json()).toEqual(user);
    const missing = await viewer('/admin/api/users?email=nobody%40example.com');
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: string }).error).toBe('not_found');
    const bad = await viewer('/admin/api/users?email=not-an-address');
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { issues: { path: string }[] }).issues[0]?.path).toBe('email');
  });

  it('finds a user by the id a list gave, and 400s an id of the wrong shape', async () => {
    const { viewer } = setup();
    const found = await viewer(`/admin/api/users?id=${USER_ID}`);
    expect(found.status).toBe(200);
    expect(await found.json()).toEqual(user);
    expect((await viewer('/admin/api/users?id=u_0123456789abcdef01234567')).status).toBe(404);
    expect((await viewer('/admin/api/users?id=sam')).status).toBe(400);
  });

  it('answers the audit page, health and an email preview by kind or by reminder', async () => {
    const { viewer } = setup();
    expect(await (await viewer('/admin/api/audit?limit=20')).json()).toEqual(audit);
    expect(await (await viewer('/admin/api/health')).json()).toEqual(health);
    const byKind = (await (await viewer('/admin/api/emails/preview?kind=follow_up')).json()) as {
      fromReminder: boolean;
      subject: string;
    };
    expect(byKind.fromReminder).toBe(false);
    const byReminder = (await (
      await viewer(`/admin/api/emails/preview?userId=${USER_ID}&reminderId=${REMINDER_ID}`)
    ).json()) as { fromReminder: boolean };
    expect(byReminder.fromReminder).toBe(true);
    const neither = await viewer('/admin/api/emails/preview?userId=u_1');
    expect(neither.status).toBe(400);
    const badLimit = await viewer('/admin/api/audit?limit=0');
    expect(((await badLimit.json()) as { issues: { path: string }[] }).issues[0]?.path).toBe('limit');
  });

  it.each(ACTIONS)('takes $type for an operator, with the Idempotency-Key', async ({ path, body, type }) => {
    const { operator, service } = setup();
    const res = await operator(`/admin/api/${path}`, postJson(body, { 'idempotency-key': 'key-1' }));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      outcome: 'applied',
      auditId: 'a2',
      message: `Done: ${type} <b>ok</b>`,
    });
    expect(service.acted).toHaveLength(1);
    expect(service.acted[0]?.action.type).toBe(type);
    const acted = service.acted[0]?.action;
    expect(acted && 'userId' in acted ? acted.userId : undefined).toBe(USER_ID);
    expect(service.acted[0]?.key).toBe('key-1');
    expect(service.acted[0]?.principal.email).toBe('ops@example.com');
  });

  it.each(ACTIONS)(
    'refuses $type to a viewer with 403 and never calls the service',
    async ({ path, body }) => {
      const { viewer, service } = setup();
      const res = await viewer(`/admin/api/${path}`, postJson(body));
      expect(res.status).toBe(403);
      expect(await res.json()).toEqual({ error: 'forbidden' });
      expect(service.acted).toEqual([]);
    },
  );

  it('passes the body and ids on as the action', async () => {
    const { operator, service } = setup();
    await operator(
      `/admin/api/reminders/${USER_ID}/${REMINDER_ID}/reschedule`,
      postJson({ dueAt: '2027-01-12T08:00:00Z' }),
    );
    await operator(`/admin/api/users/${USER_ID}/pause`, postJson({ weeks: 2 }));
    expect(service.acted.map((a) => a.action)).toEqual([
      {
        type: 'reminder.reschedule',
        userId: USER_ID,
        reminderId: REMINDER_ID,
        dueAt: '2027-01-12T08:00:00Z',
      },
      { type: 'user.pause', userId: USER_ID, weeks: 2 },
    ]);
  });

  it('answers 400 naming the field for a bad action body, and takes no action', async () => {
    const { operator, service } = setup();
    const cases: [string, unknown, string][] = [
      [`reminders/${USER_ID}/${REMINDER_ID}/reschedule`, { dueAt: 'tomorrow' }, 'dueAt'],
      [`users/${USER_ID}/pause`, { weeks: 0 }, 'weeks'],
      [`users/${USER_ID}/pause`, {}, 'weeks'],
      [`users/${USER_ID}/erase`, { confirmEmail: 'someone-else@example.com' }, 'confirmEmail'],
      [`users/${USER_ID}/erase`, {}, 'confirmEmail'],
      [`reminders/${USER_ID}/${REMINDER_ID}/cancel`, { reason: 'x' }, 'reason'],
    ];
    for (const [path, body, field] of cases) {
      const res = await operator(`/admin/api/${path}`, postJson(body));
      expect(res.status, path).toBe(400);
      const answer = (await res.json()) as { error: string; issues: { path: string; message: string }[] };
      expect(answer.error).toBe('invalid_request');
      expect(answer.issues.map((i) => i.path)).toContain(field);
    }
    const notJson = await operator(`/admin/api/users/${USER_ID}/pause`, { ...postJson(), body: '{weeks' });
    expect(notJson.status).toBe(400);
    expect(service.acted).toEqual([]);
  });

  it('maps the service refusing (409) and not finding (404) to JSON with a message', async () => {
    const { operator, service } = setup();
    service.failNext = new AdminActionRefusedError('The reminder was sent at 08:00');
    const refused = await operator(`/admin/api/reminders/${USER_ID}/${REMINDER_ID}/cancel`, postJson());
    expect(refused.status).toBe(409);
    expect(await refused.json()).toEqual({
      error: 'action_refused',
      message: 'The reminder was sent at 08:00',
    });
    service.failNext = new NotFoundError('Reminder r_x');
    const missing = await operator(`/admin/api/reminders/${USER_ID}/r_x/cancel`, postJson());
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ error: 'not_found', message: 'Reminder r_x not found' });
  });

  it('answers 404 JSON for an unknown action or route', async () => {
    const { operator, service } = setup();
    const verb = await operator(`/admin/api/users/${USER_ID}/explode`, postJson());
    expect(verb.status).toBe(404);
    expect(((await verb.json()) as { error: string }).error).toBe('not_found');
    const route = await operator('/admin/api/nothing-here');
    expect(route.status).toBe(404);
    expect(route.headers.get('content-type')).toContain('application/json');
    expect(service.acted).toEqual([]);
  });

  it("propagates the session's 401 without reaching the service", async () => {
    const { anonymous, service } = setup();
    const read = await anonymous('/admin/api/health');
    expect(read.status).toBe(401);
    expect(await read.json()).toEqual({ error: 'unauthenticated', reason: 'missing' });
    const act = await anonymous(`/admin/api/users/${USER_ID}/resync`, postJson());
    expect(act.status).toBe(401);
    expect(service.acted).toEqual([]);
  });

  it('hides internal errors behind a 500 with no detail, and reports them', async () => {
    const { service } = setup();
    const errors: unknown[] = [];
    const { createAdminApp } = await import('../../../shared/web/admin/routes.tsx');
    const { fakeSession } = await import('./admin-fakes.ts');
    service.health = async () => {
      throw new Error('DynamoDB said no: secret detail');
    };
    const app = createAdminApp(service, fakeSession(), { onError: (e) => errors.push(e) });
    const res = await app.request('/admin/api/health', { headers: { 'x-test-role': 'viewer' } });
    expect(res.status).toBe(500);
    expect(await res.text()).not.toContain('secret');
    expect(errors).toHaveLength(1);
  });
});
