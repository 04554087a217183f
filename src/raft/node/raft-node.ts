import type { Clock, Timer } from '../../shared/clock.js';
import { AppError, errorMessage } from '../../shared/errors.js';
import type { Logger } from '../../shared/logger.js';
import type {
  BasicStatus, Entry, Membership, MembershipChange, RaftCore, RaftMessage, RaftStatus, Ready, RestoredState, Role, ServerId,
  SnapshotMessage, SnapshotMeta,
} from '../core/types.js';
import { bootstrapLog, decodeMembership } from '../core/index.js';
import type { LogStorage, SnapshotSink, SnapshotStore } from '../storage/types.js';
import { PendingProposals, PendingReads } from './pending.js';
import type { RaftStateMachine } from './state-machine.js';
import type { RaftInbox, RaftTransport } from './transport.js';

interface WriteInFlight {
  done: Promise<void>;
  /** The log on disk matches this log up to here once this write is durable. */
  durableThrough: number;
}

/**
 * The log between snapshots lives in memory here (hashicorp/raft keeps it on disk), so past this
 * many thresholds' worth of entries a snapshot is taken without waiting for the interval.
 */
const LOG_IN_MEMORY_THRESHOLDS = 8;

/**
 * Ticks a stalled leader catches up at most: past two election timeouts (at the default 10
 * ticks) its lease has lapsed and check-quorum has judged it, so more would only be heartbeats.
 */
const MAX_CATCH_UP_TICKS = 25;

/** Batches being written at once; past it, proposals gather into the next batch instead. */
const MAX_READIES_IN_FLIGHT = 8;

export interface RaftNodeOptions {
  readonly id: ServerId;
  /** This server's own RPC address, as the membership records it. */
  readonly address: string;
  /** Milliseconds per core tick. */
  readonly tickMs: number;
  /** Take a state-machine snapshot once this many entries were applied since the last (Consul: 16384)... */
  readonly snapshotThreshold: number;
  /**
   * ...checking about this often (Consul's raft_snapshot_interval, 30 s; each server waits
   * between 1× and 2× it, by its ID, so a cluster does not snapshot at once). 0: at once.
   */
  readonly snapshotIntervalMs: number;
  /** ...keeping this many entries behind it for followers slightly behind (Consul: 10240). */
  readonly trailingLogs: number;
}

export interface RaftNodeDeps {
  readonly options: RaftNodeOptions;
  readonly storage: LogStorage;
  readonly snapshots: SnapshotStore;
  readonly transport: RaftTransport;
  readonly fsm: RaftStateMachine;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Builds the core from what was read back from disk. */
  readonly createCore: (restored: RestoredState) => RaftCore;
  /**
   * Where to reach a server the membership does not list yet — a new server answering a leader
   * it has no configuration entry for. Servers learn each other's addresses from gossip.
   */
  readonly resolveAddress?: (id: ServerId) => string | undefined;
}

/** RaftNodeStatus without the per-follower progress: what status listeners get after every Ready. */
export type RaftNodeBasicStatus = Omit<RaftNodeStatus, 'progress'>;

export interface RaftNodeStatus extends RaftStatus {
  /** Index of the last entry applied to the state machine. */
  readonly appliedIndex: number;
  /** Milliseconds since a leader was last heard from (0 on the leader). */
  readonly lastContactMs: number;
  readonly lastSnapshotIndex: number;
}

/**
 * The Raft driver: the only place where the pure core meets disks, sockets and time. Inputs
 * (ticks, peer messages, proposals) go to the core at once; a loop drains the core's Ready
 * batches in order. Each is written at once and fsync'd with whatever else is waiting (group
 * commit); a leader's appends leave meanwhile and committed entries are applied meanwhile, so a
 * write is answered once any quorum has it on disk, not necessarily including this server. Its
 * messages (if not a leader's) and advance() follow when the write is durable, in order. A few
 * batches may be in the log's queue at once; past that, new proposals gather into the next one.
 */
export class RaftNode implements RaftInbox {
  private readonly pending = new PendingProposals();
  private readonly reads = new PendingReads();
  private readonly applyWaiters: { index: number; resolve: () => void }[] = [];
  private appliedIndex = 0;
  /** Highest log index up to which the log on disk is this log (it survives a crash as it is). */
  private persistedIndex = 0;
  private appliedTerm = 0;
  /** Role as of the last Ready handed out: only a settled leader sends before its own fsync. */
  private handedRole: Role = 'follower';
  /** Readys handed out whose messages wait for their persist (a non-leader's). */
  private heldBack = 0;
  /** Each Ready being persisted, oldest first: its completion, and how far the disk matches once it is. */
  private readonly writesInFlight: WriteInFlight[] = [];
  /** Last index of the log as handed to storage so far (persisted or not). */
  private writtenTail = 0;
  /** Settles once every Ready handed out so far is persisted and advanced. */
  private persisted: Promise<void> = Promise.resolve();
  private appliedMembership: Membership = { servers: [] };
  private lastSnapshot: SnapshotMeta | null = null;
  private snapshotting = false;
  /** This server's snapshot threshold: the configured one jittered by ±10% by server ID. */
  private readonly snapshotThreshold: number;
  /** This server's wait between snapshots: the configured interval times 1 to 2, by server ID. */
  private readonly snapshotIntervalMs: number;
  /** Monotonic time of the last tick. */
  private lastTickAt: number;
  /** Monotonic time of the last snapshot (or of opening). */
  private lastSnapshotAt: number;
  private processing = false;
  private closed = false;
  private fatal: Error | undefined;
  private ticker: Timer | undefined;
  private readSeq = 0;
  private readonly statusListeners: ((status: RaftNodeBasicStatus) => void)[] = [];

  private constructor(
    private readonly deps: RaftNodeDeps,
    private core: RaftCore,
  ) {
    this.snapshotThreshold = jitteredThreshold(deps.options.snapshotThreshold, deps.options.id);
    this.snapshotIntervalMs = deps.options.snapshotIntervalMs * (1 + idUnit(`${deps.options.id}/interval`));
    this.lastSnapshotAt = this.lastTickAt = deps.clock.monotonic();
  }

  /** Reads the durable state back, restores the state machine from the newest snapshot, starts ticking. */
  static async open(deps: RaftNodeDeps): Promise<RaftNode> {
    const stored = await deps.storage.open();
    const snapshot = await deps.snapshots.latest();
    if (snapshot) deps.fsm.restore(await deps.snapshots.read(snapshot));
    // A snapshot received from a leader is stored before the log is reset to it; a crash in
    // between leaves the log ending short of it. Reset now, or the next append would leave a gap.
    const storedLast = stored.entries.at(-1)?.index ?? stored.firstIndex - 1;
    if (snapshot && snapshot.index > storedLast) await deps.storage.resetTo(snapshot);
    // Entries the snapshot already covers are not replayed.
    const entries = snapshot ? stored.entries.filter((e) => e.index > snapshot.index) : stored.entries;
    const core = deps.createCore({ hardState: stored.hardState, snapshot, entries });
    const node = new RaftNode(deps, core);
    node.persistedIndex = node.writtenTail = core.status().lastIndex;
    if (snapshot) {
      node.appliedIndex = snapshot.index;
      node.appliedTerm = snapshot.term;
      node.appliedMembership = snapshot.membership;
      node.lastSnapshot = snapshot;
    }
    node.ticker = deps.clock.setInterval(() => node.onTick(), deps.options.tickMs);
    node.kick();
    return node;
  }

  // ---- inputs ---------------------------------------------------------------------------------

  /** Propose a command; resolves with the state machine's result once it is committed and applied here. */
  propose(data: Uint8Array): Promise<{ index: number; result: unknown }> {
    this.assertOpen();
    const outcome = this.core.propose(data);
    if (outcome !== 'accepted') return Promise.reject(proposeRefused(outcome));
    const { lastIndex, term } = this.core.basicStatus();
    const promise = new Promise<{ index: number; result: unknown }>((resolve, reject) =>
      this.pending.add(lastIndex, term, { resolve, reject }),
    );
    this.kick();
    return promise;
  }

  /** Leader only: a single-server membership change; resolves once the change is committed. */
  async changeMembership(change: MembershipChange): Promise<void> {
    this.assertOpen();
    const outcome = this.core.proposeMembership(change);
    if (outcome !== 'accepted') throw proposeRefused(outcome);
    const { lastIndex, term } = this.core.basicStatus();
    const done = new Promise<{ index: number; result: unknown }>((resolve, reject) =>
      this.pending.add(lastIndex, term, { resolve, reject }),
    );
    this.kick();
    await done;
  }

  /**
   * Leader only: a linearizable read point. Resolves with an index once leadership has been
   * confirmed by a quorum and the state machine has applied at least that index.
   */
  readIndex(): Promise<number> {
    this.assertOpen();
    const id = `r${++this.readSeq}`;
    // Asked first: a waiter registered for a refused read would be rejected with nobody to hear it.
    if (this.core.readIndex(id) !== 'accepted') return Promise.reject(new AppError('UNAVAILABLE', 'not the leader'));
    const promise = new Promise<number>((resolve, reject) => this.reads.add(id, { resolve, reject }));
    this.kick();
    return promise;
  }

  /**
   * Tell followers the commit index now rather than with the next append or tick: a follower
   * about to serve a read at this leader's commit index then need not wait for it.
   */
  announceCommit(): void {
    if (!this.isLeader()) return;
    this.core.announceCommit();
    this.kick();
  }

  /** Resolves once the state machine has applied `index` (a follower catching up to a read point). */
  waitApplied(index: number): Promise<void> {
    if (this.appliedIndex >= index) return Promise.resolve();
    return new Promise((resolve) => this.applyWaiters.push({ index, resolve }));
  }

  transferLeadership(to: ServerId): void {
    const outcome = this.core.transferLeadership(to);
    if (outcome === 'not-leader') throw new AppError('UNAVAILABLE', 'not the leader');
    if (outcome === 'unknown-server') throw new AppError('NOT_FOUND', `no server with ID "${to}" in the Raft configuration`);
    this.kick();
  }

  /** Whether this server has any Raft state (a log, a vote, a snapshot): then it never bootstraps. */
  hasState(): boolean {
    const status = this.core.status();
    return status.lastIndex > 0 || status.term > 0 || this.lastSnapshot !== null;
  }

  /**
   * Write the first configuration (Raft's BootstrapCluster) and start from it. Refused when this
   * server already has state — a data dir bootstraps once, ever.
   */
  async bootstrap(membership: Membership): Promise<boolean> {
    this.assertOpen();
    if (this.hasState()) return false;
    await this.quiesce();
    if (this.hasState()) return false;
    const initial = bootstrapLog(membership);
    // Hold the Ready loop: nothing the old, empty core does may reach the disk meanwhile.
    this.processing = true;
    try {
      await this.deps.storage.save(initial.hardState, initial.entries, true);
      this.core = this.deps.createCore({ hardState: initial.hardState, snapshot: null, entries: initial.entries });
      this.persistedIndex = this.writtenTail = initial.entries.at(-1)?.index ?? 0;
    } finally {
      this.processing = false;
    }
    this.deps.logger.info({ servers: membership.servers.map((s) => s.address).join(',') }, 'bootstrapped the cluster');
    if (membership.servers.length === 1 && membership.servers[0]!.id === this.deps.options.id) this.core.campaign();
    this.kick();
    return true;
  }

  /** Start an election now (a freshly bootstrapped single server). */
  campaign(): void {
    this.core.campaign();
    this.kick();
  }

  deliver(message: RaftMessage): void {
    if (this.closed || message.to !== this.deps.options.id) return;
    this.core.step(message);
    this.kick();
  }

  async receiveSnapshot(message: SnapshotMessage, data: AsyncIterable<Uint8Array>): Promise<void> {
    this.assertOpen();
    const sink = await this.deps.snapshots.create(message.snapshot);
    try {
      for await (const chunk of data) await sink.write(chunk);
      await sink.commit();
    } catch (err) {
      await sink.abort().catch(() => undefined);
      throw err;
    }
    this.deliver(message);
  }

  unreachable(address: string): void {
    const server = this.core.basicStatus().membership.servers.find((s) => s.address === address);
    if (server) this.core.reportUnreachable(server.id);
  }

  // ---- state ----------------------------------------------------------------------------------

  status(): RaftNodeStatus {
    return { ...this.basicStatus(), progress: this.core.status().progress };
  }

  /** status() without the per-follower progress, which is the costly part to build. */
  basicStatus(): RaftNodeBasicStatus {
    const status = this.core.basicStatus();
    return {
      ...status,
      appliedIndex: this.appliedIndex,
      lastContactMs: this.leaderContactAge(status),
      lastSnapshotIndex: this.lastSnapshot?.index ?? 0,
    };
  }

  isLeader(): boolean {
    return this.core.basicStatus().role === 'leader';
  }

  /** Whether a leader is known (this server or another). */
  hasLeader(): boolean {
    return this.core.basicStatus().leader !== '';
  }

  /** The commit index as this server knows it. */
  commitIndex(): number {
    return this.core.basicStatus().commit;
  }

  /** The leader's RPC address, '' when there is none known. */
  leaderAddress(): string {
    const { leader, membership } = this.core.basicStatus();
    if (!leader) return '';
    return membership.servers.find((s) => s.id === leader)?.address ?? this.deps.resolveAddress?.(leader) ?? '';
  }

  /** The membership of the applied state (what an operator sees as the configuration). */
  membership(): Membership {
    return this.appliedMembership;
  }

  /** Called after every Ready with the (possibly) changed status; the TUI and logs use it. */
  onStatus(listener: (status: RaftNodeBasicStatus) => void): void {
    this.statusListeners.push(listener);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.ticker?.cancel();
    const err = new AppError('UNAVAILABLE', 'the server is shutting down');
    this.pending.failAll(err);
    this.reads.failAll(err);
    // Let in-flight writes finish so the log is not cut mid-batch.
    await this.quiesce();
    await this.deps.storage.close();
  }

  // ---- the Ready loop -------------------------------------------------------------------------

  /** Until no Ready is being handed out or written. */
  private async quiesce(): Promise<void> {
    while (this.processing || this.writesInFlight.length > 0) {
      await new Promise((resolve) => setImmediate(resolve));
      await this.persisted;
    }
  }

  private onTick(): void {
    if (this.closed) return;
    // A timer fires once after a stall (a long GC, a stopped process), however long it was. A
    // leader ticks the time it missed, so its read lease and check-quorum see the stall; others
    // tick once, which only makes them slower to campaign.
    const now = this.deps.clock.monotonic();
    const elapsed = Math.floor((now - this.lastTickAt) / this.deps.options.tickMs);
    this.lastTickAt = now;
    const ticks = Math.min(Math.max(1, elapsed), MAX_CATCH_UP_TICKS);
    this.core.tick();
    for (let i = 1; i < ticks && this.core.basicStatus().role === 'leader'; i++) this.core.tick();
    this.leaderContactMs = this.leaderContactAge(this.core.basicStatus());
    this.kick();
    // The interval may come due with no write to notice it.
    this.maybeSnapshot();
  }

  /** Kept per tick and per Ready, so per-query readers (DNS freshness) need not build a status. */
  private leaderContactMs = 0;

  private leaderContactAge({ role, ticksSinceLeaderContact }: BasicStatus): number {
    return role === 'leader' ? 0 : ticksSinceLeaderContact * this.deps.options.tickMs;
  }

  /** Milliseconds since a leader was last heard from (0 on the leader), as of the last tick or Ready. */
  lastContactMs(): number {
    return this.leaderContactMs;
  }

  /** Make sure the Ready loop runs soon; inputs that arrive meanwhile join the same batch. */
  private kick(): void {
    if (this.processing || this.closed || this.fatal) return;
    this.processing = true;
    setImmediate(() => void this.drain());
  }

  private async drain(): Promise<void> {
    try {
      while (!this.closed && !this.fatal && this.core.hasReady()) {
        const ready = this.core.ready();
        if (ready.snapshot) {
          // It replaces the state machine and the log: every earlier write lands first.
          await this.persisted;
          await this.installSnapshot(ready.snapshot);
          this.persistedIndex = this.writtenTail = ready.snapshot.index;
        }
        this.begin(ready);
        // Bounded pipelining: past this many batches being written, the next waits and grows.
        if (this.writesInFlight.length >= MAX_READIES_IN_FLIGHT) await this.writesInFlight[0]!.done;
      }
    } catch (err) {
      this.stop(err);
    } finally {
      this.processing = false;
    }
    if (!this.closed && !this.fatal && this.core.hasReady()) this.kick();
  }

  /**
   * Everything a Ready allows before its persist completes: the write is queued, a settled
   * leader's appends leave (it counts itself only once advance() confirms the write), and the
   * committed entries are applied — committed means durable on a quorum, so a leader whose own
   * fsync is slower than two followers' answers its writers without waiting for it.
   */
  private begin(ready: Ready): void {
    const wasLeader = this.handedRole === 'leader';
    if (ready.softState) this.handedRole = ready.softState.role;
    // A non-leader's messages promise what this Ready (and every earlier one) persists; so do a
    // leader's while a non-leader's are still held back, or they would overtake them.
    const early = wasLeader && this.handedRole === 'leader' && this.heldBack === 0;
    const first = ready.entries[0];
    if (first && first.index <= this.writtenTail) this.rewrittenFrom(first.index);
    if (first) this.writtenTail = ready.entries.at(-1)!.index;
    const write = ready.hardState || ready.entries.length > 0
      ? this.deps.storage.save(ready.hardState, ready.entries, ready.mustSync)
      : undefined;
    // Its failure is handled in order, below; this only stops it counting as unhandled meanwhile.
    write?.catch(() => undefined);
    if (early) this.send(ready.messages);
    else this.heldBack++;
    this.applyCommitted(ready.committed);
    for (const read of ready.readStates) this.reads.confirmed(read.id, read.index, this.appliedIndex);
    for (const id of ready.droppedReads) this.reads.dropped(id);
    const status = this.basicStatus();
    this.leaderContactMs = status.lastContactMs;
    if (ready.softState) this.logRoleChange(ready);
    this.notifyStatus(status);
    // Readys complete in the order they were handed out (the log writes them in that order too).
    const inFlight: WriteInFlight = { done: Promise.resolve(), durableThrough: this.writtenTail };
    inFlight.done = this.persisted.then(() => write).then(() => this.finish(ready, early, inFlight));
    this.writesInFlight.push(inFlight);
    this.persisted = inFlight.done.then(
      () => void this.writesInFlight.shift(),
      (err: unknown) => {
        this.writesInFlight.shift();
        this.stop(err);
      },
    );
  }

  /**
   * Entries from `index` on replace what was written there (a follower's conflicting suffix):
   * the disk matches the log only below it until they are durable, whatever earlier writes finish.
   */
  private rewrittenFrom(index: number): void {
    this.persistedIndex = Math.min(this.persistedIndex, index - 1);
    for (const write of this.writesInFlight) write.durableThrough = Math.min(write.durableThrough, index - 1);
  }

  /** The Ready is durable: held-back messages leave, and the core may count what it wrote. */
  private finish(ready: Ready, early: boolean, write: WriteInFlight): void {
    if (this.closed || this.fatal) return;
    this.persistedIndex = write.durableThrough;
    if (!early) {
      this.send(ready.messages);
      this.heldBack--;
    }
    this.core.advance(ready);
    this.maybeSnapshot();
    // The leader counting its own write may have moved the commit index.
    this.kick();
  }

  /**
   * A failed fsync or an entry the state machine cannot apply: continuing could diverge from the
   * other servers or acknowledge what is not durable. Stop this server's Raft.
   */
  private stop(err: unknown): void {
    if (this.fatal) return;
    this.fatal = err instanceof Error ? err : new Error(String(err));
    this.deps.logger.error({ err: errorMessage(err) }, 'fatal error, this server stops taking part');
    this.ticker?.cancel();
    this.pending.failAll(new AppError('UNAVAILABLE', `raft stopped: ${errorMessage(err)}`));
    this.reads.failAll(new AppError('UNAVAILABLE', `raft stopped: ${errorMessage(err)}`));
  }

  private notifyStatus(status: RaftNodeBasicStatus): void {
    for (const listener of this.statusListeners) {
      try {
        listener(status);
      } catch (err) {
        this.deps.logger.warn({ err: errorMessage(err) }, 'status listener failed');
      }
    }
  }

  private send(messages: readonly RaftMessage[]): void {
    if (messages.length === 0) return;
    const servers = this.core.basicStatus().membership.servers;
    for (const message of messages) {
      const address = servers.find((s) => s.id === message.to)?.address ?? this.deps.resolveAddress?.(message.to);
      if (!address) continue;
      if (message.type === 'snapshot') void this.sendSnapshot(message, address);
      else this.deps.transport.send(message, address);
    }
  }

  private async sendSnapshot(message: SnapshotMessage, address: string): Promise<void> {
    let ok = false;
    try {
      ok = await this.deps.transport.sendSnapshot(message, address, this.deps.snapshots.open(message.snapshot));
    } catch (err) {
      this.deps.logger.warn({ to: message.to, err: errorMessage(err) }, 'snapshot transfer failed');
    }
    if (this.closed) return;
    this.core.reportSnapshot(message.to, ok);
    this.kick();
  }

  private applyCommitted(entries: readonly Entry[]): void {
    const { fsm } = this.deps;
    for (const entry of entries) {
      let result: unknown = undefined;
      if (entry.kind === 'config') this.membershipApplied(decodeMembership(entry.data));
      else if (entry.data.length > 0) result = fsm.apply(entry.index, entry.data);
      this.appliedIndex = entry.index;
      this.appliedTerm = entry.term;
      this.pending.applied(entry.index, entry.term, result);
    }
    if (entries.length === 0) return;
    this.reads.appliedThrough(this.appliedIndex);
    this.releaseApplyWaiters();
  }

  private membershipApplied(next: Membership): void {
    const kept = new Set(next.servers.map((s) => s.address));
    for (const server of this.appliedMembership.servers) {
      if (!kept.has(server.address)) this.deps.transport.forgetPeer?.(server.address);
    }
    this.appliedMembership = next;
  }

  private releaseApplyWaiters(): void {
    if (this.applyWaiters.length === 0) return;
    for (let i = this.applyWaiters.length - 1; i >= 0; i--) {
      const waiter = this.applyWaiters[i]!;
      if (waiter.index > this.appliedIndex) continue;
      this.applyWaiters.splice(i, 1);
      waiter.resolve();
    }
  }

  /** A leader's snapshot arrived (stored by receiveSnapshot): it replaces state machine and log. */
  private async installSnapshot(meta: SnapshotMeta): Promise<void> {
    this.deps.fsm.restore(await this.deps.snapshots.read(meta));
    await this.deps.storage.resetTo(meta);
    this.pending.skippedThrough(meta.index);
    this.appliedIndex = meta.index;
    this.appliedTerm = meta.term;
    this.appliedMembership = meta.membership;
    this.lastSnapshot = meta;
    this.reads.appliedThrough(this.appliedIndex);
    this.releaseApplyWaiters();
    this.deps.logger.info({ index: meta.index, term: meta.term }, 'installed snapshot from the leader');
  }

  /**
   * Past the threshold, capture the state machine (synchronously, so it is exactly the applied
   * state; the capture is cheap), then encode and write it out in the background, piece by
   * piece with the event loop let run between pieces, and finally let the core and the log drop
   * what it covers. Each server's threshold is jittered so a cluster does not snapshot at once.
   */
  private maybeSnapshot(): void {
    const since = this.appliedIndex - (this.lastSnapshot?.index ?? 0);
    if (this.snapshotting || since < this.snapshotThreshold || this.appliedIndex === 0) return;
    const due = this.deps.clock.monotonic() - this.lastSnapshotAt >= this.snapshotIntervalMs;
    if (!due && since < this.snapshotThreshold * LOG_IN_MEMORY_THRESHOLDS) return;
    // Entries can be applied before this server's own copy is durable; a snapshot waits for it,
    // so what it covers is always a prefix of the log on disk here.
    if (this.appliedIndex > this.persistedIndex) return;
    const meta: SnapshotMeta = { index: this.appliedIndex, term: this.appliedTerm, membership: this.appliedMembership };
    const { fsm } = this.deps;
    const data = fsm.snapshotPieces ? fsm.snapshotPieces() : fsm.snapshot();
    this.snapshotting = true;
    this.lastSnapshotAt = this.deps.clock.monotonic();
    void this.writeSnapshot(meta, data).finally(() => {
      this.snapshotting = false;
    });
  }

  private async writeSnapshot(meta: SnapshotMeta, data: Uint8Array | Iterable<Uint8Array>): Promise<void> {
    const { trailingLogs } = this.deps.options;
    const started = this.deps.clock.monotonic();
    let sink: SnapshotSink | undefined;
    try {
      sink = await this.deps.snapshots.create(meta);
      let bytes = 0;
      for (const piece of data instanceof Uint8Array ? [data] : data) {
        if (this.closed) throw new AppError('UNAVAILABLE', 'the server is shutting down');
        await sink.write(piece);
        bytes += piece.length;
        // Applies, sends and HTTP replies run between pieces.
        await new Promise((resolve) => setImmediate(resolve));
      }
      const done = sink;
      sink = undefined;
      await done.commit();
      // A leader's newer snapshot may have been installed while this one was written.
      if (this.closed || meta.index <= (this.lastSnapshot?.index ?? 0)) return;
      this.lastSnapshot = meta;
      this.core.compact(meta, trailingLogs);
      await this.deps.storage.compact(meta.index - trailingLogs);
      this.deps.logger.info({ index: meta.index, bytes, ms: Math.round(this.deps.clock.monotonic() - started) }, 'snapshot taken');
    } catch (err) {
      await sink?.abort().catch(() => undefined);
      if (!this.closed) this.deps.logger.warn({ err: errorMessage(err) }, 'snapshot failed; will retry');
    }
  }

  private logRoleChange(ready: Ready): void {
    const soft = ready.softState!;
    const { logger } = this.deps;
    if (soft.role === 'leader') logger.info({ term: soft.term }, 'entering leader state');
    else if (soft.role === 'candidate') logger.info({ term: soft.term }, 'entering candidate state');
    else if (soft.role === 'follower' && soft.leader) logger.info({ leader: soft.leader, term: soft.term }, 'following leader');
  }

  private assertOpen(): void {
    if (this.closed) throw new AppError('UNAVAILABLE', 'the server is shutting down');
    if (this.fatal) throw new AppError('UNAVAILABLE', `raft stopped: ${this.fatal.message}`);
  }
}

function proposeRefused(outcome: string): AppError {
  switch (outcome) {
    case 'not-leader':
      return new AppError('UNAVAILABLE', 'not the leader');
    case 'transferring':
      return new AppError('UNAVAILABLE', 'leadership is being transferred; retry shortly');
    case 'config-pending':
      return new AppError('UNAVAILABLE', 'a Raft configuration change is already in progress; retry shortly');
    case 'invalid':
      return new AppError('BAD_REQUEST', 'the Raft configuration change is not valid');
    case 'too-large':
      return new AppError('TOO_LARGE', 'the command is too large for one Raft entry');
    default:
      return new AppError('INTERNAL', `proposal refused: ${outcome}`);
  }
}

/**
 * The snapshot threshold of one server: `base` moved by up to ±10%, by a hash of its ID (stable
 * across restarts), so servers that apply the same entries do not all snapshot at the same one.
 */
export function jitteredThreshold(base: number, id: string): number {
  return Math.max(1, Math.round(base * (0.9 + 0.2 * idUnit(id))));
}

/** A number in [0, 1) from a hash of `id` (FNV-1a): stable across restarts, different per server. */
function idUnit(id: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193);
  return (h >>> 0) / 0x1_0000_0000;
}
