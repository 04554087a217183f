import type { CommandLog } from '../catalog/command-log.js';
import type { CatalogFsm } from '../catalog/fsm.js';
import type { AgentConfig } from '../config/types.js';
import type { MemberView } from '../http/agent-port.js';
import type { OperatorPort } from '../http/operator-port.js';
import type { MetricsRegistry } from '../metrics/registry.js';
import type { Clock } from '../shared/clock.js';
import type { Logger } from '../shared/logger.js';
import type { Random } from '../shared/random.js';
import type { RaftStatusSource } from './local-api.js';
import type { ServerRpcService } from '../rpc/index.js';
import { startClientRole } from './client/client-role.js';
import { startRaftServer } from './server/raft-server.js';

/**
 * What differs between a server agent and a client agent, behind one shape: where writes go
 * (Raft here, or RPC to a server), whether this agent can lead, and the operator endpoints.
 */
export interface AgentRole {
  readonly log: CommandLog;
  /** Server RPC port (advertised in gossip tags); -1 on clients. */
  readonly serverPort: number;
  readonly operator?: OperatorPort;
  /** Servers: the Raft node's status and its changes (the local agent API streams them). */
  readonly raftStatus?: RaftStatusSource;
  /** Servers: the server RPC service, for handlers beyond the Raft ones (WAN forwarding). */
  readonly rpc?: ServerRpcService;
  isLeader(): boolean;
  onLeadershipGained(listener: () => void): void;
  /** A leader became known: changes deferred for lack of one can be synced now. */
  onLeaderKnown(listener: () => void): void;
  /** Before a graceful leave (a leading server hands over its office first). */
  leave(): Promise<void>;
  close(): Promise<void>;
}

export interface RoleDeps {
  readonly config: AgentConfig;
  readonly nodeId: string;
  readonly fsm: CatalogFsm;
  readonly members: () => readonly MemberView[];
  readonly clock: Clock;
  readonly random: Random;
  readonly logger: Logger;
  readonly metrics: MetricsRegistry;
}

export async function startRole(deps: RoleDeps): Promise<AgentRole> {
  return deps.config.server ? startServer(deps) : startClient(deps);
}

async function startServer({ config, nodeId, fsm, members, clock, random, logger, metrics }: RoleDeps): Promise<AgentRole> {
  const raft = await startRaftServer({
    config: {
      nodeId,
      datacenter: config.datacenter,
      dev: config.dev,
      bootstrap: config.bootstrap,
      bootstrapExpect: config.bootstrapExpect,
      dataDir: config.dataDir,
      bindAddr: config.bindAddr,
      advertiseAddr: config.advertiseAddr,
      serverPort: config.ports.server,
      snapshotThreshold: config.raft.snapshotThreshold,
      trailingLogs: config.raft.trailingLogs,
      snapshotIntervalMs: config.raft.snapshotIntervalMs,
      readLease: config.raft.readLease,
    },
    fsm,
    members,
    clock,
    random,
    logger,
    metrics,
  });
  return {
    log: raft.log,
    serverPort: raft.port,
    operator: raft.operator,
    raftStatus: raft.node,
    rpc: raft.rpc,
    isLeader: () => raft.node.isLeader(),
    onLeadershipGained: (listener) => raft.onLeadershipGained(listener),
    onLeaderKnown(listener) {
      let knew = false;
      raft.node.onStatus((status) => {
        const knows = status.leader !== '';
        if (knows && !knew) listener();
        knew = knows;
      });
    },
    leave: () => raft.leave(),
    close: () => raft.close(),
  };
}

function startClient({ config, fsm, members, clock, random, logger }: RoleDeps): AgentRole {
  const client = startClientRole({ datacenter: config.datacenter, fsm, members, clock, random, logger });
  return {
    log: client.log,
    serverPort: -1,
    isLeader: () => false,
    onLeadershipGained: () => {},
    onLeaderKnown: (listener) => client.mirror.onLeaderKnown(listener),
    leave: async () => {},
    close: () => client.close(),
  };
}
