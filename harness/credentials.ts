/**
 * The `local` source's credentials in every twin the harness starts (`twin-process.ts` passes them as
 * `REBOUND_LOCAL_API_KEY` / `REBOUND_LOCAL_WEBHOOK_SECRET`). Fixed test values, public on purpose: they open
 * nothing but a twin on this machine, and fixed values let a failing request be replayed by hand.
 */

export interface SourceCredentials {
  readonly sourceId: string;
  /** `rbk_<sourceId>_<32 characters>`, sent as `Authorization: Bearer <apiKey>`. */
  readonly apiKey: string;
  /** `whsec_<base64>`, signs webhooks to `POST /events?source=<sourceId>`. */
  readonly webhookSecret: string;
}

export const HARNESS_CREDENTIALS: SourceCredentials = {
  sourceId: 'local',
  apiKey: 'rbk_local_harness-test-key-000000000000000',
  // base64 of "rebound harness webhook secret!!" (32 bytes)
  webhookSecret: 'whsec_cmVib3VuZCBoYXJuZXNzIHdlYmhvb2sgc2VjcmV0ISE=',
};

/**
 * The `local` source's rate limit in harness twins: far above any test or bench load, so only the tests
 * that are about rate limits (on sources of their own) ever see a 429.
 */
export const HARNESS_RATE_LIMIT = { perSecond: 10_000, burst: 100_000 } as const;

/** `Authorization: Bearer …` for these credentials. */
export function bearer(credentials: Pick<SourceCredentials, 'apiKey'>): Record<'authorization', string> {
  return { authorization: `Bearer ${credentials.apiKey}` };
}
