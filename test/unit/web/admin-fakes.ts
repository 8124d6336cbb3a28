/**
 * A fake admin service and a fake session for the admin routes' unit tests: the session takes the principal
 * from a test header (`x-test-role: operator | viewer`; none → not signed in), the service answers fixed DTOs
 * and records every action it is asked to take.
 */
import type { Hono } from 'hono';
import type {
  ActionResult,
  AdminAction,
  AdminPrincipal,
  AdminReminder,
  AuditPage,
  EmailPreview,
  HealthView,
  ReminderListQuery,
  ReminderPage,
  UserView,
} from '../../../events/admin-api.ts';
import { userIdFor } from '../../../shared/domain/ids.ts';
import type { AdminEnv, AdminService, AdminSession } from '../../../shared/web/admin/port.ts';
import { createAdminApp } from '../../../shared/web/admin/routes.tsx';

export const HOSTILE = '<img src=x onerror=alert(1)>';
export const EMAIL = 'sam@example.com';
export const USER_ID = userIdFor(EMAIL);
export const REMINDER_ID = 'r_0123456789abcdef0123456789abcd';
export const DIGEST_ID = 'd_2027-01-11T0800';

export const reminder: AdminReminder = {
  userId: USER_ID,
  reminderId: REMINDER_ID,
  kind: 'follow_up',
  sequence: 1,
  dueAt: '2027-01-11T08:00:00.000Z',
  dueLocal: 'Mon 11 Jan 2027, 09:00 (Europe/Berlin)',
  status: 'pending',
  held: false,
  company: HOSTILE,
  role: 'Backend Engineer',
  applicationRef: 'app-1',
  sourceId: 'acme-ats',
  sourceEventId: 'evt-1',
  user: { name: 'Sam', maskedEmail: 's***@example.com', timezone: 'Europe/Berlin', consent: 'confirmed' },
  timer: { scheduleName: 'rebound-u-x-20270111T0800', state: 'scheduled' },
};

export const user: UserView = {
  userId: USER_ID,
  email: EMAIL,
  name: 'Sam',
  timezone: 'Europe/Berlin',
  consent: 'confirmed',
  optOuts: ['reconnect'],
  pausedUntil: '2027-02-01T08:00:00.000Z',
  applications: [
    {
      ref: 'app-1',
      company: HOSTILE,
      role: 'Backend Engineer',
      status: 'active',
      lastEventType: 'application.submitted',
      lastEventAt: '2027-01-04T09:00:00.000Z',
    },
  ],
  timeline: [
    {
      at: '2027-01-04T09:00:00.000Z',
      kind: 'event',
      summary: `application.submitted: ${HOSTILE}`,
      source: 'acme-ats',
      status: 'planned',
    },
  ],
  pending: [
    {
      ...reminder,
      timerCheck: { state: 'present', scheduleName: reminder.timer.scheduleName, at: reminder.dueAt },
    },
  ],
  digests: [
    {
      userId: USER_ID,
      digestId: DIGEST_ID,
      status: 'sending',
      reminderIds: [REMINDER_ID],
      claimedAt: '2027-01-11T08:00:05.000Z',
    },
  ],
};

export const health: HealthView = {
  stuckDigests: user.digests,
  deadLetters: [
    { name: 'planner-dlq', count: 2 },
    { name: 'scheduler-dlq', count: 0 },
  ],
  emailsPerDay: Array.from({ length: 30 }, (_, i) => ({
    day: new Date(Date.UTC(2026, 11, 13 + i)).toISOString().slice(0, 10),
    count: i % 4,
  })),
  bounces: 1,
  complaints: 0,
  oldestOverdue: reminder,
};

export const audit: AuditPage = {
  items: [
    {
      auditId: 'a1',
      at: '2027-01-05T10:00:00.000Z',
      actor: 'ops@example.com',
      action: 'reminder.reschedule',
      userId: USER_ID,
      reminderId: REMINDER_ID,
      input: { dueAt: '2027-01-12T08:00:00.000Z' },
      before: { dueAt: '2027-01-11T08:00:00.000Z' },
      after: { dueAt: '2027-01-12T08:00:00.000Z', note: HOSTILE },
      outcome: 'applied',
    },
  ],
  next: 'cursor-2',
};

export const preview: EmailPreview = {
  kind: 'follow_up',
  subject: `Follow up with ${HOSTILE}`,
  html: '<!doctype html><html><body><p style="color:#333">Hello Sam</p></body></html>',
  text: `Hello Sam,\n\nTime to follow up with ${HOSTILE}.`,
  fromReminder: false,
};

export interface FakeService extends AdminService {
  readonly acted: { principal: AdminPrincipal; action: AdminAction; key: string | undefined }[];
  readonly queries: ReminderListQuery[];
  /** Make the next `act` throw this. */
  failNext?: Error;
}

export function fakeService(): FakeService {
  const service: FakeService = {
    acted: [],
    queries: [],
    listReminders: async (query): Promise<ReminderPage> => {
      service.queries.push(query);
      return { items: [reminder], next: 'cursor-next' };
    },
    upcomingByDay: async (days) =>
      Array.from({ length: days }, (_, i) => ({
        day: new Date(Date.UTC(2027, 0, 5 + i)).toISOString().slice(0, 10),
        counts: { follow_up: i % 5, thank_you: i % 3, reconnect: i % 7 === 0 ? 2 : 0 },
      })),
    findUser: async (email) => (email.toLowerCase() === EMAIL ? user : undefined),
    findUserById: async (userId) => (userId === USER_ID ? user : undefined),
    previewEmail: async (input) => ({ ...preview, fromReminder: 'reminderId' in input }),
    health: async () => health,
    listAudit: async () => audit,
    act: async (principal, action, key): Promise<ActionResult> => {
      if (service.failNext) {
        const error = service.failNext;
        delete service.failNext;
        throw error;
      }
      service.acted.push({ principal, action, key });
      return { outcome: 'applied', auditId: 'a2', message: `Done: ${action.type} <b>ok</b>` };
    },
  };
  return service;
}

const PRINCIPALS: Readonly<Record<string, AdminPrincipal>> = {
  operator: { email: 'ops@example.com', roles: ['operator', 'viewer'] },
  viewer: { email: 'view@example.com', roles: ['viewer'] },
};

/** The principal from `x-test-role`; pages without one redirect to sign-in, the API answers 401. */
export function fakeSession(): AdminSession {
  return {
    mount: (app: Hono<AdminEnv>) => {
      app.get('/admin/sign-in', (c) => c.text('sign in here'));
      app.post('/admin/sign-out', (c) => c.redirect('/admin/sign-in', 303));
    },
    page: async (c, next) => {
      const principal = PRINCIPALS[c.req.header('x-test-role') ?? ''];
      if (!principal) return c.redirect('/admin/sign-in', 303);
      c.set('principal', principal);
      await next();
    },
    api: async (c, next) => {
      const principal = PRINCIPALS[c.req.header('x-test-role') ?? ''];
      if (!principal) return c.json({ error: 'unauthenticated', reason: 'missing' }, 401);
      c.set('principal', principal);
      await next();
    },
  };
}

export function setup() {
  const service = fakeService();
  const app = createAdminApp(service, fakeSession(), { now: () => new Date('2027-01-11T12:00:00Z') });
  const as =
    (role: 'operator' | 'viewer' | 'none') =>
    (path: string, init: RequestInit = {}) =>
      app.request(path, {
        ...init,
        headers: {
          ...(role === 'none' ? {} : { 'x-test-role': role }),
          ...(init.headers as Record<string, string>),
        },
      });
  return { app, service, operator: as('operator'), viewer: as('viewer'), anonymous: as('none') };
}

export const postJson = (body?: unknown, headers: Record<string, string> = {}): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/json', ...headers },
  ...(body === undefined ? {} : { body: JSON.stringify(body) }),
});

export const postForm = (
  fields: Record<string, string>,
  headers: Record<string, string> = {},
): RequestInit => ({
  method: 'POST',
  headers: {
    'content-type': 'application/x-www-form-urlencoded',
    'sec-fetch-site': 'same-origin',
    ...headers,
  },
  body: new URLSearchParams(fields).toString(),
});
