import { encodeCommand } from '../../catalog/command-codec.js';
import type { CommandLog, ReadConsistency } from '../../catalog/command-log.js';
import type { Applied, CatalogCommand } from '../../catalog/commands.js';
import type { FsmOutcome } from '../../catalog/fsm.js';
import type { Clock } from '../../shared/clock.js';
import { AppError } from '../../shared/errors.js';
import { holdAndRetry } from '../hold.js';
import type { CatalogMirror } from './catalog-mirror.js';
import type { ServerList } from './server-list.js';

/** The calls a client agent makes on any server (which passes them on to the leader). */
export interface ServerCalls {
  apply(server: string, command: Uint8Array): Promise<{ index: number; outcome: FsmOutcome }>;
  readIndex(server: string, consistent: boolean): Promise<number>;
}

/** How long a write waits for the local copy to show it before returning anyway. */
const READ_YOUR_WRITE_MS = 5_000;

/**
 * A client agent's command log: no Raft here. Writes go by RPC to a server (which forwards them
 * to the leader); once acknowledged, the write waits (briefly) until the local catalog copy
 * shows it, so a caller that registers a service and then asks DNS sees it. Reads are answered
 * from the copy after the barrier the consistency mode asks for.
 */
export class ClientCommandLog implements CommandLog {
  constructor(
    private readonly servers: ServerList,
    private readonly mirror: CatalogMirror,
    private readonly calls: ServerCalls,
    private readonly clock: Clock,
  ) {}

  async propose(command: CatalogCommand): Promise<Applied> {
    const data = encodeCommand(command);
    const { index, outcome } = await this.onSomeServer((server) => this.calls.apply(server, data));
    await this.waitForCopy(index);
    if (outcome.error !== undefined) throw new AppError('BAD_REQUEST', outcome.error);
    return { index, result: outcome.result, ...(outcome.txn ? { txn: outcome.txn } : {}) };
  }

  async barrier(consistency: ReadConsistency): Promise<void> {
    if (consistency === 'stale') return;
    const index = await this.onSomeServer((server) => this.calls.readIndex(server, consistency === 'consistent'));
    await this.mirror.waitFor(index);
  }

  hasLeader(): boolean {
    return this.mirror.clusterView().leader !== '' && this.mirror.msSinceLastFrame() < 10_000;
  }

  leaderAddress(): string {
    return this.mirror.clusterView().leader;
  }

  peers(): string[] {
    return [...this.mirror.clusterView().peers];
  }

  lastContactMs(): number {
    const ms = this.mirror.msSinceLastFrame();
    return Number.isFinite(ms) ? ms : 0;
  }

  private async waitForCopy(index: number): Promise<void> {
    let timer: { cancel(): void } | undefined;
    await Promise.race([
      this.mirror.waitFor(index),
      new Promise<void>((resolve) => (timer = this.clock.setTimeout(resolve, READ_YOUR_WRITE_MS))),
    ]);
    timer?.cancel();
  }

  /**
   * Runs `fn` against the current server; a server that cannot be reached (or has no leader
   * to forward to) is rotated out and the next one tried, until the hold timeout.
   */
  private onSomeServer<T>(fn: (server: string) => Promise<T>): Promise<T> {
    return holdAndRetry<T, string>({
      clock: this.clock,
      pick: () => this.servers.current(),
      attempt: fn,
      noTarget: 'No known Consul servers',
      failed: (server) => this.servers.failed(server),
      minDelayMs: 20,
      maxDelayMs: 250,
    });
  }

}

