/**
 * The REST-JSON API of EventBridge Scheduler, cut to the operations Rebound calls: routing, validation,
 * ClientToken replay and AWS's error shapes, so the real `@aws-sdk/client-scheduler` works against it with
 * only an endpoint override. The SigV4 signature is not checked.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readBody, sendJson } from '../support/http.ts';
import { SchedulerApiError, SchedulerConflictError, SchedulerValidationError } from './errors.ts';
import { DEFAULT_MAXIMUM_RETRY_ATTEMPTS, type Log } from './firing.ts';
import { DEFAULT_GROUP, type SchedulerState, scheduleKey } from './state.ts';
import {
  assertScheduleRules,
  ClientTokenQuerySchema,
  GroupNameQuerySchema,
  PathNameSchema,
  parseOrThrow,
  ScheduleBodySchema,
  ScheduleGroupBodySchema,
} from './validation.ts';

const ARN_PREFIX = 'arn:aws:scheduler:us-east-1:000000000000';
export const scheduleArn = (group: string, name: string): string => `${ARN_PREFIX}:schedule/${group}/${name}`;
const groupArn = (name: string): string => `${ARN_PREFIX}:schedule-group/${name}`;

/** How many ClientTokens are remembered for replays. */
const IDEMPOTENCY_MEMORY = 1000;

const OPERATIONS = {
  'POST schedules': 'CreateSchedule',
  'GET schedules': 'GetSchedule',
  'PUT schedules': 'UpdateSchedule',
  'DELETE schedules': 'DeleteSchedule',
  'POST schedule-groups': 'CreateScheduleGroup',
  'GET schedule-groups': 'GetScheduleGroup',
} as const;

/** One API call, decoded from HTTP; only the name is validated yet. */
export interface ApiRequest {
  readonly operation: (typeof OPERATIONS)[keyof typeof OPERATIONS];
  readonly name: string;
  readonly query: URLSearchParams;
  readonly body: unknown;
}

type Json = Record<string, unknown>;

const INTERNAL_ERROR = {
  awsType: 'InternalServerException',
  statusCode: 500,
  message: 'Internal server error',
};

const epochSeconds = (instant: string): number => Date.parse(instant) / 1000;

export class SchedulerApi {
  /** ClientToken → the first request and its answer, so an SDK retry replays instead of failing. */
  private readonly replies = new Map<string, { readonly request: string; readonly response: Json }>();

  public constructor(
    private readonly state: SchedulerState,
    private readonly log: Log,
  ) {}

  /** Serve one HTTP request. Never rejects: every failure becomes an AWS-shaped error. */
  public async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      sendJson(res, 200, await this.dispatch(await decode(req)));
    } catch (error) {
      const known = error instanceof SchedulerApiError;
      if (!known) this.log('scheduler internal error', { error: String(error) });
      const { awsType, statusCode, message } = known ? error : INTERNAL_ERROR;
      // Both the header and `__type`, so every lookup order of the SDK finds the error type.
      sendJson(res, statusCode, { __type: awsType, message }, { 'x-amzn-errortype': awsType });
    }
  }

  /**
   * Every decoded call passes here, so a ClientToken replay covers each operation. Faults are injected in
   * front of the emulator, by the proxy in infra/local/faults/, not here.
   */
  private async dispatch(request: ApiRequest): Promise<Json> {
    const { operation, name, query, body } = request;
    const token = operation === 'DeleteSchedule' ? query.get('clientToken') : (body as Json)?.ClientToken;
    if (typeof token !== 'string') return this.run(request);
    const fingerprint = JSON.stringify([operation, name, query.toString(), body]);
    const seen = this.replies.get(token);
    if (seen?.request === fingerprint) return seen.response;
    const response = await this.run(request);
    this.replies.set(token, { request: fingerprint, response });
    const oldest = this.replies.keys().next().value;
    if (this.replies.size > IDEMPOTENCY_MEMORY && oldest !== undefined) this.replies.delete(oldest);
    return response;
  }

  private async run({ operation, name, query, body }: ApiRequest): Promise<Json> {
    switch (operation) {
      case 'CreateSchedule':
      case 'UpdateSchedule':
        return this.putSchedule(name, body, operation === 'CreateSchedule');
      case 'GetSchedule':
        return this.getSchedule(name, query);
      case 'DeleteSchedule': {
        parseOrThrow(ClientTokenQuerySchema, { clientToken: query.get('clientToken') ?? undefined });
        const groupName = groupOf(query);
        this.state.requireSchedule(groupName, name);
        this.state.deleteSchedule(scheduleKey(groupName, name));
        await this.state.save();
        return {};
      }
      case 'CreateScheduleGroup':
        parseOrThrow(ScheduleGroupBodySchema, body ?? {});
        if (this.state.groups.has(name))
          throw new SchedulerConflictError(`Schedule group ${name} already exists.`);
        this.state.putGroup({ name, creationDate: this.state.now() });
        await this.state.save();
        return { ScheduleGroupArn: groupArn(name) };
      case 'GetScheduleGroup': {
        const created = epochSeconds(this.state.requireGroup(name).creationDate);
        return {
          Arn: groupArn(name),
          Name: name,
          State: 'ACTIVE',
          CreationDate: created,
          LastModificationDate: created,
        };
      }
    }
  }

  /** Update is a full replacement, as on AWS: every optional field left out goes back to its default. */
  private async putSchedule(name: string, body: unknown, create: boolean): Promise<Json> {
    const input = parseOrThrow(ScheduleBodySchema, body);
    assertScheduleRules(input);
    const groupName = input.GroupName ?? DEFAULT_GROUP;
    this.state.requireGroup(groupName);
    const key = scheduleKey(groupName, name);
    const existing = create ? undefined : this.state.requireSchedule(groupName, name);
    if (create && this.state.schedules.has(key))
      throw new SchedulerConflictError(`Schedule ${name} already exists.`);
    const now = this.state.now();
    const zone = input.ScheduleExpressionTimezone ?? 'UTC';
    // Same timing keeps the timer (a fired one-time schedule stays fired); new timing starts a new one.
    const sameTiming =
      existing?.scheduleExpression === input.ScheduleExpression &&
      existing.scheduleExpressionTimezone === zone;
    const retry = input.Target.RetryPolicy;
    this.state.putSchedule({
      name,
      groupName,
      scheduleExpression: input.ScheduleExpression,
      scheduleExpressionTimezone: zone,
      description: input.Description,
      state: input.State ?? 'ENABLED',
      actionAfterCompletion: input.ActionAfterCompletion ?? 'NONE',
      flexibleTimeWindow: input.FlexibleTimeWindow,
      target: {
        ...input.Target,
        RetryPolicy: {
          MaximumEventAgeInSeconds: retry?.MaximumEventAgeInSeconds ?? 86_400,
          MaximumRetryAttempts: retry?.MaximumRetryAttempts ?? DEFAULT_MAXIMUM_RETRY_ATTEMPTS,
        },
      },
      creationDate: existing?.creationDate ?? now,
      lastModificationDate: now,
      firing: sameTiming ? existing.firing : { anchor: now, completed: false },
    });
    await this.state.save();
    return { ScheduleArn: scheduleArn(groupName, name) };
  }

  private getSchedule(name: string, query: URLSearchParams): Json {
    const schedule = this.state.requireSchedule(groupOf(query), name);
    return {
      Arn: scheduleArn(schedule.groupName, name),
      Name: name,
      GroupName: schedule.groupName,
      ScheduleExpression: schedule.scheduleExpression,
      ScheduleExpressionTimezone: schedule.scheduleExpressionTimezone,
      Description: schedule.description,
      State: schedule.state,
      Target: schedule.target,
      FlexibleTimeWindow: schedule.flexibleTimeWindow,
      ActionAfterCompletion: schedule.actionAfterCompletion,
      CreationDate: epochSeconds(schedule.creationDate),
      LastModificationDate: epochSeconds(schedule.lastModificationDate),
    };
  }
}

async function decode(req: IncomingMessage): Promise<ApiRequest> {
  const method = req.method ?? 'GET';
  const url = new URL(req.url ?? '/', 'http://scheduler.local');
  const [resource, label, ...rest] = url.pathname.split('/').filter(Boolean);
  const operation = OPERATIONS[`${method} ${resource}` as keyof typeof OPERATIONS];
  if (!operation || label === undefined || rest.length > 0) {
    throw new SchedulerApiError(
      'UnknownOperationException',
      404,
      `No operation matches ${method} ${url.pathname}`,
    );
  }
  const raw = await readBody(req);
  if (raw === 'too_large') throw new SchedulerValidationError('Request body too large.');
  try {
    const { Name: name } = parseOrThrow(PathNameSchema, { Name: decodeURIComponent(label) });
    const text = raw.toString('utf8').trim();
    return { operation, name, query: url.searchParams, body: text ? JSON.parse(text) : undefined };
  } catch (error) {
    if (error instanceof SchedulerApiError) throw error;
    throw new SchedulerApiError('SerializationException', 400, 'Malformed path or JSON body.', {
      cause: error,
    });
  }
}

const groupOf = (query: URLSearchParams): string =>
  parseOrThrow(GroupNameQuerySchema, { groupName: query.get('groupName') ?? undefined }).groupName ??
  DEFAULT_GROUP;
