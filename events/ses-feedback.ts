/**
 * What SES publishes to EventBridge for a bounce or a complaint on our configuration set, as far as Rebound
 * reads it. AWS adds fields over time, so the objects are not strict: unknown keys are ignored, and only
 * what the feedback function needs is required. Fixtures: `events/fixtures/ses/`.
 */
import * as z from 'zod';

const Recipient = z.object({ emailAddress: z.string().min(3).max(320) });

const MailSchema = z.object({
  messageId: z.string().min(1).max(200),
  timestamp: z.string().max(40).optional(),
  destination: z.array(z.string().max(320)).max(50).optional(),
});

export const BounceDetailSchema = z.object({
  eventType: z.literal('Bounce'),
  bounce: z.object({
    bounceType: z.enum(['Permanent', 'Transient', 'Undetermined']),
    bounceSubType: z.string().max(64).optional(),
    bouncedRecipients: z.array(Recipient).min(1).max(50),
    timestamp: z.string().max(40).optional(),
  }),
  mail: MailSchema,
});

export const ComplaintDetailSchema = z.object({
  eventType: z.literal('Complaint'),
  complaint: z.object({
    complainedRecipients: z.array(Recipient).min(1).max(50),
    complaintFeedbackType: z.string().max(64).optional(),
    timestamp: z.string().max(40).optional(),
  }),
  mail: MailSchema,
});

export const SES_FEEDBACK_DETAIL_TYPES = ['Email Bounced', 'Email Complaint Received'] as const;

/** The EventBridge envelope with a bounce or complaint inside. */
export const SesFeedbackEventSchema = z.object({
  source: z.literal('aws.ses'),
  'detail-type': z.enum(SES_FEEDBACK_DETAIL_TYPES),
  time: z.string().max(40),
  detail: z.discriminatedUnion('eventType', [BounceDetailSchema, ComplaintDetailSchema]),
});
export type SesFeedbackEvent = z.infer<typeof SesFeedbackEventSchema>;

/** One address's feedback, as the use case sees it. */
export interface Feedback {
  readonly email: string;
  readonly kind: 'permanent_bounce' | 'transient_bounce' | 'complaint';
  readonly messageId: string;
}

/**
 * The addresses an event is about. An `Undetermined` bounce is counted like a transient one: SES could not
 * tell, and three in a row suppress the address anyway.
 */
export function feedbackOf(event: SesFeedbackEvent): Feedback[] {
  const { detail } = event;
  const messageId = detail.mail.messageId;
  if (detail.eventType === 'Complaint') {
    return detail.complaint.complainedRecipients.map((r) => ({
      email: r.emailAddress,
      kind: 'complaint',
      messageId,
    }));
  }
  const kind = detail.bounce.bounceType === 'Permanent' ? 'permanent_bounce' : 'transient_bounce';
  return detail.bounce.bouncedRecipients.map((r) => ({ email: r.emailAddress, kind, messageId }));
}
