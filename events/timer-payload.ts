/**
 * What a reminder timer delivers to the sender: EventBridge Scheduler passes the schedule's `Input`
 * as the raw Lambda event. Ids only; the sender re-reads everything else from DynamoDB.
 */
// A namespace import lets esbuild drop what is unused (all locales but the default): ~85 KB instead of ~450 KB.
import * as z from 'zod';

export const TimerPayloadSchema = z.strictObject({
  userId: z.string().regex(/^u_[0-9a-f]{24}$/),
  reminderId: z.string().regex(/^r_[0-9a-f]{30}$/),
});
export type TimerPayloadInput = z.infer<typeof TimerPayloadSchema>;
