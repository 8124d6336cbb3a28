/**
 * The admin view in Debian Chromium against the running twin, as an operator and a viewer use it: sign in
 * through the twin's issuer page, read Upcoming, find a user, and act through the confirm pages; the effects
 * are checked outside the browser (the twin's sent emails, its timers, the table). Every page visited gets an
 * axe-core check (no serious or critical violation) and screenshots (`test-artifacts/screenshots/`); no page
 * may break its own Content-Security-Policy. Three 1280×900 shots for the README are left in
 * `test-artifacts/` (`admin-upcoming.png`, `admin-user.png`, `admin-health.png`; copied to `docs/images/` by
 * hand when the pages change). One twin and one browser for the file.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { DeleteScheduleCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { DateTime } from 'luxon';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AdminReminder, AuditPage, HealthView } from '../../events/admin-api.ts';
import { REMINDER_KINDS_FOR_CONTRACT } from '../../events/reminder-kinds.ts';
import {
  ADMIN_SESSION_COOKIE,
  AdminApi,
  forgedToken,
  reminderAction,
  seedUser,
} from '../../harness/admin.ts';
import { adminToken, OPERATOR, VIEWER } from '../../harness/admin-auth.ts';
import { confirmUsers } from '../../harness/consent.ts';
import { reminderEmails, remindersTo } from '../../harness/email-links.ts';
import { fixture, nineOnDay, uniqueEmail } from '../../harness/scenario.ts';
import { tableSnapshot } from '../../harness/table.ts';
import { TwinClient } from '../../harness/twin-client.ts';
import { type RunningTwin, startTwinProcess } from '../../harness/twin-process.ts';
import { TWIN_WIRING } from '../../infra/local/wiring.ts';
import {
  type BrowserSession,
  checkPage,
  expectHeading,
  launchChromium,
  openSession,
} from './support/browser.ts';

const ZONE = 'Europe/Berlin';
const HOUR_MS = 3_600_000;
/** The README's shots: one desktop viewport each, small enough to commit. */
const DOC_VIEWPORT = { width: 1280, height: 900 } as const;

let twin: RunningTwin;
let api: TwinClient;
let operator: AdminApi;
let browser: Browser;

beforeAll(async () => {
  // Chromium first: a machine without it fails here, with the command that installs it.
  browser = await launchChromium();
  twin = await startTwinProcess({ env: { REBOUND_QUIET: '1' } });
  api = new TwinClient(twin.api);
  operator = await AdminApi.as(twin.api, OPERATOR);
});

afterAll(async () => {
  await browser?.close();
  await twin?.stop();
});

/** The user's time as the admin view writes it: `Mon 14 Dec 2026, 09:00 (Europe/Berlin)`. */
const localLabel = (at: Date, zone: string): string =>
  `${DateTime.fromJSDate(at, { zone }).setLocale('en-GB').toFormat('ccc d LLL yyyy, HH:mm')} (${zone})`;

const hourAfter = (at: Date): Date => new Date(at.getTime() + HOUR_MS);

function must(reminder: AdminReminder | undefined): AdminReminder {
  if (!reminder) throw new Error('The user has no pending reminder');
  return reminder;
}

/** Check the page the session shows: axe finds nothing serious or critical; screenshots saved. */
async function expectUsable(session: BrowserSession, name: string): Promise<void> {
  const check = await checkPage(session, name);
  expect(check.serious, `${name}: ${JSON.stringify(check.serious, null, 2)}`).toEqual([]);
}

/**
 * A 1280×900 shot of the page for the README (`test-artifacts/admin-<name>.png`), from the top or from the
 * level-2 heading `from`.
 */
async function docShot(page: Page, name: string, from?: string): Promise<void> {
  await mkdir('test-artifacts', { recursive: true });
  await page.setViewportSize(DOC_VIEWPORT);
  if (from) {
    await page
      .getByRole('heading', { level: 2, name: from, exact: true })
      .evaluate((h) => h.scrollIntoView({ block: 'start' }));
  }
  await page.screenshot({ path: join('test-artifacts', `admin-${name}.png`) });
  await page.setViewportSize({ width: 1280, height: 800 });
}

/**
 * Run a flow in a fresh browser context, closed afterwards; the pages must keep to their CSP. With
 * `token`, the context starts signed in (the session cookie holds the ID token, as sign-in leaves it).
 */
async function inBrowser(token: string | undefined, flow: (session: BrowserSession) => Promise<void>) {
  const session = await openSession(browser);
  try {
    if (token !== undefined) {
      await session.context.addCookies([{ name: ADMIN_SESSION_COOKIE, value: token, url: twin.api }]);
    }
    await flow(session);
    expect(session.cspViolations).toEqual([]);
  } finally {
    await session.close();
  }
}

const operatorToken = () => adminToken(twin.api, OPERATOR);

/** Open the user page of `email` through the search form. */
async function findUser(page: Page, email: string): Promise<void> {
  await page.goto(`${twin.api}/admin/users`);
  await expectHeading(page, 'Find a user');
  await page.getByLabel('Email address').fill(email);
  await page.getByRole('button', { name: 'Find user' }).click();
  await page.getByRole('heading', { level: 2, name: 'Profile' }).waitFor({ timeout: 10_000 });
}

/** The row of pending reminder `#sequence` on the user page. */
const pendingRow = (page: Page, sequence: number) =>
  page
    .getByRole('table', { name: 'Pending reminders with a live check of their timers' })
    .getByRole('row')
    .filter({ hasText: `#${sequence}` });

/** The banner's one line after an action. */
const banner = async (page: Page): Promise<string> =>
  ((await page.getByRole('status').textContent()) ?? '').trim();

describe('the admin view in a browser', { timeout: 90_000 }, () => {
  it('signs the operator in through the issuer page and shows a new follow-up on Upcoming at 09:00 local', async () => {
    // Prepare: three users confirmed at once, in three zones
    const berlin = await seedUser(api, { label: 'upcoming', company: 'Nordlicht GmbH', timezone: ZONE });
    const others = [
      { zone: 'America/New_York', company: 'Hudson Analytics' },
      { zone: 'Asia/Kolkata', company: 'Saffron Systems' },
    ].map((o) => ({ ...o, email: uniqueEmail('upcoming') }));
    for (const o of others) {
      const event = fixture('application.submitted', {
        email: o.email,
        timezone: o.zone,
        company: o.company,
      });
      expect((await api.postEvent(event)).status).toBe(202);
    }
    await confirmUsers(
      api,
      others.map((o) => o.email),
    );
    const due = nineOnDay(berlin.t0, 7, ZONE);

    await inBrowser(undefined, async (session) => {
      const { page } = session;
      // Act: /admin → sign-in page → the operator's button
      await page.goto(`${twin.api}/admin`);
      await expectHeading(page, 'Sign in to the admin view');
      await expectUsable(session, 'admin-sign-in');
      await page.getByRole('button', { name: /^Sign in as operator@local/ }).click();

      // Assess
      await expectHeading(page, 'Upcoming reminders');
      expect(new URL(page.url()).pathname).toBe('/admin/upcoming');
      expect(await page.getByText('Signed in as operator@local (operator)').count()).toBe(1);
      await expectUsable(session, 'admin-upcoming');
      await docShot(page, 'upcoming');
      // Only the follow-ups due that UTC day
      const day = due.toISOString().slice(0, 10);
      await page.getByLabel('Due from (UTC)').fill(day);
      await page.getByLabel('Due to (UTC)').fill(day);
      await page.getByRole('button', { name: 'Filter' }).click();
      await page.waitForURL(/from=/);
      const row = page.getByRole('row').filter({ hasText: 'Nordlicht GmbH' });
      expect(await row.count()).toBe(1);
      const text = (await row.textContent()) ?? '';
      expect(text).toContain(localLabel(due, ZONE));
      expect(localLabel(due, ZONE)).toMatch(/^Mon .*, 09:00 \(Europe\/Berlin\)$/);
      expect(text).toContain(`${due.toISOString().slice(0, 16).replace('T', ' ')} UTC`);
      expect(text).toContain('Follow-up');
      expect(text).toContain('Scheduled');
      expect(text).not.toContain(berlin.email);
      await expectUsable(session, 'admin-upcoming-filtered');
    });
  });

  it('finds a user by email: the event, the reminder and, once sent, the email with its SES message id', async () => {
    // Prepare
    const { email, t0 } = await seedUser(api, { label: 'find-user', company: 'Timeline AG' });

    await inBrowser(await operatorToken(), async (session) => {
      const { page } = session;
      // Act
      await findUser(page, email);

      // Assess: before the follow-up
      await expectUsable(session, 'admin-user');
      const timeline = page.getByRole('table', { name: 'Timeline, oldest first' });
      expect(await timeline.getByText('application.submitted: Timeline AG (Backend Engineer)').count()).toBe(
        1,
      );
      expect(await timeline.getByText(/^follow_up #1 for Timeline AG created/).count()).toBe(1);
      expect(await pendingRow(page, 1).getByText('Present').count()).toBe(1);

      // Act: the follow-up's time comes
      await api.advanceTo(hourAfter(nineOnDay(t0, 7, ZONE)));
      await page.reload();

      // Assess
      const [sent] = await remindersTo(api, email);
      expect(sent?.messageId).toMatch(/\S/);
      const emailRow = timeline.getByRole('row').filter({ hasText: 'Email sent (1 reminder)' });
      expect(await emailRow.count()).toBe(1);
      expect(await emailRow.getByText(sent?.messageId ?? '-', { exact: true }).count()).toBe(1);
      expect(await timeline.getByText('follow_up #1 for Timeline AG sent').count()).toBe(1);
      expect(await pendingRow(page, 1).count()).toBe(0);
      await expectUsable(session, 'admin-user-sent');
      await docShot(page, 'user', 'Applications');
    });
  });

  it('cancels a reminder through the confirm page: it is never sent, and the audit says who and when', async () => {
    // Prepare
    const { email, t0, userId } = await seedUser(api, { label: 'cancel', company: 'Lumo Oy' });
    const [target] = await operator.pending(email);

    await inBrowser(await operatorToken(), async (session) => {
      const { page } = session;
      await findUser(page, email);

      // Act
      await pendingRow(page, 1)
        .getByRole('link', { name: /^Cancel Follow-up/ })
        .click();
      await expectHeading(page, 'Cancel this reminder?');
      await expectUsable(session, 'admin-confirm-cancel');
      const before = await api.now();
      await page.getByRole('button', { name: 'Yes, cancel it' }).click();

      // Assess
      await page.getByRole('status').waitFor({ timeout: 10_000 });
      expect(await banner(page)).toBe('Cancelled follow_up #1 for Lumo Oy.');
      expect(await pendingRow(page, 1).count()).toBe(0);
      const after = await api.now();

      await page.goto(`${twin.api}/admin/audit`);
      await expectHeading(page, 'Audit log');
      await expectUsable(session, 'admin-audit');
      const entry = (await operator.get<AuditPage>('audit', { limit: 200 })).body.items.find(
        (e) => e.reminderId === target?.reminderId,
      );
      expect(entry).toMatchObject({ action: 'reminder.cancel', actor: 'operator@local', userId });
      const at = Date.parse(entry?.at ?? '');
      expect(at).toBeGreaterThanOrEqual(before.getTime());
      expect(at).toBeLessThanOrEqual(after.getTime());
      const row = page.getByRole('row').filter({ hasText: target?.reminderId ?? '-' });
      const text = (await row.textContent()) ?? '';
      expect(text).toContain('operator@local');
      expect(text).toContain('reminder.cancel');
      expect(text).toContain(`${(entry?.at ?? '').slice(0, 16).replace('T', ' ')} UTC`);
      expect(text).toContain('applied');
    });
    // Past its due time: nothing went out, and no timer is left for it.
    await api.advanceTo(hourAfter(nineOnDay(t0, 7, ZONE)));
    expect(await remindersTo(api, email)).toEqual([]);
  });

  it('sends a reminder now, once, however often the confirm form is sent', async () => {
    // Prepare
    const { email, userId } = await seedUser(api, { label: 'send-now', company: 'Sofort KG' });
    const [target] = await operator.pending(email);

    await inBrowser(await operatorToken(), async (session) => {
      const { page } = session;
      await findUser(page, email);
      await pendingRow(page, 1)
        .getByRole('link', { name: /^Send now Follow-up/ })
        .click();
      await expectHeading(page, 'Send this reminder now?');
      await expectUsable(session, 'admin-confirm-send-now');
      const confirmUrl = page.url();
      const form = await page.content();

      // Act: press, then send the very same form again (as Back and a second press would)
      await page.getByRole('button', { name: 'Yes, send it now' }).click();
      await page.getByRole('status').waitFor({ timeout: 10_000 });
      expect(await banner(page)).toMatch(/^follow_up #1 for Sofort KG goes out at the next minute, /);
      await page.route(confirmUrl, (route) =>
        route.fulfill({ body: form, contentType: 'text/html; charset=utf-8' }),
      );
      await page.goto(confirmUrl);
      await page.getByRole('button', { name: 'Yes, send it now' }).click();
      await page.getByRole('status').waitFor({ timeout: 10_000 });
      await page.unrouteAll();

      // Assess
      expect(await banner(page)).toBe('This action was taken already; nothing changed again.');
    });
    await api.advance('PT2M');
    const sent = await remindersTo(api, email);
    expect(sent).toHaveLength(1);
    expect(sent[0]?.subject).toContain('Sofort KG');
    await api.advance('PT10M');
    expect(await remindersTo(api, email)).toHaveLength(1);
    const audit = (await operator.get<AuditPage>('audit', { limit: 200 })).body.items.filter(
      (e) => e.userId === userId,
    );
    expect(audit.map((e) => [e.action, e.reminderId, e.outcome])).toEqual([
      ['reminder.send_now', target?.reminderId, 'applied'],
    ]);
    // Once sent, a further press is refused.
    expect((await operator.post(reminderAction(must(target), 'send-now'))).status).toBe(409);
  });

  it('shows a timer deleted behind its back as missing, and Re-sync brings it back', async () => {
    // Prepare
    const { email } = await seedUser(api, { label: 'resync', company: 'Lost Timer BV' });

    await inBrowser(await operatorToken(), async (session) => {
      const { page } = session;
      await findUser(page, email);
      const scheduleName = (await operator.pending(email))[0]?.timerCheck.scheduleName ?? '';
      expect((await api.schedules()).map((s) => s.name)).toContain(scheduleName);
      const scheduler = new SchedulerClient({
        endpoint: twin.urls.scheduler,
        region: 'us-east-1',
        credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      });
      await scheduler.send(
        new DeleteScheduleCommand({ Name: scheduleName, GroupName: TWIN_WIRING.scheduleGroup }),
      );
      scheduler.destroy();

      // Act
      await page.reload();
      expect(await pendingRow(page, 1).getByText('Missing').count()).toBe(1);
      expect(await pendingRow(page, 1).getByText(scheduleName, { exact: true }).count()).toBe(1);
      await expectUsable(session, 'admin-user-timer-missing');
      await page.getByRole('link', { name: 'Re-sync timers' }).click();
      await expectHeading(page, "Re-sync this user's timers?");
      await expectUsable(session, 'admin-confirm-resync');
      await page.getByRole('button', { name: 'Yes, re-sync the timers' }).click();

      // Assess
      await page.getByRole('status').waitFor({ timeout: 10_000 });
      expect(await banner(page)).toBe('Ensured 2 timers for 2 pending reminders.');
      expect(await pendingRow(page, 1).getByText('Present').count()).toBe(1);
      expect(await pendingRow(page, 2).getByText('Present').count()).toBe(1);
      expect((await api.schedules()).map((s) => s.name)).toContain(scheduleName);
    });
  });

  it('gives a viewer no action buttons, and 403 with nothing changed for every action', async () => {
    // Prepare
    const { email, userId } = await seedUser(api, { label: 'viewer', company: 'Readonly SA' });
    const [target] = await operator.pending(email);
    const viewer = await AdminApi.as(twin.api, VIEWER);
    const before = await tableSnapshot(twin.urls.dynamodb);

    await inBrowser(undefined, async (session) => {
      const { page } = session;
      await page.goto(`${twin.api}/admin/users`);
      await expectHeading(page, 'Sign in to the admin view');
      await page.getByRole('button', { name: /^Sign in as viewer@local/ }).click();
      await expectHeading(page, 'Find a user');

      // Act
      await findUser(page, email);

      // Assess: the page reads, but offers nothing to press besides the search and Sign out
      expect(await page.getByText('Signed in as viewer@local (viewer)').count()).toBe(1);
      expect(await pendingRow(page, 1).count()).toBe(1);
      const buttons = await page.getByRole('button').allTextContents();
      expect(buttons.map((b) => b.trim())).toEqual(['Sign out', 'Find user']);
      for (const name of [/^Cancel/, /^Send now/, /^Reschedule/, /^Pause/, /^Re-sync/, /^Delete all data/]) {
        expect(await page.getByRole('link', { name }).count()).toBe(0);
      }
      expect(await page.getByRole('heading', { name: 'Actions' }).count()).toBe(0);
      await expectUsable(session, 'admin-user-viewer');
      const confirm = await page.goto(
        `${twin.api}/admin/confirm?action=reminder.cancel&userId=${userId}&reminderId=${target?.reminderId}&email=${encodeURIComponent(email)}`,
      );
      expect(confirm?.status()).toBe(403);
    });
    const future = new Date((await api.now()).getTime() + 2 * 86_400_000).toISOString();
    const answers = await Promise.all([
      viewer.post(reminderAction(must(target), 'cancel')),
      viewer.post(reminderAction(must(target), 'send-now')),
      viewer.post(reminderAction(must(target), 'reschedule'), { dueAt: future }),
      viewer.post(`users/${userId}/pause`, { weeks: 2 }),
      viewer.post(`users/${userId}/resume`),
      viewer.post(`users/${userId}/resync`),
      viewer.post(`users/${userId}/erase`, { confirmEmail: email }),
    ]);
    expect(answers.map((a) => a.status)).toEqual(Array(answers.length).fill(403));
    expect(await tableSnapshot(twin.urls.dynamodb)).toBe(before);
  });

  it('brings an operator whose session expired on the confirm page back to the same question after sign-in', async () => {
    // Prepare
    const { email } = await seedUser(api, { label: 'expired-confirm', company: 'Kesto Oy' });
    const [target] = await operator.pending(email);
    const expired = await adminToken(twin.api, { ...OPERATOR, expiresInSeconds: -60 });

    await inBrowser(await operatorToken(), async ({ page, context }) => {
      await findUser(page, email);
      await pendingRow(page, 1)
        .getByRole('link', { name: /^Cancel Follow-up/ })
        .click();
      await expectHeading(page, 'Cancel this reminder?');
      await context.addCookies([{ name: ADMIN_SESSION_COOKIE, value: expired, url: twin.api }]);

      // Act: the session is gone when the button is pressed
      await page.getByRole('button', { name: 'Yes, cancel it' }).click();
      await expectHeading(page, 'Sign in to the admin view');
      const pendingWhileSignedOut = await operator.pending(email);
      await page.getByRole('button', { name: /^Sign in as operator@local/ }).click();

      // Assess: the same question again, nothing done until it is answered
      await expectHeading(page, 'Cancel this reminder?');
      expect(pendingWhileSignedOut.map((r) => r.reminderId)).toContain(target?.reminderId);
      await page.getByRole('button', { name: 'Yes, cancel it' }).click();
      await page.getByRole('status').waitFor({ timeout: 10_000 });
      expect(await banner(page)).toBe('Cancelled follow_up #1 for Kesto Oy.');
    });
  });

  it('refuses a forged token and an expired one with 401, and sends such a cookie to sign in', async () => {
    // Prepare
    const real = await operatorToken();
    const forged = await forgedToken(real);
    const expired = await adminToken(twin.api, { ...OPERATOR, expiresInSeconds: -60 });

    // Act
    const answers = await Promise.all(
      [forged, expired].flatMap((token) => [
        new AdminApi(twin.api, token).get('reminders'),
        new AdminApi(twin.api, token).post('users/u_0/resync'),
      ]),
    );
    const genuine = await new AdminApi(twin.api, real).get('reminders');

    // Assess
    expect(genuine.status).toBe(200);
    expect(answers.map((a) => a.status)).toEqual([401, 401, 401, 401]);
    expect(answers.map((a) => (a.body as { reason: string }).reason)).toEqual([
      'invalid',
      'invalid',
      'expired',
      'expired',
    ]);
    for (const token of [forged, expired]) {
      await inBrowser(token, async ({ page }) => {
        await page.goto(`${twin.api}/admin/upcoming`);
        await expectHeading(page, 'Sign in to the admin view');
      });
    }
  });

  it('previews every kind, and shows a company named like markup as text, in the page and in the email', async () => {
    // Prepare
    const company = '<img src=x onerror=alert(1)>';
    const { email } = await seedUser(api, { label: 'preview', company });
    const dialogs: string[] = [];

    await inBrowser(await operatorToken(), async (session) => {
      const { page } = session;
      page.on('dialog', (dialog) => {
        dialogs.push(dialog.message());
        void dialog.dismiss();
      });
      // Every kind with sample data
      for (const kind of REMINDER_KINDS_FOR_CONTRACT) {
        const res = await page.goto(`${twin.api}/admin/emails?kind=${kind}`);
        expect(res?.status(), kind).toBe(200);
        await page.getByRole('heading', { level: 2, name: 'Sample email' }).waitFor();
        const frame = page.frameLocator('iframe[title="HTML part of the email"]');
        await frame.locator('body').waitFor();
        expect((await frame.locator('body').textContent())?.length, kind).toBeGreaterThan(50);
      }
      await expectUsable(session, 'admin-emails-sample');

      // Act: from the user page, the reminder's own preview
      await findUser(page, email);
      expect(await page.getByText(company, { exact: true }).count()).toBeGreaterThanOrEqual(1);
      await pendingRow(page, 1).getByRole('link', { name: company, exact: true }).click();

      // Assess
      await page.getByRole('heading', { level: 2, name: 'This reminder’s email' }).waitFor();
      const subject = page.getByRole('definition').filter({ hasText: company });
      expect(await subject.count()).toBe(1);
      expect(await page.locator('pre.email-text').textContent()).toContain(company);
      const frame = page.frameLocator('iframe[title="HTML part of the email"]');
      await frame.getByText(company, { exact: false }).first().waitFor();
      expect(await frame.locator('img[src="x"]').count()).toBe(0);
      expect(await page.locator('img[src="x"]').count()).toBe(0);
      await expectUsable(session, 'admin-emails-reminder');
      await page.goto(`${twin.api}/admin/upcoming`);
      expect(await page.getByRole('link', { name: company }).count()).toBeGreaterThanOrEqual(1);
      expect(await page.locator('img[src="x"]').count()).toBe(0);
    });
    expect(dialogs).toEqual([]);
  });

  it('shows Health without a serious accessibility problem, with the emails sent so far', async () => {
    await inBrowser(await operatorToken(), async (session) => {
      const { page } = session;
      // Act
      await page.goto(`${twin.api}/admin/health`);

      // Assess
      await expectHeading(page, 'Health');
      const health = (await operator.get<HealthView>('health')).body;
      const sent = health.emailsPerDay.reduce((sum, d) => sum + d.count, 0);
      // One per email the twin recorded over those 30 days (UTC days, as the chart's).
      const since = health.emailsPerDay[0]?.day ?? '';
      const recorded = reminderEmails(await api.emails()).filter((e) => e.sentAt.slice(0, 10) >= since);
      expect(sent).toBe(recorded.length);
      expect(sent).toBeGreaterThan(0);
      const figures = page.locator('dl.summary');
      expect(((await figures.textContent()) ?? '').replace(/\s+/g, '')).toContain(
        `Sent${sent}Bounces0Complaints0`,
      );
      expect(await page.getByRole('heading', { level: 2, name: 'Dead letters' }).count()).toBe(1);
      expect(await page.getByRole('table', { name: 'Messages in each dead-letter queue' }).count()).toBe(1);
      await expectUsable(session, 'admin-health');
      await docShot(page, 'health');
    });
  });
});
