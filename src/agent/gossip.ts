import type { AgentConfig } from '../config/types.js';
import { DefaultLANConfig, DefaultWANConfig, FastTestConfig } from '../gossip/core/config.js';
import { Keyring } from '../gossip/net/keyring.js';
import { GossipPool } from '../gossip/pool.js';
import type { Clock } from '../shared/clock.js';
import { errorMessage } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';
import type { Random } from '../shared/random.js';

/**
 * -dev detects failures fast, as Consul's dev mode does, but keeps Consul's reap timeouts: a
 * failed member stays listed (and in the catalog, critical) for reconnect_timeout, not seconds.
 */
const DEV_LAN_CONFIG = Object.freeze({
  ...FastTestConfig,
  reconnectTimeout: DefaultLANConfig.reconnectTimeout,
  tombstoneTimeout: DefaultLANConfig.tombstoneTimeout,
  reapInterval: DefaultLANConfig.reapInterval,
});

/** How long a leaving agent keeps gossiping so its leave reaches everyone (Consul: 3s; -dev: 1s). */
export function leavePropagateMs(config: AgentConfig): number {
  return config.dev ? 1000 : 3000;
}

/**
 * The agent's gossip pools: every agent in the LAN pool; servers also in the WAN pool, where
 * they are named `<node>.<dc>`. `-dev` uses fast timings, as Consul's dev mode does.
 */
export async function startGossipPools(
  config: AgentConfig,
  tags: Record<string, string>,
  deps: { clock: Clock; random: Random; logger: Logger },
): Promise<{ lan: GossipPool; wan: GossipPool | undefined }> {
  const keyring = config.encrypt ? Keyring.create(config.encrypt) : undefined;
  const common = { bindIp: config.bindAddr, meta: tags, ...(keyring ? { keyring } : {}), clock: deps.clock, random: deps.random };
  const lan = await GossipPool.start({
    ...common,
    name: config.nodeName,
    bindPort: config.ports.serfLan,
    advertiseAddr: `${config.advertiseAddr}:${config.ports.serfLan}`,
    config: config.dev ? DEV_LAN_CONFIG : DefaultLANConfig,
    logger: deps.logger.child({ module: 'serf.lan' }),
  });
  if (!config.server || config.ports.serfWan < 0) return { lan, wan: undefined };
  try {
    const wan = await GossipPool.start({
      ...common,
      name: `${config.nodeName}.${config.datacenter}`,
      bindPort: config.ports.serfWan,
      advertiseAddr: `${config.advertiseAddr}:${config.ports.serfWan}`,
      config: DefaultWANConfig,
      logger: deps.logger.child({ module: 'serf.wan' }),
    });
    return { lan, wan };
  } catch (err) {
    await lan.close();
    throw err;
  }
}

/** Adds the default gossip port to a join address that has none (`127.0.0.2` → `127.0.0.2:8301`). */
export function withPort(address: string, defaultPort: number): string {
  if (/^\[.*\]:\d+$/.test(address) || /^[^:]+:\d+$/.test(address)) return address;
  return address.includes(':') && !address.startsWith('[') ? `[${address}]:${defaultPort}` : `${address}:${defaultPort}`;
}

/**
 * `-retry-join`: tries the addresses until one answers, then gossip keeps membership. Retries
 * every interval in the background; never gives up (Consul's default retry_max of 0).
 */
export function retryJoin(
  pool: GossipPool,
  addresses: readonly string[],
  defaultPort: number,
  deps: { clock: Clock; logger: Logger; intervalMs: number },
): { cancel(): void } {
  let cancelled = false;
  let timer: { cancel(): void } | undefined;
  const attempt = async (): Promise<void> => {
    if (cancelled) return;
    const targets = addresses.map((a) => withPort(a, defaultPort));
    const joined = await pool.join(targets).catch((err) => {
      deps.logger.warn({ err: errorMessage(err) }, 'join failed');
      return 0;
    });
    if (joined > 0) {
      deps.logger.info({ joined }, 'joined cluster');
      return;
    }
    deps.logger.warn({ addresses: targets.join(','), retryInMs: deps.intervalMs }, 'join: no address answered; retrying');
    if (!cancelled) timer = deps.clock.setTimeout(() => void attempt(), deps.intervalMs);
  };
  if (addresses.length > 0) void attempt();
  return {
    cancel() {
      cancelled = true;
      timer?.cancel();
    },
  };
}
