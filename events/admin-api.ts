/**
 * The admin JSON API's contract (`/admin/api/…`): what scripts and the admin pages rely on. Requests are
 * parsed with these schemas (a 400 names the field); responses have the shapes typed here.
 *
 * Roles: `viewer` reads; `operator` reads and acts. Both come from the identity provider's groups claim
 * (`cognito:groups`), checked on the server for every request.
 */
import * as z from 'zod';
import { REMINDER_KINDS_FOR_CONTRACT } from './reminder-kinds.ts';

export const ADMIN_ROLES = ['viewer', 'operator'] as const;
export type AdminRole = (typeof ADMIN_ROLES)[number];

/** Who is asking: from a verified token. `operator` may act; `viewer` only reads. */
export interface AdminPrincipal {
  readonly email: string;
  readonly roles: readonly AdminRole[];
}

export const canAct = (p: AdminPrincipal): boolean => p.roles.includes('operator');

const instant = z.iso.datetime({ offset: true });
const kind = z.enum(REMINDER_KINDS_FOR_CONTRACT);

/**
 * `GET /admin/api/reminders`: pending reminders by due time, paginated by an opaque cursor.
 * - `consent=confirmed` (default): reminders with a timer (their user has confirmed);
 * - `consent=waiting`: reminders held until their user confirms (no timer yet).
 */
export const ReminderListQuerySchema = z.strictObject({
  status: z.literal('pending').default('pending'),
  consent: z.enum(['confirmed', 'waiting']).default('confirmed'),
  kind: kind.optional(),
  /** Due at or after / at or before (ISO 8601). */
  from: instant.optional(),
  to: instant.optional(),
  /** The source (integrator) whose event created the reminder. */
  source: z.string().min(1).max(64).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().min(1).max(2048).optional(),
});
export type ReminderListQuery = z.infer<typeof ReminderListQuerySchema>;

/**
 * `GET /admin/api/users?email=`: the user is found by exact address (hashed to the user id on the server), or
 * `?id=` by the user id a list gave.
 */
export const UserQuerySchema = z.union([
  z.strictObject({ email: z.email().max(254) }),
  z.strictObject({ id: z.string().regex(/^u_[0-9a-f]{8,64}$/, 'must be a user id (u_ and hex)') }),
]);

/** `GET /admin/api/audit?limit=&cursor=`. */
export const AuditQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().min(1).max(2048).optional(),
});

/** `POST /admin/api/reminders/{userId}/{reminderId}/reschedule` body. */
export const RescheduleBodySchema = z.strictObject({ dueAt: instant });

/** `POST /admin/api/users/{userId}/pause` body. */
export const PauseBodySchema = z.strictObject({ weeks: z.coerce.number().int().min(1).max(52) });

/** `POST /admin/api/users/{userId}/erase` body: the user's address, typed again, as confirmation. */
export const EraseBodySchema = z.strictObject({ confirmEmail: z.email().max(254) });

/** Every action an operator can take. `idempotencyKey` makes a repeated press (or a retried request) one action. */
export type AdminAction =
  | { readonly type: 'reminder.cancel'; readonly userId: string; readonly reminderId: string }
  | { readonly type: 'reminder.send_now'; readonly userId: string; readonly reminderId: string }
  | {
      readonly type: 'reminder.reschedule';
      readonly userId: string;
      readonly reminderId: string;
      readonly dueAt: string;
    }
  | { readonly type: 'user.pause'; readonly userId: string; readonly weeks: number }
  | { readonly type: 'user.resume'; readonly userId: string }
  | { readonly type: 'user.resync'; readonly userId: string }
  | { readonly type: 'user.erase'; readonly userId: string }
  | { readonly type: 'digest.mark_sent'; readonly userId: string; readonly digestId: string }
  | { readonly type: 'digest.release'; readonly userId: string; readonly digestId: string }
  /** `POST /admin/api/dead-letters/{queue}/redrive`: hand a dead-letter queue's messages back to the pipeline. */
  | { readonly type: 'dead_letter.redrive'; readonly queue: string };
export type AdminActionType = AdminAction['type'];

/**
 * The dead-letter queues a redrive can empty (the others answer 409):
 * - `scheduler`, `sender`: a timer's wake-up of the sender that failed; it wakes the sender again through a
 *   timer at the next minute, and the sender sends only what is still pending and due (no double send);
 * - `stream`: a batch of table-stream records the planner failed on; its records are read back from the stream
 *   (retained 24 hours) and replayed to the planner, which applies each event once (`plannedAt`).
 */
export const REDRIVABLE_DEAD_LETTER_QUEUES = ['scheduler', 'sender', 'stream'] as const;

/** A reminder as the admin view shows it. */
export interface AdminReminder {
  readonly userId: string;
  readonly reminderId: string;
  readonly kind: (typeof REMINDER_KINDS_FOR_CONTRACT)[number];
  readonly sequence: number;
  /** UTC. */
  readonly dueAt: string;
  /** `dueAt` in the user's time zone, e.g. `Mon 7 Dec 2026, 09:00 (Europe/Berlin)`. */
  readonly dueLocal: string;
  readonly status: 'pending' | 'sending' | 'sent' | 'cancelled';
  /** Waiting for the user's consent: no timer yet. */
  readonly held: boolean;
  readonly company: string;
  readonly role?: string | undefined;
  readonly applicationRef: string;
  /** The source (integrator) of the event that created it, when known. */
  readonly sourceId?: string | undefined;
  readonly sourceEventId: string;
  readonly user: {
    readonly name?: string | undefined;
    /** `s***@example.com`: lists never show a whole address. */
    readonly maskedEmail: string;
    readonly timezone: string;
    readonly consent: 'unconfirmed' | 'confirmed' | 'unsubscribed' | 'suppressed';
  };
  /** The Scheduler timer that will wake the sender (its send slot's), or none while held. */
  readonly timer: { readonly scheduleName: string; readonly state: 'scheduled' | 'none' };
  readonly cancelledAt?: string | undefined;
  readonly cancelledBy?: string | undefined;
  readonly cancelReason?: string | undefined;
  readonly sentAt?: string | undefined;
  readonly messageId?: string | undefined;
  readonly digestId?: string | undefined;
}

export interface ReminderPage {
  readonly items: readonly AdminReminder[];
  readonly next: string | null;
}

/** What a live `GetSchedule` says about a pending reminder's timer. */
export type TimerCheck =
  | { readonly state: 'present'; readonly scheduleName: string; readonly at: string }
  | { readonly state: 'missing'; readonly scheduleName: string }
  | {
      readonly state: 'different';
      readonly scheduleName: string;
      readonly at: string;
      readonly expected: string;
    }
  /** Held for consent: no timer is expected. */
  | { readonly state: 'not_expected'; readonly scheduleName: string };

export interface TimelineEntry {
  readonly at: string;
  readonly kind: 'event' | 'action' | 'reminder' | 'email';
  /** One line: what happened, e.g. "application.submitted: Acme Corp (Backend Engineer)". */
  readonly summary: string;
  readonly eventId?: string | undefined;
  /** The source of an intake event, or the actor of an action (`operator ops@x`, `user (link)`, `ses`). */
  readonly source?: string | undefined;
  /** An event's planning state: planned, waiting or failed (with the reason). */
  readonly status?: string | undefined;
  readonly reminderId?: string | undefined;
  readonly digestId?: string | undefined;
  readonly messageId?: string | undefined;
  readonly subject?: string | undefined;
}

export interface AdminApplication {
  readonly ref: string;
  readonly company: string;
  readonly role?: string | undefined;
  readonly status: string;
  readonly stoppedAt?: string | undefined;
  readonly lastEventType: string;
  readonly lastEventAt: string;
}

export interface AdminDigest {
  readonly userId: string;
  readonly digestId: string;
  readonly status: 'sending' | 'sent' | 'failed';
  readonly reminderIds: readonly string[];
  readonly claimedAt: string;
  readonly sentAt?: string | undefined;
  readonly messageId?: string | undefined;
}

/** `GET /admin/api/users?email=`. */
export interface UserView {
  readonly userId: string;
  readonly email: string;
  readonly name?: string | undefined;
  readonly timezone: string;
  readonly consent: 'unconfirmed' | 'confirmed' | 'unsubscribed' | 'suppressed';
  readonly optOuts: readonly string[];
  readonly pausedUntil?: string | undefined;
  readonly searchEndedAt?: string | undefined;
  readonly applications: readonly AdminApplication[];
  /** Oldest first. */
  readonly timeline: readonly TimelineEntry[];
  /** Pending reminders (held ones included), each with a live check of its timer. */
  readonly pending: readonly (AdminReminder & { readonly timerCheck: TimerCheck })[];
  readonly digests: readonly AdminDigest[];
}

export interface EmailPreview {
  readonly kind: string;
  readonly subject: string;
  readonly html: string;
  readonly text: string;
  /** True when it was rendered from a real pending reminder's data; false for sample data. */
  readonly fromReminder: boolean;
}

export interface DeadLetterQueue {
  readonly name: string;
  readonly count: number;
}

export interface HealthView {
  readonly stuckDigests: readonly AdminDigest[];
  readonly deadLetters: readonly DeadLetterQueue[];
  /** The last 30 days, oldest first, `day` as `YYYY-MM-DD` (UTC). */
  readonly emailsPerDay: readonly { readonly day: string; readonly count: number }[];
  /** Over the same 30 days. */
  readonly bounces: number;
  readonly complaints: number;
  readonly oldestOverdue?: AdminReminder | undefined;
}

export interface AuditEntry {
  readonly auditId: string;
  readonly at: string;
  readonly actor: string;
  readonly action: AdminActionType;
  readonly userId?: string | undefined;
  readonly reminderId?: string | undefined;
  readonly digestId?: string | undefined;
  /** What was asked, e.g. `{ "dueAt": … }`. */
  readonly input?: Readonly<Record<string, unknown>> | undefined;
  readonly before?: unknown;
  readonly after?: unknown;
  /**
   * `applied`; `duplicate` (the same action was already taken); `pending` (recorded, not applied yet);
   * `failed` (recorded, but the planner marked it failed: it will never apply; the timeline says why).
   */
  readonly outcome: ActionOutcome;
}

export interface AuditPage {
  readonly items: readonly AuditEntry[];
  readonly next: string | null;
}

/** How an action ended (see `AuditEntry.outcome`). */
export type ActionOutcome = 'applied' | 'duplicate' | 'pending' | 'failed';

/** What an action answers: the target's state after it. */
export interface ActionResult {
  readonly outcome: ActionOutcome;
  readonly auditId: string;
  readonly reminder?: AdminReminder | undefined;
  readonly digest?: AdminDigest | undefined;
  /** A redrive's figures: dead letters handed back, those left, and why any was kept. */
  readonly deadLetters?:
    | {
        readonly queue: string;
        readonly redriven: number;
        readonly remaining: number;
        readonly notes: readonly string[];
      }
    | undefined;
  /** One sentence for the page's confirmation banner. */
  readonly message: string;
}
