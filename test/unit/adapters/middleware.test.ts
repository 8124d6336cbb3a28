import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { httpErrors } from '#shared/adapters/middleware.ts';
import { AuthenticationError, ConcurrencyError, InvalidEventError } from '#shared/errors.ts';

/** Stands in for the Powertools logger: keeps what was logged at error level. */
class RecordingLogger {
  public readonly errors: { message: string; extra: unknown }[] = [];

  public error(message: string, extra?: unknown): void {
    this.errors.push({ message, extra });
  }
}

/** A middy HTTP handler that throws `error`, wrapped in the middleware under test. */
function failingWith(error: unknown, logger: RecordingLogger) {
  return middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>()
    .use(httpErrors({ logger }))
    .handler(() => {
      throw error;
    });
}

const request = {} as APIGatewayProxyEventV2;
const context = {} as Context;

describe('httpErrors', () => {
  it('logs a ReboundError that becomes a 500, with the error as its cause', async () => {
    // Prepare
    const logger = new RecordingLogger();
    const error = new ConcurrencyError('Plan for event evt-1 lost a race');

    // Act
    const response = await failingWith(error, logger)(request, context);

    // Assess
    expect(response.statusCode).toBe(500);
    expect(logger.errors).toHaveLength(1);
    expect(logger.errors[0]?.extra).toEqual({ error });
  });

  it('logs an unexpected error that becomes a 500', async () => {
    // Prepare
    const logger = new RecordingLogger();
    const error = new Error('connect ECONNREFUSED');

    // Act
    const response = await failingWith(error, logger)(request, context);

    // Assess
    expect(response.statusCode).toBe(500);
    expect(logger.errors.map((e) => e.extra)).toEqual([{ error }]);
  });

  it('answers a client error without logging it as an error', async () => {
    // Prepare
    const logger = new RecordingLogger();
    const error = new InvalidEventError([{ path: 'user.email', message: 'must be an email address' }]);

    // Act
    const response = await failingWith(error, logger)(request, context);

    // Assess
    expect(response.statusCode).toBe(400);
    expect(logger.errors).toEqual([]);
  });
});

describe('httpErrors telling refusals', () => {
  it('tells each 4xx status to onRefused, and never a 5xx', async () => {
    // Prepare
    const refused: number[] = [];
    const wrapped = (error: unknown) =>
      middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>()
        .use(httpErrors({ logger: new RecordingLogger(), onRefused: (status) => refused.push(status) }))
        .handler(() => {
          throw error;
        });

    // Act
    await wrapped(new InvalidEventError([{ path: 'type', message: 'unknown' }]))(request, context);
    await wrapped(new AuthenticationError('missing_credentials'))(request, context);
    await wrapped(new Error('boom'))(request, context);

    // Assess
    expect(refused).toEqual([400, 401]);
  });
});
