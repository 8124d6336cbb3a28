/**
 * The admin view driven from outside, for tests and benches on the twin: its JSON API called with a bearer
 * token, a session cookie for its pages, users seeded the way they arrive (an event posted with the
 * harness's source credentials, then confirmed through the email's link), and tokens the view must refuse.
 * HTTP only, like the rest of the harness.
 */
import { decodeJwt, decodeProtectedHeader, generateKeyPair, SignJWT } from 'jose';
import type { AdminReminder, UserView } from '../events/admin-api.ts';
import { userIdFor } from '../shared/domain/ids.ts';
import { type AdminIdentity, adminToken, bearerOf } from './admin-auth.ts';
import { confirmUser } from './consent.ts';
import { type FixtureName, fixture, nextMonday, uniqueEmail } from './scenario.ts';
import type { TwinClient } from './twin-client.ts';

/** What an admin API call answered: its status and its JSON body (`undefined` when it had none). */
export interface AdminAnswer<T = unknown> {
  readonly status: number;
  readonly body: T;
}

/**
 * The twin's session cookie (`rebound_admin`: the twin serves plain http, so no `__Host-` prefix). It holds
 * the ID token itself, so a token from `/_local/auth/token` is a session as good as one from the sign-in.
 */
export const ADMIN_SESSION_COOKIE = 'rebound_admin';

/** `{ cookie: 'rebound_admin=<token>' }`, for `fetch` headers of the admin pages. */
export const sessionCookieOf = (token: string): { cookie: string } => ({
  cookie: `${ADMIN_SESSION_COOKIE}=${token}`,
});

/** The admin JSON API of one twin, as one identity (or none: `token` undefined sends no credentials). */
export class AdminApi {
  public constructor(
    private readonly api: string,
    public readonly token: string | undefined,
  ) {}

  /** An API client for `identity`, with a fresh token from the twin's issuer. */
  public static async as(api: string, identity: AdminIdentity): Promise<AdminApi> {
    return new AdminApi(api, await adminToken(api, identity));
  }

  /** `GET /admin/api/<path>` with `query` (undefined values left out). */
  public async get<T = unknown>(
    path: string,
    query: Readonly<Record<string, string | number | undefined>> = {},
  ): Promise<AdminAnswer<T>> {
    const params = new URLSearchParams();
    for (const [name, value] of Object.entries(query))
      if (value !== undefined) params.set(name, String(value));
    const search = params.size > 0 ? `?${params}` : '';
    return this.call<T>('GET', `${path}${search}`);
  }

  /** `POST /admin/api/<path>`, with a JSON body when one is given. */
  public async post<T = unknown>(
    path: string,
    body?: unknown,
    headers: Readonly<Record<string, string>> = {},
  ): Promise<AdminAnswer<T>> {
    return this.call<T>('POST', path, body, headers);
  }

  /** The user with `email`; throws unless the API found them. */
  public async user(email: string): Promise<UserView> {
    const res = await this.get<UserView>('users', { email });
    if (res.status !== 200) throw new Error(`users?email=${email} answered ${res.status}`);
    return res.body;
  }

  /** The user's pending reminders of `kind`, soonest first. */
  public async pending(
    email: string,
    kind: AdminReminder['kind'] = 'follow_up',
  ): Promise<UserView['pending'][number][]> {
    return (await this.user(email)).pending.filter((r) => r.kind === kind);
  }

  private async call<T>(
    method: string,
    path: string,
    body?: unknown,
    headers: Readonly<Record<string, string>> = {},
  ): Promise<AdminAnswer<T>> {
    const res = await fetch(`${this.api}/admin/api/${path.replace(/^\/+/, '')}`, {
      method,
      headers: {
        ...(this.token === undefined ? {} : bearerOf(this.token)),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
  }
}

/** The path of a reminder action: `reminders/<userId>/<reminderId>/<verb>`. */
export const reminderAction = (r: Pick<AdminReminder, 'userId' | 'reminderId'>, verb: string): string =>
  `reminders/${r.userId}/${r.reminderId}/${verb}`;

export interface SeededUser {
  readonly email: string;
  readonly userId: string;
  /** When the event happened: a Monday 10:00 in the user's zone, where the clock was moved. */
  readonly t0: Date;
}

/**
 * A user as they arrive: the clock moved to the next Monday 10:00 in `timezone` (or left where it is when `at`
 * is given: users seeded together share their reminders' week), one event posted with the harness's source
 * credentials (its company given), then, unless `confirm` is false, the address confirmed through the
 * confirmation email's link. An `application.submitted` plans follow-ups on days 7 and 14.
 */
export async function seedUser(
  twin: TwinClient,
  opts: {
    readonly label: string;
    readonly company?: string;
    readonly timezone?: string;
    readonly event?: FixtureName;
    readonly confirm?: boolean;
    /** When the event happened, the clock not moved (e.g. another seeded user's `t0`). */
    readonly at?: Date;
  },
): Promise<SeededUser> {
  const timezone = opts.timezone ?? 'Europe/Berlin';
  const t0 = opts.at ?? nextMonday(await twin.now(), timezone);
  if (!opts.at) await twin.advanceTo(t0);
  const email = uniqueEmail(opts.label);
  const event = fixture(opts.event ?? 'application.submitted', {
    email,
    timezone,
    occurredAt: t0,
    ...(opts.company === undefined ? {} : { company: opts.company }),
  });
  const posted = await twin.postEvent(event);
  if (posted.status !== 202)
    throw new Error(`POST /events answered ${posted.status}: ${JSON.stringify(posted.body)}`);
  if (opts.confirm === false) await twin.advance('PT0S');
  else await confirmUser(twin, email);
  return { email, userId: userIdFor(email), t0 };
}

/**
 * A token with the same header and claims as `token`, signed with another RSA key: what a forger who read a
 * real token could make. Same `kid`, so only the signature tells it apart.
 */
export async function forgedToken(token: string): Promise<string> {
  const header = decodeProtectedHeader(token);
  const claims = decodeJwt(token);
  const { privateKey } = await generateKeyPair('RS256');
  return new SignJWT(claims).setProtectedHeader({ ...header, alg: 'RS256' }).sign(privateKey);
}

const decodeEntities = (s: string): string =>
  s
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');

const cookiesOf = (res: Response): Map<string, string> =>
  new Map(
    res.headers.getSetCookie().map((c) => {
      const [pair = ''] = c.split(';');
      const at = pair.indexOf('=');
      return [pair.slice(0, at), pair.slice(at + 1)] as const;
    }),
  );

/**
 * Sign in to the admin pages as `email` the way a browser does, with fetch: `/admin/sign-in`, the twin's
 * sign-in page and its button, the issuer's `/authorize`, then the callback with the login cookie.
 * @returns the session cookie's value (the ID token the callback set)
 */
export async function signInWithCodeFlow(api: string, email: string): Promise<string> {
  const start = await fetch(`${api}/admin/sign-in`, { redirect: 'manual' });
  const login = cookiesOf(start);
  const page = await fetch(start.headers.get('location') ?? '', { redirect: 'manual' });
  const html = await page.text();
  const action = decodeEntities(/<form method="post" action="([^"]+)"/.exec(html)?.[1] ?? '');
  const fields = Object.fromEntries(
    [...html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g)].map((m) => [
      m[1] ?? '',
      decodeEntities(m[2] ?? ''),
    ]),
  );
  const posted = await fetch(new URL(action, api), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ ...fields, login_hint: email }),
    redirect: 'manual',
  });
  const authorized = await fetch(posted.headers.get('location') ?? '', { redirect: 'manual' });
  const callback = authorized.headers.get('location') ?? '';
  const cookie = [...login].map(([name, value]) => `${name}=${value}`).join('; ');
  const done = await fetch(callback, { headers: { cookie }, redirect: 'manual' });
  const session = cookiesOf(done).get(ADMIN_SESSION_COOKIE);
  if (done.status !== 303 || !session) {
    throw new Error(`Sign-in as ${email}: the callback answered ${done.status} without a session cookie`);
  }
  return session;
}
