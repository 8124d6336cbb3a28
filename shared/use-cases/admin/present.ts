/**
 * How the admin view shows stored things: pure mappings from the domain model to the DTOs of
 * `events/admin-api.ts`. Lists never carry a whole address (`s***@example.com`); due times are shown in the
 * user's own zone as well as in UTC, because "09:00 where the user lives" is what the policy promises.
 */
import type { AdminApplication, AdminDigest, AdminReminder } from '../../../events/admin-api.ts';
import { consentOf } from '../../domain/consent.ts';
import type { ApplicationState, Digest, Reminder, UserProfile } from '../../domain/model.ts';
import { timerNameOf } from '../timers.ts';

/** `sam@example.com` → `s***@example.com`; anything without an `@` shows as `***`. */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  if (at <= 0) return '***';
  return `${email.slice(0, 1)}***${email.slice(at)}`;
}

const LOCAL_FORMAT: Intl.DateTimeFormatOptions = {
  weekday: 'short',
  day: 'numeric',
  month: 'short',
  year: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
};

/**
 * An instant as the user sees it: `Mon 7 Dec 2026, 09:00 (Europe/Berlin)`. Built from the formatter's parts,
 * so the shape does not depend on how ICU punctuates en-GB; an unknown zone falls back to UTC (and says so).
 */
export function localTime(instant: string, timeZone: string): string {
  const date = new Date(instant);
  if (Number.isNaN(date.getTime())) return instant;
  let zone = timeZone;
  let formatter: Intl.DateTimeFormat;
  try {
    formatter = new Intl.DateTimeFormat('en-GB', { ...LOCAL_FORMAT, timeZone: zone });
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    zone = 'UTC';
    formatter = new Intl.DateTimeFormat('en-GB', { ...LOCAL_FORMAT, timeZone: zone });
  }
  const part = (type: Intl.DateTimeFormatPartTypes) =>
    formatter.formatToParts(date).find((p) => p.type === type)?.value ?? '';
  return `${part('weekday')} ${part('day')} ${part('month')} ${part('year')}, ${part('hour')}:${part('minute')} (${zone})`;
}

/** `follow_up #1 for Acme Corp`: how one reminder is named in lines and messages. */
export function reminderLabel(r: Pick<Reminder, 'kind' | 'sequence' | 'application'>): string {
  return `${r.kind} #${r.sequence} for ${r.application.company}`;
}

/** A reminder for the admin view; a missing profile (erased meanwhile, or not yet written) still shows it. */
export function adminReminder(r: Reminder, profile: UserProfile | undefined): AdminReminder {
  const timezone = profile?.timezone ?? 'UTC';
  return {
    userId: r.userId,
    reminderId: r.reminderId,
    kind: r.kind,
    sequence: r.sequence,
    dueAt: r.dueAt,
    dueLocal: localTime(r.dueAt, timezone),
    status: r.status,
    held: r.held === true,
    company: r.application.company,
    role: r.application.role,
    applicationRef: r.application.ref,
    sourceId: r.sourceId,
    sourceEventId: r.sourceEventId,
    user: {
      name: profile?.name,
      maskedEmail: profile ? maskEmail(profile.email) : '(unknown)',
      timezone,
      consent: consentOf(profile),
    },
    timer: { scheduleName: timerNameOf(r.userId, r), state: r.held ? 'none' : 'scheduled' },
    cancelledAt: r.cancelledAt,
    cancelledBy: r.cancelledBy,
    cancelReason: r.cancelReason,
    sentAt: r.sentAt,
    messageId: r.messageId,
    digestId: r.digestId,
  };
}

export function adminDigest(d: Digest): AdminDigest {
  return {
    userId: d.userId,
    digestId: d.digestId,
    status: d.status,
    reminderIds: [...d.reminderIds],
    claimedAt: d.claimedAt,
    sentAt: d.sentAt,
    messageId: d.messageId,
  };
}

export function adminApplication(a: ApplicationState): AdminApplication {
  return {
    ref: a.ref,
    company: a.company,
    role: a.role,
    status: a.status,
    stoppedAt: a.stoppedAt,
    lastEventType: a.lastEventType,
    lastEventAt: a.lastEventAt,
  };
}

/** `YYYY-MM-DD` of an instant, in UTC. */
export function utcDay(instant: Date): string {
  return instant.toISOString().slice(0, 10);
}

/** `count` UTC days from the day of `start` (`forward`) or up to it (`backward`), oldest first. */
export function utcDays(start: Date, count: number, direction: 'forward' | 'backward'): string[] {
  const first = Date.UTC(start.getUTCFullYear(), start.getUTCMonth(), start.getUTCDate());
  const offset = direction === 'forward' ? 0 : -(count - 1);
  return Array.from({ length: count }, (_, i) => utcDay(new Date(first + (offset + i) * 86_400_000)));
}
