/**
 * What the Scheduler emulator keeps, and the JSON file that keeps it across restarts.
 * Instants are stored as ISO-8601 UTC strings so the file stays readable when debugging the twin.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
// A namespace import lets esbuild drop what is unused (all locales but the default): ~85 KB instead of ~450 KB.
import * as z from 'zod';
import { SchedulerStateFileError } from './errors.ts';
import {
  ACTIONS_AFTER_COMPLETION,
  FLEXIBLE_TIME_WINDOW_MODES,
  SCHEDULE_STATES,
  TargetSchema,
} from './validation.ts';

const Instant = z.iso.datetime({ offset: true });

const TagSchema = z.object({ Key: z.string(), Value: z.string() });

export const StoredGroupSchema = z.object({
  name: z.string(),
  creationDate: Instant,
  lastModificationDate: Instant,
  tags: z.array(TagSchema),
});
export type StoredGroup = z.infer<typeof StoredGroupSchema>;

/** Bookkeeping of the emulator's own timer for one schedule; not part of the AWS API. */
export const FiringStateSchema = z.object({
  /** Where rate() occurrences count from when there is no StartDate: creation, or the last re-timing update. */
  anchor: Instant,
  /** rate(): the occurrence fired last (the occurrence time, not the time it was fired). */
  lastOccurrence: Instant.optional(),
  /** at(): fired once (successfully or with retries exhausted); never fires again. */
  completed: z.boolean(),
  /** Virtual time of the last firing by fireDue, for the admin view. */
  lastFiredAt: Instant.optional(),
  /** Bumped when an update changes the timing, so a firing in flight does not mark the new timing as done. */
  epoch: z.number().int(),
});
export type FiringState = z.infer<typeof FiringStateSchema>;

export const StoredScheduleSchema = z.object({
  name: z.string(),
  groupName: z.string(),
  scheduleExpression: z.string(),
  scheduleExpressionTimezone: z.string().optional(),
  description: z.string().optional(),
  startDate: Instant.optional(),
  endDate: Instant.optional(),
  state: z.enum(SCHEDULE_STATES),
  kmsKeyArn: z.string().optional(),
  actionAfterCompletion: z.enum(ACTIONS_AFTER_COMPLETION),
  flexibleTimeWindow: z.object({
    Mode: z.enum(FLEXIBLE_TIME_WINDOW_MODES),
    MaximumWindowInMinutes: z.number().int().optional(),
  }),
  target: TargetSchema,
  creationDate: Instant,
  lastModificationDate: Instant,
  firing: FiringStateSchema,
});
export type StoredSchedule = z.infer<typeof StoredScheduleSchema>;

const DeadLetterSchema = z.object({
  at: Instant,
  scheduleName: z.string(),
  groupName: z.string(),
  targetArn: z.string(),
  deadLetterArn: z.string(),
  input: z.string().optional(),
  error: z.string(),
  attempts: z.number().int(),
});

/** A delivery that failed after all retries and went to the schedule's dead-letter queue. */
export interface DeadLetter {
  /** Virtual time (ISO-8601 UTC) when the last attempt failed. */
  readonly at: string;
  readonly scheduleName: string;
  readonly groupName: string;
  readonly targetArn: string;
  /** `Target.DeadLetterConfig.Arn` of the schedule. */
  readonly deadLetterArn: string;
  /** `Target.Input` as it would have been delivered; `undefined` when the schedule has none. */
  readonly input: string | undefined;
  /** Message of the last failure. */
  readonly error: string;
  /** Invocations made: 1 + retries. */
  readonly attempts: number;
}

export const PersistedStateSchema = z.object({
  version: z.literal(1),
  groups: z.array(StoredGroupSchema),
  schedules: z.array(StoredScheduleSchema),
  deadLetters: z.array(DeadLetterSchema),
});
export type PersistedState = z.infer<typeof PersistedStateSchema>;

/**
 * The state file. Writes are queued so they land in the order the mutations happened, and each one is
 * atomic (write a temporary file, then rename over the old one): a crash leaves the old or the new state,
 * never half a file.
 */
export class StateFile {
  private queue: Promise<void> = Promise.resolve();
  private waiting: { snapshot: () => PersistedState; promise: Promise<void> } | undefined;
  private sequence = 0;

  public constructor(public readonly path: string) {}

  /** The stored state, or `undefined` when the file does not exist yet. */
  public async read(): Promise<PersistedState | undefined> {
    let raw: string;
    try {
      raw = await readFile(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new SchedulerStateFileError(this.path, String(error), { cause: error });
    }
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch (error) {
      throw new SchedulerStateFileError(this.path, 'not JSON', { cause: error });
    }
    const parsed = PersistedStateSchema.safeParse(json);
    if (!parsed.success) throw new SchedulerStateFileError(this.path, z.prettifyError(parsed.error));
    return parsed.data;
  }

  /**
   * Queue a write of the state `snapshot()` returns. Group commit: callers that arrive while a write is
   * queued but not started join it, and it serialises the state when it starts, so it holds every one of
   * their mutations. Each caller still resolves only once its mutation is on disk, but thousands of
   * timers no longer mean thousands of rewrites of the whole file.
   */
  public write(snapshot: () => PersistedState): Promise<void> {
    if (this.waiting) {
      this.waiting.snapshot = snapshot;
      return this.waiting.promise;
    }
    const entry: { snapshot: () => PersistedState; promise: Promise<void> } = {
      snapshot,
      promise: Promise.resolve(),
    };
    entry.promise = this.queue.then(() => {
      if (this.waiting === entry) this.waiting = undefined;
      return this.writeAtomically(`${JSON.stringify(entry.snapshot())}\n`);
    });
    this.waiting = entry;
    this.queue = entry.promise.catch(() => undefined);
    return entry.promise;
  }

  /** Resolves when every queued write has finished. */
  public flush(): Promise<void> {
    return this.queue;
  }

  private async writeAtomically(json: string): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true });
    this.sequence += 1;
    const temporary = `${this.path}.${process.pid}.${this.sequence}.tmp`;
    // No fsync: the twin guards against its own process dying, where rename is already atomic.
    await writeFile(temporary, json, 'utf8');
    await rename(temporary, this.path);
  }
}
