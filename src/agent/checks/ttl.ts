import type { Clock, Timer } from '../../shared/clock.js';
import { capOutput, type CheckMonitor, type ReportStatus } from './monitor.js';

/**
 * A TTL check: the application must report (pass/warn/fail/update) within the TTL, or the check
 * goes critical with "TTL expired", as Consul's CheckTTL does — followed by the last output it
 * was given, if any.
 */
export class TtlMonitor implements CheckMonitor {
  private timer: Timer | undefined;
  private lastOutput = '';

  constructor(
    private readonly ttlMs: number,
    private readonly clock: Clock,
    private readonly report: ReportStatus,
  ) {
    this.arm();
  }

  /** An update arrived: restart the TTL. */
  touch(): void {
    this.arm();
  }

  /** An update arrived with this output: restart the TTL; returns the output as kept (capped). */
  update(output: string): string {
    this.lastOutput = capOutput(output);
    this.arm();
    return this.lastOutput;
  }

  stop(): void {
    this.timer?.cancel();
    this.timer = undefined;
  }

  private arm(): void {
    this.timer?.cancel();
    this.timer = this.clock.setTimeout(() => {
      const output = this.lastOutput ? `TTL expired (last output before timeout follows): ${this.lastOutput}` : 'TTL expired';
      this.report('critical', output);
    }, this.ttlMs);
  }
}
