/**
 * `npm run fuzz -- --requests 10000 --seed 1 --concurrency 8`: seeded, generated requests against the public
 * API of a local twin it starts itself (a child process, fresh data directory, loopback HTTP only).
 *
 * The public routes: `POST /events`, with the twin's `local` source's API key or a Standard Webhooks
 * signature, and with no, forged, stale or unknown credentials (`support/fuzz-auth.ts`: each of those must
 * answer 401 and leave nothing); the link pages `GET|POST /links/{action}?t=<token>`, with tokens signed
 * by the twin's own key ring as well as forged, tampered, expired and garbage ones (a valid token only on
 * GET, which must change nothing); the stylesheet under `/assets/`. Other methods and paths are tried too
 * (they must answer 4xx, not fail). The `/_local/*` controls are not public and are not fuzzed; the run only
 * uses them to read the clock, let the planner catch up and read the dead letters.
 *
 * Prints the count by status, by kind of request and by credential (the 401s of the forged ones), every 5xx with its request (there must be none), and
 * the written check (`support/fuzz-audit.ts`): a full table Scan showing that exactly the accepted events
 * were stored, unchanged, and that refused requests left nothing. Then the planner's outcome for what was
 * accepted: events planned, events failed, dead letters. Exit code 1 when any check fails.
 *
 * The requests depend on the seed only (`support/fuzz-requests.ts`); they are sent in waves of at most
 * `--concurrency`, so the answers do too.
 */
import { Agent, request as httpRequest } from 'node:http';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { TwinClient } from '../harness/twin-client.ts';
import { type RunningTwin, startTwinProcess } from '../harness/twin-process.ts';
import { type Accepted, audit, auditPassed, scanTable } from './support/fuzz-audit.ts';
import { type AuthUsed, authenticate } from './support/fuzz-auth.ts';
import {
  type FuzzCategory,
  type FuzzRequest,
  generateRequests,
  REUSE_DISTANCE,
} from './support/fuzz-requests.ts';
import { TokenMinter } from './support/fuzz-tokens.ts';

process.chdir(fileURLToPath(new URL('..', import.meta.url))); // the harness starts the twin from the repo root
// The audit's own DynamoDB client would otherwise print the SDK's Node.js version notice (the twin sets it too).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const REQUEST_TIMEOUT_MS = 30_000;
/** How many `POST /_local/clock/advance` rounds the planner gets to catch up before the check is taken. */
const SETTLE_ROUNDS = 20;

function options(): { requests: number; seed: number; concurrency: number } {
  const { values } = parseArgs({
    options: {
      requests: { type: 'string', default: '10000' },
      seed: { type: 'string', default: '1' },
      concurrency: { type: 'string', default: '8' },
    },
  });
  const int = (name: string, raw: string, min: number, max: number): number => {
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max)
      throw new Error(`--${name} must be an integer in [${min}, ${max}]`);
    return n;
  };
  return {
    requests: int('requests', values.requests, 1, 1_000_000),
    seed: int('seed', values.seed, 0, 2 ** 32 - 1),
    concurrency: int('concurrency', values.concurrency, 1, REUSE_DISTANCE),
  };
}

interface Answer {
  readonly request: FuzzRequest;
  /** How a request to `POST /events` authenticated; undefined for other routes. */
  readonly auth?: AuthUsed;
  /** The HTTP status, or 0 for a timeout or a broken connection. */
  readonly status: number;
  readonly body: string;
}

function send(api: URL, agent: Agent, request: FuzzRequest): Promise<Answer> {
  return new Promise((resolve) => {
    const headers: Record<string, string | number> = { ...request.headers };
    if (request.body) headers['content-length'] = request.body.length;
    const req = httpRequest(
      { host: api.hostname, port: api.port, method: request.method, path: request.path, headers, agent },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({ request, status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', (error) => resolve({ request, status: 0, body: `response error: ${error.message}` }));
      },
    );
    req.setTimeout(REQUEST_TIMEOUT_MS, () => req.destroy(new Error('timeout')));
    req.on('error', (error) => resolve({ request, status: 0, body: `request error: ${error.message}` }));
    req.end(request.body);
  });
}

/** The request as a reader can replay it: method, path, headers and the body (cut at 600 characters). */
function describe(request: FuzzRequest): string {
  const body = request.body?.toString('utf8') ?? '';
  const shown = body.length > 600 ? `${body.slice(0, 600)}… (${request.body?.length} bytes)` : body;
  return `#${request.index} [${request.category}] ${request.note}\n    ${request.method} ${request.path} ${JSON.stringify(request.headers)}\n    ${JSON.stringify(shown)}`;
}

function acceptedOf(answer: Answer): Accepted | undefined {
  const { method, path } = answer.request;
  const intake = method === 'POST' && new URL(path, 'http://localhost').pathname === '/events';
  if (!intake || answer.status !== 202) return undefined;
  const body = JSON.parse(answer.body) as { eventId: string; duplicate: boolean };
  return { request: answer.request, eventId: body.eventId, duplicate: body.duplicate };
}

async function main(): Promise<number> {
  const opts = options();
  const started = performance.now();
  let twin: RunningTwin | undefined;
  const stop = async () => {
    await twin?.stop();
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => void stop().finally(() => process.exit(130)));
  }
  try {
    twin = await startTwinProcess({ env: { REBOUND_QUIET: '1' } });
    const { credentials } = twin;
    const client = new TwinClient(twin.api, credentials);
    const now = await client.now();
    const requests = generateRequests({ count: opts.requests, seed: opts.seed, now });
    console.log(
      `Fuzz: ${opts.requests} requests, seed ${opts.seed}, concurrency ${opts.concurrency}, against ${twin.api} (twin clock ${now.toISOString()})`,
    );

    const minter = await TokenMinter.forTwin(twin.dataDir, now);
    const before = await scanTable(twin.urls.dynamodb);
    const api = new URL(twin.api);
    const agent = new Agent({ keepAlive: true, maxSockets: opts.concurrency });
    const answers: Answer[] = [];
    for (let i = 0; i < requests.length; i += opts.concurrency) {
      const wave = requests.slice(i, i + opts.concurrency);
      answers.push(
        ...(await Promise.all(
          wave.map(async (r) => {
            const { request, auth } = authenticate(await minter.materialize(r), credentials);
            return { ...(await send(api, agent, request)), ...(auth ? { auth } : {}) };
          }),
        )),
      );
      if ((i / opts.concurrency) % 250 === 0 && i > 0) process.stdout.write(`  … ${i} sent\n`);
    }
    agent.destroy();
    const sentMs = performance.now() - started;

    // Let the planner catch up on what was accepted: each advance returns once the stream is drained.
    const accepted = answers.map(acceptedOf).filter((a): a is Accepted => a !== undefined);
    let after = await scanTable(twin.urls.dynamodb);
    let result = audit(before, after, accepted);
    for (
      let round = 0;
      round < SETTLE_ROUNDS && result.plannedEvents + result.failedEvents.length < result.storedEvents;
      round += 1
    ) {
      await client.advance('PT1S').catch((error: unknown) => console.log(`  (advance: ${String(error)})`));
      after = await scanTable(twin.urls.dynamodb);
      result = audit(before, after, accepted);
    }
    const deadLetters = await client.deadLetters();

    // ---- report ------------------------------------------------------------------------------------------
    const byStatus = new Map<number, number>();
    const byCategory = new Map<FuzzCategory, Map<number, number>>();
    for (const a of answers) {
      byStatus.set(a.status, (byStatus.get(a.status) ?? 0) + 1);
      const row = byCategory.get(a.request.category) ?? new Map<number, number>();
      row.set(a.status, (row.get(a.status) ?? 0) + 1);
      byCategory.set(a.request.category, row);
    }
    const statuses = [...byStatus.keys()].sort((a, b) => a - b);
    console.log('\nBy status:');
    for (const s of statuses) console.log(`  ${String(s === 0 ? 'none' : s).padEnd(5)} ${byStatus.get(s)}`);
    console.log('\nBy kind of request:');
    for (const [category, row] of [...byCategory].sort(([a], [b]) => a.localeCompare(b))) {
      const cells = [...row].sort(([a], [b]) => a - b).map(([s, n]) => `${s === 0 ? 'none' : s}: ${n}`);
      console.log(`  ${category.padEnd(14)} ${cells.join(', ')}`);
    }

    console.log('\nBy credential (POST /events):');
    const byAuth = new Map<AuthUsed, Map<number, number>>();
    for (const a of answers) {
      if (!a.auth) continue;
      const row = byAuth.get(a.auth) ?? new Map<number, number>();
      row.set(a.status, (row.get(a.status) ?? 0) + 1);
      byAuth.set(a.auth, row);
    }
    for (const [auth, row] of [...byAuth].sort(([a], [b]) => a.localeCompare(b))) {
      const cells = [...row].sort(([a], [b]) => a - b).map(([s, n]) => `${s === 0 ? 'none' : s}: ${n}`);
      console.log(`  ${auth.padEnd(18)} ${cells.join(', ')}`);
    }
    const forged = answers.filter((a) => a.auth && a.auth !== 'api-key' && a.auth !== 'signature');
    const forgedIn = forged.filter((a) => a.status !== 401);
    console.log(
      `  forged or missing credentials: ${forged.length}, answered 401: ${forged.length - forgedIn.length}: ${forgedIn.length === 0 ? 'ok' : 'FAILED'}`,
    );
    for (const f of forgedIn.slice(0, 10))
      console.log(`    ${f.status}: ${f.body.slice(0, 200)}\n    ${describe(f.request)}`);

    const failures = answers.filter((a) => a.status >= 500 || a.status === 0);
    console.log(`\n5xx (or no answer): ${failures.length}`);
    for (const f of failures.slice(0, 20))
      console.log(`  ${f.status}: ${f.body.slice(0, 200)}\n  ${describe(f.request)}`);
    const leaks = answers.filter((a) => /\bat \S+ \(|node:internal|\.[jt]s:\d+:\d+/.test(a.body));
    console.log(`Answers that leak a stack trace or error text: ${leaks.length}`);
    for (const l of leaks.slice(0, 5))
      console.log(`  ${l.status}: ${l.body.slice(0, 200)}\n  ${describe(l.request)}`);

    const duplicates = accepted.filter((a) => a.duplicate).length;
    const ok = (pass: boolean) => (pass ? 'ok' : 'FAILED');
    console.log(
      `\nWritten check (full table Scan: ${result.itemsBefore} items before, ${result.itemsAfter} after):`,
    );
    console.log(
      `  202 answers: ${accepted.length} (${result.acceptedNew} new, ${duplicates} duplicate:true)`,
    );
    console.log(
      `  EVENT# items written: ${result.storedEvents}, distinct 202 duplicate:false answers: ${result.acceptedNew}; missing ${result.missingEvents.length}, unexpected ${result.unexpectedEvents.length}: ${ok(result.storedEvents === result.acceptedNew && result.missingEvents.length === 0 && result.unexpectedEvents.length === 0)}`,
    );
    console.log(
      `  stored events equal to what their accepting request said: ${result.storedEvents - result.alteredEvents.length}/${result.storedEvents}: ${ok(result.alteredEvents.length === 0)}`,
    );
    console.log(
      `  items outside the partitions of users named by accepted requests: ${result.strayItems.length}: ${ok(result.strayItems.length === 0)}`,
    );
    console.log(`  new items by kind: ${JSON.stringify(result.newItemsByKind)}`);
    for (const list of [
      result.missingEvents,
      result.unexpectedEvents,
      result.alteredEvents,
      result.strayItems,
    ]) {
      for (const item of list.slice(0, 5)) console.log(`    ${item}`);
    }
    console.log('\nPlanner, for what was accepted:');
    console.log(
      `  events planned: ${result.plannedEvents}/${result.storedEvents}, marked failed: ${result.failedEvents.length}`,
    );
    for (const f of result.failedEvents.slice(0, 5)) console.log(`    ${f}`);
    console.log(
      `  dead letters: stream ${deadLetters.stream.length}, scheduler ${deadLetters.scheduler.length}`,
    );
    console.log(
      `\nWall time: ${(sentMs / 1000).toFixed(1)} s sending, ${((performance.now() - started) / 1000).toFixed(1)} s in all`,
    );

    const passed =
      failures.length === 0 &&
      forgedIn.length === 0 &&
      leaks.length === 0 &&
      auditPassed(result) &&
      result.plannedEvents + result.failedEvents.length === result.storedEvents &&
      deadLetters.stream.length === 0 &&
      deadLetters.scheduler.length === 0;
    console.log(passed ? '\nPASSED' : '\nFAILED');
    if (!passed) console.log(`Twin output (tail):\n${twin.output().slice(-4000)}`);
    return passed ? 0 : 1;
  } finally {
    await stop();
  }
}

process.exitCode = await main().catch((error: unknown) => {
  console.error(error);
  return 1;
});
