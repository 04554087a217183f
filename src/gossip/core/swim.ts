/**
 * The SWIM + Lifeguard state machine (after hashicorp/memberlist state.go), as a pure core: it is
 * driven by tick/receive/receiveStream calls carrying `now`, draws randomness from an injected
 * Random, and reports what to do as effects. No I/O, no clock, no timers.
 */
import type { Random } from '../../shared/random.js';
import { Awareness } from './awareness.js';
import { BroadcastQueue } from './broadcast-queue.js';
import type { SwimConfig } from './config.js';
import type { MemberEventKind, SwimEffect } from './effects.js';
import {
  estimateSize, META_MAX_SIZE, MAX_USER_MESSAGE_BYTES, metaSize, GossipMessageError,
  type AliveMsg, type DeadMsg, type PacketMessage, type PushPullMsg, type PushPullReplyMsg,
  type PushPullState, type StreamMessage, type SuspectMsg,
} from './messages.js';
import { pickK, shuffleInPlace } from './random-pick.js';
import { membersToReap, nextReapable } from './reaper.js';
import {
  pushPullScale, retransmitLimit, suspicionConfirmationsWanted, suspicionMinTimeout,
} from './scaling.js';
import { Suspicion } from './suspicion.js';
import { cloneMember, sameMeta, type Member, type Meta } from './types.js';

/** Framing bytes per message inside a compound packet (type tag + length). */
const COMPOUND_OVERHEAD = 3;
/** Cap on in-flight indirect probes we relay, so a flood of requests can't grow memory. */
const MAX_RELAYS = 1024;

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

interface Probe {
  seqNo: number;
  target: string;
  ackDeadline: number;
  endAt: number;
  indirectSent: boolean;
  expectedNacks: number;
  nacks: number;
}

interface Relay {
  requesterAddr: string;
  origSeqNo: number;
  nackAt: number;
}

export class Swim {
  readonly name: string;
  readonly addr: string;
  private readonly config: SwimConfig;
  private readonly random: Random;
  private readonly members = new Map<string, Member>();
  private readonly suspicions = new Map<string, Suspicion>();
  private readonly relays = new Map<number, Relay>();
  private readonly awareness: Awareness;
  private readonly broadcasts: BroadcastQueue;
  private effects: SwimEffect[] = [];
  private userInbox: { from: string; body: Uint8Array }[] = [];

  private probeList: string[] = [];
  private probeIndex = 0;
  private probe: Probe | undefined;
  private nextSeqNo = 1;
  private leaving = false;

  private nextProbeAt: number;
  private nextGossipAt: number;
  private nextPushPullAt: number;
  private nextReconnectAt: number;
  private nextReapAt: number;

  constructor(opts: SwimOptions) {
    this.name = opts.name;
    this.addr = opts.addr;
    this.config = opts.config;
    this.random = opts.random;
    this.awareness = new Awareness(opts.config.awarenessMaxMultiplier);
    this.broadcasts = new BroadcastQueue(opts.config.maxBroadcastQueue);
    const meta = { ...(opts.meta ?? {}) };
    checkMeta(meta);
    this.members.set(this.name, {
      name: this.name, addr: this.addr, incarnation: opts.incarnation ?? 1, state: 'alive', stateChangeAt: opts.now, meta,
    });
    // Stagger the periodic work so a cluster started at once does not probe in lock-step.
    const c = this.config;
    this.nextProbeAt = opts.now + this.random.int(c.probeInterval);
    // gossipInterval 0 disables the dedicated gossip tick (broadcasts still ride on probes/acks).
    this.nextGossipAt = c.gossipInterval > 0 ? opts.now + this.random.int(c.gossipInterval) : Infinity;
    this.nextPushPullAt = opts.now + this.random.int(Math.max(1, c.pushPullInterval));
    this.nextReconnectAt = opts.now + c.reconnectInterval + this.random.int(Math.max(1, c.reconnectInterval));
    this.nextReapAt = opts.now;
  }

  // ---- queries ------------------------------------------------------------------------------

  local(): Member {
    return cloneMember(this.self());
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
    return this.self().state === 'left';
  }

  /** Earliest `now` at which tick() has work to do. */
  nextDeadline(): number {
    let t = this.nextGossipAt;
    if (!this.leaving) {
      t = Math.min(t, this.nextProbeAt);
      if (this.config.pushPullInterval > 0) t = Math.min(t, this.nextPushPullAt);
      if (this.config.reconnectInterval > 0) t = Math.min(t, this.nextReconnectAt);
    }
    if (this.probe) {
      t = Math.min(t, this.probe.endAt);
      if (!this.probe.indirectSent) t = Math.min(t, this.probe.ackDeadline);
    }
    for (const r of this.relays.values()) t = Math.min(t, r.nackAt);
    for (const s of this.suspicions.values()) t = Math.min(t, s.deadline());
    // Reaping is due strictly after a timeout passes, and no sooner than the next reap check.
    const reapable = nextReapable(this.members.values(), this.name, this.config);
    if (reapable < Infinity) t = Math.min(t, Math.max(this.nextReapAt, reapable + 1));
    return t;
  }

  drainEffects(): SwimEffect[] {
    const out = this.effects;
    this.effects = [];
    return out;
  }

  /** User messages received since the last drain, oldest first (for serf; opaque here). */
  drainUserMessages(): { from: string; body: Uint8Array }[] {
    const out = this.userInbox;
    this.userInbox = [];
    return out;
  }

  // ---- inputs -------------------------------------------------------------------------------

  /** Do whatever is due at `now`: expire suspicions and relays, reap, advance the probe, gossip, push-pull. */
  tick(now: number): void {
    this.expireSuspicions(now);
    this.expireRelays(now);
    this.reap(now);
    if (!this.leaving) this.advanceProbe(now);
    if (this.config.gossipInterval > 0 && now >= this.nextGossipAt) {
      this.nextGossipAt = now + this.config.gossipInterval;
      this.gossip(now);
    }
    if (this.leaving) return;
    if (this.config.pushPullInterval > 0 && now >= this.nextPushPullAt) {
      this.nextPushPullAt = now + pushPullScale(this.config.pushPullInterval, this.members.size);
      const peer = pickK(this.othersIn(['alive']), 1, this.random)[0];
      if (peer) this.pushPullTo(peer.addr, false);
    }
    if (this.config.reconnectInterval > 0 && now >= this.nextReconnectAt) {
      this.nextReconnectAt = now + this.config.reconnectInterval;
      const peer = pickK(this.othersIn(['dead']), 1, this.random)[0];
      if (peer) this.pushPullTo(peer.addr, false);
    }
  }

  /** One message out of a (compound) packet from `fromAddr`. Already validated by parseMessage. */
  receive(fromAddr: string, msg: PacketMessage, now: number): void {
    switch (msg.type) {
      case 'ping':
        // A ping for another name reached the wrong node (address reuse); stay silent.
        if (msg.target === this.name) this.send(fromAddr, [{ type: 'ack', seqNo: msg.seqNo }]);
        return;
      case 'indirect-ping': {
        if (this.relays.size >= MAX_RELAYS) return;
        const seqNo = this.nextSeqNo++;
        this.relays.set(seqNo, { requesterAddr: fromAddr, origSeqNo: msg.seqNo, nackAt: now + this.config.probeTimeout });
        this.send(msg.targetAddr, [{ type: 'ping', seqNo, target: msg.target }]);
        return;
      }
      case 'ack': {
        const relay = this.relays.get(msg.seqNo);
        if (relay) {
          this.relays.delete(msg.seqNo);
          this.send(relay.requesterAddr, [{ type: 'ack', seqNo: relay.origSeqNo }]);
          return;
        }
        const p = this.probe;
        if (p && p.seqNo === msg.seqNo) {
          // Only a timely direct ack says we are healthy; a rescued probe is neutral.
          if (!p.indirectSent && now <= p.ackDeadline) this.awareness.applyDelta(-1);
          this.probe = undefined;
        }
        return;
      }
      case 'nack':
        if (this.probe && this.probe.seqNo === msg.seqNo && this.probe.nacks < this.probe.expectedNacks) this.probe.nacks++;
        return;
      case 'alive':
        this.aliveNode(msg, now);
        return;
      case 'suspect':
        this.suspectNode(msg, now);
        return;
      case 'dead':
        this.deadNode(msg, now);
        return;
      case 'user':
        // Bounded like the broadcast queue: a driver that never drains loses the oldest.
        if (this.userInbox.length >= this.config.maxBroadcastQueue) this.userInbox.shift();
        this.userInbox.push({ from: fromAddr, body: msg.body });
        return;
    }
  }

  /**
   * A push-pull stream message. For a request, merges and returns the reply to send back; for a
   * reply (to our own request), merges and returns null.
   */
  receiveStream(_fromAddr: string, msg: StreamMessage, now: number): PushPullReplyMsg | null {
    this.mergeState(msg.states, now);
    if (msg.type === 'push-pull-reply') return null;
    // Merge first so the reply carries any refutation we just made.
    return { type: 'push-pull-reply', states: this.localStates() };
  }

  /** Start joining through the given seed addresses (push-pull with each). */
  join(addrs: readonly string[], _now: number): void {
    for (const a of addrs) if (a !== this.addr) this.pushPullTo(a, true);
  }

  /** Graceful leave: announce `dead` from ourselves (→ left). Keep ticking a while so it spreads. */
  leave(now: number): void {
    if (this.leaving) return;
    this.leaving = true;
    this.probe = undefined;
    const me = this.self();
    this.deadNode({ type: 'dead', name: this.name, incarnation: me.incarnation, from: this.name }, now);
  }

  /**
   * Operator force-leave (Consul's `force-leave`): a failed member is marked left and the news
   * spreads as its leave would. Only failed members: an alive one would refute it anyway.
   */
  forceLeave(name: string, now: number): boolean {
    const m = this.members.get(name);
    if (!m || name === this.name || m.state !== 'dead') return false;
    this.deadNode({ type: 'dead', name, incarnation: m.incarnation, from: name }, now);
    return true;
  }

  /**
   * Spread an opaque message for the layer above by piggyback, retransmitted like membership
   * news (mult·log(n+1) times). The caller deduplicates: each call is a separate broadcast.
   */
  broadcastUser(body: Uint8Array, _now: number): void {
    if (body.length > MAX_USER_MESSAGE_BYTES) throw new GossipMessageError(`user message exceeds ${MAX_USER_MESSAGE_BYTES} bytes`);
    this.broadcasts.enqueue(undefined, { type: 'user', body: new Uint8Array(body) });
  }

  /** Replace our tags; a new incarnation makes the change win everywhere. */
  setMeta(meta: Meta, _now: number): void {
    const copy = { ...meta };
    checkMeta(copy);
    const me = this.self();
    me.meta = copy;
    me.incarnation++;
    this.broadcastAlive();
  }

  // ---- probing ------------------------------------------------------------------------------

  private advanceProbe(now: number): void {
    const p = this.probe;
    if (p && !p.indirectSent && now >= p.ackDeadline) {
      this.sendIndirect(p);
      // A late tick (this process was paused) must still give the indirect probes their full
      // window; otherwise the target is suspected for our own stall, not its.
      const window = p.endAt - p.ackDeadline;
      if (now + window > p.endAt) {
        p.endAt = now + window;
        this.nextProbeAt = Math.max(this.nextProbeAt, p.endAt);
      }
    }
    if (p && now >= p.endAt) {
      this.probe = undefined;
      // Missing nacks mean *our* network is the likelier culprit (Lifeguard).
      this.awareness.applyDelta(p.expectedNacks > 0 ? p.expectedNacks - p.nacks : 1);
      const m = this.members.get(p.target);
      if (m && (m.state === 'alive' || m.state === 'suspect')) {
        this.suspectNode({ type: 'suspect', name: m.name, incarnation: m.incarnation, from: this.name }, now);
      }
    }
    if (!this.probe && now >= this.nextProbeAt) this.startProbe(now);
  }

  private startProbe(now: number): void {
    const target = this.nextProbeTarget();
    if (!target) {
      this.nextProbeAt = now + this.config.probeInterval;
      return;
    }
    const seqNo = this.nextSeqNo++;
    const msgs: PacketMessage[] = [];
    // Tell a suspect it is suspected, so a node that missed the gossip can still refute. The
    // suspicion goes first so the refutation is already queued when the ack is built and rides on it.
    if (target.state === 'suspect') {
      msgs.push({ type: 'suspect', name: target.name, incarnation: target.incarnation, from: this.name });
    }
    msgs.push({ type: 'ping', seqNo, target: target.name });
    this.send(target.addr, msgs);
    const endAt = now + this.awareness.scale(this.config.probeInterval);
    this.probe = {
      seqNo, target: target.name, endAt, indirectSent: false, expectedNacks: 0, nacks: 0,
      ackDeadline: Math.min(endAt, now + this.awareness.scale(this.config.probeTimeout)),
    };
    this.nextProbeAt = endAt;
  }

  private sendIndirect(p: Probe): void {
    p.indirectSent = true;
    const target = this.members.get(p.target);
    if (!target) return;
    const helpers = pickK(this.othersIn(['alive']).filter((m) => m.name !== p.target), this.config.indirectChecks, this.random);
    p.expectedNacks = helpers.length;
    for (const h of helpers) {
      this.send(h.addr, [{ type: 'indirect-ping', seqNo: p.seqNo, target: target.name, targetAddr: target.addr }]);
    }
    // A stream ping in parallel catches targets behind UDP-only loss or filtering.
    if (!this.config.disableTcpPings) {
      this.effects.push({ kind: 'tcp-ping', to: target.addr, seqNo: p.seqNo, target: target.name });
    }
  }

  /** Round-robin over a shuffled list; reshuffle (dropping the dead) after each full pass. */
  private nextProbeTarget(): Member | undefined {
    for (let attempts = 0; attempts <= this.probeList.length + 1; attempts++) {
      if (this.probeIndex >= this.probeList.length) {
        this.probeList = shuffleInPlace(this.othersIn(['alive', 'suspect']).map((m) => m.name), this.random);
        this.probeIndex = 0;
        if (this.probeList.length === 0) return undefined;
      }
      const m = this.members.get(this.probeList[this.probeIndex++]!);
      if (m && (m.state === 'alive' || m.state === 'suspect')) return m;
    }
    return undefined;
  }

  private addToProbeList(name: string): void {
    // Random position, so a newcomer is not always probed last (memberlist does the same).
    const at = this.random.int(this.probeList.length + 1);
    this.probeList.splice(at, 0, name);
    if (at < this.probeIndex) this.probeIndex++;
  }

  private expireRelays(now: number): void {
    for (const [seqNo, r] of this.relays) {
      if (now < r.nackAt) continue;
      this.relays.delete(seqNo);
      this.send(r.requesterAddr, [{ type: 'nack', seqNo: r.origSeqNo }]);
    }
  }

  private expireSuspicions(now: number): void {
    for (const [name, s] of this.suspicions) {
      if (now < s.deadline()) continue;
      this.suspicions.delete(name);
      const m = this.members.get(name);
      if (m && m.state === 'suspect') this.deadNode({ type: 'dead', name, incarnation: m.incarnation, from: this.name }, now);
    }
  }

  /**
   * Forget members dead past reconnectTimeout or left past tombstoneTimeout (serf's reaper). A
   * reaped name is unknown again: later news of it being alive is a fresh join.
   */
  private reap(now: number): void {
    if (now < this.nextReapAt) return;
    this.nextReapAt = now + this.config.reapInterval;
    for (const name of membersToReap(this.members.values(), this.name, now, this.config)) {
      const m = this.members.get(name)!;
      this.members.delete(name);
      this.suspicions.delete(name);
      this.emit('member-reap', m);
    }
  }

  // ---- dissemination ------------------------------------------------------------------------

  private gossip(now: number): void {
    if (this.broadcasts.length === 0) return;
    const window = this.config.gossipToTheDeadTime;
    const candidates = [...this.members.values()].filter((m) => {
      if (m.name === this.name) return false;
      if (m.state === 'alive' || m.state === 'suspect') return true;
      return now - m.stateChangeAt < window;
    });
    for (const peer of pickK(candidates, this.config.gossipNodes, this.random)) {
      const msgs = this.takeBroadcasts(this.config.udpBufferSize);
      if (msgs.length === 0) return;
      this.effects.push({ kind: 'send', to: peer.addr, messages: msgs });
    }
  }

  /** Send `primary` to `to`, filling the rest of the packet with pending broadcasts. */
  private send(to: string, primary: PacketMessage[]): void {
    let used = 0;
    for (const m of primary) used += estimateSize(m) + COMPOUND_OVERHEAD;
    const extra = this.takeBroadcasts(this.config.udpBufferSize - used);
    this.effects.push({ kind: 'send', to, messages: [...primary, ...extra] });
  }

  private takeBroadcasts(budget: number): PacketMessage[] {
    const limit = retransmitLimit(this.config.retransmitMult, this.members.size);
    return this.broadcasts.take(COMPOUND_OVERHEAD, budget, limit);
  }

  private pushPullTo(addr: string, join: boolean): void {
    const message: PushPullMsg = { type: 'push-pull', join, states: this.localStates() };
    this.effects.push({ kind: 'push-pull', to: addr, message });
  }

  private localStates(): PushPullState[] {
    return [...this.members.values()].map((m) => ({
      name: m.name, addr: m.addr, incarnation: m.incarnation, state: m.state, meta: { ...m.meta },
    }));
  }

  private broadcastAlive(): void {
    const me = this.self();
    this.broadcasts.enqueue(me.name, { type: 'alive', name: me.name, addr: me.addr, incarnation: me.incarnation, meta: { ...me.meta } });
  }

  // ---- state transitions (SWIM precedence) --------------------------------------------------

  private mergeState(states: readonly PushPullState[], now: number): void {
    for (const s of states) {
      switch (s.state) {
        case 'alive':
          this.aliveNode({ type: 'alive', name: s.name, addr: s.addr, incarnation: s.incarnation, meta: s.meta }, now);
          break;
        // A remote's "dead" becomes our suspicion: we give the node a chance to refute rather
        // than trusting one peer's verdict.
        case 'suspect':
        case 'dead':
          this.suspectNode({ type: 'suspect', name: s.name, incarnation: s.incarnation, from: this.name }, now);
          break;
        case 'left':
          this.deadNode({ type: 'dead', name: s.name, incarnation: s.incarnation, from: s.name }, now);
          break;
      }
    }
  }

  private aliveNode(a: AliveMsg, now: number): void {
    if (a.name === this.name) {
      if (this.leaving) return;
      const me = this.self();
      if (a.incarnation < me.incarnation) return;
      if (a.incarnation === me.incarnation && a.addr === me.addr && sameMeta(a.meta, me.meta)) return;
      // Someone speaks for us with newer or different facts (e.g. our previous life): override.
      this.refute(a.incarnation);
      return;
    }
    const m = this.members.get(a.name);
    if (!m) {
      const fresh: Member = { name: a.name, addr: a.addr, incarnation: a.incarnation, state: 'alive', stateChangeAt: now, meta: { ...a.meta } };
      this.members.set(a.name, fresh);
      this.addToProbeList(a.name);
      this.emit('member-join', fresh);
      this.broadcasts.enqueue(a.name, a);
      return;
    }
    if (a.incarnation <= m.incarnation) return;
    const wasDown = m.state === 'dead' || m.state === 'left';
    const changed = m.addr !== a.addr || !sameMeta(m.meta, a.meta);
    this.suspicions.delete(a.name);
    m.incarnation = a.incarnation;
    m.addr = a.addr;
    m.meta = { ...a.meta };
    if (m.state !== 'alive') {
      m.state = 'alive';
      m.stateChangeAt = now;
    }
    if (wasDown) {
      // A reclaimed name: it rejoins the probe rotation and the cluster hears it came back.
      this.addToProbeList(a.name);
      this.emit('member-join', m);
    } else if (changed) {
      this.emit('member-update', m);
    }
    this.broadcasts.enqueue(a.name, a);
  }

  private suspectNode(s: SuspectMsg, now: number): void {
    const m = this.members.get(s.name);
    if (!m) return;
    if (s.incarnation < m.incarnation) {
      if (s.name === this.name) this.resendStaleRefutation();
      return;
    }
    const existing = this.suspicions.get(s.name);
    if (existing) {
      // An independent accuser shortens the timer; re-gossip so others count it too.
      if (existing.confirm(s.from)) this.broadcasts.enqueue(s.name, s);
      return;
    }
    if (m.state !== 'alive') return;
    if (s.name === this.name) {
      if (!this.leaving) this.refute(s.incarnation);
      return;
    }
    m.incarnation = s.incarnation;
    m.state = 'suspect';
    m.stateChangeAt = now;
    this.broadcasts.enqueue(s.name, s);
    const c = this.config;
    const n = this.members.size;
    const min = suspicionMinTimeout(c.suspicionMult, n, c.probeInterval);
    const k = suspicionConfirmationsWanted(c.suspicionMult, n);
    this.suspicions.set(s.name, new Suspicion(s.from, now, k, min, c.suspicionMaxTimeoutMult * min));
  }

  private deadNode(d: DeadMsg, now: number): void {
    const m = this.members.get(d.name);
    if (!m) return;
    if (d.incarnation < m.incarnation) {
      if (d.name === this.name) this.resendStaleRefutation();
      return;
    }
    this.suspicions.delete(d.name);
    // A leave (from === name) still turns a failed member into a left one: that is how a
    // force-leave spreads. Any other news about a dead or left member is old news.
    if (m.state === 'left' || (m.state === 'dead' && d.from !== d.name)) return;
    if (d.name === this.name && !this.leaving) {
      this.refute(d.incarnation);
      return;
    }
    m.incarnation = d.incarnation;
    m.state = d.from === d.name ? 'left' : 'dead';
    m.stateChangeAt = now;
    this.broadcasts.enqueue(d.name, d);
    this.emit(m.state === 'left' ? 'member-leave' : 'member-failed', m);
  }

  /**
   * Someone still accuses an incarnation we already refuted: our refutation's retransmits ran out
   * before reaching them (lossy network). Re-queue the current alive, without a new incarnation,
   * so it rides on the ack and next gossip; without this their stale timer would kill us.
   * (memberlist ignores stale accusations; this is our addition.)
   */
  private resendStaleRefutation(): void {
    if (!this.leaving) this.broadcastAlive();
  }

  /** We were accused: outbid the accusation's incarnation and say we are alive. */
  private refute(accused: number): void {
    const me = this.self();
    me.incarnation = Math.max(me.incarnation, accused) + 1;
    this.awareness.applyDelta(1);
    this.broadcastAlive();
  }

  // ---- helpers ------------------------------------------------------------------------------

  private self(): Member {
    return this.members.get(this.name)!;
  }

  private othersIn(states: readonly Member['state'][]): Member[] {
    return [...this.members.values()].filter((m) => m.name !== this.name && states.includes(m.state));
  }

  private emit(kind: MemberEventKind, m: Member): void {
    if (m.name === this.name) return;
    this.effects.push({ kind, member: cloneMember(m) });
  }
}

function checkMeta(meta: Meta): void {
  for (const v of Object.values(meta)) {
    if (typeof v !== 'string') throw new GossipMessageError('meta values must be strings');
  }
  if (metaSize(meta) > META_MAX_SIZE) throw new GossipMessageError(`meta exceeds ${META_MAX_SIZE} bytes`);
}
