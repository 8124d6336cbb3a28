/**
 * The end-of-scenario audit of the fault tests: read the whole table straight from DynamoDB Local (the URL
 * in `GET /_local/health`, not the metered proxy) and the twin's record of sent emails, then count double
 * emails and lost reminders the way issue 7 defines them.
 *
 * - **Double:** a reminder in two digests that were (or may have been) sent, or in two emails; an email
 *   for a digest that does not claim to have been sent by it.
 * - **Lost:** a reminder still pending well after it was due (unless held for its user's consent), or one
 *   claimed by a digest still in `sending` that nobody reported (the reconciler reports a digest stuck in
 *   `sending`; it is never resent automatically).
 */
import { itemsOf, type TableItem } from './table.ts';
import type { Email } from './twin-client.ts';

const text = (value: unknown): string => (typeof value === 'string' ? value : '');
const list = (value: unknown): string[] =>
  value instanceof Set || Array.isArray(value) ? [...value].map(String) : [];

export interface DeliveryAudit {
  readonly reminders: { readonly total: number; readonly byStatus: Readonly<Record<string, number>> };
  readonly digests: { readonly total: number; readonly byStatus: Readonly<Record<string, number>> };
  /** Digests still `sending` at the end: the email may or may not have gone out. */
  readonly sendingDigests: readonly string[];
  readonly doubles: {
    readonly inSeveralDigests: readonly string[];
    readonly inSeveralEmails: readonly string[];
    /** Message ids of reminder emails whose digest was released, is unknown, or records another email. */
    readonly emailsWithoutDigest: readonly string[];
    readonly total: number;
  };
  readonly lost: {
    readonly pendingOverdue: readonly string[];
    /** Claimed by a digest still in `sending` that no report names. */
    readonly sendingUnreported: readonly string[];
    readonly total: number;
  };
}

export interface AuditOptions {
  /** The virtual time at the end. */
  readonly now: Date;
  /** How late a pending reminder may be before it counts as lost. */
  readonly graceMs: number;
  /** Digest ids the reconciler reported as stuck (`stuckDigestReports`). @default none */
  readonly reportedStuck?: Iterable<string>;
}

const bump = (counts: Record<string, number>, key: string) => {
  counts[key] = (counts[key] ?? 0) + 1;
};

/** Double emails and lost reminders, from the table and the sent emails, at the end of a scenario. */
export function auditDelivery(
  items: readonly TableItem[],
  emails: readonly Email[],
  options: AuditOptions,
): DeliveryAudit {
  const reported = new Set(options.reportedStuck ?? []);
  const reminders = itemsOf(items, 'REMINDER');
  const digests = new Map(itemsOf(items, 'DIGEST').map((d) => [text(d.digestId), d]));
  const reminderStatus: Record<string, number> = {};
  const digestStatus: Record<string, number> = {};
  const digestsPerReminder = new Map<string, number>();
  const emailsPerReminder = new Map<string, number>();
  const emailsWithoutDigest: string[] = [];

  for (const digest of digests.values()) {
    const status = text(digest.status);
    bump(digestStatus, status);
    if (status !== 'sent' && status !== 'sending') continue;
    for (const id of list(digest.reminderIds))
      digestsPerReminder.set(id, (digestsPerReminder.get(id) ?? 0) + 1);
  }
  for (const email of emails) {
    const digestId = email.tags?.find((t) => t.name === 'digest')?.value;
    if (digestId === undefined) continue; // not a reminder email (a confirmation)
    const digest = digests.get(digestId);
    const status = text(digest?.status);
    const accounted = status === 'sending' || (status === 'sent' && digest?.messageId === email.messageId);
    if (!digest || !accounted) emailsWithoutDigest.push(email.messageId);
    for (const id of list(digest?.reminderIds))
      emailsPerReminder.set(id, (emailsPerReminder.get(id) ?? 0) + 1);
  }

  const pendingOverdue: string[] = [];
  // The reminders of an unreported digest in `sending`, whichever status the claim gave them.
  const unreported = new Set<string>();
  for (const digest of digests.values()) {
    if (digest.status === 'sending' && !reported.has(text(digest.digestId))) {
      for (const id of list(digest.reminderIds)) unreported.add(id);
    }
  }
  const overdueBefore = options.now.getTime() - options.graceMs;
  for (const reminder of reminders) {
    const id = text(reminder.reminderId);
    const status = text(reminder.status);
    bump(reminderStatus, status);
    // A held reminder waits for its user's consent, by design: late, not lost.
    const held = reminder.held === true;
    if (status === 'pending' && !held && Date.parse(text(reminder.dueAt)) < overdueBefore)
      pendingOverdue.push(id);
    if (status === 'sending' && !reported.has(text(reminder.digestId))) unreported.add(id);
  }
  const sendingUnreported = [...unreported].sort();
  const several = (counts: Map<string, number>) =>
    [...counts]
      .filter(([, n]) => n > 1)
      .map(([id]) => id)
      .sort();
  const inSeveralDigests = several(digestsPerReminder);
  const inSeveralEmails = several(emailsPerReminder);
  return {
    reminders: { total: reminders.length, byStatus: reminderStatus },
    digests: { total: digests.size, byStatus: digestStatus },
    sendingDigests: [...digests.values()].filter((d) => d.status === 'sending').map((d) => text(d.digestId)),
    doubles: {
      inSeveralDigests,
      inSeveralEmails,
      emailsWithoutDigest,
      total: inSeveralDigests.length + inSeveralEmails.length + emailsWithoutDigest.length,
    },
    lost: {
      pendingOverdue,
      sendingUnreported,
      total: pendingOverdue.length + sendingUnreported.length,
    },
  };
}

/**
 * The digest ids the reconciler reported stuck in `sending`, read from the twin's console. On AWS this is
 * the `StuckDigests` metric and its alarm; the twin has no CloudWatch, so the reconciler's WARN log line
 * ("Digests stuck in sending", with the ids) is where it shows.
 */
export function stuckDigestReports(output: string): Set<string> {
  const ids = new Set<string>();
  for (const line of output.split('\n')) {
    if (!line.includes('Digests stuck in sending')) continue;
    try {
      const entry = JSON.parse(line.slice(line.indexOf('{'))) as { digestIds?: unknown };
      for (const id of list(entry.digestIds)) ids.add(id);
    } catch {
      // a line cut by the output's tail
    }
  }
  return ids;
}
