import type { Clock, Timer } from '../../shared/clock.js';
import type { CheckMonitor, ReportStatus } from './monitor.js';

/**
 * A TTL check: the application must report (pass/warn/fail/update) within the TTL, or the check
 * goes critical with "TTL expired", as Consul's CheckTTL does.
 */
export class TtlMonitor implements CheckMonitor {
  private timer: Timer | undefined;

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

  stop(): void {
    this.timer?.cancel();
    this.timer = undefined;
  }

  private arm(): void {
    this.timer?.cancel();
    this.timer = this.clock.setTimeout(() => this.report('critical', 'TTL expired'), this.ttlMs);
  }
}
