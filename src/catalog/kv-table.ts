import type { KVRecord } from './types.js';

/** Deleted keys are remembered (as Consul's tombstones) so a prefix read's index moves on delete. */
const MAX_TOMBSTONES = 10_000;

/**
 * The key/value table: entries plus tombstones of deleted keys. Keys are kept in a sorted array
 * beside the map so prefix scans are a binary search and a walk, not a scan of every key.
 */
export class KVTable {
  private readonly entries = new Map<string, KVRecord>();
  private sortedKeys: string[] = [];
  /** key → index of its deletion; insertion order = deletion order, so the oldest go first. */
  private readonly tombstones = new Map<string, number>();

  get(key: string): KVRecord | undefined {
    return this.entries.get(key);
  }

  put(record: KVRecord): void {
    if (!this.entries.has(record.Key)) {
      this.sortedKeys.splice(this.lowerBound(record.Key), 0, record.Key);
    }
    this.entries.set(record.Key, record);
    this.tombstones.delete(record.Key);
  }

  delete(key: string, index: number): boolean {
    if (!this.entries.delete(key)) return false;
    this.sortedKeys.splice(this.lowerBound(key), 1);
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
    const out: KVRecord[] = [];
    for (let i = this.lowerBound(prefix); i < this.sortedKeys.length; i++) {
      const key = this.sortedKeys[i]!;
      if (!key.startsWith(prefix)) break;
      out.push(this.entries.get(key)!);
    }
    return out;
  }

  /** Highest ModifyIndex or deletion index under prefix (0 when nothing was ever there). */
  prefixIndex(prefix: string): number {
    let max = 0;
    for (const entry of this.list(prefix)) max = Math.max(max, entry.ModifyIndex);
    for (const [key, index] of this.tombstones) if (key.startsWith(prefix)) max = Math.max(max, index);
    return max;
  }

  all(): KVRecord[] {
    return this.sortedKeys.map((key) => this.entries.get(key)!);
  }

  tombstoneEntries(): [string, number][] {
    return [...this.tombstones];
  }

  restore(records: KVRecord[], tombstones: [string, number][]): void {
    this.entries.clear();
    this.tombstones.clear();
    for (const record of records) this.entries.set(record.Key, record);
    this.sortedKeys = [...this.entries.keys()].sort();
    for (const [key, index] of tombstones) this.tombstones.set(key, index);
  }

  private lowerBound(key: string): number {
    let lo = 0;
    let hi = this.sortedKeys.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.sortedKeys[mid]! < key) lo = mid + 1;
      else hi = mid;
    }
    return lo;
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
