/** @jsxImportSource hono/jsx */
/**
 * Routes of the links function: `GET|POST /links/{action}?t=<token>`.
 *
 * - GET never changes anything (mail scanners and link previews fetch every link): it verifies the token
 *   and shows a page with one button. POST to the same URL does it.
 * - The signed token in the URL is the form's CSRF token: it is unguessable, names the user and the
 *   action, and a cross-site attacker cannot read it (pages send `Referrer-Policy: no-referrer`).
 * - RFC 8058 one-click: a POST to the unsubscribe URL whose form body is `List-Unsubscribe=One-Click`
 *   unsubscribes at once and answers 200 with no page (mail providers call it server to server).
 * - A bad token gets a 4xx page that says what to do next; nothing changes.
 */
import type { Context } from 'hono';
import * as z from 'zod';
import type { UserAction } from '../../../events/user-action.ts';
import { InvalidLinkError } from '../../adapters/link-tokens.ts';
import { LINK_ACTIONS, type LinkAction, type LinkClaims } from '../../links/actions.ts';
import { createWebApp } from '../app.tsx';
import type { FieldError } from '../components.tsx';
import {
  BadLinkPage,
  ConfirmActionPage,
  KIND_LABELS,
  type LinkContext,
  PreferencesPage,
  ResultPage,
  SnoozePage,
} from './pages.tsx';

/** What the routes need: the links use case, behind a port so the pages can be tested alone. */
export interface LinksService {
  /** The verified claims of `token` for `action`; throws `InvalidLinkError`. */
  verify(token: string, action: LinkAction): Promise<LinkClaims>;
  /** What the page shows; `undefined` when the user or target no longer exists. */
  context(claims: LinkClaims): Promise<LinkContext | undefined>;
  /** Store the change as an event in the user's timeline; `token` lets a repeated press count once. */
  record(claims: LinkClaims, change: UserAction, via: 'link' | 'one-click', token: string): Promise<void>;
}

const SnoozeForm = z.object({ days: z.enum(['3', '7'], { message: 'Choose when to be reminded again' }) });
const PreferencesForm = z.object({
  intent: z.enum(['save', 'unsubscribe', 'delete']),
  kinds: z.array(z.enum(Object.keys(KIND_LABELS) as [string, ...string[]])).default([]),
  pause: z.enum(['keep', '0', '2', '4', '8'], { message: 'Choose how long to pause' }).default('keep'),
});

const isAction = (value: string): value is LinkAction => (LINK_ACTIONS as readonly string[]).includes(value);

async function formOf(c: Context): Promise<Record<string, string | string[]>> {
  const body = await c.req.parseBody({ all: true });
  const out: Record<string, string | string[]> = {};
  for (const [key, value] of Object.entries(body)) {
    if (typeof value === 'string') out[key] = value;
    else if (Array.isArray(value)) out[key] = value.filter((v): v is string => typeof v === 'string');
  }
  return out;
}

function fieldErrors(error: z.ZodError): FieldError[] {
  return error.issues.map((i) => ({ field: String(i.path[0] ?? 'form'), message: i.message }));
}

export function createLinksApp(service: LinksService, options: { onError?: (error: unknown) => void } = {}) {
  const app = createWebApp(options);

  /** Verify the token and load the page's context, or answer with the page that says why not. */
  const open = async (c: Context, action: LinkAction) => {
    const token = c.req.query('t');
    if (!token) return { refused: c.html(<BadLinkPage problem="invalid" />, 400) } as const;
    try {
      const claims = await service.verify(token, action);
      const ctx = await service.context(claims);
      if (!ctx) return { refused: c.html(<BadLinkPage problem="gone" />, 410) } as const;
      return { claims, ctx, token, formAction: `/links/${action}?t=${encodeURIComponent(token)}` } as const;
    } catch (error) {
      if (error instanceof InvalidLinkError) {
        return {
          refused: c.html(<BadLinkPage problem={error.problem} />, error.problem === 'expired' ? 410 : 400),
        } as const;
      }
      throw error;
    }
  };

  app.get('/links/:action', async (c) => {
    const action = c.req.param('action');
    if (!isAction(action)) return c.notFound();
    const opened = await open(c, action);
    if ('refused' in opened) return opened.refused;
    const { ctx, formAction } = opened;
    if (action === 'snooze') return c.html(<SnoozePage formAction={formAction} ctx={ctx} />);
    if (action === 'preferences') return c.html(<PreferencesPage formAction={formAction} ctx={ctx} />);
    return c.html(<ConfirmActionPage action={action} formAction={formAction} ctx={ctx} />);
  });

  app.post('/links/:action', async (c) => {
    const action = c.req.param('action');
    if (!isAction(action)) return c.notFound();
    const form = await formOf(c);
    const oneClick = action === 'unsubscribe' && form['List-Unsubscribe'] === 'One-Click';
    const opened = await open(c, action);
    if ('refused' in opened) return opened.refused;
    const { claims, ctx, formAction, token } = opened;
    const record = (change: UserAction) =>
      service.record(claims, change, oneClick ? 'one-click' : 'link', token);

    switch (action) {
      case 'confirm':
        await record({ type: 'consent.confirmed' });
        break;
      case 'not-me':
        await record({ type: 'consent.suppressed', reason: 'not_me' });
        break;
      case 'unsubscribe':
        await record({ type: 'consent.unsubscribed' });
        if (oneClick) return c.text('Unsubscribed', 200);
        break;
      case 'done':
        await record({ type: 'reminder.done', reminderId: claims.target ?? '' });
        break;
      case 'stop':
        await record({ type: 'application.stopped', ref: claims.target ?? '' });
        break;
      case 'snooze': {
        const parsed = SnoozeForm.safeParse(form);
        if (!parsed.success) {
          return c.html(
            <SnoozePage formAction={formAction} ctx={ctx} errors={fieldErrors(parsed.error)} />,
            400,
          );
        }
        await record({
          type: 'reminder.snoozed',
          reminderId: claims.target ?? '',
          days: parsed.data.days === '3' ? 3 : 7,
        });
        break;
      }
      case 'preferences': {
        const parsed = PreferencesForm.safeParse({
          ...form,
          kinds: typeof form.kinds === 'string' ? [form.kinds] : form.kinds,
        });
        if (!parsed.success) {
          return c.html(
            <PreferencesPage formAction={formAction} ctx={ctx} errors={fieldErrors(parsed.error)} />,
            400,
          );
        }
        const { intent, kinds, pause } = parsed.data;
        if (intent === 'unsubscribe') {
          await record({ type: 'consent.unsubscribed' });
          return c.html(<ResultPage result="unsubscribe" />);
        }
        if (intent === 'delete') {
          await record({ type: 'user.erasure_requested' });
          return c.html(<ResultPage result="delete" />);
        }
        const optOuts = Object.keys(KIND_LABELS).filter((k) => !kinds.includes(k));
        await record({
          type: 'preferences.updated',
          optOuts: optOuts as Extract<UserAction, { type: 'preferences.updated' }>['optOuts'],
          ...(pause === 'keep' ? {} : { pauseWeeks: Number(pause) as 0 | 2 | 4 | 8 }),
        });
        return c.html(<ResultPage result="save" />);
      }
    }
    return c.html(<ResultPage result={action} />);
  });

  return app;
}
