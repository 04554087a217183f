import { CatalogFsm } from '../catalog/fsm.js';
import { StateStore } from '../catalog/store.js';
import type { AgentConfig } from '../config/types.js';
import { dnsMetrics } from '../dns/metrics.js';
import { startDnsServer } from '../dns/server.js';
import { startHttpServer } from '../http/server.js';
import { MetricsRegistry } from '../metrics/registry.js';
import { startRuntimeMetrics } from '../metrics/runtime.js';
import { systemClock, type Clock } from '../shared/clock.js';
import { AppError, errorMessage } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';
import { systemRandom, type Random } from '../shared/random.js';
import { AntiEntropy } from './anti-entropy.js';
import type { NodeIdentity } from './catalog-rows.js';
import { LeaderDuties } from './leader/leader-duties.js';
import { startSessionTtl } from './leader/session-ttl.js';
import { LocalAgent } from './local-agent.js';
import { startLocalApi } from './local-api.js';
import { LocalState } from './local-state.js';
import { loadNodeId } from './persist/node-id.js';
import { LocalStateFile, type PersistedLocalState } from './persist/local-state-file.js';
import { AgentEvents } from './events.js';
import { leavePropagateMs, startGossipPools, startRetryJoins, withPort } from './gossip.js';
import { memberView, selfTags, type SelfMemberInfo } from './membership.js';
import { startRole } from './role.js';
import { selfView } from './self-view.js';
import { startMultiDatacenter } from './wan/multi-dc.js';

/** -dev waits this long for its one-voter Raft to elect itself before it reports started. */
const DEV_LEADER_WAIT_MS = 5_000;

export interface RunningAgent {
  /** Bound ports (differ from the configured ones only when those were 0); -1 = disabled. */
  readonly httpPort: number;
  readonly dnsPort: number;
  stop(reason: string): Promise<void>;
  /** Resolves once the agent has stopped, for whatever reason (signal, `leave`). */
  readonly stopped: Promise<void>;
  /** Graceful leave, then stop (SIGINT/SIGTERM per skip_leave_on_interrupt / leave_on_terminate). */
  leave(): Promise<void>;
  /** 1 once the agent stopped because retry_max ran out; otherwise 0. */
  readonly exitCode: number;
  /** Re-reads the config files and applies their service and check definitions (SIGHUP, `roster reload`). */
  reload(): Promise<void>;
}

interface Closable {
  close(): Promise<void>;
}

/**
 * The composition root: builds the catalog, the Raft server, gossip, the local agent and the
 * listeners from a validated config, and tears them down in reverse order on stop.
 */
export async function startAgent(
  config: AgentConfig,
  deps: { logger: Logger; clock?: Clock; random?: Random; loadConfig?: () => Promise<AgentConfig> },
): Promise<RunningAgent> {
  const clock = deps.clock ?? systemClock;
  const random = deps.random ?? systemRandom;
  const logger = deps.logger;
  const nodeId = config.dataDir ? loadNodeId(config.dataDir, config.nodeId, random) : config.nodeId || random.uuid();
  const stateFile = config.dataDir ? new LocalStateFile(config.dataDir) : undefined;
  const address = config.advertiseAddr;

  // One registry per agent, handed to whatever records into it (/v1/agent/metrics shows it).
  const metrics = new MetricsRegistry({ clock, prefix: config.telemetry.metricsPrefix, gaugeHostname: config.telemetry.gaugeHostname });
  const runtimeMetrics = startRuntimeMetrics(metrics, clock, () => process.memoryUsage());
  const store = new StateStore({ now: () => clock.now() });
  const node: NodeIdentity = { id: nodeId, name: config.nodeName, address, datacenter: config.datacenter, meta: config.nodeMeta };
  let lanMembers: () => ReturnType<typeof memberView>[] = () => [];
  const role = await startRole({ config, nodeId, fsm: new CatalogFsm(store), members: () => lanMembers(), clock, random, logger, metrics });
  const log = role.log;
  const memberInfo: SelfMemberInfo = {
    serverPort: role.serverPort,
    datacenter: config.datacenter,
    nodeId,
    server: config.server,
    bootstrap: config.bootstrap,
    bootstrapExpect: config.bootstrapExpect,
  };
  const gossip = await startGossipPools(config, selfTags(memberInfo), { clock, random, logger }).catch(async (err: unknown) => {
    await role.close();
    throw err;
  });
  lanMembers = () => gossip.lan.members().map(memberView);
  const members = ({ wan }: { wan: boolean }) => ((wan ? gossip.wan : gossip.lan)?.members() ?? []).map(memberView);
  // Multiple datacenters (#8): coordinates, the WAN router and ?dc= forwarding (src/agent/wan).
  const multiDc = startMultiDatacenter({ config, gossip, rpc: role.rpc, clock, random, logger });
  // The leader turns gossip membership into catalog state.
  const duties = new LeaderDuties({ log, reader: store, members: lanMembers, isLeader: () => role.isLeader(), clock, logger });
  role.onLeadershipGained(() => duties.leadershipGained());
  gossip.lan.onEvent((event) => duties.memberChanged(memberView(event.member), event.kind === 'member-reap'));
  duties.start();
  // Sessions (#9): the leader's TTL timers (src/agent/leader/session-ttl.ts).
  const sessionTtl = startSessionTtl({ store, log, role, clock, logger });
  // Snapshot rejoin, -retry-join(-wan) with retry_interval/retry_max. Consul: when retry_max runs out, exit 1.
  let exitCode = 0;
  const joiner = startRetryJoins(gossip, config, { clock, logger, onGiveUp: () => ((exitCode = 1), void stop('retry join failed')) });

  const state = new LocalState();
  const events = new AgentEvents({ serf: gossip.serf.lan, nodeName: config.nodeName, services: () => state.services(), random, logger: logger.child({ module: 'agent.events' }) });
  const sync = new AntiEntropy({ state, reader: store, log, node, logger, clock, random, clusterSize: () => gossip.lan.members().length });
  // A leader appearing (first election, or after a gap) is when deferred local changes can land.
  role.onLeaderKnown(() => {
    sync.sync().catch((err: unknown) => logger.warn({ err: errorMessage(err) }, 'anti-entropy sync on new leader failed'));
  });
  let stopping: Promise<void> | undefined;
  let markStopped!: () => void;
  const stopped = new Promise<void>((resolve) => (markStopped = resolve));
  const listeners: Closable[] = [];

  const agent = new LocalAgent({
    state,
    sync,
    reader: store,
    node,
    clock,
    random,
    logger,
    self: () =>
      selfView(config, nodeId, memberView(gossip.lan.local()), {
        services: state.services().length,
        checks: state.checks().length,
        leader: log.hasLeader(),
        lastIndex: store.index(),
      }),
    members,
    events,
    join: async (address, { wan }) => {
      const pool = wan ? gossip.wan : gossip.lan;
      if (!pool) throw new AppError('BAD_REQUEST', 'only servers are in the WAN pool');
      const target = withPort(address, wan ? config.ports.serfWan : config.ports.serfLan);
      const contacted = await pool.join([target]);
      if (contacted === 0) {
        throw new AppError('UNAVAILABLE', `failed to join ${target}: no gossip answer (nothing listening there, or a different gossip key)`);
      }
      return contacted;
    },
    ...(stateFile ? { persist: (saved: PersistedLocalState) => stateFile.save(saved) } : {}),
    scriptChecks: { enableScriptChecks: config.enableScriptChecks, enableLocalScriptChecks: config.enableLocalScriptChecks },
    ...(deps.loadConfig ? { reloadConfig: deps.loadConfig } : {}),
    forceLeave: async (node, { wan }) => {
      const pool = wan ? gossip.wan : gossip.lan;
      if (!pool?.forceLeave(node)) throw new AppError('NOT_FOUND', `agent: No node found with name '${node}'`);
    },
    leave: async () => {
      await role.leave();
      const propagate = leavePropagateMs(config);
      await Promise.all([gossip.lan.leave(propagate), gossip.wan?.leave(propagate)]);
      // Answer the HTTP request first, then shut down (closing the server waits for it).
      clock.setTimeout(() => void stop('leave'), 0);
    },
  });

  /** A -dev agent is its own leader within milliseconds; its own node is in the catalog before it says started. */
  async function waitForDevLeader(): Promise<void> {
    const deadline = clock.monotonic() + DEV_LEADER_WAIT_MS;
    while (!role.isLeader() && clock.monotonic() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
    duties.fullReconcile();
    await duties.settled();
  }

  async function stop(reason: string): Promise<void> {
    stopping ??= (async () => {
      logger.info({ reason }, 'agent stopping');
      sync.stop();
      joiner.cancel();
      duties.stop();
      sessionTtl.stop();
      agent.stopChecks();
      await Promise.all([gossip.lan.close(), gossip.wan?.close()]);
      multiDc.close();
      await role.close().catch((err) => logger.warn({ err: errorMessage(err) }, 'error closing the server link'));
      for (const listener of listeners.reverse()) {
        await listener.close().catch((err) => logger.warn({ err: errorMessage(err) }, 'error closing listener'));
      }
      runtimeMetrics.cancel();
      metrics.close();
      logger.info('agent stopped');
      markStopped();
    })();
    return stopping;
  }

  try {
    if (config.dev) await waitForDevLeader();
    await agent.loadConfigDefinitions(config.services, config.checks);
    if (stateFile) {
      const saved = stateFile.load((problem) => logger.warn(problem));
      await agent.restorePersisted(saved);
    }

    let httpPort = -1;
    if (config.ports.http >= 0) {
      const http = await startHttpServer({
        reader: store,
        log,
        agent,
        config: {
          bindAddress: config.clientAddr,
          port: config.ports.http,
          datacenter: config.datacenter,
          nodeName: config.nodeName,
          defaultQueryTimeMs: config.defaultQueryTimeMs,
          maxQueryTimeMs: config.maxQueryTimeMs,
          httpMaxBodyBytes: config.limits.httpMaxBodyBytes,
          kvMaxValueSize: config.limits.kvMaxValueSize,
        },
        logger: logger.child({ module: 'http' }),
        clock,
        random,
        metrics,
        ...(role.operator ? { operator: role.operator } : {}),
        ...multiDc.http,
      });
      listeners.push(http);
      httpPort = http.port;
    }
    let dnsPort = -1;
    if (config.ports.dns >= 0) {
      const dns = await startDnsServer({
        reader: store,
        config: {
          bindAddress: config.clientAddr,
          port: config.ports.dns,
          domain: config.domain,
          altDomain: config.altDomain,
          datacenter: config.datacenter,
          dns: config.dns,
        },
        logger: logger.child({ module: 'dns' }),
        random,
        clock,
        remote: multiDc.remote,
        freshness: { lastContactMs: () => log.lastContactMs(), catchUp: () => log.barrier('leader') },
        metrics: dnsMetrics(metrics, config.nodeName),
      });
      listeners.push(dns);
      dnsPort = dns.port;
    }
    if (config.ports.grpc >= 0) {
      const grpc = await startLocalApi({
        bindAddr: config.clientAddr,
        port: config.ports.grpc,
        self: { name: config.nodeName, datacenter: config.datacenter, server: config.server },
        gossip: { lan: gossip.lan, wan: gossip.wan },
        raftStatus: role.raftStatus,
        clock,
        logger,
      });
      listeners.push(grpc);
    }
    sync.start();
    logger.info(
      { node: config.nodeName, datacenter: config.datacenter, server: config.server, http: httpPort, dns: dnsPort },
      'agent started',
    );
    return {
      httpPort,
      dnsPort,
      stop,
      stopped,
      leave: () => agent.leave(),
      reload: () => agent.reload(),
      get exitCode() {
        return exitCode;
      },
    };
  } catch (err) {
    await stop('start failed');
    throw err;
  }
}
