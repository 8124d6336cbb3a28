/** `KmsSecretBox`: what it asks KMS (only Encrypt and Decrypt, the key, the encryption context). */
import type { KMSClient } from '@aws-sdk/client-kms';
import { DecryptCommand, EncryptCommand } from '@aws-sdk/client-kms';
import { describe, expect, it } from 'vitest';
import { KmsSecretBox } from '#shared/adapters/secret-box.ts';

/** Stands in for KMS: "encrypts" by prefixing the context, refuses a mismatched context on Decrypt. */
class FakeKms {
  public readonly calls: unknown[] = [];

  public async send(command: unknown) {
    this.calls.push(command);
    if (command instanceof EncryptCommand) {
      const { Plaintext, EncryptionContext } = command.input;
      return {
        CiphertextBlob: Buffer.concat([
          Buffer.from(`${JSON.stringify(EncryptionContext)}|`),
          Buffer.from(Plaintext ?? []),
        ]),
      };
    }
    if (command instanceof DecryptCommand) {
      const blob = Buffer.from(command.input.CiphertextBlob ?? []);
      const bar = blob.indexOf('|');
      if (blob.subarray(0, bar).toString() !== JSON.stringify(command.input.EncryptionContext))
        throw new Error('InvalidCiphertextException');
      return { Plaintext: blob.subarray(bar + 1) };
    }
    throw new Error('unexpected command');
  }
}

describe('KmsSecretBox', () => {
  it('seals with Encrypt under the key and context, and opens with Decrypt naming the same', async () => {
    // Prepare
    const kms = new FakeKms();
    const box = new KmsSecretBox(kms as unknown as KMSClient, 'alias/rebound-sources');

    // Act
    const sealed = await box.seal('whsec_abc', { sourceId: 'acme' });
    const opened = await box.open(sealed, { sourceId: 'acme' });

    // Assess
    expect(opened).toBe('whsec_abc');
    expect(sealed).not.toContain('whsec_abc');
    const [encrypt, decrypt] = kms.calls as [EncryptCommand, DecryptCommand];
    expect(encrypt.input).toMatchObject({
      KeyId: 'alias/rebound-sources',
      EncryptionContext: { sourceId: 'acme' },
    });
    expect(decrypt.input).toMatchObject({
      KeyId: 'alias/rebound-sources',
      EncryptionContext: { sourceId: 'acme' },
    });
  });

  it("does not open a ciphertext under another source's context", async () => {
    const box = new KmsSecretBox(new FakeKms() as unknown as KMSClient, 'k');
    const sealed = await box.seal('whsec_abc', { sourceId: 'acme' });
    await expect(box.open(sealed, { sourceId: 'globex' })).rejects.toThrow('InvalidCiphertextException');
  });
});
