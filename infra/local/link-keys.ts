/**
 * The twin's link key ring: generated into the data directory on first start, in the same flat form as the
 * Secrets Manager secret on AWS (`{ "current": kid, kid: secret }`), readable only by its owner.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

export async function ensureLinkKeys(file: string): Promise<string> {
  try {
    await readFile(file, 'utf8');
    return file;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  await mkdir(dirname(file), { recursive: true });
  const ring = { current: 'local-1', 'local-1': randomBytes(32).toString('base64url') };
  // `wx`: two twins starting on one data directory cannot overwrite each other's key.
  await writeFile(file, `${JSON.stringify(ring)}\n`, { mode: 0o600, flag: 'wx' }).catch((error: unknown) => {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  });
  return file;
}
