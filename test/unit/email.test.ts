import { describe, expect, it } from 'vitest';
import { type ApplicationSnapshot, REMINDER_KINDS, type Reminder } from '#shared/domain/model.ts';
import { type DigestLinks, REMINDER_COPY, renderConfirmation, renderDigest } from '#shared/email/render.ts';
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

/** The entities the JSX renderer writes for the five characters HTML gives meaning to. */
const ENTITIES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** `value` as it must appear in an HTML text node or attribute. */
const escaped = (value: string): string => value.replace(/[&<>"']/g, (char) => ENTITIES[char] ?? char);

/** The `href` values of the HTML part, as a browser would read them. */
function hrefs(html: string): string[] {
  const decode = Object.fromEntries(Object.entries(ENTITIES).map(([char, entity]) => [entity, char]));
  return [...html.matchAll(/href="([^"]*)"/g)].map(([, raw = '']) =>
    raw.replace(/&(?:amp|lt|gt|quot|#39);/g, (entity) => decode[entity] ?? entity),
  );
}

/** The tag names of an HTML document, to prove that no value became markup. */
function tagNames(html: string): Set<string> {
  return new Set([...html.matchAll(/<\/?([a-zA-Z][\w-]*)/g)].map(([, name = '']) => name.toLowerCase()));
}

/** The attribute names of an HTML document: a value that broke out of its quotes would add one. */
function attributeNames(html: string): Set<string> {
  return new Set([...html.matchAll(/\s([\w-]+)="/g)].map(([, name = '']) => name.toLowerCase()));
}

const EMAIL_TAGS = new Set([
  'html',
  'head',
  'meta',
  'title',
  'body',
  'div',
  'h1',
  'h2',
  'h3',
  'p',
  'strong',
  'a',
  'br',
  'blockquote',
  'hr',
]);

const EMAIL_ATTRIBUTES = new Set([
  'lang',
  'dir',
  'charset',
  'name',
  'content',
  'style',
  'role',
  'aria-roledescription',
  'aria-label',
  'href',
]);

/** The email's markup or an entity in a plain-text part ("Jane <jane@acme.test>" is text, not markup). */
const HTML_IN_TEXT = new RegExp(`</?(?:${[...EMAIL_TAGS].join('|')})\\b|&(?:[a-z]+|#\\d+|#x[\\da-f]+);`, 'i');

/** The links a caller would compute for `reminders`; tokens carry `&`, `=` and `.` like real ones. */
function linksFor(reminders: readonly Reminder[]): DigestLinks {
  const url = (action: string, target: string) =>
    `https://rebound.test/links/${action}?t=eyJ.${target}.c2ln==&via=email`;
  return {
    perReminder: Object.fromEntries(
      reminders.map(({ reminderId }) => [
        reminderId,
        { done: url('done', reminderId), snooze: url('snooze', reminderId), stop: url('stop', reminderId) },
      ]),
    ),
    preferences: url('preferences', 'u_1'),
    unsubscribe: url('unsubscribe', 'u_1'),
  };
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

  it('turns no value an integrator or user sends into markup', () => {
    // Prepare
    const hostile = (field: string) => `<img src=x onerror=alert('${field}')>" onclick="x&`;
    const reminders = [
      reminder({
        application: application({
          company: hostile('company'),
          role: hostile('role'),
          contact: { name: hostile('contact'), email: `${hostile('email')}@acme.test` },
        }),
      }),
      reminder({ reminderId: 'r_2', application: application({ contact: { name: hostile('copy') } }) }),
    ];
    const user = { email: hostile('recipient'), name: hostile('user'), timezone: hostile('zone') };

    // Act
    const email = renderDigest(user, reminders, { links: linksFor(reminders) });

    // Assess
    expect([...tagNames(email.html)].filter((tag) => !EMAIL_TAGS.has(tag))).toEqual([]);
    expect([...attributeNames(email.html)].filter((name) => !EMAIL_ATTRIBUTES.has(name))).toEqual([]);
    expect(email.html).not.toContain('<img');
    expect(email.html).toContain(escaped(hostile('user')));
    expect(email.text).toContain(hostile('user'));
    expect(email.text).toContain(hostile('recipient'));
  });

  it('shows a company named like an HTML tag as text in the HTML part and verbatim in the text part', () => {
    // Prepare
    const company = '<img src=x onerror=alert(1)>';
    const reminders = [reminder({ application: application({ company }) })];

    // Act
    const email = renderDigest(recipient, reminders, { links: linksFor(reminders) });

    // Assess
    expect(email.html).not.toContain('<img');
    expect(email.html).toContain('<strong>&lt;img src=x onerror=alert(1)&gt;</strong>');
    expect(email.html).toContain('>Stop reminders for &lt;img src=x onerror=alert(1)&gt;</a>');
    expect(email.text).toContain(`\n${company} - Backend Engineer\n`);
    expect(email.text).toContain(`\nStop reminders for ${company}: https://`);
    expect(email.subject).toBe(`Time to follow up with ${company}`);
  });

  it('offers done, snooze and stop beside every reminder, and preferences and unsubscribe in the footer, when links are given', () => {
    // Prepare
    const reminders = [
      reminder(),
      reminder({ reminderId: 'r_2', kind: 'reconnect', application: application({ company: 'Globex' }) }),
    ];
    const links = linksFor(reminders);

    // Act
    const email = renderDigest(recipient, reminders, { links });

    // Assess
    const actions = Object.values(links.perReminder).flatMap(({ done, snooze, stop }) => [
      done,
      snooze,
      stop,
    ]);
    const urls = hrefs(email.html).filter((href) => !href.startsWith('mailto:'));
    expect(urls).toEqual([...actions, links.preferences, links.unsubscribe]);
    expect(email.html).toContain(`href="${escaped(links.unsubscribe)}"`);
    expect(email.html.match(/>I did it<\/a>/g)).toHaveLength(2);
    expect(email.html.match(/>Snooze<\/a>/g)).toHaveLength(2);
    expect(email.html).toContain('>Stop reminders for Acme Corp</a>');
    expect(email.html).toContain('>Stop reminders for Globex</a>');
    expect(email.html).toContain('>Manage preferences</a>');
    expect(email.html).toContain('>Unsubscribe</a>');
    expect(email.text).toContain(`\nI did it: ${links.perReminder.r_1?.done}\n`);
    expect(email.text).toContain(`\nSnooze: ${links.perReminder.r_1?.snooze}\n`);
    expect(email.text).toContain(`\nStop reminders for Globex: ${links.perReminder.r_2?.stop}\n`);
    expect(email.text).toContain(`\nManage preferences: ${links.preferences}\n`);
    expect(email.text.endsWith(`\nUnsubscribe: ${links.unsubscribe}\n`)).toBe(true);
  });

  it('offers no actions and no footer links when no links are given', () => {
    // Prepare
    const reminders = [reminder()];

    // Act
    const email = renderDigest(recipient, reminders);

    // Assess
    expect(hrefs(email.html).every((href) => href.startsWith('mailto:'))).toBe(true);
    for (const label of ['I did it', 'Snooze', 'Stop reminders for', 'Manage preferences', 'Unsubscribe']) {
      expect(email.html).not.toContain(label);
      expect(email.text).not.toContain(label);
    }
    expect(email.text).not.toContain('https://');
  });

  it('leaves out the actions of a reminder the caller has no links for, and keeps the footer', () => {
    // Prepare
    const acme = reminder();
    const reminders = [
      acme,
      reminder({ reminderId: 'r_2', application: application({ company: 'Globex' }) }),
    ];
    const links = linksFor([acme]);

    // Act
    const email = renderDigest(recipient, reminders, { links });

    // Assess
    expect(email.html).toContain('>Stop reminders for Acme Corp</a>');
    expect(email.html).not.toContain('Stop reminders for Globex');
    expect(email.html.match(/>I did it<\/a>/g)).toHaveLength(1);
    expect(email.text).toContain(`\nUnsubscribe: ${links.unsubscribe}\n`);
  });

  it('writes no HTML in the text part', () => {
    // Prepare
    const reminders = [
      reminder({ application: application({ role: 'R&D Engineer' }) }),
      reminder({ reminderId: 'r_2', kind: 'ask_feedback', application: application({ contact: undefined }) }),
    ];

    // Act
    const email = renderDigest(recipient, reminders, { links: linksFor(reminders) });

    // Assess
    expect(email.text).not.toMatch(HTML_IN_TEXT);
    expect(email.text).toContain('R&D Engineer');
    expect(email.text).toContain('&via=email');
  });

  it('refuses to render a digest without reminders', () => {
    // Act
    const render = () => renderDigest(recipient, []);

    // Assess
    expect(render).toThrow(ReboundError);
  });
});

describe('renderConfirmation', () => {
  const links = {
    confirmUrl: 'https://rebound.test/links/confirm?t=eyJ.confirm.c2ln==&via=email',
    notMeUrl: 'https://rebound.test/links/not-me?t=eyJ.not-me.c2ln==&via=email',
  };

  it('says what Rebound is, who asked for it and that nothing is sent before a yes', () => {
    // Act
    const email = renderConfirmation(recipient, links);

    // Assess
    expect(email.subject).toBe('Do you want job-search reminders from Rebound?');
    for (const part of [email.html, email.text]) {
      expect(part).toMatch(/follow up.*say thank you.*ask for feedback.*get back in touch/);
      expect(part).toContain('You, or a career service helping you, asked us');
      expect(part).toContain('sam@example.com');
      expect(part).toContain('We will not send any until you say yes.');
      expect(part).toContain('Hi Sam Rivera,');
    }
  });

  it('offers one button to confirm and a link that stops all email to the address', () => {
    // Act
    const email = renderConfirmation(recipient, links);

    // Assess
    expect(hrefs(email.html)).toEqual([links.confirmUrl, links.notMeUrl]);
    expect(email.html).toContain(`href="${escaped(links.confirmUrl)}"`);
    expect(email.html).toMatch(/>Yes, send me reminders<\/a>/);
    expect(email.html).toMatch(/>This wasn&#39;t me<\/a> stops all email to this address, for good\./);
    expect(email.text).toContain(`Yes, send me reminders:\n${links.confirmUrl}\n`);
    expect(email.text).toContain('stops all email to this address, for good');
    expect(email.text).toContain(`This wasn't me: ${links.notMeUrl}\n`);
  });

  it('escapes the name and address in the HTML part and keeps them verbatim in the text part', () => {
    // Prepare
    const hostile = { email: '"<b>"@example.com', name: '<img src=x onerror=alert(1)>' };

    // Act
    const email = renderConfirmation(hostile, links);

    // Assess
    expect(email.html).not.toContain('<img');
    expect(email.html).not.toContain('<b>');
    expect(email.html).toContain('Hi &lt;img src=x onerror=alert(1)&gt;,');
    expect(email.html).toContain(escaped(hostile.email));
    expect(email.text).toContain(`Hi ${hostile.name},`);
    expect(email.text).toContain(hostile.email);
  });

  it('greets neutrally when the name is unknown and writes no HTML in the text part', () => {
    // Act
    const email = renderConfirmation({ email: 'sam@example.com', name: '  ' }, links);

    // Assess
    expect(email.text).toContain('\nHi there,\n');
    expect(email.text).not.toMatch(HTML_IN_TEXT);
    expect(email.html).toMatch(/^<!DOCTYPE html>\n<html lang="en"/);
    expect(email.html).not.toMatch(/<img|<link|<script|<iframe|url\(/i);
  });
});
