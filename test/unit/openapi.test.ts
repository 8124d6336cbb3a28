import { readFileSync } from 'node:fs';
import { Validator } from '@seriousme/openapi-schema-validator';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import formats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { EVENT_CONTRACT_VERSION } from '#events/job-event.ts';
import { renderSchema } from '#events/json-schema.ts';
import {
  AUTH_ERROR_CODES,
  DEFAULT_RATE_LIMIT,
  renderOpenApi,
  SOURCE_ID,
  SOURCE_PARAMETER,
  WEBHOOK_TOLERANCE_SECONDS,
} from '#events/openapi.ts';
import { openapi } from '#functions/openapi.ts';
import { WEBHOOK_TOLERANCE_SECONDS as VERIFIER_TOLERANCE_SECONDS } from '#shared/adapters/webhook-verifier.ts';
import {
  DEFAULT_RATE_LIMIT as INTAKE_DEFAULT_RATE_LIMIT,
  SOURCE_ID_PATTERN,
} from '#shared/domain/sources.ts';
import {
  AUTHENTICATION_FAILURES,
  AuthenticationError,
  IdempotencyConflictError,
  InvalidEventError,
  PayloadTooLargeError,
  RateLimitExceededError,
  UnsupportedMediaTypeError,
} from '#shared/errors.ts';
import { errorResponse } from '#shared/http.ts';
import { SOURCE_QUERY_PARAMETER } from '#shared/http-intake.ts';
import { fixtureBody, fixtureNames } from '../support/events.ts';

type Schema = Record<string, unknown>;
interface Operation {
  parameters: { name: string; in: string; required?: boolean }[];
  requestBody: {
    content: { 'application/json': { schema: Schema; examples: Record<string, { value: unknown }> } };
  };
  responses: Record<
    string,
    { headers?: Record<string, unknown>; content?: { 'application/json': { schema: Schema } } }
  >;
  security: Record<string, string[]>[];
}
interface Document {
  openapi: string;
  info: { version: string };
  paths: { '/events': { post: Operation } };
  components: { schemas: Record<string, Schema>; securitySchemes: Record<string, Schema> };
}

// A CommonJS module whose default export is the plugin.
const addFormats = formats.default;

const committed = readFileSync(new URL('../../events/schema/openapi.json', import.meta.url), 'utf8');
const document = JSON.parse(committed) as Document;
const postEvents = document.paths['/events'].post;

/**
 * A JSON Schema 2020-12 validator for one schema of the document. The schema is validated with the document's
 * components beside it, so that `#/components/schemas/...` references resolve as they do in the document.
 */
function validatorFor(schema: Schema): ValidateFunction {
  // strictRequired would refuse `anyOf: [{ required: ['name'] }, ...]`, a standard way to say "one of these".
  const ajv = new Ajv2020({ strict: true, strictRequired: false, allErrors: true });
  addFormats(ajv);
  // Not a JSON Schema keyword: the place the document keeps its reusable schemas.
  ajv.addKeyword('components');
  return ajv.compile({ ...schema, components: document.components });
}

const requestBody = validatorFor(postEvents.requestBody.content['application/json'].schema);

/** The validator of the JSON body the document promises for `status`. */
function responseBody(status: string): ValidateFunction {
  const schema = postEvents.responses[status]?.content?.['application/json'].schema;
  if (schema === undefined) throw new Error(`the document has no JSON body for ${status}`);
  return validatorFor(schema);
}

describe('the published OpenAPI document', () => {
  it('events/schema/openapi.json is exactly what the zod contracts generate (run npm run schema)', () => {
    expect(committed).toBe(renderOpenApi());
  });

  it('validates as OpenAPI 3.1', async () => {
    // Prepare
    const validator = new Validator();

    // Act
    const result = await validator.validate(JSON.parse(committed) as Record<string, unknown>);

    // Assess
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
  });

  it('carries the version of the event contract', () => {
    expect(document.info.version).toBe(EVENT_CONTRACT_VERSION);
  });

  it('describes the request body with the same schema as events/schema/job-event.schema.json', () => {
    // Prepare
    const { $id: _id, $schema: _dialect, ...published } = JSON.parse(renderSchema('job-event')) as Schema;

    // Act
    const component = document.components.schemas.JobEvent;

    // Assess: zod-openapi adds only the `type` every branch already has.
    expect(postEvents.requestBody.content['application/json'].schema).toEqual({
      $ref: '#/components/schemas/JobEvent',
    });
    expect(component).toEqual({ ...published, type: 'object' });
  });

  it.each(fixtureNames())('accepts the fixture %s as a request body', (name) => {
    // Prepare
    const body = fixtureBody(name);

    // Act
    const valid = requestBody(body);

    // Assess
    expect(requestBody.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
  });

  it('shows every fixture as an example of the request body, unchanged', () => {
    // Prepare
    const examples = postEvents.requestBody.content['application/json'].examples;

    // Act
    const values = Object.fromEntries(Object.entries(examples).map(([name, { value }]) => [name, value]));

    // Assess
    expect(values).toEqual(Object.fromEntries(fixtureNames().map((name) => [name, fixtureBody(name)])));
  });

  it('refuses what the contract refuses: an unknown field, a rejection without its reason, an unknown type', () => {
    // Prepare
    const withPhone = fixtureBody('application.submitted');
    (withPhone.user as Schema).phone = '+49 30 1234567';
    const { rejection: _rejection, ...withoutRejection } = fixtureBody('application.rejected');
    const unknownType = { ...fixtureBody('application.submitted'), type: 'application.viewed' };

    // Act
    const results = [withPhone, withoutRejection, unknownType].map((body) => requestBody(body));

    // Assess
    expect(results).toEqual([false, false, false]);
  });

  it('offers both credentials on POST /events: Standard Webhooks signatures or an API key', () => {
    // Prepare
    const { securitySchemes } = document.components;

    // Act
    const headers = postEvents.parameters.filter((p) => p.in === 'header').map((p) => p.name);

    // Assess
    expect(postEvents.security).toEqual([{ standardWebhooks: [] }, { apiKey: [] }]);
    expect(securitySchemes.standardWebhooks).toMatchObject({
      type: 'apiKey',
      in: 'header',
      name: 'webhook-signature',
      'x-webhook-signature': {
        algorithm: 'HMAC-SHA256',
        signedContent: '{webhook-id}.{webhook-timestamp}.{body}',
        toleranceSeconds: 300,
      },
    });
    expect(securitySchemes.apiKey).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(headers).toEqual(expect.arrayContaining(['webhook-id', 'webhook-timestamp', 'webhook-signature']));
    // Optional as parameters: a request with an API key sends none of them.
    expect(postEvents.parameters.filter((p) => p.required)).toEqual([]);
  });

  it("states the intake's own settings: tolerance, default rate limit, how a webhook names its source", () => {
    expect(WEBHOOK_TOLERANCE_SECONDS).toBe(VERIFIER_TOLERANCE_SECONDS);
    expect(DEFAULT_RATE_LIMIT).toEqual(INTAKE_DEFAULT_RATE_LIMIT);
    expect(SOURCE_PARAMETER).toEqual({ in: 'query', name: SOURCE_QUERY_PARAMETER });
    expect(SOURCE_ID.source).toBe(SOURCE_ID_PATTERN.source);
  });

  it('lists exactly the 401 codes that intake answers', () => {
    // Prepare
    const unauthorized = responseBody('401');

    // Act
    const accepted = AUTHENTICATION_FAILURES.map((error) => unauthorized({ error }));

    // Assess
    expect([...AUTH_ERROR_CODES].sort()).toEqual([...AUTHENTICATION_FAILURES].sort());
    expect(accepted.every(Boolean)).toBe(true);
    expect(unauthorized({ error: 'forbidden' })).toBe(false);
  });

  it.each<[status: string, error: Error]>([
    ['400', new InvalidEventError([{ path: 'user.email', message: 'must be an email address' }])],
    ...AUTHENTICATION_FAILURES.map((code): [string, Error] => ['401', new AuthenticationError(code)]),
    ['409', new IdempotencyConflictError('evt-1')],
    ['413', new PayloadTooLargeError(65_536)],
    ['415', new UnsupportedMediaTypeError('text/plain')],
    ['429', new RateLimitExceededError('careers-hub', 2)],
    ['500', new Error('boom')],
  ])('describes the %s that intake answers, body and headers (%s)', (status, error) => {
    // Prepare
    const validate = responseBody(status);
    const declared = Object.keys(postEvents.responses[status]?.headers ?? {}).map((name) =>
      name.toLowerCase(),
    );

    // Act
    const response = errorResponse(error);
    const sent = Object.keys(response.headers ?? {}).filter(
      (name) => name !== 'content-type' && name !== 'cache-control',
    );

    // Assess
    expect(String(response.statusCode)).toBe(status);
    expect(validate(JSON.parse(response.body ?? ''))).toBe(true);
    expect(sent.sort()).toEqual(declared.sort());
  });

  it('declares every schema in it as valid JSON Schema 2020-12', () => {
    // Prepare
    const ajv = new Ajv2020({ strict: true, strictRequired: false });
    const schemas: [string, unknown][] = [];
    const collect = (node: unknown, path: string): void => {
      if (node === null || typeof node !== 'object') return;
      for (const [key, child] of Object.entries(node)) {
        if (key === 'schema' || path.endsWith('/components/schemas')) schemas.push([`${path}/${key}`, child]);
        else collect(child, `${path}/${key}`);
      }
    };
    collect(document, '#');

    // Act
    const invalid = schemas
      .filter(([, schema]) => !ajv.validateSchema(schema as Schema))
      .map(([path]) => path);

    // Assess
    expect(schemas.length).toBeGreaterThan(10);
    expect(invalid).toEqual([]);
  });
});

describe('GET /openapi.json', () => {
  it('serves the committed document as JSON that caches may keep', async () => {
    // Act
    const response = await openapi({ headers: {} });

    // Assess
    expect(response.statusCode).toBe(200);
    expect(response.headers?.['content-type']).toBe('application/json; charset=utf-8');
    expect(response.headers?.['cache-control']).toBe('public, max-age=300');
    expect(JSON.parse(response.body ?? '')).toEqual(document);
  });

  it('answers 304 without a body when If-None-Match names the current ETag', async () => {
    // Prepare
    const first = await openapi({ headers: {} });
    const etag = String(first.headers?.etag);

    // Act
    const again = await openapi({ headers: { 'if-none-match': `W/"stale", ${etag}` } });
    const stale = await openapi({ headers: { 'if-none-match': '"stale"' } });

    // Assess
    expect(again.statusCode).toBe(304);
    expect(again.body).toBeUndefined();
    expect(stale.statusCode).toBe(200);
  });
});
