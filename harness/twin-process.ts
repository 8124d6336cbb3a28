/**
 * Runs the local twin exactly as `npm start` does, in a child process, and talks to it only over HTTP.
 * Shared by the integration tests, the bench and the scripts that drive the twin from outside.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePortBlock, isPortFree, PORT_BLOCK_SIZE, portLayout } from '../infra/local/support/ports.ts';
import { HARNESS_CREDENTIALS, HARNESS_RATE_LIMIT, type SourceCredentials } from './credentials.ts';
import type { TwinHealth } from './twin-client.ts';

/** Keep this much of the twin's console output: enough for a failure report, bounded on long runs. */
const OUTPUT_TAIL_CHARS = 64 * 1024;
const READY_TIMEOUT_MS = 60_000;
const STOP_GRACE_MS = 15_000;

export interface TwinProcessOptions {
  /** @default a fresh temporary directory */
  readonly dataDir?: string;
  /**
   * Base port: the API; the SES, Scheduler, DynamoDB and KMS emulators take the next four.
   * @default a free block
   */
  readonly port?: number;
  /**
   * Extra environment for the twin, for example `{ REBOUND_QUIET: '1' }`. The `local` source gets
   * {@link HARNESS_CREDENTIALS} and {@link HARNESS_RATE_LIMIT} unless this sets `REBOUND_LOCAL_*` itself.
   */
  readonly env?: Readonly<Record<string, string>>;
  /** Called once the process exists, before it is ready (the bench samples its memory from then on). */
  readonly onSpawn?: (pid: number) => void;
}

export interface RunningTwin {
  /** The API's base URL, `http://127.0.0.1:<port>`. */
  readonly api: string;
  /** Every part's URL, as `GET /_local/health` reports them. */
  readonly urls: TwinHealth['urls'];
  readonly dataDir: string;
  readonly port: number;
  readonly pid: number;
  /** The `local` source's credentials in this twin (by default {@link HARNESS_CREDENTIALS}). */
  readonly credentials: SourceCredentials;
  stop(): Promise<void>;
  /**
   * `kill -9`: no shutdown at all, as a crashed host. Resolves once the process is gone and its five ports
   * are free again (DynamoDB Local's watchdog ends java within about two seconds), so the same data
   * directory and port can be started again at once.
   */
  kill(): Promise<void>;
  /** The last 64 KB of the twin's stdout and stderr. */
  output(): string;
}

export async function startTwinProcess(opts: TwinProcessOptions = {}): Promise<RunningTwin> {
  const dataDir = opts.dataDir ?? (await mkdtemp(join(tmpdir(), 'rebound-twin-')));
  // Below 32768, the ephemeral range where client sockets could take one of the four ports meanwhile.
  const port = opts.port ?? (await freePortBlock(PORT_BLOCK_SIZE, 20_000, 32_000));
  const credentials: SourceCredentials = {
    sourceId: HARNESS_CREDENTIALS.sourceId,
    apiKey: opts.env?.REBOUND_LOCAL_API_KEY ?? HARNESS_CREDENTIALS.apiKey,
    webhookSecret: opts.env?.REBOUND_LOCAL_WEBHOOK_SECRET ?? HARNESS_CREDENTIALS.webhookSecret,
  };
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'infra/local/main.ts'], {
    env: {
      ...process.env,
      NODE_NO_WARNINGS: '1',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      REBOUND_LOCAL_RATE_PER_SECOND: String(HARNESS_RATE_LIMIT.perSecond),
      REBOUND_LOCAL_RATE_BURST: String(HARNESS_RATE_LIMIT.burst),
      ...opts.env,
      REBOUND_LOCAL_API_KEY: credentials.apiKey,
      REBOUND_LOCAL_WEBHOOK_SECRET: credentials.webhookSecret,
      PORT: String(port),
      REBOUND_DATA_DIR: dataDir,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (child.pid === undefined) throw new Error('The twin process could not be spawned');
  opts.onSpawn?.(child.pid);

  let out = '';
  const capture = (chunk: Buffer) => {
    out += chunk.toString();
    if (out.length > 2 * OUTPUT_TAIL_CHARS) out = out.slice(-OUTPUT_TAIL_CHARS);
  };
  child.stdout?.on('data', capture);
  child.stderr?.on('data', capture);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const api = `http://127.0.0.1:${port}`;

  let health: TwinHealth;
  try {
    health = await waitForHealth(api, exited, () => out.slice(-OUTPUT_TAIL_CHARS));
  } catch (error) {
    child.kill('SIGTERM');
    throw error;
  }
  return {
    api,
    urls: health.urls,
    dataDir,
    port,
    pid: child.pid,
    credentials,
    output: () => out.slice(-OUTPUT_TAIL_CHARS),
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
      await exited;
      clearTimeout(timer);
    },
    kill: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
      await waitForPortsFree(port);
    },
  };
}

async function waitForPortsFree(base: number): Promise<void> {
  const ports = Object.values(portLayout(base));
  const deadline = Date.now() + STOP_GRACE_MS;
  while (Date.now() < deadline) {
    if ((await Promise.all(ports.map(isPortFree))).every(Boolean)) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(
    `Ports ${ports.join(', ')} still in use ${STOP_GRACE_MS / 1000} s after the twin was killed`,
  );
}

/** Poll `GET /_local/health` until it answers 200; fail early when the process exits. */
async function waitForHealth(
  api: string,
  exited: Promise<number | null>,
  output: () => string,
): Promise<TwinHealth> {
  let exitCode: number | null | undefined;
  void exited.then((code) => {
    exitCode = code;
  });
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (exitCode !== undefined)
      throw new Error(`Twin exited (${exitCode}) before it was ready:\n${output()}`);
    try {
      const res = await fetch(`${api}/_local/health`, { signal: AbortSignal.timeout(2_000) });
      if (res.status === 200) return (await res.json()) as TwinHealth;
      await res.body?.cancel();
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`Twin not ready after ${READY_TIMEOUT_MS / 1000} s:\n${output()}`);
}
