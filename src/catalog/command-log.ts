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
}
