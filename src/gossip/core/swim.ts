/**
 * The SWIM + Lifeguard state machine (after hashicorp/memberlist), as a pure core: it is driven
 * by tick/receive/receiveStream calls carrying `now`, draws randomness from an injected Random,
 * and reports what to do as effects. No I/O, no clock, no timers.
 *
 * This class is the public face; the work is split by concern:
 *   member-table.ts   the member map (with the earliest reap time kept, not searched)
 *   membership.ts     SWIM state rules: alive / suspect / dead, refutation, suspicion expiry, reaping
 *   suspicions.ts     Lifeguard suspicion timers, sized as memberlist's
 *   probing.ts        probes, indirect probes, relays, local health
 *   push-pull.ts      full-state sync: join, periodic, reconnect to the dead
 *   dissemination.ts  effects, piggybacked broadcasts, the gossip tick
 */
import type { Random } from '../../shared/random.js';
import { Awareness } from './awareness.js';
import type { SwimConfig } from './config.js';
import { Dissemination } from './dissemination.js';
import type { SwimEffect } from './effects.js';
import { MemberTable } from './member-table.js';
import { Membership } from './membership.js';
import {
  META_MAX_SIZE, MAX_USER_MESSAGE_BYTES, MAX_ACK_PAYLOAD_BYTES, metaSize, GossipMessageError,
  type PacketMessage, type PushPullReplyMsg, type StreamMessage,
} from './messages.js';
import { Prober } from './probing.js';
import { StateSync } from './push-pull.js';
import { Suspicions } from './suspicions.js';
import { cloneMember, type Member, type Meta } from './types.js';

export interface SwimOptions {
  name: string;
  addr: string;
  meta?: Meta;
  /** Starting incarnation; a restarted node may pass what it persisted. Default 1. */
  incarnation?: number;
  config: SwimConfig;
  random: Random;
  now: number;
}

export class Swim {
  readonly name: string;
  readonly addr: string;
  private readonly members: MemberTable;
  private readonly awareness: Awareness;
  private readonly out: Dissemination;
  private readonly membership: Membership;
  private readonly prober: Prober;
  private readonly sync: StateSync;
  private readonly config: SwimConfig;
  private stalls = 0;

  constructor(opts: SwimOptions) {
    this.name = opts.name;
    this.addr = opts.addr;
    const c = opts.config;
    this.config = c;
    const random = opts.random;
    const meta = { ...(opts.meta ?? {}) };
    checkMeta(meta);
    this.members = new MemberTable(this.name, c);
    this.members.add({ name: this.name, addr: this.addr, incarnation: opts.incarnation ?? 1, state: 'alive', stateChangeAt: opts.now, meta });
    this.awareness = new Awareness(c.awarenessMaxMultiplier);
    // Stagger the periodic work so a cluster started at once does not probe in lock-step.
    const probeAt = opts.now + random.int(c.probeInterval);
    // gossipInterval 0 disables the dedicated gossip tick (broadcasts still ride on probes/acks).
    const gossipAt = c.gossipInterval > 0 ? opts.now + random.int(c.gossipInterval) : Infinity;
    const pushPullAt = opts.now + random.int(Math.max(1, c.pushPullInterval));
    const reconnectAt = opts.now + c.reconnectInterval + random.int(Math.max(1, c.reconnectInterval));
    this.out = new Dissemination(c, random, this.members, gossipAt);
    this.membership = new Membership(c, this.members, new Suspicions(c), this.awareness, this.out, (name) => this.prober.addToProbeList(name), opts.now);
    this.prober = new Prober(c, random, this.members, this.awareness, this.out, this.membership, probeAt);
    this.sync = new StateSync(c, random, this.members, this.membership, this.out, pushPullAt, reconnectAt);
  }

  // ---- queries ------------------------------------------------------------------------------

  local(): Member {
    return cloneMember(this.members.self());
  }

  member(name: string): Member | undefined {
    const m = this.members.get(name);
    return m && cloneMember(m);
  }

  /** Every known member, the local node included, dead and left ones too. */
  allMembers(): Member[] {
    return [...this.members.values()].map(cloneMember);
  }

  /** Lifeguard health score, 0 (healthy) .. awarenessMaxMultiplier-1. */
  healthScore(): number {
    return this.awareness.score();
  }

  hasLeft(): boolean {
    return this.members.self().state === 'left';
  }

  /** Earliest `now` at which tick() has work to do. O(1): each part keeps its own earliest time. */
  nextDeadline(): number {
    return Math.min(
      this.out.deadline(),
      this.prober.deadline(),
      this.sync.deadline(),
      this.membership.suspicions.deadline(),
      this.membership.reapDeadline(),
    );
  }

  drainEffects(): SwimEffect[] {
    return this.out.drainEffects();
  }

  /** User messages received since the last drain, oldest first (for serf; opaque here). */
  drainUserMessages(): { from: string; body: Uint8Array }[] {
    return this.out.drainUserMessages();
  }

  // ---- inputs -------------------------------------------------------------------------------

  /** Do whatever is due at `now`: expire suspicions and relays, reap, advance the probe, gossip, push-pull. */
  tick(now: number): void {
    this.checkStall(now);
    this.membership.expireSuspicions(now);
    this.prober.expireRelays(now);
    this.membership.reap(now);
    if (!this.membership.leaving) this.prober.advance(now);
    this.out.tick(now);
    if (this.membership.leaving) return;
    this.sync.tick(now);
  }

  /** One message out of a (compound) packet from `fromAddr`. Already validated by parseMessage. */
  receive(fromAddr: string, msg: PacketMessage, now: number): void {
    this.checkStall(now);
    switch (msg.type) {
      case 'ping':
        this.prober.onPing(fromAddr, msg);
        return;
      case 'indirect-ping':
        this.prober.onIndirectPing(fromAddr, msg, now);
        return;
      case 'ack':
        this.prober.onAck(msg, now);
        return;
      case 'nack':
        this.prober.onNack(msg);
        return;
      case 'alive':
        this.membership.alive(msg, now);
        return;
      case 'suspect':
        this.membership.suspect(msg, now);
        return;
      case 'dead':
        this.membership.dead(msg, now);
        return;
      case 'user':
        this.out.receiveUser(fromAddr, msg.body);
        return;
    }
  }

  /**
   * A push-pull stream message. For a request, merges and returns the reply to send back; for a
   * reply (to our own request), merges and returns null.
   */
  receiveStream(_fromAddr: string, msg: StreamMessage, now: number): PushPullReplyMsg | null {
    this.checkStall(now);
    return this.sync.receive(msg, now);
  }

  /** Start joining through the given seed addresses (push-pull with each). */
  join(addrs: readonly string[], _now: number): void {
    this.sync.join(addrs);
  }

  /** Graceful leave: announce `dead` from ourselves (→ left). Keep ticking a while so it spreads. */
  leave(now: number): void {
    if (this.membership.leaving) return;
    this.membership.leaving = true;
    this.prober.stop();
    const me = this.members.self();
    this.membership.dead({ type: 'dead', name: this.name, incarnation: me.incarnation, from: this.name }, now);
  }

  /**
   * Operator force-leave (Consul's `force-leave`): a failed member is marked left and the news
   * spreads as its leave would. Only failed members: an alive one would refute it anyway.
   */
  forceLeave(name: string, now: number): boolean {
    const m = this.members.get(name);
    if (!m || name === this.name || m.state !== 'dead') return false;
    this.membership.dead({ type: 'dead', name, incarnation: m.incarnation, from: name }, now);
    return true;
  }

  /**
   * Spread an opaque message for the layer above by piggyback, retransmitted like membership
   * news (mult·log(n+1) times). The caller deduplicates: each call is a separate broadcast.
   */
  broadcastUser(body: Uint8Array, _now: number): void {
    if (body.length > MAX_USER_MESSAGE_BYTES) throw new GossipMessageError(`user message exceeds ${MAX_USER_MESSAGE_BYTES} bytes`);
    this.out.broadcast(undefined, { type: 'user', body: new Uint8Array(body) });
  }

  /** How many times this node found itself stalled (see checkStall). */
  stallCount(): number {
    return this.stalls;
  }

  /**
   * Lifeguard-style self-awareness of a stall. An input arriving a probe interval or more after
   * the deadline we gave the driver means this process did not run (SIGSTOP, swap, a blocked
   * event loop): packets meant for us were lost or are stale, so we may have missed accusations
   * against us and refutations by others. Then, at once:
   *  - raise our health score (we are the slow one: probe less eagerly for a while);
   *  - push-pull with a random live member, so an accusation of us is refuted as soon as the reply
   *    arrives and suspicions others have since cleared are cleared here too;
   *  - give suspicions whose timers ran out during the stall a probe interval more, for that reply
   *    (or any refutation) to arrive, instead of declaring members dead on news we slept through.
   */
  private checkStall(now: number): void {
    if (this.membership.leaving) return;
    const c = this.config;
    if (now - this.nextDeadline() < c.probeInterval) return;
    this.stalls++;
    this.awareness.applyDelta(1);
    this.membership.suspicions.postponeExpired(now, now + c.probeInterval);
    this.sync.withRandomPeer('alive');
  }

  /**
   * Bytes to put in every ack we send from now on (serf: our network coordinate), or undefined
   * for none. Peers get them back in their `ping-complete` effect.
   */
  setAckPayload(payload: Uint8Array | undefined): void {
    if (payload && payload.length > MAX_ACK_PAYLOAD_BYTES) throw new GossipMessageError(`ack payload exceeds ${MAX_ACK_PAYLOAD_BYTES} bytes`);
    this.prober.ackPayload = payload && new Uint8Array(payload);
  }

  /** Replace our tags; a new incarnation makes the change win everywhere. */
  setMeta(meta: Meta, _now: number): void {
    const copy = { ...meta };
    checkMeta(copy);
    const me = this.members.self();
    me.meta = copy;
    me.incarnation++;
    this.out.broadcastSelf();
  }
}

function checkMeta(meta: Meta): void {
  for (const v of Object.values(meta)) {
    if (typeof v !== 'string') throw new GossipMessageError('meta values must be strings');
  }
  if (metaSize(meta) > META_MAX_SIZE) throw new GossipMessageError(`meta exceeds ${META_MAX_SIZE} bytes`);
}
