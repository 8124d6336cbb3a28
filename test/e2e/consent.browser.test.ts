/**
 * The pages behind the links in Rebound's emails, used in Debian Chromium as their reader uses them: open
 * the link from the email, read the page, press the button. Controls are found by role and label only.
 * Every page visited gets an axe-core check (no serious or critical violation) and screenshots at phone
 * and desktop width (`test-artifacts/screenshots/`); no page may break its own Content-Security-Policy.
 * One flow runs with JavaScript off. The twin and the browser are shared by the file.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { confirmUser } from '../../harness/consent.ts';
import {
  CONFIRM_LABEL,
  linkLabelled,
  reminderLinks,
  remindersTo,
  timersOf,
} from '../../harness/email-links.ts';
import { fixture, nextMonday, nineOnDay, uniqueEmail } from '../../harness/scenario.ts';
import { scanTable } from '../../harness/table.ts';
import { type Email, TwinClient } from '../../harness/twin-client.ts';
import { type RunningTwin, startTwinProcess } from '../../harness/twin-process.ts';
import { userIdFor } from '../../shared/domain/ids.ts';
import {
  type BrowserSession,
  checkPage,
  expectHeading,
  launchChromium,
  openSession,
} from './support/browser.ts';

const ZONE = 'Europe/Berlin';
const HOUR_MS = 3_600_000;

let twin: RunningTwin;
let api: TwinClient;
let browser: Browser;

beforeAll(async () => {
  // Chromium first: a machine without it fails here, with the command that installs it.
  browser = await launchChromium();
  twin = await startTwinProcess({ env: { REBOUND_QUIET: '1' } });
  api = new TwinClient(twin.api);
});

afterAll(async () => {
  await browser?.close();
  await twin?.stop();
});

const slot = (t0: Date, days: number): Date => nineOnDay(t0, days, ZONE);
const hourAfter = (at: Date): Date => new Date(at.getTime() + HOUR_MS);

/** A reader who confirmed on Monday 10:00 (t0) and got the first follow-up on day 7. */
async function readerWithReminder(label: string): Promise<{ email: string; t0: Date; reminder: Email }> {
  const t0 = nextMonday(await api.now(), ZONE);
  await api.advanceTo(t0);
  const email = uniqueEmail(label);
  expect((await api.postEvent(fixture('application.submitted', { email, occurredAt: t0 }))).status).toBe(202);
  await confirmUser(api, email);
  await api.advanceTo(hourAfter(slot(t0, 7)));
  const [reminder] = await remindersTo(api, email);
  if (!reminder) throw new Error(`No follow-up reached ${email} on day 7`);
  return { email, t0, reminder };
}

/** Check the page the session shows: axe finds nothing serious or critical; screenshots saved. */
async function expectUsable(session: BrowserSession, name: string): Promise<void> {
  const check = await checkPage(session, name);
  expect(check.serious, `${name}: ${JSON.stringify(check.serious, null, 2)}`).toEqual([]);
}

/** Run a flow in a fresh browser context, closed afterwards; the pages must keep to their CSP. */
async function inBrowser(
  options: { readonly javaScriptEnabled: boolean },
  flow: (session: BrowserSession) => Promise<void>,
): Promise<void> {
  const session = await openSession(browser, options);
  try {
    await flow(session);
    expect(session.cspViolations).toEqual([]);
  } finally {
    await session.close();
  }
}

async function profileOf(email: string): Promise<Record<string, unknown> | undefined> {
  const userId = userIdFor(email);
  return (await scanTable(twin.urls.dynamodb)).find((i) => i.pk === `USER#${userId}` && i.sk === 'PROFILE');
}

describe('the consent pages in a browser', { timeout: 120_000 }, () => {
  it('confirms with the button of the confirmation email, with JavaScript off', async () => {
    // Prepare
    const t0 = nextMonday(await api.now(), ZONE);
    await api.advanceTo(t0);
    const email = uniqueEmail('browser-confirm');
    await api.postEvent(fixture('application.submitted', { email, occurredAt: t0 }));
    await api.advance('PT0S');
    const [confirmation] = await api.emails(email);

    await inBrowser({ javaScriptEnabled: false }, async (session) => {
      const { page } = session;
      // Act
      const res = await page.goto(linkLabelled(confirmation as Email, CONFIRM_LABEL));
      expect(res?.status()).toBe(200);
      await expectHeading(page, 'Confirm you want reminders');
      await expectUsable(session, 'confirm');
      await page.getByRole('button', { name: 'Yes, send me reminders' }).click();

      // Assess
      await expectHeading(page, 'You will get reminders');
      await expectUsable(session, 'confirm-done');
    });
    await api.advanceTo(hourAfter(slot(t0, 7)));
    expect((await remindersTo(api, email)).map((e) => e.sentAt)).toEqual([slot(t0, 7).toISOString()]);
  });

  it('stops follow-ups once they are unticked on the preferences page', async () => {
    // Prepare
    const { email, t0, reminder } = await readerWithReminder('browser-optout');

    await inBrowser({ javaScriptEnabled: true }, async (session) => {
      const { page } = session;
      await page.goto(linkLabelled(reminder, 'Manage preferences'));
      await expectHeading(page, 'Your email preferences');
      await expectUsable(session, 'preferences');

      // Act
      await page.getByLabel('Follow-ups on applications with no answer').uncheck();
      await page.getByRole('button', { name: 'Save preferences' }).click();

      // Assess
      await expectHeading(page, 'Preferences saved');
      await expectUsable(session, 'preferences-saved');
    });
    await api.advanceTo(hourAfter(slot(t0, 15)));
    expect((await profileOf(email))?.optOuts).toEqual(['follow_up']);
    // The day-14 follow-up never came.
    expect(await remindersTo(api, email)).toHaveLength(1);
  });

  it('pauses reminders for 4 weeks from the preferences page', async () => {
    // Prepare
    const { email, t0, reminder } = await readerWithReminder('browser-pause');
    const preferences = linkLabelled(reminder, 'Manage preferences');
    const savedAt = await api.now();

    await inBrowser({ javaScriptEnabled: true }, async (session) => {
      const { page } = session;
      await page.goto(preferences);

      // Act
      await page.getByLabel('Pause for 4 weeks').check();
      await page.getByRole('button', { name: 'Save preferences' }).click();

      // Assess
      await expectHeading(page, 'Preferences saved');
      await api.advance('PT0S'); // the planner applies the stored change
      await page.goto(preferences);
      const until = new Date(savedAt.getTime() + 28 * 24 * HOUR_MS).toISOString().slice(0, 10);
      expect(await page.getByText(`Reminders are paused until ${until}.`).count()).toBe(1);
      expect(await page.getByLabel('Resume reminders now').count()).toBe(1);
      await expectUsable(session, 'preferences-paused');
    });
    await api.advanceTo(hourAfter(slot(t0, 15)));
    expect(String((await profileOf(email))?.pausedUntil).slice(0, 10)).toBe(
      new Date(savedAt.getTime() + 28 * 24 * HOUR_MS).toISOString().slice(0, 10),
    );
    // The day-14 follow-up fell inside the pause and was dropped as stale.
    expect(await remindersTo(api, email)).toHaveLength(1);
  });

  it('unsubscribes with the keyboard alone from the link at the bottom of a reminder', async () => {
    // Prepare
    const { email, t0, reminder } = await readerWithReminder('browser-unsubscribe');

    await inBrowser({ javaScriptEnabled: true }, async (session) => {
      const { page } = session;
      await page.goto(linkLabelled(reminder, 'Unsubscribe'));
      await expectHeading(page, 'Unsubscribe from Rebound');
      await expectUsable(session, 'unsubscribe');

      // Act: Tab to the button, press Enter
      let focused = '';
      for (let i = 0; i < 10 && focused !== 'Unsubscribe from all reminders'; i += 1) {
        await page.keyboard.press('Tab');
        focused = String(await page.evaluate('document.activeElement?.textContent?.trim() ?? ""'));
      }
      expect(focused).toBe('Unsubscribe from all reminders');
      await page.keyboard.press('Enter');

      // Assess
      await expectHeading(page, 'You are unsubscribed');
      await expectUsable(session, 'unsubscribe-done');
    });
    await api.advance('PT0S');
    expect(timersOf(await api.schedules(), userIdFor(email))).toEqual([]);
    await api.advanceTo(hourAfter(slot(t0, 15)));
    expect(await remindersTo(api, email)).toHaveLength(1);
    expect((await profileOf(email))?.consent).toBe('unsubscribed');
  });

  it('snoozes a reminder for a week, after a look at its other actions and a form sent without a choice', async () => {
    // Prepare
    const { email, t0, reminder } = await readerWithReminder('browser-snooze');
    const links = reminderLinks(reminder, 'Acme Corp');

    await inBrowser({ javaScriptEnabled: true }, async (session) => {
      const { page } = session;
      // The other actions' pages: looked at, not used (a GET changes nothing).
      await page.goto(links.done);
      await expectHeading(page, 'Mark this reminder as done');
      await expectUsable(session, 'done');
      await page.goto(links.stop);
      await expectHeading(page, 'Stop reminders for this application');
      await expectUsable(session, 'stop');
      await page.goto(links.snooze);
      await expectHeading(page, 'Snooze this reminder');
      await expectUsable(session, 'snooze');

      // Act: send without a choice, then choose a week
      await page.getByRole('button', { name: 'Snooze reminder' }).click();
      await page.getByRole('heading', { level: 2, name: 'There is a problem' }).waitFor({ timeout: 10_000 });
      await expectUsable(session, 'snooze-error');
      await page.getByLabel('In 1 week').check();
      await page.getByRole('button', { name: 'Snooze reminder' }).click();

      // Assess
      await expectHeading(page, 'Reminder snoozed');
      await expectUsable(session, 'snooze-done');
    });
    // Snoozed on Monday of day 7: back on Monday of day 14 at 09:00, beside the second follow-up.
    await api.advanceTo(hourAfter(slot(t0, 14)));
    const sent = await remindersTo(api, email);
    expect(sent.map((e) => e.sentAt)).toEqual([slot(t0, 7).toISOString(), slot(t0, 14).toISOString()]);
    expect(sent[1]?.subject).toMatch(/^2 /);
  });

  it('explains a broken link and what to do next', async () => {
    // Prepare
    const { reminder } = await readerWithReminder('browser-badlink');
    const url = new URL(linkLabelled(reminder, 'Manage preferences'));
    url.searchParams.set('t', `${url.searchParams.get('t')?.slice(0, -6)}`);

    await inBrowser({ javaScriptEnabled: true }, async (session) => {
      const { page } = session;
      // Act
      const res = await page.goto(url.toString());

      // Assess
      expect(res?.status()).toBe(400);
      await expectHeading(page, 'This link does not work');
      expect(await page.getByText('Nothing was changed.').count()).toBe(1);
      await expectUsable(session, 'bad-link');
    });
  });
});
