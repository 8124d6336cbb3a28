import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';

export interface SourceSecretsKeyProps {
  /** The stage: the key's alias is `alias/rebound-<stage>`. */
  readonly stage: string;
  /**
   * What happens to the key when the stack is deleted. Keep it wherever sources matter (prod): without the
   * key no sealed webhook secret can be opened again, and every integrator would need a new one.
   */
  readonly removalPolicy: RemovalPolicy;
}

/**
 * The symmetric KMS key that seals the sources' webhook secrets (`shared/adapters/secret-box.ts`): one key for
 * every source, each ciphertext bound to its source by encryption context. Automatic yearly rotation (old
 * key material stays, so existing ciphertexts still open). The key policy is CDK's default (the account may
 * delegate through IAM): intake's role gets `kms:Decrypt` only (`ReboundFunction.allowOpenSourceSecrets`),
 * no function may `Encrypt`; `npm run sources -- --stage <stage>` seals with the operator's credentials.
 */
export class SourceSecretsKey extends Construct {
  public readonly key: Key;
  /** The key's ARN: `KMS_KEY_ID` of intake and the stack output `npm run sources` reads. */
  public readonly keyArn: string;
  public readonly aliasName: string;

  public constructor(scope: Construct, id: string, props: SourceSecretsKeyProps) {
    super(scope, id);
    this.aliasName = `alias/rebound-${props.stage}`;
    this.key = new Key(this, 'Key', {
      description: `Rebound ${props.stage}: seals the sources' webhook signing secrets (encryption context: sourceId)`,
      alias: this.aliasName,
      enableKeyRotation: true,
      // A retained key is deleted only by hand; a destroyed one waits the shortest window KMS allows.
      pendingWindow: props.removalPolicy === RemovalPolicy.RETAIN ? Duration.days(30) : Duration.days(7),
      removalPolicy: props.removalPolicy,
    });
    this.keyArn = this.key.keyArn;
  }
}
