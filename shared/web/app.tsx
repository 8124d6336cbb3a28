/** @jsxImportSource hono/jsx */
/**
 * The one web layer: a Hono app with the security defaults every Rebound page needs. Each function
 * that serves pages (links, admin) builds its routes on `createWebApp()` and is wrapped with Hono's
 * `aws-lambda` adapter, which takes the API Gateway HTTP API v2 events AWS (and the twin) deliver.
 *
 * Defaults:
 *  - a strict Content-Security-Policy: no script at all, styles only from our stylesheet, forms post to
 *    us only, `frame-ancestors 'none'`;
 *  - `Referrer-Policy: no-referrer`, because tokens travel in URLs;
 *  - `Cache-Control: no-store` on pages, which show personal state;
 *  - one error page for anything unexpected (the error is logged by the function, never shown).
 *
 * A route may set its own `Content-Security-Policy` or `X-Frame-Options` (the admin view's email preview
 * frames one document of its own): the defaults fill in only what a response does not already have.
 */
import { Hono } from 'hono';
import { secureHeaders } from 'hono/secure-headers';
import { Layout, STYLESHEET_PATH } from './layout.tsx';
import { STYLESHEET } from './styles.ts';

export function createWebApp<E extends object = object>(
  options: {
    readonly onError?: (error: unknown) => void;
    /** Other origins forms may reach through a redirect (the admin view's sign-out to the issuer). */
    readonly formActionOrigins?: readonly string[];
  } = {},
): Hono<E> {
  const app = new Hono<E>();
  app.use(
    '*',
    secureHeaders({
      contentSecurityPolicy: {
        defaultSrc: ["'none'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        formAction: ["'self'", ...(options.formActionOrigins ?? [])],
        frameAncestors: ["'none'"],
        baseUri: ["'none'"],
      },
      referrerPolicy: 'no-referrer',
      xFrameOptions: 'DENY',
      strictTransportSecurity: 'max-age=63072000; includeSubDomains',
      crossOriginResourcePolicy: 'same-origin',
      overwrite: false,
    }),
  );
  app.use('*', async (c, next) => {
    await next();
    if (!c.res.headers.has('cache-control')) c.res.headers.set('cache-control', 'no-store');
  });
  app.get(STYLESHEET_PATH, (c) =>
    c.body(STYLESHEET, 200, {
      'content-type': 'text/css; charset=utf-8',
      'cache-control': 'public, max-age=3600',
    }),
  );
  app.notFound((c) =>
    c.html(
      <Layout title="Page not found">
        <h1>Page not found</h1>
        <p>If you followed a link from an email, copy the whole link into your browser and try again.</p>
      </Layout>,
      404,
    ),
  );
  app.onError((error, c) => {
    options.onError?.(error);
    return c.html(
      <Layout title="Sorry, there is a problem">
        <h1>Sorry, there is a problem with the service</h1>
        <p>Nothing was changed. Try again in a few minutes.</p>
      </Layout>,
      500,
    );
  });
  return app;
}
