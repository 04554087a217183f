import type { HealthStatus } from '../../catalog/types.js';

/** Where a running check reports each result. */
export type ReportStatus = (status: HealthStatus, output: string) => void;

/** A running health check. `stop` must leave no timer or socket behind. */
export interface CheckMonitor {
  stop(): void;
}

/** Output is capped as Consul caps it (check_output_max_size, 4 KiB). */
export const MAX_OUTPUT_BYTES = 4096;

/**
 * Keeps the last `size` bytes written, as Consul's circular output buffer does: a check that
 * prints a lot keeps its end, where the verdict usually is.
 */
export class TailBuffer {
  private chunks: Buffer[] = [];
  private kept = 0;
  total = 0;

  constructor(private readonly size = MAX_OUTPUT_BYTES) {}

  write(chunk: Buffer | string): void {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    this.total += bytes.length;
    this.chunks.push(bytes);
    this.kept += bytes.length;
    while (this.kept - this.chunks[0]!.length >= this.size) this.kept -= this.chunks.shift()!.length;
  }

  /** The kept bytes as text (a multi-byte character cut at the start becomes U+FFFD). */
  text(): string {
    const all = Buffer.concat(this.chunks);
    return all.subarray(Math.max(0, all.length - this.size)).toString();
  }

  truncated(): boolean {
    return this.total > this.size;
  }
}

/** TTL updates keep the first 4 KiB and say so, as Consul's CheckTTL.SetStatus does. */
export function capOutput(text: string): string {
  const bytes = Buffer.from(text);
  if (bytes.length <= MAX_OUTPUT_BYTES) return text;
  return `${bytes.subarray(0, MAX_OUTPUT_BYTES).toString()} ... (captured ${MAX_OUTPUT_BYTES} of ${bytes.length} bytes)`;
}

export interface Thresholds {
  successBeforePassing: number;
  failuresBeforeWarning: number;
  failuresBeforeCritical: number;
}

/**
 * Consul's StatusHandler: SuccessBeforePassing / FailuresBeforeWarning / FailuresBeforeCritical.
 * Passing and warning results count as successes, critical ones as failures; a run of
 * successes reaching the threshold reports the result, a run of failures reports critical at
 * FailuresBeforeCritical and warning from FailuresBeforeWarning on. Below a threshold nothing
 * is reported and the previous status stands. The counters start at their thresholds, so the
 * very first result is reported whatever it is.
 */
export function statusHandler(report: ReportStatus, thresholds: Thresholds): ReportStatus {
  let successes = thresholds.successBeforePassing;
  let failures = thresholds.failuresBeforeCritical;
  return (status, output) => {
    if (status === 'passing' || status === 'warning') {
      successes++;
      failures = 0;
      if (successes >= thresholds.successBeforePassing) report(status, output);
      return;
    }
    failures++;
    successes = 0;
    if (failures >= thresholds.failuresBeforeCritical) report('critical', output);
    else if (failures >= thresholds.failuresBeforeWarning) report('warning', output);
  };
}
