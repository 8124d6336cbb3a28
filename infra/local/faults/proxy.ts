/**
 * An HTTP proxy in front of one emulator. The handlers' SDK clients reach it through
 * `AWS_ENDPOINT_URL_<SERVICE>`; it names each call's operation from the wire, meters it, asks the fault
 * registry, and then either answers with the injected error or forwards the request unchanged (method, path,
 * headers including the SigV4 `authorization`, streamed body) and streams the emulator's answer back as is.
 *
 * Only `connection` and `keep-alive` are dropped in both directions: they belong to each hop's own socket.
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import type { AwsCallMeter } from './meter.ts';
import type { FaultRegistry } from './rules.ts';
import { type AwsService, faultResponse, operationOf } from './wire.ts';

export interface AwsProxyOptions {
  readonly service: AwsService;
  /** The emulator's base URL, e.g. `http://127.0.0.1:8003`. */
  readonly upstream: string;
  /** @default 0, a free port */
  readonly port?: number;
  /** @default '127.0.0.1' */
  readonly host?: string;
  /** Consulted on every call. @default no faults */
  readonly faults?: FaultRegistry;
  /** Counts every call by operation. @default not metered */
  readonly meter?: AwsCallMeter;
  /** Told of each forwarded call once the emulator's answer has been passed on (or failed). @default nothing */
  readonly onSettled?: (operation: string) => void;
}

export interface AwsProxy {
  /** Put this in `AWS_ENDPOINT_URL_<SERVICE>`. */
  readonly endpoint: string;
  close(): Promise<void>;
}

const HOP_BY_HOP = new Set(['connection', 'keep-alive']);

export async function startAwsProxy(options: AwsProxyOptions): Promise<AwsProxy> {
  const { service, faults, meter } = options;
  const upstream = new URL(options.upstream);
  const agent = new http.Agent({ keepAlive: true });

  const server = http.createServer((req, res) => {
    const operation = operationOf(service, req.method ?? 'GET', req.url ?? '/', req.headers);
    const decision = faults?.decide(operation);
    if (decision && decision.effect !== 'slow') {
      meter?.record(operation, 'faulted');
      req.resume();
      const answer = faultResponse(service, decision.effect, operation, randomUUID());
      res.writeHead(answer.status, answer.headers).end(answer.body);
      return;
    }
    meter?.record(operation, 'forwarded');
    if (options.onSettled) res.once('close', () => options.onSettled?.(operation));
    if (!decision) {
      forward(req, req, res);
      return;
    }
    // Slow: hold the whole request, then forward it even if the client has timed out meanwhile, as AWS would.
    void req
      .toArray()
      .then(async (chunks: Buffer[]) => {
        await sleep(decision.delayMs);
        forward(req, Readable.from([Buffer.concat(chunks)]), res);
      })
      .catch(() => res.destroy());
  });

  /**
   * Plain `pipe()` both ways rather than `stream.pipeline`: on the twin's hottest path (every DynamoDB call
   * of the handlers) pipeline's per-call AbortController and DOMException cost more than the forwarding.
   * The error handling is the same: a failure on one side destroys the other.
   */
  function forward(req: http.IncomingMessage, body: Readable, res: http.ServerResponse): void {
    const toUpstream = http.request(
      {
        protocol: upstream.protocol,
        hostname: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: withoutHopByHop(req.rawHeaders),
        agent,
      },
      (fromUpstream) => {
        res.writeHead(fromUpstream.statusCode ?? 502, withoutHopByHop(fromUpstream.rawHeaders));
        fromUpstream.on('error', () => res.destroy());
        fromUpstream.pipe(res);
      },
    );
    toUpstream.on('error', (error) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      // 502 is transient to the SDK, as an unreachable AWS endpoint would be.
      res
        .writeHead(502, { 'content-type': 'application/json' })
        .end(JSON.stringify({ message: `Local proxy: ${service} emulator unreachable: ${error.message}` }));
    });
    // The client went away before the answer was complete: drop the upstream exchange too.
    res.on('close', () => {
      if (!res.writableFinished) toUpstream.destroy();
    });
    body.on('error', () => toUpstream.destroy());
    body.pipe(toUpstream);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const { address, port } = server.address() as AddressInfo;

  return {
    endpoint: `http://${address}:${port}`,
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      agent.destroy();
      await closed;
    },
  };
}

function withoutHopByHop(raw: readonly string[]): string[] {
  const kept: string[] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i] as string;
    if (!HOP_BY_HOP.has(name.toLowerCase())) kept.push(name, raw[i + 1] as string);
  }
  return kept;
}
