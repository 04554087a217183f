import type { GossipPool } from '../../gossip/pool.js';
import type { Clock, Timer } from '../../shared/clock.js';
import { errorMessage } from '../../shared/errors.js';
import type { Logger } from '../../shared/logger.js';

/** Consul floods periodically and whenever a LAN server joins; we also do when the WAN pool grows. */
const FLOOD_INTERVAL_MS = 30_000;

/**
 * Consul's WAN "flood join" (agent/consul/flood.go): every server makes sure each server of
 * its own datacenter (LAN members with role=consul) is in the WAN pool too, joining the ones the
 * WAN pool has not heard of. So `roster join -wan` on one server brings in its whole datacenter,
 * and a server added later needs no WAN join of its own.
 */
export function startFloodJoins(deps: {
  lan: GossipPool;
  wan: GossipPool;
  datacenter: string;
  /** The WAN gossip port of this datacenter's servers (ours; Consul reads `wan_join_port`). */
  serfWanPort: number;
  clock: Clock;
  logger: Logger;
}): { flood(): Promise<void>; cancel(): void } {
  const { lan, wan, datacenter, clock, logger } = deps;
  let running: Promise<void> | undefined;
  let again = false;
  let cancelled = false;

  const once = async (): Promise<void> => {
    const inWan = new Map(wan.members().map((m) => [m.name, m.state] as const));
    const targets: string[] = [];
    for (const m of lan.members()) {
      if (m.name === lan.local().name || m.meta.role !== 'consul' || m.meta.dc !== datacenter) continue;
      if (m.state !== 'alive') continue;
      const state = inWan.get(`${m.name}.${datacenter}`);
      if (state === 'alive' || state === 'suspect' || state === 'dead') continue;
      const ip = m.addr.slice(0, m.addr.lastIndexOf(':'));
      const port = Number(m.meta.wan_join_port ?? deps.serfWanPort);
      targets.push(`${ip}:${port}`);
    }
    if (targets.length === 0) return;
    const joined = await wan.join(targets).catch((err: unknown) => {
      logger.debug({ err: errorMessage(err) }, 'WAN flood join failed');
      return 0;
    });
    logger.info({ servers: targets.join(','), joined }, 'flood-joined LAN servers into the WAN pool');
  };

  const flood = async (): Promise<void> => {
    if (cancelled) return;
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      do {
        again = false;
        await once();
      } while (again && !cancelled);
    })().finally(() => (running = undefined));
    return running;
  };

  lan.onEvent((event) => {
    if ((event.kind === 'member-join' || event.kind === 'member-update') && event.member.meta.role === 'consul') void flood();
  });
  // Right after `join -wan` (ours or another server's): bring our datacenter's servers along.
  wan.onEvent((event) => {
    if (event.kind === 'member-join') void flood();
  });
  const timer: Timer = clock.setInterval(() => void flood(), FLOOD_INTERVAL_MS);
  void flood();
  return {
    flood,
    cancel() {
      cancelled = true;
      timer.cancel();
    },
  };
}
