/**
 * Consent and control (issue 8) on the running twin, driven only through HTTP: events in, emails out, and
 * every change made by following the links found in those emails, as their reader would. One twin for the
 * file; each scenario has its own addresses and starts at a Monday 10:00 Berlin time after wherever the
 * previous one left the clock.
 */
import { SignJWT } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { confirmUser } from '../../harness/consent.ts';
import {
  CONFIRM_LABEL,
  getLink,
  headerOf,
  itemsNaming,
  type LinkResponse,
  linkLabelled,
  linksIn,
  listUnsubscribeUrl,
  NOT_ME_LABEL,
  postLink,
  profileOf,
  reminderEmails,
  reminderLinks,
  remindersTo,
  textLinksIn,
  timersOf,
  userIdOf,
} from '../../harness/email-links.ts';
import { type FixtureName, fixture, nextMonday, nineOnDay, uniqueEmail } from '../../harness/scenario.ts';
import { scanTable, type TableItem } from '../../harness/table.ts';
import { type Email, TwinClient } from '../../harness/twin-client.ts';
import { type RunningTwin, startTwinProcess } from '../../harness/twin-process.ts';

const ZONE = 'Europe/Berlin';
const HOUR_MS = 3_600_000;
const ALL_KINDS = ['follow_up', 'thank_you', 'ask_feedback', 'apply_formally', 'reconnect'] as const;

let twin: RunningTwin;
let api: TwinClient;

beforeAll(async () => {
  twin = await startTwinProcess({ env: { REBOUND_QUIET: '1' } });
  api = new TwinClient(twin.api);
});

afterAll(async () => {
  await twin?.stop();
});

// Checked after each scenario that ran, so each proves it also when it runs alone.
afterEach(async () => {
  const dead = await api.deadLetters();
  expect(dead.scheduler).toEqual([]);
  expect(dead.stream).toEqual([]);
  const sent = await api.emails();
  for (const email of reminderEmails(sent)) {
    expect(listUnsubscribeUrl(email), email.subject).toMatch(/\/links\/unsubscribe\?t=/);
    expect(headerOf(email, 'List-Unsubscribe-Post'), email.subject).toBe('List-Unsubscribe=One-Click');
  }
  // A reader without HTML gets the same links, each labelled, in the same order.
  for (const email of sent) {
    expect(textLinksIn(email).map((l) => [l.label, l.url])).toEqual(
      linksIn(email).map((l) => [l.label, l.url]),
    );
  }
});

interface Scenario {
  readonly email: string;
  readonly userId: string;
  /** Monday 10:00 Berlin time, the clock's position when the scenario starts. */
  readonly t0: Date;
}

async function startScenario(label: string): Promise<Scenario> {
  const t0 = nextMonday(await api.now(), ZONE);
  await api.advanceTo(t0);
  const email = uniqueEmail(label);
  return { email, userId: userIdOf(email), t0 };
}

/** 09:00 Berlin time, `days` calendar days after `t0`: the send slot of a reminder due that day. */
const slot = (t0: Date, days: number): Date => nineOnDay(t0, days, ZONE);
/** An hour after `at`: a clock position from which what was due at `at` has gone out. */
const hourAfter = (at: Date): Date => new Date(at.getTime() + HOUR_MS);

async function post(
  name: FixtureName,
  email: string,
  at: Date,
  application: { ref?: string; company?: string } = {},
): Promise<void> {
  const res = await api.postEvent(fixture(name, { email, occurredAt: at, ...application }));
  expect(res.status).toBe(202);
}

async function rejection(
  email: string,
  at: Date,
  application: { ref: string; company: string },
  rejectionOf: { stage: string; reason: string },
): Promise<void> {
  const event = fixture('application.rejected', { email, occurredAt: at, ...application });
  event.rejection = { ...(event.rejection as object), ...rejectionOf };
  const res = await api.postEvent(event);
  expect(res.status).toBe(202);
}

async function table(): Promise<TableItem[]> {
  return scanTable(twin.urls.dynamodb);
}

async function timersFor(userId: string) {
  return timersOf(await api.schedules(), userId);
}

/**
 * Everything a link could change: every item of the table, every email sent and every one-time timer. The
 * twin is settled first, so what is still in flight has landed.
 */
async function everything(): Promise<{ table: string[]; emails: Email[]; timers: unknown[] }> {
  await api.advance('PT0S');
  const items = (await table()).map((item) => JSON.stringify(item, Object.keys(item).sort())).sort();
  const timers = (await api.schedules())
    .filter((s) => s.expression.startsWith('at('))
    .sort((a, b) => a.name.localeCompare(b.name));
  return { table: items, emails: await api.emails(), timers };
}

function expect4xx(res: LinkResponse, what: string): void {
  expect(res.status, `${what}: ${res.status}`).toBeGreaterThanOrEqual(400);
  expect(res.status, `${what}: ${res.status}`).toBeLessThan(500);
  expect(res.body, what).toContain('Nothing was changed.');
}

describe('double opt-in', () => {
  it('sends a new address one confirmation email and no reminder, and the follow-up at its slot once the link is pressed', async () => {
    // Prepare
    const { email, userId, t0 } = await startScenario('new');
    await post('application.submitted', email, t0);
    await api.advance('PT0S');
    const atOnce = await api.emails(email);

    // Act: six days unconfirmed, then the button of the confirmation email
    await api.advanceTo(new Date(t0.getTime() + 6 * 24 * HOUR_MS));
    const unconfirmed = await api.emails(email);
    const timersWhileHeld = await timersFor(userId);
    const confirmed = await postLink(linkLabelled(atOnce[0] as Email, CONFIRM_LABEL));
    await api.advance('PT0S');
    const timersOnceConfirmed = await timersFor(userId);
    await api.advanceTo(hourAfter(slot(t0, 7)));

    // Assess
    expect(atOnce).toHaveLength(1);
    expect(linksIn(atOnce[0] as Email).map((l) => l.label)).toEqual([CONFIRM_LABEL, NOT_ME_LABEL]);
    expect(Date.parse(String(atOnce[0]?.sentAt)) - t0.getTime()).toBeLessThan(60_000);
    expect(unconfirmed).toEqual(atOnce);
    expect(timersWhileHeld).toEqual([]);
    expect(confirmed.status).toBe(200);
    expect(timersOnceConfirmed.map((t) => t.nextFireAt).sort()).toEqual([
      slot(t0, 7).toISOString(),
      slot(t0, 14).toISOString(),
    ]);
    const sent = await api.emails(email);
    expect(sent).toHaveLength(2);
    expect(sent[1]?.sentAt).toBe(slot(t0, 7).toISOString());
    expect(sent[1]?.subject).toBe('Time to follow up with Acme Corp');
  });

  it('sends the reminders that fell due before the confirmation together, at the next send slot', async () => {
    // Prepare: two follow-ups due on day 7, while the address is unconfirmed
    const { email, t0 } = await startScenario('late');
    await post('application.submitted', email, t0, { ref: 'north', company: 'Northwind' });
    await post('application.submitted', email, t0, { ref: 'south', company: 'Southbank' });
    await api.advanceTo(hourAfter(slot(t0, 8))); // Tuesday 10:00

    // Act
    await confirmUser(api, email);
    await api.advanceTo(hourAfter(slot(t0, 9)));

    // Assess: one digest on Wednesday 09:00 with both
    const sent = await remindersTo(api, email);
    expect(sent).toHaveLength(1);
    expect(sent[0]?.sentAt).toBe(slot(t0, 9).toISOString());
    expect(sent[0]?.subject).toMatch(/^2 /);
    expect(sent[0]?.text).toContain('Northwind');
    expect(sent[0]?.text).toContain('Southbank');
  });
});

describe('links in emails', () => {
  it('changes nothing when every kind of link is fetched with GET', async () => {
    // Prepare
    const { email, t0 } = await startScenario('scanner');
    await post('application.submitted', email, t0);
    await api.advance('PT0S');
    const [confirmation] = await api.emails(email);
    const beforeConfirm = await everything();

    // Act: a mail scanner fetches both links of the confirmation email, twice
    const confirmationGets: number[] = [];
    for (const link of [...linksIn(confirmation as Email), ...linksIn(confirmation as Email)]) {
      confirmationGets.push((await getLink(link.url)).status);
    }
    const afterConfirmationGets = await everything();

    // Prepare: a reminder email with every other kind of link
    await confirmUser(api, email);
    await api.advanceTo(hourAfter(slot(t0, 7)));
    const [reminder] = await remindersTo(api, email);
    const links = [
      ...linksIn(reminder as Email),
      { label: 'List-Unsubscribe', action: 'unsubscribe', url: listUnsubscribeUrl(reminder as Email) },
    ];
    const beforeReminderGets = await everything();

    // Act: and every link of the reminder, twice
    const reminderGets: number[] = [];
    for (const link of [...links, ...links]) reminderGets.push((await getLink(link.url)).status);
    const afterReminderGets = await everything();
    await api.advanceTo(hourAfter(slot(t0, 14)));

    // Assess
    expect(confirmationGets).toEqual([200, 200, 200, 200]);
    expect(afterConfirmationGets).toEqual(beforeConfirm);
    expect(new Set(links.map((l) => l.action))).toEqual(
      new Set(['done', 'snooze', 'stop', 'preferences', 'unsubscribe']),
    );
    expect(reminderGets).toEqual([...links, ...links].map(() => 200));
    expect(afterReminderGets).toEqual(beforeReminderGets);
    // Nothing was done, snoozed, stopped or unsubscribed: the second follow-up goes out as planned.
    expect((await remindersTo(api, email)).map((e) => e.sentAt)).toEqual([
      slot(t0, 7).toISOString(),
      slot(t0, 14).toISOString(),
    ]);
  });

  it('unsubscribes at once on an RFC 8058 one-click POST, and sends nothing after it', async () => {
    // Prepare
    const { email, userId, t0 } = await startScenario('oneclick');
    await post('application.submitted', email, t0);
    await confirmUser(api, email);
    await api.advanceTo(hourAfter(slot(t0, 7)));
    const [reminder] = await remindersTo(api, email);

    // Act
    const res = await postLink(listUnsubscribeUrl(reminder as Email), 'List-Unsubscribe=One-Click');
    await api.advance('PT0S');
    const timers = await timersFor(userId);
    await api.advanceTo(hourAfter(slot(t0, 30)));

    // Assess
    expect(headerOf(reminder as Email, 'List-Unsubscribe-Post')).toBe('List-Unsubscribe=One-Click');
    expect(res.status).toBe(200);
    expect(timers).toEqual([]);
    expect(await api.emails(email)).toHaveLength(2); // the confirmation request and the day-7 follow-up
    expect(profileOf(await table(), userId)?.consent).toBe('unsubscribed');
  });

  it('moves a reminder snoozed for a week, with its timer, and emails it 7 days later at 09:00 local', async () => {
    // Prepare: an interview on Monday; the thank-you note goes out on Tuesday 09:00
    const { email, userId, t0 } = await startScenario('snooze');
    await post('interview.completed', email, t0);
    await confirmUser(api, email);
    await api.advanceTo(hourAfter(slot(t0, 1)));
    const [thanks] = await remindersTo(api, email);
    const { snooze } = reminderLinks(thanks as Email, 'Acme Corp');
    const page = await getLink(snooze);
    // First "in 3 days" (Friday), then the reader changes their mind
    expect((await postLink(snooze, { days: '3' })).status).toBe(200);
    await api.advance('PT0S');
    const snoozedTimer = (await timersFor(userId)).find((t) => t.nextFireAt === slot(t0, 4).toISOString());

    // Act
    const res = await postLink(snooze, { days: '7' });
    await api.advance('PT0S');
    const timers = await timersFor(userId);
    const pendingCopies = (await table()).filter(
      (i) =>
        i.pk === `USER#${userId}` && i.sk.startsWith('REMINDER#') && i.snoozedFrom && i.status === 'pending',
    );
    await api.advanceTo(hourAfter(slot(t0, 8)));

    // Assess
    expect(page.status).toBe(200);
    expect(page.body).toContain('In 1 week');
    expect(res.status).toBe(200);
    expect(snoozedTimer).toBeDefined();
    // The timer moved with it (one timer per user and slot): next Tuesday 09:00, nothing left on Friday.
    expect(timers.some((t) => t.nextFireAt === slot(t0, 8).toISOString())).toBe(true);
    expect(timers.some((t) => t.nextFireAt === slot(t0, 4).toISOString())).toBe(false);
    expect(pendingCopies.map((r) => r.dueAt)).toEqual([slot(t0, 8).toISOString()]);
    const sent = await remindersTo(api, email);
    expect(sent.map((e) => [e.sentAt, e.subject])).toEqual([
      [slot(t0, 1).toISOString(), 'Send Acme Corp a thank-you note'],
      [slot(t0, 7).toISOString(), 'Time to follow up with Acme Corp'],
      [slot(t0, 8).toISOString(), 'Send Acme Corp a thank-you note'],
    ]);
  });

  it("stops one application's reminders and keeps the others' coming", async () => {
    // Prepare: two applications, one digest on day 7 that lists both
    const { email, userId, t0 } = await startScenario('stop');
    await post('application.submitted', email, t0, { ref: 'alpha', company: 'Alpha' });
    await post('application.submitted', email, t0, { ref: 'beta', company: 'Beta' });
    await confirmUser(api, email);
    await api.advanceTo(hourAfter(slot(t0, 7)));
    const [digest] = await remindersTo(api, email);
    const { stop } = reminderLinks(digest as Email, 'Alpha');
    const timersBefore = await timersFor(userId);

    // Act
    const page = await getLink(stop);
    const res = await postLink(stop);
    await api.advance('PT0S');
    const timersAfter = await timersFor(userId);
    const pendingAfter = (await table()).filter(
      (i) => i.pk === `USER#${userId}` && i.sk.startsWith('REMINDER#') && i.status === 'pending',
    );
    await api.advanceTo(hourAfter(slot(t0, 28)));

    // Assess
    expect(page.body).toContain('Alpha');
    expect(res.status).toBe(200);
    // One timer per user and slot: day 14 holds both second follow-ups, and stopping Alpha leaves it for Beta.
    expect(timersBefore.map((t) => t.nextFireAt)).toEqual([slot(t0, 14).toISOString()]);
    expect(timersAfter.map((t) => t.nextFireAt)).toEqual([slot(t0, 14).toISOString()]);
    expect(pendingAfter.map((r) => (r.application as { company?: string } | undefined)?.company)).toEqual([
      'Beta',
    ]);
    const sent = await remindersTo(api, email);
    expect(sent.map((e) => e.sentAt)).toEqual([slot(t0, 7).toISOString(), slot(t0, 14).toISOString()]);
    expect(sent[0]?.text).toContain('Alpha');
    expect(sent[1]?.subject).toBe('One last follow-up with Beta');
    expect(sent[1]?.text).not.toContain('Alpha');
  });

  it('stops only reconnect reminders when the reader opts out of them', async () => {
    // Prepare: an interview rejection (feedback request on Wednesday, reconnect on day 42) and a submission
    const { email, userId, t0 } = await startScenario('optout');
    await rejection(
      email,
      t0,
      { ref: 'gamma', company: 'Gamma' },
      { stage: 'interview', reason: 'not_selected' },
    );
    await post('application.submitted', email, t0, { ref: 'beta', company: 'Beta' });
    await confirmUser(api, email);
    await api.advanceTo(hourAfter(slot(t0, 2)));
    const [feedback] = await remindersTo(api, email);
    const preferences = linkLabelled(feedback as Email, 'Manage preferences');

    // Act: untick the reconnect box and save; then a rejection that would plan another reconnect
    const page = await getLink(preferences);
    const res = await postLink(preferences, {
      intent: 'save',
      kinds: ALL_KINDS.filter((k) => k !== 'reconnect'),
      pause: 'keep',
    });
    await api.advance('PT0S');
    await rejection(
      email,
      await api.now(),
      { ref: 'delta', company: 'Delta' },
      { stage: 'application', reason: 'keep_on_file' },
    );
    await api.advance('PT0S');
    const reminders = (await table()).filter(
      (i) => i.pk === `USER#${userId}` && i.sk.startsWith('REMINDER#'),
    );
    await api.advanceTo(hourAfter(slot(t0, 60)));

    // Assess
    expect(page.body).toContain('Reconnecting with a hiring manager');
    expect(res.status).toBe(200);
    expect(reminders.filter((r) => r.kind === 'reconnect' && r.status === 'pending')).toEqual([]);
    const sent = await remindersTo(api, email);
    expect(sent.map((e) => [e.sentAt, e.subject])).toEqual([
      [slot(t0, 2).toISOString(), 'Ask Gamma for feedback'],
      [slot(t0, 7).toISOString(), 'Time to follow up with Beta'],
      [slot(t0, 14).toISOString(), 'One last follow-up with Beta'],
    ]);
    expect(profileOf(await table(), userId)?.optOuts).toEqual(['reconnect']);
  });
});

describe('email bombing', () => {
  it('sends a victim of 30 events over 3 days at most 3 confirmation emails, 24 h apart, and nothing else', async () => {
    // Prepare
    const { email, userId, t0 } = await startScenario('victim');

    // Act: an event every 2 h 24 min for 72 h
    for (let i = 0; i < 30; i += 1) {
      await post('application.submitted', email, await api.now(), {
        ref: `job-${i}`,
        company: `Company ${i}`,
      });
      await api.advance('PT2H24M');
    }
    await api.advanceTo(hourAfter(slot(t0, 20)));

    // Assess
    // Events kept coming for 72 h: one request at once, one 24 h later, one at 48 h, and never a fourth.
    const sent = await api.emails(email);
    expect(sent).toHaveLength(3);
    expect(reminderEmails(sent)).toEqual([]);
    const times = sent.map((e) => Date.parse(e.sentAt));
    for (let i = 1; i < times.length; i += 1) {
      expect((times[i] as number) - (times[i - 1] as number)).toBeGreaterThanOrEqual(24 * HOUR_MS);
    }
    expect(await timersFor(userId)).toEqual([]);
  });

  it('sends an address nothing more, not even confirmation emails, once "This wasn\'t me" is pressed', async () => {
    // Prepare
    const { email, userId, t0 } = await startScenario('notme');
    await post('application.submitted', email, t0);
    await api.advance('PT0S');
    const [confirmation] = await api.emails(email);

    // Act: "This wasn't me", then 9 more events over 3 days, and even the confirm button of the old email
    const res = await postLink(linkLabelled(confirmation as Email, NOT_ME_LABEL));
    await api.advance('PT0S');
    for (let i = 0; i < 9; i += 1) {
      await api.advance('PT8H');
      await post('application.submitted', email, await api.now(), {
        ref: `again-${i}`,
        company: `Again ${i}`,
      });
    }
    await postLink(linkLabelled(confirmation as Email, CONFIRM_LABEL));
    await api.advanceTo(hourAfter(slot(t0, 21)));

    // Assess
    expect(res.status).toBe(200);
    expect(await api.emails(email)).toHaveLength(1);
    expect(await timersFor(userId)).toEqual([]);
    const profile = profileOf(await table(), userId);
    expect(profile?.consent).toBe('suppressed');
    expect(profile?.suppressedReason).toBe('not_me');
  });
});

describe('bad links', () => {
  it('answers a tampered, forged, misused, unknown or expired token with a 4xx and changes nothing', async () => {
    // Prepare: a confirmed reader with a reminder email, and an address that never confirmed
    const { email, userId, t0 } = await startScenario('tokens');
    const stranger = uniqueEmail('stranger');
    await post('application.submitted', email, t0);
    await post('application.submitted', stranger, t0, { ref: 'other', company: 'Other' });
    await confirmUser(api, email);
    await api.advanceTo(hourAfter(slot(t0, 7)));
    const [reminder] = await remindersTo(api, email);
    const { done, stop } = reminderLinks(reminder as Email, 'Acme Corp');
    const unsubscribe = listUnsubscribeUrl(reminder as Email);
    const preferences = linkLabelled(reminder as Email, 'Manage preferences');
    const [strangerConfirmation] = await api.emails(stranger);
    const strangerConfirm = linkLabelled(strangerConfirmation as Email, CONFIRM_LABEL);

    const tokenOf = (url: string) => new URL(url).searchParams.get('t') ?? '';
    const withToken = (url: string, token: string) => {
      const u = new URL(url);
      u.searchParams.set('t', token);
      return u.toString();
    };
    const flipped = (token: string) => {
      const [header, payload, signature = ''] = token.split('.');
      const i = Math.floor(signature.length / 2);
      const c = signature[i] === 'A' ? 'B' : 'A';
      return [header, payload, `${signature.slice(0, i)}${c}${signature.slice(i + 1)}`].join('.');
    };
    const otherUser = (token: string) => {
      const [header, payload = '', signature] = token.split('.');
      const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<
        string,
        unknown
      >;
      const swapped = Buffer.from(JSON.stringify({ ...claims, sub: userIdOf(stranger) })).toString(
        'base64url',
      );
      return [header, swapped, signature].join('.');
    };
    const forged = async (kid: string) =>
      new SignJWT({ act: 'unsubscribe' })
        .setProtectedHeader({ alg: 'HS256', kid })
        .setIssuer('rebound')
        .setSubject(userId)
        .setIssuedAt(Math.floor((await api.now()).getTime() / 1000))
        .sign(new TextEncoder().encode('not-the-twin-key-but-32-bytes-long!!'));
    const bad: [string, string][] = [
      ['a flipped signature', withToken(stop, flipped(tokenOf(stop)))],
      ["another user's id in the payload", withToken(unsubscribe, otherUser(tokenOf(unsubscribe)))],
      ['a token signed with another key', withToken(unsubscribe, await forged('local-1'))],
      ['an unknown kid', withToken(unsubscribe, await forged('retired-key'))],
      ["the done link's token on the stop page", withToken(stop, tokenOf(done))],
      ['garbage', withToken(unsubscribe, 'not-a-token')],
      ['no token', unsubscribe.split('?')[0] as string],
    ];
    const before = await everything();

    // Act
    const answers: [string, LinkResponse][] = [];
    for (const [what, url] of bad) {
      answers.push([`GET ${what}`, await getLink(url)]);
      answers.push([`POST ${what}`, await postLink(url)]);
      answers.push([`one-click POST ${what}`, await postLink(url, 'List-Unsubscribe=One-Click')]);
    }
    const afterBad = await everything();
    await api.advanceTo(hourAfter(slot(t0, 31)));
    const beforeExpired = await everything();
    const expiredConfirm = await postLink(strangerConfirm);
    const afterExpiredConfirm = await everything();
    await api.advanceTo(new Date(Date.parse(String(reminder?.sentAt)) + 61 * 24 * HOUR_MS));
    const beforeExpiredDone = await everything();
    const expiredDone = await postLink(done);
    const afterExpiredDone = await everything();
    const preferencesLater = await getLink(preferences);

    // Assess
    for (const [what, res] of answers) expect4xx(res, what);
    expect(afterBad).toEqual(before);
    // The stop and unsubscribe attempts changed nothing: the second follow-up went out on day 14.
    expect((await remindersTo(api, email)).map((e) => e.sentAt)).toEqual([
      slot(t0, 7).toISOString(),
      slot(t0, 14).toISOString(),
    ]);
    expect4xx(expiredConfirm, 'a confirmation link after 31 days');
    expect(expiredConfirm.status).toBe(410);
    expect(afterExpiredConfirm).toEqual(beforeExpired);
    expect4xx(expiredDone, 'an action link after 61 days');
    expect(expiredDone.status).toBe(410);
    expect(afterExpiredDone).toEqual(beforeExpiredDone);
    // Preferences links work as long as the user exists.
    expect(preferencesLater.status).toBe(200);
  });
});

describe('bounces and complaints', () => {
  it.each([
    ['a permanent bounce', { type: 'Bounce', bounceType: 'Permanent' }, 'bounce'],
    ['a complaint', { type: 'Complaint' }, 'complaint'],
  ] as const)(
    'suppresses the address after %s, cancels its timers and sends nothing more',
    async (_, body, reason) => {
      // Prepare: a confirmed reader who got the first follow-up; the second one is pending
      const { email, userId, t0 } = await startScenario(reason);
      await post('application.submitted', email, t0);
      await confirmUser(api, email);
      await api.advanceTo(hourAfter(slot(t0, 7)));
      const timersBefore = await timersFor(userId);

      // Act
      const res = await api.sesFeedback({ email, ...body });
      await api.advance('PT0S');
      const timersAfter = await timersFor(userId);
      await post('application.submitted', email, await api.now(), { ref: 'later', company: 'Later' });
      await api.advanceTo(hourAfter(slot(t0, 30)));

      // Assess
      expect(res.status).toBeLessThan(300);
      expect(timersBefore).toHaveLength(1);
      expect(timersAfter).toEqual([]);
      expect(await api.emails(email)).toHaveLength(2); // the confirmation request and the day-7 follow-up
      const profile = profileOf(await table(), userId);
      expect(profile?.consent).toBe('suppressed');
      expect(profile?.suppressedReason).toBe(reason);
    },
  );
});

describe('delete my data', () => {
  it('leaves no item and no timer of the user but the address-free marker', async () => {
    // Prepare: a confirmed reader with two applications, one email sent and reminders pending
    const { email, userId, t0 } = await startScenario('erase');
    await post('application.submitted', email, t0, { ref: 'alpha', company: 'Alpha' });
    await post('interview.completed', email, t0, { ref: 'beta', company: 'Beta' });
    await confirmUser(api, email);
    await api.advanceTo(hourAfter(slot(t0, 1)));
    const [thanks] = await remindersTo(api, email);
    const preferences = linkLabelled(thanks as Email, 'Manage preferences');
    const itemsBefore = itemsNaming(await table(), userId, email);
    const timersBefore = await timersFor(userId);

    // Act
    const res = await postLink(preferences, { intent: 'delete' });
    await api.advance('PT1M');
    const items = await table();
    const timersAfter = await timersFor(userId);
    const linkAfter = await getLink(preferences);
    await api.advanceTo(hourAfter(slot(t0, 30)));

    // Assess
    expect(itemsBefore.length).toBeGreaterThan(3);
    expect(timersBefore.length).toBeGreaterThan(0);
    expect(res.status).toBe(200);
    const left = itemsNaming(items, userId, email);
    expect(left.map((i) => [i.pk, i.sk])).toEqual([[`USER#${userId}`, 'ERASED']]);
    expect(JSON.stringify(items).toLowerCase()).not.toContain(email.toLowerCase());
    expect(timersAfter).toEqual([]);
    expect4xx(linkAfter, 'the preferences link after erasure');
    expect(await api.emails(email)).toHaveLength(2); // the confirmation request and the thank-you note
  });
});
