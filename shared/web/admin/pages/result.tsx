/** @jsxImportSource hono/jsx */
/**
 * The pages that say an action or a page could not be done: not allowed (403), not found (404), refused by
 * the target's state (409) or a bad request (400). Each says what happened and that nothing changed.
 */
import type { AdminPrincipal } from '../../../../events/admin-api.ts';
import type { ValidationIssue } from '../../../errors.ts';
import { AdminPage } from './frame.tsx';

export type ProblemKind = 'forbidden' | 'not_found' | 'refused' | 'invalid';

const HEADINGS: Readonly<Record<ProblemKind, string>> = {
  forbidden: 'You cannot do this',
  not_found: 'Not found',
  refused: 'This action was refused',
  invalid: 'The request was not valid',
};

export function ProblemPage(props: {
  readonly principal?: AdminPrincipal | undefined;
  readonly problem: ProblemKind;
  readonly message?: string | undefined;
  readonly issues?: readonly ValidationIssue[] | undefined;
  readonly backHref?: string | undefined;
}) {
  return (
    <AdminPage title={HEADINGS[props.problem]} principal={props.principal}>
      <h1>{HEADINGS[props.problem]}</h1>
      {props.problem === 'forbidden' ? (
        <p>
          You are signed in as a viewer: you can see everything, but only an operator can take actions. Ask an
          administrator to add you to the operators group if you need to.
        </p>
      ) : null}
      {props.message ? <p>{props.message}</p> : null}
      {props.issues?.length ? (
        <ul>
          {props.issues.map((i) => (
            <li>
              {i.path ? <strong>{i.path}: </strong> : null}
              {i.message}
            </li>
          ))}
        </ul>
      ) : null}
      <p>
        <strong>Nothing was changed.</strong>
      </p>
      <p>
        <a href={props.backHref ?? '/admin/upcoming'}>Go back</a>
      </p>
    </AdminPage>
  );
}
