import type { EmailPreview } from '../../../events/admin-api.ts';
import { REMINDER_KINDS, type Reminder, type ReminderKind } from '../../domain/model.ts';
import { renderDigest } from '../../email/render.ts';
import { NotFoundError } from '../../errors.ts';
import type { AdminDeps } from './deps.ts';

export type PreviewInput =
  | { readonly kind: string }
  | { readonly userId: string; readonly reminderId: string };

/** The sample user and application a kind's preview is rendered with: plainly invented. */
export const SAMPLE = {
  recipient: { email: 'sam.sample@example.com', name: 'Sam Sample', timezone: 'Europe/Berlin' },
  application: {
    ref: 'sample-application',
    company: 'Example Corp',
    role: 'Backend Engineer',
    contact: { name: 'Jordan Lee', email: 'jordan.lee@example.com' },
  },
} as const;

const isKind = (kind: string): kind is ReminderKind => (REMINDER_KINDS as readonly string[]).includes(kind);

/**
 * An email as the sender would render it, without its action links (the admin function holds no link keys,
 * and a preview must not carry working links anyway).
 *
 * Input: a kind (sample data) or a stored reminder (its own data and its user's profile).
 * Output: subject, HTML (escaped exactly as sent) and text.
 * @throws NotFoundError for an unknown kind, or a reminder or profile that is not stored.
 */
export async function previewEmail(
  input: PreviewInput,
  deps: Pick<AdminDeps, 'store' | 'clock'>,
): Promise<EmailPreview> {
  if ('kind' in input) {
    if (!isKind(input.kind)) throw new NotFoundError(`Email kind ${input.kind}`);
    const reminder = sampleReminder(input.kind, deps.clock.now());
    return { kind: input.kind, ...renderDigest(SAMPLE.recipient, [reminder], {}), fromReminder: false };
  }
  const reminder = await deps.store.getReminder(input.userId, input.reminderId);
  if (!reminder) throw new NotFoundError(`Reminder ${input.reminderId}`);
  const profile = await deps.store.getProfile(input.userId);
  if (!profile) throw new NotFoundError(`Profile of user ${input.userId}`);
  const recipient = { email: profile.email, name: profile.name, timezone: profile.timezone };
  return { kind: reminder.kind, ...renderDigest(recipient, [reminder], {}), fromReminder: true };
}

function sampleReminder(kind: ReminderKind, now: Date): Reminder {
  return {
    reminderId: 'r_sample',
    userId: 'u_sample',
    kind,
    sequence: 1,
    status: 'pending',
    dueAt: now.toISOString(),
    application: SAMPLE.application,
    sourceEventId: 'sample-event',
    scheduleName: 'rebound-r-sample',
    createdAt: now.toISOString(),
  };
}
