/**
 * Admin pages bench (`npx tsx bench/admin-pages.ts`): what each admin page weighs, on the local twin started
 * exactly as `npm start` does, with data enough to fill them: BENCH_USERS users confirmed through the pipeline
 * (two follow-ups each), a week of sending (one email each), three operator actions for the audit.
 *
 * The pages are fetched with a session cookie obtained by signing in through the code flow with fetch (the
 * twin's sign-in page, its issuer's `/authorize`, the callback), as a browser would; each page's HTML and
 * the stylesheet it links are counted, raw and gzipped. The email preview counts its framed document too.
 * Target: at most TARGET_KB per page, HTML and stylesheet together (raw). Exit code 1 when a page is over,
 * or answers other than 200. The twin is stopped at the end, on error and on SIGINT/SIGTERM. Environment:
 * BENCH_USERS (60: Upcoming shows a full page of 50).
 */
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { AdminApi, reminderAction, sessionCookieOf, signInWithCodeFlow } from '../harness/admin.ts';
import { OPERATOR } from '../harness/admin-auth.ts';
import { confirmUsers } from '../harness/consent.ts';
import { fixture, nextMonday, nineOnDay, uniqueEmail } from '../harness/scenario.ts';
import { TwinClient } from '../harness/twin-client.ts';
import { type RunningTwin, startTwinProcess } from '../harness/twin-process.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
process.chdir(ROOT); // the harness starts `infra/local/main.ts` relative to the working directory

const raw = process.env.BENCH_USERS;
const USERS = raw === undefined ? 60 : Number(raw);
if (!Number.isInteger(USERS) || USERS < 2 || USERS > 500) throw new Error('BENCH_USERS must be in [2, 500]');
const TARGET_KB = 100;
const ZONE = 'Europe/Berlin';
const COMPANIES = [
  'Acme Corp',
  'Globex',
  'Initech',
  'Umbrella',
  'Hooli',
  'Stark Industries',
  'Wayne Enterprises',
];

interface Weighed {
  readonly page: string;
  readonly status: number;
  readonly html: number;
  readonly htmlGzip: number;
  readonly css: number;
  readonly cssGzip: number;
  /** Table rows (`<tr>`, header rows included). */
  readonly rows: number;
  /** The email preview's framed document, when the page has one. */
  readonly frame?: number | undefined;
}

async function weigh(
  api: string,
  name: string,
  path: string,
  cookie: { cookie: string },
  css: Map<string, Buffer>,
): Promise<Weighed> {
  const res = await fetch(`${api}${path}`, { headers: cookie, redirect: 'manual' });
  const html = Buffer.from(await res.arrayBuffer());
  const text = html.toString('utf8');
  let cssBytes = Buffer.alloc(0);
  for (const href of [...text.matchAll(/<link rel="stylesheet" href="([^"]+)"/g)].map((m) => m[1] ?? '')) {
    let sheet = css.get(href);
    if (!sheet) {
      const got = await fetch(new URL(href, api));
      sheet = Buffer.from(await got.arrayBuffer());
      css.set(href, sheet);
    }
    cssBytes = Buffer.concat([cssBytes, sheet]);
  }
  const frameSrc = /<iframe[^>]*src="([^"]+)"/.exec(text)?.[1]?.replaceAll('&amp;', '&');
  let frame: number | undefined;
  if (frameSrc) {
    const got = await fetch(new URL(frameSrc, api), { headers: cookie });
    frame = (await got.arrayBuffer()).byteLength;
  }
  return {
    page: name,
    status: res.status,
    html: html.byteLength,
    htmlGzip: gzipSync(html).byteLength,
    css: cssBytes.byteLength,
    cssGzip: gzipSync(cssBytes).byteLength,
    rows: (text.match(/<tr[\s>]/g) ?? []).length,
    frame,
  };
}

async function main(): Promise<number> {
  let twin: RunningTwin | undefined;
  const stop = async () => {
    await twin?.stop();
    process.exit(130);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    twin = await startTwinProcess({ env: { REBOUND_QUIET: '1' } });
    const api = new TwinClient(twin.api);

    // Data: USERS confirmed users, a week of sending, three actions
    const t0 = nextMonday(await api.now(), ZONE);
    await api.advanceTo(t0);
    const emails = Array.from({ length: USERS }, () => uniqueEmail('bench-pages'));
    for (const [i, email] of emails.entries()) {
      const company = COMPANIES[i % COMPANIES.length] as string;
      const posted = await api.postEvent(
        fixture('application.submitted', { email, occurredAt: t0, company }),
      );
      if (posted.status !== 202) throw new Error(`POST /events answered ${posted.status}`);
    }
    await confirmUsers(api, emails);
    const operator = await AdminApi.as(twin.api, OPERATOR);
    const [first, second] = emails;
    const [cancel] = await operator.pending(first as string);
    if (!cancel) throw new Error('No pending reminder to cancel');
    await operator.post(reminderAction(cancel, 'cancel'));
    await operator.post(`users/${(await operator.user(second as string)).userId}/pause`, { weeks: 2 });
    await api.advanceTo(new Date(nineOnDay(t0, 7, ZONE).getTime() + 3_600_000));
    const user = await operator.user(emails[2] as string);
    const [pending] = user.pending;
    if (!pending) throw new Error('No pending reminder left for the preview');
    await operator.post(reminderAction(pending, 'reschedule'), {
      dueAt: new Date(Date.parse(pending.dueAt) + 86_400_000).toISOString(),
    });

    // Sign in as a browser does, then weigh every page
    const session = sessionCookieOf(await signInWithCodeFlow(twin.api, OPERATOR.email));
    const email = encodeURIComponent(user.email);
    const ids = `userId=${pending.userId}&reminderId=${pending.reminderId}`;
    const pages: [string, string][] = [
      ['Upcoming', '/admin/upcoming'],
      ['Find a user (empty)', '/admin/users'],
      ['User', `/admin/users?email=${email}`],
      ['Confirm: cancel', `/admin/confirm?action=reminder.cancel&${ids}&email=${email}`],
      ['Confirm: erase', `/admin/confirm?action=user.erase&userId=${pending.userId}&email=${email}`],
      ['Emails: sample', '/admin/emails?kind=follow_up'],
      ['Emails: reminder', `/admin/emails?${ids}`],
      ['Health', '/admin/health'],
      ['Audit', '/admin/audit'],
    ];
    const css = new Map<string, Buffer>();
    const results: Weighed[] = [];
    for (const [name, path] of pages) results.push(await weigh(twin.api, name, path, session, css));
    // The twin's sign-in page, where /admin/sign-in sends a browser (no session needed)
    const start = await fetch(`${twin.api}/admin/sign-in`, { redirect: 'manual' });
    const signIn = new URL(start.headers.get('location') ?? '');
    const path = `${signIn.pathname}${signIn.search}`;
    results.push(await weigh(twin.api, 'Sign-in (twin issuer)', path, { cookie: '' }, css));

    const kb = (n: number) => (n / 1024).toFixed(1);
    console.log(`\nAdmin pages with ${USERS} users (KB; gzip in brackets)`);
    console.log(
      `${'page'.padEnd(26)}${'status'.padStart(7)}${'HTML'.padStart(16)}${'CSS'.padStart(16)}${'total'.padStart(9)}${'rows'.padStart(6)}  frame`,
    );
    let failed = false;
    for (const r of results) {
      const total = r.html + r.css;
      const ok = r.status === 200 && total <= TARGET_KB * 1024;
      failed ||= !ok;
      console.log(
        `${r.page.padEnd(26)}${String(r.status).padStart(7)}${`${kb(r.html)} (${kb(r.htmlGzip)})`.padStart(16)}` +
          `${`${kb(r.css)} (${kb(r.cssGzip)})`.padStart(16)}${kb(total).padStart(9)}${String(r.rows).padStart(6)}  ${r.frame === undefined ? '' : kb(r.frame)}` +
          `${ok ? '' : `  over ${TARGET_KB} KB or not 200`}`,
      );
    }
    console.log(`Target: HTML + stylesheet <= ${TARGET_KB} KB per page: ${failed ? 'MISSED' : 'met'}`);
    return failed ? 1 : 0;
  } finally {
    await twin?.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
