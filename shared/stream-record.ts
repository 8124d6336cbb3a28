/**
 * What the planner's stream delivers once `PLANNER_STREAM_FILTER` (`table-definition.ts`) has let it through:
 * an INSERT of an `EVENT#` item, its new image unmarshalled. Only the item's identity is checked here; its
 * content is checked against the contract by `planEvent`, so that an item that violates it is marked failed
 * instead of being retried until it expires.
 *
 * The record schema follows Powertools' `DynamoDBStreamRecord` (`@aws-lambda-powertools/parser/schemas/dynamodb`)
 * field for field, written here rather than imported: Powertools' parser imports `z` from `zod` by name, which
 * pulls every locale and the JSON Schema converters into the bundle (about 360 KB of the planner's 1.1 MB).
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
// A namespace import lets esbuild drop what is unused (all locales but the default).
import * as z from 'zod';

/** A stored event item: whose and which it is; every other attribute is left for the contract to judge. */
export const StoredEventItemSchema = z.looseObject({
  userId: z.string().min(1),
  eventId: z.string().min(1),
});

/** A DynamoDB JSON image (`{ attribute: { S: … } }`) of a stored event, unmarshalled, then its identity checked. */
const StoredEventImageSchema = z
  .record(
    z.string(),
    z.custom<AttributeValue>((value) => typeof value === 'object' && value !== null),
  )
  .transform((image, ctx) => {
    try {
      return unmarshall(image) as Record<string, unknown>;
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: `Could not unmarshall the image: ${String(error)}` });
      return z.NEVER;
    }
  })
  .pipe(StoredEventItemSchema);

export const EventInsertSchema = z.object({
  eventID: z.string(),
  eventName: z.enum(['INSERT', 'MODIFY', 'REMOVE']),
  eventVersion: z.string(),
  eventSource: z.literal('aws:dynamodb'),
  awsRegion: z.string(),
  eventSourceARN: z.string(),
  dynamodb: z.object({
    ApproximateCreationDateTime: z.number().optional(),
    Keys: z.record(z.string(), z.record(z.string(), z.any())),
    NewImage: StoredEventImageSchema,
    OldImage: z.record(z.string(), z.any()).optional(),
    SequenceNumber: z.string(),
    SizeBytes: z.number(),
    StreamViewType: z.enum(['NEW_IMAGE', 'OLD_IMAGE', 'NEW_AND_OLD_IMAGES', 'KEYS_ONLY']),
  }),
  userIdentity: z
    .object({ type: z.literal('Service'), principalId: z.literal('dynamodb.amazonaws.com') })
    .optional(),
});
export type EventInsert = z.infer<typeof EventInsertSchema>;
