import type { Feedback } from '#events/ses-feedback.ts';
import type { UserAction } from '#events/user-action.ts';
import { userIdFor } from '../domain/ids.ts';
import { type RecordUserActionDeps, recordUserAction } from './record-user-action.ts';

export interface SuppressionList {
  /** Add the address to the provider's own suppression list (belt and braces; idempotent). */
  suppress(email: string, reason: 'BOUNCE' | 'COMPLAINT'): Promise<void>;
}

export interface RecordFeedbackDeps extends RecordUserActionDeps {
  readonly suppressionList: SuppressionList;
}

const ACTIONS: Readonly<Record<Feedback['kind'], UserAction>> = {
  permanent_bounce: { type: 'consent.suppressed', reason: 'bounce' },
  complaint: { type: 'consent.suppressed', reason: 'complaint' },
  transient_bounce: { type: 'delivery.bounced_transient' },
};

/**
 * Turn SES bounce and complaint feedback into changes in the users' timelines.
 *
 * Input: per-address feedback from one SES event. Output: how many changes were stored (repeats excluded).
 * 1. A permanent bounce or a complaint suppresses the address: recorded as `consent.suppressed` (the planner
 *    cancels everything pending) and put on SES's account suppression list.
 * 2. A transient bounce is recorded as `delivery.bounced_transient`; the planner counts them, and the third
 *    in a row suppresses the address.
 * 3. Each is keyed by the SES message id, address and kind, so a redelivered notification is a repeat.
 */
export async function recordFeedback(
  feedback: readonly Feedback[],
  deps: RecordFeedbackDeps,
): Promise<{ readonly recorded: number }> {
  let recorded = 0;
  for (const item of feedback) {
    const action = ACTIONS[item.kind];
    const result = await recordUserAction(
      {
        userId: userIdFor(item.email),
        action,
        actor: { type: 'ses' },
        idempotencyKey: `ses:${item.messageId}:${item.kind}`,
      },
      deps,
    );
    if (!result.duplicate) recorded += 1;
    if (item.kind !== 'transient_bounce') {
      await deps.suppressionList.suppress(item.email, item.kind === 'complaint' ? 'COMPLAINT' : 'BOUNCE');
    }
  }
  return { recorded };
}
