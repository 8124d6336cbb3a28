/** `SuppressionList` on SES v2's account-level suppression list. */
import { PutSuppressedDestinationCommand, type SESv2Client } from '@aws-sdk/client-sesv2';
import type { SuppressionList } from '../use-cases/record-feedback.ts';

export class SesSuppressionList implements SuppressionList {
  public constructor(private readonly client: SESv2Client) {}

  public async suppress(email: string, reason: 'BOUNCE' | 'COMPLAINT'): Promise<void> {
    // Idempotent on SES's side: suppressing an address twice keeps one entry.
    await this.client.send(new PutSuppressedDestinationCommand({ EmailAddress: email, Reason: reason }));
  }
}
