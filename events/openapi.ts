/**
 * The OpenAPI 3.1 document of the intake API (`POST /events`), generated from the zod contracts with
 * `zod-openapi`, never written by hand. The request body is the same `JobEventInputSchema` that the
 * JSON Schema in `events/schema/` comes from; the answers are the small schemas below. `npm run schema`
 * writes it to `events/schema/openapi.json`; `functions/openapi.ts` serves that file at `GET /openapi.json`.
 */
import { readdirSync, readFileSync } from 'node:fs';
import * as z from 'zod';
import { createDocument, type ZodOpenApiObject } from 'zod-openapi';
import { EVENT_CONTRACT_VERSION, EVENT_TYPES, JobEventInputSchema } from './job-event.ts';

/** The Standard Webhooks specification the signatures follow. */
export const STANDARD_WEBHOOKS_SPEC =
  'https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md';

// These restate settings of the intake in `shared/` (the contracts import nothing from there); the OpenAPI
// test checks that they agree.

/** How far `webhook-timestamp` may lie from the server's real time, either way (Standard Webhooks' default). */
export const WEBHOOK_TOLERANCE_SECONDS = 5 * 60;

/** The default per-source rate limit; each source may have its own. */
export const DEFAULT_RATE_LIMIT = { perSecond: 50, burst: 100 } as const;

/** The `error` codes of a 401: the request changed nothing. */
export const AUTH_ERROR_CODES = [
  'missing_credentials',
  'invalid_signature',
  'stale_timestamp',
  'unknown_source',
  'revoked_source',
] as const;

// --- Answers -------------------------------------------------------------------------------------------
// Loose objects: a client must ignore fields it does not know, so that adding one is not a breaking change.

const EventAcceptedSchema = z
  .looseObject({
    eventId: z
      .string()
      .describe(
        "The event's key: the body's `id`, else one derived from the source and `webhook-id`, else from the content.",
      ),
    duplicate: z
      .boolean()
      .describe('True when this key was already stored with the same content: nothing new was written.'),
  })
  .meta({ id: 'EventAccepted' });

const IssueSchema = z.looseObject({
  path: z.string().describe('Dotted path of the field, e.g. `user.email`; empty for the body as a whole.'),
  message: z.string().describe('What is wrong, in English, for a person to read.'),
});

const InvalidEventBodySchema = z
  .looseObject({ error: z.literal('invalid_event'), issues: z.array(IssueSchema).min(1) })
  .meta({ id: 'InvalidEventError' });

const UnauthorizedBodySchema = z
  .looseObject({
    error: z
      .enum(AUTH_ERROR_CODES)
      .describe(
        'missing_credentials: neither signature headers nor an API key; invalid_signature: no `v1` signature matches the body with any active secret of the source; stale_timestamp: `webhook-timestamp` more than 5 minutes from the server time; unknown_source: no such source or API key; revoked_source: the source was revoked.',
      ),
  })
  .meta({ id: 'UnauthorizedError' });

/** Any other error answer: one `error` code and, except for a 500, a sentence for a person. */
const errorBody = (id: string, code: string, withMessage = true) =>
  z
    .looseObject(withMessage ? { error: z.literal(code), message: z.string() } : { error: z.literal(code) })
    .meta({ id });

/** API Gateway's own answer when the stage-wide throttle (not the per-source limit) is exceeded. */
const GatewayThrottledBodySchema = z
  .looseObject({ message: z.literal('Too Many Requests') })
  .meta({ id: 'GatewayThrottled' });

// --- Request parameters --------------------------------------------------------------------------------

/** How a signed webhook names its source: `POST /events?source=<sourceId>` (an API key carries its own). */
export const SOURCE_PARAMETER = { in: 'query', name: 'source' } as const;

/** Lower-case letters, digits and inner hyphens, 1–40 characters. */
export const SOURCE_ID = /^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$/;

const webhookQuery = z.object({
  [SOURCE_PARAMETER.name]: z
    .string()
    .regex(SOURCE_ID)
    .optional()
    .meta({
      param: {
        description:
          'The id of the source whose secret signed the message; required with the `standardWebhooks` scheme. Not needed with an API key, which names its source.',
        example: 'careers-hub',
      },
    }),
});

const webhookHeaders = z.object({
  'webhook-id': z
    .string()
    .min(1)
    .optional()
    .meta({
      param: {
        description:
          'Standard Webhooks message id; required with the `standardWebhooks` scheme. Every redelivery of a message carries the same id. When the body has no `id`, the `webhook-id` (scoped to the source) is the idempotency key: a redelivery answers `202` with `duplicate: true`.',
        example: 'msg_2mQ7v1f8kR3tY9pLx0aB',
      },
    }),
  'webhook-timestamp': z
    .string()
    .regex(/^[0-9]{1,12}$/)
    .optional()
    .meta({
      param: {
        description: `Unix time in whole seconds at which this attempt was signed; required with the \`standardWebhooks\` scheme. Must lie within ${WEBHOOK_TOLERANCE_SECONDS / 60} minutes of the server's real time, either way.`,
        example: '1774429200',
      },
    }),
  'webhook-signature': z
    .string()
    .min(1)
    .max(1024)
    .optional()
    .meta({
      param: {
        description:
          'One or more `v1,<base64 HMAC-SHA256>` signatures separated by spaces; required with the `standardWebhooks` scheme. One valid `v1` signature is enough; entries of other versions are ignored.',
        example: 'v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4=',
      },
    }),
});

// --- Descriptions --------------------------------------------------------------------------------------

const API_DESCRIPTION = `Rebound turns what happens in a job search into timely reminders for the job seeker.
Integrators (career centres, coaching tools, job boards) send one JSON event per thing that happened to
\`POST /events\`.

Every request is authenticated as one **source** (an integrator), with either credential:

- **Standard Webhooks signatures** (\`standardWebhooks\`): \`webhook-id\`, \`webhook-timestamp\` and
  \`webhook-signature\` headers, with the source named in the URL: \`POST /events?source=<sourceId>\`.
- **An API key** (\`apiKey\`): \`Authorization: Bearer rbk_<sourceId>_<random>\`.

Authentication says who sent an event, not that the job seeker agreed: a new address is asked to confirm
before any reminder goes out.

**Idempotency.** An event's key is the body's \`id\`, else the \`webhook-id\` (scoped to the source), else a
hash of its content (and of the UTC day when \`occurredAt\` is absent). Sending the same key and content again answers \`202\`
with \`duplicate: true\` and writes nothing; the same key with other content is a \`409\`. Retrying after a
network error, a \`5xx\` or a \`429\` is therefore safe.

**Rate limit.** ${DEFAULT_RATE_LIMIT.perSecond} requests per second with bursts of
${DEFAULT_RATE_LIMIT.burst} per source by default, configurable per source; beyond it, \`429\` with
\`Retry-After\`.

A guide for integrators, with signing examples: \`docs/integrations.md\` in the repository.`;

const WEBHOOK_SCHEME_DESCRIPTION = `[Standard Webhooks](${STANDARD_WEBHOOKS_SPEC}) signatures, version \`v1\`.

1. Take the source's secret \`whsec_<base64>\`; the key is the base64-decoded part after \`whsec_\`.
2. Sign \`{webhook-id}.{webhook-timestamp}.{body}\`: the id, a dot, the Unix time in seconds, a dot, and the
   exact bytes of the body as sent.
3. HMAC-SHA256 with the key; base64 (standard alphabet, with padding) of the digest.
4. Send \`webhook-signature: v1,<base64>\`. Several signatures may be sent, separated by spaces; one valid
   \`v1\` signature is enough and other versions are ignored.

\`webhook-timestamp\` must be within ${WEBHOOK_TOLERANCE_SECONDS / 60} minutes of the server's real time.
A source has one or two active secrets (two during a rotation); either verifies.

The source is named in the URL, \`?${SOURCE_PARAMETER.name}=<sourceId>\`: its secrets are the ones tried.

OpenAPI cannot say that one security scheme spans several headers, nor that its value is computed for each
request. So this scheme names the header that carries the credential (\`webhook-signature\`). The operation
declares \`webhook-id\`, \`webhook-timestamp\` and \`webhook-signature\` as header parameters and
\`${SOURCE_PARAMETER.name}\` as a query parameter: optional there, because API-key requests send none of
them, and all required with this scheme. \`x-webhook-signature\` states the algorithm for tools.`;

const API_KEY_SCHEME_DESCRIPTION = `An API key: \`Authorization: Bearer rbk_<sourceId>_<random>\`, with 32
base64url characters of random. It names its source, is shown once when it is created, and is stored only
as a hash. Simpler than signing, but the key itself travels with every request, a captured request can be
sent again later, and a new key replaces the old one at once: prefer signatures where you can.`;

// --- The document --------------------------------------------------------------------------------------

const FIXTURES_DIR = new URL('./fixtures/', import.meta.url);

/** The event fixtures (`events/fixtures/*.json`, not the `ses/` folder) as named OpenAPI examples. */
function fixtureExamples(): Record<string, { summary: string; value: unknown }> {
  const names = readdirSync(FIXTURES_DIR)
    .filter((file) => file.endsWith('.json'))
    .map((file) => file.slice(0, -'.json'.length))
    .sort();
  return Object.fromEntries(
    names.map((name) => [
      name,
      {
        summary: `A \`${name}\` event`,
        value: JSON.parse(readFileSync(new URL(`${name}.json`, FIXTURES_DIR), 'utf8')) as unknown,
      },
    ]),
  );
}

const json = (schema: z.ZodType, extra: Record<string, unknown> = {}) => ({
  'application/json': { schema, ...extra },
});

export function openApiDocument(): ReturnType<typeof createDocument> {
  const spec: ZodOpenApiObject = {
    openapi: '3.1.0',
    info: {
      title: 'Rebound intake API',
      version: EVENT_CONTRACT_VERSION,
      description: API_DESCRIPTION,
    },
    servers: [
      {
        url: 'https://{apiId}.execute-api.{region}.amazonaws.com',
        description:
          'A deployed stage: the `ApiUrl` output of the stateless stack (or your custom API domain).',
        variables: {
          apiId: { default: 'abcdefghij', description: 'The HTTP API id.' },
          region: { default: 'eu-west-1', description: 'The AWS Region of the stage.' },
        },
      },
      { url: 'http://127.0.0.1:3000', description: 'The local twin (`npm start`).' },
    ],
    paths: {
      '/events': {
        post: {
          operationId: 'postEvent',
          summary: 'Record one job-search event',
          description: `One of: ${EVENT_TYPES.map((type) => `\`${type}\``).join(', ')}. The body is at most 64 KB of JSON. A rejected request (any 4xx) writes nothing.`,
          security: [{ standardWebhooks: [] }, { apiKey: [] }],
          requestParams: { query: webhookQuery, header: webhookHeaders },
          requestBody: {
            required: true,
            content: json(JobEventInputSchema, { examples: fixtureExamples() }),
          },
          responses: {
            '202': {
              description:
                'Recorded (or already recorded: `duplicate: true`). Reminders follow asynchronously.',
              content: json(EventAcceptedSchema, {
                examples: {
                  new: { value: { eventId: 'evt-acme-backend-rejected', duplicate: false } },
                  redelivery: { value: { eventId: 'evt-acme-backend-rejected', duplicate: true } },
                },
              }),
            },
            '400': {
              description:
                'The body is not valid JSON or breaks the contract: missing or wrong fields, an unknown type, time zone or reason, or a field the event type does not have. Fix the event; do not retry it as is.',
              content: json(InvalidEventBodySchema, {
                example: {
                  error: 'invalid_event',
                  issues: [{ path: 'user.email', message: 'must be an email address' }],
                },
              }),
            },
            '401': {
              description:
                'Not authenticated; nothing was written. `missing_credentials`, `invalid_signature`, `stale_timestamp`, `unknown_source` or `revoked_source`. Do not retry without fixing the credential (a `stale_timestamp` needs a fresh timestamp and signature, and a correct clock).',
              headers: z.object({
                'WWW-Authenticate': z.string().meta({
                  header: {
                    description: 'The scheme to authenticate with.',
                    example: 'Bearer realm="rebound"',
                  },
                }),
              }),
              content: json(UnauthorizedBodySchema, { example: { error: 'invalid_signature' } }),
            },
            '409': {
              description:
                'The idempotency key (`id`, else `webhook-id`) was already used for a different event. Send the new event under a new key.',
              content: json(errorBody('IdempotencyConflictError', 'idempotency_conflict')),
            },
            '413': {
              description: 'The body is larger than 64 KB.',
              content: json(errorBody('PayloadTooLargeError', 'payload_too_large')),
            },
            '415': {
              description: 'The body is not sent as `Content-Type: application/json`.',
              content: json(errorBody('UnsupportedMediaTypeError', 'unsupported_media_type')),
            },
            '429': {
              description: `Too many requests; nothing was written. The source's own limit answers \`rate_limited\` with \`Retry-After\`: ${DEFAULT_RATE_LIMIT.perSecond} requests per second with bursts of ${DEFAULT_RATE_LIMIT.burst} unless configured otherwise, counted in fixed windows of burst ÷ rate seconds (${DEFAULT_RATE_LIMIT.burst / DEFAULT_RATE_LIMIT.perSecond} s by default) that admit \`burst\` requests each. The stage-wide throttle of API Gateway answers \`{"message":"Too Many Requests"}\` without \`Retry-After\`. Wait \`Retry-After\` seconds, or back off exponentially with jitter, then retry.`,
              headers: z.object({
                'Retry-After': z
                  .int()
                  .min(1)
                  // The longest window: a burst of 100 000 at 1 request per second.
                  .max(100_000)
                  .optional()
                  .meta({
                    header: {
                      description:
                        'Whole seconds until the current window ends, at least 1 (sent with `rate_limited`).',
                      example: 1,
                    },
                  }),
              }),
              content: json(
                z.union([errorBody('RateLimitedError', 'rate_limited'), GatewayThrottledBodySchema]),
              ),
            },
            '500': {
              description:
                'Something failed on our side; the cause is logged, not returned. Safe to retry with backoff: the idempotency key prevents a second event.',
              content: json(errorBody('InternalError', 'internal_error', false)),
            },
          },
        },
      },
      '/openapi.json': {
        get: {
          operationId: 'getOpenApiDocument',
          summary: 'This document',
          description: 'Public, no credentials. Cached for five minutes; revalidate with `If-None-Match`.',
          security: [],
          responses: {
            '200': {
              description: 'The OpenAPI document of this API.',
              headers: z.object({
                ETag: z.string().meta({ header: { description: 'Changes whenever the document does.' } }),
                'Cache-Control': z.string().meta({ header: { example: 'public, max-age=300' } }),
              }),
              content: json(z.looseObject({ openapi: z.literal('3.1.0') })),
            },
            '304': { description: 'Not modified: the `If-None-Match` ETag is current.' },
          },
        },
      },
    },
    components: {
      schemas: { JobEvent: JobEventInputSchema },
      securitySchemes: {
        standardWebhooks: {
          type: 'apiKey',
          in: 'header',
          name: 'webhook-signature',
          description: WEBHOOK_SCHEME_DESCRIPTION,
          'x-webhook-signature': {
            specification: STANDARD_WEBHOOKS_SPEC,
            version: 'v1',
            algorithm: 'HMAC-SHA256',
            signedContent: '{webhook-id}.{webhook-timestamp}.{body}',
            secretFormat: 'whsec_<base64 key>',
            signatureFormat: 'v1,<base64 digest>',
            separator: ' ',
            toleranceSeconds: WEBHOOK_TOLERANCE_SECONDS,
            headers: {
              id: 'webhook-id',
              timestamp: 'webhook-timestamp',
              signature: 'webhook-signature',
            },
            sourceParameter: SOURCE_PARAMETER,
          },
        },
        apiKey: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'rbk_<sourceId>_<random>',
          description: API_KEY_SCHEME_DESCRIPTION,
        },
      },
    },
  };
  return createDocument(spec);
}

/** The document as committed in `events/schema/openapi.json`: two-space JSON with a final newline. */
export function renderOpenApi(): string {
  return `${JSON.stringify(openApiDocument(), null, 2)}\n`;
}
