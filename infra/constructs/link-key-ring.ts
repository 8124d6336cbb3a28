import { type RemovalPolicy, Validations } from 'aws-cdk-lib';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import type { EnvironmentOf } from '../../shared/config.ts';

/** The kid of the key CloudFormation generates; later keys are added by hand (docs/deploy.md, "Link keys"). */
export const FIRST_LINK_KEY_ID = 'k1';

export interface LinkKeyRingProps {
  /** What happens to the secret when the stack is deleted: every link in every sent email dies with it. */
  readonly removalPolicy: RemovalPolicy;
  /** @default - none */
  readonly description?: string;
}

/**
 * The key ring that signs the links in emails: a Secrets Manager secret holding the flat JSON form
 * `parseKeyRing` reads (`shared/adapters/link-tokens.ts`), `{"current":"k1","k1":"<64 random characters>"}`.
 *
 * CloudFormation generates the first key only. Rotation is a manual, documented procedure (add a key, make it
 * current, keep the old one for verifying) because each token names its key by `kid`, and every link already
 * sent must keep working until it expires (unsubscribe and preferences links never do).
 *
 * Never edit `generateSecretString` below once deployed: CloudFormation would generate a new value, replacing
 * the whole ring (every key added by hand included) and breaking every link in every email already sent.
 */
export class LinkKeyRing extends Construct {
  public readonly secret: Secret;
  /** The full secret ARN (with its random suffix): what functions read (`LINK_KEYS_SECRET_ARN`) and are granted. */
  public readonly secretArn: string;

  public constructor(scope: Construct, id: string, props: LinkKeyRingProps) {
    super(scope, id);
    this.secret = new Secret(this, 'Secret', {
      description: props.description,
      generateSecretString: {
        secretStringTemplate: JSON.stringify({ current: FIRST_LINK_KEY_ID }),
        generateStringKey: FIRST_LINK_KEY_ID,
        passwordLength: 64,
        // Letters and digits: no character JSON or a shell would need escaped.
        excludePunctuation: true,
      },
      // Encrypted under the AWS managed key (aws/secretsmanager): readers need no KMS grant of their own.
      removalPolicy: props.removalPolicy,
    });
    this.secretArn = this.secret.secretArn;
    Validations.of(this.secret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'Rotation is a manual key-ring procedure (docs/deploy.md, "Link keys"): add a key, make it current, keep the old one for verifying (at least 60 days, the longest expiring link), so links in sent emails keep working. Automatic rotation would replace the only key and break every link already sent.',
    });
  }
}

/**
 * What a function that signs or verifies links is given: where links point, and the ring it may read
 * (`ReboundFunction.allowReadLinkKeys`).
 */
export interface LinkSigning {
  /** `https://…` without a trailing path: the API's URL, or the custom domain when one is configured. */
  readonly publicBaseUrl: string;
  readonly keyRing: { readonly secretArn: string };
}

/** The part of a link-signing function's config that names the base URL and the ring (never `LINK_KEYS_FILE` on AWS). */
export function linkEnvironment(
  signing: LinkSigning,
): Pick<EnvironmentOf<'links'>, 'PUBLIC_BASE_URL' | 'LINK_KEYS_SECRET_ARN'> {
  return { PUBLIC_BASE_URL: signing.publicBaseUrl, LINK_KEYS_SECRET_ARN: signing.keyRing.secretArn };
}
