/**
 * The logical Raft log as storage sees it, shared by the WAL's replay and MemoryLogStorage so
 * both apply truncation, reset and compaction by the same rules.
 */
import type { Entry, HardState } from '../core/types.js';

export const EMPTY_HARD_STATE: HardState = Object.freeze({ term: 0, vote: '', commit: 0 });

export const isEmptyHardState = (hs: HardState): boolean => hs.term === 0 && hs.vote === '' && hs.commit === 0;

/**
 * Why appending `entries` to a log whose last index is `last` is invalid, or null when it is valid.
 * The batch must be contiguous with non-decreasing terms, and start at or before `last + 1`
 * (at or before: a start inside the log truncates the suffix from there).
 */
export function appendProblem(last: number, entries: readonly Entry[]): string | null {
  const first = entries[0];
  if (first === undefined) return null;
  if (!Number.isSafeInteger(first.index) || first.index < 1) return `entry index ${first.index} is not a positive integer`;
  if (first.index > last + 1) return `entries start at ${first.index}, leaving a gap after the last stored index ${last}`;
  let prev: Entry | undefined;
  for (const e of entries) {
    if (!Number.isSafeInteger(e.term) || e.term < 0) return `entry ${e.index} has term ${e.term}`;
    if (prev && e.index !== prev.index + 1) return `entries are not contiguous: ${prev.index} then ${e.index}`;
    if (prev && e.term < prev.term) return `entry ${e.index} has term ${e.term} below the previous entry's ${prev.term}`;
    prev = e;
  }
  return null;
}

export class LogState {
  hardState: HardState = EMPTY_HARD_STATE;
  /** Index of entries[0], or of the next entry to be written when there are none. */
  firstIndex: number;
  entries: Entry[] = [];

  constructor(firstIndex = 1) {
    this.firstIndex = firstIndex;
  }

  get lastIndex(): number {
    return this.firstIndex + this.entries.length - 1;
  }

  /** Appends after checking with appendProblem (the caller reports a non-null problem). */
  append(entries: readonly Entry[]): void {
    const first = entries[0];
    if (first === undefined) return;
    if (first.index < this.firstIndex) {
      // Below what is stored (only after a compaction that kept less): the batch starts the log.
      this.entries = [];
      this.firstIndex = first.index;
    } else if (first.index <= this.lastIndex) {
      this.entries.length = first.index - this.firstIndex;
    }
    for (const e of entries) this.entries.push(e);
  }

  /** The whole log is superseded by a snapshot at `index`. */
  reset(index: number): void {
    this.entries = [];
    this.firstIndex = index + 1;
  }

  /** Drops entries at or below `through` (never past the last one). */
  compact(through: number): void {
    const upto = Math.min(through, this.lastIndex);
    if (upto < this.firstIndex) return;
    this.entries = this.entries.slice(upto - this.firstIndex + 1);
    this.firstIndex = upto + 1;
  }

  clone(): LogState {
    const c = new LogState(this.firstIndex);
    c.hardState = this.hardState;
    c.entries = this.entries.slice();
    return c;
  }
}
