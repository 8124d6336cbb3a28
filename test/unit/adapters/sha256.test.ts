/** `Sha256`, the clients' request-signing hash: the same digests, and the same SigV4 signatures, as the SDK's own. */
import { createHash, createHmac } from 'node:crypto';
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CLIENT_OPTIONS } from '#shared/adapters/aws-clients.ts';
import { Sha256 } from '#shared/adapters/sha256.ts';

const bytes = (text: string) => new TextEncoder().encode(text);
const hex = (digest: Uint8Array) => Buffer.from(digest).toString('hex');

async function digestOf(secret: ConstructorParameters<typeof Sha256>[0], ...chunks: string[]) {
  const hash = new Sha256(secret);
  for (const chunk of chunks) hash.update(bytes(chunk));
  return hex(await hash.digest());
}

describe('Sha256', () => {
  it('hashes as node:crypto does, over several chunks', async () => {
    expect(await digestOf(undefined, 'a', 'bc')).toBe(createHash('sha256').update('abc').digest('hex'));
  });

  it('keys an HMAC with a string, bytes, a view into a larger buffer, or an ArrayBuffer alike', async () => {
    const key = Buffer.from('0123456789abcdef0123456789abcdef');
    const expected = createHmac('sha256', key).update('string to sign').digest('hex');
    const larger = new Uint8Array(48);
    larger.set(key, 8);
    expect(await digestOf(key.toString(), 'string to sign')).toBe(expected);
    expect(await digestOf(new Uint8Array(key), 'string to sign')).toBe(expected);
    expect(await digestOf(larger.subarray(8, 40), 'string to sign')).toBe(expected);
    expect(await digestOf(new Uint8Array(key).buffer, 'string to sign')).toBe(expected);
  });

  it('lets a plain hash go on after a digest, as the SDK’s does, but not an HMAC', async () => {
    const plain = new Sha256();
    plain.update(bytes('ab'));
    await plain.digest();
    plain.update(bytes('c'));
    expect(hex(await plain.digest())).toBe(createHash('sha256').update('abc').digest('hex'));

    const hmac = new Sha256('key');
    hmac.update(bytes('x'));
    await hmac.digest();
    expect(() => hmac.update(bytes('y'))).toThrow('already finished');
  });

  it('starts over on reset', async () => {
    const hmac = new Sha256(bytes('key'));
    hmac.update(bytes('discarded'));
    await hmac.digest();
    hmac.reset();
    hmac.update(bytes('kept'));
    expect(hex(await hmac.digest())).toBe(createHmac('sha256', 'key').update('kept').digest('hex'));
  });
});

describe('CLIENT_OPTIONS', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  /** The Authorization header a client signs for one GetItem at a fixed instant (the request never leaves). */
  async function authorizationOf(options: object): Promise<string> {
    let authorization = '';
    const client = new DynamoDBClient({
      ...options,
      maxAttempts: 1,
      region: 'eu-central-1',
      credentials: {
        accessKeyId: 'AKIDEXAMPLE',
        secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
      },
      requestHandler: {
        handle: async (request: { headers: Record<string, string> }) => {
          authorization = request.headers.authorization ?? '';
          throw new Error('captured');
        },
      },
    });
    // Each request carries a random invocation id, which is signed: fixed here so two signatures can compare.
    client.middlewareStack.addRelativeTo(
      ((next: (args: object) => Promise<object>) => async (args: object) => {
        const { request } = args as { request: { headers: Record<string, string> } };
        request.headers['amz-sdk-invocation-id'] = '00000000-0000-4000-8000-000000000000';
        return next(args);
      }) as Parameters<typeof client.middlewareStack.addRelativeTo>[0],
      { relation: 'before', toMiddleware: 'httpSigningMiddleware' },
    );
    await expect(
      client.send(
        new GetItemCommand({ TableName: 'rebound', Key: { pk: { S: 'USER#u' }, sk: { S: 'PROFILE' } } }),
      ),
    ).rejects.toThrow('captured');
    return authorization;
  }

  it('signs requests exactly as the SDK’s own hash does', async () => {
    vi.useFakeTimers({ now: new Date('2026-12-01T09:00:00Z'), toFake: ['Date'] });
    const ours = await authorizationOf({ sha256: CLIENT_OPTIONS.sha256 });
    const sdks = await authorizationOf({});
    expect(ours).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/20261201\/eu-central-1\/dynamodb\/aws4_request, /,
    );
    expect(ours).toBe(sdks);
  });
});
