// A virtual clock for tests: time moves only when the test calls advance().
import type { Clock, Timer } from '../../src/shared/clock.js';

export class ManualClock implements Clock {
  private time = 1_700_000_000_000;
  private timers: { at: number; fn: () => void; every?: number; id: number }[] = [];
  private nextId = 0;

  now(): number {
    return this.time;
  }

  monotonic(): number {
    return this.time;
  }

  setTimeout(fn: () => void, ms: number): Timer {
    return this.add(fn, ms);
  }

  setInterval(fn: () => void, ms: number): Timer {
    return this.add(fn, ms, ms);
  }

  /** Moves time forward, firing due timers in order. */
  advance(ms: number): void {
    const end = this.time + ms;
    for (;;) {
      this.timers.sort((a, b) => a.at - b.at || a.id - b.id);
      const next = this.timers[0];
      if (!next || next.at > end) break;
      this.time = next.at;
      if (next.every) next.at += next.every;
      else this.timers.shift();
      next.fn();
    }
    this.time = end;
  }

  pending(): number {
    return this.timers.length;
  }

  private add(fn: () => void, ms: number, every?: number): Timer {
    const timer = { at: this.time + ms, fn, id: this.nextId++, ...(every ? { every } : {}) };
    this.timers.push(timer);
    return { cancel: () => (this.timers = this.timers.filter((t) => t !== timer)) };
  }
}
