/**
 * An EventBridge Scheduler emulator for the local twin that really fires.
 *
 * It speaks the REST-JSON wire protocol of the real service (see `/work/shared/notes/toolchain.md` §4), so the
 * real `@aws-sdk/client-scheduler` works against it with only an endpoint override. Schedules are kept in a
 * JSON file (every mutation is saved atomically), and the twin's virtual clock decides when they are due:
 * the twin calls `fireDue()` after it moves time, and the emulator invokes the local function registered for
 * each due target.
 *
 * Operations: CreateSchedule, GetSchedule, UpdateSchedule, DeleteSchedule, ListSchedules, CreateScheduleGroup,
 * GetScheduleGroup, ListScheduleGroups, DeleteScheduleGroup, TagResource, UntagResource, ListTagsForResource.
 *
 * Differences from AWS (on purpose):
 * - Firing is exact to the millisecond of the virtual clock, with no 60-second jitter; `FlexibleTimeWindow`
 *   is validated and stored but not applied.
 * - rate(): the first occurrence is (StartDate or creation time) + rate; AWS fires at StartDate, or right after
 *   creation when there is none. Missed occurrences are coalesced into one firing (see `fireDueNow`).
 * - cron() schedules are validated (six fields, `?` rule) and stored, but never fire.
 * - Retries run at once in a loop; `MaximumEventAgeInSeconds` is stored but not applied.
 * - DeleteScheduleGroup removes the group and its schedules at once (AWS passes through a DELETING state).
 * - No authentication: the SigV4 signature is ignored.
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Clock } from '#shared/ports.ts';
import {
  SchedulerApiError,
  SchedulerConflictError,
  SchedulerResourceNotFoundError,
  SchedulerSerializationError,
  SchedulerUnknownOperationError,
  SchedulerValidationError,
} from './scheduler/errors.ts';
import { atInstant, latestRateOccurrence, parseScheduleExpression } from './scheduler/expression.ts';
import { type DeadLetter, StateFile, type StoredGroup, type StoredSchedule } from './scheduler/state.ts';
import {
  assertScheduleRules,
  ClientTokenQuerySchema,
  CreateScheduleGroupBodySchema,
  GroupNameQuerySchema,
  ListScheduleGroupsQuerySchema,
  ListSchedulesQuerySchema,
  PathNameSchema,
  parseOrThrow,
  type ScheduleBody,
  ScheduleBodySchema,
  type Tag,
  TagKeysSchema,
  TagResourceBodySchema,
  type TargetInput,
} from './scheduler/validation.ts';

export type { DeadLetter } from './scheduler/state.ts';

/** Region and account of every ARN the emulator hands out. */
export const EMULATED_REGION = 'us-east-1';
export const EMULATED_ACCOUNT = '000000000000';
/** The group that always exists and cannot be deleted. */
export const DEFAULT_GROUP = 'default';

/** AWS defaults when a schedule has no `RetryPolicy`. */
const DEFAULT_MAXIMUM_RETRY_ATTEMPTS = 185;
const DEFAULT_MAXIMUM_EVENT_AGE_SECONDS = 86_400;
/** Page size of the List operations when `MaxResults` is absent. */
const DEFAULT_PAGE_SIZE = 100;
/** Larger request bodies are refused (a schedule is a few KB at most). */
const MAX_BODY_BYTES = 1_048_576;
/** How many ClientTokens are remembered for idempotent replays. */
const IDEMPOTENCY_MEMORY = 1000;

export function scheduleArn(groupName: string, name: string): string {
  return `arn:aws:scheduler:${EMULATED_REGION}:${EMULATED_ACCOUNT}:schedule/${groupName}/${name}`;
}

export function scheduleGroupArn(groupName: string): string {
  return `arn:aws:scheduler:${EMULATED_REGION}:${EMULATED_ACCOUNT}:schedule-group/${groupName}`;
}

export interface SchedulerEmulatorOptions {
  /** JSON file for persistence (directories are created as needed); every mutation is saved to it. */
  readonly dataFile: string;
  /** Virtual clock of the twin: the only source of "now" (creation dates, due times, dead letters). */
  readonly clock: Clock;
  /**
   * Runs the local function registered for the target ARN with the schedule's `Target.Input`.
   * A rejection (or throw) is a failed invocation and is retried per the schedule's `RetryPolicy`.
   */
  readonly invoke: (targetArn: string, input: string | undefined) => Promise<void>;
  /** Diagnostics sink. @default no logging */
  readonly log?: (msg: string, data?: Record<string, unknown>) => void;
}

/** One schedule as the admin/test view shows it. Instants are ISO-8601 UTC strings. */
export interface EmulatedSchedule {
  readonly name: string;
  readonly groupName: string;
  readonly arn: string;
  /** `ScheduleExpression`, e.g. `at(2027-01-01T09:00:00)` or `rate(5 minutes)`. */
  readonly expression: string;
  /** `ScheduleExpressionTimezone`. @default 'UTC' */
  readonly timezone: string;
  readonly state: 'ENABLED' | 'DISABLED';
  readonly actionAfterCompletion: 'NONE' | 'DELETE';
  /** When `fireDue` will next fire it; `undefined` if disabled, completed, past its EndDate, or cron. */
  readonly nextFireAt: string | undefined;
  /** Virtual time of the last firing by `fireDue` (not `fireNow`). */
  readonly lastFiredAt: string | undefined;
  readonly target: TargetInput;
}

type Query = URLSearchParams;
type Json = Record<string, unknown>;

interface Page<T> {
  readonly items: readonly T[];
  readonly nextToken: string | undefined;
}

interface Delivery {
  readonly attempts: number;
  /** True when a dead letter was recorded (the state must be saved). */
  readonly deadLettered: boolean;
}

const scheduleKey = (groupName: string, name: string): string => `${groupName}/${name}`;
const iso = (ms: number): string => new Date(ms).toISOString();
const ms = (instant: string): number => Date.parse(instant);
const seconds = (instant: string): number => ms(instant) / 1000;
const compareKeys = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

export class SchedulerEmulator {
  private readonly clock: Clock;
  private readonly invoke: SchedulerEmulatorOptions['invoke'];
  private readonly log: NonNullable<SchedulerEmulatorOptions['log']>;
  private readonly file: StateFile;
  private readonly groups = new Map<string, StoredGroup>();
  /** Keyed by `group/name`. Records are replaced, never mutated, so a snapshot stays consistent. */
  private readonly schedules = new Map<string, StoredSchedule>();
  private deadLetterLog: DeadLetter[] = [];
  /** ClientToken → the response of the first request, so an SDK retry replays instead of failing. */
  private readonly idempotency = new Map<string, { readonly fingerprint: string; readonly response: Json }>();
  /** Tail of the fireDue queue: runs one at a time. */
  private firing: Promise<unknown> = Promise.resolve();
  private server: http.Server | undefined;

  public constructor(opts: SchedulerEmulatorOptions) {
    this.clock = opts.clock;
    this.invoke = opts.invoke;
    this.log = opts.log ?? (() => undefined);
    this.file = new StateFile(opts.dataFile);
    this.ensureDefaultGroup();
  }

  /** Read the persisted state (a missing file means an empty scheduler). Call before `listen`. */
  public async load(): Promise<void> {
    const state = await this.file.read();
    if (!state) return;
    this.groups.clear();
    this.schedules.clear();
    for (const group of state.groups) this.groups.set(group.name, group);
    for (const schedule of state.schedules) {
      this.schedules.set(scheduleKey(schedule.groupName, schedule.name), schedule);
    }
    this.deadLetterLog = state.deadLetters.map((letter) => ({ ...letter, input: letter.input }));
    this.ensureDefaultGroup();
    this.log('scheduler state loaded', {
      schedules: this.schedules.size,
      deadLetters: this.deadLetterLog.length,
    });
  }

  /** Serve one API request. Never rejects: every failure becomes an AWS-shaped error response. */
  public async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    try {
      const url = new URL(req.url ?? '/', 'http://scheduler.local');
      const segments = url.pathname
        .split('/')
        .filter((segment) => segment.length > 0)
        .map(decodeLabel);
      const body = await readJsonBody(req);
      const response = await this.route(req.method ?? 'GET', segments, url.searchParams, body);
      sendJson(res, 200, response);
    } catch (error) {
      if (error instanceof SchedulerApiError) {
        sendError(res, error.statusCode, error.awsType, error.message);
        return;
      }
      this.log('scheduler internal error', { error: error instanceof Error ? error.message : String(error) });
      sendError(res, 500, 'InternalServerException', 'Internal server error');
    }
  }

  /** Serve the API on its own HTTP server. @returns the bound port (pass 0 for any free port). */
  public async listen(port: number, host = '127.0.0.1'): Promise<number> {
    if (this.server) throw new Error('SchedulerEmulator is already listening');
    const server = http.createServer((req, res) => {
      void this.handle(req, res);
    });
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    return (server.address() as AddressInfo).port;
  }

  /** Stop the server (if any) and wait for pending writes of the state file. */
  public async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server) {
      const closed = new Promise<void>((resolve, reject) =>
        server.close((error) => (error ? reject(error) : resolve())),
      );
      // SDK clients keep connections alive; without this close() waits for them to time out.
      server.closeAllConnections();
      await closed;
    }
    await this.file.flush();
  }

  /** Earliest fire time among ENABLED schedules (one-time: not yet fired; rate(): next occurrence). */
  public nextDueAt(): Date | undefined {
    let earliest: number | undefined;
    for (const schedule of this.schedules.values()) {
      const next = this.nextFireMs(schedule);
      if (next !== undefined && (earliest === undefined || next < earliest)) earliest = next;
    }
    return earliest === undefined ? undefined : new Date(earliest);
  }

  /**
   * Fire every schedule due at or before `clock.now()`, earliest first. Calls are queued: a call made while
   * another runs waits for it, then runs.
   * @returns how many invocations were attempted (a delivery with retries counts each attempt)
   */
  public fireDue(): Promise<number> {
    const run = this.firing.then(() => this.fireDueNow());
    this.firing = run.catch(() => undefined);
    return run;
  }

  /**
   * Invoke a schedule's target right now, as a duplicate delivery from AWS would: retries and dead-lettering
   * apply, but the schedule's own timer is untouched (a one-time schedule still fires when due).
   * @throws SchedulerResourceNotFoundError when the schedule does not exist
   */
  public async fireNow(name: string, group: string = DEFAULT_GROUP): Promise<void> {
    const schedule = this.requireSchedule(group, name);
    const delivery = await this.deliver(schedule);
    if (delivery.deadLettered) await this.save();
  }

  /** Every schedule, ordered by group then name. */
  public list(): readonly EmulatedSchedule[] {
    return this.sortedSchedules().map((schedule) => {
      const next = this.nextFireMs(schedule);
      return {
        name: schedule.name,
        groupName: schedule.groupName,
        arn: scheduleArn(schedule.groupName, schedule.name),
        expression: schedule.scheduleExpression,
        timezone: schedule.scheduleExpressionTimezone ?? 'UTC',
        state: schedule.state,
        actionAfterCompletion: schedule.actionAfterCompletion,
        nextFireAt: next === undefined ? undefined : iso(next),
        lastFiredAt: schedule.firing.lastFiredAt,
        target: schedule.target,
      };
    });
  }

  /** Deliveries that exhausted their retries on a schedule with a dead-letter queue, oldest first. */
  public deadLetters(): readonly DeadLetter[] {
    return [...this.deadLetterLog];
  }

  // --- Firing ---------------------------------------------------------------------------------------------

  /**
   * One pass over the schedules due at the current virtual time. Schedules created by the invoked functions
   * during the pass wait for the next call, so one pass always ends.
   *
   * rate() schedules coalesce: when the clock jumped over several occurrences, the schedule fires ONCE, for
   * the latest missed occurrence. The twin's clock can jump weeks ahead, and running a 5-minute reconciler
   * 2,000 times in a row would prove nothing and take minutes.
   */
  private async fireDueNow(): Promise<number> {
    const nowMs = this.nowMs();
    const due = [...this.schedules.values()]
      .flatMap((schedule) => {
        const occurrence = this.dueOccurrence(schedule, nowMs);
        return occurrence === undefined
          ? []
          : [{ key: scheduleKey(schedule.groupName, schedule.name), occurrence }];
      })
      .sort((a, b) => a.occurrence - b.occurrence || compareKeys(a.key, b.key));

    let attempts = 0;
    for (const { key } of due) {
      // An earlier invocation may have deleted or changed this schedule through the API: use what is there now.
      const schedule = this.schedules.get(key);
      const occurrence = schedule ? this.dueOccurrence(schedule, nowMs) : undefined;
      if (!schedule || occurrence === undefined) continue;
      const delivery = await this.deliver(schedule);
      attempts += delivery.attempts;
      this.completeFiring(key, schedule, occurrence, nowMs);
      await this.save();
    }
    return attempts;
  }

  /** Record that `fired` went off for `occurrence`, unless the API re-timed or deleted it meanwhile. */
  private completeFiring(key: string, fired: StoredSchedule, occurrence: number, nowMs: number): void {
    const current = this.schedules.get(key);
    if (!current || current.firing.epoch !== fired.firing.epoch) return;
    const expression = parseScheduleExpression(current.scheduleExpression);
    const lastFiredAt = iso(nowMs);
    if (expression?.kind === 'at') {
      // Retries exhausted counts as completed too: AWS does not fire a one-time schedule twice.
      if (current.actionAfterCompletion === 'DELETE') {
        this.schedules.delete(key);
        this.log('scheduler deleted completed schedule', { schedule: key });
        return;
      }
      this.schedules.set(key, { ...current, firing: { ...current.firing, completed: true, lastFiredAt } });
      return;
    }
    this.schedules.set(key, {
      ...current,
      firing: { ...current.firing, lastOccurrence: iso(occurrence), lastFiredAt },
    });
  }

  /** Invoke the target with retries; dead-letter the event if every attempt failed and a DLQ is set. */
  private async deliver(schedule: StoredSchedule): Promise<Delivery> {
    const { target } = schedule;
    const retries = target.RetryPolicy?.MaximumRetryAttempts ?? DEFAULT_MAXIMUM_RETRY_ATTEMPTS;
    let attempts = 0;
    let lastError: unknown;
    while (attempts <= retries) {
      attempts += 1;
      try {
        await this.invoke(target.Arn, target.Input);
        this.log('scheduler invoked target', {
          schedule: scheduleKey(schedule.groupName, schedule.name),
          targetArn: target.Arn,
          attempts,
        });
        return { attempts, deadLettered: false };
      } catch (error) {
        lastError = error;
      }
    }
    const message = lastError instanceof Error ? lastError.message : String(lastError);
    const deadLetterArn = target.DeadLetterConfig?.Arn;
    this.log('scheduler invocation failed', {
      schedule: scheduleKey(schedule.groupName, schedule.name),
      targetArn: target.Arn,
      attempts,
      error: message,
      deadLetterArn,
    });
    if (deadLetterArn === undefined) return { attempts, deadLettered: false };
    this.deadLetterLog.push({
      at: iso(this.nowMs()),
      scheduleName: schedule.name,
      groupName: schedule.groupName,
      targetArn: target.Arn,
      deadLetterArn,
      input: target.Input,
      error: message,
      attempts,
    });
    return { attempts, deadLettered: true };
  }

  /** When the schedule fires next, ignoring "now"; `undefined` if it never will. */
  private nextFireMs(schedule: StoredSchedule): number | undefined {
    if (schedule.state !== 'ENABLED') return undefined;
    const expression = parseScheduleExpression(schedule.scheduleExpression);
    if (expression?.kind === 'at') {
      if (schedule.firing.completed) return undefined;
      return atInstant(expression, schedule.scheduleExpressionTimezone ?? 'UTC').getTime();
    }
    if (expression?.kind === 'rate') {
      const { lastOccurrence } = schedule.firing;
      const next =
        lastOccurrence === undefined
          ? this.rateAnchorMs(schedule) + expression.periodMs
          : ms(lastOccurrence) + expression.periodMs;
      const end = schedule.endDate === undefined ? undefined : ms(schedule.endDate);
      return end !== undefined && next >= end ? undefined : next;
    }
    return undefined;
  }

  /** The occurrence to fire at `nowMs` (for rate(): the latest one missed), or `undefined` if not due. */
  private dueOccurrence(schedule: StoredSchedule, nowMs: number): number | undefined {
    if (schedule.state !== 'ENABLED') return undefined;
    const expression = parseScheduleExpression(schedule.scheduleExpression);
    if (expression?.kind === 'at') {
      const next = this.nextFireMs(schedule);
      return next !== undefined && next <= nowMs ? next : undefined;
    }
    if (expression?.kind === 'rate') {
      // EndDate is exclusive: the schedule may invoke its target before it.
      const until = schedule.endDate === undefined ? nowMs : Math.min(nowMs, ms(schedule.endDate) - 1);
      const latest = latestRateOccurrence(this.rateAnchorMs(schedule), expression.periodMs, until);
      const { lastOccurrence } = schedule.firing;
      if (latest === undefined || (lastOccurrence !== undefined && latest <= ms(lastOccurrence)))
        return undefined;
      return latest;
    }
    return undefined;
  }

  private rateAnchorMs(schedule: StoredSchedule): number {
    return ms(schedule.startDate ?? schedule.firing.anchor);
  }

  // --- API -------------------------------------------------------------------------------------------------

  private async route(
    method: string,
    segments: readonly string[],
    query: Query,
    body: unknown,
  ): Promise<Json> {
    const [resource, label, ...rest] = segments;
    const path = `/${segments.join('/')}`;
    if (rest.length > 0) throw new SchedulerUnknownOperationError(method, path);
    if (resource === 'schedules') {
      if (label === undefined) {
        if (method === 'GET') return this.listSchedules(query);
        throw new SchedulerUnknownOperationError(method, path);
      }
      const { Name: name } = parseOrThrow(PathNameSchema, { Name: label });
      switch (method) {
        case 'POST':
          return this.idempotent('CreateSchedule', name, body, () => this.createSchedule(name, body));
        case 'GET':
          return this.getSchedule(name, query);
        case 'PUT':
          return this.idempotent('UpdateSchedule', name, body, () => this.updateSchedule(name, body));
        case 'DELETE':
          return this.idempotentDelete('DeleteSchedule', name, query, () => this.deleteSchedule(name, query));
        default:
          throw new SchedulerUnknownOperationError(method, path);
      }
    }
    if (resource === 'schedule-groups') {
      if (label === undefined) {
        if (method === 'GET') return this.listScheduleGroups(query);
        throw new SchedulerUnknownOperationError(method, path);
      }
      const { Name: name } = parseOrThrow(PathNameSchema, { Name: label });
      switch (method) {
        case 'POST':
          return this.idempotent('CreateScheduleGroup', name, body, () =>
            this.createScheduleGroup(name, body),
          );
        case 'GET':
          return this.getScheduleGroup(name);
        case 'DELETE':
          return this.idempotentDelete('DeleteScheduleGroup', name, query, () =>
            this.deleteScheduleGroup(name),
          );
        default:
          throw new SchedulerUnknownOperationError(method, path);
      }
    }
    if (resource === 'tags' && label !== undefined) {
      switch (method) {
        case 'GET':
          return { Tags: this.requireTaggableGroup(label).tags };
        case 'POST':
          return this.tagResource(label, body);
        case 'DELETE':
          return this.untagResource(label, query);
        default:
          throw new SchedulerUnknownOperationError(method, path);
      }
    }
    throw new SchedulerUnknownOperationError(method, path);
  }

  private async createSchedule(name: string, body: unknown): Promise<Json> {
    const input = parseOrThrow(ScheduleBodySchema, body);
    const nowMs = this.nowMs();
    assertScheduleRules(input, nowMs, true);
    const groupName = input.GroupName ?? DEFAULT_GROUP;
    this.requireGroup(groupName);
    const key = scheduleKey(groupName, name);
    if (this.schedules.has(key)) throw new SchedulerConflictError(`Schedule ${name} already exists.`);
    const now = iso(nowMs);
    this.schedules.set(key, {
      ...scheduleFields(input),
      name,
      groupName,
      creationDate: now,
      lastModificationDate: now,
      firing: { anchor: now, completed: false, epoch: 1 },
    });
    this.warnIfCron(key, input.ScheduleExpression);
    await this.save();
    return { ScheduleArn: scheduleArn(groupName, name) };
  }

  /** Full replacement, as on AWS: every optional field left out goes back to its default. */
  private async updateSchedule(name: string, body: unknown): Promise<Json> {
    const input = parseOrThrow(ScheduleBodySchema, body);
    const nowMs = this.nowMs();
    assertScheduleRules(input, nowMs, false);
    const groupName = input.GroupName ?? DEFAULT_GROUP;
    const existing = this.requireSchedule(groupName, name);
    const fields = scheduleFields(input);
    // Same timing keeps the timer (a fired one-time schedule stays fired); new timing starts a new one.
    const sameTiming =
      existing.scheduleExpression === fields.scheduleExpression &&
      (existing.scheduleExpressionTimezone ?? 'UTC') === (fields.scheduleExpressionTimezone ?? 'UTC') &&
      existing.startDate === fields.startDate;
    const key = scheduleKey(groupName, name);
    this.schedules.set(key, {
      ...fields,
      name,
      groupName,
      creationDate: existing.creationDate,
      lastModificationDate: iso(nowMs),
      firing: sameTiming
        ? existing.firing
        : { anchor: iso(nowMs), completed: false, epoch: existing.firing.epoch + 1 },
    });
    this.warnIfCron(key, input.ScheduleExpression);
    await this.save();
    return { ScheduleArn: scheduleArn(groupName, name) };
  }

  private getSchedule(name: string, query: Query): Json {
    const { groupName } = parseOrThrow(GroupNameQuerySchema, {
      groupName: query.get('groupName') ?? undefined,
    });
    const schedule = this.requireSchedule(groupName ?? DEFAULT_GROUP, name);
    return {
      Arn: scheduleArn(schedule.groupName, schedule.name),
      Name: schedule.name,
      GroupName: schedule.groupName,
      ScheduleExpression: schedule.scheduleExpression,
      ScheduleExpressionTimezone: schedule.scheduleExpressionTimezone ?? 'UTC',
      Description: schedule.description,
      StartDate: schedule.startDate === undefined ? undefined : seconds(schedule.startDate),
      EndDate: schedule.endDate === undefined ? undefined : seconds(schedule.endDate),
      State: schedule.state,
      KmsKeyArn: schedule.kmsKeyArn,
      Target: schedule.target,
      FlexibleTimeWindow: schedule.flexibleTimeWindow,
      ActionAfterCompletion: schedule.actionAfterCompletion,
      CreationDate: seconds(schedule.creationDate),
      LastModificationDate: seconds(schedule.lastModificationDate),
    };
  }

  private async deleteSchedule(name: string, query: Query): Promise<Json> {
    const { groupName } = parseOrThrow(GroupNameQuerySchema, {
      groupName: query.get('groupName') ?? undefined,
    });
    const group = groupName ?? DEFAULT_GROUP;
    this.requireSchedule(group, name);
    this.schedules.delete(scheduleKey(group, name));
    await this.save();
    return {};
  }

  private listSchedules(query: Query): Json {
    const input = parseOrThrow(
      ListSchedulesQuerySchema,
      queryObject(query, ListSchedulesQuerySchema.keyof().options),
    );
    if (input.ScheduleGroup !== undefined) this.requireGroup(input.ScheduleGroup);
    const matching = this.sortedSchedules().filter(
      (schedule) =>
        (input.ScheduleGroup === undefined || schedule.groupName === input.ScheduleGroup) &&
        (input.NamePrefix === undefined || schedule.name.startsWith(input.NamePrefix)) &&
        (input.State === undefined || schedule.state === input.State),
    );
    const page = paginate(
      matching,
      (schedule) => scheduleKey(schedule.groupName, schedule.name),
      input.NextToken,
      input.MaxResults,
    );
    return {
      Schedules: page.items.map((schedule) => ({
        Arn: scheduleArn(schedule.groupName, schedule.name),
        Name: schedule.name,
        GroupName: schedule.groupName,
        State: schedule.state,
        CreationDate: seconds(schedule.creationDate),
        LastModificationDate: seconds(schedule.lastModificationDate),
        Target: { Arn: schedule.target.Arn },
      })),
      NextToken: page.nextToken,
    };
  }

  private async createScheduleGroup(name: string, body: unknown): Promise<Json> {
    const input = parseOrThrow(CreateScheduleGroupBodySchema, body ?? {});
    if (this.groups.has(name)) throw new SchedulerConflictError(`Schedule group ${name} already exists.`);
    const now = iso(this.nowMs());
    this.groups.set(name, {
      name,
      creationDate: now,
      lastModificationDate: now,
      tags: mergeTags([], input.Tags ?? []),
    });
    await this.save();
    return { ScheduleGroupArn: scheduleGroupArn(name) };
  }

  private getScheduleGroup(name: string): Json {
    return groupSummary(this.requireGroup(name));
  }

  /** Deletes the group and every schedule in it. */
  private async deleteScheduleGroup(name: string): Promise<Json> {
    if (name === DEFAULT_GROUP)
      throw new SchedulerValidationError('The default schedule group cannot be deleted.');
    this.requireGroup(name);
    this.groups.delete(name);
    for (const [key, schedule] of this.schedules) {
      if (schedule.groupName === name) this.schedules.delete(key);
    }
    await this.save();
    return {};
  }

  private listScheduleGroups(query: Query): Json {
    const input = parseOrThrow(
      ListScheduleGroupsQuerySchema,
      queryObject(query, ListScheduleGroupsQuerySchema.keyof().options),
    );
    const matching = [...this.groups.values()]
      .filter((group) => input.NamePrefix === undefined || group.name.startsWith(input.NamePrefix))
      .sort((a, b) => compareKeys(a.name, b.name));
    const page = paginate(matching, (group) => group.name, input.NextToken, input.MaxResults);
    return { ScheduleGroups: page.items.map(groupSummary), NextToken: page.nextToken };
  }

  private async tagResource(arn: string, body: unknown): Promise<Json> {
    const group = this.requireTaggableGroup(arn);
    const { Tags } = parseOrThrow(TagResourceBodySchema, body ?? {});
    this.groups.set(group.name, { ...group, tags: mergeTags(group.tags, Tags) });
    await this.save();
    return {};
  }

  private async untagResource(arn: string, query: Query): Promise<Json> {
    const group = this.requireTaggableGroup(arn);
    const keys = new Set(parseOrThrow(TagKeysSchema, query.getAll('TagKeys')));
    this.groups.set(group.name, { ...group, tags: group.tags.filter((tag) => !keys.has(tag.Key)) });
    await this.save();
    return {};
  }

  /**
   * Replay the first response for a repeated ClientToken (an SDK retry after a lost response) instead of
   * answering Conflict; a reused token with a different request runs normally.
   */
  private async idempotent(
    operation: string,
    name: string,
    body: unknown,
    run: () => Promise<Json>,
  ): Promise<Json> {
    const token = isRecord(body) && typeof body.ClientToken === 'string' ? body.ClientToken : undefined;
    const groupName = isRecord(body) && typeof body.GroupName === 'string' ? body.GroupName : '';
    return this.remembered(`${operation}:${token}`, token, JSON.stringify([groupName, name, body]), run);
  }

  private async idempotentDelete(operation: string, name: string, query: Query, run: () => Promise<Json>) {
    const { clientToken } = parseOrThrow(ClientTokenQuerySchema, {
      clientToken: query.get('clientToken') ?? undefined,
    });
    const fingerprint = JSON.stringify([query.get('groupName') ?? DEFAULT_GROUP, name]);
    return this.remembered(`${operation}:${clientToken}`, clientToken, fingerprint, run);
  }

  private async remembered(
    key: string,
    token: string | undefined,
    fingerprint: string,
    run: () => Promise<Json>,
  ): Promise<Json> {
    if (token === undefined) return run();
    const seen = this.idempotency.get(key);
    if (seen && seen.fingerprint === fingerprint) return seen.response;
    const response = await run();
    this.idempotency.set(key, { fingerprint, response });
    if (this.idempotency.size > IDEMPOTENCY_MEMORY) {
      const oldest = this.idempotency.keys().next().value;
      if (oldest !== undefined) this.idempotency.delete(oldest);
    }
    return response;
  }

  // --- Helpers ---------------------------------------------------------------------------------------------

  private nowMs(): number {
    return this.clock.now().getTime();
  }

  private ensureDefaultGroup(): void {
    if (this.groups.has(DEFAULT_GROUP)) return;
    const now = iso(this.nowMs());
    this.groups.set(DEFAULT_GROUP, {
      name: DEFAULT_GROUP,
      creationDate: now,
      lastModificationDate: now,
      tags: [],
    });
  }

  private requireGroup(name: string): StoredGroup {
    const group = this.groups.get(name);
    if (!group) throw new SchedulerResourceNotFoundError(`Schedule group ${name} does not exist.`);
    return group;
  }

  private requireSchedule(groupName: string, name: string): StoredSchedule {
    const schedule = this.schedules.get(scheduleKey(groupName, name));
    if (!schedule) throw new SchedulerResourceNotFoundError(`Schedule ${name} does not exist.`);
    return schedule;
  }

  /** Only schedule groups carry tags on EventBridge Scheduler. */
  private requireTaggableGroup(arn: string): StoredGroup {
    const match = /^arn:aws(-[a-z]+)?:scheduler:[a-z0-9-]+:\d{12}:schedule-group\/([0-9a-zA-Z\-_.]+)$/.exec(
      arn,
    );
    const groupName = match?.[2];
    if (groupName === undefined) {
      throw new SchedulerValidationError(`Value '${arn}' at 'resourceArn' failed to satisfy constraint.`);
    }
    const group = this.groups.get(groupName);
    if (!group || arn !== scheduleGroupArn(groupName)) {
      throw new SchedulerResourceNotFoundError(`Resource ${arn} does not exist.`);
    }
    return group;
  }

  private sortedSchedules(): StoredSchedule[] {
    return [...this.schedules.values()].sort(
      (a, b) => compareKeys(a.groupName, b.groupName) || compareKeys(a.name, b.name),
    );
  }

  private warnIfCron(key: string, expression: string): void {
    if (parseScheduleExpression(expression)?.kind === 'cron') {
      this.log('scheduler stores cron schedules but does not fire them', { schedule: key });
    }
  }

  private save(): Promise<void> {
    return this.file.write(() => ({
      version: 1,
      groups: [...this.groups.values()],
      schedules: [...this.schedules.values()],
      deadLetters: this.deadLetterLog,
    }));
  }
}

/** The stored form of a Create/Update body, with AWS's defaults filled in. */
function scheduleFields(
  input: ScheduleBody,
): Omit<StoredSchedule, 'name' | 'groupName' | 'creationDate' | 'lastModificationDate' | 'firing'> {
  return {
    scheduleExpression: input.ScheduleExpression,
    scheduleExpressionTimezone: input.ScheduleExpressionTimezone,
    description: input.Description,
    startDate: input.StartDate === undefined ? undefined : iso(input.StartDate * 1000),
    endDate: input.EndDate === undefined ? undefined : iso(input.EndDate * 1000),
    state: input.State ?? 'ENABLED',
    kmsKeyArn: input.KmsKeyArn,
    actionAfterCompletion: input.ActionAfterCompletion ?? 'NONE',
    flexibleTimeWindow: input.FlexibleTimeWindow,
    target: {
      ...input.Target,
      RetryPolicy: {
        MaximumEventAgeInSeconds:
          input.Target.RetryPolicy?.MaximumEventAgeInSeconds ?? DEFAULT_MAXIMUM_EVENT_AGE_SECONDS,
        MaximumRetryAttempts:
          input.Target.RetryPolicy?.MaximumRetryAttempts ?? DEFAULT_MAXIMUM_RETRY_ATTEMPTS,
      },
    },
  };
}

function groupSummary(group: StoredGroup): Json {
  return {
    Arn: scheduleGroupArn(group.name),
    Name: group.name,
    State: 'ACTIVE',
    CreationDate: seconds(group.creationDate),
    LastModificationDate: seconds(group.lastModificationDate),
  };
}

function mergeTags(existing: readonly Tag[], added: readonly Tag[]): Tag[] {
  const byKey = new Map(existing.map((tag) => [tag.Key, tag.Value]));
  for (const tag of added) byKey.set(tag.Key, tag.Value);
  return [...byKey].map(([Key, Value]) => ({ Key, Value }));
}

/** An opaque token: the key of the last item of the previous page. */
function paginate<T>(
  items: readonly T[],
  keyOf: (item: T) => string,
  nextToken: string | undefined,
  maxResults: number | undefined,
): Page<T> {
  let start = 0;
  if (nextToken !== undefined) {
    const after = decodeToken(nextToken);
    start = items.findIndex((item) => compareKeys(keyOf(item), after) > 0);
    if (start === -1) start = items.length;
  }
  const size = maxResults ?? DEFAULT_PAGE_SIZE;
  const page = items.slice(start, start + size);
  const last = page.at(-1);
  const more = start + size < items.length && last !== undefined;
  return {
    items: page,
    nextToken: more ? Buffer.from(JSON.stringify({ after: keyOf(last) })).toString('base64url') : undefined,
  };
}

function decodeToken(token: string): string {
  try {
    const decoded: unknown = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    if (isRecord(decoded) && typeof decoded.after === 'string') return decoded.after;
  } catch {
    // fall through to the validation error
  }
  throw new SchedulerValidationError('The NextToken is invalid.');
}

function queryObject(query: Query, keys: readonly string[]): Record<string, string | undefined> {
  return Object.fromEntries(keys.map((key) => [key, query.get(key) ?? undefined]));
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function decodeLabel(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch (error) {
    throw new SchedulerValidationError(`Malformed path segment ${segment}.`, { cause: error });
  }
}

async function readJsonBody(req: http.IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > MAX_BODY_BYTES)
      throw new SchedulerValidationError(`Request body exceeds ${MAX_BODY_BYTES} bytes.`);
    chunks.push(buffer);
  }
  const raw = Buffer.concat(chunks).toString('utf8').trim();
  if (raw.length === 0) return undefined;
  try {
    return JSON.parse(raw);
  } catch (error) {
    throw new SchedulerSerializationError('The request body is not valid JSON.', { cause: error });
  }
}

function sendJson(res: http.ServerResponse, status: number, body: Json): void {
  const payload = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(payload),
    'x-amzn-requestid': randomUUID(),
  });
  res.end(payload);
}

/** Both the header and the `__type` body key, so every SDK lookup order finds the error type. */
function sendError(res: http.ServerResponse, status: number, awsType: string, message: string): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  res.setHeader('x-amzn-errortype', awsType);
  sendJson(res, status, { __type: awsType, message });
}
