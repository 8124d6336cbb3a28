import type { Actor, StoredUserAction, UserAction } from '#events/user-action.ts';
import { contentHash } from '../domain/ids.ts';
import type { Clock, ReminderStore } from '../ports.ts';

export interface RecordUserActionDeps {
  readonly store: ReminderStore;
  readonly clock: Clock;
}

export interface RecordUserActionInput {
  readonly userId: string;
  readonly action: UserAction;
  readonly actor: Actor;
  /**
   * What makes a repeat a repeat: the link's token for a click (a second press of the same button is the same
   * change), the SES message id and address for feedback (SES and EventBridge deliver at least once).
   */
  readonly idempotencyKey: string;
}

/**
 * The id a user action is stored under: a hash of the user, the key and the action, so a repeat of the same
 * change with the same key is the same event. The admin view asks for it to answer a retried request.
 */
export function userActionEventId(userId: string, idempotencyKey: string, action: UserAction): string {
  return `a_${contentHash({ u: userId, k: idempotencyKey, a: action }).slice(0, 32)}`;
}

/**
 * Store one change a user (or SES, or an operator) made, as an event in the user's timeline. The planner
 * applies it from the stream, exactly as it applies intake events, so every change has one path.
 *
 * Input: who, what, by whom, and the key that identifies a repeat. Output: the event id and whether it was
 * a repeat.
 * 1. Derive the event id from the user, the key and the action, so a repeated click stores nothing new.
 * 2. Write it with the same conditional put as intake events.
 */
export async function recordUserAction(
  input: RecordUserActionInput,
  deps: RecordUserActionDeps,
): Promise<{ readonly eventId: string; readonly duplicate: boolean }> {
  const now = deps.clock.now().toISOString();
  const eventId = userActionEventId(input.userId, input.idempotencyKey, input.action);
  const stored: StoredUserAction = {
    eventId,
    userId: input.userId,
    receivedAt: now,
    occurredAt: now,
    action: input.action,
    actor: input.actor,
  };
  const result = await deps.store.putEvent(stored);
  return { eventId, duplicate: result.outcome === 'duplicate' };
}
