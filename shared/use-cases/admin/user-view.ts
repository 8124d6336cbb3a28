import type { TimelineEntry, TimerCheck, UserView } from '../../../events/admin-api.ts';
import type { Actor, UserAction } from '../../../events/user-action.ts';
import { consentOf } from '../../domain/consent.ts';
import { userIdFor } from '../../domain/ids.ts';
import type { Digest, Reminder, UserProfile } from '../../domain/model.ts';
import { renderDigest } from '../../email/render.ts';
import type { UserRecords } from '../../ports.ts';
import { timerNameOf } from '../timers.ts';
import type { AdminDeps } from './deps.ts';
import { adminApplication, adminDigest, adminReminder, localTime, reminderLabel } from './present.ts';

type StoredEvent = UserRecords['events'][number];

/**
 * Everything about one user, found by exact address.
 *
 * Input: the address (hashed to the user id, as intake does). Output: the user's view, or `undefined` when
 * nothing is stored for that address.
 * 1. Read the user's partition: profile, events, applications, reminders, digests.
 * 2. Build the timeline, oldest first: events (with their planning state), what happened to each reminder,
 *    and each email (its subject rendered again from the reminders it carried).
 * 3. Check the timer of every pending reminder live, once per timer name.
 */
export async function findUser(
  email: string,
  deps: Pick<AdminDeps, 'admin' | 'inspector' | 'clock'>,
): Promise<UserView | undefined> {
  return findUserById(userIdFor(email), deps, email);
}

/**
 * The same view by user id (the lists link to it: they show masked addresses only). `email` is what the
 * operator typed, shown when the profile is gone; otherwise the profile's address is.
 */
export async function findUserById(
  userId: string,
  deps: Pick<AdminDeps, 'admin' | 'inspector' | 'clock'>,
  email = '',
): Promise<UserView | undefined> {
  const records = await deps.admin.readUser(userId);
  if (!records) return undefined;
  const { profile } = records;
  const nothingStored =
    records.events.length === 0 &&
    records.reminders.length === 0 &&
    records.digests.length === 0 &&
    records.applications.length === 0;
  if (!profile && nothingStored) return undefined;

  const pending = records.reminders
    .filter((r) => r.status === 'pending')
    .sort((a, b) => a.dueAt.localeCompare(b.dueAt));
  const checks = timerChecks(userId, deps);
  return {
    userId,
    email: profile?.email ?? email.trim(),
    name: profile?.name,
    timezone: profile?.timezone ?? 'UTC',
    consent: consentOf(profile),
    optOuts: [...(profile?.optOuts ?? [])],
    pausedUntil: profile?.pausedUntil,
    searchEndedAt: profile?.searchEndedAt,
    applications: records.applications.map(adminApplication),
    timeline: timelineOf(records),
    pending: await Promise.all(
      pending.map(async (r) => ({ ...adminReminder(r, profile), timerCheck: await checks(r) })),
    ),
    digests: [...records.digests].sort((a, b) => b.claimedAt.localeCompare(a.claimedAt)).map(adminDigest),
  };
}

/**
 * How far ahead of now the timer of an overdue reminder may fire and still count as present: a timer set for a
 * time already past fires at the next whole minute instead (re-sync, a released send, a redrive), and the
 * Scheduler may take a minute more.
 */
const OVERDUE_TIMER_SLACK_MS = 2 * 60_000;

/**
 * The live state of each pending reminder's timer: a held one expects none; otherwise one `GetSchedule` per
 * timer name (the reminders of a send slot share it), compared to the reminder's due time to the minute. An
 * overdue reminder's timer is present when it fires between its due time and two minutes from now: timers
 * for a moment already past are set for the next whole minute, under the slot's name.
 */
function timerChecks(
  userId: string,
  deps: Pick<AdminDeps, 'inspector' | 'clock'>,
): (r: Reminder) => Promise<TimerCheck> {
  const now = deps.clock.now().getTime();
  const looks = new Map<string, ReturnType<AdminDeps['inspector']['inspect']>>();
  return async (r) => {
    const scheduleName = timerNameOf(userId, r);
    if (r.held) return { state: 'not_expected', scheduleName };
    let look = looks.get(scheduleName);
    if (!look) {
      look = deps.inspector.inspect(scheduleName);
      looks.set(scheduleName, look);
    }
    const found = await look;
    if (!found.exists) return { state: 'missing', scheduleName };
    if (sameMinute(found.at, r.dueAt) || catchingUp(found.at, r.dueAt, now)) {
      return { state: 'present', scheduleName, at: found.at };
    }
    return { state: 'different', scheduleName, at: found.at, expected: r.dueAt };
  };
}

/** An overdue reminder's timer set for the next whole minute (or so) instead of its past due time. */
function catchingUp(at: string, dueAt: string, now: number): boolean {
  const due = Date.parse(dueAt);
  const fires = Date.parse(at);
  return due < now && fires >= Math.floor(due / 60_000) * 60_000 && fires <= now + OVERDUE_TIMER_SLACK_MS;
}

function sameMinute(a: string, b: string): boolean {
  const ta = Date.parse(a);
  const tb = Date.parse(b);
  return !Number.isNaN(ta) && !Number.isNaN(tb) && Math.floor(ta / 60_000) === Math.floor(tb / 60_000);
}

/** Entries of one instant keep this order: the event, then the action, what it did to reminders, the email. */
const KIND_ORDER: Readonly<Record<TimelineEntry['kind'], number>> = {
  event: 0,
  action: 1,
  reminder: 2,
  email: 3,
};

/** The user's history, oldest first, from what the partition holds. Pure. */
export function timelineOf(records: UserRecords): TimelineEntry[] {
  const entries: TimelineEntry[] = [
    ...records.events.map(eventEntry),
    ...records.reminders.flatMap((r) => reminderEntries(r, records.profile)),
    ...records.digests.flatMap((d) => digestEntries(d, records)),
    ...confirmationEntry(records.profile),
  ];
  return entries
    .map((entry, index) => ({ entry, index }))
    .sort(
      (a, b) =>
        Date.parse(a.entry.at) - Date.parse(b.entry.at) ||
        KIND_ORDER[a.entry.kind] - KIND_ORDER[b.entry.kind] ||
        a.index - b.index,
    )
    .map(({ entry }) => entry);
}

/**
 * The confirmation email ("Do you want job-search reminders?"): the profile keeps only the latest one's time
 * and how many went out, so the timeline shows that one.
 */
function confirmationEntry(profile: UserRecords['profile']): TimelineEntry[] {
  if (!profile?.lastConfirmationAt) return [];
  const count = profile.confirmationsSent ?? 1;
  return [
    {
      at: profile.lastConfirmationAt,
      kind: 'email',
      summary: `Confirmation email sent (${count} in all${count > 1 ? '; this is the latest' : ''})`,
    },
  ];
}

function eventEntry(e: StoredEvent): TimelineEntry {
  const status =
    e.status === 'failed'
      ? `failed: ${e.failureReason ?? 'no reason recorded'}`
      : e.plannedAt !== undefined
        ? 'planned'
        : 'waiting';
  if ('action' in e) {
    return {
      at: e.occurredAt,
      kind: 'action',
      summary: describeAction(e.action),
      eventId: e.eventId,
      source: actorLabel(e.actor),
      status,
    };
  }
  const { event } = e;
  const application = event.application;
  const what = application
    ? `${event.type}: ${application.company}${application.role ? ` (${application.role})` : ''}`
    : event.type;
  // Intake stores the source beside the event (not part of the event contract).
  const sourceId = (e as { readonly sourceId?: unknown }).sourceId;
  return {
    at: e.occurredAt,
    kind: 'event',
    summary: what,
    eventId: e.eventId,
    source: typeof sourceId === 'string' && sourceId.length > 0 ? sourceId : undefined,
    status,
  };
}

/** `operator ops@example.com`, `user (link)`, `ses`. */
export function actorLabel(actor: Actor): string {
  switch (actor.type) {
    case 'operator':
      return `operator ${actor.operator}`;
    case 'user':
      return `user (${actor.via})`;
    case 'ses':
      return 'ses';
  }
}

function describeAction(action: UserAction): string {
  switch (action.type) {
    case 'consent.suppressed':
      return `${action.type}: ${action.reason}`;
    case 'reminder.done':
    case 'reminder.cancelled':
      return `${action.type}: ${action.reminderId}`;
    case 'reminder.snoozed':
      return `${action.type}: ${action.reminderId} by ${action.days} days`;
    case 'reminder.rescheduled':
      return `${action.type}: ${action.reminderId} to ${action.dueAt}${action.sendNow ? ' (send now)' : ''}`;
    case 'application.stopped':
      return `${action.type}: ${action.ref}`;
    case 'preferences.updated': {
      const optOuts = action.optOuts.length > 0 ? action.optOuts.join(', ') : 'none';
      const pause = action.pauseWeeks === undefined ? '' : `, pause ${action.pauseWeeks} weeks`;
      return `${action.type}: opt-outs ${optOuts}${pause}`;
    }
    case 'user.paused':
      return `${action.type}: ${action.weeks} weeks`;
    default:
      return action.type;
  }
}

function reminderEntries(r: Reminder, profile: UserProfile | undefined): TimelineEntry[] {
  const zone = profile?.timezone ?? 'UTC';
  const label = reminderLabel(r);
  const base = { kind: 'reminder' as const, reminderId: r.reminderId };
  const entries: TimelineEntry[] = [
    {
      ...base,
      at: r.createdAt,
      summary: `${label} created${r.held ? ', held for consent' : ''}`,
      eventId: r.sourceEventId,
    },
  ];
  if (r.movedAt) {
    entries.push({
      ...base,
      at: r.movedAt,
      summary: `${label} moved, due ${localTime(r.dueAt, zone)}`,
      eventId: r.movedBy,
    });
  } else {
    // The due time is the creation's news when nothing moved it since.
    const first = entries[0] as TimelineEntry;
    entries[0] = { ...first, summary: `${first.summary}, due ${localTime(r.dueAt, zone)}` };
  }
  if (r.cancelledAt) {
    entries.push({
      ...base,
      at: r.cancelledAt,
      summary: `${label} cancelled${r.cancelReason ? `: ${r.cancelReason}` : ''}${r.cancelledBy ? ` (by ${r.cancelledBy})` : ''}`,
      eventId: r.cancelledBy,
    });
  }
  if (r.sentAt) {
    entries.push({
      ...base,
      at: r.sentAt,
      summary: `${label} sent`,
      digestId: r.digestId,
      messageId: r.messageId,
    });
  }
  if (r.doneAt) entries.push({ ...base, at: r.doneAt, summary: `${label} marked done by the user` });
  return entries;
}

function digestEntries(d: Digest, records: UserRecords): TimelineEntry[] {
  const subject = subjectOf(d, records);
  const base = { kind: 'email' as const, digestId: d.digestId, subject };
  const count = `${d.reminderIds.length} reminder${d.reminderIds.length === 1 ? '' : 's'}`;
  switch (d.status) {
    case 'sent':
      return [
        { ...base, at: d.sentAt ?? d.claimedAt, summary: `Email sent (${count})`, messageId: d.messageId },
      ];
    case 'sending':
      return [{ ...base, at: d.claimedAt, summary: `Email claimed (${count}); whether it left is unknown` }];
    case 'failed':
      return [{ ...base, at: d.claimedAt, summary: `Email refused by the provider (${count}); released` }];
  }
}

/** The subject the email had, rendered again from the reminders it carried (as far as they are still stored). */
function subjectOf(d: Digest, records: UserRecords): string | undefined {
  const reminders = d.reminderIds.flatMap((id) => records.reminders.filter((r) => r.reminderId === id));
  if (reminders.length === 0) return undefined;
  const recipient = {
    email: records.profile?.email ?? '',
    name: records.profile?.name,
    timezone: records.profile?.timezone ?? 'UTC',
  };
  return renderDigest(recipient, reminders, {}).subject;
}
