/**
 * Handlebars sources of the digest email, kept as TypeScript strings so esbuild bundles them without
 * file loaders. `DIGEST_HTML` is compiled with escaping on: every variable goes through `{{ }}`, never
 * `{{{ }}}`. `DIGEST_TEXT` and `MESSAGE_TEXT` are compiled in a separate environment with `noEscape`.
 * The view they render is `DigestView` in `render.ts`.
 */

/** The HTML part: one column, inline styles, no images or external assets. */
export const DIGEST_HTML = `<!DOCTYPE html>
<html lang="en" dir="ltr">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light">
<title>{{subject}}</title>
</head>
<body style="margin:0;padding:0;background-color:#f3f4f6;">
<div role="article" aria-roledescription="email" aria-label="{{subject}}" lang="en" style="max-width:600px;margin:0 auto;padding:24px 16px;background-color:#ffffff;color:#1f2937;font-family:Arial,Helvetica,sans-serif;font-size:16px;line-height:1.5;">
<h1 style="margin:0 0 4px;font-size:24px;line-height:1.3;color:#111827;">{{heading}}</h1>
<p style="margin:0 0 24px;font-size:14px;color:#4b5563;">{{dateLabel}}</p>
<p style="margin:0 0 16px;">{{greeting}}</p>
<p style="margin:0 0 24px;">{{intro}}</p>
{{#each items}}
<div style="margin:0 0 24px;padding:16px;border:1px solid #d1d5db;border-radius:8px;">
<h2 style="margin:0 0 4px;font-size:20px;line-height:1.3;color:#111827;">{{title}}</h2>
<p style="margin:0 0 12px;font-size:15px;color:#374151;"><strong>{{company}}</strong>{{#if role}} &middot; {{role}}{{/if}}</p>
<p style="margin:0 0 16px;">{{why}}</p>
{{#if mailto}}
<p style="margin:0 0 16px;"><a href="{{mailto}}" style="display:inline-block;padding:10px 16px;border-radius:6px;background-color:#1d4ed8;color:#ffffff;font-weight:bold;text-decoration:none;">Write to {{contactLabel}}</a></p>
{{else}}
<p style="margin:0 0 16px;">{{copyHint}}</p>
{{/if}}
<h3 style="margin:0 0 8px;font-size:16px;line-height:1.3;color:#111827;">Suggested message</h3>
<blockquote style="margin:0;padding:12px 16px;border-left:4px solid #9ca3af;background-color:#f9fafb;color:#1f2937;">
<p style="margin:0 0 12px;"><strong>Subject:</strong> {{message.subject}}</p>
{{#each message.paragraphs}}
<p style="margin:0 0 12px;">{{#each this}}{{#unless @first}}<br>{{/unless}}{{this}}{{/each}}</p>
{{/each}}
</blockquote>
</div>
{{/each}}
<hr style="margin:32px 0 16px;border:0;border-top:1px solid #d1d5db;">
<p style="margin:0 0 8px;font-size:13px;color:#4b5563;">{{footer}}</p>
<p style="margin:0;font-size:13px;color:#4b5563;">This email was sent to {{recipientEmail}}.</p>
</div>
</body>
</html>
`;

/** The plain-text part: the same content as the HTML part, for clients that do not show HTML. */
export const DIGEST_TEXT = `{{heading}} ({{dateLabel}})

{{greeting}}

{{intro}}
{{#each items}}

------------------------------------------------------------
{{number}}. {{title}}
{{company}}{{#if role}} - {{role}}{{/if}}

{{why}}

{{#if mailto}}
Send it to {{contactAddress}}, or open a ready-made draft:
{{mailto}}
{{else}}
{{copyHint}}
{{/if}}

Suggested message
Subject: {{message.subject}}

{{message.body}}
{{/each}}

------------------------------------------------------------
{{footer}}
This email was sent to {{recipientEmail}}.
`;

/** The suggested message: greeting, the kind's paragraph, sign-off with the user's name when known. */
export const MESSAGE_TEXT = `{{greeting}},

{{body}}

Best regards{{#if sender}},
{{sender}}{{/if}}`;
