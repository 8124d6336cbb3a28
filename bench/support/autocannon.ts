/**
 * A typed door to `autocannon` (v8 ships no type declarations): only the options and results the benches
 * use. It runs in this process (no workers), so `setupRequest` / `onResponse` are plain closures.
 */
import { createRequire } from 'node:module';

export interface AutocannonRequest {
  method?: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path?: string;
  headers?: Record<string, string>;
  body?: string;
  /** Called before every request on a connection; return the request to send. */
  setupRequest?: (request: AutocannonRequest, context: Record<string, unknown>) => AutocannonRequest;
  /** Called with every response to this request. */
  onResponse?: (status: number, body: string, context: Record<string, unknown>) => void;
}

export interface AutocannonOptions {
  url: string;
  connections: number;
  /** Seconds. */
  duration: number;
  /** Seconds before a request counts as timed out. */
  timeout?: number;
  pipelining?: number;
  requests?: AutocannonRequest[];
  setupClient?: (client: unknown) => void;
}

export interface AutocannonHistogram {
  average: number;
  mean: number;
  stddev: number;
  min: number;
  max: number;
  p50: number;
  p90: number;
  p97_5: number;
  p99: number;
  total: number;
}

export interface AutocannonResult {
  duration: number;
  start: Date;
  finish: Date;
  errors: number;
  timeouts: number;
  mismatches: number;
  non2xx: number;
  resets: number;
  '2xx': number;
  statusCodeStats: Record<string, { count: number }>;
  latency: AutocannonHistogram & { totalCount: number };
  requests: AutocannonHistogram & { sent: number };
}

/** The running instance: a promise of the result, an event emitter, and `stop()`. */
export interface AutocannonInstance extends PromiseLike<AutocannonResult> {
  on(
    event: 'response',
    listener: (client: unknown, statusCode: number, resBytes: number, responseTimeMs: number) => void,
  ): this;
  on(event: 'reqError', listener: (error: Error) => void): this;
  stop(): void;
}

type Autocannon = (options: AutocannonOptions) => AutocannonInstance;

const require = createRequire(import.meta.url);
export const autocannon = require('autocannon') as Autocannon;
