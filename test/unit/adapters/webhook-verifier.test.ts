/**
 * Signature edge cases, through our adapter (`StandardWebhooksVerifier`): the library does the HMAC, we own
 * how headers reach it, how staleness is told from a bad signature, and that every secret is tried.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signWebhook } from '#events/client.ts';
import { StandardWebhooksVerifier } from '#shared/adapters/webhook-verifier.ts';
import { webhookSecretOf } from '#shared/domain/sources.ts';
import { rawBodyOf } from '#shared/http-intake.ts';
import type { SignedMessage } from '#shared/use-cases/authenticate-request.ts';
import { apiRequest } from '../sources/support.ts';

const SECRET = webhookSecretOf(randomBytes(32));
const OTHER_SECRET = webhookSecretOf(randomBytes(32));
const BODY = '{"type":"offer.accepted","user":{"email":"sam@example.com"}}';
const MINUTE = 60_000;

/** A message signed with `secret` at `at` (default: now), its body as the bytes sent. */
function signed(secret = SECRET, at = new Date(), body = BODY): SignedMessage {
  const headers = signWebhook({ secret, id: 'msg_1', timestamp: at, body });
  return {
    id: headers['webhook-id'],
    timestamp: headers['webhook-timestamp'],
    signature: headers['webhook-signature'],
    body: Buffer.from(body, 'utf8'),
  };
}

const verifier = new StandardWebhooksVerifier();
const bogus = `v1,${randomBytes(32).toString('base64')}`;

describe('StandardWebhooksVerifier', () => {
  it('accepts a message signed with the secret over the same id, timestamp and body', () => {
    expect(verifier.verify(signed(), [SECRET])).toBe('valid');
  });

  it('accepts when any one of several space-separated signatures matches', () => {
    // Prepare
    const message = signed();

    // Act
    const result = verifier.verify({ ...message, signature: `${bogus} ${message.signature} ${bogus}` }, [
      SECRET,
    ]);

    // Assess
    expect(result).toBe('valid');
  });

  it('ignores entries of unknown versions, so a v2 signature alone does not verify', () => {
    // Prepare
    const message = signed();
    const v2 = message.signature.replace(/^v1,/, 'v2,');

    // Act
    const alone = verifier.verify({ ...message, signature: v2 }, [SECRET]);
    const beside = verifier.verify({ ...message, signature: `v2,AAAA ${message.signature}` }, [SECRET]);

    // Assess
    expect(alone).toBe('invalid_signature');
    expect(beside).toBe('valid');
  });

  it('tolerates whitespace around and between signatures: tabs, doubled spaces, a trailing newline', () => {
    // Prepare
    const message = signed();

    // Act
    const results = [
      `  ${message.signature}  `,
      `${bogus}\t${message.signature}`,
      `${bogus}   ${message.signature}\n`,
    ].map((signature) => verifier.verify({ ...message, signature }, [SECRET]));

    // Assess
    expect(results).toEqual(['valid', 'valid', 'valid']);
  });

  it('refuses a signature made with another secret', () => {
    expect(verifier.verify(signed(OTHER_SECRET), [SECRET])).toBe('invalid_signature');
  });

  it('refuses a body changed by one byte after signing', () => {
    // Prepare
    const message = signed();
    const tampered = Buffer.from(message.body);
    tampered[tampered.length - 2] = '!'.charCodeAt(0);

    // Act
    const result = verifier.verify({ ...message, body: tampered }, [SECRET]);

    // Assess
    expect(result).toBe('invalid_signature');
  });

  it('refuses a different webhook-id under the same signature', () => {
    expect(verifier.verify({ ...signed(), id: 'msg_2' }, [SECRET])).toBe('invalid_signature');
  });

  it('verifies a base64-encoded API Gateway body over its decoded bytes', () => {
    // Prepare
    const body = '{"note":"café ☕"}';
    const message = signed(SECRET, new Date(), body);
    const request = apiRequest(body, { base64: true });

    // Act
    const result = verifier.verify({ ...message, body: rawBodyOf(request) }, [SECRET]);

    // Assess
    expect(request.body).not.toBe(body);
    expect(result).toBe('valid');
  });

  it('answers stale_timestamp 6 minutes either side of now, even with a valid signature', () => {
    // Prepare
    const old = signed(SECRET, new Date(Date.now() - 6 * MINUTE));
    const ahead = signed(SECRET, new Date(Date.now() + 6 * MINUTE));

    // Act
    const results = [verifier.verify(old, [SECRET]), verifier.verify(ahead, [SECRET])];

    // Assess
    expect(results).toEqual(['stale_timestamp', 'stale_timestamp']);
  });

  it('accepts a timestamp 4 minutes either side of now', () => {
    const results = [-4, 4].map((m) =>
      verifier.verify(signed(SECRET, new Date(Date.now() + m * MINUTE)), [SECRET]),
    );
    expect(results).toEqual(['valid', 'valid']);
  });

  it('refuses a timestamp that is not whole epoch seconds', () => {
    // Prepare
    const message = signed();

    // Act
    const results = [`${message.timestamp}.5`, `${message.timestamp}abc`, '', '-1'].map((timestamp) =>
      verifier.verify({ ...message, timestamp }, [SECRET]),
    );

    // Assess
    expect(results.every((r) => r !== 'valid')).toBe(true);
    expect(results.slice(0, 2)).toEqual(['invalid_signature', 'invalid_signature']);
  });

  it('accepts either of two secrets during a rotation, and neither when both are others', () => {
    expect(verifier.verify(signed(SECRET), [OTHER_SECRET, SECRET])).toBe('valid');
    expect(verifier.verify(signed(OTHER_SECRET), [OTHER_SECRET, SECRET])).toBe('valid');
    expect(verifier.verify(signed(SECRET), [OTHER_SECRET, webhookSecretOf(randomBytes(24))])).toBe(
      'invalid_signature',
    );
  });

  it('refuses a message when there is no secret to check it with', () => {
    expect(verifier.verify(signed(), [])).toBe('invalid_signature');
  });
});
