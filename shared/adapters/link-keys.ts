/**
 * Where the link key ring comes from, and the signer/verifier built on it.
 *
 * - AWS: a Secrets Manager secret, read through Powertools Parameters with a 5-minute cache, so a
 *   rotation (see README "Links in emails") reaches every warm function within 5 minutes.
 * - The twin: `link-keys.json` in its data directory, generated on first start.
 */
import { readFile } from 'node:fs/promises';
import { getSecret } from '@aws-lambda-powertools/parameters/secrets';
import { ReboundError } from '../errors.ts';
import type { LinkAction, LinkClaims } from '../links/actions.ts';
import type { Clock, LinkSigner, LinkVerifier } from '../ports.ts';
import { type KeyRing, LinkTokens, parseKeyRing } from './link-tokens.ts';

export type KeyRingSource = () => Promise<KeyRing>;

const CACHE_SECONDS = 300;

export function keyRingSource(config: {
  readonly LINK_KEYS_SECRET_ARN?: string | undefined;
  readonly LINK_KEYS_FILE?: string | undefined;
}): KeyRingSource {
  const { LINK_KEYS_SECRET_ARN: arn, LINK_KEYS_FILE: file } = config;
  if (arn) {
    return async () => {
      const value = await getSecret<string>(arn, { maxAge: CACHE_SECONDS });
      if (typeof value !== 'string') throw new ReboundError('Link key secret has no string value');
      return parseKeyRing(value);
    };
  }
  if (file) return async () => parseKeyRing(await readFile(file, 'utf8'));
  throw new ReboundError('No link key source configured');
}

/** Signs and verifies with whatever ring the source holds now; rebuilt only when the ring changes. */
export class KeyRingLinks implements LinkSigner, LinkVerifier {
  private built: { readonly json: string; readonly tokens: LinkTokens } | undefined;

  public constructor(
    private readonly source: KeyRingSource,
    private readonly clock: Clock,
  ) {}

  public async sign(claims: LinkClaims): Promise<string> {
    return (await this.tokens()).sign(claims);
  }

  public async verify(token: string, expected: LinkAction): Promise<LinkClaims> {
    return (await this.tokens()).verify(token, expected);
  }

  private async tokens(): Promise<LinkTokens> {
    const ring = await this.source();
    const json = JSON.stringify(ring);
    if (this.built?.json !== json) this.built = { json, tokens: new LinkTokens(ring, this.clock) };
    return this.built.tokens;
  }
}
