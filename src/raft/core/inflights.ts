/**
 * The append messages in flight to one follower, as a ring of their last indexes (etcd's
 * tracker/inflights.go). When the ring is full the leader stops streaming to that follower
 * until acknowledgements free slots: this bounds what a slow follower costs in memory and
 * bandwidth while still letting a healthy one keep several batches in the pipe.
 */
import { assert } from '../../shared/assert.js';

export class Inflights {
  private buffer: number[] = [];
  private start = 0;
  private count = 0;

  constructor(readonly capacity: number) {
    assert(capacity >= 1, 'inflights capacity must be positive');
  }

  get size(): number {
    return this.count;
  }

  full(): boolean {
    return this.count === this.capacity;
  }

  /** Record an append whose last entry is `index`; indexes must grow. */
  add(index: number): void {
    assert(!this.full(), 'inflights overflow');
    // Grow lazily: most followers never have many messages in flight.
    if (this.buffer.length < this.capacity && this.count === this.buffer.length) {
      // Unroll the ring into order before growing so positions stay valid.
      this.buffer = [...this.buffer.slice(this.start), ...this.buffer.slice(0, this.start)];
      this.start = 0;
      this.buffer.length = Math.min(this.capacity, Math.max(4, this.buffer.length * 2));
    }
    this.buffer[(this.start + this.count) % this.buffer.length] = index;
    this.count++;
  }

  /** Free every message whose last index is at or below `index` (they were acknowledged). */
  freeLE(index: number): void {
    while (this.count > 0 && this.buffer[this.start]! <= index) {
      this.start = (this.start + 1) % this.buffer.length;
      this.count--;
    }
    if (this.count === 0) this.start = 0;
  }

  /** Free one slot: a heartbeat answered, so the oldest message was most likely lost. */
  freeFirstOne(): void {
    if (this.count === 0) return;
    this.start = (this.start + 1) % this.buffer.length;
    this.count--;
  }

  reset(): void {
    this.start = 0;
    this.count = 0;
  }
}
