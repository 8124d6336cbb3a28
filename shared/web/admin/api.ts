/**
 * The admin JSON API (`/admin/api/…`), as `events/admin-api.ts` describes it. Thin: parse the request with the
 * contract's schemas (a 400 names the field), check the role, call the admin service, answer its DTO.
 *
 * The pages' POST forms (`/admin/actions/…`) take the same actions through {@link actionFor}, so a button and
 * a script can never disagree about what an action needs.
 */
import type { Context, Hono } from 'hono';
import * as z from 'zod';
import {
  type AdminAction,
  AuditQuerySchema,
  canAct,
  EraseBodySchema,
  PauseBodySchema,
  ReminderListQuerySchema,
  RescheduleBodySchema,
  UserQuerySchema,
} from '../../../events/admin-api.ts';
import { userIdFor } from '../../domain/ids.ts';
import {
  AdminActionRefusedError,
  AdminAuthenticationError,
  ForbiddenError,
  InvalidEventError,
  NotFoundError,
  type ValidationIssue,
} from '../../errors.ts';
import type { AdminEnv, AdminService } from './port.ts';

/** Ids in paths: what user, reminder and digest ids look like, and nothing that could break a key or a URL. */
export const Id = z.string().regex(/^[\w.-]{1,128}$/, 'must be an id');

/** What each action takes besides its ids: the contract's bodies, or nothing at all. */
const NO_BODY = z.strictObject({});

export type ActionTarget = 'reminders' | 'users' | 'digests' | 'dead-letters';

/** `{target}/{…ids}/{verb}` → the action type and its body schema. */
const VERBS = {
  reminders: {
    cancel: { type: 'reminder.cancel', body: NO_BODY },
    'send-now': { type: 'reminder.send_now', body: NO_BODY },
    reschedule: { type: 'reminder.reschedule', body: RescheduleBodySchema },
  },
  users: {
    pause: { type: 'user.pause', body: PauseBodySchema },
    resume: { type: 'user.resume', body: NO_BODY },
    resync: { type: 'user.resync', body: NO_BODY },
    erase: { type: 'user.erase', body: EraseBodySchema },
  },
  digests: {
    'mark-sent': { type: 'digest.mark_sent', body: NO_BODY },
    release: { type: 'digest.release', body: NO_BODY },
  },
  'dead-letters': {
    redrive: { type: 'dead_letter.redrive', body: NO_BODY },
  },
} as const;

/** The verbs of a target, as they appear in paths. */
export const actionVerbs = (target: ActionTarget): readonly string[] => Object.keys(VERBS[target]);

/** The path segments (after `/admin/api/` or `/admin/actions/`) of an action. */
export function actionPath(action: AdminAction): string {
  const verb = (target: ActionTarget) =>
    Object.entries(VERBS[target]).find(([, v]) => v.type === action.type)?.[0] ?? '';
  switch (action.type) {
    case 'reminder.cancel':
    case 'reminder.send_now':
    case 'reminder.reschedule':
      return `reminders/${action.userId}/${action.reminderId}/${verb('reminders')}`;
    case 'digest.mark_sent':
    case 'digest.release':
      return `digests/${action.userId}/${action.digestId}/${verb('digests')}`;
    case 'dead_letter.redrive':
      return `dead-letters/${action.queue}/${verb('dead-letters')}`;
    default:
      return `users/${action.userId}/${verb('users')}`;
  }
}

/** Zod issues as the API reports them: the field's path, or the unexpected keys' names. */
export function issuesOf(error: z.ZodError): ValidationIssue[] {
  return error.issues.map((i) => ({
    path: i.path.length > 0 ? i.path.join('.') : i.code === 'unrecognized_keys' ? i.keys.join(',') : '',
    message: i.message,
  }));
}

/** Parse `input` with `schema`, or throw the 400 that names the field. */
export function parseOr400<S extends z.ZodType>(schema: S, input: unknown): z.infer<S> {
  const result = schema.safeParse(input);
  if (!result.success) throw new InvalidEventError(issuesOf(result.error));
  return result.data;
}

/**
 * The action a path and body describe. Throws `NotFoundError` for a verb that does not exist and
 * `InvalidEventError` (400) for a bad id or body, including an erase whose typed address is not the user's.
 * A dead-letter queue's name is its `targetId`; it has no user.
 */
export function actionFor(
  target: ActionTarget,
  ids: { readonly userId: string; readonly targetId?: string | undefined },
  verb: string,
  body: unknown,
): AdminAction {
  const spec = (VERBS[target] as Record<string, { type: AdminAction['type']; body: z.ZodType }>)[verb];
  if (!spec) throw new NotFoundError(`Action ${target}/${verb}`);
  if (spec.type === 'dead_letter.redrive') {
    parseOr400(spec.body, body ?? {});
    return { type: spec.type, queue: parseOr400(Id, ids.targetId) };
  }
  const userId = parseOr400(Id, ids.userId);
  const targetId = target === 'users' ? undefined : parseOr400(Id, ids.targetId);
  const input = parseOr400(spec.body, body ?? {}) as Record<string, unknown>;
  switch (spec.type) {
    case 'reminder.cancel':
    case 'reminder.send_now':
      return { type: spec.type, userId, reminderId: targetId ?? '' };
    case 'reminder.reschedule':
      return { type: spec.type, userId, reminderId: targetId ?? '', dueAt: String(input.dueAt) };
    case 'user.pause':
      return { type: spec.type, userId, weeks: Number(input.weeks) };
    case 'user.resume':
    case 'user.resync':
      return { type: spec.type, userId };
    case 'user.erase':
      // The typed address must be this user's: a slip on the keyboard must not erase someone else, or no one.
      if (userIdFor(String(input.confirmEmail)) !== userId) {
        throw new InvalidEventError([
          { path: 'confirmEmail', message: "does not match this user's email address" },
        ]);
      }
      return { type: spec.type, userId };
    case 'digest.mark_sent':
    case 'digest.release':
      return { type: spec.type, userId, digestId: targetId ?? '' };
  }
}

/** The one mapping from errors to the API's JSON answers; `undefined` for an error that is not ours (a 500). */
export function apiErrorBody(
  error: unknown,
): { readonly status: 400 | 401 | 403 | 404 | 409; readonly body: Record<string, unknown> } | undefined {
  if (error instanceof InvalidEventError) {
    return {
      status: 400,
      body: {
        error: 'invalid_request',
        message: error.issues.map((i) => `${i.path || '(request)'}: ${i.message}`).join('; '),
        issues: error.issues,
      },
    };
  }
  if (error instanceof AdminAuthenticationError)
    return { status: 401, body: { error: 'unauthenticated', reason: error.reason } };
  if (error instanceof ForbiddenError) return { status: 403, body: { error: 'forbidden' } };
  if (error instanceof NotFoundError)
    return { status: 404, body: { error: 'not_found', message: error.message } };
  if (error instanceof AdminActionRefusedError)
    return { status: 409, body: { error: 'action_refused', message: error.message } };
  return undefined;
}

/** Query parameters, with empty ones (`kind=` from a form) left out rather than refused. */
function queryOf(c: Context): Record<string, string> {
  return Object.fromEntries(Object.entries(c.req.query()).filter(([, v]) => v !== ''));
}

/** A JSON body, or `{}` when there is none (most actions take no body). */
async function jsonBody(c: Context): Promise<unknown> {
  const text = await c.req.text();
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new InvalidEventError([{ path: '', message: 'the body must be JSON' }]);
  }
}

/** The optional `Idempotency-Key` header: a retried request with the same key is one action. */
function idempotencyKey(c: Context): string | undefined {
  const key = c.req.header('idempotency-key');
  if (key === undefined || key === '') return undefined;
  return parseOr400(
    z.string().regex(/^[\w.:-]{1,128}$/, 'must be 1 to 128 letters, digits, _ . : or -'),
    key,
  );
}

const PreviewQuerySchema = z.union([
  z.strictObject({ kind: z.string().regex(/^[a-z_]{1,40}$/, 'must be an email kind') }),
  z.strictObject({ userId: Id, reminderId: Id }),
]);

/** Parse the preview query; the union's own error would not name a field, so say what is expected. */
export function previewInput(
  query: Record<string, string>,
): { readonly kind: string } | { readonly userId: string; readonly reminderId: string } {
  const result = PreviewQuerySchema.safeParse(query);
  if (result.success) return result.data;
  throw new InvalidEventError([
    'kind' in query
      ? { path: 'kind', message: 'must be an email kind, e.g. follow_up' }
      : { path: 'reminderId', message: 'give kind, or userId and reminderId' },
  ]);
}

/** Mount the JSON API on `app`. The session's `api` guard must already cover `/admin/api/*`. */
export function mountAdminApi(app: Hono<AdminEnv>, service: AdminService): void {
  app.get('/admin/api/reminders', async (c) =>
    c.json(await service.listReminders(parseOr400(ReminderListQuerySchema, queryOf(c)))),
  );

  app.get('/admin/api/users', async (c) => {
    const query = parseOr400(UserQuerySchema, queryOf(c));
    const user =
      'email' in query ? await service.findUser(query.email) : await service.findUserById(query.id);
    if (!user)
      throw new NotFoundError('email' in query ? 'User with that email address' : 'User with that id');
    return c.json(user);
  });

  app.get('/admin/api/audit', async (c) => {
    const { limit, cursor } = parseOr400(AuditQuerySchema, queryOf(c));
    return c.json(await service.listAudit(limit, cursor));
  });

  app.get('/admin/api/health', async (c) => c.json(await service.health()));

  app.get('/admin/api/emails/preview', async (c) =>
    c.json(await service.previewEmail(previewInput(queryOf(c)))),
  );

  const act = async (c: Context<AdminEnv>, target: ActionTarget, targetId?: string) => {
    const principal = c.get('principal');
    // The role first: a viewer learns nothing about the target or the body, and nothing is called.
    if (!canAct(principal)) throw new ForbiddenError(`${principal.email} may not act`);
    const action = actionFor(
      target,
      { userId: c.req.param('userId') ?? '', targetId },
      c.req.param('verb') ?? '',
      await jsonBody(c),
    );
    return c.json(await service.act(principal, action, idempotencyKey(c)));
  };

  app.post('/admin/api/reminders/:userId/:reminderId/:verb', (c) =>
    act(c, 'reminders', c.req.param('reminderId')),
  );
  app.post('/admin/api/users/:userId/:verb', (c) => act(c, 'users'));
  app.post('/admin/api/digests/:userId/:digestId/:verb', (c) => act(c, 'digests', c.req.param('digestId')));
  app.post('/admin/api/dead-letters/:queue/:verb', (c) => act(c, 'dead-letters', c.req.param('queue')));
}
