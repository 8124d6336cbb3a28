/**
 * The SES side of the twin: aws-ses-v2-local (the real SES v2 wire protocol and a mail viewer), behind a
 * small recording proxy. The proxy keeps a persisted log of every accepted SendEmail with the *virtual*
 * send time, because the emulator keeps mail in memory only and stamps it with the real clock.
 */
import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname } from 'node:path';
import type { Clock } from '../../shared/ports.ts';
import { listen, readBody } from './support/http.ts';

export interface RecordedEmail {
  readonly messageId: string;
  readonly from: string;
  readonly to: readonly string[];
  readonly subject: string;
  readonly text: string;
  readonly html: string;
  readonly headers: readonly { readonly name: string; readonly value: string }[];
  readonly sentAt: string;
}

interface SendEmailBody {
  FromEmailAddress?: string;
  Destination?: { ToAddresses?: string[] };
  Content?: {
    Simple?: {
      Subject?: { Data?: string };
      Body?: { Text?: { Data?: string }; Html?: { Data?: string } };
      Headers?: { Name: string; Value: string }[];
    };
  };
}

export interface SesTwin {
  readonly endpoint: string;
  readonly port: number;
  emails(): Promise<readonly RecordedEmail[]>;
  close(): Promise<void>;
}

export async function startSes(opts: {
  port: number;
  logFile: string;
  clock: Clock;
  onEmail?: (email: RecordedEmail) => void;
}): Promise<SesTwin> {
  // A CommonJS package: depending on the loader, the default export is the function or the exports object.
  type Start = (c: { host: string; port: number }) => Promise<Server>;
  const mod = (await import('aws-ses-v2-local')) as unknown as { default: Start | { default: Start } };
  const start = typeof mod.default === 'function' ? mod.default : mod.default.default;
  const inner = await start({ host: '127.0.0.1', port: 0 });
  const innerPort = (inner.address() as AddressInfo).port;
  await mkdir(dirname(opts.logFile), { recursive: true });

  const proxy = createServer(async (req, res) => {
    const body = await readBody(req);
    if (body === 'too_large') {
      res.writeHead(413).end();
      return;
    }
    const sentAt = opts.clock.now().toISOString();
    const upstream = request(
      { host: '127.0.0.1', port: innerPort, method: req.method, path: req.url, headers: req.headers },
      async (up) => {
        const chunks: Buffer[] = [];
        for await (const c of up) chunks.push(c as Buffer);
        const payload = Buffer.concat(chunks);
        if (
          req.method === 'POST' &&
          req.url?.startsWith('/v2/email/outbound-emails') &&
          up.statusCode === 200
        ) {
          try {
            const { MessageId } = JSON.parse(payload.toString('utf8')) as { MessageId: string };
            const sent = JSON.parse(body.toString('utf8')) as SendEmailBody;
            const simple = sent.Content?.Simple;
            const record: RecordedEmail = {
              messageId: MessageId,
              from: sent.FromEmailAddress ?? '',
              to: sent.Destination?.ToAddresses ?? [],
              subject: simple?.Subject?.Data ?? '',
              text: simple?.Body?.Text?.Data ?? '',
              html: simple?.Body?.Html?.Data ?? '',
              headers: (simple?.Headers ?? []).map((h) => ({ name: h.Name, value: h.Value })),
              sentAt,
            };
            await appendFile(opts.logFile, `${JSON.stringify(record)}\n`);
            opts.onEmail?.(record);
          } catch {
            // Not a simple-content send we can read back; the emulator still has it.
          }
        }
        res.writeHead(up.statusCode ?? 502, up.headers).end(payload);
      },
    );
    upstream.on('error', () => res.writeHead(502).end());
    upstream.end(body);
  });
  let port: number;
  try {
    port = await listen(proxy, opts.port);
  } catch (error) {
    // A busy port rejects here, so `npm start` can say so, instead of an unhandled 'error' event.
    await new Promise<void>((resolve) => inner.close(() => resolve()));
    throw error;
  }
  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    emails: async () => {
      try {
        const lines = (await readFile(opts.logFile, 'utf8')).split('\n').filter(Boolean);
        return lines.map((l) => JSON.parse(l) as RecordedEmail);
      } catch {
        return [];
      }
    },
    close: async () => {
      await new Promise<void>((resolve) => proxy.close(() => resolve()));
      await new Promise<void>((resolve) => inner.close(() => resolve()));
    },
  };
}
