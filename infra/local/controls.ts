/**
 * The local controls, `/_local/*`: what a developer or a test uses to look inside the twin and move its
 * time. None of them exists on AWS. The README lists them; their paths and shapes are kept stable.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { DateTime, Duration } from 'luxon';
// A namespace import lets esbuild drop what is unused (all locales but the default).
import * as z from 'zod';
import { AdminActionRefusedError, NotFoundError } from '../../shared/errors.ts';
import type { Clock, RedriveResult } from '../../shared/ports.ts';
import {
  type AwsCallMeter,
  applyFaultsControl,
  type ConsumedCapacityMeter,
  clearFaultsControl,
  type FaultRegistry,
  type InvocationMeter,
} from './faults/index.ts';
import type { EmulatedSchedule } from './scheduler-emulator.ts';
import type { RecordedEmail } from './ses-recorder.ts';
import { type Routes, readBody, sendJson } from './support/http.ts';
import type { World } from './world.ts';

/** The twin's own time zone: calendar durations (`P1M`) are added on the UTC calendar. */
export const TWIN_ZONE = 'UTC';
const CONTROL_MAX_BODY_BYTES = 4096;

/** Every part's URL, as `GET /_local/health` and `npm start` show them. */
export interface TwinUrls {
  readonly api: string;
  readonly mailViewer: string;
  readonly deadLetters: string;
  readonly scheduler: string;
  readonly dynamodb: string;
  /** The KMS emulator (`npm run sources` seals secrets with it). */
  readonly kms: string;
  /** The admin view (sign in as `operator@local` or `viewer@local` on the local issuer's page). */
  readonly admin: string;
}

export const AdvanceRequestSchema = z.union([
  z.strictObject({
    by: z.string().refine((value) => {
      const duration = Duration.fromISO(value);
      return duration.isValid && Object.values(duration.toObject()).every((n) => n >= 0);
    }, 'must be a non-negative ISO 8601 duration such as P3D, PT2H or P1M'),
  }),
  z.strictObject({ to: z.iso.datetime({ offset: true, message: 'must be an ISO 8601 date-time' }) }),
]);
export type AdvanceRequest = z.infer<typeof AdvanceRequestSchema>;

const FireRequestSchema = z.strictObject({ name: z.string().min(1), group: z.string().min(1).optional() });
const RedriveRequestSchema = z.strictObject({ queue: z.string().min(1).max(64) });

/** Where an advance lands: `by` is calendar arithmetic in the twin's zone (P1M from 31 Jan is 28 Feb). */
export function advanceTarget(now: Date, request: AdvanceRequest): Date {
  if ('to' in request) return new Date(request.to);
  return DateTime.fromJSDate(now, { zone: TWIN_ZONE }).plus(Duration.fromISO(request.by)).toJSDate();
}

export interface ControlsDeps {
  readonly clock: Clock;
  readonly world: Pick<World, 'advanceTo' | 'runAndSettle'>;
  readonly timers: {
    list(): readonly EmulatedSchedule[];
    fireNow(name: string, group: string): Promise<void>;
    deadLetters(): readonly unknown[];
  };
  /** The group `POST /_local/schedules/fire` uses when the body names none. */
  readonly scheduleGroup: string;
  emails(): Promise<readonly RecordedEmail[]>;
  streamDeadLetters(): Promise<readonly unknown[]>;
  /**
   * Hand a queue's dead letters back to the pipeline (`POST /_local/dead-letters/redrive`, which the admin
   * view's redrive calls). Absent: that route answers 404.
   */
  readonly redriveDeadLetters?: ((queue: string) => Promise<RedriveResult>) | undefined;
  /** The parts' URLs once everything is up; `undefined` while the twin starts. */
  urls(): TwinUrls | undefined;
  /** The key id (alias) the functions and `npm run sources` use with the KMS emulator, told by health. */
  readonly kmsKeyId?: string;
  /** What the AWS proxies in front of the emulators inject (`/_local/faults`). */
  readonly faults: FaultRegistry;
  /** The handlers' AWS calls, as the proxies count them, and the functions' invocations (`/_local/meter`). */
  readonly meters: {
    readonly awsCalls: AwsCallMeter;
    readonly invocations: InvocationMeter;
    /** Present when the twin meters DynamoDB capacity (`REBOUND_METER_CAPACITY`). */
    readonly consumedCapacity?: ConsumedCapacityMeter | undefined;
  };
  readonly log: (line: string) => void;
}

export function localControls(deps: ControlsDeps): Routes {
  const { clock } = deps;
  return {
    'GET /_local/health': (_req, res) => {
      const urls = deps.urls();
      if (urls) sendJson(res, 200, { status: 'ok', urls, kmsKeyId: deps.kmsKeyId });
      else sendJson(res, 503, { status: 'starting' });
    },
    'GET /_local/clock': (_req, res) => sendJson(res, 200, { now: clock.now().toISOString() }),
    'POST /_local/clock/advance': async (req, res) => {
      const hint = 'Send {"by":"P3D"} or {"to":"2027-01-01T09:00:00Z"}';
      const request = await readRequest(req, res, AdvanceRequestSchema, hint);
      if (!request) return;
      const start = clock.now(); // read once: real time flows, and PT0S must not land in the past
      const target = advanceTarget(start, request);
      if (target.getTime() < start.getTime()) {
        return sendJson(res, 400, {
          error: 'invalid_request',
          message: `The clock only moves forward; it is now ${start.toISOString()}`,
          issues: [{ path: 'to', message: 'must not be before the current virtual time' }],
        });
      }
      const now = await deps.world.advanceTo(target);
      deps.log(`[clock] now ${now.toISOString()}`);
      sendJson(res, 200, { now: now.toISOString() });
    },
    'GET /_local/emails': async (_req, res) => sendJson(res, 200, await deps.emails()),
    'GET /_local/schedules': (_req, res) => sendJson(res, 200, deps.timers.list()),
    'GET /_local/dead-letters': async (_req, res) =>
      sendJson(res, 200, { scheduler: deps.timers.deadLetters(), stream: await deps.streamDeadLetters() }),
    'POST /_local/dead-letters/redrive': async (req, res) => {
      const hint = 'Send {"queue":"scheduler"} or {"queue":"stream"}';
      const request = await readRequest(req, res, RedriveRequestSchema, hint);
      if (!request) return;
      const redrive = deps.redriveDeadLetters;
      if (!redrive) return sendJson(res, 404, { error: 'not_found', message: 'No redrive in this twin' });
      try {
        const result = await redrive(request.queue);
        deps.log(`[dead-letters] ${request.queue}: ${result.redriven} redriven, ${result.remaining} remain`);
        sendJson(res, 200, {
          redriven: result.redriven,
          remaining: result.remaining,
          notes: result.notes ?? [],
        });
      } catch (error) {
        if (error instanceof NotFoundError) {
          return sendJson(res, 404, { error: 'not_found', message: error.message });
        }
        if (error instanceof AdminActionRefusedError) {
          return sendJson(res, 409, { error: 'action_refused', message: error.message });
        }
        throw error;
      }
    },
    'POST /_local/schedules/fire': async (req, res) => {
      const request = await readRequest(req, res, FireRequestSchema, 'Send {"name":"<schedule name>"}');
      if (!request) return;
      const { name, group = deps.scheduleGroup } = request;
      const found = await deps.world.runAndSettle(async () => {
        if (!deps.timers.list().some((s) => s.name === name && s.groupName === group)) return false;
        await deps.timers.fireNow(name, group);
        return true;
      });
      if (!found) {
        return sendJson(res, 404, { error: 'not_found', message: `No schedule ${name} in group ${group}` });
      }
      sendJson(res, 200, { fired: name });
    },
    'GET /_local/faults': (_req, res) => sendJson(res, 200, { rules: deps.faults.list() }),
    'POST /_local/faults': async (req, res) => {
      const hint = 'Send {"operation":"SES.SendEmail","effect":"fail","count":3}, or an array of rules';
      const body = await readJson(req, res, hint);
      if (body === undefined) return;
      const { status, body: answer } = applyFaultsControl(deps.faults, body);
      if (status === 200) deps.log(`[faults] ${JSON.stringify(deps.faults.list())}`);
      sendJson(res, status, answer);
    },
    'DELETE /_local/faults': (_req, res) => {
      const { status, body } = clearFaultsControl(deps.faults);
      sendJson(res, status, body);
    },
    'GET /_local/meter': (_req, res) => sendJson(res, 200, meterSnapshot(deps.meters)),
    'DELETE /_local/meter': (_req, res) => {
      // Read and reset in one step: the answer holds exactly what was cleared.
      const cleared = meterSnapshot(deps.meters);
      deps.meters.awsCalls.reset();
      deps.meters.invocations.reset();
      deps.meters.consumedCapacity?.reset();
      sendJson(res, 200, cleared);
    },
  };
}

/**
 * `GET /_local/meter`: calls by `Service.Operation` (`calls`, `forwarded`, `faulted`), invocations, and the
 * DynamoDB read and write units the handlers' calls consumed (only when the twin meters them).
 */
export function meterSnapshot(meters: ControlsDeps['meters']) {
  return {
    awsCalls: meters.awsCalls.snapshot(),
    invocations: meters.invocations.snapshot(),
    ...(meters.consumedCapacity ? { dynamodb: meters.consumedCapacity.snapshot() } : {}),
  };
}

/** The body parsed by `schema`, or `undefined` once a 400 (or 413) has been sent. */
export async function readRequest<T>(
  req: IncomingMessage,
  res: ServerResponse,
  schema: z.ZodType<T>,
  hint: string,
): Promise<T | undefined> {
  const json = await readJson(req, res, hint);
  if (json === undefined) return undefined;
  const parsed = schema.safeParse(json);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
  sendJson(res, 400, { error: 'invalid_request', message: hint, issues });
  return undefined;
}

/** The body as JSON (an empty body is `{}`), or `undefined` once a 400 (or 413) has been sent. */
async function readJson(req: IncomingMessage, res: ServerResponse, hint: string): Promise<unknown> {
  const body = await readBody(req, CONTROL_MAX_BODY_BYTES);
  if (body === 'too_large') {
    sendJson(res, 413, { error: 'payload_too_large', message: `At most ${CONTROL_MAX_BODY_BYTES} bytes` });
    return undefined;
  }
  try {
    return JSON.parse(body.toString('utf8') || '{}') as unknown;
  } catch {
    sendJson(res, 400, {
      error: 'invalid_request',
      message: hint,
      issues: [{ path: '', message: 'Malformed JSON' }],
    });
    return undefined;
  }
}
