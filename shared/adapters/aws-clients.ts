/**
 * AWS SDK v3 clients, created once per process. Endpoints come from the SDK's own standard variables
 * (`AWS_ENDPOINT_URL_DYNAMODB`, `AWS_ENDPOINT_URL_SCHEDULER`, `AWS_ENDPOINT_URL_SESV2`), which the local twin
 * sets; on AWS they are absent. Retries are the SDK's standard mode. SQS is read only by the admin view, on
 * AWS (the twin has no SQS: its dead letters come from its own endpoint).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

// Without throwOnRequestTimeout a timeout only logs a warning and a stuck peer hangs the function.
const requestHandler = { requestTimeout: 5_000, connectionTimeout: 2_000, throwOnRequestTimeout: true };

/**
 * What every client is built with (`bench/pipeline-units.ts` builds its DynamoDB client with it too, so the
 * CPU it measures is the functions').
 */
export const CLIENT_OPTIONS = { maxAttempts: 3, requestHandler } as const;

let documentClient: DynamoDBDocumentClient | undefined;
let schedulerClient: SchedulerClient | undefined;
let sesClient: SESv2Client | undefined;
let sqsClient: SQSClient | undefined;
let streamsClient: DynamoDBStreamsClient | undefined;
let lambdaClient: LambdaClient | undefined;

export function getDocumentClient(): DynamoDBDocumentClient {
  documentClient ??= DynamoDBDocumentClient.from(new DynamoDBClient({ ...CLIENT_OPTIONS }), {
    marshallOptions: { removeUndefinedValues: true },
  });
  return documentClient;
}

export function getSchedulerClient(): SchedulerClient {
  schedulerClient ??= new SchedulerClient({ ...CLIENT_OPTIONS });
  return schedulerClient;
}

export function getSesClient(): SESv2Client {
  sesClient ??= new SESv2Client({ ...CLIENT_OPTIONS });
  return sesClient;
}

export function getSqsClient(): SQSClient {
  sqsClient ??= new SQSClient({ ...CLIENT_OPTIONS });
  return sqsClient;
}

/** The table's stream, read back only by the admin view's redrive of a stream dead letter. */
export function getStreamsClient(): DynamoDBStreamsClient {
  streamsClient ??= new DynamoDBStreamsClient({ ...CLIENT_OPTIONS });
  return streamsClient;
}

/**
 * Lambda, only for the admin view's redrive, which invokes the planner and waits for it: a batch can take
 * longer than the other clients' 5-second request timeout.
 */
export function getLambdaClient(): LambdaClient {
  lambdaClient ??= new LambdaClient({
    maxAttempts: 1,
    requestHandler: { ...requestHandler, requestTimeout: 10_000 },
  });
  return lambdaClient;
}
