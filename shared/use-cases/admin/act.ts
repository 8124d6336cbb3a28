/**
 * The operator's actions. Every change to a user's reminders or consent is recorded as a user action with an
 * `operator` actor and applied by the planner, exactly as a link pressed in an email is: one path for every
 * change, and the user's timeline shows who did what. Timers (re-sync) and stuck digests, which no event
 * describes, are changed directly. Every action leaves one audit record.
 */
import {
  type ActionResult,
  type AdminAction,
  type AdminPrincipal,
  type AuditEntry,
  canAct,
} from '../../../events/admin-api.ts';
import type { UserAction } from '../../../events/user-action.ts';
import { consentOf } from '../../domain/consent.ts';
import { contentHash } from '../../domain/ids.ts';
import type { Digest, Reminder, UserProfile } from '../../domain/model.ts';
import { nextWholeMinute } from '../../domain/slots.ts';
import { AdminActionRefusedError, ForbiddenError, InvalidEventError, NotFoundError } from '../../errors.ts';
import type { AuditRecord } from '../../ports.ts';
import { recordUserAction, userActionEventId } from '../record-user-action.ts';
import { timerNameOf } from '../timers.ts';
import type { AdminDeps } from './deps.ts';
import { adminDigest, adminReminder, localTime, reminderLabel } from './present.ts';

/** How often an action looks whether the planner applied its event. */
export const APPLY_POLL_MS = 100;
/** How long it waits before answering `pending` (the planner usually takes well under a second). */
export const DEFAULT_APPLY_WAIT_MS = 8_000;
/** The furthest an operator may move a reminder. */
export const MAX_RESCHEDULE_DAYS = 365;

type Outcome = ActionResult['outcome'];
type ReminderAction = Extract<
  AdminAction,
  { type: 'reminder.cancel' | 'reminder.send_now' | 'reminder.reschedule' }
>;
type UserLevelAction = Extract<AdminAction, { type: 'user.pause' | 'user.resume' | 'user.erase' }>;
type DigestAction = Extract<AdminAction, { type: 'digest.mark_sent' | 'digest.release' }>;

/**
 * Take one action as `principal`.
 *
 * Input: who, what, and the key that makes a repeated press (or a retried request) one action; without a key,
 * one is derived from the action and the target's current state, so the same press on the same state is one.
 * Output: the outcome (`applied`, `duplicate`, or `pending` when the planner has not applied it within
 * `applyWaitMs`), the audit id, the target's state after it, and one sentence for the page.
 * 1. Refuse anyone without the operator role (nothing is read or written).
 * 2. Read the target; refuse what cannot apply to its state (404, 409; nothing written).
 * 3. Record the user action (or change timers / the digest directly), then wait for the planner.
 * 4. Read the state after, and write the audit record (once per audit id: a duplicate's write is a no-op).
 * @throws ForbiddenError, NotFoundError, AdminActionRefusedError, InvalidEventError (a reschedule out of range)
 */
export async function act(
  principal: AdminPrincipal,
  action: AdminAction,
  idempotencyKey: string | undefined,
  deps: AdminDeps,
): Promise<ActionResult> {
  if (!canAct(principal)) {
    throw new ForbiddenError(`${principal.email} may look but not act: that takes the operator role`);
  }
  switch (action.type) {
    case 'reminder.cancel':
    case 'reminder.send_now':
    case 'reminder.reschedule':
      return reminderAction(principal, action, idempotencyKey, deps);
    case 'user.pause':
    case 'user.resume':
    case 'user.erase':
      return userAction(principal, action, idempotencyKey, deps);
    case 'user.resync':
      return resync(principal, action, idempotencyKey, deps);
    case 'digest.mark_sent':
    case 'digest.release':
      return digestAction(principal, action, idempotencyKey, deps);
    case 'dead_letter.redrive':
      return redrive(principal, action, idempotencyKey, deps);
  }
}

// ---------------------------------------------------------------------------------------------- reminders

async function reminderAction(
  principal: AdminPrincipal,
  action: ReminderAction,
  key: string | undefined,
  deps: AdminDeps,
): Promise<ActionResult> {
  const { userId, reminderId } = action;
  const now = deps.clock.now();
  const requested = userActionOf(action, now);
  const retried = key === undefined ? undefined : await alreadyRecorded(userId, key, requested, deps);

  const before = await deps.store.getReminder(userId, reminderId);
  if (!before) throw new NotFoundError(`Reminder ${reminderId}`);
  if (!retried) refuseUnlessActionable(action, before);

  const recorded =
    retried ?? (await record(principal, userId, requested, key ?? derivedKey(action, before), deps));
  const after = (await deps.store.getReminder(userId, reminderId)) ?? before;
  const profile = await deps.store.getProfile(userId);
  const outcome = recorded.outcome;
  await audit(deps, {
    auditId: recorded.eventId,
    at: now.toISOString(),
    actor: principal.email,
    action: action.type,
    userId,
    reminderId,
    input: requested.type === 'reminder.rescheduled' ? { dueAt: requested.dueAt } : undefined,
    before: reminderSummary(before),
    after: reminderSummary(after),
    outcome,
  });
  return {
    outcome,
    auditId: recorded.eventId,
    reminder: adminReminder(after, profile),
    message: sentence(outcome, appliedReminderSentence(action, after, profile)),
  };
}

/** The user action an operator's reminder action records; a reschedule's due time is checked here. */
function userActionOf(action: ReminderAction, now: Date): UserAction {
  switch (action.type) {
    case 'reminder.cancel':
      return { type: 'reminder.cancelled', reminderId: action.reminderId };
    case 'reminder.send_now':
      return {
        type: 'reminder.rescheduled',
        reminderId: action.reminderId,
        dueAt: nextWholeMinute(now).toISOString(),
        sendNow: true,
      };
    case 'reminder.reschedule':
      return {
        type: 'reminder.rescheduled',
        reminderId: action.reminderId,
        dueAt: checkedDueAt(action.dueAt, now),
      };
  }
}

function checkedDueAt(dueAt: string, now: Date): string {
  const at = Date.parse(dueAt);
  if (Number.isNaN(at)) {
    throw new InvalidEventError([{ path: 'dueAt', message: 'must be an ISO 8601 date-time with a zone' }]);
  }
  if (at <= now.getTime()) {
    throw new InvalidEventError([
      { path: 'dueAt', message: `must be in the future (server time ${now.toISOString()})` },
    ]);
  }
  if (at > now.getTime() + MAX_RESCHEDULE_DAYS * 86_400_000) {
    throw new InvalidEventError([
      {
        path: 'dueAt',
        message: `must be at most ${MAX_RESCHEDULE_DAYS} days ahead (server time ${now.toISOString()})`,
      },
    ]);
  }
  return new Date(at).toISOString();
}

function refuseUnlessActionable(action: ReminderAction, r: Reminder): void {
  if (r.status !== 'pending') {
    const state = r.status === 'cancelled' ? 'cancelled' : 'already sent';
    throw new AdminActionRefusedError(`${reminderLabel(r)} is ${state}; nothing changed`);
  }
  if (action.type === 'reminder.send_now' && r.held) {
    throw new AdminActionRefusedError(
      `${reminderLabel(r)} is waiting for the user to confirm their address; it cannot be sent; nothing changed`,
    );
  }
}

/** The same press on the same state is one event: the key names the action and what it acted on. */
function derivedKey(action: ReminderAction, r: Reminder): string {
  return `admin:${action.type}:${r.status}:${r.dueAt}:${r.movedAt ?? ''}`;
}

function reminderSummary(r: Reminder): Record<string, unknown> {
  return { status: r.status, dueAt: r.dueAt, held: r.held === true };
}

function appliedReminderSentence(
  action: ReminderAction,
  r: Reminder,
  profile: UserProfile | undefined,
): string {
  const label = reminderLabel(r);
  const when = localTime(r.dueAt, profile?.timezone ?? 'UTC');
  switch (action.type) {
    case 'reminder.cancel':
      return `Cancelled ${label}.`;
    case 'reminder.send_now':
      return `${label} goes out at the next minute, ${when}.`;
    case 'reminder.reschedule':
      return `Moved ${label} to ${when}.`;
  }
}

// ---------------------------------------------------------------------------------------------- users

async function userAction(
  principal: AdminPrincipal,
  action: UserLevelAction,
  key: string | undefined,
  deps: AdminDeps,
): Promise<ActionResult> {
  const { userId } = action;
  const now = deps.clock.now();
  const requested: UserAction =
    action.type === 'user.pause'
      ? { type: 'user.paused', weeks: action.weeks }
      : action.type === 'user.resume'
        ? { type: 'user.resumed' }
        : { type: 'user.erasure_requested' };
  const retried = key === undefined ? undefined : await alreadyRecorded(userId, key, requested, deps);

  const before = await deps.store.getProfile(userId);
  if (!before) throw new NotFoundError(`User ${userId}`);
  if (!retried && action.type === 'user.resume' && !isPaused(before, now)) {
    throw new AdminActionRefusedError('The user is not paused; nothing changed');
  }

  const recorded =
    retried ??
    (await record(principal, userId, requested, key ?? derivedUserKey(action, before), deps, {
      goneMeansApplied: action.type === 'user.erase',
    }));
  const after = await deps.store.getProfile(userId);
  await audit(deps, {
    auditId: recorded.eventId,
    at: now.toISOString(),
    actor: principal.email,
    action: action.type,
    userId,
    input: action.type === 'user.pause' ? { weeks: action.weeks } : undefined,
    before: profileSummary(before),
    after: after ? profileSummary(after) : { erased: true },
    outcome: recorded.outcome,
  });
  return {
    outcome: recorded.outcome,
    auditId: recorded.eventId,
    message: sentence(recorded.outcome, appliedUserSentence(action, after)),
  };
}

const isPaused = (p: UserProfile, now: Date) =>
  p.pausedUntil !== undefined && Date.parse(p.pausedUntil) > now.getTime();

function derivedUserKey(action: UserLevelAction, p: UserProfile): string {
  // Any erasure of the user is the same request; a pause or resume is one per state of the profile.
  if (action.type === 'user.erase') return 'admin:user.erase';
  return `admin:${action.type}:${p.updatedAt}:${consentOf(p)}:${p.pausedUntil ?? ''}`;
}

function profileSummary(p: UserProfile): Record<string, unknown> {
  return { consent: consentOf(p), pausedUntil: p.pausedUntil, optOuts: p.optOuts ?? [] };
}

function appliedUserSentence(action: UserLevelAction, after: UserProfile | undefined): string {
  switch (action.type) {
    case 'user.pause':
      return `Paused the user's reminders for ${action.weeks} week${action.weeks === 1 ? '' : 's'}${after?.pausedUntil ? `, until ${localTime(after.pausedUntil, after.timezone)}` : ''}.`;
    case 'user.resume':
      return "Resumed the user's reminders.";
    case 'user.erase':
      return after ? 'Erasure requested.' : "Erased the user's data.";
  }
}

// ---------------------------------------------------------------------------------------------- timers

/**
 * Ensure the timer of each pending reminder (not held), once per timer name. A due time in the past, or
 * within a minute, gets the next whole minute: the Scheduler refuses `at()` in the past.
 */
async function resync(
  principal: AdminPrincipal,
  action: Extract<AdminAction, { type: 'user.resync' }>,
  key: string | undefined,
  deps: AdminDeps,
): Promise<ActionResult> {
  const { userId } = action;
  const now = deps.clock.now();
  const pending = await deps.store.listPending(userId);
  const timed = pending.filter((r) => !r.held);
  const earliest = nextWholeMinute(now);
  const names = new Set<string>();
  for (const r of timed) {
    const scheduleName = timerNameOf(userId, r);
    if (names.has(scheduleName)) continue;
    names.add(scheduleName);
    const dueAt = Date.parse(r.dueAt) < earliest.getTime() ? earliest.toISOString() : r.dueAt;
    await deps.timers.ensure({ scheduleName, dueAt, userId, reminderId: r.reminderId });
  }
  const auditId = directAuditId(action, key ?? `admin:user.resync:${now.toISOString()}`);
  await audit(deps, {
    auditId,
    at: now.toISOString(),
    actor: principal.email,
    action: action.type,
    userId,
    before: { pending: pending.length, held: pending.length - timed.length },
    after: { timersEnsured: names.size },
    outcome: 'applied',
  });
  const count = `${names.size} timer${names.size === 1 ? '' : 's'}`;
  return {
    outcome: 'applied',
    auditId,
    message:
      names.size === 0
        ? 'The user has no pending reminder that needs a timer; nothing changed.'
        : `Ensured ${count} for ${timed.length} pending reminder${timed.length === 1 ? '' : 's'}.`,
  };
}

// ---------------------------------------------------------------------------------------------- digests

/**
 * A digest stuck in `sending` (the sender stopped between the claim and recording SES's answer): the operator,
 * having checked SES, either confirms it went (`mark_sent`) or releases its reminders to be sent again.
 */
async function digestAction(
  principal: AdminPrincipal,
  action: DigestAction,
  key: string | undefined,
  deps: AdminDeps,
): Promise<ActionResult> {
  const { userId, digestId } = action;
  const now = deps.clock.now();
  const before = await deps.admin.getDigest(userId, digestId);
  if (!before) throw new NotFoundError(`Digest ${digestId}`);
  if (before.status !== 'sending') {
    throw new AdminActionRefusedError(
      `The email ${digestId} is ${before.status}, not stuck in sending; nothing changed`,
    );
  }
  let message: string;
  if (action.type === 'digest.mark_sent') {
    await deps.store.completeDigest(before, 'operator-confirmed', now.toISOString());
    message = 'Recorded the email as sent; its reminders stay sent.';
  } else {
    await deps.store.releaseDigest(before, `released by ${principal.email}`);
    const timers = await wakeReleased(before, now, deps);
    message = `Released the email: its ${before.reminderIds.length} reminder${before.reminderIds.length === 1 ? '' : 's'} go out again at the next minute (${timers} timer${timers === 1 ? '' : 's'}). If the first email did leave, the user gets them twice.`;
  }
  const after = (await deps.admin.getDigest(userId, digestId)) ?? before;
  const auditId = directAuditId(action, key ?? `admin:${action.type}:${before.status}:${before.claimedAt}`);
  await audit(deps, {
    auditId,
    at: now.toISOString(),
    actor: principal.email,
    action: action.type,
    userId,
    digestId,
    before: digestSummary(before),
    after: digestSummary(after),
    outcome: 'applied',
  });
  return { outcome: 'applied', auditId, digest: adminDigest(after), message };
}

/** Released reminders are pending again, due in the past: a timer at the next minute sends them the normal way. */
async function wakeReleased(digest: Digest, now: Date, deps: AdminDeps): Promise<number> {
  const dueAt = nextWholeMinute(now).toISOString();
  const names = new Set<string>();
  for (const reminderId of digest.reminderIds) {
    const r = await deps.store.getReminder(digest.userId, reminderId);
    if (r?.status !== 'pending' || r.held) continue;
    const scheduleName = timerNameOf(digest.userId, r);
    if (names.has(scheduleName)) continue;
    names.add(scheduleName);
    await deps.timers.ensure({ scheduleName, dueAt, userId: digest.userId, reminderId });
  }
  return names.size;
}

function digestSummary(d: Digest): Record<string, unknown> {
  return { status: d.status, messageId: d.messageId, sentAt: d.sentAt };
}

// ---------------------------------------------------------------------------------------------- dead letters

/**
 * Hand a dead-letter queue's messages back to the pipeline (`DeadLetterView.redrive`): wake-ups of the sender
 * become timers at the next minute, stream batches are replayed to the planner. DynamoDB decides what is sent
 * and planned, so a redrive (or a second one) sends nothing twice. The audit has the queue's depth before and
 * what the redrive did.
 */
async function redrive(
  principal: AdminPrincipal,
  action: Extract<AdminAction, { type: 'dead_letter.redrive' }>,
  key: string | undefined,
  deps: AdminDeps,
): Promise<ActionResult> {
  const { queue } = action;
  const now = deps.clock.now();
  const before = (await deps.deadLetters.counts()).find((q) => q.name === queue);
  if (!before) throw new NotFoundError(`Dead-letter queue ${queue}`);
  const result = await deps.deadLetters.redrive(queue);
  const notes = result.notes ?? [];
  const auditId = directAuditId(action, key ?? `admin:dead_letter.redrive:${now.toISOString()}`);
  await audit(deps, {
    auditId,
    at: now.toISOString(),
    actor: principal.email,
    action: action.type,
    input: { queue },
    before: { count: before.count },
    after: { redriven: result.redriven, remaining: result.remaining, notes },
    outcome: 'applied',
  });
  return {
    outcome: 'applied',
    auditId,
    deadLetters: { queue, redriven: result.redriven, remaining: result.remaining, notes },
    message: redriveSentence(queue, result.redriven, result.remaining, notes),
  };
}

function redriveSentence(
  queue: string,
  redriven: number,
  remaining: number,
  notes: readonly string[],
): string {
  const letters = (n: number) => `${n} dead letter${n === 1 ? '' : 's'}`;
  const what =
    queue === 'stream'
      ? 'their events were replayed to the planner'
      : "their users' sender runs again at the next minute";
  const done =
    redriven === 0
      ? `Nothing redriven from ${queue}.`
      : `Redrove ${letters(redriven)} from ${queue}: ${what}.`;
  const left = remaining === 0 ? ' None remain.' : ` ${letters(remaining)} remain.`;
  return `${done}${left}${notes.length > 0 ? ` ${notes.join(' ')}` : ''}`;
}

// ---------------------------------------------------------------------------------------------- shared

interface Recorded {
  readonly eventId: string;
  readonly outcome: Outcome;
}

/** A retried request: the event its key and action name is stored already (whatever happened since). */
async function alreadyRecorded(
  userId: string,
  key: string,
  action: UserAction,
  deps: AdminDeps,
): Promise<Recorded | undefined> {
  const eventId = userActionEventId(userId, key, action);
  const state = await deps.admin.eventState(userId, eventId);
  return state === 'missing' ? undefined : { eventId, outcome: 'duplicate' };
}

/**
 * Record the action as the operator's and wait for the planner to apply it. An erasure deletes its own event
 * once done, so for it a vanished event means applied.
 */
async function record(
  principal: AdminPrincipal,
  userId: string,
  action: UserAction,
  idempotencyKey: string,
  deps: AdminDeps,
  options: { readonly goneMeansApplied?: boolean } = {},
): Promise<Recorded> {
  const { eventId, duplicate } = await recordUserAction(
    { userId, action, actor: { type: 'operator', operator: principal.email }, idempotencyKey },
    deps,
  );
  if (duplicate) return { eventId, outcome: 'duplicate' };
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const looks = Math.max(1, Math.ceil((deps.applyWaitMs ?? DEFAULT_APPLY_WAIT_MS) / APPLY_POLL_MS));
  for (let look = 0; look <= looks; look += 1) {
    if (look > 0) await sleep(APPLY_POLL_MS);
    const state = await deps.admin.eventState(userId, eventId);
    if (state === 'planned' || (state === 'missing' && options.goneMeansApplied)) {
      return { eventId, outcome: 'applied' };
    }
    // Stored, but it can never apply: the timeline shows why.
    if (state === 'failed') return { eventId, outcome: 'failed' };
  }
  return { eventId, outcome: 'pending' };
}

function sentence(outcome: Outcome, applied: string): string {
  switch (outcome) {
    case 'failed':
      return "Recorded, but the planner could not apply it: the user's timeline shows why.";
    case 'applied':
      return applied;
    case 'duplicate':
      return 'This action was taken already; nothing changed again.';
    case 'pending':
      return 'Recorded; the planner has not applied it yet. Refresh in a moment.';
  }
}

/** The audit id of an action no event records: the action, its target and its key. */
function directAuditId(action: AdminAction, key: string): string {
  return `x_${contentHash({ a: action, k: key }).slice(0, 32)}`;
}

async function audit(
  deps: AdminDeps,
  entry: AuditRecord & { readonly action: AuditEntry['action'] },
): Promise<void> {
  await deps.audit.record(entry);
}
