/**
 * The reminder policy: given one event and what is already known, decide the new profile, the new state
 * of the application, which reminders to create and which pending ones to cancel.
 *
 * Pure and table-driven: which reminder each event schedules, and when, is {@link POLICY_RULES}; the
 * rest of this file is the guards (ordering, status, end of search) and bookkeeping around that table.
 */
import type { EventType, RejectionReason, RejectionStage, StoredJobEvent } from '#events/job-event.ts';
import { ReboundError } from '../errors.ts';
import { canonicalJson, reminderIdFor, slotScheduleNameFor } from './ids.ts';
import type {
  ApplicationSnapshot,
  ApplicationState,
  ApplicationStatus,
  Cancellation,
  NewReminder,
  Reminder,
  ReminderKind,
  UserProfile,
} from './model.ts';
import { isSchedulable, nextSendSlot, notInThePast, slotAtLeast, slotDaysLater } from './slots.ts';

/** The zone used until a user names one. */
export const DEFAULT_TIMEZONE = 'UTC';

const HOUR_MS = 60 * 60 * 1000;

/** What is known before an event is judged; the store loads exactly this (`ReminderStore.loadPlanningState`). */
export interface KnownState {
  /** The existing profile, if any. */
  readonly profile?: UserProfile | undefined;
  /** The existing state of the event's application, if any (absent for an application never seen). */
  readonly application?: ApplicationState | undefined;
  /** All pending reminders of the user, across applications. */
  readonly pending: readonly Reminder[];
}

export interface PolicyInput extends KnownState {
  /** `event.event` is the client's input; `occurredAt` is resolved. */
  readonly event: StoredJobEvent;
  /**
   * The source that sent the event (stored beside it by intake, not part of the contract): every reminder the
   * event creates carries it.
   */
  readonly sourceId?: string | undefined;
  readonly now: Date;
}

export interface PolicyDecision {
  readonly profile: UserProfile;
  /** Absent only for `offer.accepted` without an application. */
  readonly application?: ApplicationState | undefined;
  readonly create: readonly NewReminder[];
  readonly cancel: readonly Cancellation[];
}

/** When a rule's reminder is due, before it is clamped to `now`. */
export type DueRule =
  /** `nextSendSlot(occurredAt)`. */
  | { readonly type: 'next-slot' }
  /** `slotAtLeast(occurredAt, minimumHours)`. */
  | { readonly type: 'at-least'; readonly minimumHours: number }
  /**
   * `slotDaysLater(anchor, days)`; the anchor is the event's `occurredAt`, or `previous`: the unclamped due
   * of the rule for the same kind with `sequence - 1` on the same trigger.
   */
  | { readonly type: 'days-later'; readonly days: number; readonly from: 'occurredAt' | 'previous' };

/** Narrows a rule to some rejections: it matches when the stage OR the reason is listed. */
export interface RejectionMatch {
  readonly stages?: readonly RejectionStage[];
  readonly reasons?: readonly RejectionReason[];
}

export interface PolicyRule {
  readonly trigger: EventType;
  /** Absent: every event of the trigger. */
  readonly when?: RejectionMatch;
  readonly kind: ReminderKind;
  readonly sequence: number;
  readonly due: DueRule;
  /**
   * Progress nudges (follow-up, thank-you) make sense only for the newest event of an application;
   * an event that arrives out of order does not create them.
   */
  readonly onlyIfLatest: boolean;
}

const FOLLOW_UP_DAYS = 7;
const OTHER_REASONS: readonly RejectionReason[] = [
  'not_selected',
  'only_accepting_applications',
  'pursuing_other_candidates',
  'other',
];

/**
 * The reminder table. Plain data (JSON-serialisable) so docs can print it. Every rule additionally requires
 * that the application was active before the event and that the event happened after the end of the
 * user's last search; every due is clamped with `notInThePast`.
 */
export const POLICY_RULES: readonly PolicyRule[] = [
  {
    trigger: 'application.submitted',
    kind: 'follow_up',
    sequence: 1,
    due: { type: 'days-later', days: FOLLOW_UP_DAYS, from: 'occurredAt' },
    onlyIfLatest: true,
  },
  // Created upfront; any later event on the application cancels both, so it only goes out if nothing happened.
  {
    trigger: 'application.submitted',
    kind: 'follow_up',
    sequence: 2,
    due: { type: 'days-later', days: FOLLOW_UP_DAYS, from: 'previous' },
    onlyIfLatest: true,
  },
  {
    trigger: 'interview.completed',
    kind: 'thank_you',
    sequence: 1,
    due: { type: 'next-slot' },
    onlyIfLatest: true,
  },
  {
    trigger: 'interview.completed',
    kind: 'follow_up',
    sequence: 1,
    due: { type: 'days-later', days: FOLLOW_UP_DAYS, from: 'occurredAt' },
    onlyIfLatest: true,
  },
  {
    trigger: 'application.rejected',
    when: { stages: ['interview'], reasons: ['not_selected', 'pursuing_other_candidates', 'other'] },
    kind: 'ask_feedback',
    sequence: 1,
    due: { type: 'at-least', minimumHours: 24 },
    onlyIfLatest: false,
  },
  {
    trigger: 'application.rejected',
    when: { reasons: ['only_accepting_applications'] },
    kind: 'apply_formally',
    sequence: 1,
    due: { type: 'next-slot' },
    onlyIfLatest: false,
  },
  {
    trigger: 'application.rejected',
    when: { reasons: ['keep_on_file'] },
    kind: 'reconnect',
    sequence: 1,
    due: { type: 'days-later', days: 28, from: 'occurredAt' },
    onlyIfLatest: false,
  },
  {
    trigger: 'application.rejected',
    when: { reasons: ['not_hiring'] },
    kind: 'reconnect',
    sequence: 1,
    due: { type: 'days-later', days: 56, from: 'occurredAt' },
    onlyIfLatest: false,
  },
  {
    trigger: 'application.rejected',
    when: { reasons: OTHER_REASONS },
    kind: 'reconnect',
    sequence: 1,
    due: { type: 'days-later', days: 42, from: 'occurredAt' },
    onlyIfLatest: false,
  },
];

/** Kinds that nudge an application forward: superseded by any newer event on it. */
const PROGRESS_KINDS: ReadonlySet<ReminderKind> = new Set<ReminderKind>(['follow_up', 'thank_you']);

type JobEvent = StoredJobEvent['event'];
type ApplicationEvent = Exclude<JobEvent, { type: 'offer.accepted' }>;

/**
 * Decide what one event changes.
 *
 * Input: the stored event, the user's profile and the application's state as known before it, the user's
 * pending reminders, and `now`. Output: the upserted profile and application state, reminders to create
 * and pending reminders to cancel. No I/O.
 *
 * 1. Upsert the profile; its time zone (the event's, else the remembered one, else UTC) places every slot.
 *    Its consent attributes pass through unchanged.
 * 2. `offer.accepted` ends the search: every pending reminder of the user is cancelled, nothing is created,
 *    a named application becomes `closed`.
 * 3. Otherwise fold the event into the application state (out-of-order events update history only).
 * 4. Cancel: a withdrawal cancels every pending reminder of the application; a newer event, or one that
 *    ends an active application, cancels its pending follow-ups and thank-yous.
 * 5. Create: the matching rules of {@link POLICY_RULES}, if the application was active and not stopped by
 *    the user, and the event happened after the last search ended; clamp each due to `now`, one reminder
 *    per kind and slot.
 *
 * Consent is not judged here: `admission.ts` wraps this decision (held, opted out, paused, no consent).
 */
export function decide(input: PolicyInput): PolicyDecision {
  const { event: stored, now } = input;
  const event = stored.event;
  const occurredAt = new Date(stored.occurredAt);
  const nowIso = now.toISOString();
  const profile = upsertProfile(input, occurredAt, nowIso);

  if (event.type === 'offer.accepted') {
    const application =
      event.application && nextApplicationState(input, event.application, occurredAt, nowIso);
    const cancel = input.pending
      .filter((reminder) => reminder.status === 'pending')
      .map((reminder) => cancellation(reminder, 'offer accepted'));
    return { profile, application, create: [], cancel };
  }

  const previous = input.application;
  const isLatest = previous === undefined || occurredAt.getTime() >= Date.parse(previous.lastEventAt);
  const wasActive = previous === undefined || previous.status === 'active';
  const application = nextApplicationState(input, event.application, occurredAt, nowIso);
  const endsApplication = wasActive && application.status !== 'active';

  const ofApplication = input.pending.filter(
    (reminder) =>
      reminder.status === 'pending' &&
      reminder.application.ref === event.application.ref &&
      reminder.sourceEventId !== stored.eventId,
  );
  const cancel =
    event.type === 'application.withdrawn'
      ? ofApplication.map((reminder) => cancellation(reminder, 'application withdrawn'))
      : isLatest || endsApplication
        ? ofApplication
            .filter((reminder) => PROGRESS_KINDS.has(reminder.kind))
            .map((reminder) => cancellation(reminder, `superseded by ${event.type}`))
        : [];

  const searchEndedAt = input.profile?.searchEndedAt;
  const beforeSearchEnded = searchEndedAt !== undefined && occurredAt.getTime() <= Date.parse(searchEndedAt);
  // "Stop reminders for this application" holds for good, whatever else happens to it.
  const stopped = previous?.stoppedAt !== undefined;
  const create =
    wasActive && !beforeSearchEnded && !stopped
      ? remindersFor(event, {
          stored,
          isLatest,
          occurredAt,
          now,
          zone: profile.timezone,
          snapshot: application,
          sourceId: input.sourceId,
        })
      : [];

  return { profile, application, create, cancel };
}

function upsertProfile(input: PolicyInput, occurredAt: Date, nowIso: string): UserProfile {
  const { event: stored, profile: previous } = input;
  const user = stored.event.user;
  const searchEndedAt =
    stored.event.type === 'offer.accepted'
      ? latestIso(previous?.searchEndedAt, occurredAt.toISOString())
      : previous?.searchEndedAt;
  return withoutUndefined({
    // Consent, opt-outs, pause and expiry are not the policy's to change: they pass through as they were.
    ...previous,
    userId: stored.userId,
    email: user.email,
    name: user.name ?? previous?.name,
    timezone: user.timezone ?? previous?.timezone ?? DEFAULT_TIMEZONE,
    searchEndedAt,
    createdAt: previous?.createdAt ?? nowIso,
    updatedAt: nowIso,
  });
}

/** Folds the event into the application's state; `details` is the event's own view of the application. */
function nextApplicationState(
  input: PolicyInput,
  details: ApplicationSnapshot,
  occurredAt: Date,
  nowIso: string,
): ApplicationState {
  const event = input.event.event;
  const previous = input.application;
  const at = occurredAt.toISOString();
  const isLatest = previous === undefined || occurredAt.getTime() >= Date.parse(previous.lastEventAt);
  const history = {
    status: previous?.status ?? ('active' satisfies ApplicationStatus),
    submittedAt: previous?.submittedAt,
    rejectedAt: previous?.rejectedAt,
    rejectionStage: previous?.rejectionStage,
    rejectionReason: previous?.rejectionReason,
    withdrawnAt: previous?.withdrawnAt,
    lastInterviewAt: previous?.lastInterviewAt,
    stoppedAt: previous?.stoppedAt,
  };
  switch (event.type) {
    case 'application.submitted':
      history.submittedAt = earliestIso(previous?.submittedAt, at);
      break;
    case 'interview.completed':
      history.lastInterviewAt = latestIso(previous?.lastInterviewAt, at);
      break;
    case 'application.rejected':
      // The first rejection is the one on record; a repeat changes nothing.
      if (previous?.rejectedAt === undefined) {
        history.rejectedAt = at;
        history.rejectionStage = event.rejection.stage;
        history.rejectionReason = event.rejection.reason;
      }
      // The user's own withdrawal or accepted offer stays the application's outcome.
      if (history.status === 'active') history.status = 'rejected';
      break;
    case 'application.withdrawn':
      history.status = 'withdrawn';
      history.withdrawnAt = earliestIso(previous?.withdrawnAt, at);
      break;
    case 'offer.accepted':
      history.status = 'closed';
      break;
  }
  return withoutUndefined({
    userId: input.event.userId,
    ref: details.ref,
    // An event that is not the newest keeps the newer event's company details.
    company: isLatest || previous === undefined ? details.company : previous.company,
    role: isLatest ? (details.role ?? previous?.role) : previous?.role,
    contact: isLatest ? (details.contact ?? previous?.contact) : previous?.contact,
    ...history,
    lastEventAt: isLatest ? at : (previous?.lastEventAt ?? at),
    lastEventType: isLatest ? event.type : (previous?.lastEventType ?? event.type),
    eventCount: (previous?.eventCount ?? 0) + 1,
    updatedAt: nowIso,
  });
}

interface RuleContext {
  readonly stored: StoredJobEvent;
  readonly isLatest: boolean;
  readonly occurredAt: Date;
  readonly now: Date;
  readonly zone: string;
  /** The application as it is after this event: its details are the newest known. */
  readonly snapshot: ApplicationSnapshot;
  readonly sourceId?: string | undefined;
}

function remindersFor(event: ApplicationEvent, context: RuleContext): NewReminder[] {
  const { stored, occurredAt, now, zone } = context;
  const rules = POLICY_RULES.filter(
    (rule) => rule.trigger === event.type && (context.isLatest || !rule.onlyIfLatest) && matches(rule, event),
  );
  const unclamped = new Map<string, Date>();
  const created: NewReminder[] = [];
  for (const rule of rules) {
    const due = dueOf(rule, occurredAt, zone, unclamped.get(`${rule.kind}#${rule.sequence - 1}`));
    unclamped.set(`${rule.kind}#${rule.sequence}`, due);
    const slot = notInThePast(due, now, zone);
    // Only an event stored before the contract bounded `occurredAt` can get here. A timer the Scheduler
    // refuses would fail planning on every retry, so such a reminder is not made.
    if (!isSchedulable(slot)) continue;
    const dueAt = slot.toISOString();
    // A backfilled event can clamp two reminders of a kind into the same slot: one email says it.
    if (created.some((reminder) => reminder.kind === rule.kind && reminder.dueAt === dueAt)) continue;
    const reminderId = reminderIdFor(stored.userId, stored.eventId, rule.kind, rule.sequence);
    created.push({
      reminderId,
      userId: stored.userId,
      kind: rule.kind,
      sequence: rule.sequence,
      dueAt,
      application: snapshotOf(context.snapshot),
      sourceEventId: stored.eventId,
      ...(context.sourceId === undefined ? {} : { sourceId: context.sourceId }),
      scheduleName: slotScheduleNameFor(stored.userId, dueAt),
      createdAt: now.toISOString(),
    });
  }
  return created;
}

function matches(rule: PolicyRule, event: ApplicationEvent): boolean {
  if (rule.when === undefined) return true;
  if (event.type !== 'application.rejected') return false;
  const { stages = [], reasons = [] } = rule.when;
  return stages.includes(event.rejection.stage) || reasons.includes(event.rejection.reason);
}

function dueOf(rule: PolicyRule, occurredAt: Date, zone: string, previousDue: Date | undefined): Date {
  const due = rule.due;
  switch (due.type) {
    case 'next-slot':
      return nextSendSlot(occurredAt, zone);
    case 'at-least':
      return slotAtLeast(occurredAt, due.minimumHours * HOUR_MS, zone);
    case 'days-later': {
      if (due.from === 'occurredAt') return slotDaysLater(occurredAt, due.days, zone);
      if (previousDue === undefined) {
        throw new ReboundError(
          `POLICY_RULES: ${rule.kind} #${rule.sequence} has no previous rule to count from`,
        );
      }
      return slotDaysLater(previousDue, due.days, zone);
    }
  }
}

function snapshotOf(application: ApplicationSnapshot): ApplicationSnapshot {
  return withoutUndefined({
    ref: application.ref,
    company: application.company,
    role: application.role,
    contact: application.contact && { ...application.contact },
  });
}

/** The cancellation of a pending reminder; a held one is marked so, as it has no timer to delete. */
export function cancellation(reminder: Reminder, reason: string): Cancellation {
  const { reminderId, scheduleName, dueAt } = reminder;
  return reminder.held
    ? { reminderId, scheduleName, dueAt, reason, held: true }
    : { reminderId, scheduleName, dueAt, reason };
}

function latestIso(a: string | undefined, b: string): string {
  return a !== undefined && Date.parse(a) > Date.parse(b) ? a : b;
}

function earliestIso(a: string | undefined, b: string): string {
  return a !== undefined && Date.parse(a) < Date.parse(b) ? a : b;
}

/**
 * Whether `after` says anything `before` did not, `updatedAt` aside: a profile that only got a new
 * `updatedAt` is not written again (an intake event rarely changes the profile; writing it anyway cost two
 * write units per event).
 */
export function profileChanged(before: UserProfile | undefined, after: UserProfile): boolean {
  if (before === undefined) return true;
  const { updatedAt: _before, ...was } = before;
  const { updatedAt: _after, ...is } = after;
  return canonicalJson(was) !== canonicalJson(is);
}

/** Drops `undefined` attributes, so stored items carry no empty keys. */
export function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
