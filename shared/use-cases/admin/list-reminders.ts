import type { ReminderListQuery, ReminderPage } from '../../../events/admin-api.ts';
import { REMINDER_KINDS, type ReminderKind } from '../../domain/model.ts';
import type { AdminDeps } from './deps.ts';
import { adminReminder, utcDays } from './present.ts';

/**
 * One page of pending reminders by due time.
 *
 * Input: the list query (consent view, kind, due window, source, page). Output: the page and its cursor.
 * 1. `confirmed` reads the global pending view (reminders with a timer), `waiting` the held one.
 * 2. Read the page's users' profiles in one batch, to show each user's zone and masked address.
 * 3. Map each reminder; one whose profile is missing still shows, as `(unknown)`.
 */
export async function listReminders(
  query: ReminderListQuery,
  deps: Pick<AdminDeps, 'admin'>,
): Promise<ReminderPage> {
  const page = await deps.admin.listUpcoming({
    partition: query.consent === 'waiting' ? 'held' : 'pending',
    from: query.from,
    to: query.to,
    kind: query.kind,
    sourceId: query.source,
    limit: query.limit,
    cursor: query.cursor,
  });
  const userIds = [...new Set(page.reminders.map((r) => r.userId))];
  const profiles = userIds.length > 0 ? await deps.admin.getProfiles(userIds) : new Map();
  return {
    items: page.reminders.map((r) => adminReminder(r, profiles.get(r.userId))),
    next: page.next ?? null,
  };
}

/** At most a year ahead: the reschedule limit, and more than any policy plans. */
const MAX_DAYS = 366;

/**
 * Reminders with a timer per UTC day and kind, for the next `days` days from the start of today (UTC).
 * Every day and every kind is present, zeros included, so the chart has no gaps.
 */
export async function upcomingByDay(
  days: number,
  deps: Pick<AdminDeps, 'admin' | 'clock'>,
): Promise<{ readonly day: string; readonly counts: Readonly<Record<string, number>> }[]> {
  const span = Math.max(1, Math.min(MAX_DAYS, Math.floor(days)));
  const dayList = utcDays(deps.clock.now(), span, 'forward');
  const first = dayList[0] as string;
  const end = new Date(Date.parse(`${first}T00:00:00.000Z`) + span * 86_400_000);
  const counted = await deps.admin.countUpcoming('pending', `${first}T00:00:00.000Z`, end.toISOString());
  const byDay = new Map<string, Record<ReminderKind, number>>(
    dayList.map((day) => [
      day,
      Object.fromEntries(REMINDER_KINDS.map((k) => [k, 0])) as Record<ReminderKind, number>,
    ]),
  );
  for (const { day, kind, count } of counted) {
    const counts = byDay.get(day);
    if (counts) counts[kind] = (counts[kind] ?? 0) + count;
  }
  return dayList.map((day) => ({ day, counts: byDay.get(day) ?? {} }));
}
