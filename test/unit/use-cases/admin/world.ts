/** A confirmed user with one application, planned through the real planner: the admin tests' usual start. */
import type { UserProfile } from '#shared/domain/model.ts';
import { planEvent } from '#shared/use-cases/plan-event.ts';
import { fixture, intake } from '../../../support/events.ts';
import { confirmedUser } from '../../../support/pipeline.ts';
import type { AdminWorld } from './support.ts';

export const SAM = 'sam@example.com';
export const OPERATOR = { email: 'ops@rebound.test', roles: ['viewer', 'operator'] } as const;
export const VIEWER = { email: 'look@rebound.test', roles: ['viewer'] } as const;

/**
 * Sam (Europe/Berlin) confirmed 10 minutes ago and applied to `company` 5 minutes ago (from the source
 * `jobboard`): two follow-ups pending, with slot timers. The clock is back where it was.
 */
export async function samApplied(w: AdminWorld, company = 'Acme Corp', ref = 'acme-backend') {
  const start = w.p.clock.now();
  w.p.clock.set(new Date(start.getTime() - 10 * 60_000));
  const userId = await confirmedUser(SAM, w.p);
  w.p.clock.set(new Date(start.getTime() - 5 * 60_000));
  const input = fixture('application.submitted');
  input.id = `evt-${ref}`;
  delete input.occurredAt;
  input.application = { ...input.application, ref, company };
  await planEvent({ ...(await intake(input, w.p)), sourceId: 'jobboard' }, w.p);
  w.p.clock.set(start);
  const pending = w.p.store
    .allReminders()
    .filter((r) => r.userId === userId && r.status === 'pending')
    .sort((a, b) => a.dueAt.localeCompare(b.dueAt));
  const profile = (await w.p.store.getProfile(userId)) as UserProfile;
  return { userId, pending, profile };
}

/** Someone who has not confirmed yet applied: their reminders are held (no timer). */
export async function unconfirmedApplied(w: AdminWorld, email = 'kim@example.com') {
  const input = fixture('application.submitted');
  input.id = `evt-${email}`;
  delete input.occurredAt;
  input.user = { email, name: 'Kim', timezone: 'America/New_York' };
  const event = await intake(input, w.p);
  await planEvent(event, w.p);
  return w.p.store.allReminders().filter((r) => r.userId === event.userId && r.status === 'pending');
}
