/**
 * The domain model. Instants are UTC ISO-8601 strings (`2026-11-30T08:00:00.000Z`);
 * the user's time zone is applied only in pure functions (see `slots.ts`).
 */
import type { EventType, RejectionReason, RejectionStage } from '#events/job-event.ts';
import type { ConsentRecord } from './consent.ts';

export const REMINDER_KINDS = [
  'follow_up',
  'thank_you',
  'ask_feedback',
  'apply_formally',
  'reconnect',
] as const;
export type ReminderKind = (typeof REMINDER_KINDS)[number];

/**
 * `sent`: claimed into a digest (`digestId`), which says whether the email went out (`sent`, with its message
 * id) or may not have (`sending`: the sender stopped between the claim and the record; reported, never resent).
 * `sending` is only found on reminders claimed by senders from before claims marked them `sent`.
 */
export type ReminderStatus = 'pending' | 'sending' | 'sent' | 'cancelled';

export type ApplicationStatus = 'active' | 'rejected' | 'withdrawn' | 'closed';

export interface Contact {
  readonly name?: string | undefined;
  readonly email?: string | undefined;
  readonly title?: string | undefined;
}

/** The parts of an application that an email needs; copied onto each reminder so the sender reads one item. */
export interface ApplicationSnapshot {
  readonly ref: string;
  readonly company: string;
  readonly role?: string | undefined;
  readonly contact?: Contact | undefined;
}

/** A user as the planner keeps it; consent, opt-outs and pause are optional attributes (`ConsentRecord`). */
export interface UserProfile extends ConsentRecord {
  readonly userId: string;
  readonly email: string;
  readonly name?: string | undefined;
  readonly timezone: string;
  /** Set by `offer.accepted`: events that happened before this create no reminders. */
  readonly searchEndedAt?: string | undefined;
  /**
   * DynamoDB TTL (epoch seconds), only while the profile is `unconfirmed`: the profile and every item stored
   * for it expire then, unless new activity moves it on or the user confirms (see `admission.ts`).
   */
  readonly expiresAt?: number | undefined;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** What the planner remembers about one application, so later events are judged in context. */
export interface ApplicationState extends ApplicationSnapshot {
  readonly userId: string;
  readonly status: ApplicationStatus;
  readonly submittedAt?: string | undefined;
  readonly rejectedAt?: string | undefined;
  readonly rejectionStage?: RejectionStage | undefined;
  readonly rejectionReason?: RejectionReason | undefined;
  readonly withdrawnAt?: string | undefined;
  readonly lastInterviewAt?: string | undefined;
  /** Set by "Stop reminders for this application": nothing new is ever planned for it. */
  readonly stoppedAt?: string | undefined;
  /** `occurredAt` of the latest event seen on this application (by occurrence, not by arrival). */
  readonly lastEventAt: string;
  readonly lastEventType: EventType;
  readonly eventCount: number;
  readonly updatedAt: string;
}

export interface Reminder {
  readonly reminderId: string;
  readonly userId: string;
  readonly kind: ReminderKind;
  /** 1 for the first of its kind on an application, 2 for the second follow-up. */
  readonly sequence: number;
  readonly status: ReminderStatus;
  /** The send slot, UTC. */
  readonly dueAt: string;
  readonly application: ApplicationSnapshot;
  /** The event that created it. */
  readonly sourceEventId: string;
  /**
   * The intake source (integrator) whose event created it, when intake knew one; a snoozed copy keeps its
   * original's. Lets the admin view list one integrator's reminders.
   */
  readonly sourceId?: string | undefined;
  /**
   * The timer it was planned with: its send slot's (`slotScheduleNameFor`, shared by the user's reminders due
   * then; after a move, the slot of `dueAt` is what counts), or, for reminders planned before slot timers, its
   * own (`scheduleNameFor`).
   */
  readonly scheduleName: string;
  readonly createdAt: string;
  /**
   * Waiting for consent (the user has not confirmed yet): pending, but off the pending index and without a
   * timer, so it costs nothing while it waits. Confirmation releases it.
   */
  readonly held?: true | undefined;
  /** A snoozed copy of a sent reminder: the reminder it was made from. */
  readonly snoozedFrom?: string | undefined;
  /** The last event that moved its due time (release, snooze, pause), and when. */
  readonly movedBy?: string | undefined;
  readonly movedAt?: string | undefined;
  /** "I did it": when the user said so (sent or not). */
  readonly doneAt?: string | undefined;
  readonly cancelledAt?: string | undefined;
  readonly cancelledBy?: string | undefined;
  readonly cancelReason?: string | undefined;
  readonly claimedAt?: string | undefined;
  readonly digestId?: string | undefined;
  readonly sentAt?: string | undefined;
  readonly messageId?: string | undefined;
  /** Emails with this reminder that the provider refused: each retry claims it under a new digest id. */
  readonly failedSends?: number | undefined;
}

export type NewReminder = Omit<
  Reminder,
  | 'status'
  | 'cancelledAt'
  | 'cancelledBy'
  | 'cancelReason'
  | 'claimedAt'
  | 'digestId'
  | 'sentAt'
  | 'messageId'
  | 'failedSends'
  | 'movedBy'
  | 'movedAt'
  | 'doneAt'
>;

export interface Cancellation {
  readonly reminderId: string;
  readonly scheduleName: string;
  /** When it was due: names the send slot whose timer may go with it. */
  readonly dueAt?: string | undefined;
  readonly reason: string;
  /** The reminder was held for consent: it has no timer to delete. */
  readonly held?: true | undefined;
}

/** A pending reminder's new due time; `held` says whether it still waits for consent after the move. */
export interface ReminderMove {
  readonly reminderId: string;
  readonly scheduleName: string;
  readonly dueAt: string;
  readonly held?: true | undefined;
}

/** Why an event can never be planned; kept on the event item (`status: failed`) for the admin view. */
export interface EventFailure {
  readonly failedAt: string;
  readonly reason: string;
}

/** One email: every reminder of a user due in the same slot. */
export interface Digest {
  readonly digestId: string;
  readonly userId: string;
  readonly reminderIds: readonly string[];
  readonly status: 'sending' | 'sent' | 'failed';
  readonly claimedAt: string;
  readonly sentAt?: string | undefined;
  readonly messageId?: string | undefined;
}
