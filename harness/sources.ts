/**
 * The sources of a running twin, managed from outside as `npm run sources` does: the same use cases, with
 * clients aimed straight at the twin's DynamoDB Local and KMS emulator (the URLs `GET /_local/health`
 * names), never through the handlers' metered proxies. Tests use it to create, rotate and revoke sources.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KMSClient } from '@aws-sdk/client-kms';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { localClientConfig } from '../infra/local/dynamodb/launcher.ts';
import { LOCAL_NAMES } from '../infra/local/wiring.ts';
import { manageSourcesDependencies } from '../shared/adapters/compose.ts';
import type { ManageSourcesDeps } from '../shared/use-cases/manage-sources.ts';

export interface TwinSources {
  /** What the `manage-sources` use cases take. */
  readonly deps: ManageSourcesDeps;
  close(): void;
}

/** Source management on the twin whose emulators are at `urls`; `close()` when done. */
export function twinSources(urls: { readonly dynamodb: string; readonly kms: string }): TwinSources {
  const dynamo = new DynamoDBClient(localClientConfig(urls.dynamodb));
  const kms = new KMSClient({ ...localClientConfig(urls.kms), maxAttempts: 1 });
  const deps = manageSourcesDependencies(
    { TABLE_NAME: LOCAL_NAMES.table, KMS_KEY_ID: LOCAL_NAMES.kmsKeyAlias },
    {
      documentClient: DynamoDBDocumentClient.from(dynamo, {
        marshallOptions: { removeUndefinedValues: true },
      }),
      kms,
    },
  );
  return {
    deps,
    close: () => {
      dynamo.destroy();
      kms.destroy();
    },
  };
}

/** A source id no other test run uses: `<label>-<random>`. */
export const uniqueSourceId = (label: string) => `${label}-${Math.random().toString(36).slice(2, 8)}`;
