/**
 * The handlers' way around their proxy while no fault is asked for. Every call of the handlers used to cross
 * the proxy (`proxy.ts`): one more HTTP exchange over loopback per DynamoDB, Scheduler or SES call, which
 * cost the twin more CPU than anything it emulates (`npm run simulate`'s profile: socket writes, HTTP
 * parsing, stream plumbing). Now each of the handlers' SDK clients gets a request handler that names the
 * call's operation from the same wire data the proxy reads (`operationOf`), and then:
 *
 * - when a fault rule names that operation (`FaultRegistry.covers`), sends it to the proxy, unchanged, which
 *   meters it and injects the fault exactly as before;
 * - otherwise meters it as forwarded (what the proxy would have done, since no rule could fire for it) and
 *   sends it straight to the emulator: the same HTTP request, by the same SDK HTTP handler, to another port.
 *
 * The emulators never looked at the `host` header or checked signatures, and the proxy forwarded every
 * header unchanged, so an emulator cannot tell the two paths apart; nor can the meter or a fault rule.
 */
import type { AwsCallMeter } from './meter.ts';
import type { FaultRegistry } from './rules.ts';
import { type AwsService, operationOf } from './wire.ts';

/** The part of a Smithy `HttpRequest` read here; the rest is passed on as it is. */
interface WireRequest {
  readonly method: string;
  readonly hostname: string;
  readonly port?: number | undefined;
  readonly path: string;
  readonly headers: Record<string, string>;
}

interface RequestHandler {
  handle(request: WireRequest, options?: unknown): Promise<unknown>;
}

/** An SDK v3 client, as far as this file needs one (`DynamoDBDocumentClient` shares its client's config). */
export interface SdkClientLike {
  readonly config: { requestHandler: unknown };
}

export interface DirectRouteOptions {
  readonly service: AwsService;
  /** The emulator's base URL, e.g. `http://127.0.0.1:8003`: where the proxy forwards to. */
  readonly upstream: string;
  readonly faults: FaultRegistry;
  readonly meter: AwsCallMeter;
  /** Told of each call sent straight to the emulator once it has answered (or failed). @default nothing */
  readonly onSettled?: (operation: string) => void;
}

/**
 * Route `client`'s calls straight to the emulator unless a fault rule covers them. Call it before the client's
 * first call: the client reads its request handler at each call (no middleware cache is configured).
 */
export function routeAroundProxy(client: SdkClientLike, options: DirectRouteOptions): void {
  const inner = client.config.requestHandler as RequestHandler;
  if (typeof inner?.handle !== 'function') throw new TypeError('The client has no request handler to wrap');
  const upstream = new URL(options.upstream);
  const hostname = upstream.hostname;
  const port = Number(upstream.port);
  // A Proxy keeps every other member of the SDK's handler (destroy, updateHttpClientConfig, …) working.
  client.config.requestHandler = new Proxy(inner, {
    get(target, property, receiver) {
      if (property !== 'handle') return Reflect.get(target, property, receiver);
      return (request: WireRequest, handleOptions?: unknown) => {
        const operation = operationOf(options.service, request.method, request.path, request.headers);
        if (options.faults.covers(operation)) return target.handle(request, handleOptions);
        options.meter.record(operation, 'forwarded');
        const direct = Object.assign(Object.create(Object.getPrototypeOf(request) as object), request, {
          hostname,
          port,
        }) as WireRequest;
        const answered = target.handle(direct, handleOptions);
        const { onSettled } = options;
        if (onSettled) {
          const settle = () => onSettled(operation);
          void answered.then(settle, settle);
        }
        return answered;
      };
    },
  });
}
