/**
 * The SES side of the twin: aws-ses-v2-local (the real SES v2 wire protocol and a mail viewer), behind a
 * small recording proxy. The proxy keeps a persisted log of every accepted SendEmail with the *virtual*
 * send time, because the emulator keeps mail in memory only and stamps it with the real clock.
 *
 * The proxy also answers the one SES v2 call the product makes that the emulator lacks,
 * PutSuppressedDestination (the feedback function's), and keeps the account's suppression list.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Clock } from '../../shared/ports.ts';
import { listen, readBody } from './support/http.ts';
import { JsonLines } from './support/json-file.ts';

export interface RecordedEmail {
  readonly messageId: string;
  readonly from: string;
  readonly to: readonly string[];
  readonly subject: string;
  readonly text: string;
  readonly html: string;
  readonly headers: readonly { readonly name: string; readonly value: string }[];
  /** `EmailTags` as sent (SES publishes them with the email's events; the sender tags the digest id). */
  readonly tags: readonly { readonly name: string; readonly value: string }[];
  readonly sentAt: string;
}

/** An address on the account-level suppression list (`PutSuppressedDestination`). */
export interface SuppressedDestination {
  readonly email: string;
  readonly reason: string;
  /** Virtual time of the (last) call. */
  readonly at: string;
}

interface SendEmailBody {
  FromEmailAddress?: string;
  Destination?: { ToAddresses?: string[] };
  EmailTags?: { Name: string; Value: string }[];
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
  emails(): Promise<readonly RecordedEmail[]>;
  /** The suppression list, one entry per address (the latest call wins). */
  suppressions(): Promise<readonly SuppressedDestination[]>;
  close(): Promise<void>;
}

/** `sam@example.com` → `s**@example.com`: enough to tell users apart on a console, no more. */
export function maskEmail(address: string): string {
  const [local = '', domain = ''] = address.split('@');
  return `${local.slice(0, 1)}${'*'.repeat(Math.max(1, Math.min(local.length - 1, 6)))}@${domain}`;
}

const SUPPRESSION_PATH = '/v2/email/suppression/addresses';

export async function startSes(opts: {
  port: number;
  logFile: string;
  /** Where the suppression list is kept. */
  suppressionFile: string;
  clock: Clock;
  onEmail?: (email: RecordedEmail) => void;
}): Promise<SesTwin> {
  const log = new JsonLines<RecordedEmail>(opts.logFile);
  const suppressions = new JsonLines<SuppressedDestination>(opts.suppressionFile);
  let innerPort = 0;
  const relay = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    const body = await readBody(req);
    if (body === 'too_large') return void res.writeHead(413).end();
    const sentAt = opts.clock.now().toISOString();
    if (req.method === 'PUT' && req.url?.split('?')[0] === SUPPRESSION_PATH) {
      const answer = await suppress(body, sentAt, suppressions);
      const errorType = answer.status === 200 ? {} : { 'x-amzn-errortype': 'BadRequestException' };
      res
        .writeHead(answer.status, { 'content-type': 'application/json', ...errorType })
        .end(JSON.stringify(answer.body));
      return;
    }
    const up = await forward(innerPort, req, body);
    if (req.method === 'POST' && req.url?.startsWith('/v2/email/outbound-emails') && up.status === 200) {
      const record = readBack(body, up.body, sentAt);
      if (record) {
        await log.append(record);
        opts.onEmail?.(record);
      }
    }
    res.writeHead(up.status, up.headers).end(up.body);
  };
  const proxy = http.createServer((req, res) => {
    void relay(req, res).catch(() => (res.headersSent ? res.destroy() : res.writeHead(502).end()));
  });
  // First, so a busy port rejects (and `npm start` says so) before anything else is running.
  const port = await listen(proxy, opts.port);

  // A CommonJS package: depending on the loader, the default export is the function or the exports object.
  type Start = (c: { host: string; port: number }) => Promise<http.Server>;
  const mod = (await import('aws-ses-v2-local')) as unknown as { default: Start | { default: Start } };
  const start = typeof mod.default === 'function' ? mod.default : mod.default.default;
  const inner = await start({ host: '127.0.0.1', port: 0 });
  innerPort = (inner.address() as AddressInfo).port;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    emails: () => log.read(),
    suppressions: async () => {
      const latest = new Map((await suppressions.read()).map((s) => [s.email.toLowerCase(), s]));
      return [...latest.values()];
    },
    close: async () => {
      proxy.closeAllConnections();
      await new Promise<void>((resolve) => proxy.close(() => resolve()));
      await new Promise<void>((resolve) => inner.close(() => resolve()));
    },
  };
}

/**
 * PutSuppressedDestination, which aws-ses-v2-local does not route (it answers 404 with an XML body the SDK
 * cannot parse): 200 `{}` as SES answers, the address appended to the list. SES's own validation of the
 * two members is kept; nothing else about the list is emulated.
 */
async function suppress(
  body: Buffer,
  at: string,
  list: JsonLines<SuppressedDestination>,
): Promise<{ status: number; body: object }> {
  let request: { EmailAddress?: unknown; Reason?: unknown };
  try {
    request = JSON.parse(body.toString('utf8') || '{}') as typeof request;
  } catch {
    request = {};
  }
  const { EmailAddress: email, Reason: reason } = request;
  if (typeof email !== 'string' || email === '' || (reason !== 'BOUNCE' && reason !== 'COMPLAINT')) {
    return {
      status: 400,
      body: { message: 'EmailAddress and Reason (BOUNCE or COMPLAINT) are required' },
    };
  }
  await list.append({ email, reason, at });
  return { status: 200, body: {} };
}

/** Pass the request on to the emulator unchanged; its whole answer. */
async function forward(port: number, req: http.IncomingMessage, body: Buffer) {
  const up = await new Promise<http.IncomingMessage>((resolve, reject) => {
    const { method, url: path, headers } = req;
    http.request({ host: '127.0.0.1', port, method, path, headers }, resolve).on('error', reject).end(body);
  });
  const answer = await readBody(up);
  if (answer === 'too_large') throw new Error('The SES emulator answered more than 10 MB');
  return { status: up.statusCode ?? 502, headers: up.headers, body: answer };
}

/** The email a SendEmail call sent, or `undefined` when it is not simple content we can read back. */
function readBack(request: Buffer, response: Buffer, sentAt: string): RecordedEmail | undefined {
  try {
    const { MessageId } = JSON.parse(response.toString('utf8')) as { MessageId: string };
    const sent = JSON.parse(request.toString('utf8')) as SendEmailBody;
    const simple = sent.Content?.Simple;
    return {
      messageId: MessageId,
      from: sent.FromEmailAddress ?? '',
      to: sent.Destination?.ToAddresses ?? [],
      subject: simple?.Subject?.Data ?? '',
      text: simple?.Body?.Text?.Data ?? '',
      html: simple?.Body?.Html?.Data ?? '',
      headers: (simple?.Headers ?? []).map((h) => ({ name: h.Name, value: h.Value })),
      tags: (sent.EmailTags ?? []).map((t) => ({ name: t.Name, value: t.Value })),
      sentAt,
    };
  } catch {
    return undefined; // the emulator still has it
  }
}
