/**
 * The handlers' clients around their proxy (infra/local/faults/direct.ts): straight to the emulator and
 * metered while no fault rule names the call, through the proxy (which injects the fault) when one does.
 * Real SDK v3 clients; a stub emulator behind a real proxy records what reaches it.
 */
import { DynamoDBClient, PutItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  AwsCallMeter,
  type AwsProxy,
  FaultRegistry,
  routeAroundProxy,
  startAwsProxy,
} from '../../../infra/local/faults/index.ts';
import { clientConfig, DYNAMODB, type Stub, startStub } from './support.ts';

const faults = new FaultRegistry();
const meter = new AwsCallMeter();
/** What the proxy itself counted, apart from what the clients' handlers counted. */
const proxyMeter = new AwsCallMeter();
let stub: Stub;
let proxy: AwsProxy;
let client: DynamoDBClient;

beforeAll(async () => {
  stub = await startStub('DynamoDB');
  proxy = await startAwsProxy({ service: 'DynamoDB', upstream: stub.url, faults, meter: proxyMeter });
  client = new DynamoDBClient(clientConfig(proxy.endpoint, { maxAttempts: 1 }));
  routeAroundProxy(client, { service: 'DynamoDB', upstream: stub.url, faults, meter });
});

afterAll(async () => {
  client.destroy();
  await proxy.close();
  stub.close();
});

beforeEach(() => {
  faults.clear();
  meter.reset();
  proxyMeter.reset();
  stub.received.length = 0;
});

const put = () =>
  client.send(new PutItemCommand({ TableName: 't', Item: { pk: { S: 'USER#1' }, sk: { S: 'PROFILE' } } }));
const query = () =>
  client.send(
    new QueryCommand({
      TableName: 't',
      KeyConditionExpression: 'pk = :p',
      ExpressionAttributeValues: { ':p': { S: 'USER#1' } },
    }),
  );

describe('routeAroundProxy', () => {
  it('sends a call no fault rule names straight to the emulator, the request unchanged, and meters it as forwarded', async () => {
    // Act
    await put();

    // Assess
    expect(proxyMeter.snapshot()).toEqual({});
    expect(meter.snapshot()).toEqual({ 'DynamoDB.PutItem': { calls: 1, forwarded: 1, faulted: 0 } });
    const [received] = stub.received;
    expect(received?.headers['x-amz-target']).toBe('DynamoDB_20120810.PutItem');
    expect(received?.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 /);
    expect(JSON.parse(received?.body.toString('utf8') ?? '{}')).toMatchObject({ TableName: 't' });
  });

  it('sends a call a fault rule names through the proxy, which injects the fault, and other operations still straight', async () => {
    // Prepare
    faults.add([{ operation: 'DynamoDB.PutItem', effect: 'throttle', count: 1 }]);

    // Act
    const throttled = await put().catch((error: unknown) => error);
    await query();
    await put(); // the count rule is used up: straight again

    // Assess
    expect(throttled).toBeInstanceOf(DYNAMODB.throttled);
    expect(proxyMeter.snapshot()).toEqual({ 'DynamoDB.PutItem': { calls: 1, forwarded: 0, faulted: 1 } });
    expect(meter.snapshot()).toEqual({
      'DynamoDB.PutItem': { calls: 1, forwarded: 1, faulted: 0 },
      'DynamoDB.Query': { calls: 1, forwarded: 1, faulted: 0 },
    });
    expect(stub.received.map((r) => r.headers['x-amz-target'])).toEqual([
      'DynamoDB_20120810.Query',
      'DynamoDB_20120810.PutItem',
    ]);
  });
});
