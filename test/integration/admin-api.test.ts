/**
 * The admin JSON API (`/admin/api/…`, contract in `events/admin-api.ts`) on the running twin, over HTTP with
 * bearer tokens from the twin's issuer, as a script would call it: the lists and their filters, the user
 * view, every operator action with what it answers and refuses, the audit trail, health, and the guards
 * (401 without a good token, 403 for a viewer with nothing changed). One twin for the file; each scenario
 * seeds its own users on the next Monday after wherever the previous one left the clock.
 */
import { DeleteScheduleCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type {
  ActionResult,
  AdminReminder,
  AuditPage,
  HealthView,
  ReminderPage,
  UserView,
} from '../../events/admin-api.ts';
import { AdminApi, reminderAction, seedUser } from '../../harness/admin.ts';
import { adminToken, OPERATOR, VIEWER } from '../../harness/admin-auth.ts';
import { remindersTo } from '../../harness/email-links.ts';
import { tableSnapshot } from '../../harness/table.ts';
import { TwinClient } from '../../harness/twin-client.ts';
import { type RunningTwin, startTwinProcess } from '../../harness/twin-process.ts';
import { TWIN_WIRING } from '../../infra/local/wiring.ts';

let twin: RunningTwin;
let api: TwinClient;
let operator: AdminApi;
let viewer: AdminApi;
let anonymous: AdminApi;

beforeAll(async () => {
  twin = await startTwinProcess({ env: { REBOUND_QUIET: '1' } });
  api = new TwinClient(twin.api);
  operator = await AdminApi.as(twin.api, OPERATOR);
  viewer = await AdminApi.as(twin.api, VIEWER);
  anonymous = new AdminApi(twin.api, undefined);
});

afterAll(async () => {
  await twin?.stop();
});

/** Every page of the pending list for `query`, following the cursor. */
async function allPages(query: Record<string, string | number>): Promise<AdminReminder[][]> {
  const pages: AdminReminder[][] = [];
  let cursor: string | undefined;
  do {
    const res = await operator.get<ReminderPage>('reminders', { ...query, cursor });
    expect(res.status).toBe(200);
    pages.push([...res.body.items]);
    cursor = res.body.next ?? undefined;
  } while (cursor && pages.length < 50);
  return pages;
}

const issuePaths = (body: unknown): string[] =>
  ((body as { issues?: { path: string }[] }).issues ?? []).map((i) => i.path);

/** The user's first pending follow-up (day 7). */
async function firstFollowUp(email: string): Promise<UserView['pending'][number]> {
  const [first] = await operator.pending(email);
  if (!first) throw new Error(`${email} has no pending follow-up`);
  return first;
}

describe('the admin API lists', { timeout: 60_000 }, () => {
  it('lists pending reminders soonest first, page by page, with filters by kind, consent and source', async () => {
    // Prepare: two confirmed users (two follow-ups each) and one still waiting for consent
    const a = await seedUser(api, { label: 'list-a', company: 'Listing Alpha' });
    const b = await seedUser(api, { label: 'list-b', company: 'Listing Beta', at: a.t0 });
    const waiting = await seedUser(api, { label: 'list-waiting', confirm: false, at: a.t0 });

    // Act
    const pages = await allPages({ limit: 1 });
    const byKind = await allPages({ kind: 'follow_up', limit: 3 });
    const none = await operator.get<ReminderPage>('reminders', { kind: 'thank_you' });
    const held = await allPages({ consent: 'waiting' });
    const fromSource = await allPages({ source: twin.credentials.sourceId });
    const otherSource = await operator.get<ReminderPage>('reminders', { source: 'nobody' });

    // Assess: one item a page, each page after the one before, every user's reminder on them
    const items = pages.flat();
    expect(pages.every((p) => p.length <= 1)).toBe(true);
    expect(items.length).toBeGreaterThanOrEqual(4);
    const dues = items.map((r) => r.dueAt);
    expect(dues).toEqual([...dues].sort());
    expect(new Set(items.map((r) => r.reminderId)).size).toBe(items.length);
    for (const user of [a, b]) {
      const mine = items.filter((r) => r.userId === user.userId);
      expect(mine.map((r) => r.sequence)).toEqual([1, 2]);
      expect(mine.every((r) => !r.held && r.timer.state === 'scheduled')).toBe(true);
      expect(mine[0]?.dueLocal).toMatch(/^Mon \d{1,2} \w{3} \d{4}, 09:00 \(Europe\/Berlin\)$/);
      expect(mine[0]?.user.maskedEmail).toMatch(/^l\*\*\*@example\.com$/);
    }
    expect(items.some((r) => r.userId === waiting.userId)).toBe(false);
    // Filters
    expect(byKind.flat().map((r) => r.reminderId)).toEqual(items.map((r) => r.reminderId));
    expect(none.body.items).toEqual([]);
    const heldItems = held.flat();
    expect(heldItems.filter((r) => r.userId === waiting.userId)).toHaveLength(2);
    expect(heldItems.every((r) => r.held && r.timer.state === 'none')).toBe(true);
    expect(fromSource.flat().map((r) => r.reminderId)).toEqual(items.map((r) => r.reminderId));
    expect(items.every((r) => r.sourceId === twin.credentials.sourceId)).toBe(true);
    expect(otherSource.body).toEqual({ items: [], next: null });
  });

  it('answers 400 naming the field for a bad query', async () => {
    // Act
    const answers = await Promise.all([
      operator.get('reminders', { limit: 0 }),
      operator.get('reminders', { limit: 500 }),
      operator.get('reminders', { kind: 'postcard' }),
      operator.get('reminders', { consent: 'maybe' }),
      operator.get('reminders', { from: 'yesterday' }),
      operator.get('reminders', { colour: 'red' }),
      operator.get('reminders', { cursor: 'not-a-cursor' }),
      operator.get('audit', { limit: 'many' }),
      operator.get('users', { email: 'not-an-address' }),
    ]);

    // Assess
    expect(answers.map((a) => a.status)).toEqual(Array(answers.length).fill(400));
    expect(answers.map((a) => issuePaths(a.body))).toEqual([
      ['limit'],
      ['limit'],
      ['kind'],
      ['consent'],
      ['from'],
      ['colour'],
      ['cursor'],
      ['limit'],
      ['email'],
    ]);
    expect(answers[2]?.body).toMatchObject({
      error: 'invalid_request',
      message: expect.stringMatching(/^kind: /),
    });
  });

  it('finds a user by exact address, with timeline and live timer checks, and 404 for an unknown one', async () => {
    // Prepare
    const { email, userId } = await seedUser(api, { label: 'find-me', company: 'Findable Ltd' });

    // Act
    const found = await operator.get<UserView>('users', { email });
    const seenByViewer = await viewer.get<UserView>('users', { email });
    const unknown = await operator.get('users', { email: 'nobody.here@example.com' });

    // Assess
    expect(found.status).toBe(200);
    expect(found.body).toMatchObject({ userId, email, timezone: 'Europe/Berlin', consent: 'confirmed' });
    expect(found.body.applications.map((a) => a.company)).toEqual(['Findable Ltd']);
    expect(found.body.pending.map((r) => [r.kind, r.sequence, r.timerCheck.state])).toEqual([
      ['follow_up', 1, 'present'],
      ['follow_up', 2, 'present'],
    ]);
    const summaries = found.body.timeline.map((t) => `${t.kind}: ${t.summary}`);
    expect(summaries).toContain('event: application.submitted: Findable Ltd (Backend Engineer)');
    expect(
      summaries.filter((s) => /^reminder: follow_up #\d for Findable Ltd created$/.test(s)),
    ).toHaveLength(2);
    expect(summaries).toContain('action: consent.confirmed');
    expect(seenByViewer.status).toBe(200);
    expect(seenByViewer.body.userId).toBe(userId);
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatchObject({ error: 'not_found' });
  });

  it('reports health: stuck digests, dead letters, 30 days of emails, bounces and complaints', async () => {
    // Act
    const res = await viewer.get<HealthView>('health');

    // Assess
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      stuckDigests: [],
      deadLetters: [
        { name: 'scheduler', count: 0 },
        { name: 'stream', count: 0 },
      ],
      bounces: 0,
      complaints: 0,
    });
    expect(res.body.emailsPerDay).toHaveLength(30);
    const days = res.body.emailsPerDay.map((d) => d.day);
    expect(days).toEqual([...days].sort());
    expect(days.at(-1)).toBe((await api.now()).toISOString().slice(0, 10));
    expect(res.body.emailsPerDay.every((d) => Number.isInteger(d.count) && d.count >= 0)).toBe(true);
  });
});

describe('the admin API actions', { timeout: 60_000 }, () => {
  it('cancels a reminder and answers its new state; a second cancel is refused with 409', async () => {
    // Prepare
    const { email } = await seedUser(api, { label: 'api-cancel' });
    const target = await firstFollowUp(email);

    // Act
    const cancelled = await operator.post<ActionResult>(reminderAction(target, 'cancel'));
    const again = await operator.post(reminderAction(target, 'cancel'));

    // Assess
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toMatchObject({
      outcome: 'applied',
      reminder: { reminderId: target.reminderId, status: 'cancelled', cancelledBy: expect.any(String) },
    });
    expect(cancelled.body.message).toMatch(/^Cancelled follow_up #1/);
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({
      error: 'action_refused',
      message: expect.stringMatching(/cancelled/),
    });
    expect((await operator.pending(email)).map((r) => r.sequence)).toEqual([2]);
  });

  it('sends a reminder now, once; a sent reminder refuses every action with 409', async () => {
    // Prepare
    const { email } = await seedUser(api, { label: 'api-send-now' });
    const target = await firstFollowUp(email);
    const now = await api.now();

    // Act
    const sent = await operator.post<ActionResult>(reminderAction(target, 'send-now'), undefined, {
      'idempotency-key': 'api-send-now-1',
    });
    const retried = await operator.post<ActionResult>(reminderAction(target, 'send-now'), undefined, {
      'idempotency-key': 'api-send-now-1',
    });
    await api.advance('PT2M');
    const afterwards = await Promise.all([
      operator.post(reminderAction(target, 'send-now')),
      operator.post(reminderAction(target, 'cancel')),
      operator.post(reminderAction(target, 'reschedule'), {
        dueAt: new Date(now.getTime() + 86_400_000).toISOString(),
      }),
    ]);

    // Assess
    expect(sent.status).toBe(200);
    expect(sent.body.outcome).toBe('applied');
    const dueAt = Date.parse(sent.body.reminder?.dueAt ?? '');
    expect(dueAt).toBeGreaterThan(now.getTime());
    expect(dueAt - now.getTime()).toBeLessThanOrEqual(60_000);
    expect(retried.status).toBe(200);
    expect(retried.body).toMatchObject({ outcome: 'duplicate', auditId: sent.body.auditId });
    const emails = await remindersTo(api, email);
    expect(emails).toHaveLength(1);
    expect(afterwards.map((a) => a.status)).toEqual([409, 409, 409]);
    expect(afterwards.map((a) => (a.body as { message: string }).message)).toEqual(
      Array(3).fill(expect.stringMatching(/already sent; nothing changed/)),
    );
    const user = await operator.user(email);
    expect(user.pending.map((r) => r.sequence)).toEqual([2]);
    const emailEntry = user.timeline.find((t) => t.kind === 'email' && t.digestId !== undefined);
    expect(emailEntry?.messageId).toBe(emails[0]?.messageId);
  });

  it('reschedules a reminder to a future time, and answers 400 for a time in the past or not a time', async () => {
    // Prepare
    const { email } = await seedUser(api, { label: 'api-reschedule' });
    const target = await firstFollowUp(email);
    const now = await api.now();
    const to = new Date(now.getTime() + 3 * 86_400_000 + 30 * 60_000);
    to.setUTCSeconds(0, 0);

    // Act
    const moved = await operator.post<ActionResult>(reminderAction(target, 'reschedule'), {
      dueAt: to.toISOString(),
    });
    const past = await operator.post(reminderAction(target, 'reschedule'), {
      dueAt: new Date(now.getTime() - 60_000).toISOString(),
    });
    const notATime = await operator.post(reminderAction(target, 'reschedule'), { dueAt: 'tomorrow' });
    const extra = await operator.post(reminderAction(target, 'reschedule'), {
      dueAt: to.toISOString(),
      why: 'x',
    });

    // Assess
    expect(moved.status).toBe(200);
    expect(moved.body).toMatchObject({
      outcome: 'applied',
      reminder: { dueAt: to.toISOString(), status: 'pending' },
    });
    expect([past.status, notATime.status, extra.status]).toEqual([400, 400, 400]);
    expect(issuePaths(past.body)).toEqual(['dueAt']);
    expect((past.body as { message: string }).message).toMatch(/dueAt: must be in the future/);
    expect(issuePaths(notATime.body)).toEqual(['dueAt']);
    expect(issuePaths(extra.body)).toEqual(['why']);
    const after = await operator.pending(email);
    expect(after.find((r) => r.reminderId === target.reminderId)).toMatchObject({
      dueAt: to.toISOString(),
      timerCheck: { state: 'present' },
    });
  });

  it('re-syncs a timer deleted behind its back', async () => {
    // Prepare
    const { email, userId } = await seedUser(api, { label: 'api-resync' });
    const [lost] = await operator.pending(email);
    const scheduler = new SchedulerClient({
      endpoint: twin.urls.scheduler,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    await scheduler.send(
      new DeleteScheduleCommand({
        Name: lost?.timerCheck.scheduleName,
        GroupName: TWIN_WIRING.scheduleGroup,
      }),
    );
    scheduler.destroy();
    const missing = await operator.pending(email);

    // Act
    const resynced = await operator.post<ActionResult>(`users/${userId}/resync`);

    // Assess
    expect(missing.map((r) => r.timerCheck.state)).toEqual(['missing', 'present']);
    expect(resynced.status).toBe(200);
    expect(resynced.body).toMatchObject({
      outcome: 'applied',
      message: 'Ensured 2 timers for 2 pending reminders.',
    });
    expect((await operator.pending(email)).map((r) => r.timerCheck)).toEqual(
      missing.map((r) => ({
        state: 'present',
        scheduleName: r.timerCheck.scheduleName,
        at: r.dueAt,
      })),
    );
  });

  it('pauses a user (dropping what falls in the pause), resumes them, and refuses to resume one not paused', async () => {
    // Prepare
    const { email, userId } = await seedUser(api, { label: 'api-pause' });

    // Act
    const badWeeks = await operator.post(`users/${userId}/pause`, { weeks: 0 });
    const paused = await operator.post<ActionResult>(`users/${userId}/pause`, { weeks: 4 });
    const whilePaused = await operator.user(email);
    const resumed = await operator.post<ActionResult>(`users/${userId}/resume`);
    const afterResume = await operator.user(email);
    const resumedAgain = await operator.post(`users/${userId}/resume`);

    // Assess
    expect(badWeeks.status).toBe(400);
    expect(issuePaths(badWeeks.body)).toEqual(['weeks']);
    expect(paused.status).toBe(200);
    expect(paused.body).toMatchObject({
      outcome: 'applied',
      message: expect.stringMatching(/^Paused the user's reminders for 4 weeks, until /),
    });
    const now = await api.now();
    expect(Date.parse(whilePaused.pausedUntil ?? '')).toBeGreaterThan(now.getTime() + 27 * 86_400_000);
    // Both follow-ups (days 7 and 14) fell inside the 4 weeks: dropped, as a pause from the preferences page does.
    expect(whilePaused.pending).toEqual([]);
    expect(resumed.status).toBe(200);
    expect(resumed.body.outcome).toBe('applied');
    expect(afterResume.pausedUntil).toBeUndefined();
    expect(resumedAgain.status).toBe(409);
    expect(resumedAgain.body).toMatchObject({ message: 'The user is not paused; nothing changed' });
  });

  it('erases a user only with their own address typed again', async () => {
    // Prepare
    const { email, userId } = await seedUser(api, { label: 'api-erase' });

    // Act
    const wrong = await operator.post(`users/${userId}/erase`, { confirmEmail: 'someone.else@example.com' });
    const stillThere = await operator.get('users', { email });
    const erased = await operator.post<ActionResult>(`users/${userId}/erase`, { confirmEmail: email });
    await api.advance('PT0S');
    const gone = await operator.get('users', { email });

    // Assess
    expect(wrong.status).toBe(400);
    expect(issuePaths(wrong.body)).toEqual(['confirmEmail']);
    expect(stillThere.status).toBe(200);
    expect(erased.status).toBe(200);
    expect(['applied', 'pending']).toContain(erased.body.outcome);
    expect(gone.status).toBe(404);
  });

  it('keeps an audit trail of every action, newest first, page by page', async () => {
    // Prepare: three actions on one user
    const { email, userId } = await seedUser(api, { label: 'api-audit' });
    const [first, second] = await operator.pending(email);
    const movedTo = new Date(Date.parse(second?.dueAt ?? '') + 86_400_000).toISOString();
    await operator.post(reminderAction(first as AdminReminder, 'cancel'));
    await api.advance('PT1M');
    await operator.post(reminderAction(second as AdminReminder, 'reschedule'), { dueAt: movedTo });
    await api.advance('PT1M');
    await operator.post(`users/${userId}/pause`, { weeks: 2 });

    // Act
    const all = await viewer.get<AuditPage>('audit', { limit: 200 });
    const page1 = await viewer.get<AuditPage>('audit', { limit: 2 });
    const page2 = await viewer.get<AuditPage>('audit', { limit: 2, cursor: page1.body.next ?? undefined });

    // Assess
    expect(all.status).toBe(200);
    const ats = all.body.items.map((e) => e.at);
    expect(ats).toEqual([...ats].sort().reverse());
    const mine = all.body.items.filter((e) => e.userId === userId);
    expect(mine.map((e) => [e.action, e.actor, e.outcome])).toEqual([
      ['user.pause', 'operator@local', 'applied'],
      ['reminder.reschedule', 'operator@local', 'applied'],
      ['reminder.cancel', 'operator@local', 'applied'],
    ]);
    expect(mine[0]?.input).toEqual({ weeks: 2 });
    expect(mine[1]).toMatchObject({
      reminderId: second?.reminderId,
      input: { dueAt: movedTo },
      before: { status: 'pending', dueAt: second?.dueAt },
      after: { status: 'pending', dueAt: movedTo },
    });
    expect(mine[2]).toMatchObject({
      reminderId: first?.reminderId,
      before: { status: 'pending' },
      after: { status: 'cancelled' },
    });
    expect(page1.body.items).toHaveLength(2);
    expect(page1.body.next).toEqual(expect.any(String));
    expect([...page1.body.items, ...page2.body.items].map((e) => e.auditId)).toEqual(
      all.body.items.slice(0, 4).map((e) => e.auditId),
    );
  });
});

describe('the admin API guards', { timeout: 60_000 }, () => {
  const READS = [
    'reminders',
    'users?email=a%40example.com',
    'audit',
    'health',
    'emails/preview?kind=follow_up',
  ];

  it('answers 401 to a request without a token, with a bad one or with an expired one', async () => {
    // Prepare
    const expired = new AdminApi(
      twin.api,
      await adminToken(twin.api, { ...OPERATOR, expiresInSeconds: -60 }),
    );
    const garbage = new AdminApi(twin.api, 'not.a.token');

    // Act
    const answers = await Promise.all([
      ...READS.map((path) => anonymous.get(path)),
      anonymous.post('users/u1/resync'),
      expired.get('reminders'),
      expired.post('users/u1/resync'),
      garbage.get('health'),
    ]);

    // Assess
    expect(answers.map((a) => a.status)).toEqual(Array(answers.length).fill(401));
    expect(answers[0]?.body).toEqual({ error: 'unauthenticated', reason: 'missing' });
    expect(answers.at(-2)?.body).toEqual({ error: 'unauthenticated', reason: 'expired' });
  });

  it('lets a viewer read everything and refuses every action with 403, changing nothing', async () => {
    // Prepare
    const { email, userId } = await seedUser(api, { label: 'api-viewer' });
    const target = await firstFollowUp(email);
    const future = new Date((await api.now()).getTime() + 2 * 86_400_000).toISOString();
    const before = await tableSnapshot(twin.urls.dynamodb);
    const auditBefore = await operator.get<AuditPage>('audit', { limit: 200 });

    // Act
    const reads = await Promise.all(READS.map((path) => viewer.get(path)));
    const actions = await Promise.all([
      viewer.post(reminderAction(target, 'cancel')),
      viewer.post(reminderAction(target, 'send-now')),
      viewer.post(reminderAction(target, 'reschedule'), { dueAt: future }),
      viewer.post(`users/${userId}/pause`, { weeks: 2 }),
      viewer.post(`users/${userId}/resume`),
      viewer.post(`users/${userId}/resync`),
      viewer.post(`users/${userId}/erase`, { confirmEmail: email }),
      viewer.post(`digests/${userId}/d1/mark-sent`),
      viewer.post(`digests/${userId}/d1/release`),
    ]);

    // Assess
    // The address in READS belongs to no one: the viewer is told so, as an operator would be.
    expect(reads.map((r) => r.status)).toEqual([200, 404, 200, 200, 200]);
    expect(actions.map((a) => a.status)).toEqual(Array(actions.length).fill(403));
    expect(actions.every((a) => (a.body as { error: string }).error === 'forbidden')).toBe(true);
    expect(await tableSnapshot(twin.urls.dynamodb)).toBe(before);
    expect((await operator.get<AuditPage>('audit', { limit: 200 })).body).toEqual(auditBefore.body);
    expect((await firstFollowUp(email)).dueAt).toBe(target.dueAt);
  });
});
