/**
 * The admin pages in Debian Chromium, served straight from the Hono app (the browser's requests are answered
 * by `app.request`, no server): axe-core finds no serious or critical violation on any page, as operator and
 * as viewer, and no page breaks its own Content-Security-Policy (the email page's frame included).
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIGEST_ID, EMAIL, REMINDER_ID, setup, USER_ID } from '../unit/web/admin-fakes.ts';
import { axeViolations, blocking, launchChromium, openSession } from './support/browser.ts';

const ORIGIN = 'https://admin.rebound.test';
const email = encodeURIComponent(EMAIL);

const PAGES: readonly [string, string][] = [
  ['upcoming', '/admin/upcoming?kind=follow_up'],
  ['upcoming with a bad filter', '/admin/upcoming?from=yesterday'],
  ['user', `/admin/users?email=${email}&done=Reminder+cancelled`],
  ['search', '/admin/users'],
  ['emails', '/admin/emails?kind=follow_up'],
  ['health', '/admin/health'],
  ['audit', '/admin/audit'],
  [
    'confirm reschedule',
    `/admin/confirm?action=reminder.reschedule&userId=${USER_ID}&reminderId=${REMINDER_ID}&email=${email}&dueAt=2027-01-12T08:30`,
  ],
  ['confirm erase', `/admin/confirm?action=user.erase&userId=${USER_ID}&email=${email}`],
  ['confirm release', `/admin/confirm?action=digest.release&userId=${USER_ID}&digestId=${DIGEST_ID}`],
  ['not found', `/admin/confirm?action=reminder.cancel&userId=${USER_ID}&reminderId=r_gone&email=${email}`],
];

let browser: Browser;

beforeAll(async () => {
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
});

async function check(role: 'operator' | 'viewer', path: string) {
  const { app } = setup();
  const session = await openSession(browser);
  try {
    await session.page.route(`${ORIGIN}/**`, async (route) => {
      const url = new URL(route.request().url());
      const res = await app.request(`${url.pathname}${url.search}`, { headers: { 'x-test-role': role } });
      await route.fulfill({
        status: res.status,
        headers: Object.fromEntries(res.headers.entries()),
        body: Buffer.from(await res.arrayBuffer()),
      });
    });
    await session.page.goto(`${ORIGIN}${path}`);
    await session.page.waitForLoadState('load');
    return { violations: await axeViolations(session), csp: session.cspViolations };
  } finally {
    await session.close();
  }
}

describe('the admin pages in a browser', () => {
  it.each(PAGES)('%s passes axe with no serious or critical violation and keeps its CSP', async (_, path) => {
    const { violations, csp } = await check('operator', path);
    expect(blocking(violations)).toEqual([]);
    expect(csp).toEqual([]);
  });

  it('the user page passes axe for a viewer too', async () => {
    const { violations } = await check('viewer', `/admin/users?email=${email}`);
    expect(blocking(violations)).toEqual([]);
  });
});
