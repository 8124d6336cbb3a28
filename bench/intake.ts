/**
 * Intake and pipeline bench (`npm run bench`), against the local twin started exactly as `npm start` does
 * (a child process, loopback HTTP only, a fresh temporary data directory):
 *
 *  1. Intake: `POST /events` latency (p50/p95/p99) and events/s at 1, 10 and 50 connections (autocannon,
 *     2 s warm-up then 10 s measured per level), once per way of authenticating, in one run:
 *     - `signature`: Standard Webhooks headers over the exact body (`events/client.ts`'s `signWebhook`, a
 *       fresh `webhook-id` per request), to `POST /events?source=local`;
 *     - `api-key`: `Authorization: Bearer rbk_local_…`, the same work without signature verification;
 *     - `rejected` (for comparison): no credentials, every answer a `401 missing_credentials`: the floor of
 *       gateway and function, no source read, no rate counter, no event stored.
 *     Every accepted request is a distinct valid event (unique `id`, 500 users, based on
 *     `events/fixtures/application.submitted.json`). Any answer other than the mode's (202, or 401 for
 *     `rejected`), socket error, timeout or `duplicate: true` fails the bench.
 *     Beside the HTTP figures, the credential checks alone, in this process: CPU per check of the intake's
 *     own verifier (`StandardWebhooksVerifier`, one secret and two during a rotation) and of the API key
 *     comparison (`apiKeyMatches`), over the same body. CPU time, so it hardly moves with the machine's load
 *     while the latencies do.
 *  2. Timer fire → email: N users each submit a (backfilled) application and confirm through their
 *     confirmation email (double opt-in), so their first follow-up comes due in the same send slot; the clock is moved to just before it, then the wall time of the one
 *     `POST /_local/clock/advance` that crosses the slot is divided by the emails it sent. `GET
 *     /_local/emails` must show exactly N new emails, one per user. A small cohort goes through first so
 *     the sender, renderer and SES paths are warm. This part runs first, on the fresh twin: the intake
 *     leaves thousands of events for the planner to catch up on, which would land inside the measured
 *     advance.
 *  3. Memory: RSS of the twin's process tree (node and its java child, DynamoDB Local), sampled every
 *     250 ms from `/proc` for the whole run; peak per group and peak total.
 *
 * Prints a table and writes `.bench/intake.json`. Exit code 1 when a check fails. The twin is stopped at
 * the end, on error and on SIGINT/SIGTERM. Environment (for quick tries): BENCH_DURATION_S (10),
 * BENCH_WARMUP_S (2), BENCH_CONNECTIONS ("1,10,50"), BENCH_AUTH ("signature,api-key,rejected"),
 * BENCH_LAG_USERS (50).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, cpus, loadavg, release, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { signWebhook } from '../events/client.ts';
import { confirmUsers } from '../harness/consent.ts';
import { bearer, type SourceCredentials } from '../harness/credentials.ts';
import { fixture } from '../harness/scenario.ts';
import { TwinClient } from '../harness/twin-client.ts';
import { type RunningTwin, startTwinProcess } from '../harness/twin-process.ts';
import { StandardWebhooksVerifier } from '../shared/adapters/webhook-verifier.ts';
import { apiKeyMatches, hashApiKey } from '../shared/domain/sources.ts';
import { type AutocannonInstance, type AutocannonResult, autocannon } from './support/autocannon.ts';
import { envInt } from './support/env.ts';
import { procAvailable, type RssPeaks, RssSampler, treeCpuMs } from './support/process-tree.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
process.chdir(ROOT); // the harness starts `infra/local/main.ts` relative to the working directory

/** How the intake requests authenticate (see the header). */
const AUTH_MODES = ['signature', 'api-key', 'rejected'] as const;
type AuthMode = (typeof AUTH_MODES)[number];

const CONFIG = {
  authModes: (process.env.BENCH_AUTH ?? AUTH_MODES.join(',')).split(',').map((m) => {
    if (!(AUTH_MODES as readonly string[]).includes(m))
      throw new Error(`BENCH_AUTH: a list of ${AUTH_MODES.join(', ')}`);
    return m as AuthMode;
  }),
  connections: (process.env.BENCH_CONNECTIONS ?? '1,10,50').split(',').map((c) => {
    const n = Number(c);
    if (!Number.isInteger(n) || n < 1 || n > 200) throw new Error('BENCH_CONNECTIONS: integers in [1, 200]');
    return n;
  }),
  warmupS: envInt('BENCH_WARMUP_S', 2, 0, 30),
  durationS: envInt('BENCH_DURATION_S', 10, 1, 60),
  /** autocannon's per-request timeout (s); a timeout counts as a failure. */
  requestTimeoutS: 10,
  /**
   * Intake events rotate over this many users; every event is a new application of its user. Realistic:
   * the planner reads a user's reminders on every event, so piling thousands of applications on a handful
   * of users would measure a job search nobody has.
   */
  intakeUsers: 500,
  lagUsers: envInt('BENCH_LAG_USERS', 50, 1, 500),
  lagWarmupUsers: 3,
  /** How far before the due instant the clock is parked before the measured advance (real time flows). */
  parkBeforeMs: 10_000,
  rssIntervalMs: 250,
  /** The whole bench gives up (and stops the twin) after this: three ways in, three levels each. */
  maxRunMs: 15 * 60_000,
} as const;

const OUT_FILE = join(ROOT, '.bench', 'intake.json');
const DAY_MS = 86_400_000;
const runStarted = performance.now();

// ---- state for cleanup ------------------------------------------------------------------------------------

let twin: RunningTwin | undefined;
let dataDir: string | undefined;
let sampler: RssSampler | undefined;
let cannon: AutocannonInstance | undefined;
let twinPid: number | undefined;
let cleaning: Promise<void> | undefined;
let interrupted = false;

function cleanup(): Promise<void> {
  cleaning ??= (async () => {
    sampler?.stop();
    cannon?.stop();
    if (twin)
      await twin.stop().catch((error: unknown) => console.error(`stopping the twin: ${String(error)}`));
    // Interrupted while the twin was starting: end it by pid (it stops its java child itself).
    else if (twinPid !== undefined) process.kill(twinPid, 'SIGTERM');
    if (dataDir) await rm(dataDir, { recursive: true, force: true }).catch(() => undefined);
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
const watchdog = setTimeout(() => {
  console.error(`bench: gave up after ${CONFIG.maxRunMs / 1000} s`);
  void cleanup().finally(() => process.exit(1));
}, CONFIG.maxRunMs);

// ---- helpers ----------------------------------------------------------------------------------------------

const failures: string[] = [];
const fail = (message: string) => failures.push(message);

/** Nearest-rank percentile of an ascending array. */
const percentile = (sorted: readonly number[], p: number): number =>
  sorted.length === 0
    ? Number.NaN
    : (sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN);
const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

function table(headers: string[], rows: (string | number)[][]): string {
  const cells = [headers, ...rows.map((r) => r.map(String))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) =>
    `  ${r.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ')}`;
  const rule = `  ${widths.map((w) => '-'.repeat(w)).join('  ')}`;
  return [line(headers), rule, ...cells.slice(1).map(line)].join('\n');
}

/** Twin CPU (node + java), or NaN without /proc. */
const twinCpuMs = (): number => (twinPid === undefined ? Number.NaN : treeCpuMs(twinPid));

/**
 * Wait until the twin is idle: an advance by zero queues behind every request already in the twin (those
 * autocannon abandoned at the end of a run too) and returns once the stream is drained. Returns its ms.
 */
async function quiesce(api: string): Promise<number> {
  const started = performance.now();
  const res = await fetch(`${api}/_local/clock/advance`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ by: 'PT0S' }),
    signal: AbortSignal.timeout(300_000),
  });
  if (res.status !== 200) throw new Error(`quiesce: ${res.status} ${await res.text()}`);
  return performance.now() - started;
}

// ---- 1. intake --------------------------------------------------------------------------------------------

let sequence = 0;
const runTag = Date.now().toString(36);

/** A distinct valid event: unique id, one of the intake users, a new application each time. */
function nextEventBody(): string {
  const n = sequence++;
  const email = `bench.intake.${n % CONFIG.intakeUsers}@example.com`;
  // No occurredAt: it defaults to now, so the reminders land 7 days out.
  return JSON.stringify(
    fixture('application.submitted', {
      email,
      id: `bench-${runTag}-${n}`,
      ref: `acme-backend-${runTag}-${n}`,
    }),
  );
}

interface LoadRun {
  readonly result: AutocannonResult;
  readonly latenciesMs: number[];
  readonly duplicates: number;
  readonly errorMessages: Map<string, number>;
}

/** The path and headers of one request of `mode` for `body`: signed per request, so each one is fresh. */
function authenticated(
  mode: AuthMode,
  body: string,
  credentials: SourceCredentials,
): { path: string; headers: Record<string, string> } {
  const json = { 'content-type': 'application/json' };
  switch (mode) {
    case 'signature':
      return {
        path: `/events?source=${credentials.sourceId}`,
        headers: {
          ...json,
          ...signWebhook({
            secret: credentials.webhookSecret,
            id: `msg_bench_${runTag}_${sequence}`,
            timestamp: new Date(),
            body,
          }),
        },
      };
    case 'api-key':
      return { path: '/events', headers: { ...json, ...bearer(credentials) } };
    case 'rejected':
      return { path: '/events', headers: json };
  }
}

/** The one status a mode's requests must get. */
const expectedStatus = (mode: AuthMode) => (mode === 'rejected' ? 401 : 202);

async function load(
  twin: Pick<RunningTwin, 'api' | 'credentials'>,
  mode: AuthMode,
  connections: number,
  durationS: number,
): Promise<LoadRun> {
  const latenciesMs: number[] = [];
  const errorMessages = new Map<string, number>();
  let duplicates = 0;
  const instance = autocannon({
    url: twin.api,
    connections,
    duration: durationS,
    timeout: CONFIG.requestTimeoutS,
    requests: [
      {
        method: 'POST',
        path: '/events',
        setupRequest: (request) => {
          const body = nextEventBody();
          return { ...request, ...authenticated(mode, body, twin.credentials), body };
        },
        onResponse: (status, body) => {
          if (status !== 202) return;
          try {
            if ((JSON.parse(body) as { duplicate?: unknown }).duplicate !== false) duplicates += 1;
          } catch {
            duplicates += 1;
          }
        },
      },
    ],
  });
  cannon = instance;
  instance.on('response', (_client, _status, _bytes, ms) => {
    if (latenciesMs.length < 5_000_000) latenciesMs.push(ms);
  });
  instance.on('reqError', (error) => {
    errorMessages.set(error.message, (errorMessages.get(error.message) ?? 0) + 1);
  });
  const result = await instance;
  cannon = undefined;
  return { result, latenciesMs, duplicates, errorMessages };
}

interface IntakeLevel {
  auth: AuthMode;
  connections: number;
  measuredS: number;
  requests: number;
  eventsPerSecond: number;
  latencyMs: { p50: number; p95: number; p99: number; max: number; mean: number };
  autocannonLatencyMs: { p50: number; p97_5: number; p99: number };
  non2xx: number;
  /** Answers other than the mode's expected status. */
  unexpected: number;
  errors: number;
  timeouts: number;
  duplicates: number;
  statusCodes: Record<string, number>;
  /** Twin CPU (node + java) during the measured window, per accepted event: ingest and planning. */
  twinCpuMsPerEvent: number;
  /** Time for the twin to go idle after the measured window (abandoned requests, planner catch-up). */
  settleAfterMs: number;
  warmup: { seconds: number; requests: number; non2xx: number; errors: number };
}

async function intakeLevel(twin: RunningTwin, mode: AuthMode, connections: number): Promise<IntakeLevel> {
  const { api } = twin;
  const warm = CONFIG.warmupS > 0 ? await load(twin, mode, connections, CONFIG.warmupS) : undefined;
  await quiesce(api); // the measured window starts on an idle twin
  const cpuBefore = twinCpuMs();
  const run = await load(twin, mode, connections, CONFIG.durationS);
  const cpuMs = twinCpuMs() - cpuBefore;
  const settleAfterMs = await quiesce(api);
  const { result } = run;
  const sorted = [...run.latenciesMs].sort((a, b) => a - b);
  const sum = sorted.reduce((a, b) => a + b, 0);
  const expected = expectedStatus(mode);
  // Requests answered as the mode expects: 2xx (accepted events), or the 401s of `rejected`.
  const answered = mode === 'rejected' ? (result.statusCodeStats['401']?.count ?? 0) : result['2xx'];
  const unexpected = result.latency.totalCount - answered - result.errors;
  const level: IntakeLevel = {
    auth: mode,
    connections,
    measuredS: result.duration,
    requests: answered,
    eventsPerSecond: round(answered / result.duration, 0),
    latencyMs: {
      p50: round(percentile(sorted, 50), 2),
      p95: round(percentile(sorted, 95), 2),
      p99: round(percentile(sorted, 99), 2),
      max: round(sorted.at(-1) ?? Number.NaN, 2),
      mean: round(sum / Math.max(1, sorted.length), 2),
    },
    autocannonLatencyMs: { p50: result.latency.p50, p97_5: result.latency.p97_5, p99: result.latency.p99 },
    non2xx: result.non2xx,
    unexpected,
    errors: result.errors,
    timeouts: result.timeouts,
    duplicates: run.duplicates,
    statusCodes: Object.fromEntries(Object.entries(result.statusCodeStats).map(([k, v]) => [k, v.count])),
    twinCpuMsPerEvent: round(cpuMs / Math.max(1, answered), 1),
    settleAfterMs: round(settleAfterMs, 0),
    warmup: {
      seconds: warm?.result.duration ?? 0,
      requests: warm?.result['2xx'] ?? 0,
      non2xx: warm?.result.non2xx ?? 0,
      errors: warm?.result.errors ?? 0,
    },
  };
  const where = `intake ${mode} c=${connections}`;
  if (unexpected > 0)
    fail(`${where}: ${unexpected} answers other than ${expected} ${JSON.stringify(level.statusCodes)}`);
  if (level.errors > 0)
    fail(
      `${where}: ${level.errors} errors (${level.timeouts} timeouts) ${JSON.stringify(Object.fromEntries(run.errorMessages))}`,
    );
  if (level.duplicates > 0) fail(`${where}: ${level.duplicates} responses said duplicate for a fresh id`);
  if (level.requests === 0) fail(`${where}: no request completed`);
  const warmExpected =
    mode === 'rejected' ? (warm?.result.statusCodeStats['401']?.count ?? 0) : (warm?.result['2xx'] ?? 0);
  if (
    warm &&
    (warm.result.latency.totalCount - warmExpected - warm.result.errors > 0 || warm.result.errors > 0)
  ) {
    fail(`${where} warm-up: ${JSON.stringify(warm.result.statusCodeStats)}, ${warm.result.errors} errors`);
  }
  return level;
}

interface CheckCost {
  readonly check: string;
  readonly iterations: number;
  /** CPU microseconds per check (user + system of this process). */
  readonly cpuUsPerCheck: number;
}

/** CPU per credential check, in this process: the work intake adds to a request, without HTTP or the table. */
function credentialCheckCosts(credentials: SourceCredentials, iterations = 20_000): CheckCost[] {
  const body = Buffer.from(nextEventBody(), 'utf8');
  const id = 'msg_bench_check';
  const now = new Date();
  const headers = signWebhook({
    secret: credentials.webhookSecret,
    id,
    timestamp: now,
    body: body.toString(),
  });
  const message = {
    id,
    timestamp: headers['webhook-timestamp'],
    signature: headers['webhook-signature'],
    body,
  };
  const verifier = new StandardWebhooksVerifier();
  const rotated = `whsec_${Buffer.from('the other secret during rotation').toString('base64')}`;
  const hash = hashApiKey(credentials.apiKey);
  const measure = (check: string, run: () => boolean): CheckCost => {
    for (let i = 0; i < 1_000; i += 1) run(); // warm up (and build the verifier's per-secret state)
    const before = process.cpuUsage();
    let ok = true;
    for (let i = 0; i < iterations; i += 1) ok = run() && ok;
    const used = process.cpuUsage(before);
    if (!ok) fail(`credential check ${check}: did not verify`);
    return { check, iterations, cpuUsPerCheck: round((used.user + used.system) / iterations, 2) };
  };
  return [
    measure('signature, 1 secret', () => verifier.verify(message, [credentials.webhookSecret]) === 'valid'),
    measure(
      'signature, 2 secrets (rotation)',
      () => verifier.verify(message, [rotated, credentials.webhookSecret]) === 'valid',
    ),
    measure('API key (SHA-256, constant-time compare)', () => apiKeyMatches(credentials.apiKey, hash)),
  ];
}

/** Per connection count run in both modes: the p50/p99 of signed requests beside those with the API key. */
function compareAuth(levels: readonly IntakeLevel[]) {
  return CONFIG.connections.flatMap((connections) => {
    const of = (auth: AuthMode) => levels.find((l) => l.auth === auth && l.connections === connections);
    const signature = of('signature');
    const apiKey = of('api-key');
    if (!signature || !apiKey) return [];
    const pick = (l: IntakeLevel) => ({ p50: l.latencyMs.p50, p99: l.latencyMs.p99 });
    return [{ connections, signature: pick(signature), apiKey: pick(apiKey) }];
  });
}

const signed = (n: number) => `${n >= 0 ? '+' : ''}${n.toFixed(2)}`;

// ---- 2. timer fire → email --------------------------------------------------------------------------------

interface Cohort {
  readonly emails: string[];
  readonly dueAt: Date;
}

/**
 * `count` new users, each with one application submitted 8 days ago: the first follow-up (due a day ago)
 * moves to the next send slot, the same for all of them. Returns that slot, read from the schedules.
 */
async function cohort(client: TwinClient, label: string, count: number): Promise<Cohort> {
  const before = new Set((await client.schedules()).map((s) => s.name));
  const occurredAt = new Date((await client.now()).getTime() - 8 * DAY_MS);
  const emails = Array.from({ length: count }, (_, i) => `bench.${label}.${i}@example.com`);
  for (const [i, email] of emails.entries()) {
    const res = await client.postEvent(
      fixture('application.submitted', { email, occurredAt, id: `bench-${runTag}-${label}-${i}` }),
    );
    if (res.status !== 202)
      throw new Error(`${label}: POST /events → ${res.status} ${JSON.stringify(res.body)}`);
  }
  // Double opt-in: reminders are held until each user confirms (settles the stream before and after).
  await confirmUsers(client, emails);
  await client.advance('PT0S'); // returns once the stream is drained: every timer is scheduled
  const all = await client.schedules();
  const oneTime = (s: (typeof all)[number]) =>
    s.state === 'ENABLED' && s.expression.startsWith('at(') && s.nextFireAt;
  const fresh = all.filter((s) => !before.has(s.name) && oneTime(s));
  if (fresh.length === 0) throw new Error(`${label}: no schedule was created`);
  const dueMs = Math.min(...fresh.map((s) => Date.parse(s.nextFireAt ?? '')));
  const atDue = fresh.filter((s) => Date.parse(s.nextFireAt ?? '') === dueMs);
  if (atDue.length !== count) {
    throw new Error(
      `${label}: expected ${count} timers due at ${new Date(dueMs).toISOString()}, found ${atDue.length}`,
    );
  }
  const others = all.filter(
    (s) => oneTime(s) && !atDue.includes(s) && Date.parse(s.nextFireAt ?? '') <= dueMs,
  );
  if (others.length > 0) throw new Error(`${label}: ${others.length} other timers are due by then`);
  return { emails, dueAt: new Date(dueMs) };
}

interface PipelineLag {
  users: number;
  dueAt: string;
  emailsExpected: number;
  emailsSent: number;
  wallMs: number;
  meanMsPerEmail: number;
  /** Twin CPU (node + java) during the measured advance, per email. */
  twinCpuMsPerEmail: number;
  allSentAtDueInstant: boolean;
  warmupCohort: { users: number; emailsSent: number; wallMs: number };
}

async function pipelineLag(client: TwinClient): Promise<PipelineLag> {
  // Warm-up cohort: one full fire → render → send round before the measured one.
  const warm = await cohort(client, 'lag-warmup', CONFIG.lagWarmupUsers);
  await client.advanceTo(new Date(warm.dueAt.getTime() - CONFIG.parkBeforeMs));
  const warmBefore = (await client.emails()).length; // their confirmation emails are older
  const warmStart = performance.now();
  await client.advanceTo(new Date(warm.dueAt.getTime() + 1_000));
  const warmWall = performance.now() - warmStart;
  const warmSent = (await client.emails())
    .slice(warmBefore)
    .filter((e) => e.to.some((to) => warm.emails.includes(to))).length;
  if (warmSent !== CONFIG.lagWarmupUsers)
    fail(`pipeline warm-up: ${warmSent}/${CONFIG.lagWarmupUsers} emails`);

  const main = await cohort(client, 'lag', CONFIG.lagUsers);
  await client.advanceTo(new Date(main.dueAt.getTime() - CONFIG.parkBeforeMs));
  const before = (await client.emails()).length;
  const cpuBefore = twinCpuMs();
  const started = performance.now();
  await client.advanceTo(new Date(main.dueAt.getTime() + 1_000)); // the measured advance: crosses the slot
  const wallMs = performance.now() - started;
  const cpuMs = twinCpuMs() - cpuBefore;

  const emails = await client.emails();
  const fresh = emails.slice(before);
  const ours = fresh.filter((e) => e.to.some((to) => main.emails.includes(to)));
  const perUser = new Map<string, number>();
  for (const e of ours) for (const to of e.to) perUser.set(to, (perUser.get(to) ?? 0) + 1);
  const exactlyOneEach = main.emails.every((to) => perUser.get(to) === 1);
  const allAtDue = ours.every((e) => Date.parse(e.sentAt) === main.dueAt.getTime());
  if (fresh.length !== CONFIG.lagUsers || ours.length !== CONFIG.lagUsers || !exactlyOneEach) {
    fail(
      `pipeline: expected exactly ${CONFIG.lagUsers} new emails, one per user; got ${fresh.length} new, ${ours.length} to the cohort`,
    );
  }
  if (!allAtDue) fail('pipeline: some emails were not sent at the due instant (virtual time)');
  return {
    users: CONFIG.lagUsers,
    dueAt: main.dueAt.toISOString(),
    emailsExpected: CONFIG.lagUsers,
    emailsSent: fresh.length,
    wallMs: round(wallMs, 1),
    meanMsPerEmail: round(wallMs / Math.max(1, fresh.length), 2),
    twinCpuMsPerEmail: round(cpuMs / Math.max(1, fresh.length), 1),
    allSentAtDueInstant: allAtDue,
    warmupCohort: { users: CONFIG.lagWarmupUsers, emailsSent: warmSent, wallMs: round(warmWall, 1) },
  };
}

// ---- main -------------------------------------------------------------------------------------------------

const machine = {
  cores: availableParallelism(),
  cpu: cpus()[0]?.model.trim() ?? 'unknown',
  memoryGb: round(totalmem() / 1024 ** 3, 1),
  node: process.version,
  os: `${process.platform} ${release()}`,
  loadAverageAtStart: loadavg().map((l) => round(l, 2)),
};
const loadLine = (load: number[]) =>
  `load average ${load.map((l) => l.toFixed(2)).join(' ')}${(load[0] ?? 0) > machine.cores ? ` (busier than ${machine.cores} cores: figures inflated by other work)` : ''}`;

async function main(): Promise<number> {
  console.log('Rebound intake bench (local twin, loopback only)');
  console.log(
    `Machine: ${machine.cores} cores (${machine.cpu}), ${machine.memoryGb} GB RAM, Node ${machine.node}, ${machine.os}`,
  );
  console.log(`At start: ${loadLine(machine.loadAverageAtStart)}`);
  console.log(
    `Plan: intake (${CONFIG.authModes.join(', ')}) at ${CONFIG.connections.join('/')} connections (${CONFIG.warmupS} s warm-up + ${CONFIG.durationS} s each); ` +
      `timer → email with ${CONFIG.lagUsers} users; RSS every ${CONFIG.rssIntervalMs} ms. The load generator shares the machine.\n`,
  );

  dataDir = await mkdtemp(join(tmpdir(), 'rebound-bench-'));
  // Sample from the moment the twin's process exists, so its start-up counts too.
  const proc = procAvailable();
  const startAt = performance.now();
  twin = await startTwinProcess({
    dataDir,
    env: { REBOUND_QUIET: '1' },
    onSpawn: (pid) => {
      twinPid = pid;
      if (!proc) return;
      sampler = new RssSampler(pid, CONFIG.rssIntervalMs);
      sampler.start();
    },
  });
  const startupMs = performance.now() - startAt;
  console.log(`Twin ready in ${seconds(startupMs)} at ${twin.api}`);
  if (!sampler) console.log('RSS/CPU: /proc or the twin process not found; no memory figures');
  const client = new TwinClient(twin.api);

  sampler?.setPhase('pipeline');
  console.log(
    `Timer → email: ${CONFIG.lagWarmupUsers} warm-up users, then ${CONFIG.lagUsers} users in one slot...`,
  );
  const lag = await pipelineLag(client);

  const intake: IntakeLevel[] = [];
  for (const mode of CONFIG.authModes) {
    for (const connections of CONFIG.connections) {
      sampler?.setPhase(`intake ${mode} c=${connections}`);
      console.log(`Intake (${mode}) at ${connections} connection${connections === 1 ? '' : 's'}...`);
      intake.push(await intakeLevel(twin, mode, connections));
    }
  }
  sampler?.setPhase('end');
  const checks = credentialCheckCosts(twin.credentials);
  const memory: RssPeaks | undefined = sampler?.stop();

  // ---- report ----
  console.log(
    '\n1. Intake: POST /events (each request a distinct event; 202 expected, 401 for rejected)\n' +
      '   signature: Standard Webhooks HMAC verified; api-key: Bearer key hashed and compared; ' +
      'rejected: no credentials (the floor, no table work)',
  );
  console.log(
    table(
      [
        'auth',
        'connections',
        'events',
        'events/s',
        'p50 ms',
        'p95 ms',
        'p99 ms',
        'max ms',
        'unexpected',
        'errors',
        'timeouts',
        'twin CPU/event',
        'idle after',
      ],
      intake.map((l) => [
        l.auth,
        l.connections,
        l.requests,
        l.eventsPerSecond,
        l.latencyMs.p50.toFixed(2),
        l.latencyMs.p95.toFixed(2),
        l.latencyMs.p99.toFixed(2),
        l.latencyMs.max.toFixed(1),
        l.unexpected,
        l.errors - l.timeouts,
        l.timeouts,
        `${l.twinCpuMsPerEvent.toFixed(1)} ms`,
        seconds(l.settleAfterMs),
      ]),
    ),
  );
  const signedVsKey = compareAuth(intake);
  if (signedVsKey.length > 0) {
    console.log('\n   Signature verification against the API key (same work otherwise), p50 / p99:');
    console.log(
      table(
        ['connections', 'signature p50', 'api-key p50', 'Δ p50', 'signature p99', 'api-key p99', 'Δ p99'],
        signedVsKey.map((c) => [
          c.connections,
          c.signature.p50.toFixed(2),
          c.apiKey.p50.toFixed(2),
          signed(c.signature.p50 - c.apiKey.p50),
          c.signature.p99.toFixed(2),
          c.apiKey.p99.toFixed(2),
          signed(c.signature.p99 - c.apiKey.p99),
        ]),
      ),
    );
  }
  console.log(
    `\n   The credential check alone (in-process CPU per check, ${checks[0]?.iterations ?? 0} checks each, body ${Buffer.byteLength(nextEventBody())} bytes):`,
  );
  console.log(
    table(
      ['check', 'CPU per check'],
      checks.map((c) => [c.check, `${c.cpuUsPerCheck.toFixed(2)} µs`]),
    ),
  );
  console.log('\n2. Timer fire → email (one clock advance across a slot where every user has a timer due)');
  console.log(
    table(
      ['users', 'emails expected', 'emails sent', 'advance wall time', 'mean per email', 'twin CPU/email'],
      [
        [
          lag.users,
          lag.emailsExpected,
          lag.emailsSent,
          `${lag.wallMs.toFixed(0)} ms`,
          `${lag.meanMsPerEmail.toFixed(1)} ms`,
          `${lag.twinCpuMsPerEmail.toFixed(1)} ms`,
        ],
      ],
    ),
  );
  console.log(
    `  (slot ${lag.dueAt}; all sent at the due instant: ${lag.allSentAtDueInstant ? 'yes' : 'NO'}; ` +
      `warm-up cohort: ${lag.warmupCohort.emailsSent} emails in ${lag.warmupCohort.wallMs.toFixed(0)} ms)`,
  );
  if (memory) {
    const otherNames = [
      ...new Set(memory.processes.map((p) => p.name).filter((n) => n !== 'node' && n !== 'java')),
    ].join(', ');
    console.log(
      `\n3. Twin peak RSS over the whole run (${memory.samples} samples, every ${memory.intervalMs} ms)`,
    );
    console.log(
      table(
        ['process', 'peak RSS'],
        [
          ['node (twin)', `${memory.peakMb.node.toFixed(1)} MB`],
          ['java (DynamoDB Local)', `${memory.peakMb.java.toFixed(1)} MB`],
          ...(memory.peakMb.other > 0
            ? [[`other (${otherNames})`, `${memory.peakMb.other.toFixed(1)} MB`]]
            : []),
          ['total (same instant)', `${memory.peakMb.total.toFixed(1)} MB`],
        ],
      ),
    );
    console.log(
      `  peak total by phase: ${Object.entries(memory.peakTotalByPhaseMb)
        .map(([k, v]) => `${k} ${v.toFixed(0)} MB`)
        .join(', ')}`,
    );
  }

  const loadAverageAtEnd = loadavg().map((l) => round(l, 2));
  console.log(`\nAt end: ${loadLine(loadAverageAtEnd)}`);
  const totalRunMs = performance.now() - runStarted;
  const report = {
    generatedAt: new Date().toISOString(),
    ok: failures.length === 0,
    failures,
    machine: { ...machine, loadAverageAtEnd },
    config: CONFIG,
    twin: { startupMs: round(startupMs, 0) },
    intake,
    signatureVsApiKey: signedVsKey,
    credentialChecks: checks,
    pipeline: lag,
    memory: memory ?? null,
    totalRunMs: round(totalRunMs, 0),
  };
  mkdirSync(join(ROOT, '.bench'), { recursive: true });
  writeFileSync(OUT_FILE, `${JSON.stringify(report, null, 2)}\n`);
  console.log(`\nTotal run time ${seconds(totalRunMs)}; JSON: ${OUT_FILE}`);
  if (failures.length > 0) {
    console.error(`\nBENCH FAILED:\n${failures.map((f) => `  - ${f}`).join('\n')}`);
    return 1;
  }
  return 0;
}

let exitCode = 1;
try {
  exitCode = await main();
} catch (error) {
  // After Ctrl-C the twin (same process group) stops by itself and requests fail: not worth a report.
  if (!interrupted) {
    console.error(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    if (twin) console.error(`--- twin output (tail) ---\n${twin.output().slice(-4000)}`);
  }
} finally {
  clearTimeout(watchdog);
  await cleanup();
}
process.exit(interrupted ? 130 : exitCode);
