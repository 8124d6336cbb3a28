/** The local controls over real HTTP on loopback, with the world and the emulators faked: no Java needed. */
import { afterEach, describe, expect, it } from 'vitest';
import {
  advanceTarget,
  type ControlsDeps,
  localControls,
  type TwinUrls,
} from '../../../infra/local/controls.ts';
import {
  AwsCallMeter,
  ConsumedCapacityMeter,
  FaultRegistry,
  InvocationMeter,
} from '../../../infra/local/faults/index.ts';
import type { EmulatedSchedule } from '../../../infra/local/scheduler-emulator.ts';
import { type Served, serve } from '../../../infra/local/support/http.ts';

const URLS: TwinUrls = {
  api: 'http://127.0.0.1:3000',
  mailViewer: 'http://127.0.0.1:3001',
  deadLetters: 'http://127.0.0.1:3000/_local/dead-letters',
  scheduler: 'http://127.0.0.1:3002',
  dynamodb: 'http://127.0.0.1:3003',
  kms: 'http://127.0.0.1:3004',
  admin: 'http://127.0.0.1:3000/admin',
};

function schedule(name: string, groupName = 'rebound'): EmulatedSchedule {
  return { name, groupName, expression: 'at(2027-01-11T08:00:00)' } as EmulatedSchedule;
}

let served: Served | undefined;
afterEach(async () => {
  await served?.close();
  served = undefined;
});

/** Serve the controls over a clock at `now`; records what reaches the world and the timers. */
async function controls(now: string, overrides: Partial<ControlsDeps> = {}) {
  let clock = new Date(now);
  const advancedTo: string[] = [];
  const fired: string[] = [];
  const deps: ControlsDeps = {
    clock: { now: () => clock },
    world: {
      advanceTo: async (to) => {
        advancedTo.push(to.toISOString());
        clock = to;
        return to;
      },
      runAndSettle: (fn) => fn(),
    },
    timers: {
      list: () => [schedule('reminder-1')],
      fireNow: async (name, group) => {
        fired.push(`${group}/${name}`);
      },
      deadLetters: () => [],
    },
    scheduleGroup: 'rebound',
    emails: async () => [],
    streamDeadLetters: async () => [],
    urls: () => URLS,
    faults: new FaultRegistry(),
    meters: {
      awsCalls: new AwsCallMeter(),
      invocations: new InvocationMeter(() => 0),
      consumedCapacity: new ConsumedCapacityMeter(),
    },
    log: () => undefined,
    ...overrides,
  };
  served = await serve(0, localControls(deps), () => undefined);
  const base = `http://127.0.0.1:${served.port}`;
  const call = async (method: string, path: string, body?: string) => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { 'content-type': 'application/json' },
      body,
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  const post = (path: string, body: string) => call('POST', path, body);
  return { base, call, post, advancedTo, fired, deps };
}

describe('advanceTarget', () => {
  it.each([
    ['2027-01-31T10:00:00Z', 'P1M', '2027-02-28T10:00:00.000Z'],
    ['2027-03-01T00:00:00Z', 'P1M', '2027-04-01T00:00:00.000Z'],
    ['2028-01-31T10:00:00Z', 'P1M', '2028-02-29T10:00:00.000Z'],
    ['2027-01-15T10:00:00Z', 'P1Y', '2028-01-15T10:00:00.000Z'],
    ['2027-01-15T10:00:00Z', 'P1DT2H', '2027-01-16T12:00:00.000Z'],
  ])('moves %s by %s to %s on the calendar, not by a fixed number of days', (now, by, expected) => {
    expect(advanceTarget(new Date(now), { by }).toISOString()).toBe(expected);
  });
});

describe('POST /_local/clock/advance', () => {
  it('moves the clock by one calendar month for {"by":"P1M"}', async () => {
    // Prepare
    const twin = await controls('2027-03-01T00:00:00Z');

    // Act
    const res = await twin.post('/_local/clock/advance', JSON.stringify({ by: 'P1M' }));

    // Assess: 31 days, where a 30-day month would have stopped on 31 March
    expect(res).toEqual({ status: 200, body: { now: '2027-04-01T00:00:00.000Z' } });
    expect(twin.advancedTo).toEqual(['2027-04-01T00:00:00.000Z']);
  });

  it('accepts {"by":"PT0S"} on a clock that flows between two reads', async () => {
    // Prepare: every read of the clock is one millisecond later, as real time flows under load
    let ms = Date.parse('2027-01-04T10:00:00Z');
    const twin = await controls('2027-01-04T10:00:00Z', { clock: { now: () => new Date(ms++) } });

    // Act
    const res = await twin.post('/_local/clock/advance', JSON.stringify({ by: 'PT0S' }));

    // Assess
    expect(res.status).toBe(200);
  });

  it.each([
    ['a malformed duration', { by: 'three days' }, 'by'],
    ['a negative duration', { by: '-P1D' }, 'by'],
    ['a date in the past', { to: '2001-01-01T00:00:00Z' }, 'to'],
    ['both forms at once', { by: 'P1D', to: '2099-01-01T00:00:00Z' }, undefined],
    ['malformed JSON', '{"by":', ''],
  ])('refuses %s with 400 and leaves the clock where it was', async (_name, body, path) => {
    // Prepare
    const twin = await controls('2027-01-04T10:00:00Z');

    // Act
    const res = await twin.post(
      '/_local/clock/advance',
      typeof body === 'string' ? body : JSON.stringify(body),
    );

    // Assess
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid_request');
    if (path !== undefined) {
      expect((res.body.issues as { path: string }[]).map((i) => i.path)).toContain(path);
    }
    expect(twin.advancedTo).toEqual([]);
  });
});

describe('POST /_local/schedules/fire', () => {
  it('fires a schedule of the default group by name', async () => {
    // Prepare
    const twin = await controls('2027-01-04T10:00:00Z');

    // Act
    const res = await twin.post('/_local/schedules/fire', JSON.stringify({ name: 'reminder-1' }));

    // Assess
    expect(res).toEqual({ status: 200, body: { fired: 'reminder-1' } });
    expect(twin.fired).toEqual(['rebound/reminder-1']);
  });

  it.each([
    ['malformed JSON', '{"name":'],
    ['no name', '{}'],
    ['a name that is not a string', '{"name":42}'],
    ['an unknown field', '{"name":"reminder-1","when":"now"}'],
  ])('answers 400 for %s and fires nothing', async (_name, body) => {
    // Prepare
    const twin = await controls('2027-01-04T10:00:00Z');

    // Act
    const res = await twin.post('/_local/schedules/fire', body);

    // Assess
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid_request');
    expect(twin.fired).toEqual([]);
  });

  it.each([
    ['an unknown name', { name: 'no-such-schedule' }],
    ['a known name in another group', { name: 'reminder-1', group: 'default' }],
  ])('answers 404 for %s and fires nothing', async (_name, body) => {
    // Prepare
    const twin = await controls('2027-01-04T10:00:00Z');

    // Act
    const res = await twin.post('/_local/schedules/fire', JSON.stringify(body));

    // Assess
    expect(res.status).toBe(404);
    expect(res.body.error).toBe('not_found');
    expect(twin.fired).toEqual([]);
  });
});

describe('GET /_local/health', () => {
  it('answers 503 while the twin starts and 200 with every URL once it is up', async () => {
    // Prepare
    let up = false;
    const twin = await controls('2027-01-04T10:00:00Z', { urls: () => (up ? URLS : undefined) });

    // Act
    const starting = await fetch(`${twin.base}/_local/health`);
    up = true;
    const ready = await fetch(`${twin.base}/_local/health`);

    // Assess
    expect(starting.status).toBe(503);
    expect(await starting.json()).toEqual({ status: 'starting' });
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ok', urls: URLS });
  });
});

describe('/_local/faults', () => {
  it('adds rules in order, lists them, and clears them', async () => {
    // Prepare
    const twin = await controls('2027-01-04T10:00:00Z');
    const rules = [
      { operation: 'SES.SendEmail', effect: 'fail', rate: 0.3, seed: 7 },
      { operation: 'Scheduler.CreateSchedule', effect: 'throttle', count: 2 },
    ];

    // Act
    const added = await twin.post('/_local/faults', JSON.stringify(rules));
    const listed = await twin.call('GET', '/_local/faults');
    const cleared = await twin.call('DELETE', '/_local/faults');
    const after = await twin.call('GET', '/_local/faults');

    // Assess
    expect(added.status).toBe(200);
    expect(listed.body).toEqual({
      rules: [
        { id: 1, ...rules[0], injected: 0 },
        { id: 2, ...rules[1], injected: 0, remaining: 2 },
      ],
    });
    expect(twin.deps.faults.decide('Scheduler.CreateSchedule')).toBeUndefined();
    expect(cleared).toEqual({ status: 200, body: { cleared: 2 } });
    expect(after.body).toEqual({ rules: [] });
  });

  it.each([
    ['malformed JSON', '{"operation":', ''],
    [
      'an operation the product never calls',
      '{"operation":"SES.SendBulkEmail","effect":"fail"}',
      'operation',
    ],
    ['a slow rule without its delay', '{"operation":"DynamoDB.Query","effect":"slow"}', 'delayMs'],
    ['a stray field', '{"operation":"DynamoDB.Query","effect":"fail","when":"now"}', 'when'],
  ])('answers 400 for %s and adds nothing', async (_name, body, path) => {
    // Prepare
    const twin = await controls('2027-01-04T10:00:00Z');

    // Act
    const res = await twin.post('/_local/faults', body);

    // Assess
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid_request');
    expect((res.body.issues as { path: string }[]).map((i) => i.path)).toContain(path);
    expect(twin.deps.faults.list()).toEqual([]);
  });
});

describe('/_local/meter', () => {
  it('shows the calls by operation, the invocations by function and the DynamoDB units consumed, and DELETE answers them and resets', async () => {
    // Prepare
    const twin = await controls('2027-01-04T10:00:00Z');
    const { awsCalls, invocations, consumedCapacity } = twin.deps.meters;
    awsCalls.record('DynamoDB.Query', 'forwarded');
    consumedCapacity?.add('Query', 0.5);
    consumedCapacity?.add('TransactWriteItems', 6);
    awsCalls.record('DynamoDB.Query', 'faulted');
    await invocations.wrap('sender', async () => undefined)();
    const expected = {
      awsCalls: { 'DynamoDB.Query': { calls: 2, forwarded: 1, faulted: 1 } },
      invocations: { sender: { count: 1, errors: 0, totalMs: 0 } },
      dynamodb: { readUnits: 0.5, writeUnits: 6 },
    };

    // Act
    const shown = await twin.call('GET', '/_local/meter');
    const reset = await twin.call('DELETE', '/_local/meter');
    const after = await twin.call('GET', '/_local/meter');

    // Assess
    expect(shown).toEqual({ status: 200, body: expected });
    expect(reset).toEqual({ status: 200, body: expected });
    expect(after.body).toEqual({
      awsCalls: {},
      invocations: {},
      dynamodb: { readUnits: 0, writeUnits: 0 },
    });
  });

  it('shows no DynamoDB units when the twin does not meter capacity', async () => {
    const twin = await controls('2027-01-04T10:00:00Z', {
      meters: { awsCalls: new AwsCallMeter(), invocations: new InvocationMeter(() => 0) },
    });
    const shown = await twin.call('GET', '/_local/meter');
    expect(shown).toEqual({ status: 200, body: { awsCalls: {}, invocations: {} } });
  });
});
