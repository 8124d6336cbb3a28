/**
 * The intake contract: one JSON document per thing that happened in a job search.
 * `POST /events` accepts exactly this; the JSON Schema in `events/schema/` is generated from it.
 */
// A namespace import lets esbuild drop what is unused (all locales but the default): ~85 KB instead of ~450 KB.
import * as z from 'zod';

export const EVENT_CONTRACT_VERSION = '1';

export const EVENT_TYPES = [
  'application.submitted',
  'interview.completed',
  'application.rejected',
  'application.withdrawn',
  'offer.accepted',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export const REJECTION_REASONS = [
  'not_hiring',
  'not_selected',
  'keep_on_file',
  'only_accepting_applications',
  'pursuing_other_candidates',
  'other',
] as const;
export type RejectionReason = (typeof REJECTION_REASONS)[number];

export const REJECTION_STAGES = ['application', 'interview'] as const;
export type RejectionStage = (typeof REJECTION_STAGES)[number];

const zoneCache = new Map<string, boolean>();

/** True when `zone` is an IANA time zone the runtime's ICU knows (e.g. `Europe/Berlin`). Cached: ICU is slow. */
export function isValidTimeZone(zone: string): boolean {
  const known = zoneCache.get(zone);
  if (known !== undefined) return known;
  let valid: boolean;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    valid = zone.length > 0;
  } catch {
    valid = false;
  }
  if (zoneCache.size < 1000) zoneCache.set(zone, valid);
  return valid;
}

const text = (max: number) => z.string().trim().min(1, 'must not be empty').max(max);

export const UserSchema = z.strictObject({
  email: z
    .email('must be an email address')
    .max(254)
    .describe('Where the reminders go; identifies the user.'),
  name: text(120).optional().describe('How the emails greet the user and sign suggested messages.'),
  timezone: z
    .string()
    .max(64)
    .refine(isValidTimeZone, { message: 'must be an IANA time zone such as Europe/Berlin' })
    .optional()
    .describe('IANA time zone for the 09:00 send slot; remembered per user; UTC the first time if absent.'),
});

export const ContactSchema = z.strictObject({
  name: text(120).optional(),
  email: z.email('must be an email address').max(254).optional(),
  title: text(120).optional(),
});

export const ApplicationSchema = z.strictObject({
  ref: z
    .string()
    .min(1, 'must not be empty')
    .max(100)
    .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]*$/, 'may contain only letters, digits, ".", "_", ":" and "-"')
    .describe('Your key for this application; every event about it carries the same ref.'),
  company: text(120),
  role: text(160).optional(),
  contact: ContactSchema.optional().describe(
    'The hiring manager or recruiter the suggested messages address.',
  ),
});

export const RejectionSchema = z.strictObject({
  stage: z.enum(REJECTION_STAGES).describe('Rejected on the application alone, or after an interview.'),
  reason: z
    .enum(REJECTION_REASONS)
    .describe(
      'not_hiring: "we\'re not hiring"; not_selected: "you have not been selected"; keep_on_file: "we\'ll keep your résumé on file"; only_accepting_applications: "we\'re only accepting applications"; pursuing_other_candidates; other.',
    ),
  message: z.string().max(2000).optional().describe('The original wording, kept for the record.'),
});

const common = {
  id: z
    .string()
    .min(1, 'must not be empty')
    .max(128)
    .regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces')
    .optional()
    .describe('Idempotency key: a repeat answers duplicate:true; reuse for other content is a 409.'),
  occurredAt: z.iso
    .datetime({ offset: true, message: 'must be an ISO 8601 date-time with a zone' })
    .optional()
    .describe(
      'When it happened (defaults to now). Backfilled events are fine: overdue reminders go out at the next slot.',
    ),
  user: UserSchema,
};

export const ApplicationSubmittedSchema = z.strictObject({
  ...common,
  type: z.literal('application.submitted'),
  application: ApplicationSchema,
});
export const InterviewCompletedSchema = z.strictObject({
  ...common,
  type: z.literal('interview.completed'),
  application: ApplicationSchema,
});
export const ApplicationRejectedSchema = z.strictObject({
  ...common,
  type: z.literal('application.rejected'),
  application: ApplicationSchema,
  rejection: RejectionSchema,
});
export const ApplicationWithdrawnSchema = z.strictObject({
  ...common,
  type: z.literal('application.withdrawn'),
  application: ApplicationSchema,
});
export const OfferAcceptedSchema = z.strictObject({
  ...common,
  type: z.literal('offer.accepted'),
  application: ApplicationSchema.optional(),
});

/** What a client sends. Discriminated on `type`, so an unknown type is reported on the `type` field. */
export const JobEventInputSchema = z.discriminatedUnion('type', [
  ApplicationSubmittedSchema,
  InterviewCompletedSchema,
  ApplicationRejectedSchema,
  ApplicationWithdrawnSchema,
  OfferAcceptedSchema,
]);
export type JobEventInput = z.infer<typeof JobEventInputSchema>;

/**
 * What is stored and what the planner reads from the stream: the input with every default resolved.
 * `eventId` is the client's `id` or a content hash; `userId` is derived from the normalised email.
 */
export const StoredJobEventSchema = z.object({
  eventId: z.string(),
  userId: z.string(),
  receivedAt: z.iso.datetime({ offset: true }),
  occurredAt: z.iso.datetime({ offset: true }),
  contentHash: z.string(),
  event: JobEventInputSchema,
});
export type StoredJobEvent = z.infer<typeof StoredJobEventSchema>;
