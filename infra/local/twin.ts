/**
 * The local twin: the AWS stack of Rebound on one machine, in one process tree.
 *
 *   HTTP gateway ─▶ ingest ─▶ DynamoDB Local ─▶ stream poller ─▶ planner ─▶ Scheduler emulator ─▶ sender ─▶ SES
 *
 * The functions are the real `functions/*.ts` handlers, invoked in-process with the same event shapes
 * AWS delivers, talking to the emulators through the real AWS SDK v3 clients (endpoints from the SDK's
 * standard `AWS_ENDPOINT_URL_<SERVICE>` variables). Time is virtual and can be moved forward.
 */

import { appendFile, readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import {
  ConflictException,
  CreateScheduleCommand,
  CreateScheduleGroupCommand,
  SchedulerClient,
} from '@aws-sdk/client-scheduler';
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { Duration } from 'luxon';
// A namespace import lets esbuild drop what is unused (all locales but the default): ~85 KB instead of ~450 KB.
import * as z from 'zod';
import { useClock } from '../../shared/adapters/clock.ts';
import { PLANNER_STREAM_FILTER } from '../../shared/table-definition.ts';
import { type DynamoDbLocal, ensureTable, startDynamoDbLocal } from './dynamodb-local.ts';
import { readBody, sendJson, toApiGatewayEvent, writeResult } from './http-gateway.ts';
import { lambdaContext } from './lambda-context.ts';
import { SchedulerEmulator } from './scheduler-emulator.ts';
import { type SesTwin, startSes } from './ses-recorder.ts';
import { StreamPoller } from './stream-poller.ts';
import { VirtualClock } from './virtual-clock.ts';

const ACCOUNT = '000000000000';
const REGION = 'us-east-1';
export const LOCAL_NAMES = {
  table: 'rebound-local',
  scheduleGroup: 'rebound',
  senderArn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:rebound-sender`,
  reconcilerArn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:rebound-reconciler`,
  schedulerRoleArn: `arn:aws:iam::${ACCOUNT}:role/rebound-scheduler`,
  schedulerDlqArn: `arn:aws:sqs:${REGION}:${ACCOUNT}:rebound-scheduler-dlq`,
  reconcilerSchedule: 'rebound-reconciler',
  mailFrom: 'Rebound <reminders@rebound.local>',
} as const;

/** `sam@example.com` → `s**@example.com`: enough to tell users apart on a console, no more. */
export function maskEmail(address: string): string {
  const [local = '', domain = ''] = address.split('@');
  return `${local.slice(0, 1)}${'*'.repeat(Math.max(1, Math.min(local.length - 1, 6)))}@${domain}`;
}

export interface TwinOptions {
  /** Gateway port (default 3000); SES, Scheduler and DynamoDB take the next three unless set. */
  readonly port: number;
  readonly dataDir: string;
  readonly sesPort?: number;
  readonly schedulerPort?: number;
  readonly dynamoPort?: number;
  readonly log?: (line: string) => void;
}

export interface Twin {
  readonly urls: {
    readonly api: string;
    readonly mailViewer: string;
    readonly deadLetters: string;
    readonly scheduler: string;
    readonly dynamodb: string;
  };
  advanceTo(to: Date): Promise<Date>;
  stop(): Promise<void>;
}

const AdvanceSchema = z.union([
  z.strictObject({
    by: z
      .string()
      .refine(
        (v) => Duration.fromISO(v).isValid && Duration.fromISO(v).toMillis() >= 0,
        'must be a non-negative ISO 8601 duration such as P3D or PT2H',
      ),
  }),
  z.strictObject({ to: z.iso.datetime({ offset: true, message: 'must be an ISO 8601 date-time' }) }),
]);

/** Serialises the clock, the timers and the stream: one "tick" of the world at a time. */
class Mutex {
  private tail: Promise<unknown> = Promise.resolve();
  public run<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.tail.then(fn, fn);
    this.tail = next.catch(() => undefined);
    return next;
  }
}

export async function startTwin(options: TwinOptions): Promise<Twin> {
  const log = options.log ?? ((line: string) => console.log(line));
  const dataDir = resolve(options.dataDir);
  const sesPort = options.sesPort ?? options.port + 1;
  const schedulerPort = options.schedulerPort ?? options.port + 2;
  const dynamoPort = options.dynamoPort ?? options.port + 3;

  const clock = new VirtualClock(join(dataDir, 'clock.json'));
  await clock.load();
  useClock(clock);

  const dynamo: DynamoDbLocal = await startDynamoDbLocal({
    dataDir: join(dataDir, 'dynamodb'),
    port: dynamoPort,
  });
  const started: { close(): Promise<void> }[] = [{ close: () => dynamo.stop() }];
  try {
    const ses: SesTwin = await startSes({
      port: sesPort,
      logFile: join(dataDir, 'emails.jsonl'),
      clock,
      // One line per email so `npm start` shows the pipeline at work; the address is masked.
      onEmail: (e) => log(`[mail] ${e.sentAt} to ${e.to.map(maskEmail).join(', ')}: ${e.subject}`),
    });
    started.push(ses);

    // The functions read these once at cold start, exactly as on Lambda.
    Object.assign(process.env, {
      AWS_REGION: REGION,
      AWS_ACCESS_KEY_ID: process.env.AWS_ACCESS_KEY_ID ?? 'local',
      AWS_SECRET_ACCESS_KEY: process.env.AWS_SECRET_ACCESS_KEY ?? 'local',
      AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
      AWS_ENDPOINT_URL_DYNAMODB_STREAMS: dynamo.endpoint,
      AWS_ENDPOINT_URL_SESV2: ses.endpoint,
      AWS_ENDPOINT_URL_SCHEDULER: `http://127.0.0.1:${schedulerPort}`,
      TABLE_NAME: LOCAL_NAMES.table,
      SCHEDULE_GROUP: LOCAL_NAMES.scheduleGroup,
      SENDER_FUNCTION_ARN: LOCAL_NAMES.senderArn,
      SCHEDULER_ROLE_ARN: LOCAL_NAMES.schedulerRoleArn,
      SCHEDULER_DLQ_ARN: LOCAL_NAMES.schedulerDlqArn,
      MAIL_FROM: LOCAL_NAMES.mailFrom,
      POWERTOOLS_SERVICE_NAME: 'rebound-local',
      POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? process.env.LOG_LEVEL ?? 'WARN',
      POWERTOOLS_METRICS_DISABLED: 'true',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    });

    const dynamoClient = new DynamoDBClient({ endpoint: dynamo.endpoint, region: REGION });
    const { streamArn } = await ensureTable(dynamoClient, LOCAL_NAMES.table);

    const [ingestFn, plannerFn, senderFn, reconcilerFn] = await Promise.all([
      import('../../functions/ingest.ts'),
      import('../../functions/planner.ts'),
      import('../../functions/sender.ts'),
      import('../../functions/reconciler.ts'),
    ]);

    const functionsByArn = new Map<string, (input: unknown) => Promise<unknown>>([
      [LOCAL_NAMES.senderArn, (input) => senderFn.handler(input, lambdaContext('rebound-sender'))],
      [
        LOCAL_NAMES.reconcilerArn,
        (input) => reconcilerFn.handler(input, lambdaContext('rebound-reconciler')),
      ],
    ]);

    const deadLettersFile = join(dataDir, 'stream-failures.jsonl');
    const scheduler = new SchedulerEmulator({
      dataFile: join(dataDir, 'scheduler.json'),
      clock,
      invoke: async (targetArn, input) => {
        const fn = functionsByArn.get(targetArn);
        if (!fn) throw new Error(`No local function for ${targetArn}`);
        await fn(input === undefined ? {} : JSON.parse(input));
      },
      log: (msg, data) => {
        if (process.env.REBOUND_TWIN_DEBUG) log(`[scheduler] ${msg} ${JSON.stringify(data ?? {})}`);
      },
    });
    await scheduler.load();
    await scheduler.listen(schedulerPort, '127.0.0.1');
    started.push(scheduler);

    // The reconciler's recurring schedule, as the CDK stack defines it on AWS.
    const schedulerClient = new SchedulerClient({
      endpoint: `http://127.0.0.1:${schedulerPort}`,
      region: REGION,
      maxAttempts: 1,
    });
    // The `rebound` group, as the stateful stack creates it on AWS.
    try {
      await schedulerClient.send(new CreateScheduleGroupCommand({ Name: LOCAL_NAMES.scheduleGroup }));
    } catch (error) {
      if (!(error instanceof ConflictException)) throw error;
    }
    if (!scheduler.list().some((s) => s.name === LOCAL_NAMES.reconcilerSchedule)) {
      await schedulerClient.send(
        new CreateScheduleCommand({
          Name: LOCAL_NAMES.reconcilerSchedule,
          ScheduleExpression: 'rate(5 minutes)',
          FlexibleTimeWindow: { Mode: 'OFF' },
          Target: { Arn: LOCAL_NAMES.reconcilerArn, RoleArn: LOCAL_NAMES.schedulerRoleArn, Input: '{}' },
        }),
      );
    }

    const poller = new StreamPoller({
      streamsClient: new DynamoDBStreamsClient({ endpoint: dynamo.endpoint, region: REGION }),
      streamArn,
      checkpointFile: join(dataDir, 'stream-checkpoint.json'),
      handler: (event: DynamoDBStreamEvent) =>
        plannerFn.handler(event, lambdaContext('rebound-planner')) as Promise<DynamoDBBatchResponse>,
      filter: PLANNER_STREAM_FILTER,
      batchSize: 25,
      maximumRetryAttempts: 3,
      bisectBatchOnFunctionError: true,
      reportBatchItemFailures: true,
      onFailure: async (failure) => {
        await appendFile(
          deadLettersFile,
          `${JSON.stringify({ at: clock.now().toISOString(), source: 'stream', error: failure.error, attempts: failure.attempts, sequenceNumbers: failure.records.map((r) => r.dynamodb?.SequenceNumber) })}\n`,
        );
      },
    });
    const world = new Mutex();

    /** Fire what is due now and let the stream settle, until nothing moves. */
    const settle = async (): Promise<void> => {
      await poller.drain();
      for (let i = 0; i < 1000; i += 1) {
        const fired = await scheduler.fireDue();
        await poller.drain();
        if (fired === 0) return;
      }
    };
    const nextOneTimeDue = (): Date | undefined => {
      let next: Date | undefined;
      for (const s of scheduler.list()) {
        if (s.state !== 'ENABLED' || !s.expression.startsWith('at(') || !s.nextFireAt) continue;
        const at = new Date(s.nextFireAt);
        if (!next || at < next) next = at;
      }
      return next;
    };

    const advanceTo = (to: Date): Promise<Date> =>
      world.run(async () => {
        clock.freeze();
        try {
          await settle();
          // Step from one timer to the next, so every email is sent at its own (virtual) time.
          for (let due = nextOneTimeDue(); due && due <= to; due = nextOneTimeDue()) {
            await clock.moveTo(due);
            await settle();
            if (nextOneTimeDue()?.getTime() === due.getTime()) break; // a timer that cannot leave (should not happen)
          }
          await clock.moveTo(to);
          await settle();
          return clock.now();
        } finally {
          clock.thaw();
        }
      });

    // Real time also flows: timers that come due while nobody advances the clock still fire.
    const ticker = setInterval(() => {
      void world.run(settle).catch((error: unknown) => log(`[twin] tick failed: ${String(error)}`));
    }, 1000);
    poller.start(250);

    let ready = false;
    let urls: Twin['urls'] | undefined;
    const gateway: Server = createServer((req, res) => {
      void route(req, res).catch((error: unknown) => {
        log(`[gateway] ${String(error)}`);
        if (!res.headersSent) sendJson(res, 500, { message: 'Internal Server Error' });
      });
    });
    const route = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const key = `${req.method} ${url.pathname}`;
      if (key === 'POST /events') {
        const body = await readBody(req);
        if (body === 'too_large') return sendJson(res, 413, { message: 'Request Entity Too Large' });
        const event = toApiGatewayEvent(req, body, 'POST /events');
        // Not under the world lock: on AWS intake never waits for planning or timers.
        const result = await ingestFn.handler(event, lambdaContext('rebound-ingest'));
        if (process.env.REBOUND_QUIET !== '1') log(`[api] POST /events → ${result.statusCode ?? 200}`);
        return writeResult(res, result);
      }
      if (key === 'GET /_local/health') {
        return ready
          ? sendJson(res, 200, { status: 'ok', urls })
          : sendJson(res, 503, { status: 'starting' });
      }
      if (key === 'GET /_local/clock') return sendJson(res, 200, { now: clock.now().toISOString() });
      if (key === 'POST /_local/clock/advance') {
        const body = await readBody(req, 4096);
        let parsed: z.infer<typeof AdvanceSchema>;
        try {
          parsed = AdvanceSchema.parse(JSON.parse(body === 'too_large' ? '' : body.toString('utf8') || '{}'));
        } catch (error) {
          const issues =
            error instanceof z.ZodError
              ? error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }))
              : [{ path: '', message: 'Malformed JSON' }];
          return sendJson(res, 400, {
            error: 'invalid_request',
            message: 'Send {"by":"P3D"} or {"to":"2027-01-01T09:00:00Z"}',
            issues,
          });
        }
        const target =
          'by' in parsed
            ? new Date(clock.now().getTime() + Duration.fromISO(parsed.by).toMillis())
            : new Date(parsed.to);
        if (target.getTime() < clock.now().getTime()) {
          return sendJson(res, 400, {
            error: 'invalid_request',
            message: `The clock only moves forward; it is now ${clock.now().toISOString()}`,
            issues: [{ path: 'to', message: 'must not be before the current virtual time' }],
          });
        }
        const now = await advanceTo(target);
        log(`[clock] now ${now.toISOString()}`);
        return sendJson(res, 200, { now: now.toISOString() });
      }
      if (key === 'GET /_local/emails') return sendJson(res, 200, await ses.emails());
      if (key === 'GET /_local/schedules') return sendJson(res, 200, scheduler.list());
      if (key === 'GET /_local/dead-letters') {
        let stream: unknown[] = [];
        try {
          stream = (await readFile(deadLettersFile, 'utf8'))
            .split('\n')
            .filter(Boolean)
            .map((l) => JSON.parse(l));
        } catch {
          stream = [];
        }
        return sendJson(res, 200, { scheduler: scheduler.deadLetters(), stream });
      }
      if (key === 'POST /_local/schedules/fire') {
        const body = await readBody(req, 4096);
        const { name, group } = z
          .object({ name: z.string().min(1), group: z.string().optional() })
          .parse(JSON.parse(body === 'too_large' ? '{}' : body.toString('utf8') || '{}'));
        await world.run(async () => {
          await scheduler.fireNow(name, group ?? LOCAL_NAMES.scheduleGroup);
          await poller.drain();
        });
        return sendJson(res, 200, { fired: name });
      }
      return sendJson(res, 404, { message: 'Not Found' });
    };
    await new Promise<void>((ok, fail) => {
      gateway.once('error', fail);
      gateway.listen(options.port, '127.0.0.1', () => ok());
    });
    const apiPort = (gateway.address() as AddressInfo).port;
    urls = {
      api: `http://127.0.0.1:${apiPort}`,
      mailViewer: ses.endpoint,
      deadLetters: `http://127.0.0.1:${apiPort}/_local/dead-letters`,
      scheduler: `http://127.0.0.1:${schedulerPort}`,
      dynamodb: dynamo.endpoint,
    };
    // Catch up on anything that came due while the twin was stopped.
    await world.run(settle);
    ready = true;

    let stopped = false;
    return {
      urls,
      advanceTo,
      stop: async () => {
        if (stopped) return;
        stopped = true;
        clearInterval(ticker);
        gateway.closeAllConnections();
        await new Promise<void>((ok) => gateway.close(() => ok()));
        await world.run(async () => {
          await poller.stop();
          await clock.save();
        });
        for (const part of started.reverse()) await part.close();
      },
    };
  } catch (error) {
    for (const part of started.reverse()) await part.close().catch(() => undefined);
    throw error;
  }
}
