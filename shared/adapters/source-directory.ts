/**
 * `SourceDirectory` with an in-memory cache per Lambda instance: a source (its secrets opened) is served
 * from memory for at most `ttlMs` of real time (one minute), so a revocation or a retired secret takes
 * effect within a minute, and a busy source costs one `GetItem` per instance per minute (and a KMS `Decrypt`
 * per secret only when the source changed: the loader is handed the previous read to reuse). Unknown ids are
 * cached too (bounded), so made-up ids cannot force a read per request.
 */
import type { Source } from '../domain/sources.ts';
import type { Clock } from '../ports.ts';
import type { SourceDirectory } from '../use-cases/authenticate-request.ts';
import { systemClock } from './clock.ts';

export interface SourceCacheOptions {
  /** How long a read is served from memory. @default 60_000 */
  readonly ttlMs?: number;
  /** `reload` re-reads a source at most this often. @default 1_000 */
  readonly minReloadMs?: number;
  /** Entries kept; the oldest read goes first. @default 1_000 */
  readonly maxEntries?: number;
}

interface Entry {
  readonly loadedAt: number;
  readonly source: Promise<Source | undefined>;
}

export class CachedSourceDirectory implements SourceDirectory {
  private readonly entries = new Map<string, Entry>();
  private readonly ttlMs: number;
  private readonly minReloadMs: number;
  private readonly maxEntries: number;

  public constructor(
    /** Reads a source; `previous` is the last good read, to hand back when nothing changed. */
    private readonly load: (sourceId: string, previous?: Source) => Promise<Source | undefined>,
    /** Real time: the cache bounds how long a revocation takes, in seconds that really pass. */
    private readonly clock: Clock = systemClock,
    options: SourceCacheOptions = {},
  ) {
    this.ttlMs = options.ttlMs ?? 60_000;
    this.minReloadMs = options.minReloadMs ?? 1_000;
    this.maxEntries = options.maxEntries ?? 1_000;
  }

  public find(sourceId: string): Promise<Source | undefined> {
    const entry = this.entries.get(sourceId);
    if (entry && this.ageOf(entry) < this.ttlMs) return entry.source;
    return this.read(sourceId, entry);
  }

  public reload(sourceId: string): Promise<Source | undefined> {
    const entry = this.entries.get(sourceId);
    if (entry && this.ageOf(entry) < this.minReloadMs) return entry.source;
    return this.read(sourceId, entry);
  }

  private ageOf(entry: Entry): number {
    return this.clock.now().getTime() - entry.loadedAt;
  }

  /** One read, shared by every request that asks meanwhile; a failed read is not kept. */
  private read(sourceId: string, previous: Entry | undefined): Promise<Source | undefined> {
    const source = (async () => {
      const last = previous ? await previous.source.catch(() => undefined) : undefined;
      return this.load(sourceId, last);
    })();
    const entry: Entry = { loadedAt: this.clock.now().getTime(), source };
    this.entries.delete(sourceId);
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(sourceId, entry);
    source.catch(() => {
      if (this.entries.get(sourceId) === entry) this.entries.delete(sourceId);
    });
    return source;
  }
}
