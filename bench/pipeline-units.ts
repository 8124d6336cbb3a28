/**
 * `npx tsx bench/pipeline-units.ts --users N --weeks W --seed S`: the simulate's workload through the real
 * use cases and the real `DynamoDbReminderStore`, in this one process, against DynamoDB Local. What the
 * twin's meter cannot show, measured call by call:
 *  - DynamoDB **read and write units**, from the `ConsumedCapacity` DynamoDB Local returns (base table and
 *    indexes), by phase (ingest, planner, sender) and operation;
 *  - **CPU per planner event and per sender wake-up** (`process.cpuUsage` around each call; DynamoDB Local is
 *    another process, so this is the SDK's work plus ours);
 *  - Scheduler calls, from a timer service that answers as EventBridge Scheduler does (a create of a name
 *    that exists is a conflict, then an update).
 *
 * The run: events in time order; before each, the timers due by then fire (each wakes the sender for its
 * user at its instant); a user who confirms (the simulate's seeded 90 %) does so right after the first
 * event that asked. Links are signed by a fake; emails go to a fake. After the last event the clock drains
 * `--drain-weeks`. A final audit counts reminders by status and checks that nothing due is still pending.
 *
 * Not counted: intake's authentication (its own bench), the reconciler (a fixed cost every 5 minutes; it runs
 * once at the end as a check), the links pages. Options: --users (10) --weeks (4) --seed (1) --drain-weeks (9)
 * --json <file>.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DynamoDBClient, GetItemCommand, paginateScan } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { localClientConfig, startDynamoDbLocal } from '../infra/local/dynamodb/launcher.ts';
import { ensureTable } from '../infra/local/dynamodb/table.ts';
import { consumedUnitsOf, isReadOperation } from '../infra/local/faults/meter.ts';
import { CLIENT_OPTIONS } from '../shared/adapters/aws-clients.ts';
import { DynamoDbReminderStore, keys } from '../shared/adapters/dynamodb-store.ts';
import { userIdFor } from '../shared/domain/ids.ts';
import type { TimerRequest, TimerService } from '../shared/ports.ts';
import { applyUserAction } from '../shared/use-cases/apply-user-action.ts';
import { type PlanEventDeps, planEvent, type StoredEventItem } from '../shared/use-cases/plan-event.ts';
import { reconcile } from '../shared/use-cases/reconcile.ts';
import { recordEvent } from '../shared/use-cases/record-event.ts';
import { recordUserAction } from '../shared/use-cases/record-user-action.ts';
import { type SendDueDeps, sendDueReminders } from '../shared/use-cases/send-due-reminders.ts';
import { FakeLinkSigner, FakeMailer, SettableClock, TEST_BASE_URL } from '../test/support/fakes.ts';
import {
  DYNAMODB_USD_PER_READ_UNIT,
  DYNAMODB_USD_PER_WRITE_UNIT,
  LAMBDA_USD_PER_REQUEST,
  SCHEDULER_USD_PER_INVOCATION,
} from './support/pricing.ts';
import { confirmsConsent, generateWorkload, userEmail } from './support/workload.ts';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const DAY_MS = 86_400_000;
const TABLE = 'rebound-units';

const { values: args } = parseArgs({
  options: {
    users: { type: 'string', default: '10' },
    weeks: { type: 'string', default: '4' },
    seed: { type: 'string', default: '1' },
    'drain-weeks': { type: 'string', default: '9' },
    json: { type: 'string' },
  },
  strict: true,
});
const CONFIG = {
  users: Number(args.users),
  weeks: Number(args.weeks),
  seed: Number(args.seed),
  drainWeeks: Number(args['drain-weeks']),
};

// ---- metering ---------------------------------------------------------------------------------------------

type Phase = 'ingest' | 'planner' | 'sender' | 'reconciler';

interface PhaseMeter {
  invocations: number;
  cpuUs: number;
  calls: Record<string, number>;
  readUnits: number;
  writeUnits: number;
}

const newPhase = (): PhaseMeter => ({ invocations: 0, cpuUs: 0, calls: {}, readUnits: 0, writeUnits: 0 });
const meters: Record<Phase, PhaseMeter> = {
  ingest: newPhase(),
  planner: newPhase(),
  sender: newPhase(),
  reconciler: newPhase(),
};
let phase: Phase = 'ingest';

function count(operation: string): void {
  const calls = meters[phase].calls;
  calls[operation] = (calls[operation] ?? 0) + 1;
}

/** Every call of `client` counted under the current phase, with the capacity DynamoDB says it consumed. */
function meterClient(client: DynamoDBClient): void {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const operation = String(context.commandName ?? 'Unknown').replace(/Command$/, '');
      const input = args.input as Record<string, unknown>;
      input.ReturnConsumedCapacity = 'TOTAL';
      count(`DynamoDB.${operation}`);
      const result = await next(args);
      const units = consumedUnitsOf(result.output);
      if (isReadOperation(operation)) meters[phase].readUnits += units;
      else meters[phase].writeUnits += units;
      return result;
    },
    { step: 'initialize', name: 'benchCapacityMeter' },
  );
}

/** Measure the CPU of one invocation of the current phase. */
async function invoke<T>(as: Phase, fn: () => Promise<T>): Promise<T> {
  const before = phase;
  phase = as;
  const start = process.cpuUsage();
  try {
    return await fn();
  } finally {
    const used = process.cpuUsage(start);
    meters[as].cpuUs += used.user + used.system;
    meters[as].invocations += 1;
    phase = before;
  }
}

/** EventBridge Scheduler as the store's callers see it: names are unique, a create of an existing one conflicts. */
class MeteredTimers implements TimerService {
  public readonly schedules = new Map<string, TimerRequest>();

  public async ensure(timer: TimerRequest): Promise<void> {
    count('Scheduler.CreateSchedule');
    if (this.schedules.has(timer.scheduleName)) count('Scheduler.UpdateSchedule');
    this.schedules.set(timer.scheduleName, { ...timer });
  }

  public async remove(scheduleName: string): Promise<void> {
    count('Scheduler.DeleteSchedule');
    this.schedules.delete(scheduleName);
  }

  /** The earliest schedule due at or before `until`, taken out (`ActionAfterCompletion: DELETE`). */
  public nextDue(until: number): TimerRequest | undefined {
    let first: TimerRequest | undefined;
    for (const t of this.schedules.values()) {
      const at = Date.parse(t.dueAt);
      if (at <= until && (!first || at < Date.parse(first.dueAt))) first = t;
    }
    if (first) this.schedules.delete(first.scheduleName);
    return first;
  }
}

// ---- the run ----------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const started = performance.now();
  const dataDir = await mkdtemp(join(tmpdir(), 'rebound-units-'));
  const db = await startDynamoDbLocal({ dataDir, inMemory: true });
  try {
    const raw = new DynamoDBClient(localClientConfig(db.endpoint));
    await ensureTable(raw, TABLE);
    // Built as the functions build theirs (retries, timeouts, hashing), only pointed at DynamoDB Local.
    const metered = new DynamoDBClient({ ...CLIENT_OPTIONS, ...localClientConfig(db.endpoint) });
    meterClient(metered);
    const store = new DynamoDbReminderStore(
      DynamoDBDocumentClient.from(metered, { marshallOptions: { removeUndefinedValues: true } }),
      TABLE,
    );
    const clock = new SettableClock('2026-12-01T00:00:00Z');
    const timers = new MeteredTimers();
    const mailer = new FakeMailer();
    const links = new FakeLinkSigner();
    const deps: PlanEventDeps & SendDueDeps = {
      store,
      timers,
      clock,
      mailer,
      links,
      publicBaseUrl: TEST_BASE_URL,
    };

    const start = new Date('2026-12-01T00:00:00Z');
    const workload = generateWorkload({ users: CONFIG.users, weeks: CONFIG.weeks, seed: CONFIG.seed, start });
    const confirmed = new Set<number>();
    let remindersSent = 0;
    let emails = 0;

    const streamItem = async (userId: string, eventId: string): Promise<StoredEventItem> => {
      const res = await raw.send(
        new GetItemCommand({
          TableName: TABLE,
          Key: { pk: { S: keys.user(userId) }, sk: { S: keys.event(eventId) } },
        }),
      );
      if (!res.Item) throw new Error(`event ${eventId} not stored`);
      return unmarshall(res.Item) as StoredEventItem;
    };
    const fireUntil = async (until: number) => {
      for (let t = timers.nextDue(until); t; t = timers.nextDue(until)) {
        clock.set(t.dueAt);
        const result = await invoke('sender', () => sendDueReminders(t.userId, deps));
        remindersSent += result.reminders;
        emails += result.emails;
      }
    };

    for (const [i, e] of workload.events.entries()) {
      await fireUntil(e.at);
      clock.set(new Date(e.at));
      const recorded = await invoke('ingest', () => recordEvent(e.body, deps));
      if (recorded.duplicate) continue;
      const item = await streamItem(recorded.userId, recorded.eventId);
      await invoke('planner', () => planEvent(item, deps));
      if (!confirmed.has(e.userIndex) && confirmsConsent(CONFIG.seed, e.userIndex)) {
        confirmed.add(e.userIndex);
        const userId = userIdFor(userEmail(CONFIG.seed, e.userIndex));
        const action = await invoke('ingest', () =>
          recordUserAction(
            {
              userId,
              action: { type: 'consent.confirmed' },
              actor: { type: 'user', via: 'link' },
              idempotencyKey: `confirm-${e.userIndex}`,
            },
            deps,
          ),
        );
        const actionItem = await streamItem(userId, action.eventId);
        await invoke('planner', () => applyUserAction(actionItem, deps));
      }
      if ((i + 1) % 500 === 0) process.stderr.write(`  ${i + 1}/${workload.events.length} events\n`);
    }
    const end = workload.horizon + CONFIG.drainWeeks * 7 * DAY_MS;
    await fireUntil(end);
    clock.set(new Date(end));
    const check = await invoke('reconciler', () => reconcile(10 * 60_000, deps));

    // ---- audit (unmetered) ----
    const byStatus: Record<string, number> = {};
    const bySk: Record<string, number> = {};
    const withTtl: Record<string, number> = {};
    let overdue = 0;
    let held = 0;
    let items = 0;
    for await (const page of paginateScan({ client: raw }, { TableName: TABLE })) {
      for (const rawItem of page.Items ?? []) {
        const item = unmarshall(rawItem) as Record<string, unknown>;
        items += 1;
        const kind = String(item.sk).split('#')[0] ?? '';
        bySk[kind] = (bySk[kind] ?? 0) + 1;
        if (item.expiresAt !== undefined) withTtl[kind] = (withTtl[kind] ?? 0) + 1;
        if (kind !== 'REMINDER') continue;
        const status = String(item.status);
        byStatus[status] = (byStatus[status] ?? 0) + 1;
        if (status !== 'pending') continue;
        if (item.held === true) held += 1;
        else if (Date.parse(String(item.dueAt)) < end) overdue += 1;
      }
    }

    const report = {
      config: CONFIG,
      events: workload.events.length,
      remindersSent,
      emails,
      reminders: byStatus,
      held,
      overduePending: overdue,
      reconcilerAtEnd: { usersWoken: check.usersWoken, stuck: check.stuckDigests.length },
      items: { total: items, byKind: bySk, withTtl },
      confirmationsAndEmails: mailer.sent.length,
      meters,
      wallSeconds: (performance.now() - started) / 1000,
    };
    print(report);
    if (args.json) await writeFile(args.json, `${JSON.stringify(report, null, 2)}\n`);
    if (overdue > 0 || check.usersWoken > 0) process.exitCode = 1;
    raw.destroy();
    metered.destroy();
  } finally {
    await db.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

function print(r: {
  events: number;
  remindersSent: number;
  emails: number;
  reminders: Record<string, number>;
  held: number;
  overduePending: number;
  reconcilerAtEnd: { usersWoken: number; stuck: number };
  items: { total: number; byKind: Record<string, number>; withTtl: Record<string, number> };
  meters: Record<Phase, PhaseMeter>;
  wallSeconds: number;
}): void {
  const per = (n: number) => (n / r.remindersSent).toFixed(2);
  console.log(
    `${CONFIG.users} users × ${CONFIG.weeks} weeks, seed ${CONFIG.seed}: ${r.events} events, ${r.remindersSent} reminders sent in ${r.emails} emails; reminders ${JSON.stringify(r.reminders)}, held ${r.held}; overdue pending ${r.overduePending}; reconciler at the end woke ${r.reconcilerAtEnd.usersWoken}, stuck ${r.reconcilerAtEnd.stuck}; ${r.items.total} items ${JSON.stringify(r.items.byKind)}, with a TTL ${JSON.stringify(r.items.withTtl)}; ${r.wallSeconds.toFixed(0)} s`,
  );
  const all: Record<string, number> = {};
  let rru = 0;
  let wru = 0;
  console.log('\nphase        invocations  CPU ms/inv   calls/inv  RRU/inv  WRU/inv');
  for (const [name, m] of Object.entries(r.meters) as [Phase, PhaseMeter][]) {
    if (name === 'reconciler') continue;
    const calls = Object.values(m.calls).reduce((a, b) => a + b, 0);
    for (const [op, n] of Object.entries(m.calls)) all[op] = (all[op] ?? 0) + n;
    rru += m.readUnits;
    wru += m.writeUnits;
    const inv = Math.max(1, m.invocations);
    console.log(
      `${name.padEnd(12)} ${String(m.invocations).padStart(11)}  ${(m.cpuUs / 1000 / inv).toFixed(2).padStart(10)}  ${(calls / inv).toFixed(2).padStart(10)}  ${(m.readUnits / inv).toFixed(2).padStart(7)}  ${(m.writeUnits / inv).toFixed(2).padStart(7)}`,
    );
  }
  console.log('\nper reminder sent (ingest, planner, sender; not the reconciler)');
  let total = 0;
  for (const [op, n] of Object.entries(all).sort((a, b) => b[1] - a[1])) {
    total += n;
    console.log(`  ${op.padEnd(30)} ${String(n).padStart(7)}  ${per(n)}`);
  }
  console.log(`  ${'total AWS calls (no SES)'.padEnd(30)} ${String(total).padStart(7)}  ${per(total)}`);
  console.log(`  DynamoDB units: ${per(rru)} RRU, ${per(wru)} WRU`);
  const wakeUps = r.meters.sender.invocations;
  const lambdaRequests = r.meters.ingest.invocations + r.meters.planner.invocations + wakeUps;
  const usd =
    (rru * DYNAMODB_USD_PER_READ_UNIT +
      wru * DYNAMODB_USD_PER_WRITE_UNIT +
      wakeUps * SCHEDULER_USD_PER_INVOCATION +
      lambdaRequests * LAMBDA_USD_PER_REQUEST) *
    (1e6 / r.remindersSent);
  console.log(
    `  $ per 1M reminders, DynamoDB + Scheduler invocations + Lambda requests (no duration, no HTTP API, no logs): ${usd.toFixed(2)}`,
  );
}

await main();
