/** `POST /_local/ses/feedback` over real HTTP on loopback, with the world and the feedback function faked. */
import { afterEach, describe, expect, it } from 'vitest';
import { feedbackOf, SesFeedbackEventSchema } from '../../../events/ses-feedback.ts';
import {
  type SesControlsDeps,
  type SesFeedbackOrigin,
  sesControls,
  sesFeedbackEvent,
} from '../../../infra/local/ses-feedback.ts';
import type { RecordedEmail } from '../../../infra/local/ses-recorder.ts';
import { type Served, serve } from '../../../infra/local/support/http.ts';
import { fixtureBody } from '../../support/events.ts';

const ORIGIN: SesFeedbackOrigin = {
  account: '000000000000',
  region: 'us-east-1',
  configurationSet: 'rebound-local',
  mailFrom: 'Rebound <reminders@rebound.local>',
};
const NOW = new Date('2027-01-04T08:00:05.250Z');

function sent(to: string, messageId: string, sentAt: string): RecordedEmail {
  return {
    messageId,
    from: ORIGIN.mailFrom,
    to: [to],
    subject: '',
    text: '',
    html: '',
    headers: [],
    tags: [],
    sentAt,
  };
}

describe('sesFeedbackEvent', () => {
  it.each([
    ['a permanent bounce', { type: 'Bounce', bounceType: 'Permanent' }, 'Email Bounced', 'permanent_bounce'],
    ['a transient bounce', { type: 'Bounce', bounceType: 'Transient' }, 'Email Bounced', 'transient_bounce'],
    ['a complaint', { type: 'Complaint' }, 'Email Complaint Received', 'complaint'],
  ] as const)(
    'builds %s as SES publishes it, which the contract reads back',
    (_name, request, detailType, kind) => {
      // Act
      const event = sesFeedbackEvent(
        { email: 'sam@example.com', ...request },
        { messageId: 'm-1', sentAt: '2027-01-04T08:00:01.000Z' },
        NOW,
        ORIGIN,
      );

      // Assess
      const parsed = SesFeedbackEventSchema.parse(event);
      expect(parsed['detail-type']).toBe(detailType);
      expect(parsed.time).toBe('2027-01-04T08:00:05Z');
      expect(feedbackOf(parsed)).toEqual([{ email: 'sam@example.com', kind, messageId: 'm-1' }]);
    },
  );

  it('has the keys of the AWS fixture at every level', () => {
    // Prepare
    const aws = fixtureBody('ses/bounce-permanent') as Record<string, Record<string, unknown>>;

    // Act
    const event = sesFeedbackEvent(
      { email: 'sam@example.com', type: 'Bounce', bounceType: 'Permanent' },
      undefined,
      NOW,
      ORIGIN,
    ) as Record<string, Record<string, Record<string, unknown>>>;

    // Assess
    const keys = (o: object | undefined) => Object.keys(o ?? {}).sort();
    const detail = aws.detail as Record<string, Record<string, unknown>>;
    expect(keys(event)).toEqual(keys(aws));
    expect(keys(event.detail)).toEqual(keys(detail));
    expect(keys(event.detail?.bounce)).toEqual(keys(detail.bounce));
    expect(keys(event.detail?.mail)).toEqual(keys(detail.mail));
    expect(String(event.detail?.mail?.messageId)).toMatch(/^local-/);
  });
});

describe('POST /_local/ses/feedback', () => {
  let served: Served | undefined;
  afterEach(async () => {
    await served?.close();
    served = undefined;
  });

  async function twin(
    emails: RecordedEmail[],
    invoke: SesControlsDeps['invoke'] = async () => ({ recorded: 1 }),
  ) {
    const invoked: Record<string, unknown>[] = [];
    let settled = 0;
    const deps: SesControlsDeps = {
      clock: { now: () => NOW },
      world: {
        runAndSettle: async (fn) => {
          const result = await fn();
          settled += 1;
          return result;
        },
      },
      origin: ORIGIN,
      emails: async () => emails,
      suppressions: async () => [],
      invoke: async (event) => {
        invoked.push(event);
        return invoke(event);
      },
      log: () => undefined,
    };
    served = await serve(0, sesControls(deps), () => undefined);
    const post = async (body: string) => {
      const res = await fetch(`http://127.0.0.1:${served?.port}/_local/ses/feedback`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };
    return { post, invoked, settled: () => settled };
  }

  it('invokes the feedback function about the last email sent to the address, and settles the world', async () => {
    // Prepare
    const api = await twin([
      sent('sam@example.com', 'first', '2027-01-01T08:00:00.000Z'),
      sent('kim@example.com', 'other', '2027-01-02T08:00:00.000Z'),
      sent('sam@example.com', 'last', '2027-01-03T08:00:00.000Z'),
    ]);

    // Act
    const res = await api.post(JSON.stringify({ email: 'sam@example.com', type: 'Complaint' }));

    // Assess
    expect(res.status).toBe(200);
    expect(res.body.result).toEqual({ recorded: 1 });
    expect(api.invoked).toHaveLength(1);
    const detail = SesFeedbackEventSchema.parse(api.invoked[0]).detail;
    expect(detail.mail).toMatchObject({ messageId: 'last', timestamp: '2027-01-03T08:00:00.000Z' });
    expect(api.settled()).toBe(1);
  });

  it('answers 502 with the message when the function fails', async () => {
    // Prepare
    const api = await twin([], async () => {
      throw new Error('DynamoDB unreachable');
    });

    // Act
    const res = await api.post(
      JSON.stringify({ email: 'sam@example.com', type: 'Bounce', bounceType: 'Transient' }),
    );

    // Assess
    expect(res.status).toBe(502);
    expect(res.body).toMatchObject({ error: 'function_failed', message: 'DynamoDB unreachable' });
  });

  it.each([
    ['malformed JSON', '{"email":', ''],
    ['no address', '{"type":"Complaint"}', 'email'],
    ['an address that is not one', '{"email":"sam","type":"Complaint"}', 'email'],
    ['an unknown type', '{"email":"sam@example.com","type":"Delivery"}', 'type'],
    ['a bounce without its type', '{"email":"sam@example.com","type":"Bounce"}', 'bounceType'],
    [
      'a complaint with a bounce type',
      '{"email":"sam@example.com","type":"Complaint","bounceType":"Permanent"}',
      'bounceType',
    ],
    [
      'an unknown bounce type',
      '{"email":"sam@example.com","type":"Bounce","bounceType":"Undetermined"}',
      'bounceType',
    ],
    ['a stray field', '{"email":"sam@example.com","type":"Complaint","at":"now"}', ''],
  ])('answers 400 for %s, naming the field, and invokes nothing', async (_name, body, path) => {
    // Prepare
    const api = await twin([]);

    // Act
    const res = await api.post(body);

    // Assess
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid_request');
    expect((res.body.issues as { path: string }[]).map((i) => i.path)).toContain(path);
    expect(api.invoked).toEqual([]);
  });
});
