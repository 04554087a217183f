import { decodeSnapshot, encodeSnapshot } from '../../catalog/command-codec.js';
import type { CatalogFsm } from '../../catalog/fsm.js';
import { validateStoreSnapshot } from '../../catalog/snapshot-schema.js';
import type { OperatorPort, RaftConfigurationView, SnapshotArchive } from '../../http/operator-port.js';
import type { RaftNode } from '../../raft/node/raft-node.js';
import { AppError, badRequest } from '../../shared/errors.js';
import type { RaftCommandLog } from './raft-log.js';

/** Operator requests a follower cannot answer itself go to the leader over server RPC. */
export interface OperatorForward {
  raftConfiguration(leader: string): Promise<RaftConfigurationView>;
  removeRaftPeer(leader: string, target: { id?: string; address?: string }): Promise<void>;
  transferLeader(leader: string, id: string | undefined): Promise<void>;
  saveSnapshot(leader: string): Promise<SnapshotArchive>;
}

export interface OperatorDeps {
  readonly node: RaftNode;
  readonly log: RaftCommandLog;
  readonly fsm: CatalogFsm;
  /** Server ID → gossip node name. */
  readonly nodeNames: () => Map<string, string>;
  readonly forward: OperatorForward;
}

/**
 * The operator endpoints on a server: answered here on the leader (or with `stale`), forwarded
 * to the leader otherwise.
 */
export class RaftOperator implements OperatorPort {
  constructor(private readonly deps: OperatorDeps) {}

  async raftConfiguration({ stale }: { stale: boolean }): Promise<RaftConfigurationView> {
    if (stale || this.deps.node.isLeader()) return this.localConfiguration();
    return this.deps.forward.raftConfiguration(this.leader());
  }

  /** This server's view of the configuration, with each server's log position as the leader sees it. */
  localConfiguration(): RaftConfigurationView {
    const { node } = this.deps;
    const status = node.status();
    const names = this.deps.nodeNames();
    const matchOf = new Map(status.progress.map((p) => [p.id, p.match]));
    const membership = status.membership;
    return {
      Servers: membership.servers.map((s) => ({
        ID: s.id,
        Node: names.get(s.id) ?? '',
        Address: s.address,
        Leader: s.id === status.leader,
        Voter: s.voter,
        ProtocolVersion: '3',
        LastIndex: s.id === status.id ? status.lastIndex : (matchOf.get(s.id) ?? 0),
      })),
      Index: status.commit,
    };
  }

  async removeRaftPeer(target: { id?: string; address?: string }): Promise<void> {
    if (!this.deps.node.isLeader()) return this.deps.forward.removeRaftPeer(this.leader(), target);
    const servers = this.deps.node.status().membership.servers;
    const server = servers.find((s) => (target.id !== undefined ? s.id === target.id : s.address === target.address));
    if (!server) {
      const what = target.id !== undefined ? `id "${target.id}"` : `address "${target.address ?? ''}"`;
      throw new AppError('BAD_REQUEST', `id or address not found in the Raft configuration: ${what}`);
    }
    await this.deps.node.changeMembership({ type: 'remove', id: server.id });
  }

  async transferLeader(id: string | undefined): Promise<void> {
    const { node } = this.deps;
    if (!node.isLeader()) return this.deps.forward.transferLeader(this.leader(), id);
    const status = node.status();
    const target = id ?? mostCaughtUpVoter(status);
    if (!target) throw badRequest('no other voter to transfer leadership to');
    if (target === status.id) throw badRequest('this server is already the leader');
    node.transferLeadership(target);
  }

  async saveSnapshot({ stale }: { stale: boolean }): Promise<SnapshotArchive> {
    if (!stale && !this.deps.node.isLeader()) return this.deps.forward.saveSnapshot(this.leader());
    const status = this.deps.node.status();
    return { index: status.appliedIndex, term: status.term, data: encodeSnapshot(this.deps.fsm.snapshot()) };
  }

  async restoreSnapshot(data: Uint8Array): Promise<void> {
    let decoded: unknown;
    try {
      decoded = decodeSnapshot(data);
    } catch (err) {
      throw badRequest(`not a roster catalog snapshot: ${err instanceof Error ? err.message : String(err)}`);
    }
    // Validated before it enters the log: every replica would apply a bad one.
    await this.deps.log.propose({ type: 'restore', snapshot: validateStoreSnapshot(decoded) });
  }

  private leader(): string {
    const leader = this.deps.node.leaderAddress();
    if (!leader) throw new AppError('UNAVAILABLE', 'No cluster leader');
    return leader;
  }
}

function mostCaughtUpVoter(status: ReturnType<RaftNode['status']>): string | undefined {
  const voters = new Set(status.membership.servers.filter((s) => s.voter && s.id !== status.id).map((s) => s.id));
  return [...status.progress].filter((p) => voters.has(p.id)).sort((a, b) => b.match - a.match)[0]?.id;
}
