/**
 * The local agent API stream (src/rpc/local-api.ts) hooked up to this agent: its gossip pools
 * and, on servers, its Raft node. Each watcher gets a snapshot, then every membership change and
 * Raft change as it happens — the live feed behind `roster monitor`.
 *
 * Membership: the pool announces joins, failures, leaves, updates and reaps; suspicions and
 * refutations are not pool events, so the member list is also compared with the last one sent
 * every SAMPLE_MS while someone watches (a pool event triggers the comparison at once). Every
 * change, whichever way it was noticed, comes out of that one comparison, in order.
 *
 * Raft: the node reports its status after every batch (about ten times a second on a leader).
 * A change of role, term, leader or server set goes out at once; index and last-contact
 * movement at most once per RAFT_MINOR_MS.
 */
import { createServer } from 'node:net';
import { Server, ServerCredentials } from '@grpc/grpc-js';
import type { Member } from '../gossip/core/types.js';
import type { RaftNodeStatus } from '../raft/node/raft-node.js';
import { joinHostPort } from '../rpc/grpc-util.js';
import { localApiDefinition, localApiImplementation, type WatchSubscriber } from '../rpc/local-api.js';
import type { LocalMember, LocalMemberStatus, LocalSelf, MemberChange, RaftServerInfo, RaftView, WatchFrame } from '../rpc/local-api-codec.js';
import { systemClock, type Clock, type Timer } from '../shared/clock.js';
import { AppError, errorMessage } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';

export const SAMPLE_MS = 200;
export const RAFT_MINOR_MS = 1_000;
export const HEARTBEAT_MS = 5_000;
/** A watcher this many frames behind (its stream buffer full all along) is cut off; it reconnects to a fresh snapshot. */
const MAX_BACKLOG_FRAMES = 20_000;
/** Raft timing of src/agent/server/raft-server.ts (ms per tick), to turn ticks into ms. */
const DEFAULT_RAFT_TICK_MS = 50;

/** What the local API needs of a gossip pool (GossipPool satisfies it). */
export interface WatchablePool {
  members(): readonly Member[];
  onEvent(listener: (event: { kind: string }) => void): void;
}

/** What it needs of a Raft node (RaftNode satisfies it). */
export interface RaftStatusSource {
  status(): RaftNodeStatus;
  /** Called when the status may have changed (status() then has the whole of it). */
  onStatus(listener: () => void): void;
}

export interface LocalApiOptions {
  bindAddr: string;
  /** 0 picks a free port (tests); read it back from the result. */
  port: number;
  self: LocalSelf;
  gossip: { lan: WatchablePool; wan?: WatchablePool | undefined };
  raftStatus?: RaftStatusSource | undefined;
  raftTickMs?: number;
  clock?: Clock;
  logger: Logger;
}

export interface LocalApi {
  readonly port: number;
  close(): Promise<void>;
}

const STATUS_OF_STATE: Record<Member['state'], LocalMemberStatus> = { alive: 'alive', suspect: 'suspect', dead: 'failed', left: 'left' };

export function localMember(m: Member): LocalMember {
  const cut = m.addr.lastIndexOf(':');
  return {
    name: m.name,
    addr: m.addr.slice(0, cut).replace(/^\[|\]$/g, ''),
    port: Number(m.addr.slice(cut + 1)),
    status: STATUS_OF_STATE[m.state],
    tags: { ...m.meta },
    incarnation: m.incarnation,
    since: m.stateChangeAt,
  };
}

const sameTags = (a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean => {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => a[k] === b[k]);
};

/** The change that turns `before` into `after` (undefined: nothing a watcher needs to hear). */
export function memberChange(before: LocalMember | undefined, after: LocalMember): MemberChange | undefined {
  if (!before) return after.status === 'alive' || after.status === 'suspect' ? 'join' : after.status;
  if (before.status !== after.status) {
    switch (after.status) {
      case 'alive':
        return before.status === 'suspect' ? 'alive' : 'join';
      case 'suspect':
        return before.status === 'alive' ? 'suspect' : 'join';
      default:
        return after.status;
    }
  }
  if (before.addr !== after.addr || before.port !== after.port || !sameTags(before.tags, after.tags)) return 'update';
  return undefined;
}

/**
 * The members last sent for one pool, and the changes since. Pure apart from the pool it reads.
 */
export class MemberTracker {
  private known = new Map<string, LocalMember>();

  constructor(private readonly pool: WatchablePool) {}

  /** Resets the baseline to the pool as it is now, and returns it. */
  snapshot(): LocalMember[] {
    const list = this.pool.members().map(localMember);
    this.known = new Map(list.map((m) => [m.name, m]));
    return list;
  }

  /** Changes since the last snapshot()/diff(), in pool order, reaps last. */
  diff(): { change: MemberChange; member: LocalMember }[] {
    const out: { change: MemberChange; member: LocalMember }[] = [];
    const next = new Map<string, LocalMember>();
    for (const raw of this.pool.members()) {
      const member = localMember(raw);
      next.set(member.name, member);
      const change = memberChange(this.known.get(member.name), member);
      if (change) out.push({ change, member });
    }
    for (const [name, member] of this.known) if (!next.has(name)) out.push({ change: 'reap', member });
    this.known = next;
    return out;
  }
}

/** The Raft status in the stream's shape; server names from the LAN pool's `id` tags. */
export function raftView(status: RaftNodeStatus, names: ReadonlyMap<string, string>, tickMs = DEFAULT_RAFT_TICK_MS): RaftView {
  const progress = new Map(status.progress.map((p) => [p.id, p]));
  const isLeader = status.role === 'leader';
  const servers: RaftServerInfo[] = status.membership.servers.map((s) => {
    const p = progress.get(s.id);
    const self = s.id === status.id;
    return {
      id: s.id,
      name: names.get(s.id) ?? '',
      address: s.address,
      voter: s.voter,
      leader: s.id === status.leader,
      match: isLeader ? (self ? status.lastIndex : (p?.match ?? 0)) : null,
      // The leader knows when it last heard from each server; a follower only from the leader.
      lastContactMs: isLeader ? (self ? 0 : p ? p.ticksSinceContact * tickMs : null) : s.id === status.leader ? status.lastContactMs : null,
    };
  });
  return {
    id: status.id,
    role: status.role,
    term: status.term,
    leaderId: status.leader,
    leaderName: status.leader ? (names.get(status.leader) ?? '') : '',
    commit: status.commit,
    applied: status.appliedIndex,
    lastIndex: status.lastIndex,
    lastContactMs: status.lastContactMs,
    servers,
  };
}

/** What makes a Raft change worth sending at once. */
const raftKey = (v: RaftView): string => `${v.role}|${v.term}|${v.leaderId}|${v.servers.map((s) => `${s.id}:${s.voter}:${s.name}`).join(',')}`;

/**
 * The feed itself, without the network: watchers subscribe, the feed writes frames. Exposed for
 * tests and benches; startLocalApi serves it over gRPC.
 */
export class LocalApiFeed {
  private readonly watchers = new Set<WatchSubscriber>();
  private readonly backlog = new Map<WatchSubscriber, number>();
  private readonly lan: MemberTracker;
  private readonly wan: MemberTracker | undefined;
  private readonly clock: Clock;
  private sampler: Timer | undefined;
  private heartbeat: Timer | undefined;
  private diffQueued = false;
  private lastRaft: RaftView | undefined;
  private lastRaftJson = '';
  private raftTimer: Timer | undefined;
  private closed = false;

  constructor(private readonly options: Omit<LocalApiOptions, 'bindAddr' | 'port'>) {
    this.clock = options.clock ?? systemClock;
    this.lan = new MemberTracker(options.gossip.lan);
    this.wan = options.gossip.wan ? new MemberTracker(options.gossip.wan) : undefined;
    options.gossip.lan.onEvent(() => this.queueDiff());
    options.gossip.wan?.onEvent(() => this.queueDiff());
    options.raftStatus?.onStatus(() => this.raftChanged());
  }

  get watcherCount(): number {
    return this.watchers.size;
  }

  subscribe(watcher: WatchSubscriber): void {
    if (this.closed) {
      watcher.end();
      return;
    }
    // One baseline for everyone: flush what the others have not heard yet, then snapshot.
    if (this.watchers.size > 0) this.runDiff();
    const raft = this.options.raftStatus ? this.currentRaft() : null;
    const frame: WatchFrame = {
      kind: 'snapshot',
      at: this.clock.now(),
      self: this.options.self,
      lan: this.lan.snapshot(),
      wan: this.wan ? this.wan.snapshot() : null,
      raft,
    };
    this.watchers.add(watcher);
    this.backlog.set(watcher, 0);
    watcher.onClose(() => this.unsubscribe(watcher));
    this.write(watcher, frame);
    this.sampler ??= this.clock.setInterval(() => this.runDiff(), SAMPLE_MS);
    this.heartbeat ??= this.clock.setInterval(() => this.broadcast({ kind: 'heartbeat', at: this.clock.now() }), HEARTBEAT_MS);
  }

  close(): void {
    this.closed = true;
    for (const watcher of [...this.watchers]) watcher.end();
    this.stopTimers();
  }

  private unsubscribe(watcher: WatchSubscriber): void {
    this.watchers.delete(watcher);
    this.backlog.delete(watcher);
    if (this.watchers.size === 0) this.stopTimers();
  }

  private stopTimers(): void {
    this.sampler?.cancel();
    this.sampler = undefined;
    this.heartbeat?.cancel();
    this.heartbeat = undefined;
    this.raftTimer?.cancel();
    this.raftTimer = undefined;
  }

  private queueDiff(): void {
    if (this.diffQueued || this.watchers.size === 0) return;
    this.diffQueued = true;
    // After the pool has finished handling the packet that caused the event.
    queueMicrotask(() => {
      this.diffQueued = false;
      this.runDiff();
    });
  }

  private runDiff(): void {
    if (this.watchers.size === 0) return;
    const at = this.clock.now();
    for (const { change, member } of this.lan.diff()) this.broadcast({ kind: 'member', at, pool: 'lan', change, member });
    if (this.wan) for (const { change, member } of this.wan.diff()) this.broadcast({ kind: 'member', at, pool: 'wan', change, member });
  }

  private names(): Map<string, string> {
    const names = new Map<string, string>();
    for (const m of this.options.gossip.lan.members()) if (m.meta.id) names.set(m.meta.id, m.name);
    return names;
  }

  private currentRaft(): RaftView {
    const view = raftView(this.options.raftStatus!.status(), this.names(), this.options.raftTickMs);
    this.lastRaft = view;
    this.lastRaftJson = JSON.stringify(view);
    return view;
  }

  private raftChanged(): void {
    if (this.watchers.size === 0) return;
    const view = raftView(this.options.raftStatus!.status(), this.names(), this.options.raftTickMs);
    if (!this.lastRaft || raftKey(view) !== raftKey(this.lastRaft)) {
      this.sendRaft(view);
      return;
    }
    if (this.raftTimer) return;
    // Indexes and contact times move all the time: send the latest at most once per RAFT_MINOR_MS.
    this.raftTimer = this.clock.setTimeout(() => {
      this.raftTimer = undefined;
      if (this.watchers.size > 0 && this.options.raftStatus) {
        const latest = raftView(this.options.raftStatus.status(), this.names(), this.options.raftTickMs);
        if (JSON.stringify(latest) !== this.lastRaftJson) this.sendRaft(latest);
      }
    }, RAFT_MINOR_MS);
  }

  private sendRaft(view: RaftView): void {
    this.lastRaft = view;
    this.lastRaftJson = JSON.stringify(view);
    this.broadcast({ kind: 'raft', at: this.clock.now(), raft: view });
  }

  private broadcast(frame: WatchFrame): void {
    for (const watcher of [...this.watchers]) this.write(watcher, frame);
  }

  private write(watcher: WatchSubscriber, frame: WatchFrame): void {
    let flowing: boolean;
    try {
      flowing = watcher.write(frame);
    } catch (err) {
      this.options.logger.debug({ err: errorMessage(err) }, 'local api watcher write failed');
      watcher.end();
      return;
    }
    const behind = flowing ? 0 : (this.backlog.get(watcher) ?? 0) + 1;
    this.backlog.set(watcher, behind);
    if (behind > MAX_BACKLOG_FRAMES) {
      this.options.logger.warn('local api watcher too slow; ending its stream (it will reconnect)');
      watcher.end();
    }
  }
}

/**
 * Serves the local agent API on `bindAddr:port` (the agent's client address and gRPC port).
 * A bind failure is an AppError('UNAVAILABLE') naming the address.
 */
export async function startLocalApi(options: LocalApiOptions): Promise<LocalApi> {
  const logger = options.logger.child({ module: 'grpc' });
  const feed = new LocalApiFeed({ ...options, logger });
  const server = new Server({ 'grpc.keepalive_time_ms': 20_000, 'grpc.keepalive_timeout_ms': 10_000 });
  server.addService(localApiDefinition, localApiImplementation((watcher) => feed.subscribe(watcher)));
  const wanted = joinHostPort(options.bindAddr, options.port);
  let port: number;
  try {
    // grpc-js may share a port that is in use; a plain exclusive listen first gives the clear error.
    if (options.port !== 0) await probeListen(options.bindAddr, options.port);
    port = await new Promise<number>((resolve, reject) =>
      server.bindAsync(wanted, ServerCredentials.createInsecure(), (err, bound) => (err ? reject(err) : resolve(bound))),
    );
  } catch (err) {
    server.forceShutdown();
    const text = errorMessage(err);
    const why = /EADDRINUSE/.test(text) ? 'already in use' : /EADDRNOTAVAIL/.test(text) ? 'address not available on this host' : text;
    throw new AppError('UNAVAILABLE', `cannot bind the gRPC port ${wanted}: ${why}`, { cause: err });
  }
  logger.info({ address: joinHostPort(options.bindAddr, port) }, 'local agent API listening');
  return {
    port,
    async close() {
      feed.close();
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, 1_000);
        server.tryShutdown(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    },
  };
}

function probeListen(ip: string, port: number): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen({ host: ip, port, exclusive: true }, () => probe.close(() => resolve()));
  });
}
