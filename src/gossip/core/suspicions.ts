/**
 * The open suspicions of one Swim, one Lifeguard timer per suspected member, with the timeouts
 * sized as memberlist's suspectNode does: min = suspicionMult·log10(n)·probeInterval, max =
 * suspicionMaxTimeoutMult·min, k = suspicionMult−2 confirmations (0 in tiny clusters), where n
 * counts every known member. The earliest deadline is cached, so asking for it is O(1).
 */
import type { SwimConfig } from './config.js';
import { suspicionConfirmationsWanted, suspicionMinTimeout } from './scaling.js';
import { Suspicion } from './suspicion.js';

export class Suspicions {
  private readonly timers = new Map<string, Suspicion>();
  private min = Infinity;
  private dirty = false;

  constructor(private readonly config: SwimConfig) {}

  get size(): number {
    return this.timers.size;
  }

  has(name: string): boolean {
    return this.timers.has(name);
  }

  /** Start (or restart) the timer for `name`, first accused by `from`, in a cluster of `n` members. */
  start(name: string, from: string, now: number, n: number): void {
    const c = this.config;
    const min = suspicionMinTimeout(c.suspicionMult, n, c.probeInterval);
    const k = suspicionConfirmationsWanted(c.suspicionMult, n);
    this.delete(name);
    const s = new Suspicion(from, now, k, min, c.suspicionMaxTimeoutMult * min);
    this.timers.set(name, s);
    this.min = Math.min(this.min, s.deadline());
  }

  /** An accuser of an open suspicion; true if it is a new, independent confirmation. */
  confirm(name: string, from: string): boolean {
    const s = this.timers.get(name);
    if (!s || !s.confirm(from)) return false;
    // A confirmation only brings the deadline in.
    this.min = Math.min(this.min, s.deadline());
    return true;
  }

  delete(name: string): void {
    const s = this.timers.get(name);
    if (!s) return;
    this.timers.delete(name);
    if (s.deadline() <= this.min) this.dirty = true;
  }

  /** Never end `name`'s timer before `at`. */
  postpone(name: string, at: number): void {
    const s = this.timers.get(name);
    if (!s || s.deadline() >= at) return;
    const before = s.deadline();
    s.notBefore(at);
    if (before <= this.min) this.dirty = true;
  }

  /** Timers that ran out by `now` (unnoticed: we were stalled) end no sooner than `at`. */
  postponeExpired(now: number, at: number): void {
    if (now < this.deadline()) return;
    for (const [name, s] of this.timers) if (s.deadline() <= now) this.postpone(name, at);
  }

  names(): string[] {
    return [...this.timers.keys()];
  }

  /** Names whose timers ran out at `now`, in the order they were started; their timers are removed. */
  takeExpired(now: number): string[] {
    if (now < this.deadline()) return [];
    const out: string[] = [];
    for (const [name, s] of this.timers) {
      if (now < s.deadline()) continue;
      out.push(name);
    }
    for (const name of out) this.delete(name);
    return out;
  }

  /** Earliest deadline of any open suspicion, or Infinity. */
  deadline(): number {
    if (this.dirty) {
      let t = Infinity;
      for (const s of this.timers.values()) t = Math.min(t, s.deadline());
      this.min = t;
      this.dirty = false;
    }
    return this.min;
  }
}
