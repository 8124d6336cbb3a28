/**
 * In-memory implementations of the ports (`shared/ports.ts`) for unit tests of the use cases.
 *
 * `InMemoryReminderStore` honours the same conditions as `DynamoDbReminderStore`, write for write, so a
 * use case that relies on a condition (a claim that loses, a plan applied twice) behaves here as it does
 * against DynamoDB. Reads return copies: nothing a test or a use case holds can change the stored state.
 */
import type { StoredJobEvent } from '#events/job-event.ts';
import type { ApplicationState, Digest, EventFailure, Reminder, UserProfile } from '#shared/domain/model.ts';
import { ConcurrencyError, RequestRejectedError } from '#shared/errors.ts';
import type {
  ClaimResult,
  Clock,
  Mailer,
  OutgoingEmail,
  PlanningState,
  PlanWrite,
  PutEventResult,
  ReminderStore,
  TimelineEvent,
  TimerRequest,
  TimerService,
} from '#shared/ports.ts';

/**
 * A conditional write that DynamoDB would refuse and the adapter does not translate (it surfaces as the
 * SDK's `TransactionCanceledException` there): completing or releasing a digest that is not `sending`.
 */
export class ConditionFailedError extends Error {
  public constructor(message: string) {
    super(message);
    this.name = 'ConditionFailedError';
  }
}

interface StoredEventItem {
  readonly event: TimelineEvent;
  plannedAt?: string;
  failure?: EventFailure;
}

type DigestItem = Digest & { readonly failure?: string };

const key = (userId: string, id: string) => `${userId}|${id}`;
const copy = <T>(value: T): T => structuredClone(value);

export class InMemoryReminderStore implements ReminderStore {
  private readonly events = new Map<string, StoredEventItem>();
  private readonly profiles = new Map<string, UserProfile>();
  private readonly applications = new Map<string, ApplicationState>();
  private readonly reminders = new Map<string, Reminder>();
  private readonly digests = new Map<string, DigestItem>();

  /**
   * Runs just before `claimDigest` evaluates its conditions, once: lets a test slip a concurrent writer
   * in between a use case's read and its claim, as another Lambda invocation would.
   */
  public beforeNextClaim: (() => Promise<void>) | undefined;

  // ------------------------------------------------------------------ ReminderStore

  public async putEvent(event: TimelineEvent): Promise<PutEventResult> {
    const k = key(event.userId, event.eventId);
    const existing = this.events.get(k);
    if (existing) return { outcome: 'duplicate', existing: copy(existing.event) };
    this.events.set(k, { event: copy(event) });
    return { outcome: 'created' };
  }

  public async loadPlanningState(
    userId: string,
    eventId: string,
    applicationRef: string | undefined,
  ): Promise<PlanningState> {
    const profile = this.profiles.get(userId);
    const application = applicationRef ? this.applications.get(key(userId, applicationRef)) : undefined;
    return {
      profile: profile && copy(profile),
      application: application && copy(application),
      pending: this.remindersOf(userId).filter((r) => r.status === 'pending'),
      alreadyPlanned: this.events.get(key(userId, eventId))?.plannedAt !== undefined,
    };
  }

  public async applyPlan(plan: PlanWrite): Promise<void> {
    const userId = plan.profile.userId;
    // Cancellations first, each on its own and only while pending (as the adapter's conditional updates).
    for (const c of plan.cancel) {
      const k = key(userId, c.reminderId);
      const reminder = this.reminders.get(k);
      if (reminder?.status !== 'pending') continue;
      this.reminders.set(k, {
        ...reminder,
        status: 'cancelled',
        cancelledAt: plan.plannedAt,
        cancelledBy: plan.event.eventId,
        cancelReason: c.reason,
      });
    }
    // Then one transaction: every condition is checked before anything is written.
    const eventItem = this.events.get(key(userId, plan.event.eventId));
    if (!eventItem) throw new ConcurrencyError(`Plan for event ${plan.event.eventId}: event not stored`);
    if (eventItem.plannedAt !== undefined) {
      throw new ConcurrencyError(`Plan for event ${plan.event.eventId} lost a race`);
    }
    if (plan.create.some((r) => this.reminders.has(key(r.userId, r.reminderId)))) {
      throw new ConcurrencyError(`Plan for event ${plan.event.eventId} lost a race`);
    }
    eventItem.plannedAt = plan.plannedAt;
    this.profiles.set(userId, copy(plan.profile));
    if (plan.application) this.applications.set(key(userId, plan.application.ref), copy(plan.application));
    for (const r of plan.create)
      this.reminders.set(key(r.userId, r.reminderId), { ...copy(r), status: 'pending' });
  }

  public async markEventFailed(userId: string, eventId: string, failure: EventFailure): Promise<void> {
    const item = this.events.get(key(userId, eventId));
    if (item) item.failure = { failedAt: failure.failedAt, reason: failure.reason.slice(0, 500) };
  }

  public async remindersTouchedBy(userId: string, eventId: string): Promise<readonly Reminder[]> {
    return this.remindersOf(userId).filter((r) => r.sourceEventId === eventId || r.cancelledBy === eventId);
  }

  public async getProfile(userId: string): Promise<UserProfile | undefined> {
    const profile = this.profiles.get(userId);
    return profile && copy(profile);
  }

  public async getReminder(userId: string, reminderId: string): Promise<Reminder | undefined> {
    const reminder = this.reminders.get(key(userId, reminderId));
    return reminder && copy(reminder);
  }

  public async getApplication(userId: string, ref: string): Promise<ApplicationState | undefined> {
    const application = this.applications.get(key(userId, ref));
    return application && copy(application);
  }

  public async listPendingDue(userId: string, until: Date): Promise<readonly Reminder[]> {
    const limit = until.toISOString();
    return this.remindersOf(userId)
      .filter((r) => r.status === 'pending' && r.dueAt <= limit)
      .sort((a, b) => a.dueAt.localeCompare(b.dueAt));
  }

  public async listAllPendingDue(until: Date, limit: number): Promise<readonly Reminder[]> {
    // The pending index: sort key `<dueAt>#<reminderId>`, queried with `<= <until>#~`.
    const upTo = `${until.toISOString()}#~`;
    return [...this.reminders.values()]
      .filter((r) => r.status === 'pending')
      .map((r) => ({ r, sortKey: `${r.dueAt}#${r.reminderId}` }))
      .filter(({ sortKey }) => sortKey <= upTo)
      .sort((a, b) => a.sortKey.localeCompare(b.sortKey))
      .slice(0, limit)
      .map(({ r }) => copy(r));
  }

  public async claimDigest(digest: Digest): Promise<ClaimResult> {
    const hook = this.beforeNextClaim;
    this.beforeNextClaim = undefined;
    if (hook) await hook();
    const digestKey = key(digest.userId, digest.digestId);
    if (this.digests.has(digestKey)) return { outcome: 'lost' };
    const claimed = digest.reminderIds.map((id) => this.reminders.get(key(digest.userId, id)));
    if (claimed.some((r) => r?.status !== 'pending')) return { outcome: 'lost' };
    this.digests.set(digestKey, copy(digest));
    for (const r of claimed) {
      if (!r) continue;
      this.reminders.set(key(r.userId, r.reminderId), {
        ...r,
        status: 'sending',
        claimedAt: digest.claimedAt,
        digestId: digest.digestId,
      });
    }
    return { outcome: 'claimed', digest };
  }

  public async completeDigest(digest: Digest, messageId: string, sentAt: string): Promise<void> {
    const { item, reminders } = this.claimedBy(digest, 'completeDigest');
    this.digests.set(key(digest.userId, digest.digestId), { ...item, status: 'sent', messageId, sentAt });
    for (const r of reminders)
      this.reminders.set(key(r.userId, r.reminderId), { ...r, status: 'sent', messageId, sentAt });
  }

  public async releaseDigest(digest: Digest, reason: string): Promise<void> {
    const { item, reminders } = this.claimedBy(digest, 'releaseDigest');
    // The digest item stays (status failed), exactly as the adapter leaves it.
    this.digests.set(key(digest.userId, digest.digestId), {
      ...item,
      status: 'failed',
      failure: reason.slice(0, 500),
    });
    for (const r of reminders) {
      const { claimedAt: _claimedAt, digestId: _digestId, ...rest } = r;
      this.reminders.set(key(r.userId, r.reminderId), {
        ...rest,
        status: 'pending',
        failedSends: (r.failedSends ?? 0) + 1,
      });
    }
  }

  public async listStuckDigests(olderThan: Date, limit: number): Promise<readonly Digest[]> {
    const before = olderThan.toISOString();
    return [...this.digests.values()]
      .filter((d) => d.status === 'sending')
      .map((d) => ({ d, sortKey: `${d.claimedAt}#${d.digestId}` }))
      .filter(({ sortKey }) => sortKey < before)
      .sort((a, b) => a.sortKey.localeCompare(b.sortKey))
      .slice(0, limit)
      .map(({ d }) => copy(d));
  }

  // ------------------------------------------------------------------ test helpers

  /** The stored intake event, as the table's stream would deliver it to the planner (not a user action). */
  public storedEvent(userId: string, eventId: string): StoredJobEvent | undefined {
    const item = this.events.get(key(userId, eventId));
    return item && 'event' in item.event ? copy(item.event) : undefined;
  }

  /** The stored timeline event of either kind (intake event or user action). */
  public timelineEvent(userId: string, eventId: string): TimelineEvent | undefined {
    const item = this.events.get(key(userId, eventId));
    return item && copy(item.event);
  }

  /** Why the event was marked failed, if it was. */
  public eventFailure(userId: string, eventId: string): EventFailure | undefined {
    const failure = this.events.get(key(userId, eventId))?.failure;
    return failure && copy(failure);
  }

  /** One reminder as stored, whatever its status. */
  public reminder(userId: string, reminderId: string): Reminder | undefined {
    const reminder = this.reminders.get(key(userId, reminderId));
    return reminder && copy(reminder);
  }

  public eventCount(): number {
    return this.events.size;
  }

  /** Every reminder of every user, in creation order. */
  public allReminders(): Reminder[] {
    return [...this.reminders.values()].map(copy);
  }

  public digest(userId: string, digestId: string): (Digest & { readonly failure?: string }) | undefined {
    const item = this.digests.get(key(userId, digestId));
    return item && copy(item);
  }

  private remindersOf(userId: string): Reminder[] {
    return [...this.reminders.values()].filter((r) => r.userId === userId).map(copy);
  }

  /** The conditions of completeDigest / releaseDigest: digest `sending`, each reminder `sending` by it. */
  private claimedBy(digest: Digest, operation: string): { item: DigestItem; reminders: Reminder[] } {
    const item = this.digests.get(key(digest.userId, digest.digestId));
    if (item?.status !== 'sending') {
      throw new ConditionFailedError(`${operation}: digest ${digest.digestId} is not sending`);
    }
    const reminders = digest.reminderIds.map((id) => this.reminders.get(key(digest.userId, id)));
    const held = reminders.filter(
      (r): r is Reminder => r?.status === 'sending' && r.digestId === digest.digestId,
    );
    if (held.length !== reminders.length) {
      throw new ConditionFailedError(`${operation}: a reminder of ${digest.digestId} is not held by it`);
    }
    return { item, reminders: held };
  }
}

/** Records every call; `timers` is what would exist in EventBridge Scheduler. */
export class FakeTimerService implements TimerService {
  public readonly timers = new Map<string, TimerRequest>();
  public readonly ensured: TimerRequest[] = [];
  public readonly removed: string[] = [];
  private ensureFailures = 0;
  private ensureRefusals = 0;

  /** The next `count` calls to `ensure` throw (after nothing was created), as a throttled Scheduler would. */
  public failNextEnsures(count: number): void {
    this.ensureFailures = count;
  }

  /** The next `count` calls to `ensure` are refused as invalid, as the Scheduler refuses a date out of range. */
  public refuseNextEnsures(count: number): void {
    this.ensureRefusals = count;
  }

  public async ensure(timer: TimerRequest): Promise<void> {
    if (this.ensureFailures > 0) {
      this.ensureFailures -= 1;
      throw new Error(`Scheduler unavailable: ${timer.scheduleName}`);
    }
    if (this.ensureRefusals > 0) {
      this.ensureRefusals -= 1;
      throw new RequestRejectedError(`CreateSchedule ${timer.scheduleName}`, {
        cause: new Error(`Invalid Schedule Expression at(${timer.dueAt})`),
      });
    }
    this.ensured.push({ ...timer });
    this.timers.set(timer.scheduleName, { ...timer });
  }

  public async remove(scheduleName: string): Promise<void> {
    this.removed.push(scheduleName);
    this.timers.delete(scheduleName);
  }
}

export interface SentEmail extends OutgoingEmail {
  readonly messageId: string;
}

/** Records every accepted email; `failNextSends(n)` makes the provider refuse the next n. */
export class FakeMailer implements Mailer {
  public readonly sent: SentEmail[] = [];
  private failures = 0;
  private counter = 0;

  public failNextSends(count: number): void {
    this.failures = count;
  }

  public async send(email: OutgoingEmail): Promise<string> {
    if (this.failures > 0) {
      this.failures -= 1;
      throw new Error('Mail provider refused the message');
    }
    this.counter += 1;
    const messageId = `msg-${this.counter}`;
    this.sent.push({ ...structuredClone(email), messageId });
    return messageId;
  }
}

/** A clock that stands still until a test moves it. */
export class SettableClock implements Clock {
  private current: Date;

  public constructor(start: string | Date) {
    this.current = new Date(start);
  }

  public now(): Date {
    return new Date(this.current.getTime());
  }

  public set(to: string | Date): void {
    this.current = new Date(to);
  }

  public advance(ms: number): void {
    this.current = new Date(this.current.getTime() + ms);
  }
}
