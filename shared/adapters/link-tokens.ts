/**
 * Signed, expiring link tokens: compact JWS (HS256) via `jose`, never a format of our own.
 *
 * - Keys form a ring `{ current, keys: { kid: base64 } }`. New links are signed with `current`; any key
 *   still in the ring verifies, so a rotation (add a key, make it current, drop the old one once its
 *   links no longer matter) keeps old links working. The header's `kid` picks the key.
 * - Claims: `sub` user id, `act` action, `tgt` target, `iat`, and `exp` for actions that expire.
 * - Expiry is judged on the Clock port (`currentDate`), so the twin's virtual clock expires links.
 * - The action is checked against the route's action: a `done` token cannot be replayed as `stop`.
 */
import { errors, jwtVerify, SignJWT } from 'jose';
import { ReboundError } from '../errors.ts';
import { LINK_ACTIONS, LINK_LIFETIME_SECONDS, type LinkAction, type LinkClaims } from '../links/actions.ts';
import type { Clock } from '../ports.ts';

/**
 * The key ring as stored (the Secrets Manager secret on AWS, `link-keys.json` in the twin's data directory):
 * `{ "current": "k2", "k1": "<secret>", "k2": "<secret>" }`. Flat, so CloudFormation can generate the first
 * key (`generateStringKey`). Each secret is a string of at least 32 bytes.
 */
export interface KeyRing {
  readonly current: string;
  /** kid → secret. */
  readonly keys: Readonly<Record<string, string>>;
}

/** Reads the stored (flat) form; throws `ReboundError` naming what is wrong. */
export function parseKeyRing(json: string): KeyRing {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (error) {
    throw new ReboundError('Link key ring is not JSON', { cause: error });
  }
  if (typeof value !== 'object' || value === null) throw new ReboundError('Link key ring must be an object');
  const { current, ...keys } = value as Record<string, unknown>;
  if (typeof current !== 'string')
    throw new ReboundError('Link key ring needs "current": the kid to sign with');
  const strings: Record<string, string> = {};
  for (const [kid, secret] of Object.entries(keys)) {
    if (typeof secret !== 'string') throw new ReboundError(`Link key "${kid}" must be a string`);
    strings[kid] = secret;
  }
  return { current, keys: strings };
}

/** Why a link was refused; the page says what to do next for each. */
export type LinkProblem = 'expired' | 'invalid' | 'wrong_action';

export class InvalidLinkError extends ReboundError {
  public constructor(
    public readonly problem: LinkProblem,
    options?: ErrorOptions,
  ) {
    super(`Link refused: ${problem}`, options);
    this.name = 'InvalidLinkError';
  }
}

const ISSUER = 'rebound';
const ALGORITHM = 'HS256';

export class LinkTokens {
  private readonly secrets: ReadonlyMap<string, Uint8Array>;

  public constructor(
    private readonly ring: KeyRing,
    private readonly clock: Clock,
  ) {
    this.secrets = new Map(
      Object.entries(ring.keys).map(([kid, secret]) => [kid, new TextEncoder().encode(secret)]),
    );
    const current = this.secrets.get(ring.current);
    if (!current) throw new ReboundError(`Link key ring has no key "${ring.current}"`);
    for (const [kid, secret] of this.secrets) {
      if (secret.length < 32) throw new ReboundError(`Link key "${kid}" is shorter than 32 bytes`);
    }
  }

  public async sign(claims: LinkClaims): Promise<string> {
    const nowSeconds = Math.floor(this.clock.now().getTime() / 1000);
    const lifetime = LINK_LIFETIME_SECONDS[claims.action];
    const jwt = new SignJWT({ act: claims.action, ...(claims.target ? { tgt: claims.target } : {}) })
      .setProtectedHeader({ alg: ALGORITHM, kid: this.ring.current })
      .setIssuer(ISSUER)
      .setSubject(claims.userId)
      .setIssuedAt(nowSeconds);
    if (lifetime !== undefined) jwt.setExpirationTime(nowSeconds + lifetime);
    return jwt.sign(this.secrets.get(this.ring.current) as Uint8Array);
  }

  /** The claims of a token made for `expected`; throws `InvalidLinkError` otherwise. */
  public async verify(token: string, expected: LinkAction): Promise<LinkClaims> {
    let payload: Record<string, unknown>;
    try {
      ({ payload } = await jwtVerify(
        token,
        (header) => {
          const secret = header.kid ? this.secrets.get(header.kid) : undefined;
          if (!secret) throw new errors.JWKSNoMatchingKey();
          return secret;
        },
        { algorithms: [ALGORITHM], issuer: ISSUER, currentDate: this.clock.now() },
      ));
    } catch (error) {
      throw new InvalidLinkError(error instanceof errors.JWTExpired ? 'expired' : 'invalid', {
        cause: error,
      });
    }
    const action = payload.act;
    if (typeof payload.sub !== 'string' || !LINK_ACTIONS.includes(action as LinkAction)) {
      throw new InvalidLinkError('invalid');
    }
    if (action !== expected) throw new InvalidLinkError('wrong_action');
    return {
      userId: payload.sub,
      action: action as LinkAction,
      target: typeof payload.tgt === 'string' ? payload.tgt : undefined,
    };
  }
}
