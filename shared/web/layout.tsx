/** @jsxImportSource hono/jsx */
/**
 * The page frame every Rebound page renders in. Server-side JSX (Hono) escapes every interpolated value,
 * so no page builds HTML by string concatenation. No script: every page works with JavaScript off.
 */
import type { Child } from 'hono/jsx';

export interface LayoutProps {
  /** The page title; " – Rebound" is appended. Prefix "Error: " when the page shows a form error. */
  readonly title: string;
  readonly children?: Child;
  /** Navigation links in the header (the admin view uses them). @default none */
  readonly nav?: readonly { readonly href: string; readonly label: string }[];
  /** Who is signed in, shown in the header (admin view). @default none */
  readonly who?: string | undefined;
  /** Where the header's "Rebound" links to. @default '#main' */
  readonly homeHref?: string;
  /** Controls at the end of the header, e.g. the admin view's Sign out form. @default none */
  readonly headerEnd?: Child;
  /** A wider main column, for the admin view's tables. @default false */
  readonly wide?: boolean;
}

export const STYLESHEET_PATH = '/assets/rebound.css';

export function Layout(props: LayoutProps) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="robots" content="noindex" />
        <title>{`${props.title} – Rebound`}</title>
        <link rel="stylesheet" href={STYLESHEET_PATH} />
      </head>
      <body>
        <a class="skip" href="#main">
          Skip to main content
        </a>
        <header class="site">
          {props.who ? <span class="who">{props.who}</span> : null}
          <a href={props.homeHref ?? '#main'}>Rebound</a>
          {props.nav?.length ? (
            <nav aria-label="Main">
              {props.nav.map((item) => (
                <a href={item.href}>{item.label}</a>
              ))}
            </nav>
          ) : null}
          {props.headerEnd ?? null}
        </header>
        <main id="main" class={props.wide ? 'wide' : undefined}>
          {props.children}
        </main>
        <footer class="site">
          Rebound sends job seekers reminders of their next step. It never sells or shares your address.
        </footer>
      </body>
    </html>
  );
}
