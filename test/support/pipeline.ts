/**
 * The planner and sender on in-memory fakes, for unit tests that follow a user through consent: one object
 * holds every fake, and helpers store a user action and apply it as the links function and the planner would.
 */
import type { Actor, UserAction } from '#events/user-action.ts';
import { userIdFor } from '#shared/domain/ids.ts';
import type { UserProfile } from '#shared/domain/model.ts';
import { applyUserAction } from '#shared/use-cases/apply-user-action.ts';
import type { PlanEventDeps, PlanEventResult } from '#shared/use-cases/plan-event.ts';
import { recordUserAction } from '#shared/use-cases/record-user-action.ts';
import type { SendDueDeps } from '#shared/use-cases/send-due-reminders.ts';
import {
  FakeLinkSigner,
  FakeMailer,
  FakeTimerService,
  InMemoryReminderStore,
  SettableClock,
  TEST_BASE_URL,
} from './fakes.ts';

export interface Pipeline extends PlanEventDeps, SendDueDeps {
  readonly store: InMemoryReminderStore;
  readonly timers: FakeTimerService;
  readonly mailer: FakeMailer;
  readonly clock: SettableClock;
  readonly links: FakeLinkSigner;
}

/** Fresh fakes, the clock at `start`. The same object serves as the planner's and the sender's dependencies. */
export function pipeline(start: string): Pipeline {
  return {
    store: new InMemoryReminderStore(),
    timers: new FakeTimerService(),
    mailer: new FakeMailer(),
    clock: new SettableClock(start),
    links: new FakeLinkSigner(),
    publicBaseUrl: TEST_BASE_URL,
  };
}

let actions = 0;

/**
 * Store `action` in the user's timeline (as the links or feedback function does) and apply it (as the planner
 * does when the stream delivers it). Each call is a new action unless `key` repeats an earlier one.
 */
export async function act(
  userId: string,
  action: UserAction,
  deps: Pick<Pipeline, 'store' | 'timers' | 'clock'>,
  options: { readonly key?: string; readonly actor?: Actor } = {},
): Promise<PlanEventResult> {
  actions += 1;
  const { eventId } = await recordUserAction(
    {
      userId,
      action,
      actor: options.actor ?? { type: 'user', via: 'link' },
      idempotencyKey: options.key ?? `test-${actions}`,
    },
    deps,
  );
  const stored = deps.store.timelineEvent(userId, eventId);
  if (!stored) throw new Error(`act: action ${eventId} was not stored`);
  return applyUserAction(stored, deps);
}

/** The user clicks "Yes, send me reminders". */
export function confirmUser(
  userId: string,
  deps: Pick<Pipeline, 'store' | 'timers' | 'clock'>,
): Promise<PlanEventResult> {
  return act(userId, { type: 'consent.confirmed' }, deps);
}

/**
 * A user who confirmed before anything else happens: a profile in the store, `confirmed`, as the planner
 * would have written it. Tests of what happens after consent start here.
 */
export async function confirmedUser(
  email: string,
  deps: Pick<Pipeline, 'store' | 'clock'>,
  timezone = 'Europe/Berlin',
): Promise<string> {
  const userId = userIdFor(email);
  const now = deps.clock.now().toISOString();
  const profile: UserProfile = {
    userId,
    email,
    timezone,
    consent: 'confirmed',
    confirmationsSent: 1,
    lastConfirmationAt: now,
    createdAt: now,
    updatedAt: now,
  };
  const event = {
    eventId: `seed-${userId}`,
    userId,
    receivedAt: now,
    occurredAt: now,
    action: { type: 'consent.confirmed' as const },
    actor: { type: 'user' as const, via: 'link' as const },
  };
  await deps.store.putEvent(event);
  await deps.store.applyPlan({ event, profile, create: [], cancel: [], plannedAt: now });
  return userId;
}
