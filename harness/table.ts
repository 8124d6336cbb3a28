/**
 * The twin's table read and written from outside, straight on DynamoDB Local (the URL in
 * `GET /_local/health`), not through the handlers' metered, faultable proxy.
 */
import { DynamoDBClient, PutItemCommand, paginateScan, ScanCommand } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { localClientConfig } from '../infra/local/dynamodb/launcher.ts';
import { LOCAL_NAMES } from '../infra/local/wiring.ts';

/** One item of the table, unmarshalled. */
export type TableItem = { readonly pk: string; readonly sk: string } & Readonly<Record<string, unknown>>;

/** Every item of the twin's table. */
export async function scanTable(dynamodbUrl: string): Promise<TableItem[]> {
  const client = new DynamoDBClient(localClientConfig(dynamodbUrl));
  try {
    const items: TableItem[] = [];
    for await (const page of paginateScan({ client }, { TableName: LOCAL_NAMES.table })) {
      for (const raw of page.Items ?? []) items.push(unmarshall(raw) as TableItem);
    }
    return items;
  } finally {
    client.destroy();
  }
}

/**
 * The whole table as one string, byte for byte: every item in DynamoDB's own JSON form (attribute types
 * included), read consistently and sorted. Two snapshots are equal exactly when nothing was written between.
 */
export async function tableSnapshot(dynamodbUrl: string): Promise<string> {
  const client = new DynamoDBClient(localClientConfig(dynamodbUrl));
  try {
    const items: string[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const res = await client.send(
        new ScanCommand({
          TableName: LOCAL_NAMES.table,
          ConsistentRead: true,
          ExclusiveStartKey: start as never,
        }),
      );
      for (const item of res.Items ?? []) items.push(JSON.stringify(item));
      start = res.LastEvaluatedKey;
    } while (start);
    return JSON.stringify(items.sort());
  } finally {
    client.destroy();
  }
}

/**
 * Put `item` as is, bypassing intake and its contract: how a test plants what only a bug, an old version
 * or a hand edit could have stored.
 */
export async function writeItem(dynamodbUrl: string, item: TableItem): Promise<void> {
  const client = new DynamoDBClient(localClientConfig(dynamodbUrl));
  try {
    await client.send(
      new PutItemCommand({
        TableName: LOCAL_NAMES.table,
        Item: marshall(item, { removeUndefinedValues: true }),
      }),
    );
  } finally {
    client.destroy();
  }
}

/** The items whose sort key starts with `prefix#` (`REMINDER`, `DIGEST`, `EVENT`, ...). */
export function itemsOf(items: readonly TableItem[], prefix: string): TableItem[] {
  return items.filter((item) => item.sk.startsWith(`${prefix}#`));
}
