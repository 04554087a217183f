/**
 * A Lamport clock (serf lamport.go): `increment` when we originate something, `witness` every
 * time we see a peer's time, so our next time is past anything we have seen. Times are plain
 * numbers; they stay far below 2^53 in any real cluster, and we assert it.
 */
export class LamportClock {
  private counter = 0;

  /** The current time: the next one we would hand out. */
  time(): number {
    return this.counter;
  }

  /** Moves the clock on and returns the new time. */
  increment(): number {
    this.counter++;
    if (!Number.isSafeInteger(this.counter)) throw new RangeError('Lamport clock overflow');
    return this.counter;
  }

  /** Seen `time` from elsewhere: make sure our clock is at least one ahead of it. */
  witness(time: number): void {
    if (!Number.isSafeInteger(time) || time < 0) return;
    if (time < this.counter) return;
    this.counter = time + 1;
  }
}
