import type { AgentConfig } from '../config/types.js';
import { DefaultLANConfig, DefaultWANConfig, FastTestConfig } from '../gossip/core/config.js';
import { Keyring } from '../gossip/net/keyring.js';
import { dirname, join } from 'node:path';
import { GossipPool } from '../gossip/pool.js';
import { Serf } from '../gossip/serf/serf.js';
import type { Clock } from '../shared/clock.js';
import { AppError, errorMessage } from '../shared/errors.js';
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

/** Consul's snapshot files: `<data-dir>/serf/local.snapshot` (LAN) and `remote.snapshot` (WAN). */
export function snapshotPaths(dataDir: string): { lan: string; wan: string } {
  return { lan: join(dataDir, 'serf', 'local.snapshot'), wan: join(dataDir, 'serf', 'remote.snapshot') };
}

export interface GossipPools {
  lan: GossipPool;
  wan: GossipPool | undefined;
  /** The Serf layer on each pool: Lamport clocks, user events, the peer snapshot. */
  serf: { lan: Serf; wan: Serf | undefined };
}

/**
 * The agent's gossip pools: every agent in the LAN pool; servers also in the WAN pool, where
 * they are named `<node>.<dc>`. `-dev` uses fast timings, as Consul's dev mode does. Each pool
 * gets its Serf layer; with a data dir, Serf replays its snapshot (`<data-dir>/serf/`) at once,
 * and startRetryJoins later rejoins the members it knew.
 */
export async function startGossipPools(
  config: AgentConfig,
  tags: Record<string, string>,
  deps: { clock: Clock; random: Random; logger: Logger },
): Promise<GossipPools> {
  const pools = await startPools(config, tags, deps);
  const paths = config.dataDir ? snapshotPaths(config.dataDir) : undefined;
  const serfFor = (pool: GossipPool, name: string, snapshotPath: string | undefined, module: string): Serf =>
    new Serf(pool, {
      nodeName: name,
      clock: deps.clock,
      random: deps.random,
      logger: deps.logger.child({ module }),
      rejoinAfterLeave: config.rejoinAfterLeave,
      ...(snapshotPath ? { snapshotPath } : {}),
    });
  try {
    const lan = serfFor(pools.lan, config.nodeName, paths?.lan, 'serf.lan');
    const wan = pools.wan ? serfFor(pools.wan, `${config.nodeName}.${config.datacenter}`, paths?.wan, 'serf.wan') : undefined;
    return { ...pools, serf: { lan, wan } };
  } catch (err) {
    await Promise.all([pools.lan.close(), pools.wan?.close()]);
    if (err instanceof AppError) throw err;
    throw new AppError('CONFIG', `cannot open the gossip snapshot in ${paths ? dirname(paths.lan) : 'the data dir'}: ${errorMessage(err)}`, { cause: err });
  }
}

async function startPools(
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

export interface RetryJoinOptions {
  clock: Clock;
  logger: Logger;
  /** Consul's retry_interval (default 30s). */
  intervalMs: number;
  /** Consul's retry_max: attempts before giving up; 0 = retry forever (the default). */
  maxAttempts?: number;
  /** "LAN" or "WAN", for the log lines. */
  pool?: string;
  /**
   * Called once when maxAttempts attempts all failed. Consul logs the error and shuts the
   * agent down with exit status 1; the caller decides (start.ts stops the agent).
   */
  onGiveUp?: (error: Error) => void;
}

/**
 * `-retry-join`: tries all the addresses, and again every interval until one answers; then
 * gossip keeps membership. With retry_max > 0, gives up after that many failed attempts.
 */
export function retryJoin(
  pool: GossipPool,
  addresses: readonly string[],
  defaultPort: number,
  deps: RetryJoinOptions,
): { cancel(): void; readonly done: Promise<'joined' | 'gave-up' | 'cancelled'> } {
  let cancelled = false;
  let timer: { cancel(): void } | undefined;
  let attempts = 0;
  let settle!: (outcome: 'joined' | 'gave-up' | 'cancelled') => void;
  const done = new Promise<'joined' | 'gave-up' | 'cancelled'>((resolve) => (settle = resolve));
  const which = deps.pool ?? 'LAN';
  const max = deps.maxAttempts ?? 0;
  const attempt = async (): Promise<void> => {
    if (cancelled) return;
    attempts++;
    // Our own address answers nothing useful: a server told to join itself (the same flags on
    // every server) is already "in" its own cluster, as with Consul, whose join of self succeeds.
    const self = pool.local().addr;
    const targets = addresses.map((a) => withPort(a, defaultPort)).filter((t) => t !== self);
    if (targets.length === 0) {
      settle('joined');
      return;
    }
    const joined = await pool.join(targets).catch((err) => {
      deps.logger.warn({ err: errorMessage(err) }, 'join failed');
      return 0;
    });
    if (cancelled) return;
    if (joined > 0) {
      deps.logger.info({ joined, pool: which }, 'joined cluster');
      settle('joined');
      return;
    }
    if (max > 0 && attempts >= max) {
      const error = new Error(`${which} join failed: max attempts reached (retry_max ${max}); tried ${targets.join(', ')}`);
      deps.logger.error({ pool: which, attempts }, error.message);
      settle('gave-up');
      deps.onGiveUp?.(error);
      return;
    }
    deps.logger.warn({ pool: which, addresses: targets.join(','), attempt: attempts, retryInMs: deps.intervalMs }, 'join: no address answered; retrying');
    timer = deps.clock.setTimeout(() => void attempt(), deps.intervalMs);
  };
  if (addresses.length > 0) void attempt();
  else settle('joined');
  return {
    done,
    cancel() {
      cancelled = true;
      timer?.cancel();
      settle('cancelled');
    },
  };
}

/**
 * Every join an agent makes by itself at start, to be called once its member-event listeners
 * are in place: the rejoin of the members in the Serf snapshot (unless the last run ended in a
 * graceful leave and rejoin_after_leave is off), `-retry-join` and, on servers,
 * `-retry-join-wan`, paced by Consul's retry_interval(_wan) and capped by retry_max(_wan). When a
 * pool runs out of attempts, `onGiveUp` is called (once per pool): Consul then shuts the agent
 * down with exit status 1.
 */
export function startRetryJoins(
  gossip: GossipPools,
  config: AgentConfig,
  deps: { clock: Clock; logger: Logger; onGiveUp: (error: Error) => void },
): { cancel(): void } {
  void gossip.serf.lan.rejoin();
  void gossip.serf.wan?.rejoin();
  const lan = retryJoin(gossip.lan, config.retryJoin, config.ports.serfLan, {
    clock: deps.clock,
    logger: deps.logger,
    intervalMs: config.retryIntervalMs,
    maxAttempts: config.retryMax,
    pool: 'LAN',
    onGiveUp: deps.onGiveUp,
  });
  const wan = gossip.wan
    ? retryJoin(gossip.wan, config.retryJoinWan, config.ports.serfWan, {
        clock: deps.clock,
        logger: deps.logger,
        intervalMs: config.retryIntervalWanMs,
        maxAttempts: config.retryMaxWan,
        pool: 'WAN',
        onGiveUp: deps.onGiveUp,
      })
    : undefined;
  return {
    cancel() {
      lan.cancel();
      wan?.cancel();
    },
  };
}
