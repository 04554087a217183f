import type { Clock } from '../../shared/clock.js';
import type { CheckDefinition } from '../../shared/definitions.js';
import { parseDuration } from '../../shared/duration.js';
import type { Random } from '../../shared/random.js';
import { IntervalMonitor } from './interval.js';
import { debounced, type CheckMonitor, type ReportStatus } from './monitor.js';
import { httpProbe, tcpProbe } from './probes.js';
import { TtlMonitor } from './ttl.js';

const DEFAULT_TIMEOUT_MS = 10_000;

/** Starts the monitor a check definition calls for, reporting through `report`. */
export function startMonitor(check: CheckDefinition, deps: { clock: Clock; random: Random; report: ReportStatus }): CheckMonitor {
  switch (check.Kind) {
    case '':
      return { stop: () => undefined };
    case 'ttl':
      return new TtlMonitor(parseDuration(check.TTL), deps.clock, deps.report);
    case 'http':
    case 'tcp': {
      const probe =
        check.Kind === 'http'
          ? httpProbe({ url: check.HTTP, method: check.Method, headers: check.Header, body: check.Body })
          : tcpProbe(check.TCP);
      const report = debounced(deps.report, {
        successBeforePassing: check.SuccessBeforePassing,
        failuresBeforeWarning: check.FailuresBeforeWarning,
        failuresBeforeCritical: check.FailuresBeforeCritical,
      });
      const timing = {
        intervalMs: parseDuration(check.Interval),
        timeoutMs: check.Timeout ? parseDuration(check.Timeout) : DEFAULT_TIMEOUT_MS,
      };
      return new IntervalMonitor(probe, timing, deps.clock, deps.random, report);
    }
  }
}
