/** A tiny HTTP client for the twin's public API and local controls. */
import type { TwinUrls } from '../infra/local/controls.ts';
import type {
  FaultRule,
  FaultRuleState,
  InvocationCount,
  OperationCount,
} from '../infra/local/faults/index.ts';
import type { SesFeedbackRequest } from '../infra/local/ses-feedback.ts';
import type { RecordedEmail, SuppressedDestination } from '../infra/local/ses-recorder.ts';
import { bearer, HARNESS_CREDENTIALS, type SourceCredentials } from './credentials.ts';

/** What `GET /_local/emails` returns: the twin's own record of each sent email. */
export type Email = RecordedEmail;

export interface Schedule {
  readonly name: string;
  readonly groupName: string;
  readonly expression: string;
  readonly state: string;
  readonly nextFireAt?: string;
  readonly input?: string;
}

/** What `GET /_local/health` answers once every part is up. */
export interface TwinHealth {
  readonly status: 'ok';
  readonly urls: TwinUrls;
  /** The KMS key id (alias) the twin's functions and `npm run sources` use. */
  readonly kmsKeyId: string;
}

/** What `GET /_local/meter` answers: the handlers' AWS calls and the functions' invocations. */
export interface MeterReading {
  readonly awsCalls: Readonly<Record<string, OperationCount>>;
  readonly invocations: Readonly<Record<string, InvocationCount>>;
  /** The DynamoDB read and write units the handlers' calls consumed (base table and indexes). */
  readonly dynamodb?: { readonly readUnits: number; readonly writeUnits: number };
}

export class TwinClient {
  public constructor(
    private readonly api: string,
    /** The source events are posted as (its API key). @default the harness twin's `local` source */
    public readonly credentials: SourceCredentials = HARNESS_CREDENTIALS,
  ) {}

  /**
   * `POST /events` with the source's API key. `headers` are added last: `{ authorization: '' }` sends none.
   * (Signed webhooks: `events/client.ts` with {@link credentials}.)
   */
  public async postEvent(
    body: unknown,
    init: { contentType?: string; raw?: string; headers?: Readonly<Record<string, string>> } = {},
  ): Promise<{ status: number; body: Record<string, unknown> }> {
    const headers: Record<string, string> = {
      'content-type': init.contentType ?? 'application/json',
      ...bearer(this.credentials),
      ...init.headers,
    };
    for (const [name, value] of Object.entries(headers)) if (value === '') delete headers[name];
    const res = await fetch(`${this.api}/events`, {
      method: 'POST',
      headers,
      body: init.raw ?? JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
  }

  /** `GET /_local/health`; throws unless every part is up. */
  public async health(): Promise<TwinHealth> {
    const res = await fetch(`${this.api}/_local/health`);
    if (res.status !== 200) throw new Error(`health: ${res.status} ${await res.text()}`);
    return (await res.json()) as TwinHealth;
  }

  public async now(): Promise<Date> {
    const res = await fetch(`${this.api}/_local/clock`);
    return new Date(((await res.json()) as { now: string }).now);
  }

  public async advance(by: string): Promise<Date> {
    return this.move({ by });
  }

  public async advanceTo(to: Date | string): Promise<Date> {
    return this.move({ to: typeof to === 'string' ? to : to.toISOString() });
  }

  private async move(body: unknown): Promise<Date> {
    const res = await fetch(`${this.api}/_local/clock/advance`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (res.status !== 200) throw new Error(`advance failed: ${res.status} ${await res.text()}`);
    return new Date(((await res.json()) as { now: string }).now);
  }

  public async emails(to?: string): Promise<Email[]> {
    const res = await fetch(`${this.api}/_local/emails`);
    const all = (await res.json()) as Email[];
    return to ? all.filter((e) => e.to.includes(to)) : all;
  }

  public async schedules(): Promise<Schedule[]> {
    const res = await fetch(`${this.api}/_local/schedules`);
    return (await res.json()) as Schedule[];
  }

  public async fire(name: string): Promise<void> {
    const res = await fetch(`${this.api}/_local/schedules/fire`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name }),
    });
    if (res.status !== 200) throw new Error(`fire failed: ${res.status} ${await res.text()}`);
  }

  public async deadLetters(): Promise<{ scheduler: unknown[]; stream: unknown[] }> {
    const res = await fetch(`${this.api}/_local/dead-letters`);
    return (await res.json()) as { scheduler: unknown[]; stream: unknown[] };
  }

  /** `POST /_local/faults`: add rules (in order); throws unless the twin took them. */
  public async injectFaults(...rules: FaultRule[]): Promise<FaultRuleState[]> {
    const res = await this.call('POST', '/_local/faults', rules);
    if (res.status !== 200) throw new Error(`faults refused: ${res.status} ${JSON.stringify(res.body)}`);
    return (res.body as { rules: FaultRuleState[] }).rules;
  }

  /** `GET /_local/faults`: the active rules, with what each has injected so far. */
  public async faults(): Promise<FaultRuleState[]> {
    return ((await this.call('GET', '/_local/faults')).body as { rules: FaultRuleState[] }).rules;
  }

  /** `DELETE /_local/faults`: the service recovers. */
  public async clearFaults(): Promise<void> {
    await this.call('DELETE', '/_local/faults');
  }

  public async meter(): Promise<MeterReading> {
    return (await this.call('GET', '/_local/meter')).body as MeterReading;
  }

  /** `DELETE /_local/meter`: answers what it cleared. */
  public async resetMeter(): Promise<MeterReading> {
    return (await this.call('DELETE', '/_local/meter')).body as MeterReading;
  }

  /** `POST /_local/ses/feedback`, as is: bad bodies are for tests to send too. */
  public async sesFeedback(
    body: SesFeedbackRequest | Record<string, unknown> | string,
  ): Promise<{ status: number; body: unknown }> {
    return this.call('POST', '/_local/ses/feedback', body);
  }

  public async suppressions(): Promise<SuppressedDestination[]> {
    return (await this.call('GET', '/_local/ses/suppressions')).body as SuppressedDestination[];
  }

  private async call(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; body: unknown }> {
    const res = await fetch(`${this.api}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? (JSON.parse(text) as unknown) : undefined };
  }
}
