/**
 * Lifeguard local health: a score in [0, max-1]. When *we* are slow (missed acks, missing nacks
 * from helpers, being suspected) the score rises and stretches our probe interval and timeouts,
 * so an overloaded node stops falsely accusing healthy peers.
 */
export class Awareness {
  private value = 0;

  constructor(private readonly max: number) {}

  applyDelta(delta: number): void {
    this.value = Math.min(this.max - 1, Math.max(0, this.value + delta));
  }

  score(): number {
    return this.value;
  }

  scale(ms: number): number {
    return ms * (this.value + 1);
  }
}
