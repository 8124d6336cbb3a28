/**
 * Fakes of the admin ports for the admin use cases' unit tests. The admin's reads are views of the same
 * `InMemoryReminderStore` the pipeline writes, and `eventState` plays the planner: the first look at an
 * operator's stored action applies it (`applyUserAction`), as the stream would a moment after the write.
 */
import type { ReminderKind, UserProfile } from '#shared/domain/model.ts';
import type {
  AdminReadStore,
  AuditLog,
  AuditRecord,
  DeadLetterView,
  TimerInspector,
  UpcomingPartition,
  UpcomingQuery,
  UserRecords,
} from '#shared/ports.ts';
import type { AdminDeps } from '#shared/use-cases/admin/deps.ts';
import { adminService } from '#shared/use-cases/admin/index.ts';
import { applyUserAction } from '#shared/use-cases/apply-user-action.ts';
import { userActionEventId } from '#shared/use-cases/record-user-action.ts';
import { type Pipeline, pipeline } from '../../../support/pipeline.ts';

type EventState = 'planned' | 'failed' | 'waiting' | 'missing';

export class FakeAdminReadStore implements AdminReadStore {
  /** `apply`: the planner applies an action at the first look; `stall`: it never gets to it; `fail`: it refuses. */
  public planner: 'apply' | 'stall' | 'fail' = 'apply';
  /** Whole user views a test sets up directly (they win over what the store holds). */
  public readonly users = new Map<string, UserRecords>();
  public readonly sentPerDay = new Map<string, number>();
  public feedback = { bounces: 0, complaints: 0 };
  public readonly asked: {
    emailsSentPerDay?: readonly string[];
    feedbackSince?: string;
    counted?: string[];
  } = {};
  public eventStateLooks = 0;
  private readonly states = new Map<string, EventState>();

  public constructor(private readonly p: Pipeline) {}

  public async listUpcoming(query: UpcomingQuery) {
    const all = this.p.store
      .allReminders()
      .filter((r) => r.status === 'pending' && (query.partition === 'held') === (r.held === true))
      .filter((r) => query.kind === undefined || r.kind === query.kind)
      .filter((r) => query.sourceId === undefined || r.sourceId === query.sourceId)
      .filter((r) => query.from === undefined || r.dueAt >= query.from)
      .filter((r) => query.to === undefined || r.dueAt <= query.to)
      .sort((a, b) => `${a.dueAt}#${a.reminderId}`.localeCompare(`${b.dueAt}#${b.reminderId}`));
    const start = query.cursor === undefined ? 0 : Number(query.cursor);
    const reminders = all.slice(start, start + query.limit);
    const end = start + reminders.length;
    return end < all.length ? { reminders, next: String(end) } : { reminders };
  }

  public async countUpcoming(partition: UpcomingPartition, from: string, to: string) {
    this.asked.counted = [partition, from, to];
    const counts = new Map<string, { day: string; kind: ReminderKind; count: number }>();
    for (const r of (await this.listUpcoming({ partition, from, limit: 10_000 })).reminders) {
      if (r.dueAt >= to) continue;
      const day = r.dueAt.slice(0, 10);
      const entry = counts.get(`${day}|${r.kind}`) ?? { day, kind: r.kind, count: 0 };
      entry.count += 1;
      counts.set(`${day}|${r.kind}`, entry);
    }
    return [...counts.values()];
  }

  public async getProfiles(userIds: readonly string[]) {
    const profiles = new Map<string, UserProfile>();
    for (const id of userIds) {
      const profile = await this.p.store.getProfile(id);
      if (profile) profiles.set(id, profile);
    }
    return profiles;
  }

  public async readUser(userId: string): Promise<UserRecords | undefined> {
    const set = this.users.get(userId);
    if (set) return set;
    const sks = this.p.store.itemsOf(userId).map((i) => i.sk);
    if (sks.length === 0) return undefined;
    const ids = (prefix: string) =>
      sks.filter((k) => k.startsWith(prefix)).map((k) => k.slice(prefix.length));
    return {
      profile: await this.p.store.getProfile(userId),
      events: (
        await Promise.all(
          ids('EVENT#').map(async (id) => {
            const event = this.p.store.timelineEvent(userId, id);
            if (!event) return [];
            const failure = this.p.store.eventFailure(userId, id);
            const { alreadyPlanned } = await this.p.store.loadPlanningState(userId, id, undefined, 'index');
            // The fake store keeps no `plannedAt` time: the event's arrival stands in for it.
            return [
              {
                ...event,
                plannedAt: alreadyPlanned ? event.receivedAt : undefined,
                ...(failure ? { status: 'failed', failureReason: failure.reason } : {}),
              },
            ];
          }),
        )
      ).flat(),
      applications: (
        await Promise.all(ids('APP#').map((ref) => this.p.store.getApplication(userId, ref)))
      ).flatMap((a) => (a ? [a] : [])),
      reminders: this.p.store.allReminders().filter((r) => r.userId === userId),
      digests: ids('DIGEST#').flatMap((id) => {
        const digest = this.p.store.digest(userId, id);
        if (!digest) return [];
        const { failure: _failure, ...rest } = digest;
        return [rest];
      }),
    };
  }

  public async eventState(userId: string, eventId: string): Promise<EventState> {
    this.eventStateLooks += 1;
    const stored = this.p.store.timelineEvent(userId, eventId);
    if (!stored) return 'missing';
    const known = this.states.get(eventId);
    if (known) return known;
    if (this.planner === 'stall') return 'waiting';
    if (this.planner === 'fail') {
      this.states.set(eventId, 'failed');
      return 'failed';
    }
    const result = await applyUserAction(stored, this.p);
    this.states.set(eventId, result.outcome === 'failed' ? 'failed' : 'planned');
    return this.p.store.timelineEvent(userId, eventId) ? (this.states.get(eventId) as EventState) : 'missing';
  }

  public async getDigest(userId: string, digestId: string) {
    const digest = this.p.store.digest(userId, digestId);
    if (!digest) return undefined;
    const { failure: _failure, ...rest } = digest;
    return rest;
  }

  public async emailsSentPerDay(days: readonly string[]) {
    this.asked.emailsSentPerDay = days;
    return new Map(
      days.flatMap((d) => (this.sentPerDay.has(d) ? [[d, this.sentPerDay.get(d) as number]] : [])),
    );
  }

  public async feedbackCounts(sinceDay: string) {
    this.asked.feedbackSince = sinceDay;
    return this.feedback;
  }
}

/** Write once per audit id, list newest first. */
export class FakeAuditLog implements AuditLog {
  public readonly records = new Map<string, AuditRecord>();
  public writes = 0;

  public async record(entry: AuditRecord): Promise<void> {
    this.writes += 1;
    if (!this.records.has(entry.auditId)) this.records.set(entry.auditId, structuredClone(entry));
  }

  public async list(limit: number, cursor?: string) {
    const all = [...this.records.values()].sort((a, b) => b.at.localeCompare(a.at));
    const start = cursor === undefined ? 0 : Number(cursor);
    const items = all.slice(start, start + limit);
    return start + items.length < all.length ? { items, next: String(start + items.length) } : { items };
  }
}

/** What `GetSchedule` would say: the timers of a `FakeTimerService`, or a test's own answers. */
export class FakeInspector implements TimerInspector {
  public readonly looks: string[] = [];
  public readonly overrides = new Map<string, string | undefined>();

  public constructor(private readonly p: Pipeline) {}

  public async inspect(scheduleName: string) {
    this.looks.push(scheduleName);
    const at = this.overrides.has(scheduleName)
      ? this.overrides.get(scheduleName)
      : this.p.timers.timers.get(scheduleName)?.dueAt;
    return at === undefined ? ({ exists: false } as const) : ({ exists: true, at } as const);
  }
}

export class FixedDeadLetters implements DeadLetterView {
  /** The queues redriven, in order. */
  public readonly redriven: string[] = [];
  public constructor(public queues: { name: string; count: number }[] = []) {}
  public async counts() {
    return this.queues;
  }
  /** Empties the queue: every message redriven. */
  public async redrive(queue: string) {
    this.redriven.push(queue);
    const q = this.queues.find((x) => x.name === queue);
    const redriven = q?.count ?? 0;
    if (q) q.count = 0;
    return { redriven, remaining: 0 };
  }
}

export interface AdminWorld {
  readonly p: Pipeline;
  readonly admin: FakeAdminReadStore;
  readonly audit: FakeAuditLog;
  readonly inspector: FakeInspector;
  readonly deadLetters: FixedDeadLetters;
  readonly deps: AdminDeps;
  readonly service: ReturnType<typeof adminService>;
  /** How many times an action slept, waiting for the planner. */
  readonly sleeps: { count: number };
}

/** The pipeline's fakes with the admin's on top, the clock at `start`; waits take no time (they are counted). */
export function adminWorld(start: string): AdminWorld {
  const p = pipeline(start);
  const admin = new FakeAdminReadStore(p);
  const audit = new FakeAuditLog();
  const inspector = new FakeInspector(p);
  const deadLetters = new FixedDeadLetters();
  const sleeps = { count: 0 };
  const deps: AdminDeps = {
    store: p.store,
    admin,
    audit,
    inspector,
    timers: p.timers,
    deadLetters,
    clock: p.clock,
    sleep: async () => {
      sleeps.count += 1;
    },
    applyWaitMs: 1_000,
  };
  return { p, admin, audit, inspector, deadLetters, deps, service: adminService(deps), sleeps };
}

export { userActionEventId };
