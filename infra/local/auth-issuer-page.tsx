/** @jsxImportSource hono/jsx */
/**
 * The twin's sign-in page (`GET /_local/auth/sign-in`): where Cognito's managed login would ask for an email
 * and a password, the twin lists its two test accounts as buttons. The form carries the OAuth parameters of
 * the request through as hidden fields; pressing a button adds `login_hint` (the account) and goes on to
 * the issuer's `/authorize`. Built from the one web layer's layout and button; no script.
 */
import { Button } from '../../shared/web/components.tsx';
import { Layout } from '../../shared/web/layout.tsx';

export interface LocalAccount {
  readonly email: string;
  readonly groups: readonly string[];
  /** What the account may do, shown on its button. */
  readonly description: string;
}

export function SignInPage(props: {
  readonly action: string;
  readonly params: Readonly<Record<string, string>>;
  readonly accounts: readonly LocalAccount[];
}) {
  return (
    <Layout title="Sign in to the admin view">
      <h1>Sign in to the admin view</h1>
      <p>
        This is the local twin. On AWS, the sign-in page asks for your email address and password; here you
        choose one of two test accounts.
      </p>
      <form method="post" action={props.action}>
        {Object.entries(props.params).map(([name, value]) => (
          <input type="hidden" name={name} value={value} />
        ))}
        <fieldset>
          <legend>Choose an account</legend>
          {props.accounts.map((account, i) => (
            <p>
              <Button name="login_hint" value={account.email} variant={i === 0 ? 'primary' : 'secondary'}>
                {`Sign in as ${account.email} (${account.description})`}
              </Button>
            </p>
          ))}
        </fieldset>
      </form>
    </Layout>
  );
}

/** A sign-in request the twin cannot serve (wrong client, an unregistered redirect URI): says which parameter. */
export function SignInRequestProblemPage(props: { readonly problems: readonly string[] }) {
  return (
    <Layout title="Error: This sign-in request is not valid">
      <h1>This sign-in request is not valid</h1>
      <p>Start again from the admin view. The request had these problems:</p>
      <ul>
        {props.problems.map((problem) => (
          <li>{problem}</li>
        ))}
      </ul>
      <p>
        <a href="/admin">Go to the admin view</a>
      </p>
    </Layout>
  );
}

/** The pages as HTML, for the twin's plain `node:http` routes. */
export async function renderSignInPage(props: Parameters<typeof SignInPage>[0]): Promise<string> {
  return String(await (<SignInPage {...props} />));
}

export async function renderSignInRequestProblemPage(problems: readonly string[]): Promise<string> {
  return String(await (<SignInRequestProblemPage problems={problems} />));
}
