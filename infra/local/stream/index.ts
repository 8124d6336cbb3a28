/** The twin's DynamoDB Streams → Lambda event source mapping. */
export type { StreamFailure } from './delivery.ts';
export { compileFilter, FilterPatternError } from './filter.ts';
export { type DrainOptions, StreamPoller, StreamPollerError, type StreamPollerOptions } from './poller.ts';
export { toLambdaRecord, UnconvertibleRecordError } from './record.ts';
