/** The SES recorder in front of aws-ses-v2-local, through the real SES v2 client, on loopback. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutSuppressedDestinationCommand, SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SesTwin, startSes } from '../../../infra/local/ses-recorder.ts';

let dir: string;
let ses: SesTwin;
let client: SESv2Client;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rebound-ses-'));
  ses = await startSes({
    port: 0,
    logFile: join(dir, 'emails.jsonl'),
    suppressionFile: join(dir, 'ses-suppressions.jsonl'),
    clock: { now: () => new Date('2027-01-04T08:00:00Z') },
  });
  client = new SESv2Client({
    endpoint: ses.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
});

afterAll(async () => {
  client?.destroy();
  await ses?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('the SES recorder', () => {
  it('answers PutSuppressedDestination, which the emulator lacks, and keeps one entry per address', async () => {
    // Act
    await client.send(
      new PutSuppressedDestinationCommand({ EmailAddress: 'sam@example.com', Reason: 'BOUNCE' }),
    );
    await client.send(
      new PutSuppressedDestinationCommand({ EmailAddress: 'sam@example.com', Reason: 'COMPLAINT' }),
    );

    // Assess
    expect(await ses.suppressions()).toEqual([
      { email: 'sam@example.com', reason: 'COMPLAINT', at: '2027-01-04T08:00:00.000Z' },
    ]);
  });

  it('refuses a suppression without a valid reason, as SES does', async () => {
    // Act
    const error = await client
      .send(
        new PutSuppressedDestinationCommand({ EmailAddress: 'kim@example.com', Reason: 'OTHER' as 'BOUNCE' }),
      )
      .catch((e: unknown) => e);

    // Assess
    expect((error as Error).name).toBe('BadRequestException');
    expect((await ses.suppressions()).map((s) => s.email)).not.toContain('kim@example.com');
  });

  it('records a sent email with its tags and the virtual send time', async () => {
    // Act
    const { MessageId } = await client.send(
      new SendEmailCommand({
        FromEmailAddress: 'reminders@rebound.local',
        Destination: { ToAddresses: ['sam@example.com'] },
        EmailTags: [{ Name: 'digest', Value: 'd-1' }],
        Content: { Simple: { Subject: { Data: 'Hi' }, Body: { Text: { Data: 'Hello' } } } },
      }),
    );

    // Assess
    const [email] = await ses.emails();
    expect(email).toMatchObject({
      messageId: MessageId,
      to: ['sam@example.com'],
      tags: [{ name: 'digest', value: 'd-1' }],
      sentAt: '2027-01-04T08:00:00.000Z',
    });
  });
});
