/**
 * What the admin routes (pages and JSON API) need, behind ports so the web layer can be tested alone:
 * - `AdminService`: the admin use cases (`shared/use-cases/admin/`), reads and actions;
 * - `AdminAuthenticator`: turns a bearer token or the session cookie's token into a principal (aws-jwt-verify
 *   against the configured issuer: Cognito on AWS, the twin's OpenID Connect issuer locally);
 * - `AdminSignIn`: the authorization-code flow with PKCE against the same issuer.
 */
import type {
  ActionResult,
  AdminAction,
  AdminPrincipal,
  AuditPage,
  EmailPreview,
  HealthView,
  ReminderListQuery,
  ReminderPage,
  UserView,
} from '../../../events/admin-api.ts';

export interface AdminService {
  listReminders(query: ReminderListQuery): Promise<ReminderPage>;
  /** Reminders per UTC day for the next `days` days, by kind (the Upcoming chart). */
  upcomingByDay(
    days: number,
  ): Promise<readonly { readonly day: string; readonly counts: Readonly<Record<string, number>> }[]>;
  /** `undefined` when no user has that address. */
  findUser(email: string): Promise<UserView | undefined>;
  /** The same view by user id: the lists, which show masked addresses only, link to it. */
  findUserById(userId: string): Promise<UserView | undefined>;
  /** A kind's email with sample data, or a real pending reminder's (`userId` + `reminderId`). */
  previewEmail(
    input: { readonly kind: string } | { readonly userId: string; readonly reminderId: string },
  ): Promise<EmailPreview>;
  health(): Promise<HealthView>;
  listAudit(limit: number, cursor?: string): Promise<AuditPage>;
  /**
   * Take one action as `principal` (who must be an operator: the routes check, and so does this).
   * Throws `NotFoundError` (404), `AdminActionRefusedError` (409: e.g. the reminder is no longer pending),
   * `ForbiddenError` (403).
   */
  act(principal: AdminPrincipal, action: AdminAction, idempotencyKey?: string): Promise<ActionResult>;
}

export interface AdminAuthenticator {
  /** The principal of a valid token; throws `AdminAuthenticationError` for a missing, expired, forged or wrong-audience one. */
  verify(token: string): Promise<AdminPrincipal>;
}

/** The sign-in flow's endpoints and client, as configuration gives them. */
export interface AdminSignInConfig {
  /** The issuer's authorization endpoint (Cognito managed login's `/oauth2/authorize`; the twin's sign-in page). */
  readonly authorizeUrl: string;
  /** Its token endpoint (`/oauth2/token`). */
  readonly tokenUrl: string;
  /** Where the browser goes after signing out of the issuer (optional). */
  readonly logoutUrl?: string | undefined;
  readonly clientId: string;
  /** This admin view's public base URL; the callback is `<base>/admin/auth/callback`. */
  readonly baseUrl: string;
  /** Cookies are `Secure` unless the base URL is plain http (the twin on localhost). */
  readonly secureCookies: boolean;
}

/** The Hono environment of admin routes: the verified principal of the request. */
export interface AdminEnv {
  Variables: { principal: AdminPrincipal };
}

/**
 * The admin session (`shared/web/admin/session.ts`): sign-in routes and the two guards every admin route
 * sits behind. Both guards verify on every request and set `principal`.
 */
export interface AdminSession {
  /** Mount `GET /admin/sign-in`, `GET /admin/auth/callback`, `POST /admin/sign-out`. */
  mount(app: import('hono').Hono<AdminEnv>): void;
  /** Pages: the session cookie; none or invalid → redirect to sign-in (303), keeping where the user was going. */
  readonly page: import('hono').MiddlewareHandler<AdminEnv>;
  /**
   * JSON API: `Authorization: Bearer <token>` or the session cookie; none or invalid → 401 JSON
   * `{ "error": "unauthenticated", "reason" }`. A cookie-authenticated POST must also come from our own origin
   * (CSRF); a bearer request need not.
   */
  readonly api: import('hono').MiddlewareHandler<AdminEnv>;
}
