/** @jsxImportSource hono/jsx */
/** Audit: every operator action, newest first, with what it changed; paginated by the API's cursor. */
import type { AdminPrincipal, AuditEntry, AuditPage } from '../../../../events/admin-api.ts';
import { AUDIT_RETENTION_DAYS } from '../../../table-definition.ts';
import { Table } from '../../components.tsx';
import { AdminPage, qs, Tag, utc } from './frame.tsx';

/** A state before or after, as compact JSON (escaped by JSX like everything else). */
function state(value: unknown): string {
  if (value === undefined || value === null) return '–';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function target(e: AuditEntry): string {
  return [e.userId, e.reminderId ?? e.digestId].filter(Boolean).join(' / ');
}

export function AuditLogPage(props: {
  readonly principal: AdminPrincipal;
  readonly page: AuditPage;
  readonly limit: number;
}) {
  const next = props.page.next
    ? `/admin/audit${qs({ limit: props.limit, cursor: props.page.next })}`
    : undefined;
  return (
    <AdminPage title="Audit log" principal={props.principal}>
      <h1>Audit log</h1>
      <p>Every action an operator took, newest first. Entries are kept for {AUDIT_RETENTION_DAYS} days.</p>
      <Table
        caption="Operator actions, newest first"
        head={['When (UTC)', 'Who', 'What', 'Target', 'Before → after', 'Outcome']}
        empty="No actions yet."
        rows={props.page.items.map((e) => [
          utc(e.at),
          e.actor,
          <>
            {e.action}
            {e.input ? <span class="muted"> {JSON.stringify(e.input)}</span> : null}
          </>,
          <code>{target(e)}</code>,
          <code>{`${state(e.before)} → ${state(e.after)}`}</code>,
          <Tag tone={e.outcome === 'applied' ? 'sent' : e.outcome === 'failed' ? 'failed' : 'pending'}>
            {e.outcome}
          </Tag>,
        ])}
      />
      {next ? (
        <p>
          <a href={next}>Next page</a>
        </p>
      ) : null}
    </AdminPage>
  );
}
