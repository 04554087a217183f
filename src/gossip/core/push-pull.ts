/**
 * Full-state sync over streams (memberlist pushPull / mergeState): on join with each seed,
 * periodically with one random live member (rarer in big clusters), and serf-style with one
 * random dead member so a healed partition merges again. Remote state is merged through the
 * same SWIM rules as gossip, except that a remote "dead" only makes us suspect.
 */
import type { Random } from '../../shared/random.js';
import type { SwimConfig } from './config.js';
import type { Dissemination } from './dissemination.js';
import type { MemberTable } from './member-table.js';
import type { Membership } from './membership.js';
import type { PushPullMsg, PushPullReplyMsg, PushPullState, StreamMessage } from './messages.js';
import { pickK } from './random-pick.js';
import { pushPullScale } from './scaling.js';

export class StateSync {
  constructor(
    private readonly config: SwimConfig,
    private readonly random: Random,
    private readonly members: MemberTable,
    private readonly membership: Membership,
    private readonly out: Dissemination,
    private nextPushPullAt: number,
    private nextReconnectAt: number,
  ) {}

  /** When a periodic push-pull or reconnect attempt is next due (Infinity while leaving). */
  deadline(): number {
    if (this.membership.leaving) return Infinity;
    let t = Infinity;
    if (this.config.pushPullInterval > 0) t = Math.min(t, this.nextPushPullAt);
    if (this.config.reconnectInterval > 0) t = Math.min(t, this.nextReconnectAt);
    return t;
  }

  tick(now: number): void {
    if (this.config.pushPullInterval > 0 && now >= this.nextPushPullAt) {
      this.nextPushPullAt = now + pushPullScale(this.config.pushPullInterval, this.members.size);
      this.withRandomPeer('alive');
    }
    if (this.config.reconnectInterval > 0 && now >= this.nextReconnectAt) {
      this.nextReconnectAt = now + this.config.reconnectInterval;
      this.withRandomPeer('dead');
    }
  }

  /** Push-pull with each seed address (not our own). */
  join(addrs: readonly string[]): void {
    const self = this.members.self().addr;
    for (const a of addrs) if (a !== self) this.pushPullTo(a, true);
  }

  /** Push-pull with one random member in `state`, if there is one. */
  withRandomPeer(state: 'alive' | 'dead'): void {
    const peer = pickK(this.members.othersIn([state]), 1, this.random)[0];
    if (peer) this.pushPullTo(peer.addr, false);
  }

  /** A request: merge, then reply with our state (carrying any refutation just made). A reply: merge. */
  receive(msg: StreamMessage, now: number): PushPullReplyMsg | null {
    this.merge(msg.states, now);
    if (msg.type === 'push-pull-reply') return null;
    return { type: 'push-pull-reply', states: this.localStates() };
  }

  private merge(states: readonly PushPullState[], now: number): void {
    for (const s of states) {
      switch (s.state) {
        case 'alive':
          this.membership.alive({ type: 'alive', name: s.name, addr: s.addr, incarnation: s.incarnation, meta: s.meta }, now);
          break;
        // A remote's "dead" becomes our suspicion: we give the node a chance to refute rather
        // than trusting one peer's verdict.
        case 'suspect':
        case 'dead':
          this.membership.suspect({ type: 'suspect', name: s.name, incarnation: s.incarnation, from: this.members.selfName }, now);
          break;
        case 'left':
          this.membership.dead({ type: 'dead', name: s.name, incarnation: s.incarnation, from: s.name }, now);
          break;
      }
    }
  }

  private pushPullTo(addr: string, join: boolean): void {
    const message: PushPullMsg = { type: 'push-pull', join, states: this.localStates() };
    this.out.effect({ kind: 'push-pull', to: addr, message });
  }

  private localStates(): PushPullState[] {
    return [...this.members.values()].map((m) => ({
      name: m.name, addr: m.addr, incarnation: m.incarnation, state: m.state, meta: { ...m.meta },
    }));
  }
}
