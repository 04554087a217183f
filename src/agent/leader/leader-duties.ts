import type { CommandLog } from '../../catalog/command-log.js';
import type { CatalogCommand } from '../../catalog/commands.js';
import type { CatalogReader } from '../../catalog/reader.js';
import type { MemberView } from '../../http/agent-port.js';
import type { Clock, Timer } from '../../shared/clock.js';
import { errorMessage } from '../../shared/errors.js';
import type { Logger } from '../../shared/logger.js';
import { reconcileMember, SERF_CHECK_ID } from './reconcile.js';

/** Consul's reconcile_interval: a full pass even without events, to repair anything missed. */
const FULL_RECONCILE_MS = 60_000;

export interface LeaderDutiesDeps {
  readonly log: CommandLog;
  readonly reader: CatalogReader;
  readonly members: () => readonly MemberView[];
  readonly isLeader: () => boolean;
  readonly clock: Clock;
  readonly logger: Logger;
}

/**
 * What only the leader does with gossip: turn membership into catalog state. A full pass runs
 * when leadership is gained and every minute; single member events are handled as they come.
 * Work is serialised (one command at a time, in event order) and silently skipped by
 * non-leaders — the next leader's full pass covers anything in between.
 */
export class LeaderDuties {
  private queue = Promise.resolve();
  private timer: Timer | undefined;

  constructor(private readonly deps: LeaderDutiesDeps) {}

  start(): void {
    this.timer = this.deps.clock.setInterval(() => this.fullReconcile(), FULL_RECONCILE_MS);
  }

  stop(): void {
    this.timer?.cancel();
  }

  /** Leadership gained: catch the catalog up with everything gossip knows. */
  leadershipGained(): void {
    this.fullReconcile();
  }

  memberChanged(member: MemberView, reaped: boolean): void {
    this.enqueue(() => reconcileMember(member, this.deps.reader, member.Tags.id ?? '', { reaped }), member.Name);
  }

  fullReconcile(): void {
    this.enqueue(() => this.fullPass(), 'all members');
  }

  /** Resolves when queued work is done (tests, and the dev agent's first registration). */
  settled(): Promise<void> {
    return this.queue;
  }

  /**
   * Every member reconciled, plus the nodes the catalog holds from gossip (they have a serfHealth
   * check) that gossip no longer knows: reaped while there was no leader to see it.
   */
  private fullPass(): CatalogCommand[] {
    const { reader } = this.deps;
    const members = this.deps.members();
    const known = new Set(members.map((m) => m.Name));
    const commands = members.flatMap((m) => reconcileMember(m, reader, m.Tags.id ?? ''));
    for (const node of reader.nodes()) {
      if (known.has(node.Node)) continue;
      if (reader.nodeChecks(node.Node).some((c) => c.CheckID === SERF_CHECK_ID)) commands.push({ type: 'deregister', node: node.Node });
    }
    return commands;
  }

  private enqueue(plan: () => CatalogCommand[], what: string): void {
    this.queue = this.queue.then(async () => {
      if (!this.deps.isLeader()) return;
      try {
        // Planned when its turn comes, against the catalog as the previous work left it.
        for (const command of plan()) await this.deps.log.propose(command);
      } catch (err) {
        this.deps.logger.warn({ member: what, err: errorMessage(err) }, 'reconcile failed');
      }
    });
  }
}
