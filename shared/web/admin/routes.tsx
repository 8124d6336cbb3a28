/** @jsxImportSource hono/jsx */
/**
 * The admin view's routes: server-rendered pages under `/admin` and the JSON API under `/admin/api/`
 * (`api.ts`), all behind the admin session (`session.page` for pages, `session.api` for the API).
 *
 * Pages never change anything on GET. Every action goes: a button (a GET link or form) → the confirm page,
 * which says exactly what will happen and holds one POST form with a random idempotency key → `POST
 * /admin/actions/…`, which checks the role and the origin, calls the service and redirects (303) back with a
 * one-line result. A viewer sees no buttons, and a viewer's POST gets a 403 page with nothing changed.
 */
import { randomUUID } from 'node:crypto';
import type { Context } from 'hono';
import * as z from 'zod';
import {
  type AdminAction,
  type AdminActionType,
  type AdminPrincipal,
  type AdminReminder,
  AuditQuerySchema,
  canAct,
  type EmailPreview,
  ReminderListQuerySchema,
  type ReminderPage,
  UserQuerySchema,
  type UserView,
} from '../../../events/admin-api.ts';
import {
  AdminActionRefusedError,
  AdminAuthenticationError,
  ForbiddenError,
  InvalidEventError,
  NotFoundError,
} from '../../errors.ts';
import { createWebApp } from '../app.tsx';
import type { FieldError } from '../components.tsx';
import {
  type ActionTarget,
  actionFor,
  actionPath,
  apiErrorBody,
  Id,
  issuesOf,
  mountAdminApi,
  parseOr400,
  previewInput,
} from './api.ts';
import { AuditLogPage } from './pages/audit.tsx';
import { ConfirmPage } from './pages/confirm.tsx';
import { EmailsPage, type PreviewTarget } from './pages/emails.tsx';
import { kindLabel, qs, utc } from './pages/frame.tsx';
import { HealthPage } from './pages/health.tsx';
import { type ProblemKind, ProblemPage } from './pages/result.tsx';
import { type UpcomingFilters, UpcomingPage } from './pages/upcoming.tsx';
import { confirmHref, UserPage } from './pages/user.tsx';
import type { AdminEnv, AdminService, AdminSession } from './port.ts';

export interface AdminAppOptions {
  /** Told about every unexpected error (logged by the function; the page says nothing of it). */
  readonly onError?: (error: unknown) => void;
  /** @default the system clock */
  readonly now?: () => Date;
  /**
   * Origins the pages' forms may end up at besides our own: the issuer's logout endpoint, where signing out
   * redirects (browsers check `form-action` on every redirect of a form's navigation).
   */
  readonly formActionOrigins?: readonly string[];
}

/** A user id as the lists link it: `u_` and hex (see `userIdFor`). */
const USER_ID = z.string().regex(/^u_[0-9a-f]{8,64}$/);
/** Rows per page on Upcoming and Audit. */
const PAGE_SIZE = 50;
/** The Upcoming chart's span: the next 8 weeks. */
const CHART_DAYS = 56;

/**
 * The page frames' CSP, with one addition: the email page frames `/admin/emails/render`. Everything else is
 * the one web layer's default (`shared/web/app.tsx`).
 */
const EMAILS_PAGE_CSP =
  "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; " +
  "base-uri 'none'; frame-src 'self'";

/**
 * The framed email's own document: its inline styles, no script at all, no forms, no network, and only our
 * own pages may frame it. `sandbox` repeats the iframe's sandbox for someone who opens the URL directly.
 */
const EMAIL_RENDER_CSP =
  "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'none'; base-uri 'none'; " +
  "frame-ancestors 'self'; sandbox";

const isDate = (v: string): boolean =>
  /^\d{4}-\d{2}-\d{2}$/.test(v) && !Number.isNaN(Date.parse(`${v}T00:00:00Z`));

/** `2027-01-04T09:00` from a `datetime-local` input (UTC, as its label says), or a whole ISO instant. */
function instantFrom(value: string | undefined): string | undefined {
  if (!value) return undefined;
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/.test(value)) return `${value}:00Z`;
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/.test(value)) return `${value}Z`;
  return value;
}

const fieldErrors = (error: z.ZodError): FieldError[] =>
  issuesOf(error).map((i) => ({ field: i.path.split('.')[0] || 'form', message: i.message }));

/** The page for a known error, or `undefined` for one that is not ours. */
function problemOf(
  error: unknown,
):
  | { readonly problem: ProblemKind; readonly status: 400 | 403 | 404 | 409; readonly message?: string }
  | undefined {
  if (error instanceof ForbiddenError) return { problem: 'forbidden', status: 403 };
  if (error instanceof NotFoundError)
    return { problem: 'not_found', status: 404, message: `${error.message}.` };
  if (error instanceof AdminActionRefusedError)
    return { problem: 'refused', status: 409, message: error.message };
  if (error instanceof InvalidEventError) return { problem: 'invalid', status: 400 };
  return undefined;
}

/**
 * A POST from another site must not act with the operator's cookie. Browsers send `Sec-Fetch-Site` or
 * `Origin` with every form POST; either must say this origin. (The session cookie's SameSite is the other
 * guard; a request with neither header comes from no browser we know.)
 */
function fromOwnOrigin(c: Context): boolean {
  const site = c.req.header('sec-fetch-site');
  if (site !== undefined) return site === 'same-origin';
  const origin = c.req.header('origin');
  if (origin === undefined) return true;
  try {
    return new URL(origin).host === (c.req.header('host') ?? new URL(c.req.url).host);
  } catch {
    return false;
  }
}

/** What the confirm page and the POST read: the action's type, its ids, and what it needs. */
const ConfirmParamsSchema = z.object({
  action: z.enum([
    'reminder.cancel',
    'reminder.send_now',
    'reminder.reschedule',
    'user.pause',
    'user.resume',
    'user.resync',
    'user.erase',
    'digest.mark_sent',
    'digest.release',
    'dead_letter.redrive',
  ] satisfies AdminActionType[]),
  /** Every action's but a dead-letter queue's (checked when the action is built). */
  userId: Id.optional(),
  reminderId: Id.optional(),
  digestId: Id.optional(),
  /** A dead-letter queue's name. */
  queue: Id.optional(),
  /** The user's address: where to go back to (the user page is found by address). */
  email: z.email().max(254).optional(),
  dueAt: z.string().max(40).optional(),
  weeks: z.string().max(3).optional(),
});
type ConfirmParams = z.infer<typeof ConfirmParamsSchema>;

const TARGET_OF: Readonly<Record<string, ActionTarget>> = {
  reminder: 'reminders',
  user: 'users',
  digest: 'digests',
  dead_letter: 'dead-letters',
};
const VERB_OF: Readonly<Record<AdminActionType, string>> = {
  'reminder.cancel': 'cancel',
  'reminder.send_now': 'send-now',
  'reminder.reschedule': 'reschedule',
  'user.pause': 'pause',
  'user.resume': 'resume',
  'user.resync': 'resync',
  'user.erase': 'erase',
  'digest.mark_sent': 'mark-sent',
  'digest.release': 'release',
  'dead_letter.redrive': 'redrive',
};

/** The action the confirm page's parameters describe; an erase's typed address is checked on POST only. */
function actionOf(p: ConfirmParams, confirmEmail?: string): AdminAction {
  const target = TARGET_OF[p.action.split('.')[0] ?? ''] ?? 'users';
  const body: Record<string, unknown> =
    p.action === 'reminder.reschedule'
      ? { dueAt: instantFrom(p.dueAt) }
      : p.action === 'user.pause'
        ? { weeks: p.weeks }
        : p.action === 'user.erase'
          ? { confirmEmail }
          : {};
  if (p.action === 'user.erase' && confirmEmail === undefined)
    return { type: 'user.erase', userId: parseOr400(Id, p.userId) };
  return actionFor(
    target,
    { userId: p.userId ?? '', targetId: p.reminderId ?? p.digestId ?? p.queue },
    VERB_OF[p.action],
    body,
  );
}

/** Where to go back to: the user's page when we know the address, else Health (digests listed there). */
function backHref(p: Pick<ConfirmParams, 'email' | 'action'>, done?: string): string {
  if (p.action === 'user.erase') return `/admin/users${qs({ done })}`;
  if (p.email) return `/admin/users${qs({ email: p.email, done })}`;
  return `/admin/health${qs({ done })}`;
}

const reminderLine = (r: AdminReminder, email: string) =>
  `the ${kindLabel(r.kind).toLowerCase()} reminder about ${r.company}${r.role ? ` (${r.role})` : ''} to ${email}`;

export function createAdminApp(service: AdminService, session: AdminSession, options: AdminAppOptions = {}) {
  const app = createWebApp<AdminEnv>(options);
  const now = options.now ?? (() => new Date());

  session.mount(app);
  app.use('/admin/api/*', session.api);
  app.use('/admin', session.page);
  app.use('/admin/*', (c, next) => (c.req.path.startsWith('/admin/api/') ? next() : session.page(c, next)));

  mountAdminApi(app, service);
  // An unknown API route answers JSON, as the rest of the API does.
  app.all('/admin/api/*', (c) => c.json({ error: 'not_found', message: 'No such API route' }, 404));

  app.onError((error, c) => {
    const api = c.req.path.startsWith('/admin/api/');
    if (error instanceof AdminAuthenticationError && !api) return c.redirect('/admin/sign-in', 303);
    const known = apiErrorBody(error);
    if (api) {
      if (known) return c.json(known.body, known.status);
      options.onError?.(error);
      return c.json({ error: 'internal_error' }, 500);
    }
    const page = problemOf(error);
    const principal = c.get('principal') as AdminPrincipal | undefined;
    if (page) {
      return c.html(
        <ProblemPage
          principal={principal}
          problem={page.problem}
          message={page.message}
          issues={error instanceof InvalidEventError ? error.issues : undefined}
        />,
        page.status,
      );
    }
    options.onError?.(error);
    return c.html(
      <ProblemPage
        principal={principal}
        problem="invalid"
        message="Sorry, there is a problem with the service. Try again in a few minutes."
      />,
      500,
    );
  });

  app.get('/admin', (c) => c.redirect('/admin/upcoming', 303));

  app.get('/admin/upcoming', async (c) => {
    const q = c.req.query();
    const filters: UpcomingFilters = {
      kind: q.kind || undefined,
      consent: q.consent || undefined,
      from: q.from || undefined,
      to: q.to || undefined,
      source: q.source || undefined,
    };
    const errors: FieldError[] = [];
    if (filters.from && !isDate(filters.from))
      errors.push({ field: 'from', message: 'Enter a date, like 2027-01-31' });
    if (filters.to && !isDate(filters.to))
      errors.push({ field: 'to', message: 'Enter a date, like 2027-01-31' });
    const parsed = ReminderListQuerySchema.safeParse({
      ...filters,
      from: filters.from && isDate(filters.from) ? `${filters.from}T00:00:00Z` : undefined,
      to: filters.to && isDate(filters.to) ? `${filters.to}T23:59:59.999Z` : undefined,
      cursor: q.cursor || undefined,
      limit: PAGE_SIZE,
    });
    if (!parsed.success) errors.push(...fieldErrors(parsed.error));
    const [page, chart] = await Promise.all([
      parsed.success && errors.length === 0 ? service.listReminders(parsed.data) : Promise.resolve(undefined),
      service.upcomingByDay(CHART_DAYS),
    ]);
    return c.html(
      <UpcomingPage
        principal={c.get('principal')}
        filters={filters}
        page={page as ReminderPage | undefined}
        chart={chart}
        errors={errors}
      />,
      errors.length ? 400 : 200,
    );
  });

  app.get('/admin/users', async (c) => {
    const principal = c.get('principal');
    const email = c.req.query('email')?.trim() || undefined;
    const done = c.req.query('done') || undefined;
    const id = c.req.query('id')?.trim() || undefined;
    if (!email && id) {
      // From a list, which shows masked addresses only: by user id (a hash; never the address).
      const user = USER_ID.safeParse(id).success ? await service.findUserById(id) : undefined;
      return c.html(
        <UserPage principal={principal} email={user?.email} user={user} banner={done} />,
        user ? 200 : 404,
      );
    }
    if (!email) return c.html(<UserPage principal={principal} banner={done} />);
    const parsed = UserQuerySchema.safeParse({ email });
    if (!parsed.success || !('email' in parsed.data)) {
      const errors = [{ field: 'email', message: 'Enter a whole email address, like name@example.com' }];
      return c.html(<UserPage principal={principal} email={email} errors={errors} />, 400);
    }
    const user = await service.findUser(parsed.data.email);
    return c.html(
      <UserPage principal={principal} email={email} user={user} banner={done} />,
      user ? 200 : 404,
    );
  });

  const previewTarget = (c: Context): PreviewTarget | undefined => {
    const q = Object.fromEntries(
      Object.entries(c.req.query()).filter(
        ([k, v]) => v !== '' && ['kind', 'userId', 'reminderId'].includes(k),
      ),
    );
    return Object.keys(q).length ? previewInput(q) : undefined;
  };

  app.get('/admin/emails', async (c) => {
    const principal = c.get('principal');
    c.header('content-security-policy', EMAILS_PAGE_CSP);
    let target: PreviewTarget | undefined;
    try {
      target = previewTarget(c);
    } catch (error) {
      if (!(error instanceof InvalidEventError)) throw error;
      const errors = [{ field: 'kind', message: 'Choose a kind of reminder' }];
      return c.html(<EmailsPage principal={principal} errors={errors} />, 400);
    }
    const preview: EmailPreview | undefined = target ? await service.previewEmail(target) : undefined;
    return c.html(<EmailsPage principal={principal} target={target} preview={preview} />);
  });

  app.get('/admin/emails/render', async (c) => {
    const target = previewTarget(c);
    if (!target)
      throw new InvalidEventError([{ path: 'kind', message: 'give kind, or userId and reminderId' }]);
    const preview = await service.previewEmail(target);
    return c.body(preview.html, 200, {
      'content-type': 'text/html; charset=utf-8',
      'content-security-policy': EMAIL_RENDER_CSP,
      'x-frame-options': 'SAMEORIGIN',
    });
  });

  app.get('/admin/health', async (c) =>
    c.html(
      <HealthPage
        principal={c.get('principal')}
        health={await service.health()}
        now={now()}
        banner={c.req.query('done') || undefined}
      />,
    ),
  );

  app.get('/admin/audit', async (c) => {
    const q = c.req.query();
    const { limit, cursor } = parseOr400(AuditQuerySchema, {
      limit: q.limit || undefined,
      cursor: q.cursor || undefined,
    });
    return c.html(
      <AuditLogPage
        principal={c.get('principal')}
        page={await service.listAudit(limit, cursor)}
        limit={limit}
      />,
    );
  });

  /** The user, stuck digest or dead-letter queue an action is about, for the confirm page's words; 404 when it is gone. */
  const loadContext = async (
    p: ConfirmParams,
  ): Promise<{ user?: UserView; digestClaimed?: string; digestSize?: number; queueCount?: number }> => {
    if (p.queue) {
      const queue = (await service.health()).deadLetters.find((q) => q.name === p.queue);
      if (!queue) throw new NotFoundError('Dead-letter queue');
      return { queueCount: queue.count };
    }
    if (p.email) {
      const user = await service.findUser(p.email);
      if (!user || user.userId !== p.userId) throw new NotFoundError('User');
      return { user };
    }
    if (p.digestId) {
      const digest = (await service.health()).stuckDigests.find(
        (d) => d.userId === p.userId && d.digestId === p.digestId,
      );
      if (!digest) throw new NotFoundError('Digest stuck in sending');
      return { digestClaimed: digest.claimedAt, digestSize: digest.reminderIds.length };
    }
    throw new InvalidEventError([{ path: 'email', message: 'is needed to find the user' }]);
  };

  const renderConfirm = async (c: Context<AdminEnv>, p: ConfirmParams, errors: FieldError[] = []) => {
    const action = actionOf(p);
    const ctx = await loadContext(p);
    const user = ctx.user;
    const who = user?.email ?? p.userId ?? '';
    const reminder =
      'reminderId' in action ? user?.pending.find((r) => r.reminderId === action.reminderId) : undefined;
    if ('reminderId' in action && !reminder) throw new NotFoundError('Pending reminder');
    const digest =
      'digestId' in action ? user?.digests.find((d) => d.digestId === action.digestId) : undefined;
    if ('digestId' in action && user && !digest) throw new NotFoundError('Digest');
    const digestSize = digest?.reminderIds.length ?? ctx.digestSize ?? 0;
    const digestClaimed = utc(digest?.claimedAt ?? ctx.digestClaimed);
    const common = {
      principal: c.get('principal'),
      formAction: `/admin/actions/${actionPath(action)}`,
      hidden: { email: p.email, dueAt: instantFrom(p.dueAt), weeks: p.weeks },
      idempotencyKey: randomUUID(),
      returnTo: confirmHref(p),
      backHref: backHref({ email: p.email, action: 'user.resync' }),
      errors,
    };
    const about = reminder ? reminderLine(reminder, who) : '';
    switch (action.type) {
      case 'reminder.cancel':
        return (
          <ConfirmPage {...common} heading="Cancel this reminder?" button="Yes, cancel it" variant="warning">
            <p>
              Cancel {about}, due {utc(reminder?.dueAt)} ({reminder?.dueLocal}). It will not be sent. The
              user's other reminders do not change.
            </p>
          </ConfirmPage>
        );
      case 'reminder.send_now':
        return (
          <ConfirmPage {...common} heading="Send this reminder now?" button="Yes, send it now">
            <p>
              Send {about} now, instead of at {utc(reminder?.dueAt)} ({reminder?.dueLocal}). It goes out
              within a few minutes, if the user's consent, opt-outs and pause still allow it.
            </p>
          </ConfirmPage>
        );
      case 'reminder.reschedule':
        return (
          <ConfirmPage {...common} heading="Move this reminder?" button="Yes, move it">
            <p>
              Move {about} from {utc(reminder?.dueAt)} to <strong>{utc(action.dueAt)}</strong>. Nothing is
              sent now.
            </p>
          </ConfirmPage>
        );
      case 'user.pause':
        return (
          <ConfirmPage
            {...common}
            heading="Pause this user's reminders?"
            button={`Yes, pause for ${action.weeks} weeks`}
          >
            <p>
              Pause reminders to {who} for <strong>{action.weeks} weeks</strong>, until about{' '}
              {utc(new Date(now().getTime() + action.weeks * 7 * 86_400_000).toISOString())}: nothing is sent
              to them before then. This is the same pause the user can set on their preferences page.
            </p>
          </ConfirmPage>
        );
      case 'user.resume':
        return (
          <ConfirmPage {...common} heading="Resume this user's reminders?" button="Yes, resume">
            <p>
              End the pause of {who}
              {user?.pausedUntil ? ` (until ${utc(user.pausedUntil)})` : ''} now. Their reminders are sent as
              planned again.
            </p>
          </ConfirmPage>
        );
      case 'user.resync':
        return (
          <ConfirmPage {...common} heading="Re-sync this user's timers?" button="Yes, re-sync the timers">
            <p>
              Check the timer of every pending reminder of {who} ({user?.pending.length ?? 0} now) and create
              again any that is missing or set to the wrong time. No email is sent by this.
            </p>
          </ConfirmPage>
        );
      case 'user.erase':
        return (
          <ConfirmPage
            {...common}
            heading="Delete all of this user's data?"
            button="Delete all data"
            variant="warning"
            typeEmail={{ email: who }}
          >
            <p>
              Delete everything Rebound holds about <strong>{who}</strong>: profile, applications, reminders,
              digests and timeline. Their timers are removed and no email will be sent to them.{' '}
              <strong>This cannot be undone.</strong>
            </p>
          </ConfirmPage>
        );
      case 'digest.mark_sent':
        return (
          <ConfirmPage {...common} heading="Mark this digest sent?" button="Yes, mark it sent">
            <p>
              Record digest <code>{action.digestId}</code> of {who} ({digestSize} reminders, claimed{' '}
              {digestClaimed}) as sent. Its reminders will not be sent again. Do this only if the email was
              delivered.
            </p>
          </ConfirmPage>
        );
      case 'digest.release':
        return (
          <ConfirmPage {...common} heading="Release this digest?" button="Yes, release it" variant="warning">
            <p>
              Put the {digestSize} reminders of digest <code>{action.digestId}</code> of {who} (claimed{' '}
              {digestClaimed}) back to pending: they are sent again at the next chance.{' '}
              <strong>If the email did go out, the user gets it twice.</strong>
            </p>
          </ConfirmPage>
        );
      case 'dead_letter.redrive':
        return (
          <ConfirmPage
            {...common}
            heading={`Redrive the ${action.queue} dead letters?`}
            button="Yes, redrive them"
          >
            <p>
              Hand the {ctx.queueCount ?? 0} messages of the <strong>{action.queue}</strong> dead-letter queue
              back to the pipeline, and remove each one that was.{' '}
              {action.queue === 'stream'
                ? 'Their events are read back from the table stream (kept 24 hours) and planned again; an event planned already is not planned twice. A message whose events are no longer in the stream is kept.'
                : "Each wakes its user's sender again at the next minute, which sends only what is still pending and due: nothing is sent twice."}
            </p>
          </ConfirmPage>
        );
    }
  };

  const confirmParams = (input: Record<string, unknown>): ConfirmParams => {
    const cleaned = Object.fromEntries(
      Object.entries(input).filter(([, v]) => typeof v === 'string' && v !== ''),
    );
    const parsed = ConfirmParamsSchema.safeParse(cleaned);
    if (!parsed.success) throw new InvalidEventError(issuesOf(parsed.error));
    return parsed.data;
  };

  app.get('/admin/confirm', async (c) => {
    const principal = c.get('principal');
    if (!canAct(principal)) return c.html(<ProblemPage principal={principal} problem="forbidden" />, 403);
    const page = await renderConfirm(c, confirmParams(c.req.query()));
    return c.html(page);
  });

  const takeAction = async (c: Context<AdminEnv>, target: ActionTarget, targetId?: string) => {
    const principal = c.get('principal');
    if (!fromOwnOrigin(c))
      return c.html(
        <ProblemPage
          principal={principal}
          problem="forbidden"
          message="This form was sent from another site."
        />,
        403,
      );
    if (!canAct(principal)) return c.html(<ProblemPage principal={principal} problem="forbidden" />, 403);
    const form = await c.req.parseBody();
    const field = (name: string) =>
      typeof form[name] === 'string' && form[name] !== '' ? (form[name] as string) : undefined;
    const verb = c.req.param('verb') ?? '';
    const type = (Object.entries(VERB_OF).find(
      ([t, v]) => v === verb && TARGET_OF[t.split('.')[0] ?? ''] === target,
    )?.[0] ?? '') as AdminActionType;
    const params = confirmParams({
      action: type,
      userId: c.req.param('userId'),
      reminderId: target === 'reminders' ? targetId : undefined,
      digestId: target === 'digests' ? targetId : undefined,
      queue: target === 'dead-letters' ? targetId : undefined,
      email: field('email'),
      dueAt: field('dueAt'),
      weeks: field('weeks'),
    });
    const key = parseOr400(
      z.string().regex(/^[\w-]{8,128}$/, 'is missing: open the confirm page again'),
      field('key') ?? '',
    );
    const back = backHref(params);
    let action: AdminAction;
    try {
      action = actionOf(params, type === 'user.erase' ? (field('confirmEmail') ?? '') : undefined);
    } catch (error) {
      if (error instanceof InvalidEventError && type === 'user.erase') {
        const errors = [
          { field: 'confirmEmail', message: "Type the user's email address exactly, to confirm" },
        ];
        return c.html(await renderConfirm(c, params, errors), 400);
      }
      throw error;
    }
    try {
      const result = await service.act(principal, action, key);
      return c.redirect(backHref(params, result.message), 303);
    } catch (error) {
      const page = problemOf(error);
      if (!page) throw error;
      return c.html(
        <ProblemPage principal={principal} problem={page.problem} message={page.message} backHref={back} />,
        page.status,
      );
    }
  };

  app.post('/admin/actions/reminders/:userId/:reminderId/:verb', (c) =>
    takeAction(c, 'reminders', c.req.param('reminderId')),
  );
  app.post('/admin/actions/users/:userId/:verb', (c) => takeAction(c, 'users'));
  app.post('/admin/actions/digests/:userId/:digestId/:verb', (c) =>
    takeAction(c, 'digests', c.req.param('digestId')),
  );
  app.post('/admin/actions/dead-letters/:queue/:verb', (c) =>
    takeAction(c, 'dead-letters', c.req.param('queue')),
  );

  return app;
}
