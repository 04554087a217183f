import type { HealthStatus } from '../../catalog/types.js';

/** Where a running check reports each result. */
export type ReportStatus = (status: HealthStatus, output: string) => void;

/** A running health check. `stop` must leave no timer or socket behind. */
export interface CheckMonitor {
  stop(): void;
}

/** Output is capped as Consul caps it (check_output_max_size, 4 KiB). */
export const MAX_OUTPUT_BYTES = 4096;

export function capOutput(text: string): string {
  const bytes = Buffer.from(text);
  return bytes.length <= MAX_OUTPUT_BYTES ? text : bytes.subarray(0, MAX_OUTPUT_BYTES).toString();
}

/**
 * Consul's SuccessBeforePassing / FailuresBeforeWarning / FailuresBeforeCritical: a status only
 * flips after that many consecutive results of its kind; until then the previous status stands.
 */
export function debounced(
  report: ReportStatus,
  thresholds: { successBeforePassing: number; failuresBeforeWarning: number; failuresBeforeCritical: number },
): ReportStatus {
  let successes = 0;
  let failures = 0;
  return (status, output) => {
    if (status === 'passing') {
      failures = 0;
      successes++;
      if (successes >= thresholds.successBeforePassing) report('passing', output);
      return;
    }
    successes = 0;
    failures++;
    if (status === 'critical' && failures >= thresholds.failuresBeforeCritical) report('critical', output);
    else if (failures >= thresholds.failuresBeforeWarning) report('warning', output);
  };
}
