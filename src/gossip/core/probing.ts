/**
 * SWIM failure detection (memberlist state.go probe / probeNode): one probe per interval, round
 * robin over a shuffled member list; a direct ping, then indirect pings through k helpers plus a
 * stream ping; a missed probe becomes a suspicion. Also our side as a helper: relaying indirect
 * pings and nacking when the target stays silent. Lifeguard's local health (Awareness) stretches
 * the probe interval and timeout when *we* are the slow one.
 */
import type { Random } from '../../shared/random.js';
import type { Awareness } from './awareness.js';
import type { SwimConfig } from './config.js';
import type { Dissemination } from './dissemination.js';
import type { MemberTable } from './member-table.js';
import type { Membership } from './membership.js';
import type { AckMsg, IndirectPingMsg, NackMsg, PacketMessage, PingMsg } from './messages.js';
import { pickK, shuffleInPlace } from './random-pick.js';
import type { Member } from './types.js';

/** Cap on in-flight indirect probes we relay, so a flood of requests can't grow memory. */
const MAX_RELAYS = 1024;

interface Probe {
  seqNo: number;
  target: string;
  sentAt: number;
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

export class Prober {
  private probeList: string[] = [];
  private probeIndex = 0;
  private probe: Probe | undefined;
  private nextSeqNo = 1;
  private readonly relays = new Map<number, Relay>();
  /** Earliest relay nackAt; exact unless `relaysDirty`. */
  private relayMin = Infinity;
  private relaysDirty = false;
  /** Put in every ack we send (the layer above's coordinate); none when undefined. */
  ackPayload: Uint8Array | undefined;

  constructor(
    private readonly config: SwimConfig,
    private readonly random: Random,
    private readonly members: MemberTable,
    private readonly awareness: Awareness,
    private readonly out: Dissemination,
    private readonly membership: Membership,
    private nextProbeAt: number,
  ) {}

  /** When probing next has work: the next probe, the current probe's timers, a relay's nack. */
  deadline(): number {
    let t = this.membership.leaving ? Infinity : this.nextProbeAt;
    const p = this.probe;
    if (p) {
      t = Math.min(t, p.endAt);
      if (!p.indirectSent) t = Math.min(t, p.ackDeadline);
    }
    return Math.min(t, this.relayDeadline());
  }

  /** Stop probing (leave). Relays still answer. */
  stop(): void {
    this.probe = undefined;
  }

  // ---- as the prober ------------------------------------------------------------------------

  advance(now: number): void {
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
        this.membership.suspect({ type: 'suspect', name: m.name, incarnation: m.incarnation, from: this.members.selfName }, now);
      }
    }
    if (!this.probe && now >= this.nextProbeAt) this.startProbe(now);
  }

  onAck(msg: AckMsg, now: number): void {
    const relay = this.relays.get(msg.seqNo);
    if (relay) {
      this.deleteRelay(msg.seqNo, relay);
      this.out.send(relay.requesterAddr, [{ type: 'ack', seqNo: relay.origSeqNo }]);
      return;
    }
    const p = this.probe;
    if (p && p.seqNo === msg.seqNo) {
      // Only a timely direct ack says we are healthy; a rescued probe is neutral.
      if (!p.indirectSent && now <= p.ackDeadline) {
        this.awareness.applyDelta(-1);
        // ...and only it measures the round trip to the target (memberlist's NotifyPingComplete).
        const rttMs = Math.max(0, now - p.sentAt);
        this.out.effect(msg.payload ? { kind: 'ping-complete', name: p.target, rttMs, payload: msg.payload } : { kind: 'ping-complete', name: p.target, rttMs });
      }
      this.probe = undefined;
    }
  }

  onNack(msg: NackMsg): void {
    const p = this.probe;
    if (p && p.seqNo === msg.seqNo && p.nacks < p.expectedNacks) p.nacks++;
  }

  /** A new member, or one back from the dead, at a random place in the rotation (as memberlist). */
  addToProbeList(name: string): void {
    const at = this.random.int(this.probeList.length + 1);
    this.probeList.splice(at, 0, name);
    if (at < this.probeIndex) this.probeIndex++;
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
      msgs.push({ type: 'suspect', name: target.name, incarnation: target.incarnation, from: this.members.selfName });
    }
    msgs.push({ type: 'ping', seqNo, target: target.name });
    this.out.send(target.addr, msgs);
    const endAt = now + this.awareness.scale(this.config.probeInterval);
    this.probe = {
      seqNo, target: target.name, sentAt: now, endAt, indirectSent: false, expectedNacks: 0, nacks: 0,
      ackDeadline: Math.min(endAt, now + this.awareness.scale(this.config.probeTimeout)),
    };
    this.nextProbeAt = endAt;
  }

  private sendIndirect(p: Probe): void {
    p.indirectSent = true;
    const target = this.members.get(p.target);
    if (!target) return;
    const helpers = pickK(this.members.othersIn(['alive']).filter((m) => m.name !== p.target), this.config.indirectChecks, this.random);
    p.expectedNacks = helpers.length;
    for (const h of helpers) {
      this.out.send(h.addr, [{ type: 'indirect-ping', seqNo: p.seqNo, target: target.name, targetAddr: target.addr }]);
    }
    // A stream ping in parallel catches targets behind UDP-only loss or filtering.
    if (!this.config.disableTcpPings) {
      this.out.effect({ kind: 'tcp-ping', to: target.addr, seqNo: p.seqNo, target: target.name });
    }
  }

  /** Round-robin over a shuffled list; reshuffle (dropping the dead) after each full pass. */
  private nextProbeTarget(): Member | undefined {
    for (let attempts = 0; attempts <= this.probeList.length + 1; attempts++) {
      if (this.probeIndex >= this.probeList.length) {
        this.probeList = shuffleInPlace(this.members.othersIn(['alive', 'suspect']).map((m) => m.name), this.random);
        this.probeIndex = 0;
        if (this.probeList.length === 0) return undefined;
      }
      const m = this.members.get(this.probeList[this.probeIndex++]!);
      if (m && (m.state === 'alive' || m.state === 'suspect')) return m;
    }
    return undefined;
  }

  // ---- as a helper for someone else's probe -------------------------------------------------

  onPing(fromAddr: string, msg: PingMsg): void {
    // A ping for another name reached the wrong node (address reuse); stay silent.
    if (msg.target !== this.members.selfName) return;
    const payload = this.ackPayload;
    this.out.send(fromAddr, [payload ? { type: 'ack', seqNo: msg.seqNo, payload } : { type: 'ack', seqNo: msg.seqNo }]);
  }

  onIndirectPing(fromAddr: string, msg: IndirectPingMsg, now: number): void {
    if (this.relays.size >= MAX_RELAYS) return;
    const seqNo = this.nextSeqNo++;
    const nackAt = now + this.config.probeTimeout;
    this.relays.set(seqNo, { requesterAddr: fromAddr, origSeqNo: msg.seqNo, nackAt });
    this.relayMin = Math.min(this.relayMin, nackAt);
    this.out.send(msg.targetAddr, [{ type: 'ping', seqNo, target: msg.target }]);
  }

  expireRelays(now: number): void {
    if (now < this.relayDeadline()) return;
    for (const [seqNo, r] of this.relays) {
      if (now < r.nackAt) continue;
      this.deleteRelay(seqNo, r);
      this.out.send(r.requesterAddr, [{ type: 'nack', seqNo: r.origSeqNo }]);
    }
  }

  private deleteRelay(seqNo: number, r: Relay): void {
    this.relays.delete(seqNo);
    if (r.nackAt <= this.relayMin) this.relaysDirty = true;
  }

  private relayDeadline(): number {
    if (this.relaysDirty) {
      let t = Infinity;
      for (const r of this.relays.values()) t = Math.min(t, r.nackAt);
      this.relayMin = t;
      this.relaysDirty = false;
    }
    return this.relayMin;
  }
}
