/**
 * The whole product against the running twin, driven only through HTTP and the local controls.
 * One twin for the file; each scenario has its own user and starts at a Monday 10:00 local after
 * wherever the previous scenario left the clock. No scenario may dead-letter anything. Every user confirms
 * through their confirmation email right after their first event (double opt-in), and the assertions
 * count reminder emails only.
 */
import { DeleteScheduleCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { confirmUser } from '../../harness/consent.ts';
import { remindersTo } from '../../harness/email-links.ts';
import { fixture, nextMonday, nineOnDay, uniqueEmail } from '../../harness/scenario.ts';
import { TwinClient } from '../../harness/twin-client.ts';
import { type RunningTwin, startTwinProcess } from '../../harness/twin-process.ts';

const ZONE = 'Europe/Berlin';
let twin: RunningTwin;
let api: TwinClient;

beforeAll(async () => {
  // Metering DynamoDB capacity costs DynamoDB Local some CPU; one scenario below checks the meter.
  twin = await startTwinProcess({ env: { REBOUND_METER_CAPACITY: '1' } });
  api = new TwinClient(twin.api);
});

afterAll(async () => {
  await twin?.stop();
});

// Checked after each scenario that ran, so it proves something also when one scenario runs alone.
afterEach(async () => {
  const dead = await api.deadLetters();
  expect(dead.scheduler).toEqual([]);
  expect(dead.stream).toEqual([]);
});

async function startScenario(): Promise<{ email: string; t0: Date }> {
  const t0 = nextMonday(await api.now(), ZONE);
  await api.advanceTo(t0);
  return { email: uniqueEmail('seeker'), t0 };
}

describe('the reminder pipeline on the local twin', () => {
  it('sends one follow-up at 09:00 local on day 7, a second on day 14, and nothing after', async () => {
    // Prepare
    const { email, t0 } = await startScenario();
    const res = await api.postEvent(fixture('application.submitted', { email, occurredAt: t0 }));
    expect(res.status).toBe(202);
    await confirmUser(api, email);

    // Act / Assess: nothing for 6 days
    await api.advanceTo(new Date(t0.getTime() + 6 * 86_400_000));
    expect(await remindersTo(api, email)).toHaveLength(0);

    // Day 7 at 09:00 Berlin time
    await api.advanceTo(new Date(nineOnDay(t0, 7, ZONE).getTime() + 3_600_000));
    const first = await remindersTo(api, email);
    expect(first).toHaveLength(1);
    expect(first[0]?.sentAt).toBe(nineOnDay(t0, 7, ZONE).toISOString());
    expect(first[0]?.subject).toContain('Acme Corp');

    // Day 14, then silence
    await api.advanceTo(new Date(nineOnDay(t0, 14, ZONE).getTime() + 3_600_000));
    const second = await remindersTo(api, email);
    expect(second).toHaveLength(2);
    expect(second[1]?.sentAt).toBe(nineOnDay(t0, 14, ZONE).toISOString());
    await api.advance('P30D');
    expect(await remindersTo(api, email)).toHaveLength(2);
  });

  it('replaces follow-ups with feedback and reconnect reminders after an interview rejection on day 3', async () => {
    // Prepare
    const { email, t0 } = await startScenario();
    await api.postEvent(fixture('application.submitted', { email, occurredAt: t0 }));
    await confirmUser(api, email);
    const day3 = new Date(t0.getTime() + 3 * 86_400_000); // Thursday 10:00
    await api.advanceTo(day3);

    // Act
    const res = await api.postEvent(fixture('application.rejected', { email, occurredAt: day3 }));
    expect(res.status).toBe(202);
    await api.advance('P60D');

    // Assess: Thursday 10:00 + 24 h = Friday 10:00, so the next weekday 09:00 is Monday (day 7)
    const sent = await remindersTo(api, email);
    expect(sent.map((e) => e.sentAt)).toEqual([
      nineOnDay(t0, 7, ZONE).toISOString(),
      nineOnDay(day3, 42, ZONE).toISOString(),
    ]);
    expect(sent[0]?.text).toMatch(/feedback/i);
    expect(sent[1]?.text).toMatch(/openings|reconnect|back in touch|check in/i);
    for (const e of sent) {
      expect(e.text).toContain('Acme Corp');
      expect(e.text).toContain('Jo Park');
    }
    expect(sent.some((e) => /follow up/i.test(e.subject))).toBe(false);
  });

  it('cancels every pending reminder and deletes its timers when an offer is accepted', async () => {
    // Prepare: two applications with pending reminders
    const { email, t0 } = await startScenario();
    const before = new Set((await api.schedules()).map((s) => s.name));
    await api.postEvent(
      fixture('application.submitted', { email, occurredAt: t0, ref: 'a-1', company: 'Alpha' }),
    );
    await api.postEvent(
      fixture('interview.completed', { email, occurredAt: t0, ref: 'b-2', company: 'Beta' }),
    );
    await confirmUser(api, email);
    await api.advance('PT1M');
    const created = (await api.schedules()).filter((s) => !before.has(s.name)).map((s) => s.name);
    // One timer per user and send slot: Alpha's follow-ups (days 7 and 14) and Beta's thank-you (next slot) and
    // follow-up (day 7, shared with Alpha's first) need three.
    expect(created.length).toBeGreaterThanOrEqual(3);

    // Act
    await api.postEvent(fixture('offer.accepted', { email, occurredAt: new Date(t0.getTime() + 60_000) }));
    await api.advance('PT1M');

    // Assess
    const remaining = new Set((await api.schedules()).map((s) => s.name));
    expect(created.filter((n) => remaining.has(n))).toEqual([]);
    await api.advance('P70D');
    expect(await remindersTo(api, email)).toHaveLength(0);
  });

  it('stores an event posted five times once and emails each reminder once', async () => {
    // Prepare
    const { email, t0 } = await startScenario();
    const event = fixture('application.submitted', { email, occurredAt: t0, id: 'same-event-5x' });

    // Act
    const responses = await Promise.all([1, 2, 3, 4, 5].map(() => api.postEvent(event)));
    const unnamed = fixture('application.submitted', { email, id: null, ref: 'no-id', company: 'Gamma' });
    const unnamedResponses = [];
    for (let i = 0; i < 5; i += 1) unnamedResponses.push(await api.postEvent(unnamed));
    await confirmUser(api, email);
    await api.advance('P20D');

    // Assess
    expect(responses.map((r) => r.status)).toEqual([202, 202, 202, 202, 202]);
    expect(responses.filter((r) => r.body.duplicate === false)).toHaveLength(1);
    expect(new Set(responses.map((r) => r.body.eventId))).toEqual(new Set(['same-event-5x']));
    expect(unnamedResponses.filter((r) => r.body.duplicate === false)).toHaveLength(1);
    expect(new Set(unnamedResponses.map((r) => r.body.eventId)).size).toBe(1);
    const sent = await remindersTo(api, email);
    // Two follow-ups for each application, and the two applications share their slots: 2 digests.
    expect(sent).toHaveLength(2);
    for (const e of sent) {
      expect(e.text.match(/Acme Corp/g)?.length ?? 0).toBeGreaterThan(0);
      expect(e.text).toContain('Gamma');
    }
  });

  it('sends one email listing both reminders when two are due in the same slot', async () => {
    // Prepare
    const { email, t0 } = await startScenario();
    await api.postEvent(
      fixture('application.submitted', { email, occurredAt: t0, ref: 'north', company: 'Northwind' }),
    );
    await api.postEvent(
      fixture('application.submitted', { email, occurredAt: t0, ref: 'south', company: 'Southbank' }),
    );
    await confirmUser(api, email);

    // Act
    await api.advanceTo(new Date(nineOnDay(t0, 7, ZONE).getTime() + 3_600_000));

    // Assess
    const sent = await remindersTo(api, email);
    expect(sent).toHaveLength(1);
    expect(sent[0]?.subject).toMatch(/^2 /);
    for (const part of [sent[0]?.text, sent[0]?.html]) {
      expect(part).toContain('Northwind');
      expect(part).toContain('Southbank');
    }
  });

  it('meters the DynamoDB units intake and the planner consumed for one event, transactions at double', async () => {
    // Prepare
    const { email, t0 } = await startScenario();
    await api.resetMeter();

    // Act
    expect((await api.postEvent(fixture('application.submitted', { email, occurredAt: t0 }))).status).toBe(
      202,
    );
    await api.advanceTo(new Date(t0.getTime() + 60_000)); // settles: the planner has run

    // Assess
    const { awsCalls, dynamodb = { readUnits: 0, writeUnits: 0 } } = await api.meter();
    const calls = (op: string) => awsCalls[`DynamoDB.${op}`]?.forwarded ?? 0;
    expect(calls('TransactWriteItems')).toBeGreaterThanOrEqual(1);
    // Every write costs at least a unit, an item written in a transaction at least two.
    expect(dynamodb.writeUnits).toBeGreaterThanOrEqual(
      calls('PutItem') + calls('UpdateItem') + 2 * calls('TransactWriteItems'),
    );
    expect(dynamodb.readUnits).toBeGreaterThan(0);
  });

  it('sends one email when a timer fires twice', async () => {
    // Prepare
    const { email, t0 } = await startScenario();
    const before = new Set((await api.schedules()).map((s) => s.name));
    await api.postEvent(fixture('interview.completed', { email, occurredAt: t0 }));
    await confirmUser(api, email);
    await api.advance('PT1M');
    const mine = (await api.schedules()).filter((s) => !before.has(s.name) && s.nextFireAt);
    const followUp = mine.sort((a, b) => String(b.nextFireAt).localeCompare(String(a.nextFireAt)))[0];
    expect(followUp).toBeDefined();
    const dueAt = new Date(String(followUp?.nextFireAt));
    await api.advanceTo(new Date(dueAt.getTime() - 30_000));
    const sentBefore = (await remindersTo(api, email)).length;

    // Act: a duplicate delivery, then the real one at the due time
    await api.fire(String(followUp?.name));
    await api.fire(String(followUp?.name));
    await api.advance('P2D');

    // Assess
    expect((await remindersTo(api, email)).length - sentBefore).toBe(1);
  });

  it('still sends a reminder whose timer was lost, through the reconciler', async () => {
    // Prepare
    const { email, t0 } = await startScenario();
    const before = new Set((await api.schedules()).map((s) => s.name));
    await api.postEvent(fixture('interview.completed', { email, occurredAt: t0 }));
    await confirmUser(api, email);
    await api.advance('PT1M');
    const lost = (await api.schedules()).filter((s) => !before.has(s.name));
    expect(lost.length).toBe(2);
    const scheduler = new SchedulerClient({
      endpoint: twin.urls.scheduler,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });

    // Act: lose every timer, then let time pass beyond each due time plus the reconciler's grace
    for (const s of lost)
      await scheduler.send(new DeleteScheduleCommand({ Name: s.name, GroupName: s.groupName }));
    const thankYouDue = nineOnDay(t0, 1, ZONE);
    await api.advanceTo(new Date(thankYouDue.getTime() + 10 * 60_000));
    const afterThankYou = await remindersTo(api, email);
    await api.advance('P9D');

    // Assess: thank-you and follow-up still went out, each once, a few minutes late
    expect(afterThankYou).toHaveLength(1);
    expect(afterThankYou[0]?.subject).toMatch(/thank/i);
    const lateBy = new Date(String(afterThankYou[0]?.sentAt)).getTime() - thankYouDue.getTime();
    expect(lateBy).toBeGreaterThan(5 * 60_000);
    expect(lateBy).toBeLessThanOrEqual(10 * 60_000);
    const sent = await remindersTo(api, email);
    expect(sent).toHaveLength(2);
    expect(sent[1]?.subject).toMatch(/follow up/i);
  });
});
