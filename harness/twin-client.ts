/** A tiny HTTP client for the twin's public API and local controls. */
import type { TwinUrls } from '../infra/local/controls.ts';
import type { RecordedEmail } from '../infra/local/ses-recorder.ts';

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
}

export class TwinClient {
  public constructor(private readonly api: string) {}

  public async postEvent(
    body: unknown,
    init: { contentType?: string; raw?: string } = {},
  ): Promise<{ status: number; body: Record<string, unknown> }> {
    const res = await fetch(`${this.api}/events`, {
      method: 'POST',
      headers: { 'content-type': init.contentType ?? 'application/json' },
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
}
