/**
 * In-memory implementations of the ports (`shared/ports.ts`) for unit tests of the use cases.
 *
 * `InMemoryReminderStore` honours the same conditions as `DynamoDbReminderStore`, write for write, so a
 * use case that relies on a condition (a claim that loses, a plan applied twice) behaves here as it does
 * against DynamoDB. Reads return copies: nothing a test or a use case holds can change the stored state.
 */
import type { StoredJobEvent } from '#events/job-event.ts';
import type { ErasureMarker } from '#shared/domain/erasure.ts';
import type {
  ApplicationState,
  Cancellation,
  Digest,
  EventFailure,
  Reminder,
  ReminderMove,
  UserProfile,
} from '#shared/domain/model.ts';
import { historyExpiry } from '#shared/domain/retention.ts';
import { ConcurrencyError, RequestRejectedError } from '#shared/errors.ts';
import type { LinkClaims } from '#shared/links/actions.ts';
import type {
  ChangeStamp,
  ClaimResult,
  Clock,
  ConfirmationClaim,
  DueState,
  LinkSigner,
  Mailer,
  OutgoingEmail,
  PendingRead,
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

type DigestItem = Digest & { readonly failure?: string };

/** One item of the table: what it holds, and the bookkeeping the adapter keeps beside it. */
type Item =
  | {
      readonly type: 'event';
      readonly value: TimelineEvent;
      plannedAt?: string;
      failure?: EventFailure;
      expiresAt?: number;
    }
  /** A profile and an erasure marker carry their TTL in the object itself. */
  | { readonly type: 'profile'; value: UserProfile }
  | { readonly type: 'erasure'; value: ErasureMarker }
  | { readonly type: 'application'; value: ApplicationState; expiresAt?: number }
  | { readonly type: 'reminder'; value: Reminder; expiresAt?: number }
  | { readonly type: 'digest'; value: DigestItem; expiresAt?: number };

/** An item as a table scan shows it: its sort key and its TTL. */
export interface ScannedItem {
  readonly sk: string;
  readonly expiresAt?: number | undefined;
}

const sk = {
  profile: 'PROFILE',
  erased: 'ERASED',
  event: (eventId: string) => `EVENT#${eventId}`,
  application: (ref: string) => `APP#${ref}`,
  reminder: (reminderId: string) => `REMINDER#${reminderId}`,
  digest: (digestId: string) => `DIGEST#${digestId}`,
} as const;

const key = (userId: string, sortKey: string) => `${userId}|${sortKey}`;
const copy = <T>(value: T): T => structuredClone(value);

function expiryOf(item: Item): number | undefined {
  return item.type === 'profile' || item.type === 'erasure' ? item.value.expiresAt : item.expiresAt;
}

function withExpiry(item: Item, expiresAt: number | undefined): Item {
  if (item.type === 'profile') {
    const { expiresAt: _old, ...rest } = item.value;
    return { ...item, value: expiresAt === undefined ? rest : { ...rest, expiresAt } };
  }
  if (item.type === 'erasure') return item;
  const { expiresAt: _old, ...rest } = item;
  return (expiresAt === undefined ? rest : { ...rest, expiresAt }) as Item;
}

/** Never expires for a confirmed user: the profile, a pending reminder, an event not yet planned. */
function isLive(item: Item): boolean {
  if (item.type === 'profile') return true;
  if (item.type === 'reminder') return item.value.status === 'pending';
  if (item.type === 'event') return item.plannedAt === undefined && item.failure === undefined;
  return false;
}

/**
 * The table in memory: one map keyed `<userId>|<sort key>`, in insertion order (so reminders list in creation
 * order). The pending index is a view: pending reminders that are not held. The user's live index (what
 * `loadDue` and `loadPlanningState(…, 'index')` read) is a view too, current unless a test lags it behind
 * ({@link lagLiveIndex}), as DynamoDB propagates to a GSI a moment after the write.
 */
export class InMemoryReminderStore implements ReminderStore {
  private readonly items = new Map<string, Item>();
  /** The reminders as the live index shows them while it lags; undefined: it is current. */
  private liveSnapshot: Reminder[] | undefined;
  /** Reads of a user's pending reminders from the table (its history), not from the live index. */
  public historyReads = 0;

  /**
   * Runs just before `claimDigest` evaluates its conditions, once: lets a test slip a concurrent writer
   * in between a use case's read and its claim, as another Lambda invocation would.
   */
  public beforeNextClaim: (() => Promise<void>) | undefined;

  // ------------------------------------------------------------------ ReminderStore

  public async putEvent(event: TimelineEvent): Promise<PutEventResult> {
    const existing = this.get(event.userId, sk.event(event.eventId), 'event');
    if (existing) return { outcome: 'duplicate', existing: copy(existing.value) };
    this.items.set(key(event.userId, sk.event(event.eventId)), { type: 'event', value: copy(event) });
    return { outcome: 'created' };
  }

  public async loadPlanningState(
    userId: string,
    eventId: string,
    applicationRef: string | undefined,
    pending: PendingRead,
  ): Promise<PlanningState> {
    const profile = this.get(userId, sk.profile, 'profile')?.value;
    const application = applicationRef
      ? this.get(userId, sk.application(applicationRef), 'application')?.value
      : undefined;
    const event = this.get(userId, sk.event(eventId), 'event');
    const erasure = profile ? undefined : this.get(userId, sk.erased, 'erasure')?.value;
    return {
      profile: profile && copy(profile),
      application: application && copy(application),
      pending: (pending === 'index' ? this.liveRemindersOf(userId) : this.historyOf(userId)).filter(
        (r) => r.status === 'pending',
      ),
      alreadyPlanned: event?.plannedAt !== undefined,
      eventStored: event !== undefined,
      ...(erasure ? { erasure: copy(erasure) } : {}),
    };
  }

  public async listPending(userId: string): Promise<readonly Reminder[]> {
    return this.historyOf(userId).filter((r) => r.status === 'pending');
  }

  public async applyPlan(plan: PlanWrite): Promise<void> {
    const { userId, eventId } = plan.event;
    const stamp = { by: eventId, at: plan.plannedAt };
    // What the plan turns into history expires with an unconfirmed user's data, or after the retention.
    const historyTtl = plan.expiresAt ?? historyExpiry(plan.plannedAt);
    // Cancellations, moves and done marks first, each on its own and conditional (as the adapter's updates).
    this.cancelWith(userId, plan.cancel, stamp, historyTtl);
    await this.moveReminders(userId, plan.move ?? [], stamp);
    for (const reminderId of plan.done ?? []) {
      const item = this.get(userId, sk.reminder(reminderId), 'reminder');
      if (item && item.value.doneAt === undefined) item.value = { ...item.value, doneAt: plan.plannedAt };
    }
    // Then one transaction: every condition is checked before anything is written.
    const eventItem = this.get(userId, sk.event(eventId), 'event');
    if (!eventItem) throw new ConcurrencyError(`Plan for event ${eventId}: event not stored`);
    if (eventItem.plannedAt !== undefined)
      throw new ConcurrencyError(`Plan for event ${eventId} lost a race`);
    if (plan.create.some((r) => this.items.has(key(r.userId, sk.reminder(r.reminderId))))) {
      throw new ConcurrencyError(`Plan for event ${eventId} lost a race`);
    }
    const ttl = plan.expiresAt === undefined ? {} : { expiresAt: plan.expiresAt };
    eventItem.plannedAt = plan.plannedAt;
    eventItem.expiresAt = historyTtl;
    if (plan.profile) this.items.set(key(userId, sk.profile), { type: 'profile', value: copy(plan.profile) });
    if (plan.application) {
      this.items.set(key(userId, sk.application(plan.application.ref)), {
        type: 'application',
        value: copy(plan.application),
        expiresAt: plan.expiresAt ?? historyExpiry(plan.application.updatedAt),
      });
    }
    for (const r of plan.create) {
      this.items.set(key(r.userId, sk.reminder(r.reminderId)), {
        type: 'reminder',
        value: { ...copy(r), status: 'pending' },
        ...ttl,
      });
    }
  }

  public async cancelReminders(
    userId: string,
    cancel: readonly Cancellation[],
    stamp: ChangeStamp,
  ): Promise<void> {
    this.cancelWith(userId, cancel, stamp, historyExpiry(stamp.at));
  }

  private cancelWith(userId: string, cancel: readonly Cancellation[], stamp: ChangeStamp, ttl: number): void {
    for (const c of cancel) {
      const item = this.get(userId, sk.reminder(c.reminderId), 'reminder');
      if (item?.value.status !== 'pending') continue;
      item.value = {
        ...item.value,
        status: 'cancelled',
        cancelledAt: stamp.at,
        cancelledBy: stamp.by,
        cancelReason: c.reason,
      };
      item.expiresAt ??= ttl;
    }
  }

  public async moveReminders(
    userId: string,
    move: readonly ReminderMove[],
    stamp: ChangeStamp,
  ): Promise<void> {
    for (const m of move) {
      const key_ = key(userId, sk.reminder(m.reminderId));
      const item = this.items.get(key_);
      if (item?.type !== 'reminder' || item.value.status !== 'pending') continue;
      const moved = { ...item.value, dueAt: m.dueAt, movedBy: stamp.by, movedAt: stamp.at };
      if (m.held) {
        item.value = moved;
        continue;
      }
      // Released: on the pending index, no longer expiring.
      const { held: _held, ...released } = moved;
      this.items.set(key_, { type: 'reminder', value: released });
    }
  }

  public async setExpiry(
    userId: string,
    expiresAt: number | undefined,
    historyExpiresAt?: number,
  ): Promise<void> {
    for (const [k, item] of this.partition(userId)) {
      if (item.type === 'erasure') continue;
      this.items.set(k, withExpiry(item, expiresAt ?? (isLive(item) ? undefined : historyExpiresAt)));
    }
  }

  public async claimConfirmation(userId: string, claim: ConfirmationClaim): Promise<boolean> {
    const item = this.get(userId, sk.profile, 'profile');
    if (!item) return false;
    const profile = item.value;
    const asRead =
      (profile.consent ?? 'unconfirmed') === 'unconfirmed' &&
      profile.lastConfirmationAt === claim.previousAt &&
      (profile.confirmationsSent ?? 0) === claim.previousCount;
    if (!asRead) return false;
    item.value = { ...profile, confirmationsSent: claim.previousCount + 1, lastConfirmationAt: claim.at };
    return true;
  }

  public async releaseConfirmation(userId: string, claim: ConfirmationClaim): Promise<void> {
    const item = this.get(userId, sk.profile, 'profile');
    if (!item) return;
    const { confirmationsSent, lastConfirmationAt, ...rest } = item.value;
    if (lastConfirmationAt !== claim.at || confirmationsSent !== claim.previousCount + 1) return;
    item.value = {
      ...rest,
      ...(claim.previousCount > 0 ? { confirmationsSent: claim.previousCount } : {}),
      ...(claim.previousAt !== undefined ? { lastConfirmationAt: claim.previousAt } : {}),
    };
  }

  public async eraseUser(
    userId: string,
    marker: ErasureMarker | undefined,
    requestEventId: string,
  ): Promise<void> {
    if (marker) this.items.set(key(userId, sk.erased), { type: 'erasure', value: copy(marker) });
    const request = key(userId, sk.event(requestEventId));
    for (const [k, item] of this.partition(userId)) {
      if (item.type !== 'erasure' && k !== request) this.items.delete(k);
    }
    this.items.delete(request);
  }

  public async markEventFailed(userId: string, eventId: string, failure: EventFailure): Promise<void> {
    const item = this.get(userId, sk.event(eventId), 'event');
    if (!item) return;
    item.failure = { failedAt: failure.failedAt, reason: failure.reason.slice(0, 500) };
    item.expiresAt ??= historyExpiry(failure.failedAt);
  }

  public async remindersTouchedBy(userId: string, eventId: string): Promise<readonly Reminder[]> {
    return this.remindersOf(userId).filter(
      (r) => r.sourceEventId === eventId || r.cancelledBy === eventId || r.movedBy === eventId,
    );
  }

  public async getProfile(userId: string): Promise<UserProfile | undefined> {
    const profile = this.get(userId, sk.profile, 'profile')?.value;
    return profile && copy(profile);
  }

  public async getReminder(userId: string, reminderId: string): Promise<Reminder | undefined> {
    const reminder = this.get(userId, sk.reminder(reminderId), 'reminder')?.value;
    return reminder && copy(reminder);
  }

  public async getApplication(userId: string, ref: string): Promise<ApplicationState | undefined> {
    const application = this.get(userId, sk.application(ref), 'application')?.value;
    return application && copy(application);
  }

  public async loadDue(
    userId: string,
    until: Date,
    options: { readonly consistent?: boolean } = {},
  ): Promise<DueState> {
    const limit = until.toISOString();
    const profile = this.get(userId, sk.profile, 'profile')?.value;
    const reminders = options.consistent ? this.historyOf(userId) : this.liveRemindersOf(userId);
    return {
      profile: profile && copy(profile),
      due: reminders
        .filter((r) => r.status === 'pending' && !r.held && r.dueAt <= limit)
        .sort((a, b) => a.dueAt.localeCompare(b.dueAt)),
    };
  }

  public async listAllPendingDue(until: Date, limit: number): Promise<readonly Reminder[]> {
    // The pending index: sort key `<dueAt>#<reminderId>`, queried with `<= <until>#~`; held ones are not on it.
    const upTo = `${until.toISOString()}#~`;
    return this.allReminders()
      .filter((r) => r.status === 'pending' && !r.held)
      .map((r) => ({ r, sortKey: `${r.dueAt}#${r.reminderId}` }))
      .filter(({ sortKey }) => sortKey <= upTo)
      .sort((a, b) => a.sortKey.localeCompare(b.sortKey))
      .slice(0, limit)
      .map(({ r }) => r);
  }

  public async claimDigest(digest: Digest, dueBy: string): Promise<ClaimResult> {
    const hook = this.beforeNextClaim;
    this.beforeNextClaim = undefined;
    if (hook) await hook();
    if (this.get(digest.userId, sk.digest(digest.digestId), 'digest')) return { outcome: 'lost' };
    const claimed = digest.reminderIds.map((id) => this.get(digest.userId, sk.reminder(id), 'reminder'));
    if (
      claimed.some((item) => item?.value.status !== 'pending' || item.value.held || item.value.dueAt > dueBy)
    )
      return { outcome: 'lost' };
    const ttl = historyExpiry(digest.claimedAt);
    this.items.set(key(digest.userId, sk.digest(digest.digestId)), {
      type: 'digest',
      value: copy(digest),
      expiresAt: ttl,
    });
    for (const item of claimed) {
      if (!item) continue;
      item.expiresAt = ttl;
      item.value = {
        ...item.value,
        status: 'sent',
        claimedAt: digest.claimedAt,
        sentAt: digest.claimedAt,
        digestId: digest.digestId,
      };
    }
    return { outcome: 'claimed', digest };
  }

  public async completeDigest(digest: Digest, messageId: string, sentAt: string): Promise<void> {
    // One write: the claim marked the reminders sent already.
    const item = this.get(digest.userId, sk.digest(digest.digestId), 'digest');
    if (item?.value.status !== 'sending') {
      throw new ConditionFailedError(`completeDigest: digest ${digest.digestId} is not sending`);
    }
    item.value = { ...item.value, status: 'sent', messageId, sentAt };
  }

  public async releaseDigest(digest: Digest, reason: string): Promise<void> {
    const { item, reminders } = this.claimedBy(digest, 'releaseDigest');
    // The digest item stays (status failed), exactly as the adapter leaves it.
    item.value = { ...item.value, status: 'failed', failure: reason.slice(0, 500) };
    for (const r of reminders) {
      const { claimedAt: _claimedAt, digestId: _digestId, sentAt: _sentAt, ...rest } = r.value;
      r.value = { ...rest, status: 'pending', failedSends: (r.value.failedSends ?? 0) + 1 };
      r.expiresAt = undefined;
    }
  }

  public async listStuckDigests(olderThan: Date, limit: number): Promise<readonly Digest[]> {
    const before = olderThan.toISOString();
    return [...this.items.values()]
      .flatMap((item) => (item.type === 'digest' && item.value.status === 'sending' ? [item.value] : []))
      .map((d) => ({ d, sortKey: `${d.claimedAt}#${d.digestId}` }))
      .filter(({ sortKey }) => sortKey < before)
      .sort((a, b) => a.sortKey.localeCompare(b.sortKey))
      .slice(0, limit)
      .map(({ d }) => copy(d));
  }

  // ------------------------------------------------------------------ test helpers

  /**
   * From now until {@link catchUpLiveIndex}, reads of the live index see the reminders as they are now: what
   * is written meanwhile has not propagated to the GSI yet.
   */
  public lagLiveIndex(): void {
    this.liveSnapshot = [...this.items.values()].flatMap((item) =>
      item.type === 'reminder' ? [copy(item.value)] : [],
    );
  }

  /** The live index has caught up with the table. */
  public catchUpLiveIndex(): void {
    this.liveSnapshot = undefined;
  }

  /** The stored intake event, as the table's stream would deliver it to the planner (not a user action). */
  public storedEvent(userId: string, eventId: string): StoredJobEvent | undefined {
    const item = this.get(userId, sk.event(eventId), 'event');
    return item && 'event' in item.value ? copy(item.value) : undefined;
  }

  /** The stored timeline event of either kind (intake event or user action). */
  public timelineEvent(userId: string, eventId: string): TimelineEvent | undefined {
    const item = this.get(userId, sk.event(eventId), 'event');
    return item && copy(item.value);
  }

  /** Why the event was marked failed, if it was. */
  public eventFailure(userId: string, eventId: string): EventFailure | undefined {
    const failure = this.get(userId, sk.event(eventId), 'event')?.failure;
    return failure && copy(failure);
  }

  /** One reminder as stored, whatever its status. */
  public reminder(userId: string, reminderId: string): Reminder | undefined {
    const reminder = this.get(userId, sk.reminder(reminderId), 'reminder')?.value;
    return reminder && copy(reminder);
  }

  public eventCount(): number {
    return [...this.items.values()].filter((item) => item.type === 'event').length;
  }

  /** Every reminder of every user, in creation order. */
  public allReminders(): Reminder[] {
    return [...this.items.values()].flatMap((item) => (item.type === 'reminder' ? [copy(item.value)] : []));
  }

  public digest(userId: string, digestId: string): (Digest & { readonly failure?: string }) | undefined {
    const item = this.get(userId, sk.digest(digestId), 'digest');
    return item && copy(item.value);
  }

  /** The erasure marker of a user, if one was left. */
  public erasureMarker(userId: string): ErasureMarker | undefined {
    const marker = this.get(userId, sk.erased, 'erasure')?.value;
    return marker && copy(marker);
  }

  /** What a table scan finds for the user: every item's sort key and TTL, in insertion order. */
  public itemsOf(userId: string): ScannedItem[] {
    return [...this.partition(userId)].map(([k, item]) => {
      const expiresAt = expiryOf(item);
      return { sk: k.slice(userId.length + 1), ...(expiresAt === undefined ? {} : { expiresAt }) };
    });
  }

  /** DynamoDB TTL, run now: deletes every item whose `expiresAt` (epoch seconds) is at or before `now`. */
  public expire(now: Date): number {
    const seconds = Math.floor(now.getTime() / 1000);
    let deleted = 0;
    for (const [k, item] of [...this.items]) {
      const expiresAt = expiryOf(item);
      if (expiresAt !== undefined && expiresAt <= seconds) {
        this.items.delete(k);
        deleted += 1;
      }
    }
    return deleted;
  }

  private get<T extends Item['type']>(
    userId: string,
    sortKey: string,
    type: T,
  ): Extract<Item, { type: T }> | undefined {
    const item = this.items.get(key(userId, sortKey));
    return item?.type === type ? (item as Extract<Item, { type: T }>) : undefined;
  }

  private partition(userId: string): [string, Item][] {
    const prefix = `${userId}|`;
    return [...this.items].filter(([k]) => k.startsWith(prefix));
  }

  /** A user's reminders read from the table, counted in {@link historyReads}. */
  private historyOf(userId: string): Reminder[] {
    this.historyReads += 1;
    return this.remindersOf(userId);
  }

  /** A user's reminders as the live index shows them (see {@link lagLiveIndex}). */
  private liveRemindersOf(userId: string): Reminder[] {
    if (!this.liveSnapshot) return this.remindersOf(userId);
    return this.liveSnapshot.filter((r) => r.userId === userId).map(copy);
  }

  private remindersOf(userId: string): Reminder[] {
    return this.partition(userId).flatMap(([, item]) => (item.type === 'reminder' ? [copy(item.value)] : []));
  }

  /** The conditions of releaseDigest: digest `sending`, each reminder claimed (`sent`) by it. */
  private claimedBy(
    digest: Digest,
    operation: string,
  ): { item: Extract<Item, { type: 'digest' }>; reminders: Extract<Item, { type: 'reminder' }>[] } {
    const item = this.get(digest.userId, sk.digest(digest.digestId), 'digest');
    if (item?.value.status !== 'sending') {
      throw new ConditionFailedError(`${operation}: digest ${digest.digestId} is not sending`);
    }
    const reminders = digest.reminderIds.map((id) => this.get(digest.userId, sk.reminder(id), 'reminder'));
    const held = reminders.filter(
      (r): r is Extract<Item, { type: 'reminder' }> =>
        (r?.value.status === 'sent' || r?.value.status === 'sending') && r.value.digestId === digest.digestId,
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

  /**
   * The timers due at or before `now`, taken out as EventBridge Scheduler deletes a one-time schedule after
   * it fires (`ActionAfterCompletion: DELETE`). The caller runs the sender for them.
   */
  public fireDue(now: Date): TimerRequest[] {
    const due = [...this.timers.values()].filter((t) => Date.parse(t.dueAt) <= now.getTime());
    for (const t of due) this.timers.delete(t.scheduleName);
    return due;
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

/** Where links point in unit tests. */
export const TEST_BASE_URL = 'https://rebound.test';

/**
 * Signs nothing: the token is the claims in clear, `<action>.<userId>[.<target>]`, so a test can read what
 * a link names. Every call is recorded.
 */
export class FakeLinkSigner implements LinkSigner {
  public readonly signed: LinkClaims[] = [];

  public async sign(claims: LinkClaims): Promise<string> {
    this.signed.push({ ...claims });
    return [claims.action, claims.userId, claims.target].filter((part) => part !== undefined).join('.');
  }
}
