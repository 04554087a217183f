/**
 * The in-memory Raft log: every entry since the last compaction point. Entries live in one
 * array offset by `base` (the index just before the first entry, whose term we keep so an
 * append right after a snapshot can still be checked). Appends push, truncation sets the
 * length, reads slice: nothing per proposal is proportional to the log's length.
 *
 * Durability is tracked with two marks: `handedOut` (the highest index given to the driver in
 * a Ready) and `stable` (the highest index the driver confirmed persisted via advance). The
 * entries above `handedOut` are what the next Ready must carry.
 */
import { assert } from '../../shared/assert.js';
import type { Entry } from './types.js';

/** Bytes counted per entry on top of its data (index, term, kind, framing). */
export const ENTRY_OVERHEAD = 24;

export function entrySize(e: Entry): number {
  return e.data.byteLength + ENTRY_OVERHEAD;
}

export class RaftLog {
  private entries: Entry[] = [];
  private base: number;
  private baseTerm: number;
  private stableIndex: number;
  private handedOutIndex: number;

  /** A log whose last compacted entry is (`baseIndex`, `baseTerm`), holding `entries` after it. */
  constructor(baseIndex: number, baseTerm: number, entries: readonly Entry[]) {
    this.base = baseIndex;
    this.baseTerm = baseTerm;
    for (const e of entries) {
      assert(e.index === this.lastIndex() + 1, `restored log not contiguous at ${e.index}`);
      this.entries.push(e);
    }
    this.stableIndex = this.lastIndex();
    this.handedOutIndex = this.lastIndex();
  }

  firstIndex(): number {
    return this.base + 1;
  }

  /** The index just before the first entry (the compaction/snapshot point). */
  baseIndex(): number {
    return this.base;
  }

  lastIndex(): number {
    return this.base + this.entries.length;
  }

  lastTerm(): number {
    return this.entries[this.entries.length - 1]?.term ?? this.baseTerm;
  }

  /** Highest index the driver has persisted. */
  stable(): number {
    return this.stableIndex;
  }

  /** Highest index handed to the driver (persisted or being persisted). */
  handedOut(): number {
    return this.handedOutIndex;
  }

  /** The term at `index`, or undefined when compacted away or not yet written. */
  term(index: number): number | undefined {
    if (index === this.base) return this.baseTerm;
    return this.entries[index - this.base - 1]?.term;
  }

  entry(index: number): Entry | undefined {
    return this.entries[index - this.base - 1];
  }

  matchTerm(index: number, term: number): boolean {
    return this.term(index) === term;
  }

  /** Raft's election restriction (§5.4.1): is a log ending at (index, term) at least as current? */
  isUpToDate(lastIndex: number, lastTerm: number): boolean {
    const myTerm = this.lastTerm();
    return lastTerm > myTerm || (lastTerm === myTerm && lastIndex >= this.lastIndex());
  }

  /** Entries in [lo, hi), at most `maxBytes` of them but always at least one if any. */
  slice(lo: number, hi: number, maxBytes = Infinity): Entry[] {
    assert(lo > this.base, `slice(${lo}) below first index ${this.firstIndex()}`);
    const from = lo - this.base - 1;
    let to = Math.min(hi, this.lastIndex() + 1) - this.base - 1;
    if (to <= from) return [];
    if (maxBytes !== Infinity) {
      let bytes = 0;
      for (let i = from; i < to; i++) {
        bytes += entrySize(this.entries[i]!);
        if (bytes > maxBytes && i > from) {
          to = i;
          break;
        }
      }
    }
    return this.entries.slice(from, to);
  }

  /** The leader's append at the end of its log. */
  append(entry: Entry): void {
    assert(entry.index === this.lastIndex() + 1, `append ${entry.index} after ${this.lastIndex()}`);
    this.entries.push(entry);
  }

  /**
   * The first entry of `ents` that is not already in the log (a different term at its index, or
   * beyond the end), or 0 when all of them are present. `ents` must be contiguous.
   */
  findConflict(ents: readonly Entry[]): number {
    for (const e of ents) {
      if (e.index > this.base && !this.matchTerm(e.index, e.term)) return e.index;
    }
    return 0;
  }

  /**
   * The follower's rejection hint (etcd's findConflictByTerm): the highest index at or below
   * `index` whose term is at most `term`. Every entry above it is certain not to match a leader
   * whose entry at `index` has `term`, so the leader can skip a whole term per round trip.
   */
  findConflictByTerm(index: number, term: number): { index: number; term: number } {
    let i = Math.min(index, this.lastIndex());
    while (i > this.base) {
      const t = this.term(i)!;
      if (t <= term) return { index: i, term: t };
      i--;
    }
    // Reached the compaction point: its term is known, and everything at or below it is
    // committed, so it is a safe place for the leader to resume from.
    return { index: this.base, term: this.baseTerm <= term ? this.baseTerm : 0 };
  }

  /**
   * Replace everything from `ents[0].index` on with `ents` (a follower's conflicting suffix).
   * The durability marks move back so the new entries are handed out and persisted again.
   */
  truncateAndAppend(ents: readonly Entry[]): void {
    const first = ents[0];
    if (!first) return;
    assert(first.index > this.base && first.index <= this.lastIndex() + 1, `truncateAndAppend at ${first.index}`);
    this.entries.length = first.index - this.base - 1;
    this.stableIndex = Math.min(this.stableIndex, first.index - 1);
    this.handedOutIndex = Math.min(this.handedOutIndex, first.index - 1);
    for (const e of ents) this.entries.push(e);
  }

  /** Entries not yet given to the driver; marks them handed out. */
  takeUnstable(): Entry[] {
    if (this.handedOutIndex >= this.lastIndex()) return [];
    const out = this.entries.slice(this.handedOutIndex - this.base);
    this.handedOutIndex = this.lastIndex();
    return out;
  }

  /**
   * The driver persisted a Ready whose last entry was (`index`, `term`). If the log changed at
   * that index since (a truncation), the mark stays: those entries are no longer ours.
   */
  stableTo(index: number, term: number): void {
    if (index > this.stableIndex && index <= this.handedOutIndex && this.matchTerm(index, term)) {
      this.stableIndex = index;
    }
  }

  /** Drop entries up to `through` (covered by a snapshot). */
  compact(through: number): void {
    if (through <= this.base) return;
    assert(through <= this.stableIndex, `compact(${through}) beyond stable ${this.stableIndex}`);
    const t = this.term(through)!;
    this.entries.splice(0, through - this.base);
    this.base = through;
    this.baseTerm = t;
  }

  /** A snapshot replaced the whole log; the driver persists that through Ready.snapshot. */
  reset(index: number, term: number): void {
    this.entries = [];
    this.base = index;
    this.baseTerm = term;
    this.stableIndex = index;
    this.handedOutIndex = index;
  }
}
