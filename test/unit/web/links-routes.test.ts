import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { UserAction } from '../../../events/user-action.ts';
import { LinkTokens } from '../../../shared/adapters/link-tokens.ts';
import type { LinkClaims } from '../../../shared/links/actions.ts';
import { createLinksApp, type LinksService } from '../../../shared/web/links/routes.tsx';
import { SettableClock } from '../../support/fakes.ts';

function setup() {
  const clock = new SettableClock('2027-01-04T09:00:00Z');
  const tokens = new LinkTokens({ current: 'k1', keys: { k1: randomBytes(32).toString('base64') } }, clock);
  const recorded: { claims: LinkClaims; change: UserAction; via: string }[] = [];
  const service: LinksService = {
    verify: (token, action) => tokens.verify(token, action),
    context: async () => ({ company: 'Acme <b>Corp</b>', reminderLabel: 'Follow-up' }),
    record: async (claims, change, via) => {
      recorded.push({ claims, change, via });
    },
  };
  const app = createLinksApp(service);
  const form = (body: string) => ({
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body,
  });
  return { app, tokens, recorded, clock, form };
}

describe('the links routes', () => {
  it('shows a page with one button on GET and changes nothing', async () => {
    const { app, tokens, recorded } = setup();
    const t = await tokens.sign({ userId: 'u1', action: 'stop', target: 'acme' });
    const res = await app.request(`/links/stop?t=${t}`);
    const html = await res.text();
    expect(res.status).toBe(200);
    expect(html).toContain('Stop reminders for this application');
    expect(html).toContain('Acme &lt;b&gt;Corp&lt;/b&gt;');
    expect(recorded).toEqual([]);
  });

  it('sends the security headers on every page', async () => {
    const { app, tokens } = setup();
    const t = await tokens.sign({ userId: 'u1', action: 'confirm' });
    const res = await app.request(`/links/confirm?t=${t}`);
    expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    expect(res.headers.get('cache-control')).toBe('no-store');
  });

  it('records the change on POST and shows the result', async () => {
    const { app, tokens, recorded, form } = setup();
    const t = await tokens.sign({ userId: 'u1', action: 'confirm' });
    const res = await app.request(`/links/confirm?t=${t}`, form(''));
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('You will get reminders');
    expect(recorded).toEqual([
      {
        claims: { userId: 'u1', action: 'confirm', target: undefined },
        change: { type: 'consent.confirmed' },
        via: 'link',
      },
    ]);
  });

  it('unsubscribes on an RFC 8058 one-click POST with a plain 200', async () => {
    const { app, tokens, recorded, form } = setup();
    const t = await tokens.sign({ userId: 'u1', action: 'unsubscribe' });
    const res = await app.request(`/links/unsubscribe?t=${t}`, form('List-Unsubscribe=One-Click'));
    expect(res.status).toBe(200);
    expect(recorded.map((r) => [r.change.type, r.via])).toEqual([['consent.unsubscribed', 'one-click']]);
  });

  it('refuses a tampered token with a 400 page that says what to do, and records nothing', async () => {
    const { app, tokens, recorded, form } = setup();
    const t = await tokens.sign({ userId: 'u1', action: 'unsubscribe' });
    const res = await app.request(`/links/unsubscribe?t=${t.slice(0, -3)}abc`, form(''));
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('Manage preferences');
    expect(recorded).toEqual([]);
  });

  it('refuses an expired action link with 410 and records nothing', async () => {
    const { app, tokens, recorded, clock, form } = setup();
    const t = await tokens.sign({ userId: 'u1', action: 'done', target: 'r1' });
    clock.advance(61 * 24 * 60 * 60 * 1000);
    const res = await app.request(`/links/done?t=${t}`, form(''));
    expect(res.status).toBe(410);
    expect(await res.text()).toContain('This link has expired');
    expect(recorded).toEqual([]);
  });

  it('asks again, naming the field, when the snooze form has no choice', async () => {
    const { app, tokens, recorded, form } = setup();
    const t = await tokens.sign({ userId: 'u1', action: 'snooze', target: 'r1' });
    const res = await app.request(`/links/snooze?t=${t}`, form(''));
    const html = await res.text();
    expect(res.status).toBe(400);
    expect(html).toContain('There is a problem');
    expect(html).toContain('href="#days"');
    expect(recorded).toEqual([]);
  });

  it('turns unticked kinds into opt-outs and a pause choice into weeks', async () => {
    const { app, tokens, recorded, form } = setup();
    const t = await tokens.sign({ userId: 'u1', action: 'preferences' });
    const body =
      'intent=save&kinds=follow_up&kinds=thank_you&kinds=ask_feedback&kinds=apply_formally&pause=4';
    const res = await app.request(`/links/preferences?t=${t}`, form(body));
    expect(res.status).toBe(200);
    expect(recorded[0]?.change).toEqual({
      type: 'preferences.updated',
      optOuts: ['reconnect'],
      pauseWeeks: 4,
    });
  });

  it('serves the one stylesheet', async () => {
    const { app } = setup();
    const res = await app.request('/assets/rebound.css');
    expect(res.headers.get('content-type')).toContain('text/css');
    expect(await res.text()).toContain('.error-summary');
  });
});
