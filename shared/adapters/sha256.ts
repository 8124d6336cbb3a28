/**
 * SHA-256 and HMAC-SHA-256 for the AWS SDK's request signing (the clients' `sha256` option), on `node:crypto`
 * as the SDK's own `Sha256Node` is, with one difference: an HMAC key given as bytes is wrapped in a
 * `KeyObject` before `createHmac` sees it.
 *
 * Why: on Node 24 (the Lambda runtime), `createHmac` with a `Buffer` key spends about 10 µs deciding whether
 * the buffer is a `KeyObject` or a `CryptoKey` (12 µs an HMAC, against under 3 µs with a string key or a
 * `KeyObject`; `createSecretKey` itself takes 1 µs). SigV4 makes an HMAC with a byte key on every request
 * (the signature, keyed with the day's signing key), so every AWS call paid it: about 0.2 ms of the planner's
 * ~4 ms of CPU per event (`bench/pipeline-units.ts`). Node 20 has no such cost.
 *
 * The key is not kept beyond the hash it keys (the SDK's `ChecksumConstructor` contract asks for that).
 */
import { createHash, createHmac, createSecretKey, type Hash, type Hmac } from 'node:crypto';

/** The SDK's `SourceData` (`@smithy/types`, not a direct dependency): what a key or a chunk may be. */
type SourceData = string | ArrayBuffer | ArrayBufferView;

/** The SDK's `ChecksumConstructor`, structurally: `new Sha256(secret?)`, `update`, `digest`, `reset`. */
export class Sha256 {
  public readonly digestLength = 32;
  private hash: Hash | Hmac;
  private finished = false;

  public constructor(private readonly secret?: SourceData) {
    this.hash = this.create();
  }

  public update(data: Uint8Array): void {
    if (this.finished) throw new Error('Attempted to update an already finished hash.');
    this.hash.update(data);
  }

  public async digest(): Promise<Uint8Array> {
    // As the SDK's: an HMAC is finished by its digest; a plain hash digests a copy and may go on.
    let buffer: Buffer;
    if (this.secret === undefined) {
      buffer = (this.hash as Hash).copy().digest();
    } else {
      this.finished = true;
      buffer = this.hash.digest();
    }
    return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  }

  public reset(): void {
    this.hash = this.create();
    this.finished = false;
  }

  private create(): Hash | Hmac {
    const secret = this.secret;
    if (secret === undefined) return createHash('sha256');
    if (typeof secret === 'string') return createHmac('sha256', secret);
    const bytes = ArrayBuffer.isView(secret)
      ? Buffer.from(secret.buffer, secret.byteOffset, secret.byteLength)
      : Buffer.from(secret);
    return createHmac('sha256', createSecretKey(bytes));
  }
}
