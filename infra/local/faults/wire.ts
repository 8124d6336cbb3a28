/**
 * What the proxies read from and write to the wire: the operation of a request, and the error response of an
 * injected fault, in the form each service's SDK client parses.
 *
 * Error formats, as `@aws-sdk/core` 3.1169 / `@smithy/core` 3.41 read them:
 * - DynamoDB (awsJson1_0): the code is read from the body's `__type` first (the part after `#`), then the
 *   `x-amzn-errortype` header; the message from `message`. DynamoDB's own example answer is
 *   `400 {"__type":"com.amazonaws.dynamodb.v20120810#ResourceNotFoundException","message":…}`.
 * - Scheduler and SES v2 (restJson1): the code comes from the `x-amzn-errortype` header first; the status is
 *   the modelled `httpError` (429 for throttling, 500 for the internal errors).
 * Retry classes in `@smithy/core/retry`: a 429 status or a name in `THROTTLING_ERROR_CODES`
 * (ProvisionedThroughputExceededException, ThrottlingException, TooManyRequestsException) is THROTTLING;
 * status 500/502/503/504 is TRANSIENT. Both are retried up to `maxAttempts`.
 */
import type { IncomingHttpHeaders } from 'node:http';

export type AwsService = 'DynamoDB' | 'Scheduler' | 'SES';

export interface WireResponse {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

interface ServiceErrors {
  readonly throttle: { readonly status: number; readonly type: string };
  readonly fail: { readonly status: number; readonly type: string };
}

/** The error each effect answers with; every one is a modelled class of the service's SDK client. */
export const FAULT_ERRORS: Readonly<Record<AwsService, ServiceErrors>> = {
  // On-demand tables throttle with this too (key-range limits); the SDK retries it as throttling.
  DynamoDB: {
    throttle: { status: 400, type: 'ProvisionedThroughputExceededException' },
    fail: { status: 500, type: 'InternalServerError' },
  },
  Scheduler: {
    throttle: { status: 429, type: 'ThrottlingException' },
    fail: { status: 500, type: 'InternalServerException' },
  },
  SES: {
    throttle: { status: 429, type: 'TooManyRequestsException' },
    fail: { status: 500, type: 'InternalServiceErrorException' },
  },
};

const DYNAMODB_NAMESPACE = 'com.amazonaws.dynamodb.v20120810';

export function faultResponse(
  service: AwsService,
  effect: 'fail' | 'throttle',
  operation: string,
  requestId: string,
): WireResponse {
  const { status, type } = FAULT_ERRORS[service][effect];
  // Says where it came from, so nobody mistakes an injected fault for an emulator bug in the logs.
  const message = `Injected by the local twin: ${effect} on ${operation}`;
  if (service === 'DynamoDB') {
    return {
      status,
      headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': requestId },
      body: JSON.stringify({ __type: `${DYNAMODB_NAMESPACE}#${type}`, message }),
    };
  }
  return {
    status,
    headers: { 'content-type': 'application/json', 'x-amzn-errortype': type, 'x-amzn-requestid': requestId },
    // Scheduler's error members are `Message`, SES v2's `message`; the SDK reads either.
    body: JSON.stringify(service === 'Scheduler' ? { Message: message } : { message }),
  };
}

/** `Service.Operation`, read from the wire as the service itself routes the request. */
export function operationOf(
  service: AwsService,
  method: string,
  url: string,
  headers: IncomingHttpHeaders,
): string {
  const path = url.split('?')[0] ?? '';
  switch (service) {
    case 'DynamoDB': {
      // awsJson: `X-Amz-Target: DynamoDB_20120810.TransactWriteItems`, always POST /.
      const target = headers['x-amz-target'];
      const name = typeof target === 'string' ? target.split('.')[1] : undefined;
      return `DynamoDB.${name || 'Unknown'}`;
    }
    case 'Scheduler':
      return `Scheduler.${schedulerOperation(method, path)}`;
    case 'SES':
      // The SES v2 calls the product makes; the rest are counted together.
      if (method === 'POST' && path === '/v2/email/outbound-emails') return 'SES.SendEmail';
      if (method === 'PUT' && path === '/v2/email/suppression/addresses')
        return 'SES.PutSuppressedDestination';
      return 'SES.Other';
  }
}

const SCHEDULER_NOUNS: Readonly<Record<string, string>> = {
  schedules: 'Schedule',
  'schedule-groups': 'ScheduleGroup',
};
const SCHEDULER_VERBS: Readonly<Record<string, string>> = {
  POST: 'Create',
  PUT: 'Update',
  DELETE: 'Delete',
  GET: 'Get',
};
const TAG_OPERATIONS: Readonly<Record<string, string>> = {
  POST: 'TagResource',
  DELETE: 'UntagResource',
  GET: 'ListTagsForResource',
};

/** restJson1 routes: `POST /schedules/{Name}` = CreateSchedule, `GET /schedules` = ListSchedules, … */
function schedulerOperation(method: string, path: string): string {
  // Labels are percent-encoded, so a name never adds a segment.
  const [resource = '', name, ...rest] = path.split('/').filter(Boolean);
  if (rest.length > 0) return 'Unknown';
  if (resource === 'tags') return (name && TAG_OPERATIONS[method]) || 'Unknown';
  const noun = SCHEDULER_NOUNS[resource];
  if (!noun) return 'Unknown';
  if (name === undefined) return method === 'GET' ? `List${noun}s` : 'Unknown';
  const verb = SCHEDULER_VERBS[method];
  return verb && (verb !== 'Update' || noun === 'Schedule') ? `${verb}${noun}` : 'Unknown';
}

/** DynamoDB operations that only read: every other one (PartiQL included) may write, and so feed the stream. */
const DYNAMODB_READS = new Set([
  'DynamoDB.GetItem',
  'DynamoDB.BatchGetItem',
  'DynamoDB.Query',
  'DynamoDB.Scan',
  'DynamoDB.TransactGetItems',
  'DynamoDB.DescribeTable',
  'DynamoDB.ListTables',
  'DynamoDB.DescribeTimeToLive',
]);

/** Whether a call named by `operationOf` may have written to a DynamoDB table. */
export function mayWriteTable(operation: string): boolean {
  return operation.startsWith('DynamoDB.') && !DYNAMODB_READS.has(operation);
}
