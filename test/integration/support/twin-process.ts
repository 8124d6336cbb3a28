/**
 * Runs the local twin exactly as `npm start` does, in a child process, and talks to it only over HTTP.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

async function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** A base port whose next three ports are free too (gateway, SES, Scheduler, DynamoDB). */
export async function freePortBlock(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt += 1) {
    const base = 20_000 + Math.floor(Math.random() * 30_000);
    const checks = await Promise.all([0, 1, 2, 3].map((i) => isFree(base + i)));
    if (checks.every(Boolean)) return base;
  }
  throw new Error('No free port block found');
}

export interface RunningTwin {
  readonly api: string;
  readonly dataDir: string;
  readonly port: number;
  stop(): Promise<void>;
  output(): string;
}

export async function startTwinProcess(
  opts: { dataDir?: string; port?: number; env?: Record<string, string> } = {},
): Promise<RunningTwin> {
  const dataDir = opts.dataDir ?? (await mkdtemp(join(tmpdir(), 'rebound-twin-')));
  const port = opts.port ?? (await freePortBlock());
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'infra/local/main.ts'], {
    env: {
      ...process.env,
      PORT: String(port),
      REBOUND_DATA_DIR: dataDir,
      NODE_NO_WARNINGS: '1',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setInterval(() => {
      if (out.includes('Dead letters:')) {
        clearInterval(timer);
        resolve();
      }
    }, 50);
    void exited.then((code) => {
      clearInterval(timer);
      reject(new Error(`Twin exited (${code}) before it was ready:\n${out}`));
    });
    setTimeout(() => {
      clearInterval(timer);
      reject(new Error(`Twin not ready after 60 s:\n${out}`));
    }, 60_000);
  });
  await ready;
  return {
    api: `http://127.0.0.1:${port}`,
    dataDir,
    port,
    output: () => out,
    stop: async () => {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
