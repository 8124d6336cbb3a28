/**
 * The twin's one way to pick ports. The documented layout is kept because users' scripts rely on it:
 * the API on `PORT` (default 3000) and the SES emulator, the Scheduler emulator and DynamoDB Local on the
 * next three; the KMS emulator, added later, on the fourth after it (`PORT+4`), and the admin view's OpenID
 * Connect issuer on `PORT+5`, so the first four keep their numbers. Tests ask for a free block of
 * {@link PORT_BLOCK_SIZE}.
 */
import { createServer } from 'node:net';

export interface PortLayout {
  readonly api: number;
  readonly ses: number;
  readonly scheduler: number;
  readonly dynamodb: number;
  readonly kms: number;
  /** The admin view's local OpenID Connect issuer (the stand-in for Cognito). */
  readonly auth: number;
}

/** How many consecutive ports a twin takes from its base port. */
export const PORT_BLOCK_SIZE = 6;

export function portLayout(base: number): PortLayout {
  return { api: base, ses: base + 1, scheduler: base + 2, dynamodb: base + 3, kms: base + 4, auth: base + 5 };
}

/** Whether `port` can be bound on 127.0.0.1 right now. */
export function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** A base port whose block of `size` ports is free now (races with other processes are possible, rare). */
export async function freePortBlock(size = PORT_BLOCK_SIZE, from = 20_000, to = 60_000): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt += 1) {
    const base = from + Math.floor(Math.random() * (to - from - size));
    const checks = await Promise.all(Array.from({ length: size }, (_, i) => isPortFree(base + i)));
    if (checks.every(Boolean)) return base;
  }
  throw new Error(`No block of ${size} free ports found between ${from} and ${to}`);
}
