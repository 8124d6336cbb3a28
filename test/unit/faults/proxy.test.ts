/**
 * The fault proxies, driven through the real SDK v3 clients with the handlers' retry settings (maxAttempts 3,
 * standard mode). Behind each proxy a stub emulator answers the happy path and records what reached it.
 */
import { DynamoDBClient, QueryCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  AwsCallMeter,
  type AwsProxy,
  type AwsService,
  FaultRegistry,
  startAwsProxy,
} from '../../../infra/local/faults/index.ts';
import {
  CASES,
  clientConfig,
  DYNAMODB,
  HAPPY,
  once,
  type Received,
  SES,
  type Stub,
  startStub,
} from './support.ts';

const faults = new FaultRegistry();
const meter = new AwsCallMeter();
const stubs = new Map<AwsService, Stub>();
const proxies = new Map<AwsService, AwsProxy>();

function endpointOf(service: AwsService): string {
  return (proxies.get(service) as AwsProxy).endpoint;
}
function receivedBy(service: AwsService): Received[] {
  return (stubs.get(service) as Stub).received;
}

beforeAll(async () => {
  for (const service of ['DynamoDB', 'Scheduler', 'SES'] as const) {
    const stub = await startStub(service);
    stubs.set(service, stub);
    proxies.set(service, await startAwsProxy({ service, upstream: stub.url, faults, meter }));
  }
});

afterAll(async () => {
  for (const proxy of proxies.values()) await proxy.close();
  for (const stub of stubs.values()) stub.close();
});

beforeEach(() => {
  faults.clear();
  meter.reset();
  for (const stub of stubs.values()) stub.received.length = 0;
});

describe('startAwsProxy', () => {
  it('forwards the request bytes and headers unchanged, and the answer with its status and headers', async () => {
    // Prepare
    const body = Buffer.from([0x7b, 0x22, 0xc3, 0xa9, 0x22, 0x3a, 0x31, 0x7d, 0x00, 0xff]);

    // Act
    const response = await fetch(`${endpointOf('SES')}/v2/email/outbound-emails?x=1`, {
      method: 'POST',
      headers: { authorization: 'AWS4-HMAC-SHA256 Credential=local/x', 'x-custom': 'kept' },
      body,
    });

    // Assess
    const [received] = receivedBy('SES');
    expect(received?.url).toBe('/v2/email/outbound-emails?x=1');
    expect(received?.body.equals(body)).toBe(true);
    expect(received?.headers).toMatchObject({
      authorization: 'AWS4-HMAC-SHA256 Credential=local/x',
      'x-custom': 'kept',
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-amzn-requestid')).toBe('stub-request');
    expect(await response.text()).toBe(HAPPY.SES);
  });

  it.each(CASES)(
    'retries a throttled $operation and succeeds on the third attempt, one call reaching the emulator',
    async (c) => {
      // Prepare
      faults.add([{ operation: c.operation, effect: 'throttle', count: 2 }]);

      // Act
      const output = (await c.send(endpointOf(c.service))) as {
        $metadata: { attempts?: number; requestId?: string };
      };

      // Assess
      expect(output.$metadata).toMatchObject({ attempts: 3, requestId: 'stub-request' });
      expect(receivedBy(c.service)).toHaveLength(1);
      expect(meter.snapshot()).toEqual({ [c.operation]: { calls: 3, forwarded: 1, faulted: 2 } });
    },
  );

  it.each(CASES)('answers a throttle of $service with its modelled throttling error', async (c) => {
    // Prepare
    faults.add([{ operation: c.operation, effect: 'throttle', count: 1 }]);

    // Act
    const error = await c.send(endpointOf(c.service), { maxAttempts: 1 }).catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(c.throttled);
    expect(receivedBy(c.service)).toHaveLength(0);
  });

  it.each(CASES)(
    'throws the modelled 500 error of $service once $operation has failed maxAttempts times',
    async (c) => {
      // Prepare
      faults.add([{ operation: c.operation, effect: 'fail', count: 5 }]);

      // Act
      const error = await c.send(endpointOf(c.service)).catch((e: unknown) => e);

      // Assess
      expect(error).toBeInstanceOf(c.failed);
      expect(error).toMatchObject({ $metadata: { httpStatusCode: 500, attempts: 3 } });
      expect(receivedBy(c.service)).toHaveLength(0);
      expect(faults.list()).toMatchObject([{ injected: 3, remaining: 2 }]);
    },
  );

  it('holds a slow call for delayMs before forwarding it', async () => {
    // Prepare
    faults.add([{ operation: 'SES.SendEmail', effect: 'slow', delayMs: 300, count: 1 }]);
    const started = performance.now();

    // Act
    await SES.send(endpointOf('SES'));

    // Assess
    expect(performance.now() - started).toBeGreaterThanOrEqual(290);
    expect(receivedBy('SES')).toHaveLength(1);
  });

  it('still forwards a slow call after the client has timed out, as AWS would still do the work', async () => {
    // Prepare
    faults.add([{ operation: 'DynamoDB.PutItem', effect: 'slow', delayMs: 300, count: 1 }]);

    // Act
    const error = await CASES[0]
      ?.send(endpointOf('DynamoDB'), { maxAttempts: 1, requestTimeout: 100 })
      .catch((e) => e);
    await new Promise((resolve) => setTimeout(resolve, 500));

    // Assess
    expect(error).toMatchObject({ name: 'TimeoutError' });
    expect(receivedBy('DynamoDB')).toHaveLength(1);
  });

  it('meters each call by the operation on the wire, and a cleared rule no longer applies', async () => {
    // Prepare
    faults.add([{ operation: 'DynamoDB.Query', effect: 'fail' }]);
    faults.clear();

    // Act
    const query = await once(new DynamoDBClient(clientConfig(endpointOf('DynamoDB'))), (c) =>
      c.send(
        new QueryCommand({
          TableName: 'rebound',
          KeyConditionExpression: 'pk = :p',
          ExpressionAttributeValues: { ':p': { S: 'U' } },
        }),
      ),
    );
    await DYNAMODB.send(endpointOf('DynamoDB'));

    // Assess
    expect(query.$metadata.attempts).toBe(1);
    expect(meter.snapshot()).toEqual({
      'DynamoDB.PutItem': { calls: 1, forwarded: 1, faulted: 0 },
      'DynamoDB.Query': { calls: 1, forwarded: 1, faulted: 0 },
    });
  });

  it('answers 502 when the emulator is unreachable, which the SDK treats as transient', async () => {
    // Prepare
    const stub = await startStub('SES');
    stub.close();
    const proxy = await startAwsProxy({ service: 'SES', upstream: stub.url });

    // Act
    const error = await SES.send(proxy.endpoint, { maxAttempts: 1 }).catch((e) => e);
    await proxy.close();

    // Assess
    expect(error).toMatchObject({ $metadata: { httpStatusCode: 502 } });
  });
});
