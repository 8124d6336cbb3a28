/** @jsxImportSource hono/jsx */
/**
 * Emails: what a kind's email looks like with sample data, or what a real pending reminder's will be. The
 * HTML part is shown in a sandboxed iframe (no scripts, no same-origin access) whose document is served by
 * `/admin/emails/render` with its own CSP; the text part is shown as text. Both come escaped: the subject and
 * text through JSX, the HTML only ever as the iframe's separate document.
 */
import type { AdminPrincipal, EmailPreview } from '../../../../events/admin-api.ts';
import { REMINDER_KINDS_FOR_CONTRACT } from '../../../../events/reminder-kinds.ts';
import { Button, ErrorSummary, type FieldError, Select } from '../../components.tsx';
import { AdminPage, KIND_SHORT, qs } from './frame.tsx';

export type PreviewTarget =
  | { readonly kind: string }
  | { readonly userId: string; readonly reminderId: string };

export function EmailsPage(props: {
  readonly principal: AdminPrincipal;
  readonly target?: PreviewTarget | undefined;
  readonly preview?: EmailPreview | undefined;
  readonly errors?: readonly FieldError[];
}) {
  const { preview, target } = props;
  const errors = props.errors ?? [];
  const kind = target && 'kind' in target ? target.kind : preview?.kind;
  return (
    <AdminPage title={errors.length ? 'Error: Emails' : 'Emails'} principal={props.principal}>
      <h1>Emails</h1>
      <ErrorSummary errors={errors} />
      <form method="get" action="/admin/emails" class="filters">
        <Select
          id="kind"
          label="Kind of reminder"
          value={kind}
          options={REMINDER_KINDS_FOR_CONTRACT.map((k) => ({ value: k, label: KIND_SHORT[k] ?? k }))}
        />
        <div class="field">
          <Button>Show with sample data</Button>
        </div>
      </form>
      {preview && target ? (
        <>
          <h2>{preview.fromReminder ? 'This reminder’s email' : 'Sample email'}</h2>
          <p class="muted">
            {preview.fromReminder
              ? 'Rendered from the pending reminder’s own data, as the sender would send it now.'
              : 'Rendered with sample data.'}
          </p>
          <dl class="summary">
            <dt>Kind</dt>
            <dd>{KIND_SHORT[preview.kind] ?? preview.kind}</dd>
            <dt>Subject</dt>
            <dd>{preview.subject}</dd>
            {'userId' in target ? (
              <>
                <dt>Reminder</dt>
                <dd>
                  <code>{target.reminderId}</code> of user <code>{target.userId}</code>
                </dd>
              </>
            ) : null}
          </dl>
          <h3>HTML part</h3>
          <iframe
            class="email-html"
            title="HTML part of the email"
            sandbox=""
            src={`/admin/emails/render${qs(target)}`}
          />
          <h3>Text part</h3>
          <pre class="email-text">{preview.text}</pre>
        </>
      ) : null}
    </AdminPage>
  );
}
