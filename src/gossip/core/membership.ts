/**
 * SWIM's state rules (memberlist state.go aliveNode / suspectNode / deadNode): what alive,
 * suspect and dead news does to a member, incarnation precedence, refutation of accusations
 * about ourselves, suspicion expiry, and serf-style reaping of long-dead and long-left members.
 */
import type { Awareness } from './awareness.js';
import type { SwimConfig } from './config.js';
import type { Dissemination } from './dissemination.js';
import type { MemberTable } from './member-table.js';
import type { AliveMsg, DeadMsg, SuspectMsg } from './messages.js';
import { membersToReap } from './reaper.js';
import type { Suspicions } from './suspicions.js';
import { sameMeta, type Member } from './types.js';

export class Membership {
  /** Set by leave(): we no longer refute, probe or push-pull; gossip continues so the leave spreads. */
  leaving = false;
  private nextReapAt: number;
  private readonly reportedConflicts = new Set<string>();

  constructor(
    private readonly config: SwimConfig,
    private readonly members: MemberTable,
    readonly suspicions: Suspicions,
    private readonly awareness: Awareness,
    private readonly out: Dissemination,
    /** A member (new, or back from dead/left) enters the probe rotation. */
    private readonly onProbeable: (name: string) => void,
    now: number,
  ) {
    this.nextReapAt = now;
  }

  /** When the reaper next has work: strictly after a timeout passes, no sooner than the next reap check. */
  reapDeadline(): number {
    const reapable = this.members.nextReapable();
    return reapable < Infinity ? Math.max(this.nextReapAt, reapable + 1) : Infinity;
  }

  alive(a: AliveMsg, now: number): void {
    if (a.name === this.members.selfName) {
      if (this.leaving) return;
      const me = this.members.self();
      if (a.addr !== me.addr) {
        // Another agent claims our name from elsewhere (Consul runs serf without automatic
        // name-conflict resolution). Refuting would start an incarnation war with it: refuse.
        this.conflict(a, me, true);
        return;
      }
      if (a.incarnation < me.incarnation) return;
      if (a.incarnation === me.incarnation && sameMeta(a.meta, me.meta)) return;
      // Someone speaks for us with newer or different facts (e.g. our previous life): override.
      this.refute(a.incarnation);
      return;
    }
    const m = this.members.get(a.name);
    if (m && m.addr !== a.addr && !this.reclaimable(m, now)) {
      // memberlist aliveNode: a name held by a live member cannot move to another address.
      this.conflict(a, m, false);
      return;
    }
    if (!m) {
      const fresh: Member = { name: a.name, addr: a.addr, incarnation: a.incarnation, state: 'alive', stateChangeAt: now, meta: { ...a.meta } };
      this.members.add(fresh);
      this.onProbeable(a.name);
      this.out.emit('member-join', fresh);
      this.out.broadcast(a.name, a);
      return;
    }
    // A reclaimed name (a new address for a left, or long dead, member) is taken whatever the
    // incarnation: the new holder is a fresh process (memberlist's updatesNode).
    if (a.incarnation <= m.incarnation && m.addr === a.addr) return;
    const wasDown = m.state === 'dead' || m.state === 'left';
    const changed = m.addr !== a.addr || !sameMeta(m.meta, a.meta);
    this.suspicions.delete(a.name);
    m.incarnation = a.incarnation;
    m.addr = a.addr;
    m.meta = { ...a.meta };
    if (m.state !== 'alive') this.members.setState(m, 'alive', now);
    if (wasDown) {
      // A reclaimed name: it rejoins the probe rotation and the cluster hears it came back.
      this.onProbeable(a.name);
      this.out.emit('member-join', m);
    } else if (changed) {
      this.out.emit('member-update', m);
    }
    this.out.broadcast(a.name, a);
  }

  suspect(s: SuspectMsg, now: number): void {
    const m = this.members.get(s.name);
    if (!m) return;
    if (s.incarnation < m.incarnation) {
      if (s.name === this.members.selfName) this.resendStaleRefutation();
      return;
    }
    if (this.suspicions.has(s.name)) {
      if (s.incarnation === m.incarnation) {
        // An independent accuser shortens the timer; re-gossip so others count it too.
        if (this.suspicions.confirm(s.name, s.from)) this.out.broadcast(s.name, s);
        return;
      }
      // A suspicion of a newer incarnation: the member refuted the one we hold (we missed its
      // alive, e.g. while we were stalled) and is accused anew. That is a new suspicion with its
      // own timer, not a confirmation of the old one, whose clock would kill it at once.
      // (memberlist counts it as a confirmation; this is our fix.)
      this.startSuspicion(m, s, now);
      return;
    }
    if (m.state !== 'alive') return;
    if (s.name === this.members.selfName) {
      if (!this.leaving) this.refute(s.incarnation);
      return;
    }
    this.startSuspicion(m, s, now);
  }

  private startSuspicion(m: Member, s: SuspectMsg, now: number): void {
    m.incarnation = s.incarnation;
    this.members.setState(m, 'suspect', now);
    this.out.broadcast(s.name, s);
    this.suspicions.start(s.name, s.from, now, this.members.size);
  }

  dead(d: DeadMsg, now: number): void {
    const m = this.members.get(d.name);
    if (!m) return;
    if (d.incarnation < m.incarnation) {
      if (d.name === this.members.selfName) this.resendStaleRefutation();
      return;
    }
    this.suspicions.delete(d.name);
    // A leave (from === name) still turns a failed member into a left one: that is how a
    // force-leave spreads. Any other news about a dead or left member is old news.
    if (m.state === 'left' || (m.state === 'dead' && d.from !== d.name)) return;
    if (d.name === this.members.selfName && !this.leaving) {
      this.refute(d.incarnation);
      return;
    }
    const left = d.from === d.name;
    m.incarnation = d.incarnation;
    this.members.setState(m, left ? 'left' : 'dead', now);
    this.out.broadcast(d.name, d);
    this.out.emit(left ? 'member-leave' : 'member-failed', m);
  }

  /** Suspicions whose timers ran out become deaths, declared by us. */
  expireSuspicions(now: number): void {
    for (const name of this.suspicions.takeExpired(now)) {
      const m = this.members.get(name);
      if (m && m.state === 'suspect') this.dead({ type: 'dead', name, incarnation: m.incarnation, from: this.members.selfName }, now);
    }
  }

  /**
   * Forget members dead past reconnectTimeout or left past tombstoneTimeout (serf's reaper). A
   * reaped name is unknown again: later news of it being alive is a fresh join.
   */
  reap(now: number): void {
    if (now < this.nextReapAt) return;
    this.nextReapAt = now + this.config.reapInterval;
    if (now <= this.members.nextReapable()) return;
    for (const name of membersToReap(this.members.values(), this.members.selfName, now, this.config)) {
      const m = this.members.get(name)!;
      this.members.delete(name);
      this.suspicions.delete(name);
      this.out.emit('member-reap', m);
    }
  }

  /** A left name may be taken at once; a dead one after deadNodeReclaimTime (memberlist). */
  private reclaimable(m: Member, now: number): boolean {
    if (m.state === 'left') return true;
    const after = this.config.deadNodeReclaimTime;
    return m.state === 'dead' && after > 0 && now - m.stateChangeAt > after;
  }

  /** Report a refused claim once per incarnation and address (gossip repeats it many times). */
  private conflict(a: AliveMsg, holder: Member, self: boolean): void {
    const key = `${a.name} ${a.addr} ${a.incarnation}`;
    if (this.reportedConflicts.has(key)) return;
    if (this.reportedConflicts.size >= 1024) this.reportedConflicts.clear();
    this.reportedConflicts.add(key);
    this.out.effect({ kind: 'conflict', name: a.name, knownAddr: holder.addr, claimedAddr: a.addr, self });
  }

  /**
   * Someone still accuses an incarnation we already refuted: our refutation's retransmits ran out
   * before reaching them (lossy network). Re-queue the current alive, without a new incarnation,
   * so it rides on the ack and next gossip; without this their stale timer would kill us.
   * (memberlist ignores stale accusations; this is our addition.)
   */
  private resendStaleRefutation(): void {
    if (!this.leaving) this.out.broadcastSelf();
  }

  /** We were accused: outbid the accusation's incarnation and say we are alive. */
  private refute(accused: number): void {
    const me = this.members.self();
    me.incarnation = Math.max(me.incarnation, accused) + 1;
    this.awareness.applyDelta(1);
    this.out.broadcastSelf();
  }
}
