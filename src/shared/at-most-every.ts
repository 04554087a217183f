import type { Clock, Timer } from './clock.js';

/**
 * "At most once per period" for something asked about on a hot path, such as a warning logged
 * while every DNS query finds the view stale. It reads no clock when asked — a clock read returns
 * a fresh heap number, an allocation per packet — but closes after a yes and reopens on a timer.
 */
export class AtMostEvery {
  private open = true;
  private timer: Timer | undefined;

  constructor(
    private readonly clock: Clock,
    private readonly periodMs: number,
  ) {}

  /** True the first time, then false until the period has passed. */
  take(): boolean {
    if (!this.open) return false;
    this.open = false;
    this.timer = this.clock.setTimeout(() => (this.open = true), this.periodMs);
    return true;
  }

  cancel(): void {
    this.timer?.cancel();
  }
}
