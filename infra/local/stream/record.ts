/**
 * A DynamoDB Streams record, as the SDK reads it, converted to the record Lambda delivers:
 * `ApproximateCreationDateTime` in epoch seconds, attribute values in wire form (`{ "S": "..." }`, binary as
 * base64), `eventSourceARN` added.
 *
 * Two DynamoDB Local quirks are undone here, so handlers see what AWS sends (docs/local-twin.md):
 * - an empty map is streamed as `{}`, without its `M` key (GetItem returns it correctly). No other value is
 *   typeless, so `{}` is read as `{ "M": {} }`;
 * - 3.x writes a TTL deletion as `eventName: "UNKNOWN_TO_SDK_VERSION"` without `userIdentity`. Such a record
 *   (old image, no new image) becomes the REMOVE by the DynamoDB service principal that AWS sends.
 */
import type {
  AttributeValue as SdkAttributeValue,
  _Record as SdkRecord,
} from '@aws-sdk/client-dynamodb-streams';
import type { AttributeValue, DynamoDBRecord, StreamRecord } from 'aws-lambda';

/**
 * A record that cannot be put in Lambda's shape. `stub` carries everything but the images that failed
 * (ids, sequence number, creation time, and the keys when they converted), for the dead letters.
 */
export class UnconvertibleRecordError extends Error {
  public constructor(
    message: string,
    public readonly stub: DynamoDBRecord,
  ) {
    super(message);
    this.name = 'UnconvertibleRecordError';
  }
}

/** @throws UnconvertibleRecordError naming the attribute that has no type the twin knows. */
export function toLambdaRecord(record: SdkRecord, streamArn: string): DynamoDBRecord {
  const source = record.dynamodb ?? {};
  const dynamodb: StreamRecord = {};
  if (source.ApproximateCreationDateTime) {
    dynamodb.ApproximateCreationDateTime = source.ApproximateCreationDateTime.getTime() / 1000;
  }
  if (source.SequenceNumber !== undefined) dynamodb.SequenceNumber = source.SequenceNumber;
  if (source.SizeBytes !== undefined) dynamodb.SizeBytes = source.SizeBytes;
  if (source.StreamViewType) {
    dynamodb.StreamViewType = source.StreamViewType as StreamRecord['StreamViewType'];
  }

  const localTtlDelete =
    (record.eventName as string | undefined) === LOCAL_TTL_EVENT_NAME && source.OldImage && !source.NewImage;
  const out: DynamoDBRecord = {
    eventID: record.eventID,
    eventName: (localTtlDelete ? 'REMOVE' : record.eventName) as DynamoDBRecord['eventName'],
    eventVersion: record.eventVersion,
    eventSource: record.eventSource ?? 'aws:dynamodb',
    awsRegion: record.awsRegion,
    eventSourceARN: streamArn,
    dynamodb,
  };
  if (record.userIdentity) {
    out.userIdentity = { type: record.userIdentity.Type, principalId: record.userIdentity.PrincipalId };
  } else if (localTtlDelete) {
    out.userIdentity = { type: 'Service', principalId: 'dynamodb.amazonaws.com' };
  }

  if (!dynamodb.SequenceNumber) {
    throw new UnconvertibleRecordError('The record has no SequenceNumber', structuredClone(out));
  }
  for (const name of ['Keys', 'NewImage', 'OldImage'] as const) {
    const image = source[name];
    if (!image) continue;
    try {
      dynamodb[name] = toLambdaImage(image, name);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new UnconvertibleRecordError(reason, structuredClone(out));
    }
  }
  return out;
}

const LOCAL_TTL_EVENT_NAME = 'UNKNOWN_TO_SDK_VERSION';

function toLambdaImage(
  image: Record<string, SdkAttributeValue>,
  path: string,
): Record<string, AttributeValue> {
  return Object.fromEntries(
    Object.entries(image).map(([name, value]) => [name, toLambdaValue(value, `${path}.${name}`)]),
  );
}

function toLambdaValue(value: SdkAttributeValue, path: string): AttributeValue {
  if (typeof value !== 'object' || value === null) throw new TypeError(`${path} is not an attribute value`);
  if (value.S !== undefined) return { S: value.S };
  if (value.N !== undefined) return { N: value.N };
  if (value.BOOL !== undefined) return { BOOL: value.BOOL };
  if (value.NULL !== undefined) return { NULL: value.NULL };
  if (value.B !== undefined) return { B: Buffer.from(value.B).toString('base64') };
  if (value.SS !== undefined) return { SS: [...value.SS] };
  if (value.NS !== undefined) return { NS: [...value.NS] };
  if (value.BS !== undefined) return { BS: value.BS.map((b) => Buffer.from(b).toString('base64')) };
  if (value.L !== undefined) return { L: value.L.map((item, i) => toLambdaValue(item, `${path}[${i}]`)) };
  if (value.M !== undefined) return { M: toLambdaImage(value.M, path) };
  const types = Object.keys(value);
  if (types.length === 0) return { M: {} };
  const unknown = value.$unknown?.[0];
  throw new TypeError(
    `${path} has an attribute type the twin cannot convert: ${unknown ?? types.join(', ')}`,
  );
}
