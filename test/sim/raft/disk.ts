/**
 * A simulated Raft disk: a durable image (what survives a crash) and a written image (what the
 * server would read back if it did not crash: durable plus the writes not yet fsync'd). A crash
 * keeps a prefix of the un-fsync'd writes (the OS may have flushed some, in order) and loses the
 * rest. The written image also carries a rolling prefix hash per entry for the log-matching check.
 */
import type { Entry, HardState } from '../../../src/raft/core/types.js';
import { EMPTY_PREFIX, entryDigest, extendPrefix } from './hash.js';

export interface LogImage {
  hardState: HardState;
  /** The log starts after (baseIndex, baseTerm): a snapshot point, or 0. */
  baseIndex: number;
  baseTerm: number;
  /** Prefix hash at baseIndex. */
  baseHash: number;
  /** entries[k].index === baseIndex + 1 + k. */
  entries: Entry[];
  /** Prefix hash at entries[k]. */
  hashes: number[];
}

export type DiskOp =
  | { readonly kind: 'hard-state'; readonly hardState: HardState }
  | { readonly kind: 'append'; readonly entries: readonly Entry[] }
  | { readonly kind: 'reset'; readonly index: number; readonly term: number; readonly hash: number };

/** Called for every entry written to a written image with its prefix hash; throws on a mismatch. */
export type PrefixRecorder = (index: number, term: number, prefix: number) => void;

export class DiskError extends Error {}

export const ZERO_HARD_STATE: HardState = Object.freeze({ term: 0, vote: '', commit: 0 });

function emptyImage(): LogImage {
  return { hardState: ZERO_HARD_STATE, baseIndex: 0, baseTerm: 0, baseHash: EMPTY_PREFIX, entries: [], hashes: [] };
}

export function lastIndex(img: LogImage): number {
  return img.baseIndex + img.entries.length;
}

export function termAt(img: LogImage, index: number): number | undefined {
  if (index === img.baseIndex) return img.baseTerm;
  return img.entries[index - img.baseIndex - 1]?.term;
}

export function entryAt(img: LogImage, index: number): Entry | undefined {
  return index > img.baseIndex ? img.entries[index - img.baseIndex - 1] : undefined;
}

export class SimDisk {
  durable: LogImage = emptyImage();
  written: LogImage = emptyImage();
  pending: DiskOp[] = [];
  fsyncs = 0;

  constructor(private readonly record: PrefixRecorder) {}

  write(op: DiskOp, sync: boolean): void {
    applyOp(this.written, op, this.record);
    this.pending.push(op);
    if (sync) this.sync();
  }

  sync(): void {
    if (this.pending.length === 0) return;
    for (const op of this.pending) applyOp(this.durable, op, null);
    this.pending = [];
    this.fsyncs++;
  }

  /** Lose the volatile state, keeping the first `keep` un-fsync'd writes. */
  crash(keep: number): void {
    for (const op of this.pending.slice(0, keep)) applyOp(this.durable, op, null);
    this.pending = [];
    this.reload();
  }

  /** Rebuild the written image from the durable one (re-checking every prefix hash). */
  reload(): void {
    const d = this.durable;
    this.written = { ...d, entries: [], hashes: [] };
    if (d.entries.length > 0) applyOp(this.written, { kind: 'append', entries: d.entries }, this.record);
  }

  /** Entries at or below `through` are covered by a durable snapshot: drop them from both images. */
  compact(through: number): void {
    compactImage(this.durable, through);
    compactImage(this.written, through);
  }

  /** Entries after `after`, from the durable image (what a restart reads back). */
  durableEntriesAfter(after: number): Entry[] {
    return this.durable.entries.filter((e) => e.index > after);
  }

  prefixAt(index: number): number | undefined {
    const w = this.written;
    if (index === w.baseIndex) return w.baseHash;
    return w.hashes[index - w.baseIndex - 1];
  }
}

function compactImage(img: LogImage, through: number): void {
  if (through <= img.baseIndex) return;
  const drop = Math.min(through, lastIndex(img)) - img.baseIndex;
  if (drop <= 0) return;
  const last = img.entries[drop - 1]!;
  img.baseIndex = last.index;
  img.baseTerm = last.term;
  img.baseHash = img.hashes[drop - 1]!;
  img.entries = img.entries.slice(drop);
  img.hashes = img.hashes.slice(drop);
}

function applyOp(img: LogImage, op: DiskOp, record: PrefixRecorder | null): void {
  switch (op.kind) {
    case 'hard-state':
      img.hardState = op.hardState;
      return;
    case 'reset':
      img.baseIndex = op.index;
      img.baseTerm = op.term;
      img.baseHash = op.hash;
      img.entries = [];
      img.hashes = [];
      return;
    case 'append': {
      if (op.entries.length === 0) return;
      const first = op.entries[0]!.index;
      if (first <= img.baseIndex) {
        throw new DiskError(`append at ${first} at or below the log start ${img.baseIndex + 1}`);
      }
      if (first > lastIndex(img) + 1) {
        throw new DiskError(`append at ${first} leaves a gap after the last index ${lastIndex(img)}`);
      }
      const keep = first - img.baseIndex - 1;
      if (keep < img.entries.length) {
        img.entries = img.entries.slice(0, keep);
        img.hashes = img.hashes.slice(0, keep);
      }
      let prev = keep === 0 ? img.baseHash : img.hashes[keep - 1]!;
      let expect = first;
      for (const e of op.entries) {
        if (e.index !== expect) throw new DiskError(`entries not contiguous: ${e.index} after ${expect - 1}`);
        expect++;
        img.entries.push(e);
        prev = extendPrefix(prev, e.index, e.term, entryDigest(e));
        img.hashes.push(prev);
        record?.(e.index, e.term, prev);
      }
    }
  }
}
