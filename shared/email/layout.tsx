/** @jsxImportSource hono/jsx */
/**
 * The frame and the few pieces every Rebound email is built from. Server-side JSX (Hono) escapes every
 * interpolated text and attribute, so no email builds HTML by string concatenation.
 *
 * Email clients are not browsers: styles are inline (many clients drop `<style>`), the layout is one
 * column of at most 600 px, and there is no script, image, web font or any other external asset.
 */
import { raw } from 'hono/html';
import type { Child } from 'hono/jsx';
import type { HtmlEscapedString } from 'hono/utils/html';
import { ReboundError } from '../errors.ts';

/** Inline styles shared by the emails, so both read alike. */
export const STYLES = {
  body: 'margin:0;padding:0;background-color:#f3f4f6;',
  article:
    'max-width:600px;margin:0 auto;padding:24px 16px;background-color:#ffffff;color:#1f2937;font-family:Arial,Helvetica,sans-serif;font-size:16px;line-height:1.5;',
  h1: 'margin:0 0 4px;font-size:24px;line-height:1.3;color:#111827;',
  /** A heading with no dateline under it. */
  h1Alone: 'margin:0 0 24px;font-size:24px;line-height:1.3;color:#111827;',
  h2: 'margin:0 0 4px;font-size:20px;line-height:1.3;color:#111827;',
  h3: 'margin:0 0 8px;font-size:16px;line-height:1.3;color:#111827;',
  dateline: 'margin:0 0 24px;font-size:14px;color:#4b5563;',
  p: 'margin:0 0 16px;',
  pLead: 'margin:0 0 24px;',
  card: 'margin:0 0 24px;padding:16px;border:1px solid #d1d5db;border-radius:8px;',
  company: 'margin:0 0 12px;font-size:15px;color:#374151;',
  quote: 'margin:0;padding:12px 16px;border-left:4px solid #9ca3af;background-color:#f9fafb;color:#1f2937;',
  quoteP: 'margin:0 0 12px;',
  actions: 'margin:16px 0 0;',
  flush: 'margin:0;',
  primaryButton:
    'display:inline-block;padding:10px 16px;border-radius:6px;background-color:#1d4ed8;color:#ffffff;font-weight:bold;text-decoration:none;',
  secondaryButton:
    'display:inline-block;margin:0 8px 8px 0;padding:8px 12px;border:1px solid #1d4ed8;border-radius:6px;background-color:#ffffff;color:#1d4ed8;text-decoration:none;',
  link: 'color:#1d4ed8;text-decoration:underline;',
  rule: 'margin:32px 0 16px;border:0;border-top:1px solid #d1d5db;',
  small: 'margin:0 0 8px;font-size:13px;color:#4b5563;',
  smallLink: 'color:#4b5563;text-decoration:underline;',
} as const;

/** The document around an email's content. `title` is also the article's accessible name. */
export function EmailDocument(props: { readonly title: string; readonly children: Child }) {
  return (
    <>
      {raw('<!DOCTYPE html>\n')}
      <html lang="en" dir="ltr">
        <head>
          <meta charset="utf-8" />
          <meta name="viewport" content="width=device-width, initial-scale=1" />
          {/* Keeps clients from inverting the colours into an unreadable scheme. */}
          <meta name="color-scheme" content="light" />
          <title>{props.title}</title>
        </head>
        <body style={STYLES.body}>
          {/* biome-ignore lint/a11y/useSemanticElements: some email clients drop <article>, so the accessible-email pattern is a div with this role and a label. */}
          <div
            role="article"
            aria-roledescription="email"
            aria-label={props.title}
            lang="en"
            style={STYLES.article}
          >
            {props.children}
          </div>
        </body>
      </html>
    </>
  );
}

/** The one action an email asks for. */
export function PrimaryButton(props: { readonly href: string; readonly children: Child }) {
  return (
    <p style={STYLES.p}>
      <a href={props.href} style={STYLES.primaryButton}>
        {props.children}
      </a>
    </p>
  );
}

/** A smaller, outlined link button, for the actions beside the main one. */
export function SecondaryButton(props: { readonly href: string; readonly children: Child }) {
  return (
    <a href={props.href} style={STYLES.secondaryButton}>
      {props.children}
    </a>
  );
}

/**
 * The HTML of a rendered element. Email components are synchronous; an async one would render as a
 * Promise, so it fails here rather than sending "[object Promise]".
 */
export function toHtml(element: HtmlEscapedString | Promise<HtmlEscapedString>): string {
  const html: unknown = element instanceof Promise ? element : element.toString();
  if (typeof html !== 'string') throw new ReboundError('Email components must render synchronously');
  return html;
}
