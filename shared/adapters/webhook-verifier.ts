/**
 * `WebhookVerifier` with the `standardwebhooks` library (the reference implementation of the spec).
 *
 * What this adapter adds around `Webhook.verify`:
 * - whitespace: the signature header is trimmed and split on any run of whitespace, then handed over
 *   with single spaces (the library splits on one space only);
 * - the staleness check first, on the system clock, which the library reads too (`Date.now`; never the
 *   twin's virtual clock: senders sign with their wall clock), so a stale message is told apart (`stale_timestamp`) from a bad signature without matching on error messages;
 * - every secret is tried, even after a match, so the time taken does not tell which secret signed.
 * The library ignores entries of other versions (`v2,…`), compares in constant time, and signs the body as
 * a UTF-8 string: bytes that are not UTF-8 never verify against a signature made over the raw bytes.
 */
import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import type { SignatureCheck, SignedMessage, WebhookVerifier } from '../use-cases/authenticate-request.ts';
import { systemClock } from './clock.ts';

/** Standard Webhooks' tolerance, both ways: the library's own constant. */
export const WEBHOOK_TOLERANCE_SECONDS = 5 * 60;
/** Epoch seconds, as the spec writes them. */
const TIMESTAMP = /^\d{1,12}$/;

export class StandardWebhooksVerifier implements WebhookVerifier {
  private readonly webhooks = new Map<string, Webhook>();

  private webhookFor(secret: string): Webhook {
    let webhook = this.webhooks.get(secret);
    if (!webhook) {
      webhook = new Webhook(secret);
      // Bounded: secrets of the sources seen recently, plus the dummy.
      if (this.webhooks.size >= 1000) this.webhooks.clear();
      this.webhooks.set(secret, webhook);
    }
    return webhook;
  }

  public verify(message: SignedMessage, secrets: readonly string[]): SignatureCheck {
    if (!TIMESTAMP.test(message.timestamp)) return 'invalid_signature';
    const skew = Math.floor(systemClock.now().getTime() / 1000) - Number(message.timestamp);
    if (Math.abs(skew) > WEBHOOK_TOLERANCE_SECONDS) return 'stale_timestamp';
    const headers = {
      'webhook-id': message.id,
      'webhook-timestamp': message.timestamp,
      'webhook-signature': message.signature.trim().split(/\s+/).join(' '),
    };
    const body = Buffer.from(message.body.buffer, message.body.byteOffset, message.body.byteLength);
    let valid = false;
    for (const secret of secrets) {
      try {
        this.webhookFor(secret).verify(body, headers, { jsonParse: false });
        valid = true;
      } catch (error) {
        if (!(error instanceof WebhookVerificationError)) throw error;
      }
    }
    return valid ? 'valid' : 'invalid_signature';
  }
}
