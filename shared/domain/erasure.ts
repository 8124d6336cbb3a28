/**
 * "Delete my data" and the one thing it keeps. Pure.
 *
 * Erasure removes every item and every timer of a user. Only a minimal marker stays, `USER#<userId>` /
 * `ERASED`: the user id (a hash of the normalised address, never the address), when, and the confirmation
 * counters of §1. Without it, erasing a profile would reset the limits against email bombing (3 confirmation
 * emails in all, 1 per 24 h) and a new event for the address could start three more at once.
 *
 * Lifetime: {@link ERASURE_MARKER_DAYS} days from the erasure (DynamoDB TTL), the same as an unconfirmed
 * profile lives after its last activity. So erasing never buys more confirmation emails than not erasing: an
 * unconfirmed profile's counters would have expired no earlier. After that the address is as new, as an
 * expired unconfirmed profile is.
 *
 * One exception: a suppressed address (this wasn't me, a bounce, a complaint) keeps the marker, with the
 * reason, for good. Suppression protects the person who said "not me" and the sending reputation; it must
 * survive erasure, and the marker holds no address.
 */
import { expiryAfter } from './admission.ts';
import { consentOf, type SuppressionReason, UNCONFIRMED_RETENTION_DAYS } from './consent.ts';
import type { UserProfile } from './model.ts';
import { withoutUndefined } from './policy.ts';

/** How long an erasure marker outlives the erasure (see above). */
export const ERASURE_MARKER_DAYS = UNCONFIRMED_RETENTION_DAYS;

export interface ErasureMarker {
  readonly userId: string;
  readonly erasedAt: string;
  readonly confirmationsSent?: number | undefined;
  readonly lastConfirmationAt?: string | undefined;
  /** Set when the erased profile was suppressed: the marker then never expires. */
  readonly suppressedReason?: SuppressionReason | undefined;
  /** DynamoDB TTL, epoch seconds; absent for a suppressed address. */
  readonly expiresAt?: number | undefined;
}

/**
 * The marker an erasure leaves: the counters of the profile (or of an earlier marker, whichever says more),
 * and its suppression. `undefined` when there is nothing to remember (no profile, no earlier marker).
 */
export function erasureMarkerFor(
  userId: string,
  profile: UserProfile | undefined,
  previous: ErasureMarker | undefined,
  now: Date,
): ErasureMarker | undefined {
  if (profile === undefined && previous === undefined) return undefined;
  const suppressedReason =
    profile && consentOf(profile) === 'suppressed'
      ? (profile.suppressedReason ?? previous?.suppressedReason ?? 'not_me')
      : previous?.suppressedReason;
  const sent = Math.max(profile?.confirmationsSent ?? 0, previous?.confirmationsSent ?? 0);
  return withoutUndefined({
    userId,
    erasedAt: now.toISOString(),
    confirmationsSent: sent > 0 ? sent : undefined,
    lastConfirmationAt: latest(profile?.lastConfirmationAt, previous?.lastConfirmationAt),
    suppressedReason,
    expiresAt: suppressedReason ? undefined : expiryAfter(now),
  });
}

function latest(a: string | undefined, b: string | undefined): string | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return Date.parse(a) >= Date.parse(b) ? a : b;
}
