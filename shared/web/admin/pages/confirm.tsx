/** @jsxImportSource hono/jsx */
/**
 * The confirm page every admin action goes through: it says exactly what will happen, to whom, and holds the
 * one POST form that does it. The form carries a random idempotency key made when the page was rendered, so
 * pressing the button twice (or resending the form) is one action.
 */
import type { Child } from 'hono/jsx';
import type { AdminPrincipal } from '../../../../events/admin-api.ts';
import { Button, type ButtonVariant, ErrorSummary, type FieldError, TextField } from '../../components.tsx';
import { RETURN_TO_FIELD } from '../session.ts';
import { AdminPage } from './frame.tsx';

export function ConfirmPage(props: {
  readonly principal: AdminPrincipal;
  /** The question, e.g. "Cancel this reminder?". */
  readonly heading: string;
  /** What will happen, in full sentences. */
  readonly children: Child;
  /** `/admin/actions/…`. */
  readonly formAction: string;
  readonly hidden: Readonly<Record<string, string | undefined>>;
  readonly idempotencyKey: string;
  /** This page's own URL: where a POST that finds the session expired comes back to after sign-in. */
  readonly returnTo: string;
  readonly button: string;
  readonly variant?: ButtonVariant;
  readonly backHref: string;
  /** Deleting asks for the user's address, typed again. */
  readonly typeEmail?: { readonly email: string } | undefined;
  readonly errors?: readonly FieldError[];
}) {
  const errors = props.errors ?? [];
  return (
    <AdminPage title={`${errors.length ? 'Error: ' : ''}${props.heading}`} principal={props.principal}>
      <h1>{props.heading}</h1>
      <ErrorSummary errors={errors} />
      <div class="panel panel--warn">{props.children}</div>
      <form method="post" action={props.formAction}>
        <input type="hidden" name="key" value={props.idempotencyKey} />
        <input type="hidden" name={RETURN_TO_FIELD} value={props.returnTo} />
        {Object.entries(props.hidden).map(([name, value]) =>
          value === undefined ? null : <input type="hidden" name={name} value={value} />,
        )}
        {props.typeEmail ? (
          <TextField
            id="confirmEmail"
            label="Type the user's email address to confirm"
            hint={`Type ${props.typeEmail.email} exactly.`}
            type="email"
            autocomplete="off"
            error={errors.find((e) => e.field === 'confirmEmail')?.message}
          />
        ) : null}
        <Button variant={props.variant ?? 'primary'}>{props.button}</Button>
      </form>
      <p>
        <a href={props.backHref}>No, go back</a> (nothing will change)
      </p>
    </AdminPage>
  );
}
