/**
 * The twin's tables, built from `TABLE_DEFINITION` (the single table) and `AUDIT_TABLE_DEFINITION` (the admin
 * view's audit trail) exactly as the CDK stacks build them.
 */
import {
  type AttributeDefinition,
  CreateTableCommand,
  type CreateTableCommandInput,
  DescribeTableCommand,
  type DynamoDBClient,
  ResourceInUseException,
  ResourceNotFoundException,
  type ScalarAttributeType,
  UpdateTimeToLiveCommand,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';
import { AUDIT_TABLE_DEFINITION, TABLE_DEFINITION } from '../../../shared/table-definition.ts';

interface KeyDefinition {
  readonly name: string;
  readonly type: ScalarAttributeType;
}

/**
 * The CreateTable request for `tableName`, derived from `TABLE_DEFINITION` (pure, so a unit test can compare).
 * On-demand billing, every GSI projects ALL, and the stream carries the configured view type.
 */
export function createTableInput(tableName: string): CreateTableCommandInput {
  const def = TABLE_DEFINITION;
  const attributes = new Map<string, ScalarAttributeType>();
  const keySchema = (partitionKey: KeyDefinition, sortKey: KeyDefinition | undefined) => {
    for (const key of sortKey ? [partitionKey, sortKey] : [partitionKey]) {
      const known = attributes.get(key.name);
      if (known !== undefined && known !== key.type) {
        throw new Error(`Attribute ${key.name} is declared as both ${known} and ${key.type}`);
      }
      attributes.set(key.name, key.type);
    }
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
    ([AttributeName, AttributeType]) => ({ AttributeName, AttributeType }),
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
 * 2. When this call created the table and `TABLE_DEFINITION` names a TTL attribute, enable TTL on it.
 * 3. Return `LatestStreamArn`; a table without a stream is a configuration error.
 */
export async function ensureTable(
  client: DynamoDBClient,
  tableName: string,
): Promise<{ created: boolean; streamArn: string }> {
  const def = TABLE_DEFINITION;
  const ttlAttribute: unknown = 'timeToLiveAttribute' in def ? def.timeToLiveAttribute : undefined;
  const created = await createUnlessExists(
    client,
    createTableInput(tableName),
    typeof ttlAttribute === 'string' ? ttlAttribute : undefined,
  );
  const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
  const streamArn = Table?.LatestStreamArn;
  if (!streamArn || Table?.StreamSpecification?.StreamEnabled === false) {
    throw new Error(`Table ${tableName} exists but has no enabled stream; delete it so it can be recreated`);
  }
  return { created, streamArn };
}

/**
 * Create a table unless it exists (a concurrent create counts as "exists"), wait until it is ACTIVE, and
 * enable TTL on `ttlAttribute` when this call created it. Returns whether it did.
 */
async function createUnlessExists(
  client: DynamoDBClient,
  input: CreateTableCommandInput,
  ttlAttribute: string | undefined,
): Promise<boolean> {
  const TableName = input.TableName;
  let created = false;
  if (!(await tableExists(client, TableName ?? ''))) {
    try {
      await client.send(new CreateTableCommand(input));
      created = true;
    } catch (error) {
      if (!(error instanceof ResourceInUseException)) throw error;
    }
  }
  // DynamoDB Local answers ACTIVE at once; real DynamoDB takes seconds.
  await waitUntilTableExists({ client, maxWaitTime: 120, minDelay: 1, maxDelay: 5 }, { TableName });
  if (created && ttlAttribute !== undefined) {
    await client.send(
      new UpdateTimeToLiveCommand({
        TableName,
        TimeToLiveSpecification: { AttributeName: ttlAttribute, Enabled: true },
      }),
    );
  }
  return created;
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

/** The CreateTable request of the audit table, from `AUDIT_TABLE_DEFINITION`: keys only, no index, no stream. */
export function createAuditTableInput(tableName: string): CreateTableCommandInput {
  const def = AUDIT_TABLE_DEFINITION;
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [
      { AttributeName: def.partitionKey.name, AttributeType: def.partitionKey.type },
      { AttributeName: def.sortKey.name, AttributeType: def.sortKey.type },
    ],
    KeySchema: [
      { AttributeName: def.partitionKey.name, KeyType: 'HASH' },
      { AttributeName: def.sortKey.name, KeyType: 'RANGE' },
    ],
  };
}

/**
 * Create the audit table unless it exists (nobody reads a stream of it, so it has none), and enable TTL on
 * `AUDIT_TABLE_DEFINITION.timeToLiveAttribute` when this call created it. Returns whether it did.
 */
export async function ensureAuditTable(
  client: DynamoDBClient,
  tableName: string,
): Promise<{ created: boolean }> {
  const created = await createUnlessExists(
    client,
    createAuditTableInput(tableName),
    AUDIT_TABLE_DEFINITION.timeToLiveAttribute,
  );
  return { created };
}
