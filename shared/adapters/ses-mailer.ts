/**
 * `Mailer` on SES v2. v2 (not v1) because only v2 takes custom headers on simple content, publishes to an
 * EventBridge event destination, and exposes the account-level suppression list.
 */
import { type SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import type { Mailer, OutgoingEmail } from '../ports.ts';

export interface SesMailerConfig {
  readonly from: string;
  readonly configurationSetName?: string | undefined;
}

export class SesMailer implements Mailer {
  public constructor(
    private readonly client: SESv2Client,
    private readonly config: SesMailerConfig,
  ) {}

  public async send(email: OutgoingEmail): Promise<string> {
    const res = await this.client.send(
      new SendEmailCommand({
        FromEmailAddress: this.config.from,
        Destination: { ToAddresses: [email.to] },
        ConfigurationSetName: this.config.configurationSetName,
        EmailTags: Object.entries(email.tags ?? {}).map(([Name, Value]) => ({ Name, Value })),
        Content: {
          Simple: {
            Subject: { Data: email.subject, Charset: 'UTF-8' },
            Body: {
              Html: { Data: email.html, Charset: 'UTF-8' },
              Text: { Data: email.text, Charset: 'UTF-8' },
            },
            Headers: email.headers?.map((h) => ({ Name: h.name, Value: h.value })),
          },
        },
      }),
    );
    if (!res.MessageId) throw new Error('SES returned no MessageId');
    return res.MessageId;
  }
}
