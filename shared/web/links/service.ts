/**
 * The links routes' port, implemented with the use cases: verify with the key ring, read the target, record
 * the change as a user-action event.
 */
import { canonicalJson } from '../../domain/ids.ts';
import type { Clock, LinkVerifier, ReminderStore } from '../../ports.ts';
import { linkTarget } from '../../use-cases/link-context.ts';
import { recordUserAction } from '../../use-cases/record-user-action.ts';
import type { LinksService } from './routes.tsx';

/** How a page names a reminder mid-sentence ("We will send the follow-up for Acme Corp again later"). */
const REMINDER_LABELS: Readonly<Record<string, string>> = {
  follow_up: 'the follow-up',
  thank_you: 'the thank-you note',
  ask_feedback: 'the request for feedback',
  apply_formally: 'the nudge to apply formally',
  reconnect: 'the reminder to reconnect',
};

export interface LinksDeps {
  readonly store: ReminderStore;
  readonly links: LinkVerifier;
  readonly clock: Clock;
}

export function linksService(deps: LinksDeps): LinksService {
  return {
    verify: (token, action) => deps.links.verify(token, action),
    context: async (claims) => {
      const target = await linkTarget(claims, deps);
      if (!target) return undefined;
      return {
        ...target,
        reminderLabel: target.reminderKind ? REMINDER_LABELS[target.reminderKind] : undefined,
      };
    },
    record: async (claims, change, via, token) => {
      // The same button pressed twice is one change. Preferences can be changed back and forth from the same
      // email, so a save counts once per minute rather than once per link.
      const minute = change.type === 'preferences.updated' ? deps.clock.now().toISOString().slice(0, 16) : '';
      await recordUserAction(
        {
          userId: claims.userId,
          action: change,
          actor: { type: 'user', via },
          idempotencyKey: `${token}|${canonicalJson(change)}|${minute}`,
        },
        deps,
      );
    },
  };
}
