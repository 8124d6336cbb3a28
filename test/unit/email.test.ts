import Handlebars from 'handlebars';
import { describe, expect, it } from 'vitest';
import { type ApplicationSnapshot, REMINDER_KINDS, type Reminder } from '#shared/domain/model.ts';
import { REMINDER_COPY, renderDigest } from '#shared/email/render.ts';
import { DIGEST_HTML } from '#shared/email/templates.ts';
import { ReboundError } from '#shared/errors.ts';

const recipient = { email: 'sam@example.com', name: 'Sam Rivera', timezone: 'Europe/Berlin' };

function application(overrides: Partial<ApplicationSnapshot> = {}): ApplicationSnapshot {
  return {
    ref: 'acme-backend',
    company: 'Acme Corp',
    role: 'Backend Engineer',
    contact: { name: 'Jane Doe', email: 'jane@acme.test' },
    ...overrides,
  };
}

function reminder(overrides: Partial<Reminder> = {}): Reminder {
  return {
    reminderId: 'r_1',
    userId: 'u_1',
    kind: 'follow_up',
    sequence: 1,
    status: 'pending',
    dueAt: '2026-11-30T08:00:00.000Z',
    application: application(),
    sourceEventId: 'evt-1',
    scheduleName: 'rebound-r-1',
    createdAt: '2026-11-16T08:00:00.000Z',
    ...overrides,
  };
}

const escaped = (value: string): string => Handlebars.escapeExpression(value);

const ENTITIES: Readonly<Record<string, string>> = {
  '&amp;': '&',
  '&lt;': '<',
  '&gt;': '>',
  '&quot;': '"',
  '&#x27;': "'",
  '&#x60;': '`',
  '&#x3D;': '=',
};

/** The `href` values of the HTML part, as a browser would read them. */
function hrefs(html: string): string[] {
  return [...html.matchAll(/href="([^"]*)"/g)].map(([, raw = '']) =>
    raw.replace(/&(?:amp|lt|gt|quot|#x27|#x60|#x3D);/g, (entity) => ENTITIES[entity] ?? entity),
  );
}

describe('renderDigest', () => {
  it('names the company in the subject when there is one reminder', () => {
    // Prepare
    const reminders = [reminder()];

    // Act
    const email = renderDigest(recipient, reminders);

    // Assess
    expect(email.subject).toBe('Time to follow up with Acme Corp');
  });

  it('gives the count in the subject and lists every company in both formats when there are several', () => {
    // Prepare
    const companies = ['Acme Corp', 'Globex', 'Initech'];
    const reminders = companies.map((company, index) =>
      reminder({ reminderId: `r_${index}`, application: application({ ref: `app-${index}`, company }) }),
    );

    // Act
    const email = renderDigest(recipient, reminders);

    // Assess
    expect(email.subject).toBe('3 next steps for your job search today');
    for (const company of companies) {
      expect(email.html).toContain(`<strong>${company}</strong>`);
      expect(email.text).toContain(company);
    }
  });

  it('names the company in the subject when several reminders all concern it', () => {
    // Prepare
    const reminders = [reminder({ kind: 'thank_you' }), reminder({ reminderId: 'r_2', kind: 'follow_up' })];

    // Act
    const email = renderDigest(recipient, reminders);

    // Assess
    expect(email.subject).toBe('2 next steps with Acme Corp today');
  });

  it.each(REMINDER_KINDS)('renders the title and reason of a %s reminder in both formats', (kind) => {
    // Prepare
    const { title, why } = REMINDER_COPY[kind];

    // Act
    const email = renderDigest(recipient, [reminder({ kind })]);

    // Assess
    expect(email.html).toMatch(new RegExp(`<h2 [^>]*>${escaped(title)}</h2>`));
    expect(email.html).toContain(escaped(why));
    expect(email.text).toContain(title);
    expect(email.text).toContain(why);
  });

  it('renders the second follow-up as the final nudge', () => {
    // Prepare
    const final = REMINDER_COPY.follow_up.final;

    // Act
    const email = renderDigest(recipient, [reminder({ kind: 'follow_up', sequence: 2 })]);

    // Assess
    expect(final).toBeDefined();
    expect(email.subject).toBe('One last follow-up with Acme Corp');
    expect(email.text).toContain(final?.title ?? 'missing final copy');
    expect(email.text).not.toContain(REMINDER_COPY.follow_up.title);
  });

  it('greets the contact by name and links a draft with the encoded subject and body when the contact email is known', () => {
    // Prepare
    const reminders = [reminder({ application: application({ role: 'R&D Engineer' }) })];

    // Act
    const email = renderDigest(recipient, reminders);

    // Assess
    const [href, ...others] = hrefs(email.html);
    expect(others).toEqual([]);
    const url = new URL(href ?? 'missing:');
    const subject = url.searchParams.get('subject') ?? '';
    const body = url.searchParams.get('body') ?? '';
    expect(url.protocol).toBe('mailto:');
    expect(url.pathname).toBe('jane@acme.test');
    expect(subject).toBe('Following up on my application: R&D Engineer');
    expect(body).toMatch(/^Hello Jane Doe,\r\n\r\n/);
    expect(body).toContain('the R&D Engineer role at Acme Corp');
    expect(body).toMatch(/\r\n\r\nBest regards,\r\nSam Rivera$/);
    expect(href).toBe(
      `mailto:jane@acme.test?subject=${encodeURIComponent(subject)}&body=${encodeURIComponent(body)}`,
    );
    expect(email.html).toContain(`href="${escaped(href ?? '')}"`);
    expect(email.html).toContain('Write to Jane Doe</a>');
    expect(email.text).toContain(href);
    expect(email.text).toContain('Hello Jane Doe,\n\n');
  });

  it('shows the message to copy and no mailto link when the contact email is unknown', () => {
    // Prepare
    const reminders = [reminder({ application: application({ contact: { name: 'Jane Doe' } }) })];

    // Act
    const email = renderDigest(recipient, reminders);

    // Assess
    expect(email.html).not.toContain('mailto:');
    expect(email.text).not.toContain('mailto:');
    expect(email.html).toContain('<p style="margin:0 0 12px;">Hello Jane Doe,</p>');
    expect(email.text).toContain('Hello Jane Doe,\n\n');
    expect(email.text).toContain('send it yourself');
  });

  it('uses a neutral greeting in the message when the contact is unknown', () => {
    // Prepare
    const reminders = [reminder({ application: application({ contact: undefined, role: undefined }) })];

    // Act
    const email = renderDigest(recipient, reminders);

    // Assess
    expect(email.text).toContain('\nHello,\n\n');
    expect(email.text).toContain('the open role at Acme Corp');
    expect(email.text).toContain('your contact at Acme Corp');
    expect(email.html).not.toContain('mailto:');
  });

  it('escapes a hostile company name in the HTML part and keeps it verbatim in the text part', () => {
    // Prepare
    const company = '<script>alert(1)</script> & "Co"';
    const reminders = [reminder({ application: application({ company }) })];

    // Act
    const email = renderDigest(recipient, reminders);

    // Assess
    expect(email.html).not.toContain('<script>');
    expect(email.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;Co&quot;');
    expect(email.text).toContain(company);
    expect(email.subject).toBe(`Time to follow up with ${company}`);
  });

  it('keeps the subject on one line when a company name contains line breaks', () => {
    // Prepare
    const reminders = [
      reminder({ application: application({ company: 'Acme\r\nBcc: someone@example.com' }) }),
    ];

    // Act
    const email = renderDigest(recipient, reminders);

    // Assess
    expect(email.subject).toBe('Time to follow up with Acme Bcc: someone@example.com');
  });

  it('explains in both formats why the user gets the email', () => {
    // Prepare
    const reminders = [reminder()];

    // Act
    const email = renderDigest(recipient, reminders);

    // Assess
    const footer =
      /because you, or a career service helping you, sent Rebound updates about your job applications/;
    expect(email.html).toMatch(footer);
    expect(email.text).toMatch(footer);
    expect(email.html).toContain('This email was sent to sam@example.com.');
    expect(email.text).toContain('This email was sent to sam@example.com.');
  });

  it('greets the user by name and signs the message with it when the name is known', () => {
    // Prepare
    const reminders = [reminder({ application: application({ contact: undefined }) })];

    // Act
    const email = renderDigest(recipient, reminders);

    // Assess
    expect(email.html).toContain('<p style="margin:0 0 16px;">Hi Sam Rivera,</p>');
    expect(email.text).toContain('\nHi Sam Rivera,\n');
    expect(email.text).toContain('Best regards,\nSam Rivera\n');
  });

  it('greets the user neutrally and leaves the signature blank when the name is unknown', () => {
    // Prepare
    const anonymous = { email: 'sam@example.com', timezone: 'Europe/Berlin' };

    // Act
    const email = renderDigest(anonymous, [reminder({ application: application({ contact: undefined }) })]);

    // Assess
    expect(email.text).toContain('\nHi there,\n');
    expect(email.text).toContain('\nBest regards\n');
    expect(email.text).not.toContain('Best regards,');
  });

  it("dates the email by the recipient's time zone", () => {
    // Prepare
    const reminders = [reminder({ dueAt: '2026-11-30T23:30:00.000Z' })];

    // Act
    const tokyo = renderDigest({ ...recipient, timezone: 'Asia/Tokyo' }, reminders);
    const newYork = renderDigest({ ...recipient, timezone: 'America/New_York' }, reminders);

    // Assess
    expect(tokyo.text).toMatch(/Tuesday,? 1 December 2026/);
    expect(newYork.text).toMatch(/Monday,? 30 November 2026/);
  });

  it('renders an accessible HTML part without external assets', () => {
    // Prepare
    const reminders = [reminder(), reminder({ reminderId: 'r_2', kind: 'reconnect' })];

    // Act
    const { html } = renderDigest(recipient, reminders);

    // Assess
    expect(html).toMatch(/^<!DOCTYPE html>\n<html lang="en"/);
    expect(html).toContain('<h1 ');
    expect(html).not.toMatch(/<img|<link|<script|<iframe|url\(|\b(?:src|href)="(?:https?:)?\/\//i);
  });

  it('never lets the HTML template bypass escaping', () => {
    // Assess
    expect(DIGEST_HTML).not.toContain('{{{');
    expect(DIGEST_HTML).not.toContain('{{&');
  });

  it('refuses to render a digest without reminders', () => {
    // Act
    const render = () => renderDigest(recipient, []);

    // Assess
    expect(render).toThrow(ReboundError);
  });
});
