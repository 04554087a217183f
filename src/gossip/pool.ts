import { sleep, type Clock, type Timer } from '../shared/clock.js';
import { errorMessage } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';
import type { Random } from '../shared/random.js';
import type { SwimConfig } from './core/config.js';
import type { SwimEffect } from './core/effects.js';
import { parseMessage, type PushPullMsg } from './core/messages.js';
import { Swim } from './core/swim.js';
import type { Member } from './core/types.js';
import type { FramedConn } from './net/framed-conn.js';
import type { Keyring } from './net/keyring.js';
import { GossipWire } from './net/wire.js';

export type MemberEvent = Extract<SwimEffect, { member: Member }>;
/** A direct probe's round trip (ms, in the pool clock's resolution) and the peer's ack payload. */
export type PingComplete = Extract<SwimEffect, { kind: 'ping-complete' }>;

/**
 * The layer above the pool (serf) and its share of push-pull: memberlist's delegate
 * LocalState / MergeRemoteState. Both are synchronous; bytes are opaque to the pool.
 */
export interface PushPullDelegate {
  localState(join: boolean): Uint8Array | undefined;
  /** `join`: the state came back from a join this pool started (not a peer's join). */
  mergeRemoteState(state: Uint8Array, join: boolean): void;
}

export interface GossipPoolOptions {
  name: string;
  bindIp: string;
  /** 0 picks a free port (tests). */
  bindPort: number;
  /** Address peers reach us on; defaults to the bound ip:port. */
  advertiseAddr?: string;
  meta: Record<string, string>;
  config: SwimConfig;
  keyring?: Keyring;
  label?: string;
  clock: Clock;
  random: Random;
  logger: Logger;
}

const STREAM_TIMEOUT_MS = 10_000;

/**
 * One gossip pool: the pure SWIM core driven by real time and a real wire. This is the only
 * caller of the core. Every input (a tick, a packet, a stream message, a join) is handed to it,
 * then its effects are carried out in order and the next tick is armed at its deadline.
 */
export class GossipPool {
  private timer: Timer | undefined;
  private closed = false;
  private readonly listeners: ((event: MemberEvent) => void)[] = [];
  private readonly userListeners: ((body: Uint8Array, from: string) => void)[] = [];
  private readonly leaveListeners: (() => void)[] = [];
  private readonly pingListeners: ((ping: PingComplete) => void)[] = [];
  private readonly closeHooks: (() => Promise<void>)[] = [];
  private delegate: PushPullDelegate | undefined;
  /** Messages from peers that failed validation: counted and dropped, never thrown. */
  invalidMessages = 0;

  private constructor(
    private readonly swim: Swim,
    readonly wire: GossipWire,
    private readonly options: GossipPoolOptions,
  ) {
    wire.onMessage((from, raw) => this.onPacketMessage(from, raw));
    wire.onStream((conn) => void this.onStream(conn));
    this.flush();
  }

  static async start(options: GossipPoolOptions): Promise<GossipPool> {
    const wire = await GossipWire.start({
      bindIp: options.bindIp,
      bindPort: options.bindPort,
      keyring: options.keyring,
      label: options.label,
      logger: options.logger,
    });
    const swim = new Swim({
      name: options.name,
      addr: options.advertiseAddr ?? wire.addr,
      meta: options.meta,
      config: options.config,
      random: options.random,
      now: options.clock.now(),
    });
    return new GossipPool(swim, wire, options);
  }

  get addr(): string {
    return this.swim.local().addr;
  }

  /** This agent as a member of the pool. */
  local(): Member {
    return this.swim.local();
  }

  /** Every member this pool knows, itself first. */
  members(): Member[] {
    return [this.swim.local(), ...this.swim.allMembers().filter((m) => m.name !== this.options.name)];
  }

  onEvent(listener: (event: MemberEvent) => void): void {
    this.listeners.push(listener);
  }

  /** Round trips of direct probes (serf's ping delegate: network coordinates). */
  onPingComplete(listener: (ping: PingComplete) => void): void {
    this.pingListeners.push(listener);
  }

  /** Bytes every ack we send carries from now on (serf: our network coordinate). */
  setAckPayload(payload: Uint8Array | undefined): void {
    this.swim.setAckPayload(payload);
  }

  /** User messages from peers (serf's user events); the pool does not read them. */
  onUserMessage(listener: (body: Uint8Array, from: string) => void): void {
    this.userListeners.push(listener);
  }

  /** Spread a user message by piggyback with the core's retransmit limit. */
  broadcast(body: Uint8Array): void {
    if (this.closed) return;
    this.swim.broadcastUser(body, this.options.clock.now());
    this.flush();
  }

  /** The layer above's part of every push-pull, both ways. One delegate per pool. */
  setPushPullDelegate(delegate: PushPullDelegate): void {
    this.delegate = delegate;
  }

  /** Called as a graceful leave starts (serf's snapshot records it). */
  onLeave(listener: () => void): void {
    this.leaveListeners.push(listener);
  }

  /** Awaited by close(), before the sockets close (serf's snapshot flushes and syncs). */
  onClose(hook: () => Promise<void>): void {
    this.closeHooks.push(hook);
  }

  /** Push-pull with each address; resolves to how many answered (Consul's "contacted N nodes"). */
  async join(addrs: readonly string[]): Promise<number> {
    this.swim.join(addrs, this.options.clock.now());
    const pushPulls = this.flush().filter((p) => addrs.includes(p.to));
    const results = await Promise.all(pushPulls.map((p) => p.answered));
    return results.filter(Boolean).length;
  }

  /** Operator force-leave; false when the member is unknown (alive members are left alone). */
  forceLeave(name: string): boolean {
    if (!this.swim.member(name)) return false;
    this.swim.forceLeave(name, this.options.clock.now());
    this.flush();
    return true;
  }

  setMeta(meta: Record<string, string>): void {
    this.swim.setMeta(meta, this.options.clock.now());
    this.flush();
  }

  /** Graceful leave: announce it, keep gossiping for `propagateMs` so it spreads, then stop. */
  async leave(propagateMs: number): Promise<void> {
    for (const listener of this.leaveListeners) listener();
    this.swim.leave(this.options.clock.now());
    this.flush();
    await sleep(this.options.clock, propagateMs);
    await this.close();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.timer?.cancel();
    for (const hook of this.closeHooks) {
      await hook().catch((err: unknown) => this.options.logger.warn({ err: errorMessage(err) }, 'gossip close hook failed'));
    }
    await this.wire.close();
  }

  /** Carries out the core's effects and re-arms the tick; returns the push-pulls it started. */
  private flush(): { to: string; answered: Promise<boolean> }[] {
    if (this.closed) return [];
    const pushPulls: { to: string; answered: Promise<boolean> }[] = [];
    for (const { from, body } of this.swim.drainUserMessages()) {
      for (const listener of this.userListeners) this.safely(() => listener(body, from));
    }
    for (const effect of this.swim.drainEffects()) {
      // Push-pulls are tracked so join() can count the seeds that answered.
      if (effect.kind === 'push-pull') pushPulls.push({ to: effect.to, answered: this.pushPull(effect.to, effect.message) });
      else this.carryOut(effect);
    }
    this.timer?.cancel();
    const delay = Math.max(0, this.swim.nextDeadline() - this.options.clock.now());
    this.timer = this.options.clock.setTimeout(() => {
      this.swim.tick(this.options.clock.now());
      this.flush();
    }, delay);
    return pushPulls;
  }

  private carryOut(effect: Exclude<SwimEffect, { kind: 'push-pull' }>): void {
    switch (effect.kind) {
      case 'send':
        void this.wire.send(effect.to, effect.messages);
        return;
      case 'tcp-ping':
        void this.streamPing(effect.to, effect.seqNo, effect.target);
        return;
      case 'ping-complete':
        for (const listener of this.pingListeners) this.safely(() => listener(effect));
        return;
      case 'conflict':
        // Consul leaves name conflicts to the operator (serf's automatic resolution is off).
        this.options.logger.warn(
          { node: effect.name, known: effect.knownAddr, claimed: effect.claimedAddr },
          effect.self
            ? `conflicting address for node ${effect.name}: another agent at ${effect.claimedAddr} claims this node's name; ignoring its claim`
            : `conflicting address for node ${effect.name}: known at ${effect.knownAddr}, ${effect.claimedAddr} claims the same name; ignoring the claim`,
        );
        return;
      default:
        for (const listener of this.listeners) listener(effect);
    }
  }

  /** A listener's bug must not stop the pool's loop. */
  private safely(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.options.logger.warn({ err: errorMessage(err) }, 'gossip listener failed');
    }
  }

  private withUserState<T extends { user?: Uint8Array }>(message: T, join: boolean): T {
    const user = this.delegate?.localState(join);
    return user ? { ...message, user } : message;
  }

  private mergeUserState(user: Uint8Array | undefined, join: boolean): void {
    const delegate = this.delegate;
    if (user && delegate) this.safely(() => delegate.mergeRemoteState(user, join));
  }

  private parse(from: string, raw: unknown): ReturnType<typeof parseMessage> | undefined {
    try {
      return parseMessage(raw);
    } catch (err) {
      this.invalidMessages++;
      this.options.logger.debug({ from, err: errorMessage(err) }, 'invalid gossip message dropped');
      return undefined;
    }
  }

  private onPacketMessage(from: string, raw: object): void {
    const message = this.parse(from, raw);
    if (!message || message.type === 'push-pull' || message.type === 'push-pull-reply') return;
    this.swim.receive(from, message, this.options.clock.now());
    this.flush();
  }

  /** Inbound stream: a push-pull to answer, or a fallback ping to ack. */
  private async onStream(conn: FramedConn): Promise<void> {
    try {
      for await (const raw of conn) {
        const message = this.parse(conn.remoteAddr, raw);
        if (!message) break;
        if (message.type === 'push-pull') {
          // Only a join *we* started may skip old events (serf's ignoreOld), so a peer's join counts as none.
          this.mergeUserState(message.user, false);
          const reply = this.swim.receiveStream(conn.remoteAddr, message, this.options.clock.now());
          this.flush();
          if (reply) await conn.send(this.withUserState(reply, false));
        } else if (message.type === 'ping' && message.target === this.options.name) {
          await conn.send({ type: 'ack', seqNo: message.seqNo });
        }
        break;
      }
    } catch (err) {
      this.options.logger.debug({ from: conn.remoteAddr, err: errorMessage(err) }, 'gossip stream failed');
    } finally {
      conn.destroy();
    }
  }

  /** Outbound push-pull; resolves to whether the peer answered. */
  private async pushPull(to: string, message: PushPullMsg): Promise<boolean> {
    const reply = await this.exchange(to, this.withUserState(message, message.join));
    if (!reply || reply.type !== 'push-pull-reply' || this.closed) return false;
    this.mergeUserState(reply.user, message.join);
    this.swim.receiveStream(to, reply, this.options.clock.now());
    this.flush();
    return true;
  }

  private async streamPing(to: string, seqNo: number, target: string): Promise<void> {
    const reply = await this.exchange(to, { type: 'ping', seqNo, target });
    if (!reply || reply.type !== 'ack' || this.closed) return;
    this.swim.receive(to, reply, this.options.clock.now());
    this.flush();
  }

  /** One request, one answer over a fresh stream; undefined on any failure (silence is failure). */
  private async exchange(to: string, message: object): Promise<ReturnType<typeof parseMessage> | undefined> {
    let conn: FramedConn | undefined;
    try {
      conn = await this.wire.dial(to, STREAM_TIMEOUT_MS);
      await conn.send(message);
      const answer = await conn.next();
      return answer.done ? undefined : this.parse(to, answer.value);
    } catch (err) {
      this.options.logger.debug({ to, err: errorMessage(err) }, 'gossip stream exchange failed');
      return undefined;
    } finally {
      conn?.destroy();
    }
  }
}
