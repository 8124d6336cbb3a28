import type { LinkClaims } from '../links/actions.ts';
import type { Clock, ReminderStore } from '../ports.ts';

/** What a link's page shows about its target. */
export interface LinkTarget {
  readonly firstName?: string | undefined;
  readonly company?: string | undefined;
  readonly reminderKind?: string | undefined;
  readonly optOuts?: readonly string[];
  readonly pausedUntil?: string | undefined;
  readonly consent?: string | undefined;
}

/**
 * Load what a verified link points at, for its page.
 *
 * Input: the link's claims. Output: the page's facts, or `undefined` when the user or the target no longer
 * exists (deleted data, an expired unconfirmed profile): the link is then dead, whatever its token says.
 * 1. Read the profile; none means the user is gone. So does an expired one: DynamoDB deletes expired items
 *    some time after `expiresAt`, and confirming such a profile would bring its old reminders back.
 * 2. For reminder actions read the reminder, for `stop` the application.
 */
export async function linkTarget(
  claims: LinkClaims,
  deps: { readonly store: ReminderStore; readonly clock: Clock },
): Promise<LinkTarget | undefined> {
  const profile = await deps.store.getProfile(claims.userId);
  if (!profile) return undefined;
  if (profile.expiresAt !== undefined && profile.expiresAt * 1000 <= deps.clock.now().getTime())
    return undefined;
  const base: LinkTarget = {
    firstName: profile.name?.split(/\s+/)[0],
    optOuts: profile.optOuts ?? [],
    pausedUntil: profile.pausedUntil,
    consent: profile.consent ?? 'unconfirmed',
  };
  if (claims.action === 'done' || claims.action === 'snooze') {
    const reminder = claims.target ? await deps.store.getReminder(claims.userId, claims.target) : undefined;
    if (!reminder) return undefined;
    return { ...base, company: reminder.application.company, reminderKind: reminder.kind };
  }
  if (claims.action === 'stop') {
    const application = claims.target
      ? await deps.store.getApplication(claims.userId, claims.target)
      : undefined;
    if (!application) return undefined;
    return { ...base, company: application.company };
  }
  return base;
}
