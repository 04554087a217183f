/**
 * What the operator endpoints (/v1/operator/raft/*, /v1/snapshot) need from a server agent. The
 * agent implements it over its Raft node, forwarding to the leader where the request needs one.
 */

/** One server of the Raft configuration, in /v1/operator/raft/configuration's shape. */
export interface RaftServerView {
  ID: string;
  /** Node name from gossip ('' when the server is not known to gossip). */
  Node: string;
  /** Server RPC address, ip:port. */
  Address: string;
  Leader: boolean;
  Voter: boolean;
  ProtocolVersion: string;
  /** Highest log index known to be on that server (the leader's view; 0 when unknown). */
  LastIndex: number;
}

export interface RaftConfigurationView {
  Servers: RaftServerView[];
  /** Log index of the configuration. */
  Index: number;
}

export interface SnapshotArchive {
  /** Raft index and term the snapshot covers. */
  index: number;
  term: number;
  /** The catalog state, as the state machine encodes it. */
  data: Uint8Array;
}

export interface OperatorPort {
  /** With `stale`, this server's own view; otherwise the leader's. */
  raftConfiguration(options: { stale: boolean }): Promise<RaftConfigurationView>;
  /** Remove a server from the Raft configuration by ID or by address (exactly one given). */
  removeRaftPeer(target: { id?: string; address?: string }): Promise<void>;
  /** Hand leadership to `id`, or to the most up-to-date other voter when undefined. */
  transferLeader(id: string | undefined): Promise<void>;
  /** A point-in-time copy of the catalog (from the leader unless `stale`). */
  saveSnapshot(options: { stale: boolean }): Promise<SnapshotArchive>;
  /** Replace the whole catalog with a snapshot's state, through Raft. */
  restoreSnapshot(data: Uint8Array): Promise<void>;
}
