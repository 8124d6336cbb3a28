/**
 * What the Scheduler emulator keeps, shared by its API and its firing, and the files that keep it across
 * restarts: a JSON snapshot (`scheduler.json`) and a journal of the changes since (`scheduler.json.journal`,
 * one JSON line per change; `support/journal.ts`). Instants are ISO-8601 UTC strings so the files stay
 * readable when debugging the twin.
 */
import { ReboundError } from '#shared/errors.ts';
import type { Clock } from '#shared/ports.ts';
import { Journal } from '../support/journal.ts';
import { DueIndex } from './due-index.ts';
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

/** One line of the journal: a change to the state, replayed over the snapshot on load. */
type Change =
  | { readonly put: StoredSchedule }
  | { readonly delete: string }
  | { readonly group: StoredGroup }
  | { readonly deadLetter: DeadLetter }
  /** The whole list, after a removal (rare: a redrive). */
  | { readonly deadLetters: readonly DeadLetter[] };

export const scheduleKey = (groupName: string, name: string): string => `${groupName}/${name}`;

/** The journal is compacted when it holds more lines than this, or twice the schedules if more. */
const MIN_COMPACT_AFTER = 1000;

/**
 * The state in memory, changed only through its methods, each of which records the change in the journal
 * (`support/journal.ts`); `save()` resolves once the changes are on disk. The API answers after `save()`, so
 * every acknowledged CreateSchedule, UpdateSchedule or DeleteSchedule survives the twin being killed.
 */
export class SchedulerState {
  private readonly groupMap = new Map<string, StoredGroup>();
  /** Keyed by `group/name`. Records are replaced, never mutated, so a firing holds a consistent snapshot. */
  private readonly scheduleMap = new Map<string, StoredSchedule>();
  private letters: DeadLetter[] = [];
  private readonly journal: Journal<SavedState, Change>;
  private readonly due = new DueIndex((key, schedule) => this.scheduleMap.get(key) === schedule);

  public constructor(
    private readonly dataFile: string,
    private readonly clock: Clock,
  ) {
    this.journal = new Journal({
      snapshotPath: dataFile,
      snapshot: () => ({
        version: 1,
        groups: [...this.groupMap.values()],
        schedules: [...this.scheduleMap.values()],
        deadLetters: this.letters,
      }),
      compactAfter: () => Math.max(MIN_COMPACT_AFTER, 2 * this.scheduleMap.size),
    });
    this.groupMap.set(DEFAULT_GROUP, { name: DEFAULT_GROUP, creationDate: this.now() });
  }

  public get groups(): ReadonlyMap<string, StoredGroup> {
    return this.groupMap;
  }

  public get schedules(): ReadonlyMap<string, StoredSchedule> {
    return this.scheduleMap;
  }

  /** Oldest first. */
  public get deadLetters(): readonly DeadLetter[] {
    return this.letters;
  }

  /** A missing file means an empty scheduler; an unreadable one stops the twin, naming the file. */
  public async load(): Promise<void> {
    const { snapshot, changes } = await this.journal.load().catch((error: unknown) => {
      throw new ReboundError(`Scheduler state file ${this.dataFile} (or its journal) is unreadable`, {
        cause: error,
      });
    });
    for (const group of snapshot?.groups ?? []) this.groupMap.set(group.name, group);
    for (const schedule of snapshot?.schedules ?? []) {
      this.scheduleMap.set(scheduleKey(schedule.groupName, schedule.name), schedule);
    }
    this.letters.push(...(snapshot?.deadLetters ?? []));
    for (const change of changes) this.apply(change);
    this.due.rebuild(this.scheduleMap);
    // Fold the journal into the snapshot now, if it held anything (it may end with a torn line).
    await this.journal.commit();
  }

  public putGroup(group: StoredGroup): void {
    this.record({ group });
  }

  public putSchedule(schedule: StoredSchedule): void {
    this.record({ put: schedule });
  }

  public deleteSchedule(key: string): void {
    this.record({ delete: key });
  }

  public addDeadLetter(letter: DeadLetter): void {
    this.record({ deadLetter: letter });
  }

  /** Remove these dead letters (compared by identity, as `deadLetters` holds them). */
  public removeDeadLetters(letters: readonly DeadLetter[]): void {
    const gone = new Set(letters);
    this.record({ deadLetters: this.letters.filter((letter) => !gone.has(letter)) });
  }

  /** Resolves once every change made so far is on disk. */
  public save(): Promise<void> {
    return this.journal.commit();
  }

  /** Resolves when the last write has landed. */
  public flush(): Promise<unknown> {
    return this.journal.flush();
  }

  /** Write the whole state as the snapshot (the journal emptied) and release the files. */
  public close(): Promise<void> {
    return this.journal.close();
  }

  /** The earliest instant a one-time schedule fires, if any. */
  public nextOneTimeMs(): number | undefined {
    return this.due.nextOneTimeMs();
  }

  /**
   * The schedules due at or before `nowMs` (their occurrence may be earlier, for a coalesced rate()), taken
   * out of the due index: hand them back with `untake` once fired.
   */
  public takeDue(nowMs: number): { readonly key: string; readonly schedule: StoredSchedule }[] {
    return this.due.takeDue(nowMs);
  }

  /** Put back into the due index those taken that are still current (not replaced or deleted meanwhile). */
  public untake(taken: readonly { readonly key: string; readonly schedule: StoredSchedule }[]): void {
    for (const { key, schedule } of taken) {
      if (this.scheduleMap.get(key) === schedule) this.due.add(key, schedule);
    }
  }

  public requireGroup(name: string): StoredGroup {
    const group = this.groupMap.get(name);
    if (!group) throw new SchedulerResourceNotFoundError(`Schedule group ${name} does not exist.`);
    return group;
  }

  public requireSchedule(groupName: string, name: string): StoredSchedule {
    const schedule = this.scheduleMap.get(scheduleKey(groupName, name));
    if (!schedule) throw new SchedulerResourceNotFoundError(`Schedule ${name} does not exist.`);
    return schedule;
  }

  /** The clock's "now" in the form every stored instant uses. */
  public now(): string {
    return this.clock.now().toISOString();
  }

  private record(change: Change): void {
    this.apply(change);
    this.journal.record(change);
  }

  private apply(change: Change): void {
    if ('put' in change) {
      const key = scheduleKey(change.put.groupName, change.put.name);
      this.scheduleMap.set(key, change.put);
      this.due.add(key, change.put);
      // Replaced and deleted schedules leave stale entries behind; drop them once they outnumber the rest.
      if (this.due.size > 2 * this.scheduleMap.size + MIN_COMPACT_AFTER) this.due.rebuild(this.scheduleMap);
    } else if ('delete' in change) {
      this.scheduleMap.delete(change.delete);
    } else if ('group' in change) {
      this.groupMap.set(change.group.name, change.group);
    } else if ('deadLetter' in change) {
      this.letters.push(change.deadLetter);
    } else {
      this.letters = [...change.deadLetters];
    }
  }
}
