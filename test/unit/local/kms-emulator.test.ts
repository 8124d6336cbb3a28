/**
 * The twin's KMS emulator over real HTTP on loopback, driven by the real `@aws-sdk/client-kms` (the client
 * the product uses), so the wire format and the error shapes are the ones the SDK parses.
 */
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DecryptCommand,
  EncryptCommand,
  IncorrectKeyException,
  InvalidCiphertextException,
  KMSClient,
  KMSServiceException,
  ListKeysCommand,
  NotFoundException,
} from '@aws-sdk/client-kms';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type RunningKms, startKms } from '../../../infra/local/kms-emulator.ts';
import { KmsSecretBox } from '../../../shared/adapters/secret-box.ts';

const ALIAS = 'alias/rebound-local';
const OPTIONS = { region: 'us-east-1', account: '000000000000', alias: ALIAS } as const;

let dir: string;
let kms: RunningKms | undefined;
let client: KMSClient;

async function start(): Promise<RunningKms> {
  kms = await startKms({ port: 0, keyFile: join(dir, 'kms-key.json'), ...OPTIONS });
  client = new KMSClient({
    endpoint: kms.endpoint,
    region: OPTIONS.region,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
  return kms;
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rebound-kms-'));
});

afterEach(async () => {
  client?.destroy();
  await kms?.close();
  kms = undefined;
  await rm(dir, { recursive: true, force: true });
});

const encrypt = (plaintext: string, context: Record<string, string>, keyId = ALIAS) =>
  client.send(
    new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from(plaintext), EncryptionContext: context }),
  );

describe('the KMS emulator', () => {
  it('opens what it sealed, under the same context, and names its key by ARN', async () => {
    // Prepare
    const { key } = await start();

    // Act
    const sealed = await encrypt('whsec_secret', { sourceId: 'acme' });
    const opened = await client.send(
      new DecryptCommand({
        KeyId: ALIAS,
        CiphertextBlob: sealed.CiphertextBlob,
        EncryptionContext: { sourceId: 'acme' },
      }),
    );

    // Assess
    expect(sealed.KeyId).toBe(key.arn);
    expect(key.arn).toMatch(/^arn:aws:kms:us-east-1:000000000000:key\/[0-9a-f-]{36}$/);
    expect(Buffer.from(opened.Plaintext ?? new Uint8Array()).toString()).toBe('whsec_secret');
    expect(opened.KeyId).toBe(key.arn);
    expect(Buffer.from(sealed.CiphertextBlob ?? new Uint8Array()).toString()).not.toContain('whsec_secret');
  });

  it('accepts the key by id, ARN, alias or alias ARN, and context keys in any order', async () => {
    // Prepare
    const { key } = await start();

    // Act
    const sealed = await Promise.all(
      [key.keyId, key.arn, key.alias, key.aliasArn].map((id) => encrypt('x', { a: '1', b: '2' }, id)),
    );
    const opened = await Promise.all(
      sealed.map((s) =>
        client.send(
          new DecryptCommand({ CiphertextBlob: s.CiphertextBlob, EncryptionContext: { b: '2', a: '1' } }),
        ),
      ),
    );

    // Assess
    expect(opened.map((o) => Buffer.from(o.Plaintext ?? new Uint8Array()).toString())).toEqual([
      'x',
      'x',
      'x',
      'x',
    ]);
  });

  it('refuses a ciphertext under another context (a secret copied to another source) as invalid', async () => {
    // Prepare
    await start();
    const sealed = await encrypt('whsec_secret', { sourceId: 'acme' });

    // Act
    const opening = (context: Record<string, string> | undefined) =>
      client.send(new DecryptCommand({ CiphertextBlob: sealed.CiphertextBlob, EncryptionContext: context }));

    // Assess
    await expect(opening({ sourceId: 'other' })).rejects.toBeInstanceOf(InvalidCiphertextException);
    await expect(opening(undefined)).rejects.toBeInstanceOf(InvalidCiphertextException);
    await expect(opening({ sourceId: 'acme', extra: '1' })).rejects.toBeInstanceOf(
      InvalidCiphertextException,
    );
  });

  it('refuses a tampered ciphertext, an unknown key and a Decrypt naming another key, as KMS does', async () => {
    // Prepare
    await start();
    const sealed = await encrypt('whsec_secret', { sourceId: 'acme' });
    const tampered = Buffer.from(sealed.CiphertextBlob ?? new Uint8Array());
    tampered[tampered.length - 1] = (tampered.at(-1) ?? 0) ^ 1;

    // Act / Assess
    await expect(
      client.send(new DecryptCommand({ CiphertextBlob: tampered, EncryptionContext: { sourceId: 'acme' } })),
    ).rejects.toBeInstanceOf(InvalidCiphertextException);
    await expect(encrypt('x', {}, 'alias/someone-else')).rejects.toBeInstanceOf(NotFoundException);
    await expect(
      client.send(
        new DecryptCommand({
          KeyId: 'alias/someone-else',
          CiphertextBlob: sealed.CiphertextBlob,
          EncryptionContext: { sourceId: 'acme' },
        }),
      ),
    ).rejects.toBeInstanceOf(NotFoundException);
    await expect(
      client.send(new DecryptCommand({ CiphertextBlob: Buffer.from('garbage') })),
    ).rejects.toBeInstanceOf(InvalidCiphertextException);
  });

  it('tells a Decrypt that names a key the ciphertext was not made under (another twin’s key)', async () => {
    // Prepare: a ciphertext of another data directory's key
    const otherDir = await mkdtemp(join(tmpdir(), 'rebound-kms-other-'));
    const other = await startKms({ port: 0, keyFile: join(otherDir, 'kms-key.json'), ...OPTIONS });
    const otherClient = new KMSClient({
      endpoint: other.endpoint,
      region: OPTIONS.region,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      maxAttempts: 1,
    });
    const foreign = await otherClient.send(
      new EncryptCommand({ KeyId: ALIAS, Plaintext: Buffer.from('x'), EncryptionContext: { sourceId: 'a' } }),
    );
    otherClient.destroy();
    await other.close();
    await rm(otherDir, { recursive: true, force: true });
    await start();

    // Act / Assess
    await expect(
      client.send(
        new DecryptCommand({
          KeyId: ALIAS,
          CiphertextBlob: foreign.CiphertextBlob,
          EncryptionContext: { sourceId: 'a' },
        }),
      ),
    ).rejects.toBeInstanceOf(IncorrectKeyException);
  });

  it('answers only Encrypt and Decrypt', async () => {
    // Prepare
    await start();

    // Act
    const listing = client.send(new ListKeysCommand({}));

    // Assess
    await expect(listing).rejects.toBeInstanceOf(KMSServiceException);
    await expect(listing).rejects.toMatchObject({ name: 'UnknownOperationException' });
  });

  it('keeps its master key in the data directory, readable by its owner only, across restarts', async () => {
    // Prepare
    const first = await start();
    const sealed = await new KmsSecretBox(client, ALIAS).seal('whsec_kept', { sourceId: 'acme' });
    client.destroy();
    await first.close();

    // Act
    const second = await start();
    const opened = await new KmsSecretBox(client, ALIAS).open(sealed, { sourceId: 'acme' });

    // Assess
    expect(opened).toBe('whsec_kept');
    expect(second.key.arn).toBe(first.key.arn);
    expect((await stat(join(dir, 'kms-key.json'))).mode & 0o777).toBe(0o600);
    expect(await readFile(join(dir, 'kms-key.json'), 'utf8')).not.toContain('whsec_kept');
  });
});
