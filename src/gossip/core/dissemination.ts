/**
 * Everything a Swim tells the world: the effects list its driver drains, the transmit-limited
 * broadcast queue (piggybacked on every packet, and sent on the gossip tick to a few random
 * members), and the inbox of user messages for the layer above.
 */
import type { Random } from '../../shared/random.js';
import { BroadcastQueue } from './broadcast-queue.js';
import type { SwimConfig } from './config.js';
import type { MemberEventKind, SwimEffect } from './effects.js';
import type { MemberTable } from './member-table.js';
import { estimateSize, type PacketMessage } from './messages.js';
import { pickK } from './random-pick.js';
import { retransmitLimit } from './scaling.js';
import { cloneMember, type Member } from './types.js';

/** Framing bytes per message inside a compound packet (type tag + length). */
const COMPOUND_OVERHEAD = 3;

export class Dissemination {
  private effects: SwimEffect[] = [];
  private userInbox: { from: string; body: Uint8Array }[] = [];
  private readonly queue: BroadcastQueue;

  constructor(
    private readonly config: SwimConfig,
    private readonly random: Random,
    private readonly members: MemberTable,
    private nextGossipAt: number,
  ) {
    this.queue = new BroadcastQueue(config.maxBroadcastQueue);
  }

  /** When the gossip tick is next due (Infinity when disabled). */
  deadline(): number {
    return this.nextGossipAt;
  }

  tick(now: number): void {
    if (this.config.gossipInterval > 0 && now >= this.nextGossipAt) {
      this.nextGossipAt = now + this.config.gossipInterval;
      this.gossip(now);
    }
  }

  /** Queue news about `key` (undefined: never superseded), replacing older news about it. */
  broadcast(key: string | undefined, message: PacketMessage): void {
    this.queue.enqueue(key, message);
  }

  /** Queue our own current alive message (a refutation, new tags, or a re-send of either). */
  broadcastSelf(): void {
    const me = this.members.self();
    this.queue.enqueue(me.name, { type: 'alive', name: me.name, addr: me.addr, incarnation: me.incarnation, meta: { ...me.meta } });
  }

  /** Send `primary` to `to`, filling the rest of the packet with pending broadcasts. */
  send(to: string, primary: PacketMessage[]): void {
    let used = 0;
    for (const m of primary) used += estimateSize(m) + COMPOUND_OVERHEAD;
    const extra = this.take(this.config.udpBufferSize - used);
    this.effects.push({ kind: 'send', to, messages: [...primary, ...extra] });
  }

  effect(e: SwimEffect): void {
    this.effects.push(e);
  }

  /** A member event about another member (never the local node). */
  emit(kind: MemberEventKind, m: Member): void {
    if (m.name === this.members.selfName) return;
    this.effects.push({ kind, member: cloneMember(m) });
  }

  drainEffects(): SwimEffect[] {
    const out = this.effects;
    this.effects = [];
    return out;
  }

  receiveUser(from: string, body: Uint8Array): void {
    // Bounded like the broadcast queue: a driver that never drains loses the oldest.
    if (this.userInbox.length >= this.config.maxBroadcastQueue) this.userInbox.shift();
    this.userInbox.push({ from, body });
  }

  drainUserMessages(): { from: string; body: Uint8Array }[] {
    const out = this.userInbox;
    this.userInbox = [];
    return out;
  }

  /** Pending broadcasts to a few random members: the live, and the recently dead (so they can refute). */
  private gossip(now: number): void {
    if (this.queue.length === 0) return;
    const window = this.config.gossipToTheDeadTime;
    const candidates: Member[] = [];
    for (const m of this.members.values()) {
      if (m.name === this.members.selfName) continue;
      if (m.state === 'alive' || m.state === 'suspect' || now - m.stateChangeAt < window) candidates.push(m);
    }
    for (const peer of pickK(candidates, this.config.gossipNodes, this.random)) {
      const msgs = this.take(this.config.udpBufferSize);
      if (msgs.length === 0) return;
      this.effects.push({ kind: 'send', to: peer.addr, messages: msgs });
    }
  }

  private take(budget: number): PacketMessage[] {
    const limit = retransmitLimit(this.config.retransmitMult, this.members.size);
    return this.queue.take(COMPOUND_OVERHEAD, budget, limit);
  }
}
