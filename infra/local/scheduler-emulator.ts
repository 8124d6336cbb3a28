/**
 * The local twin's EventBridge Scheduler: the API Rebound calls (`scheduler/api.ts`) and firing on the
 * virtual clock (`scheduler/firing.ts`) over one persisted state (`scheduler/state.ts`). The twin calls
 * `fireDue()` after it moves time; nothing fires on a wall-clock timer.
 *
 * Emulated: CreateSchedule, GetSchedule, UpdateSchedule, DeleteSchedule, CreateScheduleGroup and
 * GetScheduleGroup; any other operation answers `UnknownOperationException`. `cron()` expressions and the
 * members `StartDate`, `EndDate`, `KmsKeyArn` and `Tags` are refused with a `ValidationException` that says
 * the twin does not support them. Every other difference from AWS is listed in docs/local-twin.md.
 */
import http from 'node:http';
import type { Clock } from '#shared/ports.ts';
import { SchedulerApi, scheduleArn } from './scheduler/api.ts';
import { type Invoke, type Log, nextFireMs, SchedulerFiring } from './scheduler/firing.ts';
import {
  DEFAULT_GROUP,
  type DeadLetter,
  SchedulerState,
  type StoredSchedule,
  scheduleKey,
} from './scheduler/state.ts';
import type { Target } from './scheduler/validation.ts';
import { listen } from './support/http.ts';

export { SchedulerResourceNotFoundError } from './scheduler/errors.ts';
export type { DeadLetter } from './scheduler/state.ts';

export interface SchedulerEmulatorOptions {
  /**
   * JSON file for persistence (directories are created as needed), with its journal beside it
   * (`<dataFile>.journal`): every change is in one of them before the API answers.
   */
  readonly dataFile: string;
  /** The twin's virtual clock: the only source of "now". */
  readonly clock: Clock;
  /** Runs the local function for a target ARN with `Target.Input`; a rejection is retried per `RetryPolicy`. */
  readonly invoke: Invoke;
  /** @default no logging */
  readonly log?: Log;
  /** Schedules due at the same instant invoked at once. @default DEFAULT_FIRING_CONCURRENCY (4) */
  readonly concurrency?: number;
}

/** One schedule as the admin and test views show it. Instants are ISO-8601 UTC strings. */
export interface EmulatedSchedule {
  readonly name: string;
  readonly groupName: string;
  readonly arn: string;
  /** e.g. `at(2027-01-01T09:00:00)` or `rate(5 minutes)`. */
  readonly expression: string;
  readonly timezone: string;
  readonly state: 'ENABLED' | 'DISABLED';
  readonly actionAfterCompletion: 'NONE' | 'DELETE';
  /** When `fireDue` will next fire it; `undefined` if disabled or completed. */
  readonly nextFireAt: string | undefined;
  /** Virtual time of the last firing by `fireDue` (not `fireNow`). */
  readonly lastFiredAt: string | undefined;
  readonly target: Target;
}

export class SchedulerEmulator {
  private readonly state: SchedulerState;
  private readonly api: SchedulerApi;
  private readonly firing: SchedulerFiring;
  private server: http.Server | undefined;

  public constructor(opts: SchedulerEmulatorOptions) {
    const log = opts.log ?? (() => undefined);
    this.state = new SchedulerState(opts.dataFile, opts.clock);
    this.api = new SchedulerApi(this.state, log);
    this.firing = new SchedulerFiring(this.state, opts.invoke, log, opts.concurrency);
  }

  /** Read the persisted state (a missing file means an empty scheduler). Call before `listen`. */
  public load(): Promise<void> {
    return this.state.load();
  }

  /**
   * Serve the API on loopback, the only interface the twin uses.
   * @returns the bound port (pass 0 for any free port)
   */
  public listen(port: number, _host: '127.0.0.1' = '127.0.0.1'): Promise<number> {
    if (this.server) throw new Error('SchedulerEmulator is already listening');
    this.server = http.createServer((req, res) => void this.api.handle(req, res));
    return listen(this.server, port);
  }

  /** Stop the server (if any), then write the whole state as the snapshot (the journal emptied). */
  public async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server) {
      const closed = new Promise((resolve) => server.close(resolve));
      // SDK clients keep connections alive; without this close() waits for them to time out.
      server.closeAllConnections();
      await closed;
    }
    await this.state.close();
  }

  /**
   * Fire every schedule due at or before `clock.now()`, earliest first; a call made during another waits.
   * @returns how many invocations were attempted (every retry counts)
   */
  public fireDue(): Promise<number> {
    return this.firing.fireDue();
  }

  /**
   * Invoke a schedule's target now, as a duplicate delivery from AWS would; its own timer is untouched.
   * @throws SchedulerResourceNotFoundError when the schedule does not exist
   */
  public fireNow(name: string, group: string = DEFAULT_GROUP): Promise<void> {
    return this.firing.fireNow(name, group);
  }

  /** Every schedule, ordered by group then name. */
  public list(): readonly EmulatedSchedule[] {
    return [...this.state.schedules.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([, schedule]) => view(schedule));
  }

  /** One schedule, or `undefined` when it does not exist. */
  public get(name: string, group: string = DEFAULT_GROUP): EmulatedSchedule | undefined {
    const schedule = this.state.schedules.get(scheduleKey(group, name));
    return schedule && view(schedule);
  }

  /**
   * The earliest instant an enabled one-time (`at()`) schedule fires: where an advance steps next.
   * Recurring ones (the reconciler's rate) are not stepped to, or a 60-day advance would take 17,000 steps:
   * they fire at the steps and at the end, coalesced.
   */
  public nextOneTimeFireAt(): Date | undefined {
    const next = this.state.nextOneTimeMs();
    return next === undefined ? undefined : new Date(next);
  }

  /** Deliveries that exhausted their retries on a schedule with a dead-letter queue, oldest first. */
  public deadLetters(): readonly DeadLetter[] {
    return [...this.state.deadLetters];
  }

  /** Remove dead letters (as `deadLetters()` returned them) once redriven, as SQS's `DeleteMessage` would. */
  public async removeDeadLetters(letters: readonly DeadLetter[]): Promise<void> {
    if (letters.length === 0) return;
    this.state.removeDeadLetters(letters);
    await this.state.save();
  }
}

function view(schedule: StoredSchedule): EmulatedSchedule {
  const next = nextFireMs(schedule);
  return {
    name: schedule.name,
    groupName: schedule.groupName,
    arn: scheduleArn(schedule.groupName, schedule.name),
    expression: schedule.scheduleExpression,
    timezone: schedule.scheduleExpressionTimezone,
    state: schedule.state,
    actionAfterCompletion: schedule.actionAfterCompletion,
    nextFireAt: next === undefined ? undefined : new Date(next).toISOString(),
    lastFiredAt: schedule.firing.lastFiredAt,
    target: schedule.target,
  };
}
