import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { feedbackOf, SesFeedbackEventSchema } from '../../events/ses-feedback.ts';

const load = (name: string): unknown =>
  JSON.parse(readFileSync(new URL(`../../events/fixtures/ses/${name}.json`, import.meta.url), 'utf8'));

describe('SES feedback events', () => {
  it('reads a permanent bounce as a permanent bounce of each recipient', () => {
    const event = SesFeedbackEventSchema.parse(load('bounce-permanent'));
    expect(feedbackOf(event)).toEqual([
      { email: 'sam@example.com', kind: 'permanent_bounce', messageId: '0102018f-message-example-000000' },
    ]);
  });

  it('reads a complaint as a complaint', () => {
    const event = SesFeedbackEventSchema.parse(load('complaint'));
    expect(feedbackOf(event).map((f) => f.kind)).toEqual(['complaint']);
  });

  it('counts a transient or undetermined bounce as transient', () => {
    const base = load('bounce-permanent') as { detail: { bounce: { bounceType: string } } };
    for (const bounceType of ['Transient', 'Undetermined']) {
      base.detail.bounce.bounceType = bounceType;
      const event = SesFeedbackEventSchema.parse(base);
      expect(feedbackOf(event).map((f) => f.kind)).toEqual(['transient_bounce']);
    }
  });

  it('refuses an event that is not SES feedback', () => {
    const other = { ...(load('complaint') as object), 'detail-type': 'Email Delivered' };
    expect(SesFeedbackEventSchema.safeParse(other).success).toBe(false);
  });
});
