/**
 * The admin use cases behind `AdminService` (`shared/web/admin/port.ts`): reads for the pages and the JSON
 * API, and the operator's actions. Each lives in its own module and takes the ports it needs; this binds them
 * to one set of dependencies.
 */
import type { AuditPage } from '../../../events/admin-api.ts';
import type { AdminService } from '../../web/admin/port.ts';
import { act } from './act.ts';
import type { AdminDeps } from './deps.ts';
import { health } from './health.ts';
import { listReminders, upcomingByDay } from './list-reminders.ts';
import { previewEmail } from './preview.ts';
import { findUser, findUserById } from './user-view.ts';

export type { AdminDeps } from './deps.ts';

export function adminService(deps: AdminDeps): AdminService {
  return {
    listReminders: (query) => listReminders(query, deps),
    upcomingByDay: (days) => upcomingByDay(days, deps),
    findUser: (email) => findUser(email, deps),
    findUserById: (userId) => findUserById(userId, deps),
    previewEmail: (input) => previewEmail(input, deps),
    health: () => health(deps),
    listAudit: (limit, cursor) => listAudit(limit, cursor, deps),
    act: (principal, action, idempotencyKey) => act(principal, action, idempotencyKey, deps),
  };
}

/** The audit trail, newest first. */
async function listAudit(limit: number, cursor: string | undefined, deps: AdminDeps): Promise<AuditPage> {
  const page = await deps.audit.list(limit, cursor);
  return {
    items: page.items.map((r) => ({ ...r, action: r.action as AuditPage['items'][number]['action'] })),
    next: page.next ?? null,
  };
}
