/**
 * Link tokens for `npm run fuzz`, made at run time from the twin's own key ring (`link-keys.json` in its data
 * directory), so a GET can carry a token the links page accepts and the rest carry ones it must refuse.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LinkTokens, parseKeyRing } from '../../shared/adapters/link-tokens.ts';
import { userIdFor } from '../../shared/domain/ids.ts';
import type { FuzzRequest, TokenRecipe } from './fuzz-requests.ts';

const DAY_MS = 86_400_000;
/** A secret outside the ring, under the ring's own key id: a forgery that only the signature gives away. */
const FOREIGN_SECRET = 'f'.repeat(43);

function flipAt(text: string, index: number): string {
  const c = text[index] === 'A' ? 'B' : 'A';
  return `${text.slice(0, index)}${c}${text.slice(index + 1)}`;
}

export class TokenMinter {
  private constructor(
    private readonly ring: ReturnType<typeof parseKeyRing>,
    private readonly now: Date,
  ) {}

  /** Reads the ring the twin generated into `dataDir`; `now` is the twin's clock. */
  public static async forTwin(dataDir: string, now: Date): Promise<TokenMinter> {
    return new TokenMinter(parseKeyRing(await readFile(join(dataDir, 'link-keys.json'), 'utf8')), now);
  }

  public async mint(recipe: TokenRecipe): Promise<string> {
    if (recipe.kind === 'raw') return recipe.value;
    const at = new Date(this.now.getTime() - recipe.ageDays * DAY_MS);
    const ring =
      recipe.tamper === 'foreign-key'
        ? { current: this.ring.current, keys: { [this.ring.current]: FOREIGN_SECRET } }
        : this.ring;
    const token = await new LinkTokens(ring, { now: () => at }).sign({
      userId: userIdFor(recipe.email),
      action: recipe.action,
      target: recipe.target,
    });
    const [header = '', payload = '', signature = ''] = token.split('.');
    if (recipe.tamper === 'signature') return `${header}.${payload}.${flipAt(signature, 5)}`;
    if (recipe.tamper === 'payload') {
      const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<
        string,
        unknown
      >;
      const forged = Buffer.from(JSON.stringify({ ...claims, sub: userIdFor('someone-else@example.com') }));
      return `${header}.${forged.toString('base64url')}.${signature}`;
    }
    return token;
  }

  /** `request` with its `{token}` placeholder replaced by the minted token (URL-encoded). */
  public async materialize(request: FuzzRequest): Promise<FuzzRequest> {
    if (!request.token) return request;
    const token = encodeURIComponent(await this.mint(request.token));
    return { ...request, path: request.path.replace('{token}', token) };
  }
}
