/** The twin's one copy of HTTP plumbing: read a bounded body, answer JSON. */
import type { IncomingMessage, ServerResponse } from 'node:http';

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
