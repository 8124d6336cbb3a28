/**
 * `npm run simulate -- --users N --weeks W --seed S`: a realistic job search driven through the local twin
 * over HTTP, then audited, metered and priced (issue 7, §3).
 *
 *  1. Start a twin as `npm start` does (child process, fresh temporary data directory, quiet console,
 *     `LOG_LEVEL=INFO` as on AWS) and reset its meter (`DELETE /_local/meter`).
 *  2. Generate the workload (`support/workload.ts`, deterministic by seed) starting at the next UTC
 *     midnight of the twin's clock, and cut it into clock steps that never span a send slot.
 *  3. For each step: move the virtual clock to the step's last event (`POST /_local/clock/advance`, which
 *     returns once every timer due by then has fired and the stream is drained); answer the double opt-in
 *     requests that arrived (90 % of users, seeded, POST their confirm link as the page's button does);
 *     then post the step's events (`POST /events`), users in parallel up to `--concurrency`, each user's
 *     events in order.
 *  4. Drain: move the clock to the horizon, then day by day for `--drain-weeks` more, so every reminder
 *     the search created comes due (the longest, `reconnect` after `not_hiring`, is 8 weeks).
 *  5. Audit: scan the table from here (not metered) and read SES's record of sent emails: reminders created,
 *     cancelled, sent; double sends; lost reminders; dead letters. Read `GET /_local/meter` for the
 *     handlers' AWS calls and invocations ("meter not available" when it answers 404).
 *  6. Print the report (and `.bench/simulate.json`); exit 1 when a correctness check fails.
 *
 * Options: --users (10) --weeks (4) --seed (1) --concurrency (8) --drain-weeks (9) --log-level (INFO)
 * --cpu-prof (profile the twin with V8's sampling profiler, as `node --cpu-prof` would, through a preload
 * since Node 20 refuses `--cpu-prof` in NODE_OPTIONS; the `.cpuprofile` lands in
 * `.bench/simulate-cpuprofile/<run>/` and the report summarises it) --keep (keep the twin's data directory,
 * tables included) --dynamodb memory|disk (default memory: DynamoDB Local keeps the tables in memory, which
 * costs it less CPU per call; the run's data is thrown away at the end anyway. `disk` runs it as `npm start`
 * does; `--keep` implies it) --units consumed|approximate (default consumed: the twin meters the DynamoDB
 * units DynamoDB Local says each handler call consumed, which costs it CPU, about a tenth more in one 300-user
 * run; `approximate` prices 1 unit per call and 2 per transaction, a lower bound, for timing runs).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { DynamoDBClient, ListTablesCommand, paginateScan } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { bearer } from '../harness/credentials.ts';
import { type RunningTwin, startTwinProcess } from '../harness/twin-process.ts';
import { userIdFor } from '../shared/domain/ids.ts';
import { RECONCILER_RATE_MINUTES } from '../shared/wiring.ts';
import { type CpuProfile, renderProfileSummary, summarizeProfiles } from './support/cpu-profile.ts';
import {
  approximateDynamoUnits,
  costPerMillionReminders,
  type FunctionUsage,
  reconcilerMonthlyLambdaUsd,
} from './support/pricing.ts';
import { tree } from './support/process-tree.ts';
import {
  type AuditItem,
  auditTable,
  callsPerReminder,
  duration,
  dynamoCalls,
  itemSizeBytes,
  type Meter,
  MeterSchema,
  parseEmailLine,
  perReminderCalls,
  perReminderInvocations,
  renderReport,
  type SentEmail,
  type SimulationReport,
} from './support/simulate-report.ts';
import {
  confirmsConsent,
  generateWorkload,
  planSteps,
  userEmail,
  type WorkloadEvent,
} from './support/workload.ts';

// The SDK client that scans the table at the end would warn about Node 20 on every run.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
process.chdir(ROOT); // the harness starts `infra/local/main.ts` relative to the working directory

const DAY_MS = 86_400_000;
const OUT_FILE = join(ROOT, '.bench', 'simulate.json');
/** One folder per run: two runs at once (a shared machine) must not read or delete each other's profile. */
const PROFILE_DIR = join(
  ROOT,
  '.bench',
  'simulate-cpuprofile',
  `${new Date().toISOString().replaceAll(':', '-')}-${process.pid}`,
);
/** A reminder pending this long after its due time has been missed by its timer and by the reconciler. */
const OVERDUE_GRACE_MS = 3 * RECONCILER_RATE_MINUTES * 60_000;
/** 5 ms between samples: a long run stays a few MB of profile. */
const CPU_PROF_INTERVAL_US = 5_000;

// ---- options -----------------------------------------------------------------------------------------------

const { values: args } = parseArgs({
  options: {
    users: { type: 'string', default: '10' },
    weeks: { type: 'string', default: '4' },
    seed: { type: 'string', default: '1' },
    concurrency: { type: 'string', default: '8' },
    'drain-weeks': { type: 'string', default: '9' },
    'log-level': { type: 'string', default: 'INFO' },
    'cpu-prof': { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
    dynamodb: { type: 'string', default: 'memory' },
    units: { type: 'string', default: 'consumed' },
  },
  strict: true,
});

const int = (name: string, raw: string | undefined, min: number, max: number): number => {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    console.error(`--${name} must be an integer in [${min}, ${max}]`);
    process.exit(2);
  }
  return n;
};
const choice = <T extends string>(name: string, raw: string | undefined, allowed: readonly T[]): T => {
  const found = allowed.find((a) => a === raw);
  if (found === undefined) {
    console.error(`--${name} must be one of ${allowed.join(', ')}`);
    process.exit(2);
  }
  return found;
};
const CONFIG = {
  users: int('users', args.users, 1, 100_000),
  weeks: int('weeks', args.weeks, 1, 104),
  seed: int('seed', args.seed, 0, 2 ** 32 - 1),
  concurrency: int('concurrency', args.concurrency, 1, 64),
  drainWeeks: int('drain-weeks', args['drain-weeks'], 0, 52),
  logLevel: (args['log-level'] ?? 'INFO').toUpperCase(),
  cpuProf: args['cpu-prof'] ?? false,
  keep: args.keep ?? false,
  // Kept data must include the tables, so `--keep` runs DynamoDB Local on disk.
  dynamoDbInMemory:
    !(args.keep ?? false) && choice('dynamodb', args.dynamodb, ['memory', 'disk']) === 'memory',
  // DynamoDB Local spends CPU working out each call's capacity: `--units approximate` for timing runs.
  meterCapacity: choice('units', args.units, ['consumed', 'approximate']) === 'consumed',
};

// ---- HTTP to the twin (keep-alive; no timeout on clock moves, which may run for minutes) -----------------

const agent = new Agent({ keepAlive: true, maxSockets: CONFIG.concurrency + 2 });

interface Reply {
  readonly status: number;
  readonly text: string;
}

/** A form body, sent as `application/x-www-form-urlencoded` (what a browser posts). */
class Form {
  public constructor(public readonly encoded: string) {}
}

function call(
  method: string,
  url: string,
  body?: unknown,
  timeoutMs = 0,
  fresh = false,
  extraHeaders: Readonly<Record<string, string>> = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const form = body instanceof Form;
    const payload = body === undefined ? undefined : form ? body.encoded : JSON.stringify(body);
    const req = request(
      url,
      {
        method,
        // A retry after a reset takes a new connection rather than another pooled one.
        agent: fresh ? false : agent,
        headers: {
          ...(payload === undefined
            ? {}
            : {
                'content-type': form ? 'application/x-www-form-urlencoded' : 'application/json',
                'content-length': String(Buffer.byteLength(payload)),
              }),
          ...extraHeaders,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', reject);
      },
    );
    if (timeoutMs > 0) req.setTimeout(timeoutMs, () => req.destroy(new Error(`${method} ${url}: timed out`)));
    req.on('error', reject);
    req.end(payload);
  });
}

/**
 * `call`, retried on a reset connection: the twin's server closes idle keep-alive sockets after 5 s, and a
 * request sent on one just as it closes fails with "socket hang up". Only for idempotent requests (a clock
 * move to an instant, an event with an `id`).
 */
/** Requests retried after a reset connection (reported, to tell a flaky connection from a slow twin). */
let retries = 0;

async function callRetrying(
  method: string,
  url: string,
  body?: unknown,
  timeoutMs = 0,
  headers: Readonly<Record<string, string>> = {},
): Promise<Reply & { attempts: number }> {
  for (let attempts = 1; ; attempts += 1) {
    try {
      return { ...(await call(method, url, body, timeoutMs, attempts > 1, headers)), attempts };
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      const reset = code === 'ECONNRESET' || code === 'EPIPE' || /socket hang up/.test(String(error));
      if (!reset || attempts >= 4) {
        throw new Error(`${method} ${url} failed after ${attempts} attempt(s)`, { cause: error });
      }
      retries += 1;
    }
  }
}

async function getJson<T>(url: string): Promise<T> {
  const reply = await callRetrying('GET', url, undefined, 120_000);
  if (reply.status !== 200) throw new Error(`GET ${url} → ${reply.status} ${reply.text.slice(0, 300)}`);
  return JSON.parse(reply.text) as T;
}

// ---- twin CPU from /proc --------------------------------------------------------------------------------------

let ticksPerSecond: number | undefined;
function cpuByGroup(root: number): { node: number; java: number } | undefined {
  try {
    ticksPerSecond ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    ticksPerSecond = 100;
  }
  const out = { node: 0, java: 0 };
  const procs = tree(root);
  if (procs.length === 0) return undefined;
  for (const p of procs) {
    try {
      const stat = readFileSync(`/proc/${p.pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const ms = ((Number(fields[11] ?? 0) + Number(fields[12] ?? 0)) * 1000) / ticksPerSecond;
      if (p.name === 'java') out.java += ms;
      else out.node += ms;
    } catch {
      // gone
    }
  }
  return out;
}

// ---- state for cleanup ------------------------------------------------------------------------------------

let twin: RunningTwin | undefined;
let dataDir: string | undefined;
let cleaning: Promise<void> | undefined;
let interrupted = false;

function cleanup(): Promise<void> {
  cleaning ??= (async () => {
    if (twin)
      await twin.stop().catch((error: unknown) => console.error(`stopping the twin: ${String(error)}`));
    agent.destroy();
    if (dataDir && !CONFIG.keep) await rm(dataDir, { recursive: true, force: true }).catch(() => undefined);
  })();
  return cleaning;
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    interrupted = true;
    console.error(`\n${signal}: stopping the twin...`);
    void cleanup().finally(() => process.exit(130));
  });
}

// ---- the run ----------------------------------------------------------------------------------------------

const wall = { startup: 0, posting: 0, advancing: 0, drain: 0, audit: 0 };
const posted = { total: 0, byStatus: {} as Record<string, number>, duplicates: 0 };
const postFailures: string[] = [];

async function advanceTo(api: string, toMs: number): Promise<number> {
  const reply = await callRetrying('POST', `${api}/_local/clock/advance`, {
    to: new Date(toMs).toISOString(),
  });
  if (reply.status === 200) return Date.parse((JSON.parse(reply.text) as { now: string }).now);
  // Real time flows between steps: the clock may already stand past a target a few seconds away.
  if (reply.status === 400 && reply.text.includes('only moves forward')) {
    return Date.parse((await getJson<{ now: string }>(`${api}/_local/clock`)).now);
  }
  throw new Error(`advance to ${new Date(toMs).toISOString()} → ${reply.status} ${reply.text.slice(0, 300)}`);
}

/** `Authorization` of the twin's `local` source: intake answers 401 without it. */
let intakeAuth: Readonly<Record<string, string>> = {};

async function postEvent(api: string, event: WorkloadEvent): Promise<void> {
  const reply = await callRetrying('POST', `${api}/events`, event.body, 60_000, intakeAuth);
  posted.total += 1;
  posted.byStatus[reply.status] = (posted.byStatus[reply.status] ?? 0) + 1;
  if (reply.status === 202) {
    // After a reset the first attempt may have been stored: a duplicate is then the expected answer.
    const { duplicate } = JSON.parse(reply.text) as { duplicate?: boolean };
    if (duplicate && reply.attempts === 1) posted.duplicates += 1;
  } else if (postFailures.length < 5) {
    postFailures.push(`${event.body.id}: ${reply.status} ${reply.text.slice(0, 200)}`);
  }
}

/** One step's events: users in parallel (bounded), each user's events in their order. */
async function postStep(api: string, events: readonly WorkloadEvent[]): Promise<void> {
  const byUser = new Map<number, WorkloadEvent[]>();
  for (const e of events) byUser.set(e.userIndex, [...(byUser.get(e.userIndex) ?? []), e]);
  const queues = [...byUser.values()];
  let next = 0;
  const worker = async () => {
    for (let q = queues[next++]; q; q = queues[next++]) {
      for (const e of q) await postEvent(api, e);
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONFIG.concurrency, queues.length) }, worker));
}

/** Every item of the table, with its approximate size, through the bench's own client (not metered). */
async function scanTable(endpoint: string): Promise<AuditItem[]> {
  const client = new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  try {
    const tables = (await client.send(new ListTablesCommand({}))).TableNames ?? [];
    const tableName = tables.includes('rebound-local') ? 'rebound-local' : tables[0];
    if (!tableName) throw new Error('DynamoDB Local has no table');
    const items: AuditItem[] = [];
    for await (const page of paginateScan({ client, pageSize: 1000 }, { TableName: tableName })) {
      for (const raw of page.Items ?? []) {
        const item = unmarshall(raw) as Record<string, unknown>;
        const ids = item.reminderIds;
        items.push({
          pk: String(item.pk),
          sk: String(item.sk),
          status: typeof item.status === 'string' ? item.status : undefined,
          dueAt: typeof item.dueAt === 'string' ? item.dueAt : undefined,
          reminderIds:
            ids instanceof Set ? [...ids].map(String) : Array.isArray(ids) ? ids.map(String) : undefined,
          messageId: typeof item.messageId === 'string' ? item.messageId : undefined,
          held: item.held === true,
          expires: item.expiresAt !== undefined,
          sizeBytes: itemSizeBytes(raw),
        });
      }
    }
    return items;
  } finally {
    client.destroy();
  }
}

/**
 * Every email SES accepted, in order, read as it arrives: the new lines of the twin's append-only record
 * (`emails.jsonl`), or, when the record is not where it used to be, the new entries of `GET /_local/emails`.
 */
class EmailFeed {
  public readonly all: SentEmail[] = [];
  private offset = 0;
  private partial = '';

  public constructor(
    private readonly api: string,
    private readonly file: string,
  ) {}

  /** The emails sent since the last call. */
  public async next(): Promise<SentEmail[]> {
    const fresh: SentEmail[] = [];
    if (existsSync(this.file)) {
      const handle = await open(this.file, 'r');
      try {
        const { size } = await handle.stat();
        if (size > this.offset) {
          const buf = Buffer.alloc(size - this.offset);
          await handle.read(buf, 0, buf.length, this.offset);
          this.offset = size;
          const lines = (this.partial + buf.toString('utf8')).split('\n');
          this.partial = lines.pop() ?? '';
          for (const line of lines) {
            const email = parseEmailLine(line);
            if (email) fresh.push(email);
          }
        }
      } finally {
        await handle.close();
      }
    } else {
      const list = await getJson<unknown[]>(`${this.api}/_local/emails`);
      for (const e of list.slice(this.all.length)) {
        const email = parseEmailLine(JSON.stringify(e));
        if (email) fresh.push(email);
      }
    }
    this.all.push(...fresh);
    return fresh;
  }
}

/**
 * Double opt-in, as the simulated users answer it: each user who asks for a confirmation and is one who
 * confirms (`confirmsConsent`, seeded) follows the link of the first request: the POST that the page's
 * "Yes" button sends. The others never answer.
 */
class ConsentAnswers {
  public readonly confirmedPks = new Set<string>();
  public confirmed = 0;
  public declined = 0;
  public failed = 0;
  private readonly decided = new Set<number>();

  public constructor(
    private readonly api: string,
    private readonly userByEmail: ReadonlyMap<string, number>,
  ) {}

  public async answer(emails: readonly SentEmail[]): Promise<void> {
    for (const email of emails) {
      const address = email.to[0];
      const user = address === undefined ? undefined : this.userByEmail.get(address);
      if (!email.confirmPath || address === undefined || user === undefined || this.decided.has(user))
        continue;
      this.decided.add(user);
      if (!confirmsConsent(CONFIG.seed, user)) {
        this.declined += 1;
        continue;
      }
      const reply = await callRetrying('POST', `${this.api}${email.confirmPath}`, new Form(''), 60_000);
      if (reply.status >= 200 && reply.status < 400) {
        this.confirmed += 1;
        this.confirmedPks.add(`USER#${userIdFor(address)}`);
      } else {
        this.failed += 1;
        if (postFailures.length < 5) postFailures.push(`confirm ${address}: ${reply.status}`);
      }
    }
  }
}

async function readMeter(api: string): Promise<{ meter: Meter } | { reason: string }> {
  const reply = await callRetrying('GET', `${api}/_local/meter`, undefined, 60_000);
  if (reply.status === 404) return { reason: 'GET /_local/meter answered 404' };
  if (reply.status !== 200) return { reason: `GET /_local/meter answered ${reply.status}` };
  const parsed = MeterSchema.safeParse(JSON.parse(reply.text));
  if (!parsed.success) return { reason: `unexpected meter shape: ${parsed.error.issues[0]?.message ?? ''}` };
  return { meter: parsed.data };
}

function readProfiles(dir: string): CpuProfile[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.cpuprofile'))
    .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as CpuProfile);
}

async function main(): Promise<number> {
  const started = performance.now();
  dataDir = await mkdtemp(join(tmpdir(), 'rebound-simulate-'));
  const env: Record<string, string> = {
    REBOUND_QUIET: '1',
    LOG_LEVEL: CONFIG.logLevel,
    REBOUND_DYNAMODB_IN_MEMORY: CONFIG.dynamoDbInMemory ? '1' : '0',
    REBOUND_METER_CAPACITY: CONFIG.meterCapacity ? '1' : '0',
  };
  if (CONFIG.cpuProf) {
    mkdirSync(PROFILE_DIR, { recursive: true });
    // Node 20 refuses --cpu-prof in NODE_OPTIONS; a preload starts the same profiler instead.
    const preload = join(ROOT, 'bench', 'support', 'cpu-profile-preload.mjs');
    env.NODE_OPTIONS = `${process.env.NODE_OPTIONS ?? ''} --import=${preload}`.trim();
    env.CPU_PROFILE_DIR = PROFILE_DIR;
    env.CPU_PROFILE_INTERVAL_US = String(CPU_PROF_INTERVAL_US);
  }
  console.log(
    `Starting the twin (data ${dataDir}, DynamoDB Local ${CONFIG.dynamoDbInMemory ? 'in memory' : 'on disk'}${CONFIG.cpuProf ? `, CPU profile to ${PROFILE_DIR}` : ''})...`,
  );
  twin = await startTwinProcess({ dataDir, env });
  const { api } = twin;
  intakeAuth = bearer(twin.credentials);
  wall.startup = performance.now() - started;

  const reset = await call('DELETE', `${api}/_local/meter`, undefined, 30_000);
  const meterResetOk = reset.status >= 200 && reset.status < 300;
  const cpuBefore = cpuByGroup(twin.pid);

  const now = Date.parse((await getJson<{ now: string }>(`${api}/_local/clock`)).now);
  const start = new Date((Math.floor(now / DAY_MS) + 1) * DAY_MS);
  const workload = generateWorkload({ users: CONFIG.users, weeks: CONFIG.weeks, seed: CONFIG.seed, start });
  const steps = planSteps(workload.events, workload.zones);
  console.log(
    `Workload: ${workload.events.length} events for ${CONFIG.users} users over ${CONFIG.weeks} weeks from ${start.toISOString()}, ${steps.length} clock steps`,
  );
  const feed = new EmailFeed(api, join(twin.dataDir, 'emails.jsonl'));
  const consent = new ConsentAnswers(
    api,
    new Map(Array.from({ length: CONFIG.users }, (_, u) => [userEmail(CONFIG.seed, u), u])),
  );
  /** What the users do after the clock moved: answer the confirmation requests that arrived. */
  const react = async () => {
    const t = performance.now();
    await consent.answer(await feed.next());
    wall.posting += performance.now() - t;
  };

  // ---- 3. the search ----
  let week = -1;
  let weekStarted = performance.now();
  let weekEvents = 0;
  for (const step of steps) {
    const stepWeek = Math.floor((step.advanceTo - start.getTime()) / (7 * DAY_MS));
    if (stepWeek !== week) {
      if (week >= 0) {
        console.log(
          `  week ${week + 1}/${CONFIG.weeks}: ${weekEvents} events in ${duration(performance.now() - weekStarted)} (total ${duration(performance.now() - started)})`,
        );
      }
      week = stepWeek;
      weekStarted = performance.now();
      weekEvents = 0;
    }
    let t = performance.now();
    await advanceTo(api, step.advanceTo);
    wall.advancing += performance.now() - t;
    await react();
    t = performance.now();
    await postStep(api, step.events);
    wall.posting += performance.now() - t;
    weekEvents += step.events.length;
  }
  console.log(
    `  week ${week + 1}/${CONFIG.weeks}: ${weekEvents} events in ${duration(performance.now() - weekStarted)} (total ${duration(performance.now() - started)})`,
  );

  // ---- 4. drain ----
  const drainStarted = performance.now();
  const end = workload.horizon + CONFIG.drainWeeks * 7 * DAY_MS;
  let clock = await advanceTo(api, workload.horizon);
  await react();
  while (clock < end) {
    clock = await advanceTo(api, Math.min(end, clock + DAY_MS));
    await react();
  }
  wall.drain = performance.now() - drainStarted;
  console.log(`  drained to ${new Date(clock).toISOString()} in ${duration(wall.drain)}`);
  const cpuAfter = cpuByGroup(twin.pid);

  // ---- 5. audit ----
  const auditStarted = performance.now();
  const meterReply = await readMeter(api);
  const endNow = Date.parse((await getJson<{ now: string }>(`${api}/_local/clock`)).now);
  await feed.next();
  const emails = feed.all;
  const [items, deadLetters, schedules] = await Promise.all([
    scanTable(twin.urls.dynamodb),
    getJson<{ scheduler: unknown[]; stream: unknown[] }>(`${api}/_local/dead-letters`),
    getJson<{ expression: string; state: string }[]>(`${api}/_local/schedules`),
  ]);
  const audit = auditTable(items, emails, consent.confirmedPks, endNow, OVERDUE_GRACE_MS);
  wall.audit = performance.now() - auditStarted;

  await twin.stop();
  twin = undefined;
  const profile = CONFIG.cpuProf ? readProfiles(PROFILE_DIR) : [];
  const profileText =
    profile.length > 0 ? renderProfileSummary(summarizeProfiles(profile, ROOT, 25)) : undefined;

  // ---- the figures ----
  const sent = audit.reminders.byStatus.sent ?? 0;
  let meterSection: SimulationReport['meter'];
  let lambda: Record<string, FunctionUsage> | undefined;
  let dynamo: { readUnits: number; writeUnits: number } | undefined;
  let schedulerInvocations: number | undefined;
  let logBytes: number | undefined;
  let reconcilerMonthlyUsd: number | undefined;
  if ('meter' in meterReply && meterResetOk) {
    const m = meterReply.meter;
    lambda = perReminderInvocations(m);
    const calls = perReminderCalls(m);
    dynamo = m.dynamodb ?? approximateDynamoUnits(dynamoCalls(calls));
    schedulerInvocations = m.invocations.sender?.count;
    logBytes = m.logs?.bytes;
    const reconciler = m.invocations.reconciler;
    if (reconciler && reconciler.count > 0) {
      reconcilerMonthlyUsd = reconcilerMonthlyLambdaUsd(reconciler.durationMs / reconciler.count);
    }
    const callsTable = callsPerReminder(calls, sent);
    // Each reconciler run Queries the pending and the sending views, whatever the load.
    const idleReconcilerCalls = m.awsCallsByFunction ? 0 : 2 * (reconciler?.count ?? 0);
    meterSection = {
      available: true,
      calls: callsTable,
      ...(idleReconcilerCalls > 0 && sent > 0
        ? { withoutSesAndIdleReconciler: callsTable.totalWithoutSes - idleReconcilerCalls / sent }
        : {}),
      callsScope: m.awsCallsByFunction
        ? 'every function but the reconciler'
        : 'every function, the reconciler’s Queries included (the meter does not split calls by function)',
      invocations: m.invocations,
      dynamoUnits: { ...dynamo, source: m.dynamodb ? 'meter' : 'approximation' },
      logBytes,
    };
  } else {
    meterSection = {
      available: false,
      reason: 'reason' in meterReply ? meterReply.reason : `DELETE /_local/meter answered ${reset.status}`,
    };
  }
  const cost =
    sent > 0
      ? costPerMillionReminders({
          remindersSent: sent,
          emails: emails.length,
          // Intake and the confirmation links both come in through the HTTP API.
          httpRequests: posted.total + consent.confirmed + consent.failed,
          lambda,
          dynamodb: dynamo,
          schedulerInvocations,
          functionLogBytes: logBytes,
        })
      : undefined;

  const failures: string[] = [];
  if (audit.doubleSends.total > 0) failures.push(`${audit.doubleSends.total} double sends`);
  if (audit.lost.total > 0) failures.push(`${audit.lost.total} lost reminders`);
  if (consent.failed > 0) failures.push(`${consent.failed} confirmation links failed`);
  if (audit.reminders.pendingNotDue > 0) {
    failures.push(`${audit.reminders.pendingNotDue} reminders still pending: drain longer (--drain-weeks)`);
  }
  const deadLetterCount = deadLetters.stream.length + deadLetters.scheduler.length;
  if (deadLetterCount > 0) {
    const first = JSON.stringify(deadLetters.stream[0] ?? deadLetters.scheduler[0]).slice(0, 400);
    failures.push(`${deadLetterCount} dead letters, the first: ${first}`);
  }
  if ((posted.byStatus[202] ?? 0) !== posted.total) {
    failures.push(
      `${posted.total - (posted.byStatus[202] ?? 0)} events not accepted: ${postFailures.join('; ')}`,
    );
  }
  if (posted.duplicates > 0) failures.push(`${posted.duplicates} fresh events answered duplicate`);

  const report: SimulationReport = {
    config: {
      users: CONFIG.users,
      weeks: CONFIG.weeks,
      seed: CONFIG.seed,
      concurrency: CONFIG.concurrency,
      drainWeeks: CONFIG.drainWeeks,
      logLevel: CONFIG.logLevel,
      dynamodb: CONFIG.dynamoDbInMemory ? 'memory' : 'disk',
    },
    workload: {
      ...workload.stats,
      clockSteps: steps.length,
      start: start.toISOString(),
      horizon: new Date(workload.horizon).toISOString(),
      end: new Date(endNow).toISOString(),
    },
    posted,
    audit,
    emails: emails.length,
    consent: { confirmed: consent.confirmed, declined: consent.declined, failed: consent.failed },
    deadLetters: { stream: deadLetters.stream.length, scheduler: deadLetters.scheduler.length },
    schedulesLeft: schedules.filter((s) => s.state === 'ENABLED' && s.expression.startsWith('at(')).length,
    wallMs: { ...wall, total: performance.now() - started },
    retriedRequests: retries,
    twinCpuMs:
      cpuBefore && cpuAfter
        ? { node: cpuAfter.node - cpuBefore.node, java: cpuAfter.java - cpuBefore.java }
        : undefined,
    meter: meterSection,
    cost,
    reconcilerMonthlyUsd,
    profile: profileText,
    ok: failures.length === 0,
    failures,
  };
  console.log(`\n${renderReport(report)}`);
  mkdirSync(join(ROOT, '.bench'), { recursive: true });
  writeFileSync(OUT_FILE, `${JSON.stringify(report, null, 2)}\n`);
  console.log(`\nJSON: ${OUT_FILE}${CONFIG.keep ? `; twin data kept in ${dataDir}` : ''}`);
  return report.ok ? 0 : 1;
}

let exitCode = 1;
try {
  exitCode = await main();
} catch (error) {
  if (!interrupted) {
    const describe = (e: unknown): string => (e instanceof Error ? (e.stack ?? e.message) : String(e));
    console.error(`simulate failed: ${describe(error)}`);
    if (error instanceof Error && error.cause) console.error(`caused by: ${describe(error.cause)}`);
    if (twin) console.error(`--- twin output (tail) ---\n${twin.output().slice(-4000)}`);
  }
} finally {
  await cleanup();
}
process.exit(interrupted ? 130 : exitCode);
