import type { Applied, CatalogCommand } from './commands.js';

/**
 * The one write path into the catalog. Raft implements it for servers (propose, replicate,
 * commit, apply); `-dev` uses a single in-process voter. A write is acknowledged only when the
 * promise resolves, after the command is committed and applied by the FSM.
 */
export interface CommandLog {
  propose(command: CatalogCommand): Promise<Applied>;
  /** Whether this log currently has a leader it can commit through. */
  hasLeader(): boolean;
  /** Address of the leader's server RPC (`ip:port`), '' when there is none. */
  leaderAddress(): string;
  /** Server RPC addresses of the voters. */
  peers(): string[];
  /** Milliseconds since this server last heard from the leader (0 on the leader). */
  lastContactMs(): number;
  /**
   * Before a read: make the local state at least as fresh as the mode asks. `leader` (Consul's
   * default) catches up to the leader's commit index; `consistent` also has the leader confirm
   * with a quorum that it still leads (ReadIndex); `stale` reads whatever is here.
   */
  barrier(consistency: ReadConsistency): Promise<void>;
}

export type ReadConsistency = 'leader' | 'stale' | 'consistent';
