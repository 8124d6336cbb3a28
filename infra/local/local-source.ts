/**
 * The twin's own source, `local`: what `curl`, the harness and the bench post events as. Its API key and
 * webhook secret come from `REBOUND_LOCAL_API_KEY` / `REBOUND_LOCAL_WEBHOOK_SECRET`; where unset they are
 * generated once and kept in the data directory (mode 0600), so they stay the same across restarts. At every
 * start the source is made to match them (`ensureSource`): active, with exactly these credentials.
 *
 * These are credentials of a twin on one machine, never of a deployed stage.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import * as z from 'zod';
import {
  API_KEY_RANDOM_BYTES,
  apiKeyOf,
  type RateLimit,
  type SourceSummary,
  WEBHOOK_SECRET_BYTES,
  webhookSecretOf,
} from '../../shared/domain/sources.ts';
import { ensureSource, type ManageSourcesDeps } from '../../shared/use-cases/manage-sources.ts';

export const LOCAL_SOURCE_ID = 'local';

export interface LocalCredentials {
  readonly sourceId: typeof LOCAL_SOURCE_ID;
  /** `rbk_local_…`, sent as `Authorization: Bearer <apiKey>`. */
  readonly apiKey: string;
  /** `whsec_…`, signs webhooks to `POST /events?source=local`. */
  readonly webhookSecret: string;
  /** Where each came from, for the start-up banner. */
  readonly origin: { readonly apiKey: 'env' | 'file'; readonly webhookSecret: 'env' | 'file' };
}

const StoredSchema = z.object({ apiKey: z.string().min(1), webhookSecret: z.string().min(1) });
type Stored = z.infer<typeof StoredSchema>;

/** The generated pair in `file`, created on first use (`wx`: two twins on one directory agree on one pair). */
async function storedCredentials(file: string): Promise<Stored> {
  try {
    return StoredSchema.parse(JSON.parse(await readFile(file, 'utf8')));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  await mkdir(dirname(file), { recursive: true });
  const generated: Stored = {
    apiKey: apiKeyOf(LOCAL_SOURCE_ID, randomBytes(API_KEY_RANDOM_BYTES)),
    webhookSecret: webhookSecretOf(randomBytes(WEBHOOK_SECRET_BYTES)),
  };
  await writeFile(file, `${JSON.stringify(generated)}\n`, { mode: 0o600, flag: 'wx' }).catch(
    (error: unknown) => {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    },
  );
  return StoredSchema.parse(JSON.parse(await readFile(file, 'utf8')));
}

/**
 * The `local` source's credentials (the environment's, else the data directory's), and the source stored
 * with exactly those. A malformed value fails here with the rule it breaks (`SourceRuleError`).
 */
export async function ensureLocalSource(opts: {
  readonly file: string;
  readonly apiKey?: string | undefined;
  readonly webhookSecret?: string | undefined;
  /** @default the product's default ({@link ensureSource}) */
  readonly rateLimit?: RateLimit | undefined;
  readonly deps: ManageSourcesDeps;
}): Promise<{ readonly credentials: LocalCredentials; readonly source: SourceSummary }> {
  const stored = opts.apiKey && opts.webhookSecret ? undefined : await storedCredentials(opts.file);
  const apiKey = opts.apiKey ?? stored?.apiKey ?? '';
  const webhookSecret = opts.webhookSecret ?? stored?.webhookSecret ?? '';
  const source = await ensureSource(
    { sourceId: LOCAL_SOURCE_ID, name: 'Local twin', apiKey, webhookSecret, rateLimit: opts.rateLimit },
    opts.deps,
  );
  return {
    credentials: {
      sourceId: LOCAL_SOURCE_ID,
      apiKey,
      webhookSecret,
      origin: { apiKey: opts.apiKey ? 'env' : 'file', webhookSecret: opts.webhookSecret ? 'env' : 'file' },
    },
    source,
  };
}
