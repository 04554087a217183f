/**
 * One suspicion about one member (Lifeguard). The deadline starts far out and moves in as other
 * members independently report the same suspicion; the first accuser is not a confirmation.
 */
import { suspicionTimeout } from './scaling.js';

export class Suspicion {
  private readonly confirmers = new Set<string>();
  /** A floor under the deadline (set when this node stalled and may have missed a refutation). */
  private floor = 0;

  constructor(
    from: string,
    readonly startedAt: number,
    /** Confirmations wanted to reach `min`. */
    readonly k: number,
    readonly min: number,
    readonly max: number,
  ) {
    this.confirmers.add(from);
  }

  /** Confirmations so far, not counting the first accuser. */
  get confirmations(): number {
    return this.confirmers.size - 1;
  }

  /** Record an accuser; true only if it is new and still moves the deadline (worth re-gossiping). */
  confirm(from: string): boolean {
    if (this.confirmations >= this.k) return false;
    if (this.confirmers.has(from)) return false;
    this.confirmers.add(from);
    return true;
  }

  deadline(): number {
    return Math.max(this.floor, this.startedAt + suspicionTimeout(this.confirmations, this.k, this.min, this.max));
  }

  /** Never expire before `at`. */
  notBefore(at: number): void {
    this.floor = Math.max(this.floor, at);
  }
}
