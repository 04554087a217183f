import type { CatalogReader } from '../catalog/reader.js';
import type { WatchHandle } from '../catalog/watch.js';

/**
 * Prebuilt replies, so a repeated question costs a map lookup and a copy instead of a catalog
 * walk and an encode (issue #6: encoding per packet was the bottleneck by an order of
 * magnitude). An entry holds one or more complete encoded replies for one (question name
 * lower-cased, type, class, transport, EDNS size and subnet): several when the answer has
 * several records, each built from its own shuffle, served in turn so the order still changes
 * from query to query. The ID, the RD/CD bits and the question's spelling are patched into a
 * copy per query.
 *
 * Everything is dropped when the catalog's nodes, services or checks change (the store's table
 * watches); an entry is also rebuilt after a few seconds (the SOA serial is the clock) and after
 * it has served each of its orderings many times (fresh shuffles). Size is bounded in entries
 * and bytes; the oldest entries go first.
 */

export interface CachedReply {
  variants: Buffer[];
  next: number;
  served: number;
  bornMs: number;
  bytes: number;
}

/** Forward to the recursors: the name is not ours to answer. */
export const FORWARD = 'forward' as const;
type Entry = CachedReply | typeof FORWARD;

export interface AnswerCacheOptions {
  reader: CatalogReader;
  now: () => number;
  maxEntries?: number;
  maxBytes?: number;
  /** An entry older than this is rebuilt. */
  maxAgeMs?: number;
  /** An entry is rebuilt after serving each ordering this many times. */
  servesPerVariant?: number;
}

export class AnswerCache {
  private readonly entries = new Map<string, Entry>();
  private bytes = 0;
  private handle: WatchHandle | undefined;
  private closed = false;
  /** Bumped on every catalog change: a build that started before one must not be stored. */
  generation = 0;
  readonly stats = { hits: 0, misses: 0, invalidations: 0 };
  private readonly maxEntries: number;
  private readonly maxBytes: number;
  private readonly maxAgeMs: number;
  private readonly servesPerVariant: number;

  constructor(private readonly options: AnswerCacheOptions) {
    this.maxEntries = options.maxEntries ?? 10_000;
    this.maxBytes = options.maxBytes ?? 32 * 1024 * 1024;
    this.maxAgeMs = options.maxAgeMs ?? 5_000;
    this.servesPerVariant = options.servesPerVariant ?? 256;
    this.arm();
  }

  private arm(): void {
    if (this.closed) return;
    const handle = this.options.reader.watch(['nodes', 'services', 'checks']);
    this.handle = handle;
    void handle.changed.then(() => {
      this.clear();
      this.stats.invalidations++;
      this.arm();
    });
  }

  get(key: string): Entry | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) {
      this.stats.misses++;
      return undefined;
    }
    if (entry !== FORWARD && (entry.served >= entry.variants.length * this.servesPerVariant || this.options.now() - entry.bornMs > this.maxAgeMs)) {
      this.delete(key, entry);
      this.stats.misses++;
      return undefined;
    }
    this.stats.hits++;
    return entry;
  }

  set(key: string, entry: Entry, generation: number): void {
    if (generation !== this.generation || this.closed) return;
    const old = this.entries.get(key);
    if (old !== undefined) this.delete(key, old);
    const size = entry === FORWARD ? 64 : entry.bytes + 64 + key.length;
    if (size > this.maxBytes / 4) return;
    this.entries.set(key, entry);
    this.bytes += size;
    while (this.entries.size > this.maxEntries || this.bytes > this.maxBytes) {
      const oldest = this.entries.keys().next();
      if (oldest.done) break;
      this.delete(oldest.value, this.entries.get(oldest.value)!);
    }
  }

  /** Next ordering of a cached reply, as a fresh copy the caller patches. */
  take(entry: CachedReply): Buffer {
    const variant = entry.variants[entry.next]!;
    entry.next = entry.next + 1 === entry.variants.length ? 0 : entry.next + 1;
    entry.served++;
    return Buffer.from(variant);
  }

  clear(): void {
    this.entries.clear();
    this.bytes = 0;
    this.generation++;
  }

  size(): { entries: number; bytes: number } {
    return { entries: this.entries.size, bytes: this.bytes };
  }

  close(): void {
    this.closed = true;
    this.handle?.cancel();
    this.clear();
  }

  private delete(key: string, entry: Entry): void {
    this.entries.delete(key);
    this.bytes -= entry === FORWARD ? 64 : entry.bytes + 64 + key.length;
  }
}
