import type { Clock } from '../../shared/clock.js';
import type { CheckDefinition } from '../../shared/definitions.js';
import { parseDuration } from '../../shared/duration.js';
import type { Random } from '../../shared/random.js';
import { AliasMonitor, type AliasSource } from './alias.js';
import { grpcProbe } from './grpc.js';
import { IntervalMonitor, type Probe } from './interval.js';
import { statusHandler, type CheckMonitor, type ReportStatus } from './monitor.js';
import { httpProbe, tcpProbe } from './probes.js';
import { DEFAULT_SCRIPT_TIMEOUT_MS, scriptProbe } from './script.js';
import { TtlMonitor } from './ttl.js';

export const DEFAULT_TIMEOUT_MS = 10_000;
/** Consul's checks.MinInterval: a shorter interval is raised to it (no fork bombs). */
export const MIN_INTERVAL_MS = 1_000;

export interface MonitorDeps {
  clock: Clock;
  random: Random;
  report: ReportStatus;
  /** This agent's node name: an alias without AliasNode (or naming it) reads local state. */
  nodeName?: string;
  /** Where alias checks read: `''` is this agent's local state, any other name the catalog. */
  aliasSource?: (node: string) => AliasSource;
  /** Told when an interval was raised to the minimum. */
  warn?: (message: string) => void;
}

function probeFor(check: CheckDefinition): Probe | undefined {
  switch (check.Kind) {
    case 'http':
      return httpProbe({
        url: check.HTTP,
        method: check.Method,
        headers: check.Header,
        body: check.Body,
        tlsSkipVerify: check.TLSSkipVerify,
        disableRedirects: check.DisableRedirects,
      });
    case 'tcp':
      return tcpProbe(check.TCP);
    case 'script':
      return scriptProbe(check.Args);
    case 'grpc':
      return grpcProbe(check.GRPC);
    default:
      return undefined;
  }
}

/** Starts the monitor a check definition calls for, reporting through `report`. */
export function startMonitor(check: CheckDefinition, deps: MonitorDeps): CheckMonitor {
  switch (check.Kind) {
    case '':
      return { stop: () => undefined };
    case 'ttl':
      return new TtlMonitor(parseDuration(check.TTL), deps.clock, deps.report);
    case 'alias': {
      if (!deps.aliasSource) return { stop: () => undefined };
      // Consul reads local state only when no node is named; naming our own node reads the catalog.
      const local = check.AliasNode === '';
      const source = deps.aliasSource(check.AliasNode);
      const own = local || check.AliasNode === deps.nodeName ? check.CheckID : undefined;
      return new AliasMonitor(own, { node: check.AliasNode, serviceId: check.AliasService }, source, deps.report);
    }
    default: {
      const probe = probeFor(check)!;
      const report = statusHandler(deps.report, {
        successBeforePassing: check.SuccessBeforePassing,
        failuresBeforeWarning: check.FailuresBeforeWarning,
        failuresBeforeCritical: check.FailuresBeforeCritical,
      });
      let intervalMs = parseDuration(check.Interval);
      if (intervalMs < MIN_INTERVAL_MS) {
        deps.warn?.(`check "${check.CheckID}" has interval ${check.Interval}, below the minimum of 1s; using 1s`);
        intervalMs = MIN_INTERVAL_MS;
      }
      const defaultTimeout = check.Kind === 'script' ? DEFAULT_SCRIPT_TIMEOUT_MS : DEFAULT_TIMEOUT_MS;
      const timing = { intervalMs, timeoutMs: check.Timeout ? parseDuration(check.Timeout) || defaultTimeout : defaultTimeout };
      return new IntervalMonitor(probe, timing, deps.clock, deps.random, report);
    }
  }
}
