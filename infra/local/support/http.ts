/** The twin's one copy of HTTP plumbing: serve routes, listen, read a bounded body, answer JSON. */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** API Gateway's own payload limit is 10 MB; the functions apply their tighter ones. */
export const GATEWAY_MAX_BODY_BYTES = 10 * 1024 * 1024;

/** The whole body, or `'too_large'` as soon as it passes `limit` bytes. */
export async function readBody(
  req: IncomingMessage,
  limit = GATEWAY_MAX_BODY_BYTES,
): Promise<Buffer | 'too_large'> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > limit) return 'too_large';
    chunks.push(buf);
  }
  return Buffer.concat(chunks);
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res
    .writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers })
    .end(JSON.stringify(body));
}

/**
 * Listen on 127.0.0.1:`port` (0 for any free port); resolves with the bound port. A busy port rejects with
 * the `EADDRINUSE` error instead of crashing the process through an unhandled 'error' event.
 */
export function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/** Answers one request; `url` is the parsed request URL. */
export type Route = (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<void> | void;
/**
 * Routes by `METHOD /path`, for example `'POST /events'`. As in API Gateway, `ANY` matches every method and a
 * path ending in `/{proxy+}` matches every path below it (`ANY /admin/{proxy+}`); an exact key wins.
 */
export type Routes = Readonly<Record<string, Route>>;

const GREEDY = '/{proxy+}';

/** The route for a request: exact `METHOD /path`, then `ANY /path`, then the longest greedy prefix. */
export function matchRoute(routes: Routes, method: string, path: string): Route | undefined {
  const exact = routes[`${method} ${path}`] ?? routes[`ANY ${path}`];
  if (exact) return exact;
  let best: { readonly route: Route; readonly length: number } | undefined;
  for (const [key, route] of Object.entries(routes)) {
    const [keyMethod, keyPath] = key.split(' ', 2) as [string, string | undefined];
    if (!keyPath?.endsWith(GREEDY) || (keyMethod !== method && keyMethod !== 'ANY')) continue;
    const prefix = keyPath.slice(0, -GREEDY.length);
    if (
      path.startsWith(`${prefix}/`) &&
      path.length > prefix.length + 1 &&
      (best?.length ?? -1) < prefix.length
    ) {
      best = { route, length: prefix.length };
    }
  }
  return best?.route;
}

export interface Served {
  readonly port: number;
  close(): Promise<void>;
}

/** Serve `routes` on 127.0.0.1:`port`: 404 for anything else, a logged 500 when a route throws. */
export async function serve(port: number, routes: Routes, log: (line: string) => void): Promise<Served> {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const route = matchRoute(routes, req.method ?? 'GET', url.pathname);
    if (!route) return sendJson(res, 404, { message: 'Not Found' });
    void (async () => route(req, res, url))().catch((error: unknown) => {
      log(
        `[http] ${req.method} ${url.pathname}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
      );
      if (!res.headersSent) sendJson(res, 500, { message: 'Internal Server Error' });
      else res.destroy();
    });
  });
  const bound = await listen(server, port);
  return {
    port: bound,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
