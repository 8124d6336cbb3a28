/** Helpers to write scenarios in local time: fixtures cloned per user, and the send slots the README promises. */
import { readFileSync } from 'node:fs';
import { DateTime } from 'luxon';

export type FixtureName =
  | 'application.submitted'
  | 'interview.completed'
  | 'application.rejected'
  | 'application.withdrawn'
  | 'offer.accepted';

const cache = new Map<FixtureName, Record<string, unknown>>();

/** A fresh copy of an `events/fixtures/` event for a given user, application and time. */
export function fixture(
  name: FixtureName,
  overrides: {
    email: string;
    timezone?: string;
    ref?: string;
    company?: string;
    occurredAt?: Date;
    id?: string | null;
  },
): Record<string, unknown> {
  if (!cache.has(name)) {
    cache.set(
      name,
      JSON.parse(readFileSync(new URL(`../events/fixtures/${name}.json`, import.meta.url), 'utf8')),
    );
  }
  // biome-ignore lint/suspicious/noExplicitAny: a fixture is free-form JSON that scenarios edit by path
  const event = structuredClone(cache.get(name)) as Record<string, any>;
  event.user = { ...event.user, email: overrides.email, timezone: overrides.timezone ?? 'Europe/Berlin' };
  if (overrides.id === null) delete event.id;
  else
    event.id =
      overrides.id ?? `${name}-${overrides.ref ?? 'acme-backend'}-${Math.random().toString(36).slice(2, 10)}`;
  if (overrides.occurredAt) event.occurredAt = overrides.occurredAt.toISOString();
  else delete event.occurredAt;
  if (event.application) {
    if (overrides.ref) event.application.ref = overrides.ref;
    if (overrides.company) event.application.company = overrides.company;
  }
  return event;
}

/** The next Monday at `hour`:00 local, strictly after `after`. */
export function nextMonday(after: Date, zone: string, hour = 10): Date {
  let d = DateTime.fromJSDate(after, { zone }).startOf('day').set({ hour });
  do d = d.plus({ days: 1 });
  while (d.weekday !== 1 || d.toMillis() <= after.getTime());
  return d.toJSDate();
}

/** 09:00 local on the calendar day `days` after `from`. */
export function nineOnDay(from: Date, days: number, zone: string): Date {
  return DateTime.fromJSDate(from, { zone }).startOf('day').plus({ days }).set({ hour: 9 }).toJSDate();
}

export const uniqueEmail = (label: string) =>
  `${label}.${Math.random().toString(36).slice(2, 8)}@example.com`;
