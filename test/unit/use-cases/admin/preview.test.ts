/** Email previews: a kind with sample data, or a stored reminder with its user's data, escaped as sent. */
import { beforeEach, describe, expect, it } from 'vitest';
import { REMINDER_KINDS, type Reminder } from '#shared/domain/model.ts';
import { NotFoundError } from '#shared/errors.ts';
import { type AdminWorld, adminWorld } from './support.ts';
import { samApplied } from './world.ts';

const NOW = '2026-12-01T10:00:30.000Z';
const XSS = '<img src=x onerror=alert(1)>';

let w: AdminWorld;

beforeEach(() => {
  w = adminWorld(NOW);
});

describe('previewing an email', () => {
  it.each(REMINDER_KINDS)('renders the %s email with sample data and no links', async (kind) => {
    const preview = await w.service.previewEmail({ kind });
    expect(preview).toMatchObject({ kind, fromReminder: false });
    expect(preview.subject.length).toBeGreaterThan(0);
    expect(preview.html).toContain('Example Corp');
    expect(preview.text).toContain('Example Corp');
    expect(preview.html).not.toMatch(/\/links\//);
  });

  it('answers NotFoundError for a kind that does not exist', async () => {
    await expect(w.service.previewEmail({ kind: 'birthday' })).rejects.toBeInstanceOf(NotFoundError);
  });

  it('renders a stored reminder with its user’s name, escaping what the integrator sent', async () => {
    const { userId, pending } = await samApplied(w, XSS, 'xss-app');
    const reminder = pending[0] as Reminder;
    const preview = await w.service.previewEmail({ userId, reminderId: reminder.reminderId });
    expect(preview).toMatchObject({ kind: 'follow_up', fromReminder: true });
    expect(preview.html).toContain('&lt;img');
    expect(preview.html).not.toContain(XSS);
    expect(preview.html).toContain('Sam Rivera');
    expect(preview.subject).toContain(XSS);
  });

  it('answers NotFoundError for a reminder that is not stored', async () => {
    const { userId } = await samApplied(w);
    await expect(w.service.previewEmail({ userId, reminderId: 'r_nope' })).rejects.toBeInstanceOf(
      NotFoundError,
    );
  });
});
