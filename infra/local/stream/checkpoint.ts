/**
 * Where the poller stands in each shard, kept in a JSON file (written atomically by the twin's `JsonFile`),
 * so a restarted twin carries on after the last record it handled.
 */
import { JsonFile } from '../support/json-file.ts';

interface ShardCheckpoint {
  /** Last SequenceNumber handled: delivered, sent to onFailure, or filtered out. */
  sequenceNumber?: string;
  /** The shard was closed and read to its end. */
  finished?: boolean;
}

interface CheckpointFileV1 {
  version: 1;
  streamArn: string;
  shards: Record<string, ShardCheckpoint>;
}

/** The checkpoint file exists but is not one this poller wrote. */
export class CheckpointFileError extends Error {
  public constructor(message: string) {
    super(message);
    this.name = 'CheckpointFileError';
  }
}

export class CheckpointStore {
  private readonly file: JsonFile<Partial<CheckpointFileV1>>;
  private shards: Record<string, ShardCheckpoint> = {};
  private loaded = false;
  private dirty = false;

  public constructor(
    path: string,
    private readonly streamArn: string,
    private readonly log: (msg: string, data?: Record<string, unknown>) => void,
  ) {
    this.file = new JsonFile(path);
  }

  /** Read the file once; a file of another stream (a recreated table) is ignored and overwritten. */
  public async load(): Promise<void> {
    if (this.loaded) return;
    const saved = await this.file.read();
    if (saved !== undefined) {
      if (saved.version !== 1 || typeof saved.shards !== 'object' || saved.shards === null) {
        throw new CheckpointFileError(`Unrecognised checkpoint file ${this.file.path}`);
      }
      if (saved.streamArn === this.streamArn) this.shards = saved.shards;
      else {
        this.log('checkpoint file belongs to another stream; starting from TRIM_HORIZON', {
          checkpointStreamArn: saved.streamArn,
        });
        this.dirty = true;
      }
    }
    this.loaded = true;
  }

  public get(shardId: string): ShardCheckpoint | undefined {
    return this.shards[shardId];
  }

  /** Move the shard's position forward to `sequenceNumber`; never backwards. */
  public advance(shardId: string, sequenceNumber: string): void {
    const current = this.shards[shardId]?.sequenceNumber;
    if (current !== undefined && compareSequence(sequenceNumber, current) <= 0) return;
    this.shards[shardId] = { ...this.shards[shardId], sequenceNumber };
    this.dirty = true;
  }

  public finish(shardId: string): void {
    this.shards[shardId] = { ...this.shards[shardId], finished: true };
    this.dirty = true;
  }

  /** Write the file if anything changed. */
  public async flush(): Promise<void> {
    if (!this.dirty) return;
    this.dirty = false;
    try {
      await this.file.write({ version: 1, streamArn: this.streamArn, shards: this.shards });
    } catch (error) {
      this.dirty = true;
      throw error;
    }
  }
}

/** Sequence numbers are decimal strings of up to 40 digits: compare as big integers. */
function compareSequence(a: string, b: string): number {
  try {
    const x = BigInt(a);
    const y = BigInt(b);
    return x < y ? -1 : x > y ? 1 : 0;
  } catch {
    return a.length - b.length || a.localeCompare(b);
  }
}
