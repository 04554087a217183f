import type { CatalogReader } from '../../catalog/reader.js';
import type { HealthStatus } from '../../catalog/types.js';
import type { CheckMonitor, ReportStatus } from './monitor.js';

/** What an alias check reads: the checks of one node, and whether a service exists there. */
export interface AliasSource {
  checks(): readonly AliasedCheck[];
  serviceExists(serviceId: string): boolean;
  /** Resolves on the next change after the call; cancel() stops listening. */
  watch(): { changed: Promise<void>; cancel(): void };
}

export interface AliasedCheck {
  CheckID: string;
  Name: string;
  Status: HealthStatus;
  Output: string;
  ServiceID: string;
}

/** Another node's checks, from this agent's view of the catalog, woken by its table watches. */
export function catalogAliasSource(reader: CatalogReader, node: string): AliasSource {
  return {
    checks: () => reader.nodeChecks(node),
    serviceExists: (id) => Object.hasOwn(reader.nodeServices(node)?.Services ?? {}, id),
    watch: () => reader.watch(['nodes', 'services', 'checks']),
  };
}

/**
 * Consul's alias check verdict (CheckAlias.processChecks): the node's own checks and the
 * aliased service's checks count; any critical makes it critical, else any warning warning,
 * else passing. A service that has no checks still passes if it exists; a missing one is
 * critical.
 */
export function aliasVerdict(
  checks: readonly AliasedCheck[],
  target: { node: string; serviceId: string },
  serviceExists: (id: string) => boolean,
): { status: HealthStatus; output: string } {
  let status: HealthStatus = 'passing';
  let output = 'No checks found.';
  let serviceFound = false;
  for (const check of checks) {
    const match = check.ServiceID === target.serviceId;
    if (check.ServiceID !== '' && !match) continue;
    if (match) serviceFound = true;
    if (check.Status === 'critical' || check.Status === 'warning') {
      status = check.Status;
      output = `Aliased check "${check.Name}" failing: ${check.Output}`;
      if (check.Status === 'critical') break;
    } else if (status === 'passing') {
      output = 'All checks passing.';
    }
  }
  if (!serviceFound && !serviceExists(target.serviceId)) {
    return { status: 'critical', output: `Service ${target.serviceId} could not be found on node ${target.node}` };
  }
  return { status, output };
}

/**
 * Mirrors the health of a service (or a node) and follows it: re-evaluated on every change the
 * source reports, never polled. Its own check is left out, so an alias bound to the service it
 * watches does not feed on itself.
 */
export class AliasMonitor implements CheckMonitor {
  private stopped = false;
  private handle: { cancel(): void } | undefined;

  /** `ownCheckId`: this check's ID when the source holds it too (an alias of a local service). */
  constructor(
    private readonly ownCheckId: string | undefined,
    private readonly target: { node: string; serviceId: string },
    private readonly source: AliasSource,
    private readonly report: ReportStatus,
  ) {
    queueMicrotask(() => void this.run());
  }

  stop(): void {
    this.stopped = true;
    this.handle?.cancel();
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      // Watch first, then read: a change landing in between still wakes us.
      const handle = this.source.watch();
      this.handle = handle;
      const checks = this.source.checks().filter((c) => c.CheckID !== this.ownCheckId);
      const { status, output } = aliasVerdict(checks, this.target, (id) => this.source.serviceExists(id));
      this.report(status, output);
      await handle.changed;
    }
  }
}
