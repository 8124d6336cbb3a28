/**
 * In-memory fakes of the sources ports (`SourceStore`, `SecretBox`, `RateCounters`) with the same conditions
 * as the DynamoDB and KMS adapters, and helpers to build signed requests. Shared by the sources unit tests
 * and the store contract test (`test/integration/source-store.test.ts`).
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { signWebhook } from '#events/client.ts';
import { type SourceRecord, type StoredSourceRecord, sourceRecordOf } from '#shared/domain/sources.ts';
import { ConcurrencyError, SourceExistsError } from '#shared/errors.ts';
import type { Clock } from '#shared/ports.ts';
import type { RateCounters } from '#shared/use-cases/limit-rate.ts';
import type { SecretBox, SourceStore } from '#shared/use-cases/manage-sources.ts';

const copy = <T>(value: T): T => structuredClone(value);

/** Reads items through `sourceRecordOf` as the adapter does, so an item in an older shape comes back current. */
export class InMemorySourceStore implements SourceStore {
  private readonly records = new Map<string, StoredSourceRecord>();
  public reads = 0;

  public async get(sourceId: string): Promise<SourceRecord | undefined> {
    this.reads += 1;
    const record = this.records.get(sourceId);
    return record && sourceRecordOf(copy(record));
  }

  public async create(record: SourceRecord): Promise<void> {
    if (this.records.has(record.sourceId)) throw new SourceExistsError(record.sourceId);
    this.records.set(record.sourceId, copy(record));
  }

  public async update(record: SourceRecord, expectedVersion: number): Promise<void> {
    if (this.records.get(record.sourceId)?.version !== expectedVersion)
      throw new ConcurrencyError(`Source ${record.sourceId} changed meanwhile (or is gone); try again`);
    this.records.set(record.sourceId, copy(record));
  }

  public async list(): Promise<readonly SourceRecord[]> {
    return [...this.records.values()]
      .sort((a, b) => (a.sourceId < b.sourceId ? -1 : 1))
      .map((record) => sourceRecordOf(copy(record)));
  }

  /** Every stored record, as a test inspects what is at rest. */
  public raw(): StoredSourceRecord[] {
    return [...this.records.values()].map(copy);
  }

  /** Store an item as it is, in whatever shape: one written by an older version, say. */
  public seed(record: StoredSourceRecord): void {
    this.records.set(record.sourceId, copy(record));
  }
}

/**
 * Seals reversibly (base64 of the context and the plaintext) and refuses to open under another context, as
 * KMS does with an encryption context. Counts opens, as KMS bills `Decrypt`.
 */
export class FakeSecretBox implements SecretBox {
  public opens = 0;

  public async seal(plaintext: string, context: Readonly<Record<string, string>>): Promise<string> {
    return Buffer.from(JSON.stringify({ context, plaintext })).toString('base64');
  }

  public async open(ciphertext: string, context: Readonly<Record<string, string>>): Promise<string> {
    this.opens += 1;
    const sealed = JSON.parse(Buffer.from(ciphertext, 'base64').toString('utf8')) as {
      context: Record<string, string>;
      plaintext: string;
    };
    if (JSON.stringify(sealed.context) !== JSON.stringify(context))
      throw new Error('InvalidCiphertextException: the encryption context does not match');
    return sealed.plaintext;
  }
}

/** `RateCounters` with the adapter's condition: count while `n < limit`. */
export class InMemoryRateCounters implements RateCounters {
  public readonly counters = new Map<string, { n: number; expiresAt: number }>();
  public writes = 0;

  public async increment(
    sourceId: string,
    windowStart: Date,
    limit: number,
    expiresAt: Date,
  ): Promise<boolean> {
    this.writes += 1;
    const key = `RATE#${sourceId}|${windowStart.toISOString()}`;
    const counter = this.counters.get(key);
    if (counter && counter.n >= limit) return false;
    this.counters.set(key, {
      n: (counter?.n ?? 0) + 1,
      expiresAt: counter?.expiresAt ?? Math.ceil(expiresAt.getTime() / 1000),
    });
    return true;
  }
}

/** Real time, now: what the verifier and the library judge timestamps on. */
export const realNow: Clock = { now: () => new Date() };

export const API = 'https://api.rebound.test';

/** An API Gateway v2 request to `POST /events`. */
export function apiRequest(
  body: string | undefined,
  options: {
    readonly headers?: Record<string, string>;
    readonly query?: Record<string, string>;
    readonly base64?: boolean;
  } = {},
): APIGatewayProxyEventV2 {
  const query = options.query;
  return {
    version: '2.0',
    routeKey: 'POST /events',
    rawPath: '/events',
    rawQueryString: query ? new URLSearchParams(query).toString() : '',
    headers: { 'content-type': 'application/json', ...options.headers },
    ...(query ? { queryStringParameters: query } : {}),
    requestContext: {
      accountId: '000000000000',
      apiId: 'test',
      domainName: 'api.rebound.test',
      domainPrefix: 'api',
      http: {
        method: 'POST',
        path: '/events',
        protocol: 'HTTP/1.1',
        sourceIp: '127.0.0.1',
        userAgent: 'test',
      },
      requestId: 'req-1',
      routeKey: 'POST /events',
      stage: '$default',
      time: '10/Mar/2026:14:05:00 +0000',
      timeEpoch: 1_773_151_500_000,
    },
    body:
      body === undefined ? undefined : options.base64 ? Buffer.from(body, 'utf8').toString('base64') : body,
    isBase64Encoded: options.base64 ?? false,
  };
}

/** A request signed as a Standard Webhooks sender signs it, to `POST /events?source=<sourceId>`. */
export function signedRequest(
  body: string,
  options: {
    readonly sourceId: string;
    readonly secret: string;
    readonly webhookId?: string;
    readonly timestamp?: Date;
    readonly base64?: boolean;
  },
): APIGatewayProxyEventV2 {
  const headers = signWebhook({
    secret: options.secret,
    id: options.webhookId ?? 'msg_2xYz',
    timestamp: options.timestamp ?? new Date(),
    body,
  });
  return apiRequest(body, {
    headers,
    query: { source: options.sourceId },
    ...(options.base64 ? { base64: true } : {}),
  });
}
