import type { Clock, Timer } from '../../shared/clock.js';
import { parseDuration } from '../../shared/duration.js';
import type { LocalCheck } from '../local-state.js';

/** Consul's check_reap_interval: how often critical services are looked at. */
export const CHECK_REAP_INTERVAL_MS = 30_000;
/** Consul's check_deregister_interval_min: a shorter DeregisterCriticalServiceAfter is raised to it. */
export const DEREGISTER_CRITICAL_MIN_MS = 60_000;

export interface ReaperTiming {
  intervalMs?: number;
  minTimeoutMs?: number;
}

/**
 * DeregisterCriticalServiceAfter: a service whose check has been critical for longer than that
 * (at least a minute) is deregistered from the agent, checks and all, as Consul's reaper does.
 * The reaper learns when each check turned critical from `observe` (called on every change), and
 * looks every 30 s.
 */
export class CriticalServiceReaper {
  private readonly criticalSince = new Map<string, number>();
  private readonly timer: Timer;
  private readonly minTimeoutMs: number;

  constructor(
    private readonly deps: {
      clock: Clock;
      checks: () => readonly LocalCheck[];
      check: (id: string) => LocalCheck | undefined;
      deregister: (serviceId: string, reason: { checkId: string; criticalForMs: number }) => void;
      timing?: ReaperTiming;
    },
  ) {
    this.minTimeoutMs = deps.timing?.minTimeoutMs ?? DEREGISTER_CRITICAL_MIN_MS;
    this.timer = deps.clock.setInterval(() => this.reap(), deps.timing?.intervalMs ?? CHECK_REAP_INTERVAL_MS);
  }

  /** A check changed (or went away): note when it turned critical, forget it when it is not. */
  observe(checkId: string): void {
    const check = this.deps.check(checkId);
    if (check?.status === 'critical') {
      if (!this.criticalSince.has(checkId)) this.criticalSince.set(checkId, this.deps.clock.now());
    } else {
      this.criticalSince.delete(checkId);
    }
  }

  /** One pass: deregister every service with a check critical past its limit. */
  reap(): void {
    const now = this.deps.clock.now();
    const doomed = new Map<string, { checkId: string; criticalForMs: number }>();
    for (const check of this.deps.checks()) {
      const d = check.definition;
      if (!d.ServiceID || !d.DeregisterCriticalServiceAfter || doomed.has(d.ServiceID)) continue;
      const since = this.criticalSince.get(d.CheckID);
      if (since === undefined || check.status !== 'critical') continue;
      const limit = Math.max(parseDuration(d.DeregisterCriticalServiceAfter), this.minTimeoutMs);
      if (now - since > limit) doomed.set(d.ServiceID, { checkId: d.CheckID, criticalForMs: now - since });
    }
    for (const [serviceId, reason] of doomed) this.deps.deregister(serviceId, reason);
  }

  stop(): void {
    this.timer.cancel();
  }
}
