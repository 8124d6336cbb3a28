/** @jsxImportSource hono/jsx */
/**
 * The frame of every admin page: the shared layout, wide, with the admin navigation, who is signed in (and
 * as what) and a Sign out button; plus the small formatting helpers the pages share. No script anywhere:
 * the CSP forbids it, and every page works as plain HTML forms and links.
 */
import type { Child } from 'hono/jsx';
import { type AdminPrincipal, canAct } from '../../../../events/admin-api.ts';
import { Layout } from '../../layout.tsx';

export const ADMIN_NAV = [
  { href: '/admin/upcoming', label: 'Upcoming' },
  { href: '/admin/users', label: 'Find a user' },
  { href: '/admin/emails', label: 'Emails' },
  { href: '/admin/health', label: 'Health' },
  { href: '/admin/audit', label: 'Audit' },
] as const;

/** Short labels of the reminder kinds, for tables, filters and the chart legend. */
export const KIND_SHORT: Readonly<Record<string, string>> = {
  follow_up: 'Follow-up',
  thank_you: 'Thank-you note',
  ask_feedback: 'Ask for feedback',
  apply_formally: 'Apply formally',
  reconnect: 'Reconnect',
};

export const kindLabel = (kind: string): string => KIND_SHORT[kind] ?? kind;

export const roleOf = (p: AdminPrincipal): string =>
  canAct(p) ? 'operator' : p.roles.includes('viewer') ? 'viewer' : 'no role';

/** `2026-12-07 09:00 UTC`: instants in the admin view are UTC unless a column says otherwise. */
export function utc(iso: string | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** `7 Dec` from `2026-12-07`: chart labels. */
export function dayLabel(day: string): string {
  const d = new Date(`${day}T00:00:00Z`);
  if (Number.isNaN(d.getTime())) return day;
  return d.toLocaleDateString('en-GB', { day: 'numeric', month: 'short', timeZone: 'UTC' });
}

/** A query string from the defined, non-empty values. */
export function qs(params: Readonly<Record<string, string | number | undefined>>): string {
  const search = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') search.set(k, String(v));
  const s = search.toString();
  return s ? `?${s}` : '';
}

export function Tag(props: { readonly tone: string; readonly children: Child }) {
  return <strong class={`tag tag--${props.tone}`}>{props.children}</strong>;
}

/** The one-line result of the last action, passed back in the redirect (`?done=`); escaped like everything. */
export function Banner(props: { readonly message?: string | undefined }) {
  if (!props.message) return null;
  return (
    <div class="banner" role="status">
      {props.message}
    </div>
  );
}

export function AdminPage(props: {
  readonly title: string;
  /** Absent only on an error page shown before the session was checked. */
  readonly principal?: AdminPrincipal | undefined;
  readonly children?: Child;
  readonly banner?: string | undefined;
}) {
  const { principal } = props;
  return (
    <Layout
      title={`${props.title} – Admin`}
      nav={ADMIN_NAV}
      homeHref="/admin/upcoming"
      wide
      who={principal ? `Signed in as ${principal.email} (${roleOf(principal)})` : undefined}
      headerEnd={
        principal ? (
          <form method="post" action="/admin/sign-out" class="signout">
            <button type="submit">Sign out</button>
          </form>
        ) : undefined
      }
    >
      <Banner message={props.banner} />
      {props.children}
    </Layout>
  );
}
