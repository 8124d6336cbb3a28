/**
 * What the planner's stream delivers once `PLANNER_STREAM_FILTER` (`table-definition.ts`) has let it through:
 * an INSERT of an `EVENT#` item. Powertools parses the record and unmarshalls its new image. Only the item's
 * identity is checked here; its content is checked against the contract by `planEvent`, so that an item that
 * violates it is marked failed instead of being retried until it expires.
 *
 * Powertools' shorter `innerSchema` + `transformer: 'unmarshall'` applies the schema to `OldImage` as well
 * and, in 2.35, refuses a record without one: every INSERT. Hence the record schema extended by hand, as
 * the Powertools docs show for DynamoDB.
 */
import { DynamoDBMarshalled } from '@aws-lambda-powertools/parser/helpers/dynamodb';
import {
  DynamoDBStreamChangeRecordBase,
  DynamoDBStreamRecord,
} from '@aws-lambda-powertools/parser/schemas/dynamodb';
// A namespace import lets esbuild drop what is unused (all locales but the default).
import * as z from 'zod';

/** A stored event item: whose and which it is; every other attribute is left for the contract to judge. */
export const StoredEventItemSchema = z.looseObject({
  userId: z.string().min(1),
  eventId: z.string().min(1),
});

export const EventInsertSchema = DynamoDBStreamRecord.extend({
  dynamodb: DynamoDBStreamChangeRecordBase.extend({ NewImage: DynamoDBMarshalled(StoredEventItemSchema) }),
});
export type EventInsert = z.infer<typeof EventInsertSchema>;
