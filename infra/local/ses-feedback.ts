/**
 * `POST /_local/ses/feedback`: what SES does when a recipient's server bounces an email or the recipient
 * marks it as spam. It builds the EventBridge event SES publishes for our configuration set (the shape of
 * `events/fixtures/ses/`) and invokes the feedback function with it, as the EventBridge rule does on AWS.
 */
import { randomUUID } from 'node:crypto';
import * as z from 'zod';
import type { Clock } from '../../shared/ports.ts';
import { readRequest } from './controls.ts';
import type { RecordedEmail, SuppressedDestination } from './ses-recorder.ts';
import { type Routes, sendJson } from './support/http.ts';
import type { World } from './world.ts';

export const SesFeedbackRequestSchema = z
  .strictObject({
    email: z.email('must be an email address').max(254),
    type: z.enum(['Bounce', 'Complaint']),
    /** Required for a bounce; a complaint has none. */
    bounceType: z.enum(['Permanent', 'Transient']).optional(),
  })
  .superRefine((request, ctx) => {
    if ((request.type === 'Bounce') !== (request.bounceType !== undefined)) {
      const message =
        request.type === 'Bounce' ? 'required when type is "Bounce"' : 'only allowed with "Bounce"';
      ctx.addIssue({ code: 'custom', path: ['bounceType'], message });
    }
  });
export type SesFeedbackRequest = z.infer<typeof SesFeedbackRequestSchema>;

/** Where the event says it comes from: the twin's account, region and configuration set. */
export interface SesFeedbackOrigin {
  readonly account: string;
  readonly region: string;
  readonly configurationSet: string;
  /** The sender address of our emails (`mail.source`). */
  readonly mailFrom: string;
}

/** The email the feedback is about: the last one sent to the address, if any. */
export interface FeedbackMail {
  readonly messageId: string;
  readonly sentAt: string;
}

/**
 * The EventBridge event SES publishes for `request`, at `now`, about `mail` (a made-up message id when the
 * twin never sent to the address). Field for field what AWS documents for the `Email Bounced` and
 * `Email Complaint Received` detail types; ids are random, as on AWS.
 */
export function sesFeedbackEvent(
  request: SesFeedbackRequest,
  mail: FeedbackMail | undefined,
  now: Date,
  origin: SesFeedbackOrigin,
): Record<string, unknown> {
  const time = now.toISOString();
  const mailPart = {
    timestamp: mail?.sentAt ?? time,
    source: origin.mailFrom,
    sendingAccountId: origin.account,
    messageId: mail?.messageId ?? `local-${randomUUID()}`,
    destination: [request.email],
    headersTruncated: false,
    tags: { 'ses:configuration-set': [origin.configurationSet] },
  };
  const detail =
    request.type === 'Complaint'
      ? {
          eventType: 'Complaint',
          complaint: {
            feedbackId: `local-${randomUUID()}`,
            complaintSubType: null,
            complainedRecipients: [{ emailAddress: request.email }],
            timestamp: time,
            userAgent: 'Rebound local twin',
            complaintFeedbackType: 'abuse',
            arrivalDate: time,
          },
          mail: mailPart,
        }
      : {
          eventType: 'Bounce',
          bounce: {
            feedbackId: `local-${randomUUID()}`,
            bounceType: request.bounceType,
            bounceSubType: request.bounceType === 'Permanent' ? 'General' : 'MailboxFull',
            bouncedRecipients: [
              request.bounceType === 'Permanent'
                ? {
                    emailAddress: request.email,
                    action: 'failed',
                    status: '5.1.1',
                    diagnosticCode: 'smtp; 550 5.1.1 user unknown',
                  }
                : {
                    emailAddress: request.email,
                    action: 'delayed',
                    status: '4.2.2',
                    diagnosticCode: 'smtp; 452 4.2.2 mailbox full',
                  },
            ],
            timestamp: time,
            reportingMTA: 'dsn; rebound.local',
          },
          mail: mailPart,
        };
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': request.type === 'Complaint' ? 'Email Complaint Received' : 'Email Bounced',
    source: 'aws.ses',
    account: origin.account,
    // EventBridge's `time` has whole seconds.
    time: `${time.slice(0, 19)}Z`,
    region: origin.region,
    resources: [
      `arn:aws:ses:${origin.region}:${origin.account}:configuration-set/${origin.configurationSet}`,
    ],
    detail,
  };
}

export interface SesControlsDeps {
  readonly clock: Clock;
  readonly world: Pick<World, 'runAndSettle'>;
  readonly origin: SesFeedbackOrigin;
  emails(): Promise<readonly RecordedEmail[]>;
  /** The account-level suppression list the feedback function writes to. */
  suppressions(): Promise<readonly SuppressedDestination[]>;
  /** The feedback function, as the EventBridge rule invokes it. */
  invoke(event: Record<string, unknown>): Promise<unknown>;
  readonly log: (line: string) => void;
}

export function sesControls(deps: SesControlsDeps): Routes {
  return {
    'GET /_local/ses/suppressions': async (_req, res) => sendJson(res, 200, await deps.suppressions()),
    'POST /_local/ses/feedback': async (req, res) => {
      const hint =
        'Send {"email":"…","type":"Bounce","bounceType":"Permanent"} or {"email":"…","type":"Complaint"}';
      const request = await readRequest(req, res, SesFeedbackRequestSchema, hint);
      if (!request) return;
      const last = (await deps.emails()).findLast((e) => e.to.includes(request.email));
      const event = sesFeedbackEvent(request, last, deps.clock.now(), deps.origin);
      // Under the world's lock, settled afterwards: when this answers, the planner has applied the change.
      const outcome = await deps.world.runAndSettle(() =>
        deps.invoke(event).then(
          (result) => ({ ok: true as const, result }),
          (error: unknown) => ({ ok: false as const, error }),
        ),
      );
      if (!outcome.ok) {
        const message = outcome.error instanceof Error ? outcome.error.message : String(outcome.error);
        deps.log(`[ses] feedback function failed: ${message}`);
        return sendJson(res, 502, { error: 'function_failed', message, event });
      }
      deps.log(`[ses] ${String(event['detail-type'])} delivered to the feedback function`);
      sendJson(res, 200, { result: outcome.result, event });
    },
  };
}
