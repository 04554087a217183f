/**
 * The member map of one Swim: every known member by name, the local node included. State changes
 * go through setState so the earliest reap time can be kept without walking every member.
 */
import type { SwimConfig } from './config.js';
import { reapAt } from './reaper.js';
import type { Member, MemberState } from './types.js';

type ReapConfig = Pick<SwimConfig, 'reconnectTimeout' | 'tombstoneTimeout'>;

export class MemberTable {
  private readonly map = new Map<string, Member>();
  /** Earliest reapAt over dead/left members (never self); exact unless `reapDirty`. */
  private reapMin = Infinity;
  private reapDirty = false;

  constructor(readonly selfName: string, private readonly reapConfig: ReapConfig) {}

  get size(): number {
    return this.map.size;
  }

  get(name: string): Member | undefined {
    return this.map.get(name);
  }

  values(): IterableIterator<Member> {
    return this.map.values();
  }

  self(): Member {
    return this.map.get(this.selfName)!;
  }

  add(m: Member): void {
    this.map.set(m.name, m);
    this.noteReapable(m);
  }

  delete(name: string): void {
    const m = this.map.get(name);
    if (!m) return;
    this.map.delete(name);
    if (this.reapAtOf(m) <= this.reapMin) this.reapDirty = true;
  }

  /** Change a member's state (and its state-change time). */
  setState(m: Member, state: MemberState, now: number): void {
    const before = this.reapAtOf(m);
    m.state = state;
    m.stateChangeAt = now;
    // It may have held the minimum: recompute lazily. A new reap time can only lower it.
    if (before <= this.reapMin && before < Infinity) this.reapDirty = true;
    this.noteReapable(m);
  }

  /** Members other than the local node in one of `states`, in insertion order. */
  othersIn(states: readonly MemberState[]): Member[] {
    const out: Member[] = [];
    for (const m of this.map.values()) if (m.name !== this.selfName && states.includes(m.state)) out.push(m);
    return out;
  }

  /** Earliest time a dead or left member (never self) becomes reapable, or Infinity. */
  nextReapable(): number {
    if (this.reapDirty) {
      let t = Infinity;
      for (const m of this.map.values()) t = Math.min(t, this.reapAtOf(m));
      this.reapMin = t;
      this.reapDirty = false;
    }
    return this.reapMin;
  }

  private reapAtOf(m: Member): number {
    return m.name === this.selfName ? Infinity : reapAt(m, this.reapConfig);
  }

  private noteReapable(m: Member): void {
    const t = this.reapAtOf(m);
    if (t < this.reapMin) this.reapMin = t;
  }
}
