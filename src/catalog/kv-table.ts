import type { KVRecord } from './types.js';

/** Deleted keys are remembered (as Consul's tombstones) so a prefix read's index moves on delete. */
const MAX_TOMBSTONES = 10_000;

/** Keys per block of the sorted index before it splits (a block is spliced, never the whole index). */
const BLOCK_MAX = 512;

/**
 * The keys of the table in order, as a list of sorted blocks (Python's sortedcontainers layout):
 * an insert or a delete is a binary search over the blocks' last keys, one in the block, and a
 * splice of at most BLOCK_MAX keys — O(log n + B), where one sorted array costs O(n) per insert.
 * A prefix scan is a binary search and a walk.
 */
export class SortedKeys {
  private blocks: string[][] = [];
  /** maxes[i] is the last (largest) key of blocks[i]. */
  private maxes: string[] = [];
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** Adds a key that is not present (the caller knows: the Map beside it says so). */
  insert(key: string): void {
    this.count++;
    if (this.blocks.length === 0) {
      this.blocks.push([key]);
      this.maxes.push(key);
      return;
    }
    let b = lowerBound(this.maxes, key);
    if (b === this.blocks.length) {
      // Past every key: append to the last block (the common case for increasing keys).
      b--;
      const block = this.blocks[b]!;
      block.push(key);
      this.maxes[b] = key;
      if (block.length > BLOCK_MAX) this.split(b);
      return;
    }
    const block = this.blocks[b]!;
    block.splice(lowerBound(block, key), 0, key);
    if (block.length > BLOCK_MAX) this.split(b);
  }

  /** Removes a key that is present. */
  remove(key: string): void {
    const b = lowerBound(this.maxes, key);
    const block = this.blocks[b];
    if (!block) return;
    const i = lowerBound(block, key);
    if (block[i] !== key) return;
    this.count--;
    block.splice(i, 1);
    if (block.length === 0) {
      this.blocks.splice(b, 1);
      this.maxes.splice(b, 1);
    } else if (i === block.length) {
      this.maxes[b] = block[block.length - 1]!;
    }
  }

  /** Every key starting with prefix, in order. */
  withPrefix(prefix: string): string[] {
    const out: string[] = [];
    let b = lowerBound(this.maxes, prefix);
    if (b >= this.blocks.length) return out;
    let i = lowerBound(this.blocks[b]!, prefix);
    for (; b < this.blocks.length; b++, i = 0) {
      const block = this.blocks[b]!;
      for (; i < block.length; i++) {
        const key = block[i]!;
        if (!key.startsWith(prefix)) return out;
        out.push(key);
      }
    }
    return out;
  }

  all(): string[] {
    const out: string[] = new Array<string>(this.count);
    let n = 0;
    for (const block of this.blocks) for (const key of block) out[n++] = key;
    return out;
  }

  /** Replaces the contents with `keys`, which must be sorted and distinct. */
  reset(keys: string[]): void {
    this.blocks = [];
    this.maxes = [];
    this.count = keys.length;
    const half = BLOCK_MAX >>> 1;
    for (let i = 0; i < keys.length; i += half) {
      const block = keys.slice(i, i + half);
      this.blocks.push(block);
      this.maxes.push(block[block.length - 1]!);
    }
  }

  private split(b: number): void {
    const block = this.blocks[b]!;
    const tail = block.splice(block.length >>> 1);
    this.blocks.splice(b + 1, 0, tail);
    this.maxes[b] = block[block.length - 1]!;
    this.maxes.splice(b + 1, 0, tail[tail.length - 1]!);
  }
}

/** First position in sorted `xs` whose element is >= key. */
function lowerBound(xs: readonly string[], key: string): number {
  let lo = 0;
  let hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (xs[mid]! < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The key/value table: entries plus tombstones of deleted keys. Rows live in a map; the keys are
 * also kept in a sorted index so prefix scans are a binary search and a walk, not a scan of every
 * key. Rows are replaced on every write, never changed in place, so a snapshot may hold on to them.
 */
export class KVTable {
  private readonly entries = new Map<string, KVRecord>();
  private readonly keys = new SortedKeys();
  /** key → index of its deletion; insertion order = deletion order, so the oldest go first. */
  private readonly tombstones = new Map<string, number>();

  get size(): number {
    return this.entries.size;
  }

  get(key: string): KVRecord | undefined {
    return this.entries.get(key);
  }

  put(record: KVRecord): void {
    const before = this.entries.size;
    this.entries.set(record.Key, record);
    if (this.entries.size !== before) this.keys.insert(record.Key);
    if (this.tombstones.size > 0) this.tombstones.delete(record.Key);
  }

  delete(key: string, index: number): boolean {
    if (!this.entries.delete(key)) return false;
    this.keys.remove(key);
    this.tombstones.delete(key);
    this.tombstones.set(key, index);
    if (this.tombstones.size > MAX_TOMBSTONES) {
      const oldest = this.tombstones.keys().next().value as string;
      this.tombstones.delete(oldest);
    }
    return true;
  }

  /** Every entry whose key starts with prefix, in key order. */
  list(prefix: string): KVRecord[] {
    if (prefix === '') return this.all();
    return this.keys.withPrefix(prefix).map((key) => this.entries.get(key)!);
  }

  /** Highest ModifyIndex or deletion index under prefix (0 when nothing was ever there). */
  prefixIndex(prefix: string): number {
    let max = 0;
    for (const key of this.keys.withPrefix(prefix)) max = Math.max(max, this.entries.get(key)!.ModifyIndex);
    for (const [key, index] of this.tombstones) if (index > max && key.startsWith(prefix)) max = index;
    return max;
  }

  /** Every entry, in key order. */
  all(): KVRecord[] {
    return this.keys.all().map((key) => this.entries.get(key)!);
  }

  /** Every entry, in no particular order: a cheap point-in-time capture (rows are immutable). */
  rows(): KVRecord[] {
    return [...this.entries.values()];
  }

  tombstoneEntries(): [string, number][] {
    return [...this.tombstones];
  }

  restore(records: Iterable<KVRecord>, tombstones: Iterable<readonly [string, number]>): void {
    this.entries.clear();
    this.tombstones.clear();
    for (const record of records) this.entries.set(record.Key, record);
    this.keys.reset([...this.entries.keys()].sort());
    for (const [key, index] of tombstones) this.tombstones.set(key, index);
  }
}

/** Consul's ?keys roll-up: keep the part up to and including the first separator after prefix. */
export function rollUpKeys(keys: readonly string[], prefix: string, separator: string): string[] {
  const out: string[] = [];
  for (const key of keys) {
    const cut = separator ? key.indexOf(separator, prefix.length) : -1;
    const shown = cut === -1 ? key : key.slice(0, cut + separator.length);
    if (out[out.length - 1] !== shown) out.push(shown);
  }
  return out;
}
