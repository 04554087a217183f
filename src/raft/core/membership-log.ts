/**
 * Which membership is in force. A server uses the LATEST config entry in its log, committed or
 * not (Raft dissertation §4.1), so the answer changes on append and reverts when a conflicting
 * suffix is truncated. Only config entries are tracked here (rarely more than a few), so no
 * operation walks the log.
 */
import { assert } from '../../shared/assert.js';
import { MembershipView } from './membership.js';
import type { Membership } from './types.js';

interface ConfigAt {
  readonly index: number;
  readonly view: MembershipView;
}

export class MembershipLog {
  /** In force below the first tracked entry: the snapshot's, or an entry compacted away. */
  private base: ConfigAt;
  /** Config entries still in the log, by ascending index. */
  private readonly entries: ConfigAt[] = [];

  constructor(base: Membership, baseIndex: number) {
    this.base = { index: baseIndex, view: new MembershipView(base) };
  }

  current(): MembershipView {
    return (this.entries[this.entries.length - 1] ?? this.base).view;
  }

  /** Index of the entry (or snapshot) the current membership comes from. */
  currentIndex(): number {
    return (this.entries[this.entries.length - 1] ?? this.base).index;
  }

  append(index: number, membership: Membership): void {
    const last = this.entries[this.entries.length - 1];
    assert(!last || last.index < index, `config entry ${index} appended after ${last?.index}`);
    this.entries.push({ index, view: new MembershipView(membership) });
  }

  /** The log lost every entry from `index` on. */
  truncateFrom(index: number): void {
    while ((this.entries[this.entries.length - 1]?.index ?? -1) >= index) this.entries.pop();
  }

  /** Entries up to `through` were compacted: the newest of them becomes the base. */
  compact(through: number): void {
    let n = 0;
    while (n < this.entries.length && this.entries[n]!.index <= through) n++;
    if (n === 0) return;
    this.base = this.entries[n - 1]!;
    this.entries.splice(0, n);
  }

  /** A snapshot replaced the whole log. */
  reset(membership: Membership, index: number): void {
    this.entries.length = 0;
    this.base = { index, view: new MembershipView(membership) };
  }
}
