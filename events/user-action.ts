/**
 * Internal events: what a job seeker (through an email link), SES feedback or an operator changed. They are
 * stored in the user's timeline as `EVENT#` items beside intake events and planned by the same planner, so
 * every change has one path. They are NOT part of the public intake contract: `POST /events` refuses them
 * (its schema is a closed union of `events/job-event.ts` types), and only Rebound's own functions write them.
 */
import * as z from 'zod';
import { REMINDER_KINDS_FOR_CONTRACT } from './reminder-kinds.ts';

export const USER_ACTION_VERSION = '1';

/** Who caused the change; the admin view shows it. */
export const ActorSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('user'), via: z.enum(['link', 'one-click']) }),
  z.strictObject({ type: z.literal('ses') }),
  z.strictObject({ type: z.literal('operator'), operator: z.string().min(1).max(254) }),
]);
export type Actor = z.infer<typeof ActorSchema>;

const reminderId = z.string().min(1).max(200);
const applicationRef = z.string().min(1).max(100);
const kind = z.enum(REMINDER_KINDS_FOR_CONTRACT);

export const UserActionSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('consent.confirmed') }),
  z.strictObject({ type: z.literal('consent.unsubscribed') }),
  z.strictObject({
    type: z.literal('consent.suppressed'),
    reason: z.enum(['not_me', 'bounce', 'complaint', 'transient_bounces']),
  }),
  /** A transient bounce: counted; three in a row suppress. */
  z.strictObject({ type: z.literal('delivery.bounced_transient') }),
  z.strictObject({ type: z.literal('reminder.done'), reminderId }),
  z.strictObject({
    type: z.literal('reminder.snoozed'),
    reminderId,
    days: z.union([z.literal(3), z.literal(7)]),
  }),
  z.strictObject({ type: z.literal('application.stopped'), ref: applicationRef }),
  z.strictObject({
    type: z.literal('preferences.updated'),
    optOuts: z.array(kind).max(REMINDER_KINDS_FOR_CONTRACT.length),
    /** Weeks of pause from now; 0 resumes. Absent: leave the pause as it is. */
    pauseWeeks: z.union([z.literal(0), z.literal(2), z.literal(4), z.literal(8)]).optional(),
  }),
  z.strictObject({ type: z.literal('user.erasure_requested') }),
  /** Operator actions (the admin view; `actor.type` is `operator`). */
  z.strictObject({ type: z.literal('reminder.cancelled'), reminderId }),
  /** A pending reminder moves to `dueAt` (an operator's reschedule; `sendNow`: the next minute). */
  z.strictObject({
    type: z.literal('reminder.rescheduled'),
    reminderId,
    dueAt: z.iso.datetime({ offset: true }),
    sendNow: z.literal(true).optional(),
  }),
  /** Pause for N weeks from now, as the preferences page's pause does; `user.resumed` ends it. */
  z.strictObject({ type: z.literal('user.paused'), weeks: z.number().int().min(1).max(52) }),
  z.strictObject({ type: z.literal('user.resumed') }),
]);
export type UserAction = z.infer<typeof UserActionSchema>;
export type UserActionType = UserAction['type'];

/**
 * A user action as stored in the timeline (an `EVENT#` item, like an intake event, which carries `event`
 * instead of `action`). `eventId` is deterministic per source of the change (e.g. a hash of the link token
 * and the form), so a repeated click or a redelivered SES notification stores nothing new.
 */
export const StoredUserActionSchema = z.object({
  eventId: z.string().min(1).max(200),
  userId: z.string().min(1).max(200),
  receivedAt: z.iso.datetime({ offset: true }),
  occurredAt: z.iso.datetime({ offset: true }),
  action: UserActionSchema,
  actor: ActorSchema,
});
export type StoredUserAction = z.infer<typeof StoredUserActionSchema>;
