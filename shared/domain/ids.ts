/** Deterministic identifiers: the same input always gives the same id, so retries and replays converge. */
import { createHash } from 'node:crypto';
import type { ReminderKind } from './model.ts';

const sha256 = (value: string): string => createHash('sha256').update(value).digest('hex');

/** A stable user id from the normalised email, so keys and logs do not carry the address itself. */
export function userIdFor(email: string): string {
  return `u_${sha256(email.trim().toLowerCase()).slice(0, 24)}`;
}

/** Stable JSON: object keys sorted, so the same content always hashes the same. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export function contentHash(value: unknown): string {
  return sha256(canonicalJson(value));
}

/** The idempotency key used when the client sent no `id`: a hash of what the event says. */
export function derivedEventId(value: unknown): string {
  return `h_${contentHash(value).slice(0, 32)}`;
}

/** `r_` + 30 hex chars; unique per user, source event, kind and sequence. */
export function reminderIdFor(
  userId: string,
  sourceEventId: string,
  kind: ReminderKind,
  sequence: number,
): string {
  return `r_${sha256(`${userId}|${sourceEventId}|${kind}|${sequence}`).slice(0, 30)}`;
}

/**
 * The snoozed copy of a sent reminder: unique per original and per snooze action, so a redelivered action
 * makes the same copy.
 */
export function snoozedReminderIdFor(originalReminderId: string, actionEventId: string): string {
  return `r_${sha256(`snooze|${originalReminderId}|${actionEventId}`).slice(0, 30)}`;
}

/**
 * The timer of one reminder, as reminders were timed before slot timers (see {@link slotScheduleNameFor}):
 * reminders planned then keep theirs. EventBridge Scheduler names allow `[0-9a-zA-Z-_.]{1,64}`; these are 40
 * characters.
 */
export function scheduleNameFor(reminderId: string): string {
  return `rebound-${reminderId.replace('_', '-')}`;
}

/** Whether a schedule name is a timer of one reminder ({@link scheduleNameFor}) rather than of a slot. */
export function isReminderScheduleName(name: string): boolean {
  return name.startsWith('rebound-r-');
}

/**
 * The timer of one user's send slot: every reminder of the user due then shares it, since the sender sends all
 * that is due for the user at once. `rebound-u-<24 hex>-<yyyymmddThhmm>`: 48 characters.
 */
export function slotScheduleNameFor(userId: string, dueAt: string): string {
  const slot = new Date(dueAt).toISOString().slice(0, 16).replace(/[-:]/g, '');
  return `rebound-${userId.replace('_', '-')}-${slot}`;
}

/**
 * One id per send attempt: a failed attempt leaves its digest record (`failed`) behind, so a retry of the
 * same reminders must not collide with it, even at the same instant (a frozen clock, or a retry within the
 * same millisecond): `attempt` counts the refused sends before this one. Double sends are prevented by the
 * reminders' own conditions, not by this id.
 */
export function digestIdFor(reminderIds: readonly string[], claimedAt: string, attempt = 1): string {
  return `d_${sha256(`${claimedAt}|${attempt}|${[...reminderIds].sort().join('|')}`).slice(0, 30)}`;
}
