/**
 * The Serf layer over one gossip pool (hashicorp/serf serf.go, our own shape): Lamport clocks,
 * user events with serf's dedupe window, and the peer snapshot with rejoin on start. It attaches
 * to a GossipPool through the pool's user-message, push-pull, leave and close hooks, so whoever
 * drives the pool keeps calling join/leave/close on the pool as before.
 */
import type { Clock } from '../../shared/clock.js';
import { AppError, errorMessage } from '../../shared/errors.js';
import type { Logger } from '../../shared/logger.js';
import type { Random } from '../../shared/random.js';
import type { GossipPool, MemberEvent } from '../pool.js';
import { EventBuffer } from './event-buffer.js';
import { LamportClock } from './lamport.js';
import { decodePushPull, decodeSerfMessage, encodePushPull, encodeUserEvent, type UserEventMessage } from './messages.js';
import { Snapshotter } from './snapshot.js';

/** serf DefaultConfig: EventBuffer 512 and UserEventSizeLimit 512 bytes. */
export const DEFAULT_EVENT_BUFFER = 512;
export const USER_EVENT_SIZE_LIMIT = 512;

/**
 * serf's user event size checks: name + payload, then the encoded message, must fit `limit`.
 * TOO_LARGE otherwise.
 */
export function checkUserEventSize(name: string, payload: Uint8Array, encoded: Uint8Array, limit: number = USER_EVENT_SIZE_LIMIT): void {
  const before = Buffer.byteLength(name) + payload.length;
  if (before > limit) {
    throw new AppError('TOO_LARGE', `user event exceeds configured limit of ${limit} bytes before encoding (name and payload are ${before} bytes)`);
  }
  if (encoded.length > limit) {
    throw new AppError('TOO_LARGE', `user event exceeds configured limit of ${limit} bytes after encoding (${encoded.length} bytes)`);
  }
}

/** A user event as delivered to listeners (serf's UserEvent). */
export interface SerfUserEvent {
  ltime: number;
  name: string;
  payload: Uint8Array;
  coalesce: boolean;
}

export interface SerfOptions {
  nodeName: string;
  clock: Clock;
  random: Random;
  logger: Logger;
  /** Where to keep the peer snapshot; none = nothing persisted, no automatic rejoin. */
  snapshotPath?: string;
  /** Consul's rejoin_after_leave: rejoin from the snapshot even after a graceful leave. */
  rejoinAfterLeave?: boolean;
  eventBufferSize?: number;
  userEventSizeLimit?: number;
  /** Snapshot tuning, for tests. */
  snapshot?: { minCompactSize?: number; flushIntervalMs?: number; syncIntervalMs?: number };
}

export class Serf {
  /** Member intents (join/leave); carried and persisted. */
  readonly clock = new LamportClock();
  readonly eventClock = new LamportClock();
  readonly queryClock = new LamportClock();
  readonly snapshot: Snapshotter | undefined;
  private rejoining: Promise<string | undefined> | undefined;
  /** Gossip user messages that failed to decode: counted and dropped. */
  invalidMessages = 0;
  private readonly events: EventBuffer;
  private readonly sizeLimit: number;
  private readonly listeners: ((event: SerfUserEvent) => void)[] = [];
  /** A join we start skips events older than the peer's clock (Consul joins with ignoreOld). */
  private ignoreOldOnJoin = true;

  constructor(
    readonly pool: GossipPool,
    private readonly options: SerfOptions,
  ) {
    this.events = new EventBuffer(options.eventBufferSize ?? DEFAULT_EVENT_BUFFER);
    this.sizeLimit = options.userEventSizeLimit ?? USER_EVENT_SIZE_LIMIT;
    if (options.snapshotPath) {
      this.snapshot = Snapshotter.open({
        path: options.snapshotPath,
        rejoinAfterLeave: options.rejoinAfterLeave ?? false,
        clock: options.clock,
        logger: options.logger,
        clocks: () => ({ clock: this.clock.time(), eventClock: this.eventClock.time(), queryClock: this.queryClock.time() }),
        ...options.snapshot,
      });
      const saved = this.snapshot.replayed;
      this.clock.witness(saved.lastClock);
      this.eventClock.witness(saved.lastEventClock);
      this.queryClock.witness(saved.lastQueryClock);
      // Events up to the last one we recorded were handled in our previous life.
      this.events.minTime = saved.lastEventClock + 1;
    }
    pool.onUserMessage((body, from) => this.onUserMessage(body, from));
    pool.onEvent((event) => this.onMemberEvent(event));
    pool.setPushPullDelegate({
      localState: () => encodePushPull({ ltime: this.clock.time(), eventLTime: this.eventClock.time(), events: this.events.recent() }),
      mergeRemoteState: (state, join) => this.mergeRemoteState(state, join),
    });
    pool.onLeave(() => {
      this.clock.increment();
      this.snapshot?.leave();
    });
    pool.onClose(async () => this.snapshot?.close());
  }

  onUserEvent(listener: (event: SerfUserEvent) => void): void {
    this.listeners.push(listener);
  }

  /**
   * Fire a user event (serf UserEvent): checked against the size limit, handled locally (our
   * own listeners see it too), then spread by piggyback. TOO_LARGE when name + payload exceed
   * the limit, before or after encoding.
   */
  userEvent(name: string, payload: Uint8Array, coalesce: boolean): SerfUserEvent {
    const message: UserEventMessage = { type: 'user-event', ltime: this.eventClock.time(), name, payload, coalesce };
    const body = encodeUserEvent(message);
    checkUserEventSize(name, payload, body, this.sizeLimit);
    this.eventClock.increment();
    this.handleUserEvent(message);
    this.pool.broadcast(body);
    return { ltime: message.ltime, name, payload, coalesce };
  }

  /** serf handleUserEvent: witness, refuse old and duplicate events, deliver new ones. */
  private handleUserEvent(m: UserEventMessage): boolean {
    this.eventClock.witness(m.ltime);
    const result = this.events.accept({ ltime: m.ltime, name: m.name, payload: m.payload }, this.eventClock.time());
    if (result !== 'new') {
      if (result === 'too-old') this.options.logger.debug({ event: m.name, ltime: m.ltime, now: this.eventClock.time() }, 'received old user event');
      return false;
    }
    this.snapshot?.userEvent(m.ltime);
    const event: SerfUserEvent = { ltime: m.ltime, name: m.name, payload: m.payload, coalesce: m.coalesce };
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (err) {
        this.options.logger.warn({ err: errorMessage(err), event: m.name }, 'user event listener failed');
      }
    }
    return true;
  }

  private onUserMessage(body: Uint8Array, from: string): void {
    let message: UserEventMessage;
    try {
      message = decodeSerfMessage(body);
    } catch (err) {
      this.invalidMessages++;
      this.options.logger.debug({ from, err: errorMessage(err) }, 'invalid serf message dropped');
      return;
    }
    // A new event is passed on, as serf rebroadcasts what it had not seen.
    if (this.handleUserEvent(message)) this.pool.broadcast(body);
  }

  private mergeRemoteState(bytes: Uint8Array, join: boolean): void {
    const remote = decodePushPull(bytes);
    if (remote.ltime > 0) this.clock.witness(remote.ltime - 1);
    if (remote.eventLTime > 0) this.eventClock.witness(remote.eventLTime - 1);
    if (join && this.ignoreOldOnJoin && remote.eventLTime > this.events.minTime) this.events.minTime = remote.eventLTime;
    for (const e of remote.events) this.handleUserEvent({ type: 'user-event', ltime: e.ltime, name: e.name, payload: e.payload, coalesce: false });
  }

  private onMemberEvent(event: MemberEvent): void {
    const snapshot = this.snapshot;
    if (!snapshot) return;
    switch (event.kind) {
      case 'member-join':
      case 'member-update':
        snapshot.memberAlive(event.member.name, event.member.addr);
        return;
      case 'member-leave':
      case 'member-failed':
        snapshot.memberGone(event.member.name);
        return;
      case 'member-reap':
        return;
    }
  }

  /**
   * Rejoins the members the snapshot knew (serf does this in Create; we let the caller choose
   * the moment, after its member-event listeners are in place). Idempotent. Resolves to the
   * name of the member that answered, or undefined: nothing to rejoin (no snapshot, a graceful
   * leave without rejoin_after_leave), or nobody answered.
   */
  rejoin(): Promise<string | undefined> {
    this.rejoining ??= this.rejoinPrevious();
    return this.rejoining;
  }

  /**
   * serf handleRejoin: try the previously known members one at a time, in random order, until
   * one answers. Events missed meanwhile are not skipped: the snapshot's event clock already
   * filters the ones handled before the restart.
   */
  private async rejoinPrevious(): Promise<string | undefined> {
    const snapshot = this.snapshot;
    if (!snapshot) return undefined;
    const previous = snapshot.previousNodes(this.options.random, this.options.nodeName);
    const { logger } = this.options;
    if (previous.length === 0) {
      if (snapshot.replayed.leftGracefully && !this.options.rejoinAfterLeave) {
        logger.info('snapshot: left gracefully last time; not rejoining (set rejoin_after_leave or -rejoin to rejoin)');
      }
      return undefined;
    }
    this.ignoreOldOnJoin = false;
    try {
      for (const node of previous) {
        logger.info({ node: node.name, addr: node.addr }, 'attempting re-join to previously known node');
        const answered = await this.pool.join([node.addr]).catch(() => 0);
        if (answered > 0) {
          logger.info({ node: node.name, addr: node.addr }, 're-joined to previously known node');
          return node.name;
        }
      }
      logger.warn('failed to re-join any previously known node');
      return undefined;
    } finally {
      this.ignoreOldOnJoin = true;
    }
  }
}
