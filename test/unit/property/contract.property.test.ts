/**
 * The intake contract (`events/job-event.ts`) through the public parse functions: examples of its bounds,
 * then properties over arbitrary JSON and mutated fixtures. Seeded and bounded (see `support/runs.ts`).
 */
import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  EVENT_TYPES,
  type EventType,
  type JobEventInput,
  JobEventInputSchema,
  OCCURRED_AT_MAX_AGE_DAYS,
  OCCURRED_AT_MAX_FUTURE_MINUTES,
  occurredAtIssues,
} from '#events/job-event.ts';
import { InvalidEventError, PayloadTooLargeError, UnsupportedMediaTypeError } from '#shared/errors.ts';
import { errorResponse } from '#shared/http.ts';
import { MAX_BODY_BYTES, parseJobEvent, parseJobEventBody } from '#shared/http-body.ts';
import { fixtureValue, mutatedFixtureArb, valueArb } from './support/json-mutations.ts';
import { propertyRuns } from './support/runs.ts';

const MINUTE_MS = 60_000;
const DAY_MS = 24 * 60 * MINUTE_MS;
const NOW = new Date('2026-03-10T14:00:00.000Z');

/** The issues the contract reports for `value`, or `accepted`. Anything but `InvalidEventError` escapes. */
function verdict(value: unknown): 'accepted' | readonly { path: string; message: string }[] {
  try {
    parseJobEvent(value);
    return 'accepted';
  } catch (error) {
    if (error instanceof InvalidEventError) return error.issues;
    throw error;
  }
}

/** A fixture with the field at the dotted `path` set to `value` (created along the way when missing). */
function withField(type: EventType, path: string, value: unknown): Record<string, unknown> {
  const event = fixtureValue(type);
  const keys = path.split('.');
  const last = keys.pop() ?? '';
  let node: Record<string, unknown> = event;
  for (const key of keys) {
    node[key] ??= {};
    node = node[key] as Record<string, unknown>;
  }
  node[last] = value;
  return event;
}
const submittedWith = (path: string, value: unknown) => withField('application.submitted', path, value);

describe("the contract's bounds", () => {
  it.each([
    ['an empty contact', {}],
    ['a contact with only a title', { title: 'Engineering Manager' }],
  ])('refuses %s: a contact needs a name or an email', (_, contact) => {
    // Prepare
    const event = submittedWith('application.contact', contact);

    // Act
    const issues = verdict(event);

    // Assess
    expect(issues).toEqual([{ path: 'application.contact', message: 'must have a name or an email' }]);
  });

  it.each([[{ name: 'Jo Park' }], [{ email: 'jo@acme.example' }]])('accepts the contact %j', (contact) => {
    expect(verdict(submittedWith('application.contact', contact))).toBe('accepted');
  });

  it('refuses 9999-12-31T23:59:59-23:59, the year 10000 in UTC, without a clock', () => {
    // Prepare
    const event = submittedWith('occurredAt', '9999-12-31T23:59:59-23:59');

    // Act
    const issues = verdict(event);

    // Assess
    expect(issues).toEqual([
      { path: 'occurredAt', message: 'must fall between the years 0000 and 9999 in UTC' },
    ]);
  });

  it('refuses an occurredAt longer than 40 characters', () => {
    const event = submittedWith('occurredAt', `2026-03-10T14:00:00.${'1'.repeat(30)}Z`);
    expect(verdict(event)).toEqual([{ path: 'occurredAt', message: expect.stringContaining('40') }]);
  });

  it.each([
    ['application.company', 'Acme\r\nBcc: x@example.com'],
    ['application.role', 'Engineer\u0000'],
    ['user.name', 'Sam \ud800'],
    ['application.contact.title', 'Head\u2028of People'],
  ])('refuses control characters and unpaired surrogates in %s', (path, value) => {
    expect(verdict(submittedWith(path, value))).toEqual([
      { path, message: 'must be one line of text without control characters' },
    ]);
  });

  it('accepts a rejection message over several lines and refuses an empty one', () => {
    // Prepare
    const rejected = (message: string) => withField('application.rejected', 'rejection.message', message);

    // Act / Assess
    expect(verdict(rejected('Thank you.\r\n\r\nWe went with\tanother candidate.'))).toBe('accepted');
    expect(verdict(rejected('   '))).toEqual([{ path: 'rejection.message', message: 'must not be empty' }]);
  });
});

describe('occurredAtIssues', () => {
  const at = (offsetMs: number) => ({ occurredAt: new Date(NOW.getTime() + offsetMs).toISOString() });
  const future = OCCURRED_AT_MAX_FUTURE_MINUTES * MINUTE_MS;
  const past = OCCURRED_AT_MAX_AGE_DAYS * DAY_MS;

  it('accepts an absent occurredAt (it defaults to now) and both ends of the window', () => {
    expect(occurredAtIssues({}, NOW)).toEqual([]);
    expect(occurredAtIssues(at(future), NOW)).toEqual([]);
    expect(occurredAtIssues(at(-past), NOW)).toEqual([]);
  });

  it('refuses an occurredAt more than 5 minutes ahead of the clock, naming the clock', () => {
    expect(occurredAtIssues(at(future + 1), NOW)).toEqual([
      {
        path: 'occurredAt',
        message: 'must not be more than 5 minutes in the future (server time 2026-03-10T14:00:00.000Z)',
      },
    ]);
  });

  it('refuses an occurredAt more than 365 days before the clock', () => {
    expect(occurredAtIssues(at(-past - 1), NOW)).toEqual([
      {
        path: 'occurredAt',
        message: 'must not be more than 365 days in the past (server time 2026-03-10T14:00:00.000Z)',
      },
    ]);
  });

  it('gives issues the intake can answer as 400 invalid_event', () => {
    // Act
    const response = errorResponse(new InvalidEventError(occurredAtIssues(at(-past - 1), NOW)));

    // Assess
    expect(response.statusCode).toBe(400);
    expect(JSON.parse(response.body ?? '')).toMatchObject({
      error: 'invalid_event',
      issues: [{ path: 'occurredAt' }],
    });
  });

  it('judges the instant, whatever offset the client wrote it with', () => {
    // 2026-03-10T14:04:00Z written in Kathmandu (+05:45) and in Honolulu (-10:00): both inside the window.
    expect(occurredAtIssues({ occurredAt: '2026-03-10T19:49:00+05:45' }, NOW)).toEqual([]);
    expect(occurredAtIssues({ occurredAt: '2026-03-10T04:04:00-10:00' }, NOW)).toEqual([]);
  });
});

describe('the contract over arbitrary input (property)', () => {
  it('turns any JSON value into a typed event or an invalid_event error, never another throw', () => {
    fc.assert(
      fc.property(fc.oneof(valueArb, mutatedFixtureArb), (value) => {
        // Act
        const result = verdict(value);

        // Assess
        if (result === 'accepted') {
          expect(JobEventInputSchema.safeParse(value).success).toBe(true);
        } else {
          expect(result.length).toBeGreaterThan(0);
          for (const issue of result) {
            expect(typeof issue.path).toBe('string');
            expect(issue.message.length).toBeGreaterThan(0);
          }
        }
      }),
      propertyRuns(500),
    );
  });

  it('accepts no event that carries an empty object, an empty string or an unpaired surrogate', () => {
    const hollow = (value: unknown): boolean => {
      if (typeof value === 'string') return value.length === 0 || /\p{Cs}/u.test(value);
      if (value === null || typeof value !== 'object') return false;
      const children = Object.values(value);
      return (!Array.isArray(value) && children.length === 0) || children.some(hollow);
    };
    fc.assert(
      fc.property(mutatedFixtureArb, (value) => {
        // Act
        let event: JobEventInput;
        try {
          event = parseJobEvent(value);
        } catch (error) {
          if (error instanceof InvalidEventError) return;
          throw error;
        }

        // Assess
        expect(hollow(event)).toBe(false);
        expect(EVENT_TYPES).toContain(event.type);
      }),
      propertyRuns(500),
    );
  });

  it('answers any body and content type with an event, 400, 413 or 415, never another throw', () => {
    const bodyArb = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 200 }),
      fc.json({ maxDepth: 3 }),
      mutatedFixtureArb.map((value) => JSON.stringify(value)),
      // Duplicate keys: JSON.parse keeps the last one, so the contract judges what the handler stores.
      mutatedFixtureArb.map((value) => JSON.stringify(value).replace(/^\{/, '{"type":"offer.accepted",')),
      fc.nat({ max: 4 }).map((extra) => `"${'x'.repeat(MAX_BODY_BYTES - 3 + extra)}"`),
    );
    const contentTypeArb = fc.option(
      fc.oneof(
        fc.constantFrom(
          'application/json',
          'application/json; charset=utf-8',
          'APPLICATION/JSON',
          'text/json',
        ),
        fc.string({ maxLength: 30 }),
      ),
      { nil: undefined },
    );
    fc.assert(
      fc.property(contentTypeArb, fc.option(bodyArb, { nil: undefined }), (contentType, body) => {
        try {
          parseJobEventBody(contentType, body);
        } catch (error) {
          const known =
            error instanceof InvalidEventError ||
            error instanceof PayloadTooLargeError ||
            error instanceof UnsupportedMediaTypeError;
          if (!known) throw error;
        }
      }),
      propertyRuns(300),
    );
  });

  it('finds an occurredAt issue exactly when the instant lies outside [now − 365 days, now + 5 minutes]', () => {
    const nowArb = fc.integer({ min: Date.UTC(2020, 0, 1), max: Date.UTC(2150, 0, 1) });
    const offsetArb = fc.oneof(
      fc.integer({ min: -400 * DAY_MS, max: 400 * DAY_MS }),
      fc.integer({ min: -10 * MINUTE_MS, max: 10 * MINUTE_MS }),
    );
    const zoneOffsetArb = fc.integer({ min: -(23 * 60 + 59), max: 23 * 60 + 59 });
    fc.assert(
      fc.property(nowArb, offsetArb, zoneOffsetArb, (nowMs, offsetMs, zoneMinutes) => {
        // Prepare: the instant written with an arbitrary offset, as a client may send it.
        const instant = nowMs - (nowMs % 1000) + offsetMs - (offsetMs % 1000);
        const local = new Date(instant + zoneMinutes * MINUTE_MS).toISOString().slice(0, 19);
        const sign = zoneMinutes < 0 ? '-' : '+';
        const hh = String(Math.floor(Math.abs(zoneMinutes) / 60)).padStart(2, '0');
        const mm = String(Math.abs(zoneMinutes) % 60).padStart(2, '0');
        const occurredAt = `${local}${sign}${hh}:${mm}`;
        const now = new Date(nowMs);

        // Act
        const issues = occurredAtIssues({ occurredAt }, now);

        // Assess
        const inside =
          instant <= nowMs + OCCURRED_AT_MAX_FUTURE_MINUTES * MINUTE_MS &&
          instant >= nowMs - OCCURRED_AT_MAX_AGE_DAYS * DAY_MS;
        expect(issues.map((i) => i.path)).toEqual(inside ? [] : ['occurredAt']);
        expect(verdict(submittedWith('occurredAt', occurredAt))).toBe('accepted');
      }),
      propertyRuns(300),
    );
  });
});
