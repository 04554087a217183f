import type { Random } from '../../shared/random.js';
import { shuffled } from '../../shared/random.js';
import { isAlive, type ServerMember } from '../server/server-members.js';

/**
 * A client agent's servers, learned only from gossip (role=consul members of its datacenter),
 * in a shuffled order so clients spread over servers. The first is the one in use; a failure
 * moves it to the back; `rebalance` reshuffles (Consul does so every few minutes, so load
 * evens out after servers come and go).
 */
export class ServerList {
  private order: string[] = [];

  constructor(
    private readonly servers: () => readonly ServerMember[],
    private readonly random: Random,
  ) {}

  /** The server to talk to now, or undefined when gossip knows no live server. */
  current(): string | undefined {
    this.refresh();
    return this.order[0];
  }

  /** Every live server, current first (for failover loops). */
  all(): string[] {
    this.refresh();
    return [...this.order];
  }

  /** `address` failed: try the others first from now on. */
  failed(address: string): void {
    const i = this.order.indexOf(address);
    if (i < 0) return;
    this.order.splice(i, 1);
    this.order.push(address);
  }

  rebalance(): void {
    this.order = shuffled(this.liveAddresses(), this.random);
  }

  /** Keep the order, drop servers that died, append new ones at random places. */
  private refresh(): void {
    const live = this.liveAddresses();
    const liveSet = new Set(live);
    const kept = this.order.filter((a) => liveSet.has(a));
    for (const address of shuffled(live.filter((a) => !kept.includes(a)), this.random)) {
      kept.splice(this.random.int(kept.length + 1), 0, address);
    }
    this.order = kept;
  }

  private liveAddresses(): string[] {
    return this.servers().filter(isAlive).map((s) => s.address);
  }
}
