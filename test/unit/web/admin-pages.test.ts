import { describe, expect, it } from 'vitest';
import { AdminActionRefusedError } from '../../../shared/errors.ts';
import { createAdminApp } from '../../../shared/web/admin/routes.tsx';
import {
  DIGEST_ID,
  EMAIL,
  fakeService,
  fakeSession,
  HOSTILE,
  postForm,
  REMINDER_ID,
  setup,
  USER_ID,
  user,
} from './admin-fakes.ts';

const ESCAPED = '&lt;img src=x onerror=alert(1)&gt;';
const PAGES = [
  '/admin/upcoming',
  `/admin/users?email=${encodeURIComponent(EMAIL)}`,
  '/admin/users',
  '/admin/emails?kind=follow_up',
  `/admin/emails?userId=${USER_ID}&reminderId=${REMINDER_ID}`,
  '/admin/health',
  '/admin/audit',
  `/admin/confirm?action=reminder.cancel&userId=${USER_ID}&reminderId=${REMINDER_ID}&email=${encodeURIComponent(EMAIL)}`,
] as const;

/** The bytes a page costs: its HTML and the one stylesheet. */
async function weight(app: ReturnType<typeof setup>['app'], html: string): Promise<number> {
  const css = await (await app.request('/assets/rebound.css')).text();
  return Buffer.byteLength(html) + Buffer.byteLength(css);
}

describe('the admin pages', () => {
  it('redirects /admin to Upcoming, and a page without a session to sign-in', async () => {
    const { operator, anonymous } = setup();
    const root = await operator('/admin');
    expect(root.status).toBe(303);
    expect(root.headers.get('location')).toBe('/admin/upcoming');
    const page = await anonymous('/admin/upcoming');
    expect(page.status).toBe(303);
    expect(page.headers.get('location')).toBe('/admin/sign-in');
  });

  it.each(PAGES)(
    'renders %s: 200, the nav and who is signed in, escaped, no script, under 100 KB',
    async (path) => {
      const { app, operator } = setup();
      const res = await operator(path);
      const html = await res.text();
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toContain('text/html');
      for (const item of ['Upcoming', 'Find a user', 'Emails', 'Health', 'Audit'])
        expect(html).toContain(`>${item}</a>`);
      expect(html).toContain('Signed in as ops@example.com (operator)');
      expect(html).toContain('action="/admin/sign-out"');
      expect(html).not.toContain(HOSTILE);
      expect(html).not.toMatch(/<script/i);
      expect(html).not.toMatch(/<[a-z][^>]*\son[a-z]+=/i);
      expect(html).toContain('<html lang="en">');
      expect(html).toContain('href="#main"');
      expect(await weight(app, html)).toBeLessThan(100 * 1024);
      expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
    },
  );

  it('shows Upcoming: the table with the escaped company, the chart, and a next page link keeping the filters', async () => {
    const { operator, service } = setup();
    const html = await (
      await operator('/admin/upcoming?kind=follow_up&consent=waiting&from=2027-01-10&source=acme-ats')
    ).text();
    expect(html).toContain(ESCAPED);
    expect(html).toContain('s***@example.com');
    expect(html).toContain('Mon 11 Jan 2027, 09:00 (Europe/Berlin)');
    expect(html).toContain('2027-01-11 08:00 UTC');
    expect(html).toContain('<svg class="chart"');
    expect(html).toContain('class="k-thank_you"');
    expect(html).toContain(
      'href="/admin/upcoming?kind=follow_up&amp;consent=waiting&amp;from=2027-01-10&amp;source=acme-ats&amp;cursor=cursor-next"',
    );
    expect(html).toContain(`href="/admin/emails?userId=${USER_ID}&amp;reminderId=${REMINDER_ID}"`);
    expect(service.queries[0]).toMatchObject({
      kind: 'follow_up',
      consent: 'waiting',
      from: '2027-01-10T00:00:00Z',
      source: 'acme-ats',
      limit: 50,
    });
  });

  it('refuses a bad Upcoming filter with the error beside its field, and lists nothing', async () => {
    const { operator, service } = setup();
    const res = await operator('/admin/upcoming?from=31%2F01%2F2027');
    expect(res.status).toBe(400);
    const html = await res.text();
    expect(html).toContain('There is a problem');
    expect(html).toContain('href="#from"');
    expect(service.queries).toEqual([]);
  });

  it('shows the user: profile, applications, pending reminders with the timer check, digests and timeline', async () => {
    const { operator } = setup();
    const html = await (await operator(`/admin/users?email=${encodeURIComponent(EMAIL)}`)).text();
    for (const text of [
      'Profile',
      'Applications',
      'Pending reminders',
      'Digests',
      'Timeline',
      'Europe/Berlin',
    ]) {
      expect(html).toContain(text);
    }
    expect(html).toContain('Present');
    expect(html).toContain('Reconnect');
    expect(html).toContain(`application.submitted: ${ESCAPED}`);
    expect(html).toContain('may email the user twice');
    // Operators' actions are links and GET forms to the confirm page; nothing on this page posts but sign-out.
    expect(html).toContain('/admin/confirm?action=reminder.cancel');
    expect(html).toContain('/admin/confirm?action=user.erase');
    expect(html).toContain('/admin/confirm?action=digest.release');
    expect(html).toContain('name="dueAt" type="datetime-local"');
    expect(html.match(/method="post"/g)).toHaveLength(1);
  });

  it('shows a viewer the same user with no action buttons', async () => {
    const { viewer } = setup();
    const html = await (await viewer(`/admin/users?email=${encodeURIComponent(EMAIL)}`)).text();
    expect(html).toContain('Signed in as view@example.com (viewer)');
    expect(html).toContain('Pending reminders');
    expect(html).not.toContain('/admin/confirm');
    expect(html).not.toContain('Delete all data');
    expect(html).not.toContain('Reschedule');
    const healthHtml = await (await viewer('/admin/health')).text();
    expect(healthHtml).not.toContain('/admin/confirm');
  });

  it("lets forms reach the issuer's logout origin only when one is configured", async () => {
    const formAction = (csp: string | null) =>
      csp?.split(';').find((d) => d.trim().startsWith('form-action'));
    const plain = createAdminApp(fakeService(), fakeSession());
    const withLogout = createAdminApp(fakeService(), fakeSession(), {
      formActionOrigins: ['https://rebound-dev.auth.eu-west-1.amazoncognito.com'],
    });
    const headers = { 'x-test-role': 'operator' };
    const csp = async (app: typeof plain) =>
      formAction((await app.request('/admin/upcoming', { headers })).headers.get('content-security-policy'));
    expect((await csp(plain))?.trim()).toBe("form-action 'self'");
    expect((await csp(withLogout))?.trim()).toBe(
      "form-action 'self' https://rebound-dev.auth.eu-west-1.amazoncognito.com",
    );
  });

  it('offers no Send now for a reminder held for consent, but still Cancel and Reschedule', async () => {
    const { operator, service } = setup();
    const held = {
      ...user.pending[0],
      held: true,
      timerCheck: { state: 'not_expected' as const, scheduleName: 's' },
    };
    service.findUser = async () => ({ ...user, pending: [held as (typeof user.pending)[number]] });
    const html = await (await operator(`/admin/users?email=${encodeURIComponent(EMAIL)}`)).text();
    expect(html).not.toContain('action=reminder.send_now');
    expect(html).toContain('action=reminder.cancel');
    expect(html).toContain('value="reminder.reschedule"');
    const normal = await (await setup().operator(`/admin/users?email=${encodeURIComponent(EMAIL)}`)).text();
    expect(normal).toContain('action=reminder.send_now');
  });

  it('links each Upcoming row to its user by id, and shows that user from the id', async () => {
    const { operator } = setup();
    const list = await (await operator('/admin/upcoming')).text();
    expect(list).toContain(`href="/admin/users?id=${USER_ID}"`);
    const byId = await operator(`/admin/users?id=${USER_ID}`);
    const html = await byId.text();
    expect(byId.status).toBe(200);
    expect(html).toContain(EMAIL);
    expect(html).toContain(REMINDER_ID);
    const unknown = await operator('/admin/users?id=u_0123456789abcdef01234567');
    expect(unknown.status).toBe(404);
    const malformed = await operator('/admin/users?id=not-an-id');
    expect(malformed.status).toBe(404);
  });

  it('says so when no user has the address, and asks again for a malformed one', async () => {
    const { operator } = setup();
    const none = await operator('/admin/users?email=nobody%40example.com');
    expect(none.status).toBe(404);
    expect(await none.text()).toContain('No user has the address nobody@example.com');
    const bad = await operator('/admin/users?email=nobody');
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain('Enter a whole email address');
  });

  it('shows an email: subject and text escaped, the HTML part in a sandboxed frame allowed by this page only', async () => {
    const { operator } = setup();
    const res = await operator('/admin/emails?kind=follow_up');
    const html = await res.text();
    expect(html).toContain(`Follow up with ${ESCAPED}`);
    expect(html).toContain('<pre class="email-text">');
    expect(html).toMatch(/<iframe[^>]*sandbox=""[^>]*src="\/admin\/emails\/render\?kind=follow_up"/);
    expect(res.headers.get('content-security-policy')).toContain("frame-src 'self'");
    const upcoming = await operator('/admin/upcoming');
    expect(upcoming.headers.get('content-security-policy')).not.toContain('frame-src');
  });

  it("serves the email's HTML with inline styles allowed, no script, and framing by our pages only", async () => {
    const { operator } = setup();
    const res = await operator('/admin/emails/render?kind=follow_up');
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('<p style="color:#333">Hello Sam</p>');
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("style-src 'unsafe-inline'");
    expect(csp).toContain("frame-ancestors 'self'");
    expect(csp).toContain('sandbox');
    expect(csp).not.toContain('script-src');
    expect(csp).toContain("default-src 'none'");
    expect(res.headers.get('x-frame-options')).toBe('SAMEORIGIN');
  });

  it('shows health: stuck digests, dead letters, emails per day and the oldest overdue reminder', async () => {
    const { operator } = setup();
    const html = await (await operator('/admin/health')).text();
    expect(html).toContain('planner-dlq');
    expect(html).toContain('2 in all');
    expect(html).toContain(DIGEST_ID);
    expect(html).toContain('/admin/confirm?action=digest.mark_sent');
    expect(html).toContain('Emails sent per day');
    expect(html).toContain(`Follow-up for ${ESCAPED}`);
    expect(html).toContain('(4 hours ago)');
  });

  it('shows the audit log newest first with before → after and a next page link', async () => {
    const { operator } = setup();
    const html = await (await operator('/admin/audit')).text();
    expect(html).toContain('ops@example.com');
    expect(html).toContain('reminder.reschedule');
    expect(html).toContain('→');
    expect(html).toContain('applied');
    expect(html).not.toContain(HOSTILE);
    expect(html).toContain('href="/admin/audit?limit=50&amp;cursor=cursor-2"');
  });

  it('asks for confirmation with one POST form holding a random idempotency key', async () => {
    const { operator, service } = setup();
    const path = `/admin/confirm?action=reminder.reschedule&userId=${USER_ID}&reminderId=${REMINDER_ID}&email=${encodeURIComponent(EMAIL)}&dueAt=2027-01-12T08:30`;
    const first = await (await operator(path)).text();
    const second = await (await operator(path)).text();
    expect(first).toContain('Move this reminder?');
    expect(first).toContain('<strong>2027-01-12 08:30 UTC</strong>');
    expect(first).toContain(`action="/admin/actions/reminders/${USER_ID}/${REMINDER_ID}/reschedule"`);
    expect(first).toContain('name="dueAt" value="2027-01-12T08:30:00Z"');
    const key = (html: string) => html.match(/name="key" value="([^"]+)"/)?.[1];
    expect(key(first)).toMatch(/^[\w-]{16,}$/);
    expect(key(first)).not.toBe(key(second));
    expect(first.match(/method="post"/g)).toHaveLength(2); // the action and sign-out
    // Where the form comes back to if the session expired meanwhile: this same question, asked again.
    const returnTo = first.match(/name="returnTo" value="([^"]+)"/)?.[1]?.replaceAll('&amp;', '&') ?? '';
    expect(returnTo).toMatch(/^\/admin\/confirm\?action=reminder\.reschedule&/);
    const again = await (await operator(returnTo)).text();
    expect(again).toContain('Move this reminder?');
    expect(again).toContain(`action="/admin/actions/reminders/${USER_ID}/${REMINDER_ID}/reschedule"`);
    expect(again).toContain('name="dueAt" value="2027-01-12T08:30:00Z"');
    expect(service.acted).toEqual([]);
  });

  it('asks for the address typed again before deleting, and says release may email twice', async () => {
    const { operator } = setup();
    const erase = await (
      await operator(`/admin/confirm?action=user.erase&userId=${USER_ID}&email=${encodeURIComponent(EMAIL)}`)
    ).text();
    expect(erase).toContain('This cannot be undone');
    expect(erase).toContain('id="confirmEmail"');
    const release = await (
      await operator(`/admin/confirm?action=digest.release&userId=${USER_ID}&digestId=${DIGEST_ID}`)
    ).text();
    expect(release).toContain('If the email did go out, the user gets it twice.');
  });

  it('takes the action on POST and redirects back to the user with the result as a banner, escaped when shown', async () => {
    const { operator, service } = setup();
    const res = await operator(
      `/admin/actions/reminders/${USER_ID}/${REMINDER_ID}/cancel`,
      postForm({ key: 'k-123456789', email: EMAIL }),
    );
    expect(res.status).toBe(303);
    const location = res.headers.get('location') ?? '';
    expect(location).toBe(
      `/admin/users?email=${encodeURIComponent(EMAIL)}&done=Done%3A+reminder.cancel+%3Cb%3Eok%3C%2Fb%3E`,
    );
    expect(service.acted).toEqual([
      {
        principal: { email: 'ops@example.com', roles: ['operator', 'viewer'] },
        action: { type: 'reminder.cancel', userId: USER_ID, reminderId: REMINDER_ID },
        key: 'k-123456789',
      },
    ]);
    const html = await (await operator(location)).text();
    expect(html).toContain(
      '<div class="banner" role="status">Done: reminder.cancel &lt;b&gt;ok&lt;/b&gt;</div>',
    );
  });

  it('passes the pause weeks and the rescheduled time from the form', async () => {
    const { operator, service } = setup();
    await operator(
      `/admin/actions/users/${USER_ID}/pause`,
      postForm({ key: 'k-123456789', email: EMAIL, weeks: '8' }),
    );
    await operator(
      `/admin/actions/reminders/${USER_ID}/${REMINDER_ID}/reschedule`,
      postForm({ key: 'k-223456789', email: EMAIL, dueAt: '2027-01-12T08:30:00Z' }),
    );
    expect(service.acted.map((a) => a.action)).toEqual([
      { type: 'user.pause', userId: USER_ID, weeks: 8 },
      {
        type: 'reminder.reschedule',
        userId: USER_ID,
        reminderId: REMINDER_ID,
        dueAt: '2027-01-12T08:30:00Z',
      },
    ]);
  });

  it('deletes only when the typed address is the user’s, and goes back to the search after', async () => {
    const { operator, service } = setup();
    const wrong = await operator(
      `/admin/actions/users/${USER_ID}/erase`,
      postForm({ key: 'k-123456789', email: EMAIL, confirmEmail: 'sam@example.org' }),
    );
    expect(wrong.status).toBe(400);
    expect(await wrong.text()).toContain('Type the user&#39;s email address exactly');
    expect(service.acted).toEqual([]);
    const right = await operator(
      `/admin/actions/users/${USER_ID}/erase`,
      postForm({ key: 'k-123456789', email: EMAIL, confirmEmail: 'Sam@Example.com' }),
    );
    expect(right.status).toBe(303);
    expect(right.headers.get('location')).toMatch(/^\/admin\/users\?done=/);
    expect(service.acted.map((a) => a.action)).toEqual([{ type: 'user.erase', userId: USER_ID }]);
  });

  it('gives a viewer a 403 page for the confirm page and for a POST, and changes nothing', async () => {
    const { viewer, service } = setup();
    const confirm = await viewer(
      `/admin/confirm?action=user.resync&userId=${USER_ID}&email=${encodeURIComponent(EMAIL)}`,
    );
    expect(confirm.status).toBe(403);
    const res = await viewer(
      `/admin/actions/users/${USER_ID}/resync`,
      postForm({ key: 'k-123456789', email: EMAIL }),
    );
    expect(res.status).toBe(403);
    const html = await res.text();
    expect(html).toContain('only an operator can take actions');
    expect(html).toContain('Nothing was changed.');
    expect(service.acted).toEqual([]);
  });

  it('refuses a POST from another site', async () => {
    const { operator, service } = setup();
    const res = await operator(
      `/admin/actions/users/${USER_ID}/resync`,
      postForm({ key: 'k-123456789', email: EMAIL }, { 'sec-fetch-site': 'cross-site' }),
    );
    expect(res.status).toBe(403);
    expect(service.acted).toEqual([]);
  });

  it('says what happened and that nothing changed when the service refuses or the target is gone', async () => {
    const { operator, service } = setup();
    service.failNext = new AdminActionRefusedError('The reminder was sent at 08:00');
    const refused = await operator(
      `/admin/actions/reminders/${USER_ID}/${REMINDER_ID}/send-now`,
      postForm({ key: 'k-123456789', email: EMAIL }),
    );
    expect(refused.status).toBe(409);
    const html = await refused.text();
    expect(html).toContain('The reminder was sent at 08:00');
    expect(html).toContain('Nothing was changed.');
    const gone = await operator(
      `/admin/confirm?action=reminder.cancel&userId=${USER_ID}&reminderId=r_gone&email=${encodeURIComponent(EMAIL)}`,
    );
    expect(gone.status).toBe(404);
    expect(await gone.text()).toContain('Nothing was changed.');
    const noKey = await operator(`/admin/actions/users/${USER_ID}/resync`, postForm({ email: EMAIL }));
    expect(noKey.status).toBe(400);
    expect(service.acted).toEqual([]);
  });

  it('keeps the consent pages’ frame: the stylesheet is still served to anyone', async () => {
    const { anonymous } = setup();
    const css = await anonymous('/assets/rebound.css');
    expect(css.status).toBe(200);
    expect(await css.text()).toContain('main.wide');
  });
});
