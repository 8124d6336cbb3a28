/**
 * Admin list bench (`npx tsx bench/admin-list.ts`): how fast `GET /admin/api/reminders` answers over a large
 * pending view, on the local twin started exactly as `npm start` does (a child process, loopback HTTP only,
 * a fresh temporary data directory).
 *
 * 1. Load: one user goes through the whole pipeline (event, confirmation) so the profile and reminder items
 *    the store wrote serve as templates; then BENCH_REMINDERS pending reminders (two per user, with their
 *    profiles) are written straight into DynamoDB Local with BatchWriteItem in that exact shape: `PENDING`
 *    on gsi1 by `<dueAt>#<reminderId>`, the user's live index on gsi2, slot timer names. Kinds are mixed
 *    (follow-up 50 %, thank-you 20 %, ask for feedback 15 %, apply formally 10 %, reconnect 5 %) and due
 *    times spread over the 40 weekday slots of the next 8 weeks. Only `EVENT#` inserts wake the planner, so
 *    nothing else runs on them.
 * 2. Measure, BENCH_RUNS requests each with an operator bearer token, one at a time, after 10 unmeasured:
 *    the first page (`limit=50`), cursor pages (the next BENCH_RUNS pages, walked in order), and the first
 *    page filtered by kind (`thank_you`, 20 %; `reconnect`, 5 %: more DynamoDB pages read per answer).
 *
 * Prints p50/p95/p99/max per series and whether p95 stays within TARGET_P95_MS. Exit code 1 when a check
 * fails. The twin is stopped at the end, on error and on SIGINT/SIGTERM. Environment: BENCH_REMINDERS
 * (10000), BENCH_RUNS (200).
 */
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { ReminderPage } from '../events/admin-api.ts';
import { AdminApi, seedUser } from '../harness/admin.ts';
import { OPERATOR } from '../harness/admin-auth.ts';
import { scanTable, type TableItem } from '../harness/table.ts';
import { TwinClient } from '../harness/twin-client.ts';
import { type RunningTwin, startTwinProcess } from '../harness/twin-process.ts';
import { localClientConfig } from '../infra/local/dynamodb/launcher.ts';
import { LOCAL_NAMES } from '../infra/local/wiring.ts';
import { slotScheduleNameFor, userIdFor } from '../shared/domain/ids.ts';
import { envInt } from './support/env.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
process.chdir(ROOT); // the harness starts `infra/local/main.ts` relative to the working directory

const REMINDERS = envInt('BENCH_REMINDERS', 10_000, 100, 200_000);
const RUNS = envInt('BENCH_RUNS', 200, 10, 10_000);
const WARMUP = 10;
const PAGE = 50;
const TARGET_P95_MS = 100;
const BATCH = 25;
const WRITERS = 8;

/** Cumulative shares of each kind, by the reminder's index modulo 20. */
const KIND_OF = (i: number): string => {
  const slot = i % 20;
  if (slot < 10) return 'follow_up';
  if (slot < 14) return 'thank_you';
  if (slot < 17) return 'ask_feedback';
  if (slot < 19) return 'apply_formally';
  return 'reconnect';
};

const COMPANIES = [
  'Acme Corp',
  'Globex',
  'Initech',
  'Umbrella',
  'Hooli',
  'Stark Industries',
  'Wayne Enterprises',
];

const hex = (seed: string, length: number): string =>
  createHash('sha256').update(seed).digest('hex').slice(0, length);

/** The 40 weekday 08:00 UTC slots (09:00 Berlin in winter) of the 8 weeks after `from`. */
function weekdaySlots(from: Date): string[] {
  const slots: string[] = [];
  const day = new Date(Date.UTC(from.getUTCFullYear(), from.getUTCMonth(), from.getUTCDate() + 1, 8));
  while (slots.length < 40) {
    if (day.getUTCDay() !== 0 && day.getUTCDay() !== 6) slots.push(day.toISOString());
    day.setUTCDate(day.getUTCDate() + 1);
  }
  return slots;
}

/** Profiles and reminders shaped as the templates the store wrote, `REMINDERS` of them, two per user. */
function generate(profile: TableItem, reminder: TableItem, slots: readonly string[]): TableItem[] {
  const items: TableItem[] = [];
  const users = Math.ceil(REMINDERS / 2);
  for (let u = 0; u < users; u += 1) {
    const email = `bench-${u}@example.com`;
    const userId = userIdFor(email);
    const pk = `USER#${userId}`;
    items.push({ ...profile, pk, gsi2pk: pk, userId, email, name: `Bench User ${u}` });
    for (let k = 0; k < 2 && u * 2 + k < REMINDERS; k += 1) {
      const i = u * 2 + k;
      const reminderId = `r_${hex(`bench-reminder-${i}`, 30)}`;
      // Slots in order of the index: each slot holds every kind in its share.
      const dueAt = slots[Math.floor((i * slots.length) / REMINDERS)] as string;
      const dueKey = `${dueAt}#${reminderId}`;
      const company = COMPANIES[i % COMPANIES.length] as string;
      items.push({
        ...reminder,
        pk,
        sk: `REMINDER#${reminderId}`,
        gsi1pk: 'PENDING',
        gsi1sk: dueKey,
        gsi2pk: pk,
        gsi2sk: dueKey,
        dueKey,
        userId,
        reminderId,
        dueAt,
        kind: KIND_OF(i),
        sequence: 1,
        scheduleName: slotScheduleNameFor(userId, dueAt),
        sourceEventId: `bench-event-${i}`,
        application: {
          ...(reminder.application as Record<string, unknown>),
          ref: `bench-app-${i}`,
          company,
        },
      });
    }
  }
  return items;
}

/** BatchWriteItem, 25 a call, `WRITERS` calls at once; unprocessed items are sent again. */
async function load(dynamodbUrl: string, items: readonly TableItem[]): Promise<void> {
  const client = DynamoDBDocumentClient.from(new DynamoDBClient(localClientConfig(dynamodbUrl)), {
    marshallOptions: { removeUndefinedValues: true },
  });
  const batches: TableItem[][] = [];
  for (let i = 0; i < items.length; i += BATCH) batches.push(items.slice(i, i + BATCH));
  const writer = async () => {
    for (let batch = batches.shift(); batch; batch = batches.shift()) {
      let requests = batch.map((Item) => ({ PutRequest: { Item } }));
      for (let attempt = 0; requests.length > 0; attempt += 1) {
        if (attempt > 10) throw new Error('BatchWriteItem left items unprocessed after 10 retries');
        const res = await client.send(
          new BatchWriteCommand({ RequestItems: { [LOCAL_NAMES.table]: requests } }),
        );
        requests = (res.UnprocessedItems?.[LOCAL_NAMES.table] ?? []) as typeof requests;
        if (requests.length > 0) await new Promise((resolve) => setTimeout(resolve, 50 * (attempt + 1)));
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: WRITERS }, writer));
  } finally {
    client.destroy();
  }
}

interface Series {
  readonly name: string;
  readonly ms: number[];
}

const percentile = (sorted: readonly number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN;

/** Time `GET /admin/api/reminders` with each query, in order; fails on anything but 200 with a full page (or the last). */
async function timeQueries(
  admin: AdminApi,
  queries: readonly Record<string, string | number | undefined>[],
): Promise<number[]> {
  const ms: number[] = [];
  for (const query of queries) {
    const start = performance.now();
    const res = await admin.get<ReminderPage>('reminders', query);
    const took = performance.now() - start;
    if (res.status !== 200) throw new Error(`reminders ${JSON.stringify(query)} answered ${res.status}`);
    if (res.body.items.length !== PAGE && res.body.next !== null) {
      throw new Error(`reminders ${JSON.stringify(query)} gave ${res.body.items.length} items, not ${PAGE}`);
    }
    ms.push(took);
  }
  return ms;
}

async function main(): Promise<number> {
  let twin: RunningTwin | undefined;
  const stop = async () => {
    await twin?.stop();
    process.exit(130);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    const started = performance.now();
    twin = await startTwinProcess({ env: { REBOUND_QUIET: '1' } });
    const api = new TwinClient(twin.api);
    console.log(`Twin ready in ${((performance.now() - started) / 1000).toFixed(1)} s at ${twin.api}`);

    // 1. Load
    const template = await seedUser(api, { label: 'bench-template' });
    const own = (await scanTable(twin.urls.dynamodb)).filter((i) => i.pk === `USER#${template.userId}`);
    const profile = own.find((i) => i.sk === 'PROFILE');
    const reminder = own.find((i) => i.sk.startsWith('REMINDER#') && i.status === 'pending');
    if (!profile || !reminder) throw new Error('The template user has no profile or pending reminder');
    const items = generate(profile, reminder, weekdaySlots(await api.now()));
    const loadStart = performance.now();
    await load(twin.urls.dynamodb, items);
    const loadS = (performance.now() - loadStart) / 1000;
    console.log(
      `Loaded ${REMINDERS} pending reminders and ${items.length - REMINDERS} profiles in ${loadS.toFixed(1)} s ` +
        `(${Math.round(items.length / loadS)} items/s, BatchWriteItem)`,
    );

    // 2. Measure
    const admin = await AdminApi.as(twin.api, OPERATOR);
    const cursors: string[] = [];
    const walkStart = performance.now();
    let next: string | null | undefined;
    let seen = 0;
    do {
      const res = await admin.get<ReminderPage>('reminders', { limit: 200, cursor: next ?? undefined });
      if (res.status !== 200) throw new Error(`walking the list: ${res.status}`);
      seen += res.body.items.length;
      next = res.body.next;
    } while (next);
    const walkS = (performance.now() - walkStart) / 1000;
    if (seen < REMINDERS) throw new Error(`The list shows ${seen} pending reminders, not ${REMINDERS}`);
    console.log(`Walked all ${seen} pending reminders at limit=200 in ${walkS.toFixed(2)} s`);

    next = undefined;
    while (cursors.length < RUNS) {
      const res: { body: ReminderPage } = await admin.get<ReminderPage>('reminders', {
        limit: PAGE,
        cursor: next ?? undefined,
      });
      if (!res.body.next) break;
      cursors.push(res.body.next);
      next = res.body.next;
    }
    const repeat = (query: Record<string, string | number>) =>
      Array.from({ length: RUNS + WARMUP }, () => ({ ...query }));
    const series: Series[] = [];
    const run = async (name: string, queries: Record<string, string | number | undefined>[]) => {
      await timeQueries(admin, queries.slice(0, WARMUP));
      series.push({ name, ms: await timeQueries(admin, queries.slice(WARMUP)) });
    };
    await run('first page, limit=50', repeat({ limit: PAGE }));
    await run(
      'cursor pages, limit=50',
      // Every page after the first, in order (again from the start if the list has fewer than RUNS).
      Array.from({ length: WARMUP + RUNS }, (_, i) => ({
        limit: PAGE,
        cursor: cursors[(i < WARMUP ? i : i - WARMUP) % cursors.length],
      })),
    );
    await run('kind=thank_you (20 %), limit=50', repeat({ limit: PAGE, kind: 'thank_you' }));
    await run('kind=reconnect (5 %), limit=50', repeat({ limit: PAGE, kind: 'reconnect' }));

    console.log(`\nGET /admin/api/reminders over ${REMINDERS} pending, ${RUNS} requests each (ms)`);
    console.log(
      `${'series'.padEnd(36)}${'p50'.padStart(8)}${'p95'.padStart(8)}${'p99'.padStart(8)}${'max'.padStart(8)}`,
    );
    let failed = false;
    for (const s of series) {
      const sorted = [...s.ms].sort((a, b) => a - b);
      const [p50, p95, p99] = [50, 95, 99].map((p) => percentile(sorted, p)) as [number, number, number];
      const max = sorted.at(-1) ?? Number.NaN;
      const ok = p95 <= TARGET_P95_MS;
      failed ||= !ok;
      console.log(
        `${s.name.padEnd(36)}${[p50, p95, p99, max].map((v) => v.toFixed(1).padStart(8)).join('')}  ${ok ? 'ok' : `p95 over ${TARGET_P95_MS} ms`}`,
      );
    }
    console.log(`Target: p95 <= ${TARGET_P95_MS} ms: ${failed ? 'MISSED' : 'met'}`);
    return failed ? 1 : 0;
  } finally {
    await twin?.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
