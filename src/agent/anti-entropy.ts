import { isDeepStrictEqual } from 'node:util';
import type { CatalogCommand } from '../catalog/commands.js';
import type { CommandLog } from '../catalog/command-log.js';
import type { CatalogReader } from '../catalog/reader.js';
import type { Clock, Timer } from '../shared/clock.js';
import type { Logger } from '../shared/logger.js';
import type { Random } from '../shared/random.js';
import { errorMessage } from '../shared/errors.js';
import { checkRow, nodeRow, serviceRow, type NodeIdentity } from './catalog-rows.js';
import type { LocalState } from './local-state.js';

/** Catalog entries of this node that belong to the servers' leader, not to local state. */
const LEADER_OWNED_SERVICES = new Set(['consul']);
const LEADER_OWNED_CHECKS = new Set(['serfHealth']);

const FULL_SYNC_INTERVAL_MS = 60_000;

/**
 * Consul's ae.scaleFactor: clusters up to 128 nodes sync every interval (plus stagger); beyond
 * that the interval grows by one step each time the cluster doubles, so the servers see a
 * bounded rate of full syncs however many agents there are.
 */
export function syncScaleFactor(clusterSize: number): number {
  const threshold = 128;
  if (clusterSize <= threshold) return 1;
  return Math.ceil(Math.log2(clusterSize) - Math.log2(threshold)) + 1;
}
/** Consul's retry after a failed full sync (plus up to as much again of jitter). */
const RETRY_FAILED_SYNC_MS = 15_000;

function withoutIndexes<T extends object>(row: T, drop: readonly string[] = []): Record<string, unknown> {
  const out: Record<string, unknown> = { ...(row as Record<string, unknown>) };
  for (const key of ['CreateIndex', 'ModifyIndex', ...drop]) delete out[key];
  return out;
}

/**
 * Anti-entropy: makes the catalog's view of this node equal the agent's local state. Every sync
 * diffs the two and proposes only what differs, so a sync after one change is as cheap as a
 * "partial" sync, and the periodic full sync repairs anything changed behind our back. Syncs
 * never overlap: one that is asked for while another runs is queued, and requests made before
 * the queued one starts share it.
 */
export class AntiEntropy {
  private chain: Promise<void> = Promise.resolve();
  private queued: Promise<void> | undefined;
  private timer: Timer | undefined;

  constructor(
    private readonly deps: {
      state: LocalState;
      reader: CatalogReader;
      log: CommandLog;
      node: NodeIdentity;
      logger: Logger;
      clock: Clock;
      random: Random;
      /** Nodes in the LAN pool (for the interval's scale factor); 1 when unknown. */
      clusterSize?: () => number;
    },
  ) {}

  /** Whether a sync could reach a leader now (a server agent waiting for its first election cannot). */
  hasLeader(): boolean {
    return this.deps.log.hasLeader();
  }

  sync(): Promise<void> {
    if (this.queued) return this.queued;
    const run = this.chain.then(() => {
      this.queued = undefined;
      return this.syncOnce();
    });
    this.queued = run;
    this.chain = run.catch(() => undefined);
    return run;
  }

  /**
   * Periodic full syncs, staggered by a random part of the interval as Consul does; a failed one
   * (no leader yet, a server unreachable) is retried after 15 s plus jitter instead.
   */
  start(): void {
    const schedule = (failed: boolean): void => {
      const scale = syncScaleFactor(this.deps.clusterSize?.() ?? 1);
      const base = failed ? RETRY_FAILED_SYNC_MS : FULL_SYNC_INTERVAL_MS;
      // The stagger (random part) scales with the cluster, as Consul's does.
      const delay = base + this.deps.random.int(base * scale);
      this.timer = this.deps.clock.setTimeout(() => {
        this.sync().then(
          () => schedule(false),
          (err) => {
            this.deps.logger.warn({ err: errorMessage(err) }, 'anti-entropy sync failed; retrying');
            schedule(true);
          },
        );
      }, delay);
    };
    schedule(false);
  }

  stop(): void {
    this.timer?.cancel();
  }

  private async syncOnce(): Promise<void> {
    for (const command of this.diff()) await this.deps.log.propose(command);
  }

  /** The commands that bring the catalog's rows for this node in line with local state. */
  diff(): CatalogCommand[] {
    const { state, reader, node } = this.deps;
    const commands: CatalogCommand[] = [];
    const nodeInput = nodeRow(node);
    const catalogNode = reader.nodeServices(node.name);
    const catalogChecks = new Map(reader.nodeChecks(node.name).map((c) => [c.CheckID, c]));

    if (!catalogNode || !isDeepStrictEqual(withoutIndexes(catalogNode.Node), withoutIndexes(nodeInput))) {
      commands.push({ type: 'register', node: nodeInput });
    }
    for (const service of state.services()) {
      const wanted = serviceRow(service, node.datacenter);
      const existing = catalogNode?.Services[service.ID];
      if (existing && service.EnableTagOverride) wanted.Tags = existing.Tags;
      if (!existing || !isDeepStrictEqual(withoutIndexes(existing), withoutIndexes(wanted))) {
        commands.push({ type: 'register', node: nodeInput, service: wanted });
      }
    }
    for (const check of state.checks()) {
      const wanted = checkRow(check);
      const existing = catalogChecks.get(wanted.CheckID);
      const ignore = ['Node', 'ServiceName', 'ServiceTags'];
      if (!existing || !isDeepStrictEqual(withoutIndexes(existing, ignore), withoutIndexes(wanted, ignore))) {
        commands.push({ type: 'register', node: nodeInput, checks: [wanted] });
      }
    }
    for (const id of Object.keys(catalogNode?.Services ?? {})) {
      if (!state.service(id) && !LEADER_OWNED_SERVICES.has(id)) {
        commands.push({ type: 'deregister', node: node.name, serviceId: id });
      }
    }
    for (const [id, check] of catalogChecks) {
      const goesWithService = check.ServiceID !== '' && !state.service(check.ServiceID);
      if (!state.check(id) && !LEADER_OWNED_CHECKS.has(id) && !goesWithService) {
        commands.push({ type: 'deregister', node: node.name, checkId: id });
      }
    }
    return commands;
  }
}
