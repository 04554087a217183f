import { decodeCommand, encodeCommand } from '../../catalog/command-codec.js';
import { validateStoreSnapshot } from '../../catalog/snapshot-schema.js';
import type { CommandLog, ReadConsistency } from '../../catalog/command-log.js';
import type { Applied, CatalogCommand } from '../../catalog/commands.js';
import type { FsmOutcome } from '../../catalog/fsm.js';
import type { Counter } from '../../metrics/registry.js';
import type { Clock } from '../../shared/clock.js';
import { holdAndRetry } from '../hold.js';
import { AppError } from '../../shared/errors.js';
import type { RaftNode } from '../../raft/node/raft-node.js';

/** Calls a server makes on the leader (over the server RPC port). */
export interface LeaderRpc {
  apply(leaderAddress: string, command: Uint8Array): Promise<{ index: number; outcome: FsmOutcome }>;
  /** The leader's commit index; with `consistent`, after it has confirmed its leadership. */
  readIndex(leaderAddress: string, consistent: boolean): Promise<number>;
}

/** The slice of the Raft node the command log uses (tests substitute a fake). */
export type RaftNodeLike = Pick<
  RaftNode,
  | 'propose' | 'readIndex' | 'waitApplied' | 'isLeader' | 'hasLeader' | 'commitIndex' | 'leaderAddress' | 'status' | 'membership'
  | 'announceCommit' | 'lastContactMs'
>;

/** withLeader's retry delay: doubling from the first to the last (an election takes ~0.5–1 s). */
const RETRY_MIN_MS = 10;
const RETRY_MAX_MS = 40;

/**
 * The catalog's command log on a server: writes go through Raft. On the leader a command is
 * proposed directly; on a follower it is forwarded to the leader. During an election, requests
 * wait (up to the hold timeout) for a new leader rather than fail at once.
 */
export class RaftCommandLog implements CommandLog {
  constructor(
    private readonly node: RaftNodeLike,
    private readonly rpc: LeaderRpc,
    private readonly clock: Clock,
    /**
     * Consul's raft.apply: commands this server, as leader, puts into the log (hashicorp/raft
     * counts its Apply calls on the leader; followers forward theirs and count nothing), so the
     * servers' figures add up to the cluster's write rate.
     */
    private readonly applies?: Counter,
  ) {}

  async propose(command: CatalogCommand): Promise<Applied> {
    const data = encodeCommand(command);
    const { index, outcome } = await this.withLeader(async (leader) => {
      if (leader === 'self') return this.proposeHere(data);
      return this.rpc.apply(leader, data);
    });
    if (outcome.error !== undefined) throw new AppError('BAD_REQUEST', outcome.error);
    return { index, result: outcome.result, ...(outcome.txn ? { txn: outcome.txn } : {}) };
  }

  /**
   * On the leader (the server RPC handler): propose a forwarded command and return the FSM
   * outcome as it is. The bytes came off the network, so they are decoded and checked first:
   * whatever enters the log, every replica must be able to apply.
   */
  async applyAsLeader(data: Uint8Array): Promise<{ index: number; outcome: FsmOutcome }> {
    checkForwardedCommand(data);
    return this.proposeHere(data);
  }

  /**
   * On any server (the handler of client agents' writes): checked like a forwarded command, then
   * proposed here if this server leads, or passed on to the leader.
   */
  async applyFromClient(data: Uint8Array): Promise<{ index: number; outcome: FsmOutcome }> {
    checkForwardedCommand(data);
    return this.withLeader(async (leader) => {
      if (leader === 'self') return this.proposeHere(data);
      return this.rpc.apply(leader, data);
    });
  }

  /** On any server (for client agents): the leader's read point, confirmed by a quorum when `consistent`. */
  async readIndexFromClient(consistent: boolean): Promise<number> {
    return this.withLeader(async (leader) => {
      if (leader === 'self') return consistent ? this.node.readIndex() : this.node.commitIndex();
      return this.rpc.readIndex(leader, consistent);
    });
  }

  /** On the leader (the server RPC handler): a read point for a follower. */
  async readIndexAsLeader(consistent: boolean): Promise<number> {
    if (!this.node.isLeader()) throw new AppError('UNAVAILABLE', 'not the leader');
    if (consistent) return this.node.readIndex();
    // The follower asking will wait to apply this index: send it the commit now.
    this.node.announceCommit();
    return this.node.commitIndex();
  }

  async barrier(consistency: ReadConsistency): Promise<void> {
    if (consistency === 'stale') return;
    const index = await this.withLeader(async (leader) => {
      if (leader === 'self') return consistency === 'consistent' ? this.node.readIndex() : 0;
      return this.rpc.readIndex(leader, consistency === 'consistent');
    });
    await this.node.waitApplied(index);
  }

  hasLeader(): boolean {
    return this.node.hasLeader();
  }

  leaderAddress(): string {
    return this.node.leaderAddress();
  }

  peers(): string[] {
    // The latest configuration, as Raft itself uses it (Consul reports the same), not only the applied one.
    return this.node.status().membership.servers.filter((s) => s.voter).map((s) => s.address);
  }

  lastContactMs(): number {
    return this.node.lastContactMs();
  }

  /** Every command this server proposes as leader goes through here, and is counted. */
  private async proposeHere(data: Uint8Array): Promise<{ index: number; outcome: FsmOutcome }> {
    this.applies?.inc();
    const applied = await this.node.propose(data);
    return { index: applied.index, outcome: applied.result as FsmOutcome };
  }

  /**
   * Runs `fn` against the current leader, retrying while there is none or while the one we
   * knew has just stepped down ("not the leader"), until the hold timeout. The retry delay
   * backs off only to RETRY_MAX_MS: a request held through an election goes out soon after the
   * new leader is known, not up to half a second later.
   */
  private withLeader<T>(fn: (leader: 'self' | string) => Promise<T>): Promise<T> {
    return holdAndRetry<T, string>({
      clock: this.clock,
      pick: () => (this.node.isLeader() ? 'self' : this.node.leaderAddress() || undefined),
      attempt: fn,
      noTarget: 'No cluster leader',
      minDelayMs: RETRY_MIN_MS,
      maxDelayMs: RETRY_MAX_MS,
    });
  }

}

const COMMAND_TYPES = new Set(['register', 'deregister', 'kv', 'restore', 'session', 'txn']);

function checkForwardedCommand(data: Uint8Array): void {
  let command: CatalogCommand;
  try {
    command = decodeCommand(data);
  } catch (err) {
    throw new AppError('BAD_REQUEST', `forwarded command does not decode: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (typeof command !== 'object' || command === null || !COMMAND_TYPES.has(command.type)) {
    throw new AppError('BAD_REQUEST', 'forwarded command has an unknown type');
  }
  if (command.type === 'restore') validateStoreSnapshot(command.snapshot);
}

