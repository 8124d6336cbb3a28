/**
 * The twin's KMS: one symmetric key and the two operations the product calls, `Encrypt` (the sources
 * tooling) and `Decrypt` (intake), on the awsJson1_1 wire protocol the SDK speaks
 * (`POST /`, `X-Amz-Target: TrentService.<Operation>`). Nothing else is emulated.
 *
 * The key is AES-256-GCM under a master key generated into the data directory on first start (mode 0600),
 * so sealed secrets survive a restart and stay tied to that directory. As on KMS, a ciphertext names its key
 * and is bound to its encryption context: both are the GCM additional data, so a ciphertext opened with
 * another context (a secret copied to another source's item) fails `InvalidCiphertextException`.
 *
 * Errors, as `@aws-sdk/core`'s awsJson1_1 protocol reads them: the code from the body's `__type` (the part
 * after `#`, or the whole string), the message from `message`; every code below is a modelled class of
 * `@aws-sdk/client-kms` except `UnknownOperationException`, which the SDK raises as a generic service error.
 */
import { createCipheriv, createDecipheriv, randomBytes, randomUUID } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import http from 'node:http';
import { dirname } from 'node:path';
import * as z from 'zod';
import { listen, readBody } from './support/http.ts';

/** KMS refuses larger plaintexts to `Encrypt`. */
const MAX_PLAINTEXT_BYTES = 4096;
/** `Decrypt` takes ciphertexts of at most this size. */
const MAX_CIPHERTEXT_BYTES = 6144;
const REQUEST_MAX_BYTES = 64 * 1024;
const FORMAT_VERSION = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;

export interface KmsKey {
  /** The key id (a UUID), as KMS names keys. */
  readonly keyId: string;
  readonly arn: string;
  readonly alias: string;
  readonly aliasArn: string;
}

const StoredKeySchema = z.object({ keyId: z.uuid(), material: z.base64() });

/**
 * The master key in `file`: read, or generated once (`wx`, mode 0600, so two twins on one data directory
 * cannot overwrite each other's key).
 */
async function ensureMasterKey(file: string): Promise<{ keyId: string; material: Buffer }> {
  try {
    const stored = StoredKeySchema.parse(JSON.parse(await readFile(file, 'utf8')));
    return { keyId: stored.keyId, material: Buffer.from(stored.material, 'base64') };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  await mkdir(dirname(file), { recursive: true });
  const created = { keyId: randomUUID(), material: randomBytes(32).toString('base64') };
  await writeFile(file, `${JSON.stringify(created)}\n`, { mode: 0o600, flag: 'wx' }).catch(
    (error: unknown) => {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    },
  );
  return ensureMasterKey(file);
}

class KmsError extends Error {
  public constructor(
    public readonly type: string,
    message: string,
    public readonly status = 400,
  ) {
    super(message);
    this.name = 'KmsError';
  }
}

const EncryptionContextSchema = z.record(z.string(), z.string()).optional();
const EncryptRequestSchema = z.object({
  KeyId: z.string().min(1).max(2048),
  Plaintext: z.base64(),
  EncryptionContext: EncryptionContextSchema,
});
const DecryptRequestSchema = z.object({
  KeyId: z.string().min(1).max(2048).optional(),
  CiphertextBlob: z.base64(),
  EncryptionContext: EncryptionContextSchema,
});

/** The context in one canonical form (keys sorted), as KMS compares it: order of the keys does not matter. */
function canonicalContext(context: Readonly<Record<string, string>> | undefined): string {
  const entries = Object.entries(context ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return JSON.stringify(entries);
}

/** What GCM authenticates beside the plaintext: the key's ARN and the encryption context. */
function additionalData(keyArn: string, context: Readonly<Record<string, string>> | undefined): Buffer {
  return Buffer.from(`${keyArn}\n${canonicalContext(context)}`, 'utf8');
}

export class KmsEmulator {
  private constructor(
    public readonly key: KmsKey,
    private readonly material: Buffer,
  ) {}

  /** The emulator with the master key of `keyFile` (created on first use). */
  public static async open(
    keyFile: string,
    opts: { readonly region: string; readonly account: string; readonly alias: string },
  ): Promise<KmsEmulator> {
    const { keyId, material } = await ensureMasterKey(keyFile);
    const prefix = `arn:aws:kms:${opts.region}:${opts.account}`;
    return new KmsEmulator(
      {
        keyId,
        arn: `${prefix}:key/${keyId}`,
        alias: opts.alias,
        aliasArn: `${prefix}:${opts.alias}`,
      },
      material,
    );
  }

  /** The key's ARN for a `KeyId` given as key id, key ARN, alias name or alias ARN; `NotFoundException` else. */
  private resolve(keyId: string): string {
    const { key } = this;
    if ([key.keyId, key.arn, key.alias, key.aliasArn].includes(keyId)) return key.arn;
    throw new KmsError('NotFoundException', `Key '${keyId}' does not exist`);
  }

  public encrypt(request: unknown): Record<string, unknown> {
    const input = parse(EncryptRequestSchema, request);
    const keyArn = this.resolve(input.KeyId);
    const plaintext = Buffer.from(input.Plaintext, 'base64');
    if (plaintext.length < 1 || plaintext.length > MAX_PLAINTEXT_BYTES)
      throw new KmsError('ValidationException', `Plaintext must be 1 to ${MAX_PLAINTEXT_BYTES} bytes`);
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.material, iv);
    cipher.setAAD(additionalData(keyArn, input.EncryptionContext));
    const sealed = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    const arn = Buffer.from(keyArn, 'utf8');
    const blob = Buffer.concat([
      Buffer.from([FORMAT_VERSION, arn.length]),
      arn,
      iv,
      cipher.getAuthTag(),
      sealed,
    ]);
    return {
      CiphertextBlob: blob.toString('base64'),
      KeyId: keyArn,
      EncryptionAlgorithm: 'SYMMETRIC_DEFAULT',
    };
  }

  public decrypt(request: unknown): Record<string, unknown> {
    const input = parse(DecryptRequestSchema, request);
    const blob = Buffer.from(input.CiphertextBlob, 'base64');
    if (blob.length < 1 || blob.length > MAX_CIPHERTEXT_BYTES)
      throw new KmsError('ValidationException', `CiphertextBlob must be 1 to ${MAX_CIPHERTEXT_BYTES} bytes`);
    const invalid = () => new KmsError('InvalidCiphertextException', 'The ciphertext is invalid');
    const arnLength = blob[1] ?? 0;
    const headerLength = 2 + arnLength + IV_BYTES + TAG_BYTES;
    if (blob[0] !== FORMAT_VERSION || blob.length <= headerLength) throw invalid();
    const blobKeyArn = blob.subarray(2, 2 + arnLength).toString('utf8');
    // The ciphertext names its key; a KeyId in the request must resolve to the same one.
    if (input.KeyId !== undefined && this.resolve(input.KeyId) !== blobKeyArn)
      throw new KmsError('IncorrectKeyException', 'The key ID in the request does not identify the key');
    if (blobKeyArn !== this.key.arn) throw invalid();
    const iv = blob.subarray(2 + arnLength, 2 + arnLength + IV_BYTES);
    const tag = blob.subarray(2 + arnLength + IV_BYTES, headerLength);
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.material, iv);
      decipher.setAAD(additionalData(blobKeyArn, input.EncryptionContext));
      decipher.setAuthTag(tag);
      const plaintext = Buffer.concat([decipher.update(blob.subarray(headerLength)), decipher.final()]);
      return {
        KeyId: blobKeyArn,
        Plaintext: plaintext.toString('base64'),
        EncryptionAlgorithm: 'SYMMETRIC_DEFAULT',
      };
    } catch {
      // A wrong context and a tampered blob look the same, as on KMS.
      throw invalid();
    }
  }

  /** One awsJson1_1 request: the operation from `X-Amz-Target`, the answer and its status. */
  public handle(target: string | undefined, body: string): { status: number; body: Record<string, unknown> } {
    try {
      let request: unknown;
      try {
        request = JSON.parse(body || '{}');
      } catch {
        throw new KmsError('SerializationException', 'Malformed JSON');
      }
      switch (target) {
        case 'TrentService.Encrypt':
          return { status: 200, body: this.encrypt(request) };
        case 'TrentService.Decrypt':
          return { status: 200, body: this.decrypt(request) };
        default:
          throw new KmsError(
            'UnknownOperationException',
            `The local twin's KMS answers Encrypt and Decrypt only, not ${target ?? 'a request without X-Amz-Target'}`,
          );
      }
    } catch (error) {
      if (error instanceof KmsError)
        return { status: error.status, body: { __type: error.type, message: error.message } };
      return { status: 500, body: { __type: 'KMSInternalException', message: 'Internal error' } };
    }
  }
}

function parse<T>(schema: z.ZodType<T>, request: unknown): T {
  const parsed = schema.safeParse(request);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw new KmsError('ValidationException', `${issue?.path.join('.') || 'request'}: ${issue?.message}`);
}

export interface RunningKms {
  readonly endpoint: string;
  readonly key: KmsKey;
  close(): Promise<void>;
}

/** Serve the emulator on 127.0.0.1:`port` (0 for a free port). */
export async function startKms(opts: {
  readonly port: number;
  readonly keyFile: string;
  readonly region: string;
  readonly account: string;
  /** The key's one alias, `alias/…`. */
  readonly alias: string;
}): Promise<RunningKms> {
  const kms = await KmsEmulator.open(opts.keyFile, opts);
  const server = http.createServer((req, res) => {
    void (async () => {
      const body = await readBody(req, REQUEST_MAX_BYTES);
      const answer =
        req.method !== 'POST' || body === 'too_large'
          ? {
              status: 400,
              body: { __type: 'ValidationException', message: 'POST an awsJson1_1 request of at most 64 KB' },
            }
          : kms.handle(req.headers['x-amz-target'] as string | undefined, body.toString('utf8'));
      res
        .writeHead(answer.status, {
          'content-type': 'application/x-amz-json-1.1',
          'x-amzn-requestid': randomUUID(),
        })
        .end(JSON.stringify(answer.body));
    })().catch(() => (res.headersSent ? res.destroy() : res.writeHead(500).end()));
  });
  const port = await listen(server, opts.port);
  return {
    endpoint: `http://127.0.0.1:${port}`,
    key: kms.key,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
