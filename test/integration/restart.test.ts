/** A twin stopped and restarted mid-scenario loses nothing: events, timers, stream position and clock. */
import { afterAll, describe, expect, it } from 'vitest';
import { confirmUser } from '../../harness/consent.ts';
import { remindersTo } from '../../harness/email-links.ts';
import { fixture, nextMonday, nineOnDay, uniqueEmail } from '../../harness/scenario.ts';
import { TwinClient } from '../../harness/twin-client.ts';
import { type RunningTwin, startTwinProcess } from '../../harness/twin-process.ts';

const ZONE = 'America/New_York';
const running: RunningTwin[] = [];

afterAll(async () => {
  for (const t of running) await t.stop();
});

describe('restarting the twin', () => {
  it('keeps the clock, pending timers and unplanned events across a restart', async () => {
    // Prepare: a submission whose follow-up is pending, and a rejection posted right before the stop
    const first = await startTwinProcess();
    running.push(first);
    const api1 = new TwinClient(first.api);
    const email = uniqueEmail('restart');
    const t0 = nextMonday(await api1.now(), ZONE);
    await api1.advanceTo(t0);
    await api1.postEvent(
      fixture('application.submitted', {
        email,
        timezone: ZONE,
        occurredAt: t0,
        ref: 'one',
        company: 'Initech',
      }),
    );
    await confirmUser(api1, email);
    await api1.advance('P2D');
    const clockBefore = await api1.now();
    await api1.postEvent(
      fixture('application.rejected', {
        email,
        timezone: ZONE,
        occurredAt: clockBefore,
        ref: 'two',
        company: 'Globex',
      }),
    );

    // Act
    await first.stop();
    const second = await startTwinProcess({ dataDir: first.dataDir, port: first.port });
    running.push(second);
    const api2 = new TwinClient(second.api);
    const clockAfter = await api2.now();
    await api2.advanceTo(new Date(nineOnDay(t0, 7, ZONE).getTime() + 3_600_000));

    // Assess
    expect(clockAfter.getTime()).toBeGreaterThanOrEqual(clockBefore.getTime());
    expect(clockAfter.getTime() - clockBefore.getTime()).toBeLessThan(60_000);
    const sent = await remindersTo(api2, email);
    // Wednesday 10:00 rejection: feedback at the first slot 24 h later (Friday 09:00); the Initech follow-up on day 7.
    expect(sent.map((e) => e.sentAt)).toEqual([
      nineOnDay(t0, 4, ZONE).toISOString(),
      nineOnDay(t0, 7, ZONE).toISOString(),
    ]);
    expect(sent[0]?.text).toContain('Globex');
    expect(sent[1]?.text).toContain('Initech');
  });
});
