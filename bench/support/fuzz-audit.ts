/**
 * `npm run fuzz`'s proof that nothing rejected was written: a full Scan of the twin's table, compared with
 * what the accepted requests (202) said.
 *
 * 1. The `EVENT#` items are exactly the events answered `202 duplicate:false`: same ids, same count.
 * 2. Each stored event is what its accepting request said (the contract's parse of that body), so no later
 *    duplicate or conflicting request (409) overwrote it.
 * 3. Every item the run added lies in the partition of a user some accepted request named: a request that
 *    was refused left nothing, not even a profile. The one exception is intake's own bookkeeping, the rate
 *    counters (`RATE#<source>` partitions), which every authenticated request counts in, refused or not.
 */
import { isDeepStrictEqual } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, paginateScan } from '@aws-sdk/lib-dynamodb';
import type { JobEventInput } from '../../events/job-event.ts';
import { LOCAL_NAMES, REGION } from '../../infra/local/wiring.ts';
import { userIdFor } from '../../shared/domain/ids.ts';
import { parseJobEventBody } from '../../shared/http-body.ts';
import type { FuzzRequest } from './fuzz-requests.ts';

export interface TableItem {
  readonly pk: string;
  readonly sk: string;
  readonly [attribute: string]: unknown;
}

/** Every item of the twin's table, through a client of the fuzz's own (local credentials, no retries hidden). */
export async function scanTable(endpoint: string): Promise<TableItem[]> {
  const client = DynamoDBDocumentClient.from(
    new DynamoDBClient({
      endpoint,
      region: REGION,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    }),
  );
  try {
    const items: TableItem[] = [];
    for await (const page of paginateScan({ client, pageSize: 1000 }, { TableName: LOCAL_NAMES.table })) {
      for (const item of page.Items ?? []) items.push(item as TableItem);
    }
    return items;
  } finally {
    client.destroy();
  }
}

export interface Accepted {
  readonly request: FuzzRequest;
  readonly eventId: string;
  readonly duplicate: boolean;
}

export interface AuditResult {
  readonly itemsBefore: number;
  readonly itemsAfter: number;
  readonly newItemsByKind: Readonly<Record<string, number>>;
  readonly storedEvents: number;
  readonly acceptedNew: number;
  readonly missingEvents: readonly string[];
  readonly unexpectedEvents: readonly string[];
  readonly alteredEvents: readonly string[];
  readonly strayItems: readonly string[];
  readonly plannedEvents: number;
  /** Events the planner marked `failed` (a permanent failure), with their reasons. */
  readonly failedEvents: readonly string[];
}

const key = (item: TableItem) => `${item.pk}|${item.sk}`;
/** The rate counters' items: `sk` is a window start, so they are counted under their `pk` kind. */
const RATE_COUNTER_PREFIX = 'RATE#';
const kindOf = (item: TableItem) =>
  item.pk.startsWith(RATE_COUNTER_PREFIX) ? 'RATE' : (item.sk.split('#')[0] ?? item.sk);

/** What the contract makes of an accepted request's body: what the handler stored. */
function parsedBody(request: FuzzRequest): JobEventInput {
  const contentType = request.headers['content-type'];
  return parseJobEventBody(contentType, request.body?.toString('utf8'));
}

export function audit(
  before: readonly TableItem[],
  after: readonly TableItem[],
  accepted: readonly Accepted[],
): AuditResult {
  const existing = new Set(before.map(key));
  const added = after.filter((item) => !existing.has(key(item)));

  // An event's key is its user's partition and its id: the same id from two users is two events.
  const firstAccept = new Map<string, FuzzRequest>();
  const acceptedUsers = new Set<string>();
  for (const a of accepted) {
    const pk = `USER#${userIdFor(parsedBody(a.request).user.email)}`;
    acceptedUsers.add(pk);
    if (!a.duplicate) firstAccept.set(`${pk}|EVENT#${a.eventId}`, a.request);
  }
  const acceptedNew = accepted.filter((a) => !a.duplicate).length;

  const events = added.filter((item) => item.sk.startsWith('EVENT#'));
  const storedKeys = new Set(events.map(key));
  const missingEvents = [...firstAccept.keys()].filter((k) => !storedKeys.has(k));
  const unexpectedEvents = [...storedKeys].filter((k) => !firstAccept.has(k));
  const alteredEvents = events
    .filter((item) => {
      const request = firstAccept.get(key(item));
      return request !== undefined && !isDeepStrictEqual(item.event, parsedBody(request));
    })
    .map((item) => `${key(item)} (request #${firstAccept.get(key(item))?.index})`);
  const strayItems = added
    .filter((item) => !acceptedUsers.has(item.pk) && !item.pk.startsWith(RATE_COUNTER_PREFIX))
    .map(key);

  const newItemsByKind: Record<string, number> = {};
  for (const item of added) newItemsByKind[kindOf(item)] = (newItemsByKind[kindOf(item)] ?? 0) + 1;

  return {
    itemsBefore: before.length,
    itemsAfter: after.length,
    newItemsByKind,
    storedEvents: events.length,
    acceptedNew,
    missingEvents,
    unexpectedEvents,
    alteredEvents,
    strayItems,
    plannedEvents: events.filter((item) => typeof item.plannedAt === 'string').length,
    failedEvents: events
      .filter((item) => item.status === 'failed')
      .map((item) => `${item.sk}: ${String(item.failureReason ?? 'no reason')}`),
  };
}

/** True when the written check holds: every list of violations is empty and the counts agree. */
export function auditPassed(result: AuditResult): boolean {
  return (
    result.storedEvents === result.acceptedNew &&
    result.missingEvents.length === 0 &&
    result.unexpectedEvents.length === 0 &&
    result.alteredEvents.length === 0 &&
    result.strayItems.length === 0
  );
}
