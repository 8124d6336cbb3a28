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

/**
 * One problem with one field of an event, as the intake answers it: the same shape as `ValidationIssue` in
 * `shared/errors.ts`, declared here so the contracts import nothing from `shared/`.
 */
export interface ContractIssue {
  /** Dotted path of the field, e.g. `occurredAt`. */
  readonly path: string;
  readonly message: string;
}

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

/**
 * One line of human text: no control characters, no line or paragraph separators, no unpaired UTF-16
 * surrogates. Names and companies end up in email subject lines and DynamoDB strings (valid UTF-8 only).
 */
const SINGLE_LINE = /^[^\p{Cc}\p{Cs}\u2028\u2029]*$/u;
/** Free text that may span lines: tab, CR and LF are the only control characters allowed. */
const MULTI_LINE = /^(?:[\t\n\r]|[^\p{Cc}\p{Cs}])*$/u;

/** A trimmed, non-empty single line of at most `max` UTF-16 code units. */
const text = (max: number) =>
  z
    .string()
    .trim()
    .min(1, 'must not be empty')
    .max(max)
    .regex(SINGLE_LINE, 'must be one line of text without control characters');

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

/**
 * Whom the suggested messages address. At least a name or an email: the email greets the contact by name or
 * offers a `mailto:` link to the address; a title alone addresses nobody, and an empty object is stored
 * as an empty map, which carries nothing and has tripped stream consumers.
 */
export const ContactSchema = z
  .strictObject({
    name: text(120).optional(),
    email: z.email('must be an email address').max(254).optional(),
    title: text(120).optional(),
  })
  .refine((contact) => contact.name !== undefined || contact.email !== undefined, {
    message: 'must have a name or an email',
  })
  // The same rule for JSON Schema readers (zod cannot derive it from the refinement).
  .meta({ anyOf: [{ required: ['name'] }, { required: ['email'] }] });

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
  message: z
    .string()
    .trim()
    .min(1, 'must not be empty')
    .max(2000)
    .regex(MULTI_LINE, 'must be text without control characters other than tab and line breaks')
    .optional()
    .describe('The original wording, kept for the record.'),
});

/**
 * How far `occurredAt` may run ahead of the server's clock: clients' clocks drift, and a few minutes of skew
 * is normal for phones and laptops. Anything later did not happen yet.
 */
export const OCCURRED_AT_MAX_FUTURE_MINUTES = 5;
/**
 * How far back `occurredAt` may lie. A job search takes about 18 weeks and the longest reminder is due 8 weeks
 * after its event, so a year covers importing a whole (long) search; an older event can only produce reminders
 * about news more than half a year stale, sent at once.
 */
export const OCCURRED_AT_MAX_AGE_DAYS = 365;
const MINUTE_MS = 60_000;
const DAY_MS = 24 * 60 * MINUTE_MS;
/** `2026-03-10T15:00:00.123456789+05:30` is 35 characters; more digits of a fraction add nothing. */
const OCCURRED_AT_MAX_LENGTH = 40;

/**
 * True when the instant, in UTC, has a four-digit year: `9999-12-31T23:59:59-23:59` is the year 10000 in UTC,
 * which `toISOString()` writes as `+010000-…` and which no stored timestamp or Scheduler `at()` can carry.
 */
function hasFourDigitUtcYear(value: string): boolean {
  const year = new Date(value).getUTCFullYear();
  return year >= 0 && year <= 9999;
}

/**
 * The rules on `occurredAt` that depend on "now", which comes from the `Clock` port (the local twin's clock
 * is virtual), so they cannot be a static part of the schema. Call after the schema accepted the event.
 *
 * @returns no issue when `occurredAt` is absent (it defaults to now) or lies within
 *   [now − {@link OCCURRED_AT_MAX_AGE_DAYS} days, now + {@link OCCURRED_AT_MAX_FUTURE_MINUTES} minutes];
 *   otherwise one issue on the path `occurredAt`.
 */
export function occurredAtIssues(
  event: { readonly occurredAt?: string | undefined },
  now: Date,
): ContractIssue[] {
  if (event.occurredAt === undefined) return [];
  const at = Date.parse(event.occurredAt);
  const latest = now.getTime() + OCCURRED_AT_MAX_FUTURE_MINUTES * MINUTE_MS;
  const earliest = now.getTime() - OCCURRED_AT_MAX_AGE_DAYS * DAY_MS;
  if (Number.isNaN(at)) return [{ path: 'occurredAt', message: 'must be an ISO 8601 date-time with a zone' }];
  if (at > latest) {
    return [
      {
        path: 'occurredAt',
        message: `must not be more than ${OCCURRED_AT_MAX_FUTURE_MINUTES} minutes in the future (server time ${now.toISOString()})`,
      },
    ];
  }
  if (at < earliest) {
    return [
      {
        path: 'occurredAt',
        message: `must not be more than ${OCCURRED_AT_MAX_AGE_DAYS} days in the past (server time ${now.toISOString()})`,
      },
    ];
  }
  return [];
}

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
    .max(OCCURRED_AT_MAX_LENGTH, `must be at most ${OCCURRED_AT_MAX_LENGTH} characters`)
    .refine(hasFourDigitUtcYear, { message: 'must fall between the years 0000 and 9999 in UTC' })
    .optional()
    .describe(
      `When it happened (defaults to now). At most ${OCCURRED_AT_MAX_FUTURE_MINUTES} minutes ahead of the server's clock and at most ${OCCURRED_AT_MAX_AGE_DAYS} days behind it. Backfilled events are fine: overdue reminders go out at the next slot.`,
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
