/**
 * The Raft contract: the types the pure core (src/raft/core), its driver (src/raft/node), the
 * durable storage (src/raft/storage), the transport (src/rpc) and the simulator (test/sim) share.
 *
 * The core follows etcd-io/raft's shape: inputs are `tick()`, `step(message)`, `propose(data)`,
 * `readIndex(id)`; output is a `Ready` batch the driver must handle in order — persist
 * (hardState, entries, snapshot; fsync when `mustSync`), send messages, apply committed entries,
 * then `advance(ready)`. The core does no I/O and reads no clock: time is ticks, randomness is an
 * injected `Random`.
 */

/** A server's stable ID (the agent's node ID, a UUID). Never an address: addresses change. */
export type ServerId = string;

export type Role = 'follower' | 'pre-candidate' | 'candidate' | 'leader';

/**
 * `normal` entries carry an opaque command for the state machine (an empty `data` is the no-op a
 * new leader appends to commit entries of earlier terms). `config` entries carry an encoded
 * `Membership` (see encodeMembership): the complete new server set.
 */
export type EntryKind = 'normal' | 'config';

export interface Entry {
  readonly index: number;
  readonly term: number;
  readonly kind: EntryKind;
  readonly data: Uint8Array;
}

/** What must survive a crash before any vote or acknowledgement leaves this server. */
export interface HardState {
  readonly term: number;
  /** Who we voted for in `term`; '' for nobody. */
  readonly vote: ServerId;
  /** Highest index known committed. Persisting it is an optimisation, not a safety need. */
  readonly commit: number;
}

export interface ServerEntry {
  readonly id: ServerId;
  /** Server RPC address (`ip:port`), kept in the log so a restarted server can find its peers. */
  readonly address: string;
  /** A non-voter receives the log but neither votes nor counts towards a quorum. */
  readonly voter: boolean;
}

/** The cluster's server set. A change is one `config` entry holding the whole new set. */
export interface Membership {
  readonly servers: readonly ServerEntry[];
}

export interface SnapshotMeta {
  /** Last log index the snapshot covers, and its term. */
  readonly index: number;
  readonly term: number;
  /** The membership in force at `index`. */
  readonly membership: Membership;
}

/**
 * Messages between servers. Snapshot data never travels inside a message: the transport streams
 * it out of the SnapshotStore and hands the core only the metadata once it is stored.
 */
export type RaftMessage =
  | AppendMessage
  | AppendResponse
  | HeartbeatMessage
  | HeartbeatResponse
  | VoteMessage
  | VoteResponse
  | SnapshotMessage
  | TimeoutNowMessage;

interface Envelope {
  readonly from: ServerId;
  readonly to: ServerId;
  readonly term: number;
}

export interface AppendMessage extends Envelope {
  readonly type: 'append';
  readonly prevIndex: number;
  readonly prevTerm: number;
  readonly entries: readonly Entry[];
  readonly commit: number;
}

export interface AppendResponse extends Envelope {
  readonly type: 'append-response';
  /** On success, the highest index now matching the leader's log. On reject, the prevIndex refused. */
  readonly index: number;
  readonly reject: boolean;
  /** On reject: where the leader should try next (the follower's conflict hint). */
  readonly hintIndex: number;
  readonly hintTerm: number;
}

export interface HeartbeatMessage extends Envelope {
  readonly type: 'heartbeat';
  readonly commit: number;
  /** Read-index round this heartbeat confirms leadership for; '' when none. */
  readonly context: string;
}

export interface HeartbeatResponse extends Envelope {
  readonly type: 'heartbeat-response';
  readonly context: string;
}

export interface VoteMessage extends Envelope {
  readonly type: 'vote';
  /** A pre-vote asks "would you vote for me at `term`?" without anyone changing term. */
  readonly preVote: boolean;
  /** Sent after TimeoutNow: voters grant it even while they believe a leader is alive. */
  readonly transfer: boolean;
  readonly lastIndex: number;
  readonly lastTerm: number;
}

export interface VoteResponse extends Envelope {
  readonly type: 'vote-response';
  readonly preVote: boolean;
  readonly granted: boolean;
}

export interface SnapshotMessage extends Envelope {
  readonly type: 'snapshot';
  readonly snapshot: SnapshotMeta;
}

export interface TimeoutNowMessage extends Envelope {
  readonly type: 'timeout-now';
}

/** A linearizable read may be served once the local state machine has applied `index`. */
export interface ReadState {
  readonly id: string;
  readonly index: number;
}

/** Volatile state the driver reports (status endpoints, TUI); present in Ready when it changed. */
export interface SoftState {
  readonly role: Role;
  readonly leader: ServerId | '';
  readonly term: number;
}

export interface Ready {
  readonly softState: SoftState | null;
  /** Persist when not null (fsync if mustSync). */
  readonly hardState: HardState | null;
  /**
   * Entries to append durably. If `entries[0].index` is at or below the stored last index, the
   * stored log is truncated from that index first (a follower's conflicting suffix).
   */
  readonly entries: readonly Entry[];
  /** A received snapshot (already in the SnapshotStore) to install: restore the FSM, reset the log. */
  readonly snapshot: SnapshotMeta | null;
  /** Entries to apply to the state machine, in order, after the persist step. */
  readonly committed: readonly Entry[];
  /** To send. A leader may send before its own persist finishes; others only after. */
  readonly messages: readonly RaftMessage[];
  readonly readStates: readonly ReadState[];
  /** Read-index requests that can no longer be served here (leadership lost); fail them. */
  readonly droppedReads: readonly string[];
  readonly mustSync: boolean;
}

/**
 * `invalid` (added by the core): a membership change that cannot be made, e.g. removing the
 * last voter.
 */
export type ProposeResult =
  | 'accepted'
  | 'not-leader'
  | 'transferring'
  | 'config-pending'
  | 'too-large'
  | 'invalid';

export interface RaftConfig {
  readonly id: ServerId;
  /** Ticks without hearing from a leader before campaigning; randomised in [n, 2n). */
  readonly electionTicks: number;
  readonly heartbeatTicks: number;
  /** Pre-vote round before bumping the term (a rejoining server cannot disrupt a healthy leader). */
  readonly preVote: boolean;
  /** Leader steps down after an election timeout without hearing from a quorum. */
  readonly checkQuorum: boolean;
  /** Most bytes of entries per append message. */
  readonly maxSizePerMsg: number;
  /** Append messages in flight to one follower (pipelining bound). */
  readonly maxInflightMsgs: number;
  /**
   * Answer read-index requests from the leader's lease — a quorum heard from within the
   * election timeout, less a margin for the round trip — instead of a heartbeat round (etcd's
   * ReadOnlyLeaseBased). Followers refuse votes while they hear from a leader, so no other leader
   * can exist meanwhile, provided servers' clocks run at about the same rate. Needs checkQuorum.
   */
  readonly readLease?: boolean;
}

/** A single-server membership change (Raft dissertation §4.1): one in flight at a time. */
export type MembershipChange =
  | { readonly type: 'add-nonvoter'; readonly id: ServerId; readonly address: string }
  /** Adds a voter, or promotes an existing non-voter. */
  | { readonly type: 'add-voter'; readonly id: ServerId; readonly address: string }
  | { readonly type: 'remove'; readonly id: ServerId };

/** What the core was restored from at start (read back from LogStorage and SnapshotStore). */
export interface RestoredState {
  readonly hardState: HardState;
  /** The newest stored snapshot, whose state the driver has already restored into the FSM. */
  readonly snapshot: SnapshotMeta | null;
  /** Log entries after the snapshot (or from index 1), contiguous. */
  readonly entries: readonly Entry[];
}

export type ReplicationState = 'probe' | 'replicate' | 'snapshot';

export interface FollowerProgress {
  readonly id: ServerId;
  readonly match: number;
  readonly next: number;
  readonly state: ReplicationState;
  /** Ticks since the leader last heard from this server. */
  readonly ticksSinceContact: number;
}

export interface RaftStatus {
  readonly id: ServerId;
  readonly role: Role;
  readonly term: number;
  readonly leader: ServerId | '';
  readonly commit: number;
  /** Highest index handed out for apply (in a Ready's `committed`). */
  readonly applied: number;
  readonly firstIndex: number;
  readonly lastIndex: number;
  readonly lastTerm: number;
  readonly membership: Membership;
  /** Leader only: one per other server; empty elsewhere. */
  readonly progress: readonly FollowerProgress[];
  /** Ticks since this server last heard from a leader (0 on the leader). */
  readonly ticksSinceLeaderContact: number;
}

/** RaftStatus without the per-follower progress: cheap enough to ask on every request. */
export type BasicStatus = Omit<RaftStatus, 'progress'>;

/**
 * The pure Raft state machine. Single-threaded; every method is synchronous; nothing here
 * touches a disk, a socket or a clock.
 */
export interface RaftCore {
  /** Advance logical time by one tick. */
  tick(): void;
  /** A message from a peer (or a stale one): always safe to call, whatever the content. */
  step(message: RaftMessage): void;
  propose(data: Uint8Array): ProposeResult;
  proposeMembership(change: MembershipChange): ProposeResult;
  /** Start an election now (the single-server bootstrap, tests). A no-op on a leader or non-voter. */
  campaign(): void;
  /** Leader only: hand leadership to `to` (TimeoutNow once it has caught up). */
  transferLeadership(to: ServerId): 'accepted' | 'not-leader' | 'unknown-server';
  /** Ask for a linearizable read point; answered by a ReadState (or droppedReads) in a Ready. */
  readIndex(id: string): 'accepted' | 'not-leader';
  /**
   * The driver wrote a state-machine snapshot covering up to `meta.index`: the core may discard
   * entries at or below `meta.index - trailing` and will offer this snapshot to followers too
   * far behind.
   */
  compact(meta: SnapshotMeta, trailing: number): void;
  /**
   * Leader only (a no-op elsewhere): send the commit index now to followers that have not been
   * told it. A commit advance is otherwise announced by the next append, or at the next tick when
   * the leader is idle; a driver calls this when a follower is about to wait for that index (a
   * read point handed to a follower), to spare it up to a tick.
   */
  announceCommit(): void;
  /** The transport could not reach a server. */
  reportUnreachable(id: ServerId): void;
  /** A snapshot transfer to `id` finished (ok) or failed. */
  reportSnapshot(id: ServerId, ok: boolean): void;
  hasReady(): boolean;
  ready(): Ready;
  /** The driver finished persisting, sending and applying `ready`. */
  advance(ready: Ready): void;
  status(): RaftStatus;
  basicStatus(): BasicStatus;
}
