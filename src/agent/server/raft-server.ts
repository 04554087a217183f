import { join } from 'node:path';
import type { CatalogFsm } from '../../catalog/fsm.js';
import { ReplicatedCatalogFsm } from '../../catalog/replicated-fsm.js';
import type { MemberView } from '../../http/agent-port.js';
import type { MetricsRegistry } from '../../metrics/registry.js';
import { defaultRaftConfig, Raft } from '../../raft/core/index.js';
import { RaftNode, type RaftNodeOptions } from '../../raft/node/raft-node.js';
import { FileLogStorage, FileSnapshotStore, MemoryLogStorage, MemorySnapshotStore } from '../../raft/storage/index.js';
import { catalogStreamDefinition, catalogStreamImplementation } from '../../rpc/catalog-stream.js';
import { GrpcRaftTransport, RpcServer, ServerRpcClient, type ServerRpcService } from '../../rpc/index.js';
import type { Clock, Timer } from '../../shared/clock.js';
import { errorMessage } from '../../shared/errors.js';
import type { Logger } from '../../shared/logger.js';
import type { Random } from '../../shared/random.js';
import { Autopilot } from './autopilot.js';
import { decideBootstrap } from './bootstrap.js';
import { CatalogFeed } from './catalog-feed.js';
import { RaftOperator } from './operator.js';
import { RaftCommandLog } from './raft-log.js';
import { registerServerRpc, rpcLeader, rpcOperatorForward, rpcPeerCount } from './rpc-handlers.js';
import { serverMembers } from './server-members.js';

/**
 * Raft timing. A tick of 50 ms with a 10-tick election timeout gives followers 0.5–1 s of
 * silence before they campaign (hashicorp/raft at Consul's raft_multiplier 1 uses 1 s) and a
 * heartbeat every 100 ms: a dead leader is replaced in about a second.
 */
const TICK_MS = 50;
const ELECTION_TICKS = 10;
const HEARTBEAT_TICKS = 2;
/** How often the leader looks at the server set, and a waiting server at the pool. */
const HOUSEKEEPING_MS = 1_000;

export interface RaftServerConfig {
  readonly nodeId: string;
  readonly datacenter: string;
  readonly dev: boolean;
  readonly bootstrap: boolean;
  readonly bootstrapExpect: number;
  readonly dataDir: string;
  readonly bindAddr: string;
  readonly advertiseAddr: string;
  readonly serverPort: number;
  readonly snapshotThreshold: number;
  readonly trailingLogs: number;
  readonly snapshotIntervalMs: number;
  /** raft_read_lease: ReadIndex from the leader's lease instead of a heartbeat round. */
  readonly readLease: boolean;
}

export interface RaftServerDeps {
  readonly config: RaftServerConfig;
  readonly fsm: CatalogFsm;
  /** The LAN pool's members, as /v1/agent/members shows them. */
  readonly members: () => readonly MemberView[];
  readonly clock: Clock;
  readonly random: Random;
  readonly logger: Logger;
  /** raft.apply is counted into it. */
  readonly metrics: MetricsRegistry;
}

export interface RaftServer {
  readonly node: RaftNode;
  readonly log: RaftCommandLog;
  readonly operator: RaftOperator;
  /** Bound server RPC port. */
  readonly port: number;
  /** The generic server RPC service on that port (more handlers can be registered on it). */
  readonly rpc: ServerRpcService;
  /** Called when this server becomes leader (reconcile the catalog) — after the first no-op commits. */
  onLeadershipGained(listener: () => void): void;
  /** Graceful leave: a leader hands its office to another voter first. */
  leave(): Promise<void>;
  close(): Promise<void>;
}

/**
 * A Raft server: durable log and snapshots in `<data-dir>/raft` (memory in -dev), the gRPC
 * server on the server port (Raft transport + forwarding RPC), bootstrap (-bootstrap,
 * -bootstrap-expect) and the leader's autopilot housekeeping.
 */
export async function startRaftServer(deps: RaftServerDeps): Promise<RaftServer> {
  const { config, clock, random } = deps;
  const logger = deps.logger.child({ module: 'raft' });
  const selfAddress = `${config.advertiseAddr}:${config.serverPort}`;
  const raftDir = join(config.dataDir, 'raft');
  const note = (message: string) => logger.warn(message);
  const storage = config.dev ? new MemoryLogStorage() : new FileLogStorage(join(raftDir, 'wal'), { onNote: note });
  const snapshots = config.dev ? new MemorySnapshotStore() : new FileSnapshotStore(raftDir, { onNote: note });

  const rpcServer = new RpcServer({ bindIp: config.bindAddr, port: config.serverPort, logger });
  const transport = new GrpcRaftTransport({ logger });
  const rpcClient = new ServerRpcClient({ logger });
  const options: RaftNodeOptions = {
    id: config.nodeId,
    address: selfAddress,
    tickMs: TICK_MS,
    snapshotThreshold: config.snapshotThreshold,
    trailingLogs: config.trailingLogs,
    snapshotIntervalMs: config.snapshotIntervalMs,
  };
  // Client agents subscribe to this server's catalog stream; the feed sees every applied command.
  const replicated = new ReplicatedCatalogFsm(deps.fsm);
  const feed = new CatalogFeed(replicated, {
    encodeState: () => replicated.snapshot(),
    cluster: () => ({
      leader: node.leaderAddress(),
      peers: node.status().membership.servers.filter((s) => s.voter).map((s) => s.address),
    }),
    appliedIndex: () => node.status().appliedIndex,
    clock,
    logger,
  });
  rpcServer.addService(catalogStreamDefinition, catalogStreamImplementation((subscriber) => feed.subscribe(subscriber)));
  // Read by the feed's closures, which run only once the node exists.
  const node: RaftNode = await RaftNode.open({
    options,
    storage,
    snapshots,
    transport,
    fsm: feed,
    clock,
    logger,
    resolveAddress: (id) => serverMembers(deps.members(), config.datacenter).find((s) => s.id === id)?.address,
    createCore: (restored) =>
      new Raft(
        { ...defaultRaftConfig(config.nodeId), electionTicks: ELECTION_TICKS, heartbeatTicks: HEARTBEAT_TICKS, readLease: config.readLease },
        random,
        restored,
      ),
  });
  transport.attach(node);
  rpcServer.raft.attach(node);

  const applies = deps.metrics.counter('raft.apply', { help: 'Commands this server, as leader, appended to the Raft log.' });
  const log = new RaftCommandLog(node, rpcLeader(rpcClient), clock, applies);
  const nodeNames = () => new Map(serverMembers(deps.members(), config.datacenter).map((s) => [s.id, s.name]));
  const operator = new RaftOperator({ node, log, fsm: deps.fsm, nodeNames, forward: rpcOperatorForward(rpcClient) });
  registerServerRpc(rpcServer.rpc, { node, log, operator });
  try {
    await rpcServer.start();
  } catch (err) {
    feed.close();
    await node.close();
    throw err;
  }

  const leadershipListeners: (() => void)[] = [];
  let wasLeader = false;
  node.onStatus((status) => {
    const leader = status.role === 'leader';
    // Leadership counts once the new term's no-op has been applied: the catalog is then current.
    if (leader && !wasLeader && status.appliedIndex >= status.commit) {
      wasLeader = true;
      for (const listener of leadershipListeners) listener();
    } else if (!leader) wasLeader = false;
  });

  if (config.dev || config.bootstrap) {
    await node.bootstrap({ servers: [{ id: config.nodeId, address: selfAddress, voter: true }] });
  }
  const autopilot = new Autopilot();
  let housekeeping = Promise.resolve();
  let bootstrapDone = !config.bootstrapExpect || node.hasState();
  const timer: Timer = clock.setInterval(() => {
    housekeeping = housekeeping.then(async () => {
      try {
        if (!bootstrapDone) bootstrapDone = await tryBootstrapExpect();
        else if (node.isLeader()) await manageServers();
      } catch (err) {
        logger.warn({ err: errorMessage(err) }, 'server housekeeping failed');
      }
    });
  }, HOUSEKEEPING_MS);

  /** Returns true once bootstrapping is settled (done here, found unnecessary, or refused for good). */
  async function tryBootstrapExpect(): Promise<boolean> {
    if (node.hasState()) return true;
    const servers = serverMembers(deps.members(), config.datacenter);
    const decision = decideBootstrap(servers, config.bootstrapExpect);
    if (decision.kind === 'wait') return false;
    if (decision.kind === 'refuse') {
      logger.error(decision.reason);
      return false;
    }
    // An existing cluster that already has a configuration adds us itself; never bootstrap a second one.
    for (const server of decision.membership.servers) {
      if (server.id === config.nodeId) continue;
      const peers = await rpcPeerCount(rpcClient, server.address).catch(() => 0);
      if (peers > 0) {
        logger.info({ server: server.address }, 'found an existing Raft configuration; waiting to be added by its leader');
        return true;
      }
    }
    if (!decision.membership.servers.some((s) => s.id === config.nodeId)) return false;
    return node.bootstrap(decision.membership);
  }

  async function manageServers(): Promise<void> {
    const status = node.status();
    const change = autopilot.next({
      now: clock.monotonic(),
      leaderId: status.id,
      membership: status.membership,
      servers: serverMembers(deps.members(), config.datacenter),
      progress: status.progress,
      commit: status.commit,
    });
    if (!change) return;
    logger.info({ change: change.type, server: change.id }, 'autopilot: changing the Raft configuration');
    await node.changeMembership(change);
  }

  return {
    node,
    log,
    operator,
    port: rpcServer.port,
    rpc: rpcServer.rpc,
    onLeadershipGained: (listener) => leadershipListeners.push(listener),
    async leave() {
      if (!node.isLeader()) return;
      await operator.transferLeader(undefined).catch((err) => logger.warn({ err: errorMessage(err) }, 'leadership transfer on leave failed'));
    },
    async close() {
      timer.cancel();
      await housekeeping;
      feed.close();
      await rpcServer.stop();
      await transport.close();
      rpcClient.close();
      await node.close();
    },
  };
}
