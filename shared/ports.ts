/**
 * Ports: what the use cases need from the outside world. Adapters in `shared/adapters/` implement them
 * against AWS (and so against the local twin); unit tests pass in-memory fakes.
 */
import type { AuditEntry } from '#events/admin-api.ts';
import type { StoredJobEvent } from '#events/job-event.ts';
import type { TimerPayloadInput } from '#events/timer-payload.ts';
import type { StoredUserAction } from '#events/user-action.ts';
import type { ErasureMarker } from './domain/erasure.ts';
import type {
  ApplicationState,
  Cancellation,
  Digest,
  EventFailure,
  NewReminder,
  Reminder,
  ReminderKind,
  ReminderMove,
  UserProfile,
} from './domain/model.ts';
import type { KnownState } from './domain/policy.ts';
import type { LinkAction, LinkClaims } from './links/actions.ts';

/** Signs the token of a link in an email (`shared/links/actions.ts` says what links exist). */
export interface LinkSigner {
  sign(claims: LinkClaims): Promise<string>;
}

/** Verifies a link's token for the page it was opened on; throws `InvalidLinkError`. */
export interface LinkVerifier {
  verify(token: string, expected: LinkAction): Promise<LinkClaims>;
}

/** Time is a port: nothing else reads the system clock. */
export interface Clock {
  now(): Date;
}

/** An `EVENT#` item of a user's timeline: an intake event (`event`) or a user action (`action`). */
export type TimelineEvent = StoredJobEvent | StoredUserAction;

export type PutEventResult =
  | { readonly outcome: 'created' }
  | { readonly outcome: 'duplicate'; readonly existing: TimelineEvent };

/** Everything the planner needs to judge one event: what the policy needs, and whether it was applied. */
export interface PlanningState extends KnownState {
  /** True when this event was already applied (a stream redelivery). */
  readonly alreadyPlanned: boolean;
  /** False when the event's item is gone (erased): there is nothing left to apply. */
  readonly eventStored: boolean;
  /** The marker an erasure of this user left, read only when there is no profile. */
  readonly erasure?: ErasureMarker | undefined;
  /**
   * The stored profile predates the user's live index (it is not on it): write it back even if nothing in it
   * changed, so the sender finds it in its one read.
   */
  readonly profileNotIndexed?: boolean | undefined;
}

/**
 * Where the planner reads the user's pending reminders from:
 * - `index`: the user's live index (gsi2), which holds only pending reminders: cheap, but eventually
 *   consistent, so a reminder written a moment ago may be missing;
 * - `consistent`: the base table, strongly consistent, reading the user's whole reminder history.
 */
export type PendingRead = 'index' | 'consistent';

/** What the sender reads when a timer wakes it: the profile and the reminders due, from one read. */
export interface DueState {
  readonly profile?: UserProfile | undefined;
  /** Pending reminders due at or before the bound, oldest first; held ones are never listed. */
  readonly due: readonly Reminder[];
}

export interface PlanWrite {
  /** The intake event or user action being applied: marked `plannedAt` once. */
  readonly event: TimelineEvent;
  /** Absent: the profile is left as it is (an action for a user who has none). */
  readonly profile?: UserProfile | undefined;
  readonly application?: ApplicationState | undefined;
  readonly create: readonly NewReminder[];
  readonly cancel: readonly Cancellation[];
  /** Pending reminders whose due time changes; a move without `held` puts the reminder on the pending index. */
  readonly move?: readonly ReminderMove[] | undefined;
  /** Reminders to record as done (any status). */
  readonly done?: readonly string[] | undefined;
  /**
   * DynamoDB TTL (epoch seconds) for the event and every item this plan writes: set while the user is
   * unconfirmed (the profile carries its own `expiresAt`).
   */
  readonly expiresAt?: number | undefined;
  readonly plannedAt: string;
}

/** Who changed reminders outside a plan (the sender's re-check at send time), and when. */
export interface ChangeStamp {
  readonly by: string;
  readonly at: string;
}

/** A claim of the right to send one confirmation email: the profile's counters before and after. */
export interface ConfirmationClaim {
  /** `lastConfirmationAt` as it was read; the claim fails if it changed since. */
  readonly previousAt?: string | undefined;
  readonly previousCount: number;
  readonly at: string;
}

export type ClaimResult =
  | { readonly outcome: 'claimed'; readonly digest: Digest }
  /** Another sender claimed, or a reminder was cancelled meanwhile: re-read before trying again. */
  | { readonly outcome: 'lost' };

export interface ReminderStore {
  /**
   * Store a timeline event (intake event or user action) once, conditional on its key; a repeat returns the
   * stored copy, whichever kind it is.
   */
  putEvent(event: TimelineEvent): Promise<PutEventResult>;
  /**
   * Read what the planner judges an event against, strongly consistent (profile, application, whether the
   * event was applied), except the pending reminders, which come from `pending` (see {@link PendingRead}).
   */
  loadPlanningState(
    userId: string,
    eventId: string,
    applicationRef: string | undefined,
    pending: PendingRead,
  ): Promise<PlanningState>;
  /** Every pending reminder of the user, held ones included, strongly consistent (reads the history). */
  listPending(userId: string): Promise<readonly Reminder[]>;
  /**
   * Apply a plan. First cancel and move the listed reminders that are still pending, and record the done
   * ones (each on its own, idempotent, so a long list is not bound by the transaction size limit); then, in
   * one transaction, mark the event planned (once), upsert profile and application, and create the
   * reminders. Throws `ConcurrencyError` if the event was planned meanwhile (or is gone): its cancellations
   * and moves may already have been applied, which is harmless because they are the same event's.
   * A held reminder (created or moved with `held`) stays off the pending index.
   */
  applyPlan(plan: PlanWrite): Promise<void>;
  /** Cancel reminders that are still pending (idempotent), outside a plan. */
  cancelReminders(userId: string, cancel: readonly Cancellation[], stamp: ChangeStamp): Promise<void>;
  /** Move reminders that are still pending (idempotent), outside a plan. */
  moveReminders(userId: string, move: readonly ReminderMove[], stamp: ChangeStamp): Promise<void>;
  /**
   * Set the TTL `expiresAt` on every item of the user but the erasure marker (an unconfirmed user's data
   * moving on), idempotent. With `undefined` (the user confirms): live items (the profile, pending reminders,
   * events not yet planned) lose it, history items get `historyExpiresAt` (none if absent). Only for a user
   * whose items no one else changes meanwhile (see the adapter): items are rewritten whole.
   */
  setExpiry(userId: string, expiresAt: number | undefined, historyExpiresAt?: number): Promise<void>;
  /**
   * Take the right to send one confirmation email: a conditional update of the profile's
   * `confirmationsSent`/`lastConfirmationAt`, only while it is unconfirmed and its counters are as read.
   * False when another delivery took it first (or the profile changed): send nothing.
   */
  claimConfirmation(userId: string, claim: ConfirmationClaim): Promise<boolean>;
  /** Undo a claim whose email the provider refused for sure (only if the claim is still the latest). */
  releaseConfirmation(userId: string, claim: ConfirmationClaim): Promise<void>;
  /**
   * Erase a user: write the marker (if any), delete every other item of the user, and the erasure request's
   * own event last, so that while it exists the erasure is unfinished and can be redone.
   */
  eraseUser(userId: string, marker: ErasureMarker | undefined, requestEventId: string): Promise<void>;
  /**
   * Mark a stored event `failed`, with when and why: it can never be planned, and the stream moves on. The
   * event's content is kept as it was; an event that is not stored is left alone.
   */
  markEventFailed(userId: string, eventId: string, failure: EventFailure): Promise<void>;
  /** Reminders an event created or cancelled: used to redo the timer side after a redelivery. */
  remindersTouchedBy(userId: string, eventId: string): Promise<readonly Reminder[]>;
  getProfile(userId: string): Promise<UserProfile | undefined>;
  /** One reminder, whatever its status (strongly consistent). */
  getReminder(userId: string, reminderId: string): Promise<Reminder | undefined>;
  /** One application's state (strongly consistent). */
  getApplication(userId: string, ref: string): Promise<ApplicationState | undefined>;
  /**
   * The user's profile and pending reminders due at or before `until` (held ones are not listed), in one read
   * of the live index: eventually consistent, so a reminder may show as pending a moment after it was claimed,
   * cancelled or moved (the claim's conditions catch it). `consistent` reads the base table instead.
   */
  loadDue(userId: string, until: Date, options?: { readonly consistent?: boolean }): Promise<DueState>;
  /**
   * Pending reminders of all users due at or before `until`, oldest first (the reconciler's view: the
   * pending index, where held reminders never appear).
   */
  listAllPendingDue(until: Date, limit: number): Promise<readonly Reminder[]>;
  /**
   * Claim the reminders for one email, all or nothing: each must still be pending, not held, and due at or
   * before `dueBy` (a stale read of a moved reminder loses the claim). The reminders become `sent` under the
   * digest (`digestId`, `sentAt` = the claim's time) and the digest is created `sending`: from here on the
   * digest says whether the email went out.
   */
  claimDigest(digest: Digest, dueBy: string): Promise<ClaimResult>;
  /** Record the SES message id: the digest (only it: one write) becomes sent. */
  completeDigest(digest: Digest, messageId: string, sentAt: string): Promise<void>;
  /** Sending failed for sure: the digest becomes failed, its reminders pending again, so a retry can send them. */
  releaseDigest(digest: Digest, reason: string): Promise<void>;
  /** Digests stuck in `sending` since before `olderThan` (the send may or may not have happened). */
  listStuckDigests(olderThan: Date, limit: number): Promise<readonly Digest[]>;
}

export interface TimerRequest {
  readonly scheduleName: string;
  readonly dueAt: string;
  readonly userId: string;
  readonly reminderId: string;
}

/**
 * One-time wake-up calls. A timer carries ids only: DynamoDB stays the source of truth. A request the
 * service refuses as invalid (a due time out of its range, say) throws a `PermanentError`; anything else it
 * throws may succeed on a retry.
 */
export interface TimerService {
  /** Create the timer, or bring it in line if it exists (idempotent). */
  ensure(timer: TimerRequest): Promise<void>;
  /** Delete the timer; a timer already gone is fine (idempotent). */
  remove(scheduleName: string): Promise<void>;
}

export interface OutgoingEmail {
  readonly to: string;
  readonly subject: string;
  readonly html: string;
  readonly text: string;
  readonly headers?: readonly { readonly name: string; readonly value: string }[];
  readonly tags?: Readonly<Record<string, string>>;
}

export interface Mailer {
  /** Returns the provider's message id. */
  send(email: OutgoingEmail): Promise<string>;
}

/** What a timer delivers to the sender: the raw Scheduler `Input` (contract in `events/timer-payload.ts`). */
export type TimerPayload = TimerPayloadInput;

// ---------------------------------------------------------------------------------------------------------
// The admin view's ports (issue 10). The admin use cases (`shared/use-cases/admin/`) read and act through
// these; `shared/adapters/` implements them on DynamoDB, EventBridge Scheduler and SQS (or the twin).
// ---------------------------------------------------------------------------------------------------------

/** Which of the global pending views to list: reminders with timers, or those held for consent. */
export type UpcomingPartition = 'pending' | 'held';

export interface UpcomingQuery {
  readonly partition: UpcomingPartition;
  /** Due at or after / at or before (UTC ISO). */
  readonly from?: string | undefined;
  readonly to?: string | undefined;
  readonly kind?: ReminderKind | undefined;
  readonly sourceId?: string | undefined;
  readonly limit: number;
  /** Opaque, from a previous page's `next`. */
  readonly cursor?: string | undefined;
}

/** Everything stored for one user, read from the user's partition (one Query, paginated). */
export interface UserRecords {
  readonly profile?: UserProfile | undefined;
  /** Each with the planner's bookkeeping: `plannedAt`, and `status: failed` with `failureReason`. */
  readonly events: readonly (TimelineEvent & {
    readonly plannedAt?: string | undefined;
    readonly status?: string | undefined;
    readonly failureReason?: string | undefined;
  })[];
  readonly applications: readonly ApplicationState[];
  readonly reminders: readonly Reminder[];
  readonly digests: readonly Digest[];
}

/** The admin view's reads: only key lookups and index Queries, never a Scan. */
export interface AdminReadStore {
  /** Reminders of one global view (gsi1 `PENDING` or `HELD`) by due time. */
  listUpcoming(
    query: UpcomingQuery,
  ): Promise<{ readonly reminders: readonly Reminder[]; readonly next?: string }>;
  /** Count of the view's reminders per UTC day and kind, due in [from, to). */
  countUpcoming(
    partition: UpcomingPartition,
    from: string,
    to: string,
  ): Promise<readonly { readonly day: string; readonly kind: ReminderKind; readonly count: number }[]>;
  /** Profiles of the given users (strongly consistent BatchGetItem); missing ones are left out. */
  getProfiles(userIds: readonly string[]): Promise<ReadonlyMap<string, UserProfile>>;
  readUser(userId: string): Promise<UserRecords | undefined>;
  /** Whether an event was applied by the planner (`plannedAt`), failed, or is still waiting. */
  eventState(userId: string, eventId: string): Promise<'planned' | 'failed' | 'waiting' | 'missing'>;
  getDigest(userId: string, digestId: string): Promise<Digest | undefined>;
  /** Emails (digests) sent on each UTC day (`YYYY-MM-DD`). */
  emailsSentPerDay(days: readonly string[]): Promise<ReadonlyMap<string, number>>;
  /** Bounces (permanent and transient) and complaints recorded from SES on or after `sinceDay`. */
  feedbackCounts(sinceDay: string): Promise<{ readonly bounces: number; readonly complaints: number }>;
}

/**
 * One admin action in the audit trail (its own table, readable only by the admin function): the API's
 * `AuditEntry` (`events/admin-api.ts`), whose `action` the log stores as it is given.
 */
export type AuditRecord = Omit<AuditEntry, 'action'> & { readonly action: string };

export interface AuditLog {
  /** Write once per `auditId` (a repeat is ignored). */
  record(entry: AuditRecord): Promise<void>;
  /** Newest first. */
  list(
    limit: number,
    cursor?: string,
  ): Promise<{ readonly items: readonly AuditRecord[]; readonly next?: string }>;
}

/** A live look at one timer (`GetSchedule`). */
export interface TimerInspector {
  inspect(
    scheduleName: string,
  ): Promise<{ readonly exists: false } | { readonly exists: true; readonly at: string }>;
}

/** What one redrive of a dead-letter queue did. */
export interface RedriveResult {
  /** Dead letters handed back to the pipeline and removed from the queue. */
  readonly redriven: number;
  /** Dead letters still in the queue afterwards: kept (see `notes`), or beyond this call's cap. */
  readonly remaining: number;
  /** One sentence per dead letter that was kept, and why (e.g. its stream records are no longer retained). */
  readonly notes?: readonly string[] | undefined;
}

/** Dead letters: the SQS DLQs on AWS, the twin's `/_local/dead-letters` locally. */
export interface DeadLetterView {
  counts(): Promise<readonly { readonly name: string; readonly count: number }[]>;
  /**
   * Hand a queue's dead letters back to the pipeline, the normal way (a timer that wakes the sender again; a
   * stream batch replayed to the planner), and remove each one that was. Safe to repeat: DynamoDB decides what
   * is sent or planned. @throws NotFoundError (no such queue), AdminActionRefusedError (a queue that cannot
   * be redriven)
   */
  redrive(queue: string): Promise<RedriveResult>;
}
