/**
 * `SecretBox` on AWS KMS: `Encrypt` and `Decrypt` with one symmetric key for every source, the source id
 * bound to each ciphertext as encryption context. KMS rather than Secrets Manager: one key serves all
 * sources ($1 a month, against $0.40 per secret-month there), only intake's role may `Decrypt` and only the
 * sources tooling may `Encrypt`, and a source stays one table item, read in one `GetItem`. The twin points
 * the client at its KMS emulator with `AWS_ENDPOINT_URL_KMS`; nothing but these two operations is used.
 */
import { DecryptCommand, EncryptCommand, KMSClient } from '@aws-sdk/client-kms';
import type { SecretBox } from '../use-cases/manage-sources.ts';

// Without throwOnRequestTimeout a timeout only logs a warning and a stuck peer hangs the function.
const requestHandler = { requestTimeout: 5_000, connectionTimeout: 2_000, throwOnRequestTimeout: true };

let kmsClient: KMSClient | undefined;

/** The process's KMS client (endpoint from `AWS_ENDPOINT_URL_KMS` in the twin; absent on AWS). */
export function getKmsClient(): KMSClient {
  kmsClient ??= new KMSClient({ maxAttempts: 3, requestHandler });
  return kmsClient;
}

export class KmsSecretBox implements SecretBox {
  public constructor(
    private readonly client: KMSClient,
    /** Key id, ARN or alias (`KMS_KEY_ID`). */
    private readonly keyId: string,
  ) {}

  public async seal(plaintext: string, context: Readonly<Record<string, string>>): Promise<string> {
    const res = await this.client.send(
      new EncryptCommand({
        KeyId: this.keyId,
        Plaintext: Buffer.from(plaintext, 'utf8'),
        EncryptionContext: { ...context },
      }),
    );
    if (!res.CiphertextBlob) throw new Error('KMS Encrypt returned no ciphertext');
    return Buffer.from(res.CiphertextBlob).toString('base64');
  }

  public async open(ciphertext: string, context: Readonly<Record<string, string>>): Promise<string> {
    const res = await this.client.send(
      new DecryptCommand({
        // Naming the key makes KMS refuse a ciphertext made under any other key.
        KeyId: this.keyId,
        CiphertextBlob: Buffer.from(ciphertext, 'base64'),
        EncryptionContext: { ...context },
      }),
    );
    if (!res.Plaintext) throw new Error('KMS Decrypt returned no plaintext');
    return Buffer.from(res.Plaintext).toString('utf8');
  }
}
