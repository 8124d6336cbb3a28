/**
 * `RateCounters` on the single table: one item per source and window, `pk = RATE#<sourceId>`,
 * `sk = <window start, ISO>`, counted with one conditional `UpdateItem` per request:
 * `ADD n :one` only while `n < limit`. It holds across every Lambda instance (they all count on the same
 * item), costs 1 write per request (a refused request's failed condition is billed as a write too), and
 * the item removes itself through TTL (`expiresAt`) a few minutes after its window. The planner's stream
 * filter passes only `EVENT#` sort keys, so these writes never reach it.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { TABLE_DEFINITION } from '../table-definition.ts';
import type { RateCounters } from '../use-cases/limit-rate.ts';

export const rateKeys = {
  counter: (sourceId: string, windowStart: Date) => ({
    pk: `RATE#${sourceId}`,
    sk: windowStart.toISOString(),
  }),
} as const;

export class DynamoDbRateCounters implements RateCounters {
  public constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  public async increment(
    sourceId: string,
    windowStart: Date,
    limit: number,
    expiresAt: Date,
  ): Promise<boolean> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: rateKeys.counter(sourceId, windowStart),
          UpdateExpression: 'SET #ttl = if_not_exists(#ttl, :expires) ADD #n :one',
          ConditionExpression: 'attribute_not_exists(#n) OR #n < :limit',
          ExpressionAttributeNames: { '#n': 'n', '#ttl': TABLE_DEFINITION.timeToLiveAttribute },
          ExpressionAttributeValues: {
            ':one': 1,
            ':limit': limit,
            ':expires': Math.ceil(expiresAt.getTime() / 1000),
          },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }
}
