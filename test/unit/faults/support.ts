/** Stub emulators and one real-SDK call per service, for the fault proxy tests. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  DynamoDBClient,
  InternalServerError,
  ProvisionedThroughputExceededException,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import {
  CreateScheduleCommand,
  InternalServerException,
  SchedulerClient,
  ThrottlingException,
} from '@aws-sdk/client-scheduler';
import {
  InternalServiceErrorException,
  SESv2Client,
  SendEmailCommand,
  TooManyRequestsException,
} from '@aws-sdk/client-sesv2';
import type { AwsService, FaultRule } from '../../../infra/local/faults/index.ts';

export interface Received {
  readonly method: string;
  readonly url: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: Buffer;
}

export interface Stub {
  readonly url: string;
  readonly received: Received[];
  close(): void;
}

export const HAPPY: Record<AwsService, string> = {
  DynamoDB: '{"Items":[],"Count":0,"ScannedCount":0}',
  Scheduler: '{"ScheduleArn":"arn:aws:scheduler:us-east-1:000000000000:schedule/default/r-1"}',
  SES: '{"MessageId":"stub-message"}',
};

export async function startStub(service: AwsService): Promise<Stub> {
  const received: Received[] = [];
  const server = http.createServer(async (req, res) => {
    const body = Buffer.concat(await req.toArray());
    received.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
    res
      .writeHead(200, { 'content-type': 'application/json', 'x-amzn-requestid': 'stub-request' })
      .end(HAPPY[service]);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const close = () => {
    server.close();
    server.closeAllConnections();
  };
  return { url: `http://127.0.0.1:${port}`, received, close };
}

export type ErrorClass = abstract new (...args: never[]) => Error;

export interface Case {
  readonly service: AwsService;
  readonly operation: FaultRule['operation'];
  readonly throttled: ErrorClass;
  readonly failed: ErrorClass;
  send(endpoint: string, config?: { maxAttempts?: number; requestTimeout?: number }): Promise<unknown>;
}

const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };

export function clientConfig(
  endpoint: string,
  config: { maxAttempts?: number; requestTimeout?: number } = {},
) {
  const requestHandler = { requestTimeout: config.requestTimeout ?? 5_000, throwOnRequestTimeout: true };
  return { endpoint, region: 'us-east-1', credentials, maxAttempts: config.maxAttempts ?? 3, requestHandler };
}

export async function once<C extends { destroy(): void }, R>(
  client: C,
  call: (client: C) => Promise<R>,
): Promise<R> {
  try {
    return await call(client);
  } finally {
    client.destroy();
  }
}

export const DYNAMODB: Case = {
  service: 'DynamoDB',
  operation: 'DynamoDB.PutItem',
  throttled: ProvisionedThroughputExceededException,
  failed: InternalServerError,
  send: (endpoint, config) =>
    once(new DynamoDBClient(clientConfig(endpoint, config)), (c) =>
      c.send(
        new PutItemCommand({ TableName: 'rebound', Item: { pk: { S: 'USER#1' }, sk: { S: 'PROFILE' } } }),
      ),
    ),
};

export const SCHEDULER: Case = {
  service: 'Scheduler',
  operation: 'Scheduler.CreateSchedule',
  throttled: ThrottlingException,
  failed: InternalServerException,
  send: (endpoint, config) =>
    once(new SchedulerClient(clientConfig(endpoint, config)), (c) =>
      c.send(
        new CreateScheduleCommand({
          Name: 'r-1',
          ScheduleExpression: 'at(2027-01-04T09:00:00)',
          FlexibleTimeWindow: { Mode: 'OFF' },
          Target: {
            Arn: 'arn:aws:lambda:us-east-1:000000000000:function:s',
            RoleArn: 'arn:aws:iam::0:role/r',
          },
        }),
      ),
    ),
};

export const SES: Case = {
  service: 'SES',
  operation: 'SES.SendEmail',
  throttled: TooManyRequestsException,
  failed: InternalServiceErrorException,
  send: (endpoint, config) =>
    once(new SESv2Client(clientConfig(endpoint, config)), (c) =>
      c.send(
        new SendEmailCommand({
          FromEmailAddress: 'rebound@example.com',
          Destination: { ToAddresses: ['ada@example.com'] },
          Content: { Simple: { Subject: { Data: 'Hi' }, Body: { Text: { Data: 'Hello' } } } },
        }),
      ),
    ),
};

export const CASES = [DYNAMODB, SCHEDULER, SES];
