import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { EVENT_TYPES } from '#events/job-event.ts';
import { loadConfig } from '#shared/config.ts';
import {
  ConcurrencyError,
  ConfigError,
  IdempotencyConflictError,
  InvalidEventError,
  NotFoundError,
  PayloadTooLargeError,
  ReboundError,
  UnsupportedMediaTypeError,
  type ValidationIssue,
} from '#shared/errors.ts';
import { errorResponse } from '#shared/http.ts';
import { MAX_BODY_BYTES, parseJobEventBody, parseJobEventRequest } from '#shared/http-body.ts';
import { fixtureBody } from '../../support/events.ts';

const JSON_TYPE = 'application/json';

/** The issues `parseJobEventBody` reports for `body`, or a failure if it accepts it. */
function issuesOf(body: unknown, contentType = JSON_TYPE): readonly ValidationIssue[] {
  try {
    parseJobEventBody(contentType, typeof body === 'string' ? body : JSON.stringify(body));
  } catch (error) {
    if (error instanceof InvalidEventError) return error.issues;
    throw error;
  }
  throw new Error('expected the body to be rejected');
}

/** The HTTP status the intake answers for `body`: what `parseJobEventBody` throws, mapped by `errorResponse`. */
function statusFor(contentType: string | undefined, body: string): number {
  try {
    parseJobEventBody(contentType, body);
    return 202;
  } catch (error) {
    return errorResponse(error).statusCode ?? 0;
  }
}

function submitted(): Record<string, unknown> & {
  user: Record<string, unknown>;
  application: Record<string, unknown>;
} {
  return fixtureBody('application.submitted') as ReturnType<typeof submitted>;
}

describe('parseJobEventBody', () => {
  it('accepts a fixture sent as application/json', () => {
    // Prepare
    const body = JSON.stringify(submitted());

    // Act
    const event = parseJobEventBody(JSON_TYPE, body);

    // Assess
    expect(event.type).toBe('application.submitted');
    expect(event.application?.ref).toBe('acme-backend');
  });

  it.each(['application/json; charset=utf-8', 'Application/JSON'])('accepts the content type %s', (type) => {
    // Prepare
    const body = JSON.stringify(submitted());

    // Act
    const event = parseJobEventBody(type, body);

    // Assess
    expect(event.id).toBe('evt-acme-backend-submitted');
  });

  it.each([[undefined], [''], ['text/plain'], ['application/x-www-form-urlencoded'], ['application/jsonp']])(
    'refuses the content type %j as unsupported media (415)',
    (type) => {
      // Prepare
      const body = JSON.stringify(submitted());

      // Act
      const parse = () => parseJobEventBody(type, body);

      // Assess
      expect(parse).toThrow(UnsupportedMediaTypeError);
      expect(statusFor(type, body)).toBe(415);
    },
  );

  it('refuses a body over 64 KB as too large (413)', () => {
    // Prepare
    const body = JSON.stringify({ ...submitted(), padding: 'x'.repeat(MAX_BODY_BYTES) });

    // Act
    const parse = () => parseJobEventBody(JSON_TYPE, body);

    // Assess
    expect(MAX_BODY_BYTES).toBe(64 * 1024);
    expect(parse).toThrow(PayloadTooLargeError);
    expect(statusFor(JSON_TYPE, body)).toBe(413);
  });

  it('measures the limit in UTF-8 bytes, not characters', () => {
    // Prepare: fewer characters than the limit, but two bytes each.
    const body = `"${'é'.repeat(MAX_BODY_BYTES / 2)}"`;

    // Act
    const parse = () => parseJobEventBody(JSON_TYPE, body);

    // Assess
    expect(body.length).toBeLessThan(MAX_BODY_BYTES);
    expect(parse).toThrow(PayloadTooLargeError);
  });

  it('reads a body of exactly 64 KB rather than refusing it as too large', () => {
    // Prepare
    const body = ' '.repeat(MAX_BODY_BYTES);

    // Act
    const parse = () => parseJobEventBody(JSON_TYPE, body);

    // Assess: it gets as far as the JSON parser.
    expect(parse).toThrow(InvalidEventError);
  });

  it.each([['{"type": "application.submitted",'], [''], ['undefined']])(
    'reports malformed JSON %j on the empty path',
    (body) => {
      // Act
      const issues = issuesOf(body);

      // Assess
      expect(issues).toEqual([{ path: '', message: expect.stringContaining('Malformed JSON') }]);
    },
  );

  it('reports an unknown type on `type`, listing the valid types', () => {
    // Prepare
    const body = { ...submitted(), type: 'application.ghosted' };

    // Act
    const issues = issuesOf(body);

    // Assess
    expect(issues).toHaveLength(1);
    expect(issues[0]?.path).toBe('type');
    for (const type of EVENT_TYPES) expect(issues[0]?.message).toContain(type);
  });

  it('reports a time zone that does not exist on `user.timezone`', () => {
    // Prepare
    const body = submitted();
    body.user.timezone = 'Mars/Olympus_Mons';

    // Act
    const issues = issuesOf(body);

    // Assess
    expect(issues.map((i) => i.path)).toEqual(['user.timezone']);
  });

  it('reports an unknown rejection reason on `rejection.reason`', () => {
    // Prepare
    const body = fixtureBody('application.rejected');
    body.rejection = { stage: 'interview', reason: 'ghosted' };

    // Act
    const issues = issuesOf(body);

    // Assess
    expect(issues.map((i) => i.path)).toEqual(['rejection.reason']);
    expect(issues[0]?.message).toContain('not_selected');
  });

  it('rejects a field the contract does not know', () => {
    // Prepare
    const body = { ...submitted(), priority: 'high' };

    // Act
    const issues = issuesOf(body);

    // Assess
    expect(issues).toEqual([{ path: 'priority', message: expect.stringContaining('priority') }]);
  });

  it('rejects an unknown field nested in the user', () => {
    // Prepare
    const body = submitted();
    body.user.phone = '+49 30 1234567';

    // Act
    const issues = issuesOf(body);

    // Assess
    expect(issues.map((i) => i.path)).toEqual(['user.phone']);
    expect(issues[0]?.message).toContain('phone');
  });

  it.each([
    ['id', 128, (b: ReturnType<typeof submitted>, v: string) => Object.assign(b, { id: v })],
    ['user.name', 120, (b: ReturnType<typeof submitted>, v: string) => Object.assign(b.user, { name: v })],
    [
      'application.ref',
      100,
      (b: ReturnType<typeof submitted>, v: string) => Object.assign(b.application, { ref: v }),
    ],
    [
      'application.company',
      120,
      (b: ReturnType<typeof submitted>, v: string) => Object.assign(b.application, { company: v }),
    ],
    [
      'application.role',
      160,
      (b: ReturnType<typeof submitted>, v: string) => Object.assign(b.application, { role: v }),
    ],
  ] as const)('limits %s to %i characters', (path, max, set) => {
    // Prepare
    const atLimit = submitted();
    set(atLimit, 'a'.repeat(max));
    const overLimit = submitted();
    set(overLimit, 'a'.repeat(max + 1));

    // Act
    const accepted = parseJobEventBody(JSON_TYPE, JSON.stringify(atLimit));
    const issues = issuesOf(overLimit);

    // Assess
    expect(accepted.type).toBe('application.submitted');
    expect(issues.map((i) => i.path)).toEqual([path]);
  });

  it('limits a rejection message to 2000 characters', () => {
    // Prepare
    const body = fixtureBody('application.rejected');
    body.rejection = { stage: 'interview', reason: 'not_selected', message: 'a'.repeat(2001) };

    // Act
    const issues = issuesOf(body);

    // Assess
    expect(issues.map((i) => i.path)).toEqual(['rejection.message']);
  });
});

describe('parseJobEventRequest', () => {
  /** An API Gateway HTTP API (v2) request with only what the intake reads. */
  const request = (body: string, isBase64Encoded: boolean, contentType = JSON_TYPE) =>
    ({
      headers: { 'content-type': contentType },
      body,
      isBase64Encoded,
    }) as unknown as APIGatewayProxyEventV2;

  it('decodes a base64-encoded body before parsing it', () => {
    // Prepare
    const body = Buffer.from(JSON.stringify(submitted()), 'utf8').toString('base64');

    // Act
    const event = parseJobEventRequest(request(body, true));

    // Assess
    expect(event.id).toBe('evt-acme-backend-submitted');
  });

  it('refuses a request whose content type is not JSON, whatever its body', () => {
    // Prepare
    const body = JSON.stringify(submitted());

    // Act
    const parse = () => parseJobEventRequest(request(body, false, 'text/plain'));

    // Assess
    expect(parse).toThrow(UnsupportedMediaTypeError);
  });
});

describe('errorResponse', () => {
  it.each([
    [
      new InvalidEventError([{ path: 'user.email', message: 'must be an email address' }]),
      400,
      'invalid_event',
    ],
    [new PayloadTooLargeError(MAX_BODY_BYTES), 413, 'payload_too_large'],
    [new UnsupportedMediaTypeError('text/plain'), 415, 'unsupported_media_type'],
    [new IdempotencyConflictError('evt-1'), 409, 'idempotency_conflict'],
    [new NotFoundError('Reminder r_1'), 404, 'not_found'],
  ] as const)('maps %s to %i', (error, status, code) => {
    // Act
    const response = errorResponse(error);

    // Assess
    expect(response.statusCode).toBe(status);
    expect(JSON.parse(response.body ?? '')).toMatchObject({ error: code });
    expect(response.headers?.['content-type']).toContain('application/json');
  });

  it('lists the field issues of an invalid event', () => {
    // Prepare
    const issues = [{ path: 'user.email', message: 'must be an email address' }];

    // Act
    const response = errorResponse(new InvalidEventError(issues));

    // Assess
    expect(JSON.parse(response.body ?? '')).toEqual({ error: 'invalid_event', issues });
  });

  it.each([
    ['a plain Error', new Error('connect ECONNREFUSED 10.0.0.12:8000 password=hunter2')],
    ['a ConcurrencyError', new ConcurrencyError('Plan for event secret-event lost a race')],
    ['a ConfigError', new ConfigError('Invalid configuration: TABLE_NAME')],
    ['a bare ReboundError', new ReboundError('internal detail')],
    ['a thrown string', 'sam@example.com broke it'],
    ['undefined', undefined],
  ])('answers %s with a 500 that says nothing more than internal_error', (_label, error) => {
    // Act
    const response = errorResponse(error);

    // Assess
    expect(response.statusCode).toBe(500);
    expect(response.body).toBe('{"error":"internal_error"}');
  });
});

describe('loadConfig', () => {
  const planner = {
    TABLE_NAME: 'rebound',
    SCHEDULE_GROUP: 'rebound',
    SENDER_FUNCTION_ARN: 'arn:aws:lambda:eu-west-1:123456789012:function:rebound-sender',
    SCHEDULER_ROLE_ARN: 'arn:aws:iam::123456789012:role/rebound-scheduler',
    SCHEDULER_DLQ_ARN: 'arn:aws:sqs:eu-west-1:123456789012:rebound-timer-dlq',
    MAIL_FROM: 'Rebound <hello@rebound.example>',
    PUBLIC_BASE_URL: 'https://rebound.example',
    LINK_KEYS_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:rebound-links',
  };

  it('fails naming the variable that is missing', () => {
    // Prepare
    const { SENDER_FUNCTION_ARN: _missing, ...env } = planner;

    // Act
    const load = () => loadConfig('planner', env);

    // Assess
    expect(load).toThrow(ConfigError);
    expect(load).toThrow(/SENDER_FUNCTION_ARN/);
    expect(load).not.toThrow(/SCHEDULER_ROLE_ARN/);
  });

  it('fails naming a variable that is not an ARN', () => {
    // Prepare
    const env = { ...planner, SCHEDULER_DLQ_ARN: 'rebound-timer-dlq' };

    // Act
    const load = () => loadConfig('planner', env);

    // Assess
    expect(load).toThrow(/SCHEDULER_DLQ_ARN: must be an ARN/);
  });

  it('parses a complete environment and applies the documented default', () => {
    // Prepare
    const env = {
      TABLE_NAME: 'rebound',
      MAIL_FROM: 'Rebound <hello@rebound.example>',
      PUBLIC_BASE_URL: 'https://rebound.example/',
      LINK_KEYS_FILE: '/tmp/link-keys.json',
    };

    // Act
    const config = loadConfig('reconciler', env);

    // Assess
    expect(config).toEqual({
      ...env,
      PUBLIC_BASE_URL: 'https://rebound.example',
      RECONCILE_AFTER_MINUTES: 5,
    });
  });

  it('fails unless exactly one source of link keys is set', () => {
    // Prepare
    const { LINK_KEYS_SECRET_ARN: _secret, ...neither } = planner;
    const both = { ...planner, LINK_KEYS_FILE: '/tmp/link-keys.json' };

    // Act / Assess
    expect(() => loadConfig('planner', neither)).toThrow(
      /exactly one of LINK_KEYS_SECRET_ARN and LINK_KEYS_FILE/,
    );
    expect(() => loadConfig('planner', both)).toThrow(
      /exactly one of LINK_KEYS_SECRET_ARN and LINK_KEYS_FILE/,
    );
    expect(loadConfig('planner', planner).LINK_KEYS_SECRET_ARN).toBe(planner.LINK_KEYS_SECRET_ARN);
  });
});
