/** One in-memory DynamoDB Local per test file, started before its tests and stopped after them. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll } from 'vitest';
import {
  type DynamoDbLocal,
  localClientConfig,
  startDynamoDbLocal,
} from '../../../infra/local/dynamodb/launcher.ts';

export interface LocalDynamo {
  /** A scratch directory for the file (checkpoints and the like); removed afterwards. */
  readonly workDir: string;
  readonly endpoint: string;
  readonly client: DynamoDBClient;
}

/** Registers the hooks; call the returned function inside hooks and tests. */
export function useDynamoDbLocal(label: string): () => LocalDynamo {
  let current: LocalDynamo | undefined;
  let dynamo: DynamoDbLocal | undefined;
  beforeAll(async () => {
    const workDir = await mkdtemp(join(tmpdir(), `rebound-${label}-`));
    dynamo = await startDynamoDbLocal({ dataDir: join(workDir, 'dynamodb'), port: 0, inMemory: true });
    current = {
      workDir,
      endpoint: dynamo.endpoint,
      client: new DynamoDBClient(localClientConfig(dynamo.endpoint)),
    };
  });
  afterAll(async () => {
    current?.client.destroy();
    await dynamo?.stop();
    if (current) await rm(current.workDir, { recursive: true, force: true });
  });
  return () => {
    if (!current) throw new Error('DynamoDB Local is not running: use it inside hooks and tests');
    return current;
  };
}
