import { decodeCommand, encodeCommand } from './command-codec.js';
import type { Applied, CatalogCommand } from './commands.js';
import type { CommandLog } from './command-log.js';
import type { CatalogFsm } from './fsm.js';
import { AppError } from '../shared/errors.js';

/**
 * The `-dev` command log: one in-memory voter that is always the leader. Each proposal gets the
 * next index and is applied at once, through the same FSM a Raft server uses, so `-dev` exercises
 * the one write path rather than bypassing it. Commands are encoded and decoded as the Raft log
 * stores them, so nothing that would not survive the log can sneak through.
 */
export class LocalCommandLog implements CommandLog {
  private lastIndex = 0;

  constructor(
    private readonly fsm: CatalogFsm,
    private readonly selfAddress: string,
  ) {}

  async propose(command: CatalogCommand): Promise<Applied> {
    const index = ++this.lastIndex;
    const outcome = this.fsm.apply(index, decodeCommand(encodeCommand(command)));
    if (outcome.error !== undefined) throw new AppError('BAD_REQUEST', outcome.error);
    return { index, result: outcome.result, ...(outcome.txn ? { txn: outcome.txn } : {}) };
  }

  hasLeader(): boolean {
    return true;
  }

  leaderAddress(): string {
    return this.selfAddress;
  }

  peers(): string[] {
    return [this.selfAddress];
  }

  lastContactMs(): number {
    return 0;
  }

  /** The one voter is the leader and applies synchronously: every read is already current. */
  async barrier(): Promise<void> {}
}
