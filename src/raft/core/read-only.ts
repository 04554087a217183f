/**
 * ReadIndex bookkeeping (etcd's read_only.go, ReadOnlySafe). A round records the commit index
 * when it starts and the voters that acknowledged a heartbeat carrying its context; once a quorum
 * has, leadership at that moment is proven and every request of this round and of earlier rounds
 * (a later ack implies the earlier heartbeats' term was still ours) can be answered.
 */
import type { ReadState, ServerId } from './types.js';

interface Round {
  readonly context: string;
  readonly index: number;
  readonly ids: readonly string[];
  readonly acks: Set<ServerId>;
}

export class ReadOnly {
  private rounds: Round[] = [];
  private readonly byContext = new Map<string, Round>();

  get pending(): number {
    return this.rounds.length;
  }

  /** The newest round's context, sent with every heartbeat so one lost heartbeat is not fatal. */
  lastContext(): string {
    return this.rounds[this.rounds.length - 1]?.context ?? '';
  }

  add(context: string, index: number, ids: readonly string[]): void {
    const round: Round = { context, index, ids, acks: new Set() };
    this.rounds.push(round);
    this.byContext.set(context, round);
  }

  /** Record `from`'s ack; returns everyone who acknowledged the round (undefined if unknown). */
  ack(context: string, from: ServerId): ReadonlySet<ServerId> | undefined {
    const round = this.byContext.get(context);
    round?.acks.add(from);
    return round?.acks;
  }

  /** The round `context` reached quorum: answer it and every round before it. */
  release(context: string): ReadState[] {
    const at = this.rounds.findIndex((r) => r.context === context);
    if (at < 0) return [];
    const done = this.rounds.splice(0, at + 1);
    const out: ReadState[] = [];
    for (const r of done) {
      this.byContext.delete(r.context);
      for (const id of r.ids) out.push({ id, index: r.index });
    }
    return out;
  }

  /** Leadership lost: hand back every waiting request ID. */
  drain(): string[] {
    const ids = this.rounds.flatMap((r) => r.ids);
    this.rounds = [];
    this.byContext.clear();
    return ids;
  }
}
