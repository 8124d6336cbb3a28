/** The twin as `npm start` runs it: readiness, its environment, and a clear refusal when a port is taken. */
import { execFileSync } from 'node:child_process';
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixture, uniqueEmail } from '../../harness/scenario.ts';
import { TwinClient } from '../../harness/twin-client.ts';
import { type RunningTwin, startTwinProcess } from '../../harness/twin-process.ts';
import { freePortBlock, PORT_BLOCK_SIZE, portLayout } from '../../infra/local/support/ports.ts';

/** Java processes of DynamoDB Local listening on `port`, by their command line. */
function dynamoDbLocalOn(port: number): string {
  try {
    return execFileSync('pgrep', ['-f', `DynamoDBLocal.* -port ${port}( |$)`], { encoding: 'utf8' }).trim();
  } catch {
    return ''; // pgrep exits 1 when nothing matches
  }
}

describe('the twin process', () => {
  let twin: RunningTwin;

  beforeAll(async () => {
    twin = await startTwinProcess({ env: { REBOUND_QUIET: '1' } });
  });

  afterAll(async () => {
    await twin?.stop();
  });

  it("reports every part's URL on /_local/health once it is up", async () => {
    // Act
    const health = await new TwinClient(twin.api).health();

    // Assess
    const layout = portLayout(twin.port);
    expect(health).toEqual({
      status: 'ok',
      urls: {
        api: `http://127.0.0.1:${layout.api}`,
        mailViewer: `http://127.0.0.1:${layout.ses}`,
        deadLetters: `http://127.0.0.1:${layout.api}/_local/dead-letters`,
        scheduler: `http://127.0.0.1:${layout.scheduler}`,
        dynamodb: `http://127.0.0.1:${layout.dynamodb}`,
        kms: `http://127.0.0.1:${layout.kms}`,
        admin: `http://127.0.0.1:${layout.api}/admin`,
      },
      kmsKeyId: 'alias/rebound-local',
    });
  });

  it('runs with the environment it is given: REBOUND_QUIET=1 leaves requests out of the console', async () => {
    // Act
    const res = await new TwinClient(twin.api).postEvent(
      fixture('application.submitted', { email: uniqueEmail('quiet') }),
    );

    // Assess
    expect(res.status).toBe(202);
    expect(twin.output()).toContain('Rebound local twin ready');
    expect(twin.output()).not.toContain('[api]');
  });
});

describe('a twin whose SES port is taken', () => {
  it('exits with the friendly message and leaves no DynamoDB Local behind', async () => {
    // Prepare
    const base = await freePortBlock(PORT_BLOCK_SIZE, 20_000, 32_000);
    const squatter = createServer();
    await new Promise<void>((resolve) => squatter.listen(portLayout(base).ses, '127.0.0.1', resolve));

    // Act
    const started = startTwinProcess({ port: base });

    // Assess
    try {
      await expect(started).rejects.toThrow(/exited \(1\)[\s\S]*is in use\. Start with another base port/);
      expect(dynamoDbLocalOn(portLayout(base).dynamodb)).toBe('');
    } finally {
      await new Promise<void>((resolve) => squatter.close(() => resolve()));
    }
  });
});
