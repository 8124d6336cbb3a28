/**
 * What the Scheduler emulator keeps, shared by its API and its firing, and the JSON file that keeps it
 * across restarts. Instants are ISO-8601 UTC strings so the file stays readable when debugging the twin.
 */
import { ReboundError } from '#shared/errors.ts';
import type { Clock } from '#shared/ports.ts';
import { JsonFile } from '../support/json-file.ts';
import { SchedulerResourceNotFoundError } from './errors.ts';
import type { ScheduleBody, Target } from './validation.ts';

/** The group that always exists; schedules created without `GroupName` land in it. */
export const DEFAULT_GROUP = 'default';

export interface StoredGroup {
  readonly name: string;
  readonly creationDate: string;
}

export interface StoredSchedule {
  readonly name: string;
  readonly groupName: string;
  readonly scheduleExpression: string;
  readonly scheduleExpressionTimezone: string;
  readonly description?: string;
  readonly state: 'ENABLED' | 'DISABLED';
  readonly actionAfterCompletion: 'NONE' | 'DELETE';
  readonly flexibleTimeWindow: ScheduleBody['FlexibleTimeWindow'];
  /** With AWS's default `RetryPolicy` filled in. */
  readonly target: Target;
  readonly creationDate: string;
  readonly lastModificationDate: string;
  readonly firing: FiringState;
}

/** The emulator's own timer for one schedule; not part of the AWS API. */
export interface FiringState {
  /** Where rate() occurrences count from: creation, or the last update that changed the timing. */
  readonly anchor: string;
  /** rate(): the occurrence fired last (its due time, not the time it was fired). */
  readonly lastOccurrence?: string;
  /** at(): fired once, successfully or with retries exhausted. */
  readonly completed: boolean;
  /** Virtual time of the last firing by fireDue. */
  readonly lastFiredAt?: string;
}

/** A delivery that failed after all retries and went to the schedule's dead-letter queue. */
export interface DeadLetter {
  /** Virtual time when the last attempt failed. */
  readonly at: string;
  readonly scheduleName: string;
  readonly groupName: string;
  readonly targetArn: string;
  readonly deadLetterArn: string;
  /** `Target.Input` as it would have been delivered. */
  readonly input: string | undefined;
  /** Message of the last failure. */
  readonly error: string;
  /** 1 + retries. */
  readonly attempts: number;
}

interface SavedState {
  readonly version: 1;
  readonly groups: readonly StoredGroup[];
  readonly schedules: readonly StoredSchedule[];
  readonly deadLetters: readonly DeadLetter[];
}

export const scheduleKey = (groupName: string, name: string): string => `${groupName}/${name}`;

export class SchedulerState {
  public readonly groups = new Map<string, StoredGroup>();
  /** Keyed by `group/name`. Records are replaced, never mutated, so a firing holds a consistent snapshot. */
  public readonly schedules = new Map<string, StoredSchedule>();
  public readonly deadLetters: DeadLetter[] = [];
  private readonly file: JsonFile<SavedState>;
  private lastWrite: Promise<unknown> = Promise.resolve();

  public constructor(
    dataFile: string,
    private readonly clock: Clock,
  ) {
    this.file = new JsonFile(dataFile);
    this.groups.set(DEFAULT_GROUP, { name: DEFAULT_GROUP, creationDate: this.now() });
  }

  /** A missing file means an empty scheduler; an unreadable one stops the twin, naming the file. */
  public async load(): Promise<void> {
    const saved = await this.file.read().catch((error: unknown) => {
      throw new ReboundError(`Scheduler state file ${this.file.path} is unreadable`, { cause: error });
    });
    for (const group of saved?.groups ?? []) this.groups.set(group.name, group);
    for (const schedule of saved?.schedules ?? []) {
      this.schedules.set(scheduleKey(schedule.groupName, schedule.name), schedule);
    }
    this.deadLetters.push(...(saved?.deadLetters ?? []));
  }

  /** Resolves once this state, or a later one (steno coalesces overlapping writes), is on disk. */
  public save(): Promise<void> {
    const write = this.file.write({
      version: 1,
      groups: [...this.groups.values()],
      schedules: [...this.schedules.values()],
      deadLetters: this.deadLetters,
    });
    this.lastWrite = write.catch(() => undefined);
    return write;
  }

  /** Resolves when the last write has landed. */
  public flush(): Promise<unknown> {
    return this.lastWrite;
  }

  public requireGroup(name: string): StoredGroup {
    const group = this.groups.get(name);
    if (!group) throw new SchedulerResourceNotFoundError(`Schedule group ${name} does not exist.`);
    return group;
  }

  public requireSchedule(groupName: string, name: string): StoredSchedule {
    const schedule = this.schedules.get(scheduleKey(groupName, name));
    if (!schedule) throw new SchedulerResourceNotFoundError(`Schedule ${name} does not exist.`);
    return schedule;
  }

  /** The clock's "now" in the form every stored instant uses. */
  public now(): string {
    return this.clock.now().toISOString();
  }
}
