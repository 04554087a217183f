import type { Clock, Timer } from '../../shared/clock.js';
import type { Random } from '../../shared/random.js';
import type { CheckMonitor, ReportStatus } from './monitor.js';
import type { HealthStatus } from '../../catalog/types.js';

export type Probe = (timeoutMs: number) => Promise<{ status: HealthStatus; output: string }>;

/**
 * Runs a probe every interval (first run after a random stagger within the interval, as Consul
 * spreads checks out), never two at once, and reports each result.
 */
export class IntervalMonitor implements CheckMonitor {
  private timer: Timer | undefined;
  private stopped = false;

  constructor(
    private readonly probe: Probe,
    private readonly options: { intervalMs: number; timeoutMs: number },
    private readonly clock: Clock,
    random: Random,
    private readonly report: ReportStatus,
  ) {
    this.timer = clock.setTimeout(() => void this.run(), random.int(Math.max(1, options.intervalMs)));
  }

  stop(): void {
    this.stopped = true;
    this.timer?.cancel();
  }

  private async run(): Promise<void> {
    if (this.stopped) return;
    let result: { status: HealthStatus; output: string };
    try {
      result = await this.probe(this.options.timeoutMs);
    } catch (err) {
      result = { status: 'critical', output: err instanceof Error ? err.message : String(err) };
    }
    if (this.stopped) return;
    this.report(result.status, result.output);
    this.timer = this.clock.setTimeout(() => void this.run(), this.options.intervalMs);
  }
}
