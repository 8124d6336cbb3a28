/**
 * The single table, defined once. The CDK stack (`infra/`) and the local twin (`infra/local/`) both build
 * the table from this module, so key names, indexes and the stream can never drift apart.
 *
 * Access patterns (see README "Data model"):
 *  - user timeline ........ Query pk = USER#<userId>                       (events, applications, reminders, digests)
 *  - one application ...... GetItem pk = USER#<userId>, sk = APP#<ref>
 *  - user's reminders ..... Query pk = USER#<userId>, sk begins_with REMINDER#
 *  - pending by due time .. Query GSI1 gsi1pk = PENDING, gsi1sk <= <dueAt>  (sparse: only pending reminders
 *                           with a timer; the reconciler's view)
 *  - held by due time ..... Query GSI1 gsi1pk = HELD, gsi1sk = <dueAt>#<reminderId> (pending reminders held for
 *                           consent; they leave it when released to PENDING, cancelled or erased; admin view)
 *  - stuck digests ........ Query GSI1 gsi1pk = SENDING, gsi1sk <= <claimedAt> (sparse)
 *  - emails sent per day .. Query GSI1 gsi1pk = SENT#<YYYY-MM-DD>, gsi1sk = <sentAt>#<digestId> (a digest moves
 *                           there from SENDING when completed; the UTC day of `sentAt`; admin view)
 *  - SES feedback per day . Query GSI1 gsi1pk = FEEDBACK#<YYYY-MM-DD>, gsi1sk = <receivedAt>#<eventId> (the
 *                           bounce and complaint events SES reported, `feedback` = bounce | complaint; admin view)
 *  - sources .............. Query GSI1 gsi1pk = SOURCES (the integrators' sources, `shared/adapters/source-store.ts`)
 *  - a user's live state .. Query GSI2 gsi2pk = USER#<userId>: the profile (gsi2sk `#PROFILE`) and the user's
 *                           pending reminders, held ones included (gsi2sk `<dueAt>#<reminderId>`); sparse, so
 *                           the user's history (sent and cancelled reminders, events, digests) is never read.
 *                           Eventually consistent: the sender's claims are conditional, and the planner reads
 *                           the base table when the index may lag (see `shared/use-cases/plan-event.ts`).
 *
 * TTL: `expiresAt` (epoch seconds). An unconfirmed user's profile and every item stored for it carry it, 30
 * days after their last activity; confirming removes it; an erasure marker carries its own (see
 * `shared/domain/admission.ts` and `erasure.ts`). CDK and the twin enable TTL on the attribute named here.
 */
export const TABLE_DEFINITION = {
  partitionKey: { name: 'pk', type: 'S' },
  sortKey: { name: 'sk', type: 'S' },
  globalSecondaryIndexes: [
    {
      indexName: 'gsi1',
      partitionKey: { name: 'gsi1pk', type: 'S' },
      sortKey: { name: 'gsi1sk', type: 'S' },
    },
    {
      indexName: 'gsi2',
      partitionKey: { name: 'gsi2pk', type: 'S' },
      sortKey: { name: 'gsi2sk', type: 'S' },
    },
  ],
  /** Items expire at this epoch-seconds attribute (DynamoDB TTL); items without it never expire. */
  timeToLiveAttribute: 'expiresAt',
  /** The planner reads only the new image of an INSERT; old images would be stream bytes nobody reads. */
  streamViewType: 'NEW_IMAGE',
} as const;

export type TableDefinition = typeof TABLE_DEFINITION;

/** Sort-key prefix of stored intake events: the only stream records the planner wants. */
export const EVENT_SK_PREFIX = 'EVENT#';

/**
 * The event-source filter, in the Lambda FilterCriteria pattern language. CDK passes it to the event source
 * mapping; the local stream poller evaluates the same object, so AWS and the twin filter identically.
 */
export const PLANNER_STREAM_FILTER = {
  eventName: ['INSERT'],
  dynamodb: { Keys: { sk: { S: [{ prefix: EVENT_SK_PREFIX }] } } },
} as const;

/**
 * The admin actions' audit trail: its own table, so that only the admin function's role can read it (no other
 * function is granted anything on it). One partition per UTC month (`AUDIT#<yyyy-mm>`), newest first by
 * `sk = <at>#<auditId>`; items expire after `AUDIT_RETENTION_DAYS` (TTL `expiresAt`).
 */
export const AUDIT_TABLE_DEFINITION = {
  partitionKey: { name: 'pk', type: 'S' },
  sortKey: { name: 'sk', type: 'S' },
  timeToLiveAttribute: 'expiresAt',
} as const;

/** Two years: long enough for a yearly review of who did what. */
export const AUDIT_RETENTION_DAYS = 730;
