/**
 * When the reconciler next has work, so that a clock advance steps there. An advance steps from one-time
 * timer to one-time timer (world.ts); the reconciler's `rate(5 minutes)` fires only at those steps and at the
 * end, coalesced. Without this hint, a reminder whose timer was lost would wait for the next timer or the end
 * of the advance, where on AWS the reconciler sends it within minutes.
 *
 * The hint is the reconciler's first run at or after `dueAt + grace` of the oldest pending reminder the
 * reconciler has not run for since then. A reminder still pending after such a run (its send failed) gives
 * no more hints, so a long outage is not stepped through 5 minutes at a time; the reconciler still retries
 * it at every later step, as before.
 */
import { type DynamoDBClient, QueryCommand } from '@aws-sdk/client-dynamodb';
import { keys } from '../../shared/adapters/dynamodb-store.ts';

/** How many of the oldest pending reminders one hint looks at. */
const LOOK_AHEAD = 50;

export interface ReconcilerTiming {
  /** The reconciler schedule's next occurrence; undefined when it is disabled or missing. */
  readonly nextFireAt: string | undefined;
  /** Its last firing, if any. */
  readonly lastFiredAt: string | undefined;
  /** How late a pending reminder must be before the reconciler sends it (`RECONCILE_AFTER_MINUTES`). */
  readonly graceMs: number;
  /** The schedule's rate. */
  readonly periodMs: number;
}

/**
 * The reconciler run that would send the oldest pending reminder it has not run for yet.
 * @param pendingDueAt due times of the oldest pending reminders, oldest first
 */
export function nextReconcilerWake(
  pendingDueAt: readonly string[],
  timing: ReconcilerTiming,
): Date | undefined {
  if (timing.nextFireAt === undefined) return undefined;
  const nextRun = Date.parse(timing.nextFireAt);
  const lastRun =
    timing.lastFiredAt === undefined ? Number.NEGATIVE_INFINITY : Date.parse(timing.lastFiredAt);
  for (const dueAt of pendingDueAt) {
    const needed = Date.parse(dueAt) + timing.graceMs;
    if (needed <= lastRun) continue; // the reconciler has run for it already
    const runs = nextRun >= needed ? 0 : Math.ceil((needed - nextRun) / timing.periodMs);
    return new Date(nextRun + runs * timing.periodMs);
  }
  return undefined;
}

/** Due times of the oldest pending reminders, read from the table's pending index (not metered). */
export async function oldestPendingDueTimes(client: DynamoDBClient, tableName: string): Promise<string[]> {
  const res = await client.send(
    new QueryCommand({
      TableName: tableName,
      IndexName: 'gsi1',
      KeyConditionExpression: 'gsi1pk = :p',
      ExpressionAttributeValues: { ':p': { S: keys.pendingPartition } },
      ProjectionExpression: 'dueAt',
      Limit: LOOK_AHEAD,
    }),
  );
  return (res.Items ?? []).flatMap((item) => (item.dueAt?.S ? [item.dueAt.S] : []));
}
