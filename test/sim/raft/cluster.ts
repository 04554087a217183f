/**
 * Deterministic Raft cluster simulator. N servers, each the pure Raft core plus a simulated disk
 * (durable and un-fsync'd parts), a durable snapshot store and a KV state machine, over a seeded
 * virtual network (loss, delay, duplication, reordering, partitions) with crash-restarts, pauses
 * and membership changes. Clients issue put/get/cas/delete; the history is checked for
 * linearizability at the end, and the Raft safety properties after every event.
 *
 * Time is in units; a server ticks every ~TICK units. Every random draw comes from the seed, so
 * a failing seed replays exactly.
 *
 * Driver rules (types.ts): for each Ready, persist (hardState, entries, snapshot; fsync if
 * mustSync), send (a leader may send first), apply committed entries, then advance.
 */
import { seededRandom, shuffled, type Random } from '../../../src/shared/random.js';
import type {
  Entry, HardState, Membership, RaftCore, RaftMessage, Ready, Role, ServerId, SnapshotMessage, SnapshotMeta,
} from '../../../src/raft/core/types.js';
import { checkKv, lockIndexViolation, type KvInput, type KvOperation, type KvOutput } from '../linearizability.js';
import { bootstrapLog, createCore, decodeMembership, raftConfig } from './core.js';
import { DiskError, entryAt, lastIndex, SimDisk, termAt, ZERO_HARD_STATE } from './disk.js';
import { EMPTY_PREFIX, entryDigest, extendPrefix, fnv1aString } from './hash.js';
import { commandId, decodeCommand, encodeCommand, KvStore, type Command } from './kv.js';
import { TICK, type SimOptions } from './options.js';
import { EventQueue } from './queue.js';

const EMPTY_MEMBERSHIP: Membership = { servers: [] };
const TRACE_TAIL = 400;

export class SimFailure extends Error {
  constructor(
    readonly seed: number,
    readonly kind: string,
    readonly detail: string,
    readonly traceTail: readonly string[],
  ) {
    super(`seed ${seed}: ${kind}: ${detail}`);
    this.name = 'SimFailure';
  }

  report(tail = 60): string {
    return [this.message, `--- last ${Math.min(tail, this.traceTail.length)} trace lines ---`, ...this.traceTail.slice(-tail)].join('\n');
  }
}

interface StoredSnapshot {
  readonly meta: SnapshotMeta;
  readonly data: Uint8Array;
  /** Prefix hash of the committed log at meta.index. */
  readonly prefix: number;
}

interface PendingWrite {
  readonly client: number;
  readonly seq: number;
  readonly reqId: number;
  readonly term: number;
  readonly proposedAt: number;
}

interface PendingRead {
  readonly client: number;
  readonly reqId: number;
  readonly key: string;
  index: number | null;
}

interface OutstandingReady {
  readonly ready: Ready;
  /** Its messages already left (a settled leader's); otherwise they wait for durability. */
  readonly early: boolean;
  /** Simulated time its fsync completes; nondecreasing along the queue (fsyncs are serial). */
  readonly durableAt: number;
  /** The disk matches the log up to here once it is durable (lowered by a later rewrite). */
  durableThrough: number;
}

/** Ticks a stalled leader catches up at most (RaftNode's MAX_CATCH_UP_TICKS). */
const MAX_CATCH_UP_TICKS = 25;

/** Readys a server may have in flight at once (RaftNode's MAX_READIES_IN_FLIGHT). */
const MAX_READIES_IN_FLIGHT = 8;

export class SimServer {
  core: RaftCore | null = null;
  incarnation = 0;
  readonly disk: SimDisk;
  /** Durable snapshot store, ascending by index. */
  snapshots: StoredSnapshot[] = [];
  kv = new KvStore();
  applied = 0;
  appliedTerm = 0;
  appliedPrefix = EMPTY_PREFIX;
  appliedMembership: Membership = EMPTY_MEMBERSHIP;
  lastSnapshotIndex = 0;
  pendingWrites = new Map<number, PendingWrite>();
  pendingReads = new Map<string, PendingRead>();
  readCounter = 0;
  pausedUntil = 0;
  decommissioned = false;
  restartPending = false;
  tickPeriod = TICK;
  role: Role = 'follower';
  leaderId: ServerId | '' = '';
  // Per-incarnation observations for the monotonicity checks.
  seenTerm = 0;
  seenCommit = 0;
  lastHardState: HardState = ZERO_HARD_STATE;
  leaderTerm = -1;
  leaderLast = 0;
  expectProposal: { index: number; term: number; data: Uint8Array } | null = null;
  /**
   * Readys handed out and written but not yet durable, oldest first (sent if an early leader's,
   * applied, not yet synced/advanced). Several at once: the driver pipelines its writes.
   */
  outstanding: OutstandingReady[] = [];
  /** Last entry index of the newest Ready made durable (the driver's persistedIndex). */
  persistedIndex = 0;
  /** Role as of the last Ready handed out (the driver's handedRole). */
  handedRole: Role = 'follower';
  /** Last index of the log as written so far (synced or not). */
  writtenTail = 0;

  constructor(readonly id: ServerId, readonly address: string, readonly ordinal: number, record: (i: number, t: number, p: number) => void) {
    this.disk = new SimDisk(record);
  }

  get alive(): boolean {
    return this.core !== null;
  }
}

interface OpRecord {
  readonly client: number;
  readonly seq: number;
  readonly input: KvInput;
  readonly call: number;
  readonly startedAt: number;
  ret?: number;
  output?: KvOutput;
  status: 'running' | 'ok' | 'unknown' | 'failed';
}

interface SimClient {
  readonly index: number;
  readonly name: string;
  op: OpRecord | null;
  reqId: number;
  attempts: number;
  target: ServerId;
  seq: number;
  readonly lastSeen: Map<string, string | null>;
  stopped: boolean;
  okInLiveness: number;
}

interface ClientRequest {
  readonly reqId: number;
  readonly client: number;
  readonly seq: number;
  readonly input: KvInput;
}

type ClientResult =
  | { readonly kind: 'ok'; readonly output: KvOutput }
  | { readonly kind: 'not-leader'; readonly hint: ServerId | '' }
  /** Definitely had no effect. */
  | { readonly kind: 'failed'; readonly why: string }
  /** May or may not have taken effect. */
  | { readonly kind: 'unknown'; readonly why: string };

interface CommittedRecord {
  readonly term: number;
  readonly prefix: number;
  readonly by: ServerId;
}

export interface SimStats {
  seed: number;
  servers: number;
  ticks: number;
  opsOk: number;
  opsUnknown: number;
  opsFailed: number;
  reads: number;
  writes: number;
  elections: number;
  maxTerm: number;
  committed: number;
  commitLatencySum: number;
  commitLatencyCount: number;
  messages: number;
  dropped: number;
  crashes: number;
  partitions: number;
  pauses: number;
  snapshotsTaken: number;
  snapshotsSent: number;
  snapshotsInstalled: number;
  membershipChanges: number;
  checkSteps: number;
  checkVerdict: 'ok' | 'illegal' | 'unknown' | 'skipped';
  livenessTicks: number;
  /** Un-fsync'd writes lost in crashes. */
  unsyncedLost: number;
  fingerprint: string;
}

export class RaftSim {
  now = 0;
  phase: 'safety' | 'liveness' | 'done' = 'safety';
  readonly servers: SimServer[] = [];
  readonly clients: SimClient[] = [];
  readonly ops: OpRecord[] = [];
  readonly stats: SimStats;
  /** The whole trace when opts.fullTrace, else the last TRACE_TAIL lines. */
  readonly trace: string[] = [];

  private readonly queue = new EventQueue();
  private readonly net: Random;
  private readonly faults: Random;
  private readonly workload: Random;
  private readonly byId = new Map<ServerId, SimServer>();
  /** Targeted scenarios: drop Raft messages matching this predicate. */
  dropIf: ((m: RaftMessage) => boolean) | null = null;
  private traceHash = 0x811c9dc5;
  private traceCount = 0;
  private historyClock = 0;
  private reqCounter = 0;
  /** The last 64 messages sent, for replays. */
  private readonly sent: RaftMessage[] = [];
  private sentCount = 0;
  // Partitions: side per node (absent: side 0) and blocked directed links.
  private sides: Map<string, number> | null = null;
  private blocked = new Set<string>();
  private partitionEnds = 0;
  // Invariant state.
  private readonly leaders = new Map<number, ServerId>();
  private newest: { server: SimServer; term: number; incarnation: number } | null = null;
  private readonly entryPrefixes = new Map<string, number>();
  private readonly committed: CommittedRecord[] = [];
  private committedMax = 0;
  /** Every command in the committed log, with the result of applying it. */
  private readonly committedCommands = new Map<string, KvOutput>();
  private readonly votes = new Map<string, ServerId>();
  private readonly stateAt = new Map<number, string>();
  private committedMembership: { index: number; membership: Membership } = { index: 0, membership: EMPTY_MEMBERSHIP };
  private membershipPlan: {
    phase: 'idle' | 'adding' | 'promoting' | 'waiting' | 'removing' | 'done';
    addAt: number;
    removeAt: number;
    added: SimServer | null;
    victim: ServerId | null;
  };

  constructor(readonly opts: SimOptions) {
    const root = seededRandom(opts.seed);
    this.net = seededRandom(root.int(2 ** 32));
    this.faults = seededRandom(root.int(2 ** 32));
    this.workload = seededRandom(root.int(2 ** 32));
    this.stats = {
      seed: opts.seed, servers: opts.servers, ticks: 0, opsOk: 0, opsUnknown: 0, opsFailed: 0, reads: 0, writes: 0,
      elections: 0, maxTerm: 0, committed: 0, commitLatencySum: 0, commitLatencyCount: 0, messages: 0, dropped: 0,
      crashes: 0, partitions: 0, pauses: 0, snapshotsTaken: 0, snapshotsSent: 0, snapshotsInstalled: 0,
      membershipChanges: 0, checkSteps: 0, checkVerdict: 'skipped', livenessTicks: 0, unsyncedLost: 0, fingerprint: '',
    };
    this.membershipPlan = {
      phase: 'idle', addAt: Math.floor(opts.ticks * 0.15) * TICK, removeAt: Math.floor(opts.ticks * 0.55) * TICK,
      added: null, victim: null,
    };
  }

  // -------------------------------------------------------------------------------------------
  // Running.

  /** Run the whole scenario: safety phase, liveness phase, final checks. Throws SimFailure. */
  run(): SimStats {
    this.start();
    this.runUntil(this.opts.ticks * TICK);
    return this.finish();
  }

  /** Set up without running: for targeted scenarios that drive the cluster by hand. */
  start(): void {
    this.guard(() => this.setup());
  }

  /** Heal everything, require convergence (liveness), then run the final checks. */
  finish(): SimStats {
    this.guard(() => {
      const healedAt = this.now;
      this.startLiveness();
      const deadline = this.now + this.opts.livenessTicks * TICK;
      while (!this.converged()) {
        if (this.now >= deadline) this.fail('liveness', `no convergence ${this.opts.livenessTicks} ticks after healing:\n${this.describeCluster()}`);
        this.runUntil(this.now + TICK);
      }
      this.stats.livenessTicks = Math.round((this.now - healedAt) / TICK);
      this.phase = 'done';
      this.finalChecks();
    });
    return this.stats;
  }

  server(id: ServerId): SimServer {
    const s = this.byId.get(id);
    if (!s) throw new Error(`no server ${id}`);
    return s;
  }

  /** Process events up to time `until` (inclusive). */
  runUntil(until: number): void {
    this.guard(() => {
      while (this.queue.peekAt() <= until) {
        const ev = this.queue.pop()!;
        this.now = ev.at;
        ev.run();
        this.checkNewestLeader();
      }
      this.now = Math.max(this.now, until);
      this.stats.ticks = Math.round(this.now / TICK);
    });
  }

  runTicks(ticks: number): void {
    this.runUntil(this.now + ticks * TICK);
  }

  /** Run until `pred` holds (checked every tick) or `maxTicks` pass; true if it held. */
  runUntilTrue(pred: () => boolean, maxTicks: number): boolean {
    const end = this.now + maxTicks * TICK;
    while (this.now < end) {
      if (pred()) return true;
      this.runUntil(this.now + TICK);
    }
    return pred();
  }

  private guard(f: () => void): void {
    try {
      f();
    } catch (err) {
      if (err instanceof SimFailure) throw err;
      const detail = err instanceof Error ? (err.stack ?? err.message) : String(err);
      this.fail(err instanceof DiskError ? 'log' : 'exception', detail);
    }
  }

  private schedule(at: number, run: () => void): void {
    this.queue.push(Math.max(at, this.now), run);
  }

  private setup(): void {
    const n = this.opts.servers;
    for (let i = 0; i < n; i++) this.addServer();
    const membership: Membership = {
      servers: this.servers.map((s) => ({ id: s.id, address: s.address, voter: true })),
    };
    const boot = bootstrapLog(membership);
    for (const s of this.servers) {
      s.disk.write({ kind: 'append', entries: boot.entries }, false);
      s.disk.write({ kind: 'hard-state', hardState: boot.hardState }, true);
      this.boot(s);
    }
    for (let c = 0; c < this.opts.clients; c++) {
      const client: SimClient = {
        index: c, name: `c${c}`, op: null, reqId: 0, attempts: 0, target: this.randomServer(this.workload), seq: 0,
        lastSeen: new Map(), stopped: false, okInLiveness: 0,
      };
      this.clients.push(client);
      this.schedule(this.now + 5 * TICK + this.workload.int(3 * TICK), () => this.issue(client));
    }
    const faultLoop = (): void => {
      if (this.phase !== 'safety') return;
      this.faultStep();
      this.schedule(this.now + TICK, faultLoop);
    };
    this.schedule(TICK, faultLoop);
    if (this.opts.membership) {
      const memberLoop = (): void => {
        if (this.phase !== 'safety') return;
        this.membershipStep();
        this.schedule(this.now + 5 * TICK, memberLoop);
      };
      this.schedule(5 * TICK, memberLoop);
    }
  }

  private addServer(): SimServer {
    const i = this.servers.length;
    const s = new SimServer(`s${i + 1}`, `10.0.0.${i + 1}:8300`, i, (index, term, prefix) => this.recordEntry(s, index, term, prefix));
    this.servers.push(s);
    this.byId.set(s.id, s);
    return s;
  }

  // -------------------------------------------------------------------------------------------
  // Server lifecycle.

  /** Start a server's core from its durable state (first start or restart). */
  private boot(s: SimServer): void {
    s.incarnation++;
    s.restartPending = false;
    const snap = s.snapshots[s.snapshots.length - 1] ?? null;
    s.kv = snap ? KvStore.restore(snap.data) : new KvStore();
    s.applied = snap?.meta.index ?? 0;
    s.appliedTerm = snap?.meta.term ?? 0;
    s.appliedPrefix = snap?.prefix ?? EMPTY_PREFIX;
    s.appliedMembership = snap?.meta.membership ?? EMPTY_MEMBERSHIP;
    s.lastSnapshotIndex = s.applied;
    s.pendingWrites = new Map();
    s.pendingReads = new Map();
    s.pausedUntil = 0;
    s.role = 'follower';
    s.leaderId = '';
    s.leaderTerm = -1;
    s.expectProposal = null;
    s.outstanding = [];
    if (snap) {
      // A snapshot newer than the durable log (received, not yet installed) supersedes it.
      const d = s.disk.durable;
      if (snap.meta.index > lastIndex(d) || termAt(d, snap.meta.index) !== snap.meta.term) {
        s.disk.write({ kind: 'reset', index: snap.meta.index, term: snap.meta.term, hash: snap.prefix }, true);
      }
    }
    let hardState = s.disk.durable.hardState;
    if (this.opts.bug === 'forget-vote') hardState = { ...hardState, vote: '' };
    const entries = s.disk.durableEntriesAfter(snap?.meta.index ?? 0);
    s.lastHardState = hardState;
    s.seenTerm = hardState.term;
    s.seenCommit = 0;
    const config = {
      ...raftConfig(s.id), maxSizePerMsg: this.opts.maxSizePerMsg, maxInflightMsgs: this.opts.maxInflightMsgs, readLease: this.opts.readLease,
    };
    const random = seededRandom((this.opts.seed * 7919 + s.ordinal * 104729 + s.incarnation * 15485863) >>> 0);
    s.core = createCore(config, random, { hardState, snapshot: snap?.meta ?? null, entries });
    s.persistedIndex = s.writtenTail = s.core.status().lastIndex;
    s.handedRole = 'follower';
    s.tickPeriod = this.opts.faults.clockSkew ? TICK / 2 + this.faults.int(TICK * 1.5 + 1) : TICK - 1 + this.faults.int(3);
    this.log(`${s.id} start #${s.incarnation} term=${hardState.term} vote=${hardState.vote || '-'} commit=${hardState.commit} snap=${snap?.meta.index ?? 0} log=${lastIndex(s.disk.written)}`);
    const st = s.core.status();
    if (st.commit < Math.min(hardState.commit, lastIndex(s.disk.written))) {
      this.fail('commit', `${s.id} restarted with commit ${st.commit} below its durable commit ${hardState.commit}`);
    }
    this.scheduleTicks(s);
    this.drain(s);
  }

  private scheduleTicks(s: SimServer): void {
    const inc = s.incarnation;
    let lastTick = this.now;
    const loop = (): void => {
      if (s.incarnation !== inc || !s.core) return;
      if (s.pausedUntil > this.now) {
        this.schedule(s.pausedUntil, loop);
        return;
      }
      // As RaftNode: a leader that was stalled ticks the time it missed (its lease runs out).
      const missed = Math.floor((this.now - lastTick) / s.tickPeriod) - 1;
      const ticks = 1 + Math.max(0, Math.min(missed, MAX_CATCH_UP_TICKS));
      s.core.tick();
      for (let i = 1; i < ticks && s.core.status().role === 'leader'; i++) s.core.tick();
      lastTick = this.now;
      this.drain(s);
      this.schedule(this.now + s.tickPeriod, loop);
    };
    this.schedule(this.now + 1 + this.faults.int(s.tickPeriod), loop);
  }

  /** Stops a server; of its writes not yet synced, a random prefix survives (or `keepUnsynced`). */
  crash(s: SimServer, why: string, keepUnsynced?: number): void {
    if (!s.core) return;
    s.core = null;
    s.outstanding = [];
    const pending = s.disk.pending.length;
    const keep = Math.min(pending, keepUnsynced ?? this.faults.int(pending + 1));
    this.stats.unsyncedLost += pending - keep;
    s.disk.crash(keep);
    s.kv = new KvStore();
    s.pendingWrites = new Map();
    s.pendingReads = new Map();
    s.expectProposal = null;
    s.role = 'follower';
    this.stats.crashes++;
    this.log(`${s.id} CRASH (${why}) kept ${keep}/${pending} unsynced writes; durable term=${s.disk.durable.hardState.term} log=${lastIndex(s.disk.durable)}`);
  }

  restart(s: SimServer): void {
    if (s.core || s.decommissioned) return;
    this.boot(s);
  }

  private scheduleRestart(s: SimServer): void {
    if (s.restartPending || s.decommissioned) return;
    s.restartPending = true;
    const [lo, hi] = this.opts.faults.downTicks;
    this.schedule(this.now + (lo + this.faults.int(hi - lo + 1)) * TICK, () => {
      if (this.phase === 'safety') this.restart(s);
    });
  }

  // -------------------------------------------------------------------------------------------
  // The Ready loop.

  private drain(s: SimServer): void {
    let rounds = 0;
    while (s.core && s.outstanding.length < MAX_READIES_IN_FLIGHT && s.core.hasReady()) {
      if (++rounds > 10_000) this.fail('ready', `${s.id}: hasReady() never settles`);
      if (!this.handleReady(s, s.core.ready())) return;
    }
    if (!s.core) return;
    if (s.outstanding.length === 0 && s.expectProposal && s.role === 'leader' && s.core.status().term === s.expectProposal.term) {
      this.fail('driver', `${s.id}: proposal expected at index ${s.expectProposal.index} (status().lastIndex) never appeared in Ready.entries`);
    }
    this.checkServer(s);
  }

  /**
   * As RaftNode does: write, send (a settled leader with nothing held back, at once), apply the
   * committed entries at once; sync, send (the rest) and advance when the write is durable —
   * now, or after a simulated disk latency during which the core keeps stepping messages,
   * ticking and handing out further Readys. Returns false if the server crashed meanwhile.
   */
  private handleReady(s: SimServer, r: Ready): boolean {
    const wasLeader = s.handedRole === 'leader';
    if (r.softState) s.handedRole = r.softState.role;
    if (r.softState) {
      if (r.softState.role !== s.role || r.softState.leader !== s.leaderId) {
        this.log(`${s.id} ${r.softState.role} term=${r.softState.term} leader=${r.softState.leader || '-'}`);
      }
      s.role = r.softState.role;
      s.leaderId = r.softState.leader;
    }
    const leader = s.handedRole === 'leader';
    this.checkReady(s, r, leader);
    if (r.entries.length > 0) this.noteProposals(s, r.entries);

    // A leader may send before persisting; it must not count itself before the persist.
    const early = this.opts.bug === 'early-acks' || (wasLeader && leader && s.outstanding.every((o) => o.early));
    if (early) {
      this.sendAll(s, r.messages);
      if (this.phase === 'safety' && r.entries.length > 0 && this.faults.float() < this.opts.faults.crashMidReady) {
        this.crash(s, 'leader, after sending, before persisting');
        this.scheduleRestart(s);
        return false;
      }
    }
    if (r.snapshot) {
      // The driver waits for every earlier write before installing one.
      this.settle(s, Infinity);
      this.installSnapshot(s, r.snapshot);
      s.persistedIndex = s.writtenTail = r.snapshot.index;
    }
    // As RaftNode: a rewritten suffix is not what the disk holds until the rewrite is durable.
    const first = r.entries[0];
    if (first && first.index <= s.writtenTail) {
      s.persistedIndex = Math.min(s.persistedIndex, first.index - 1);
      for (const o of s.outstanding) o.durableThrough = Math.min(o.durableThrough, first.index - 1);
    }
    if (first) s.writtenTail = r.entries.at(-1)!.index;
    if (r.entries.length > 0) s.disk.write({ kind: 'append', entries: r.entries }, false);
    if (r.hardState) {
      s.disk.write({ kind: 'hard-state', hardState: r.hardState }, false);
      s.lastHardState = r.hardState;
    }

    // Apply: committed entries are durable on a quorum, so before this server's own sync.
    for (const e of r.committed) this.apply(s, e);
    for (const rs of r.readStates) {
      const p = s.pendingReads.get(rs.id);
      if (p) p.index = rs.index;
    }
    for (const id of r.droppedReads) {
      const p = s.pendingReads.get(id);
      if (!p) continue;
      s.pendingReads.delete(id);
      this.reply(s, p.client, p.reqId, { kind: 'failed', why: 'read dropped' });
    }
    this.serveReads(s);

    const f = this.opts.faults;
    const latency = f.asyncPersist > 0 && this.faults.float() < f.asyncPersist ? 1 + this.faults.int(f.diskLatency) : 0;
    const durableAt = Math.max(this.now + latency, s.outstanding.at(-1)?.durableAt ?? 0);
    s.outstanding.push({ ready: r, early, durableAt, durableThrough: s.writtenTail });
    if (durableAt <= this.now) {
      this.settle(s, this.now);
      return true;
    }
    const inc = s.incarnation;
    this.schedule(durableAt, () => {
      if (s.incarnation !== inc || !s.core) return;
      this.settle(s, this.now);
      this.drain(s);
    });
    return true;
  }

  /** Completes, oldest first, the outstanding Readys durable by `now`. */
  private settle(s: SimServer, now: number): void {
    while (s.core && s.outstanding.length > 0 && s.outstanding[0]!.durableAt <= now) {
      const { ready: r, early, durableThrough } = s.outstanding.shift()!;
      if (r.mustSync && this.opts.bug !== 'no-fsync') s.disk.sync();
      else if (this.faults.float() < this.opts.faults.backgroundFlush) s.disk.sync();
      s.persistedIndex = durableThrough;
      if (!early) this.sendAll(s, r.messages);
      s.core.advance(r);
      this.maybeSnapshot(s);
    }
  }

  private checkReady(s: SimServer, r: Ready, leader: boolean): void {
    const prev = s.lastHardState;
    const hs = r.hardState;
    if (hs) {
      if (hs.term < prev.term) this.fail('hard-state', `${s.id} term went backwards ${prev.term} -> ${hs.term}`);
      if (hs.term === prev.term && prev.vote !== '' && hs.vote !== prev.vote) {
        this.fail('hard-state', `${s.id} changed its vote in term ${hs.term}: ${prev.vote} -> ${hs.vote || '(none)'}`);
      }
      if (hs.commit < prev.commit) this.fail('commit', `${s.id} persisted commit went backwards ${prev.commit} -> ${hs.commit}`);
    }
    const changesVote = hs !== null && (hs.term !== prev.term || hs.vote !== prev.vote);
    if (!r.mustSync && (r.entries.length > 0 || r.snapshot !== null || changesVote)) {
      this.fail('ready', `${s.id} Ready with entries/snapshot/term/vote but mustSync=false`);
    }
    if (leader) {
      const first = r.entries[0];
      if (first && first.index <= lastIndex(s.disk.written)) {
        this.fail('leader-append-only', `${s.id} leader (term ${s.seenTerm}) rewrites its log from ${first.index} (last ${lastIndex(s.disk.written)})`);
      }
      if (r.snapshot) this.fail('leader-append-only', `${s.id} installs a snapshot while leader`);
    }
    for (const e of r.entries) {
      if (e.term > (hs?.term ?? prev.term)) this.fail('ready', `${s.id} persists entry ${e.index}@${e.term} from a future term (hard state term ${hs?.term ?? prev.term})`);
    }
  }

  private noteProposals(s: SimServer, entries: readonly Entry[]): void {
    const exp = s.expectProposal;
    if (!exp) return;
    for (const e of entries) {
      if (e.index !== exp.index) continue;
      // (Another term: our proposal was truncated before it was handed out, which is fine.)
      if (e.term === exp.term && !bytesEqual(e.data, exp.data)) {
        this.fail('driver', `${s.id}: proposal expected at ${exp.index}@${exp.term} but Ready has other data there`);
      }
      s.expectProposal = null;
    }
  }

  private installSnapshot(s: SimServer, meta: SnapshotMeta): void {
    const snap = s.snapshots.find((x) => x.meta.index === meta.index && x.meta.term === meta.term);
    if (!snap) this.fail('snapshot', `${s.id}: Ready.snapshot ${meta.index}@${meta.term} is not in its snapshot store`);
    if (meta.index < s.applied) {
      this.fail('snapshot', `${s.id}: installing snapshot ${meta.index} would roll the state machine back from ${s.applied}`);
    }
    this.checkCommittedAt(s, meta.index, meta.term, snap.prefix, 'snapshot');
    s.disk.write({ kind: 'reset', index: meta.index, term: meta.term, hash: snap.prefix }, false);
    s.kv = KvStore.restore(snap.data);
    s.applied = meta.index;
    s.appliedTerm = meta.term;
    s.appliedPrefix = snap.prefix;
    s.appliedMembership = meta.membership;
    s.lastSnapshotIndex = meta.index;
    this.stats.snapshotsInstalled++;
    this.log(`${s.id} install snapshot ${meta.index}@${meta.term}`);
    for (const [index, p] of s.pendingWrites) {
      if (index > meta.index) continue;
      s.pendingWrites.delete(index);
      this.reply(s, p.client, p.reqId, { kind: 'unknown', why: 'covered by a snapshot' });
    }
  }

  private apply(s: SimServer, e: Entry): void {
    if (e.index !== s.applied + 1) this.fail('apply', `${s.id} applies ${e.index} after ${s.applied}`);
    const logged = entryAt(s.disk.written, e.index);
    const digest = entryDigest(e);
    if (logged) {
      if (logged.term !== e.term || entryDigest(logged) !== digest) {
        this.fail('apply', `${s.id} applies ${e.index}@${e.term} but its log holds ${logged.index}@${logged.term}`);
      }
    } else if (e.index > s.disk.written.baseIndex) {
      this.fail('apply', `${s.id} applies ${e.index}@${e.term}, which is not in its persisted log (last ${lastIndex(s.disk.written)})`);
    }
    s.appliedPrefix = extendPrefix(s.appliedPrefix, e.index, e.term, digest);
    s.applied = e.index;
    s.appliedTerm = e.term;
    let cmd: Command | null = null;
    let output: KvOutput | null = null;
    if (e.kind === 'config') {
      s.appliedMembership = decodeMembership(e.data);
    } else if (e.data.length > 0) {
      cmd = decodeCommand(e.data);
      const skip = this.opts.bug === 'skip-apply' && s.ordinal === 0 && cmd.seq % 4 === 0 && cmd.input.op !== 'get';
      output = skip ? (cmd.input.op === 'cas' ? { swapped: true } : { ok: true }) : s.kv.apply(cmd.input);
    }
    this.recordCommitted(s, e, cmd, output);
    const p = s.pendingWrites.get(e.index);
    if (p) {
      s.pendingWrites.delete(e.index);
      if (cmd && output && e.term === p.term && cmd.client === p.client && cmd.seq === p.seq) {
        this.stats.commitLatencySum += (this.now - p.proposedAt) / TICK;
        this.stats.commitLatencyCount++;
        this.reply(s, p.client, p.reqId, { kind: 'ok', output });
      } else {
        this.reply(s, p.client, p.reqId, { kind: 'failed', why: `index ${e.index} holds another entry (term ${e.term})` });
      }
    }
  }

  private serveReads(s: SimServer): void {
    for (const [id, p] of s.pendingReads) {
      if (p.index === null || p.index > s.applied) continue;
      s.pendingReads.delete(id);
      this.reply(s, p.client, p.reqId, { kind: 'ok', output: { value: s.kv.get(p.key) } });
    }
  }

  private maybeSnapshot(s: SimServer): void {
    if (!s.core || s.applied - s.lastSnapshotIndex < this.opts.snapshotEvery) return;
    // As RaftNode: a snapshot never covers entries this server has not yet made durable.
    if (s.applied > s.persistedIndex) return;
    const meta: SnapshotMeta = { index: s.applied, term: s.appliedTerm, membership: s.appliedMembership };
    const state = s.kv.canonical();
    const seen = this.stateAt.get(meta.index);
    if (seen === undefined) this.stateAt.set(meta.index, state);
    else if (seen !== state) {
      this.fail('state-machine-safety', `${s.id} state at ${meta.index} differs from another server's:\n  ${state}\n  ${seen}`);
    }
    s.snapshots.push({ meta, data: s.kv.serialize(), prefix: s.appliedPrefix });
    this.pruneSnapshots(s);
    s.lastSnapshotIndex = meta.index;
    this.stats.snapshotsTaken++;
    s.core.compact(meta, this.opts.trailing);
    s.disk.compact(meta.index - this.opts.trailing);
  }

  private pruneSnapshots(s: SimServer): void {
    s.snapshots.sort((a, b) => a.meta.index - b.meta.index);
    if (s.snapshots.length > 3) s.snapshots = s.snapshots.slice(-3);
  }

  // -------------------------------------------------------------------------------------------
  // The network.

  private sendAll(s: SimServer, messages: readonly RaftMessage[]): void {
    for (const m of messages) {
      if (m.from !== s.id) this.fail('message', `${s.id} sends a message from ${m.from}`);
      if (m.type === 'vote-response' && m.granted && !m.preVote) {
        const key = `${s.id}@${m.term}`;
        const before = this.votes.get(key);
        if (before !== undefined && before !== m.to) {
          this.fail('double-vote', `${s.id} granted its term-${m.term} vote to ${before} and to ${m.to}`);
        }
        this.votes.set(key, m.to);
      }
      if (m.type === 'snapshot') this.sendSnapshot(s, m);
      else this.sendRaft(s, m);
    }
  }

  linkUp(from: string, to: string): boolean {
    if (this.sides && (this.sides.get(from) ?? 0) !== (this.sides.get(to) ?? 0)) return false;
    return this.blocked.size === 0 || !this.blocked.has(`${from}>${to}`);
  }

  private delay(): number {
    const n = this.opts.net;
    let d = n.delayMin + this.net.int(n.delayMax - n.delayMin + 1);
    if (n.spike > 0 && this.net.float() < n.spike) d += this.net.int(n.spikeMax + 1);
    return d;
  }

  private sendRaft(from: SimServer, m: RaftMessage): void {
    this.stats.messages++;
    const to = this.byId.get(m.to);
    if (this.opts.traceMessages) this.log(`  ${describeMessage(m)}`);
    if (!to) return;
    if (!this.linkUp(from.id, to.id) || !to.core) {
      this.stats.dropped++;
      if (this.net.float() < 0.3) {
        const inc = from.incarnation;
        this.schedule(this.now + 1, () => {
          if (from.core && from.incarnation === inc) {
            from.core.reportUnreachable(to.id);
            this.drain(from);
          }
        });
      }
      return;
    }
    if (this.net.float() < this.opts.net.drop || this.dropIf?.(m)) {
      this.stats.dropped++;
      return;
    }
    const copies = this.net.float() < this.opts.net.duplicate ? 2 : 1;
    for (let i = 0; i < copies; i++) {
      const wire = structuredClone(m);
      this.schedule(this.now + this.delay(), () => this.deliverRaft(to, wire));
      if (this.opts.net.replay > 0) this.sent[this.sentCount++ % 64] = wire;
    }
    if (this.opts.net.replay > 0 && this.net.float() < this.opts.net.replay && this.sentCount > 0) {
      const old = this.sent[this.net.int(Math.min(64, this.sentCount))]!;
      const dest = this.byId.get(old.to);
      if (dest) {
        if (this.opts.traceMessages) this.log(`  replay ${describeMessage(old)}`);
        this.schedule(this.now + this.delay(), () => this.deliverRaft(dest, structuredClone(old)));
      }
    }
  }

  private deliverRaft(to: SimServer, m: RaftMessage): void {
    if (!to.core) return;
    if (to.pausedUntil > this.now) {
      this.schedule(to.pausedUntil + this.net.int(3), () => this.deliverRaft(to, m));
      return;
    }
    if (!this.linkUp(m.from, to.id)) return;
    to.core.step(m);
    this.drain(to);
  }

  private sendSnapshot(from: SimServer, m: SnapshotMessage): void {
    const snap = from.snapshots.find((x) => x.meta.index === m.snapshot.index && x.meta.term === m.snapshot.term);
    if (!snap) this.fail('snapshot', `${from.id} sends snapshot ${m.snapshot.index}@${m.snapshot.term}, which its store does not hold`);
    this.stats.snapshotsSent++;
    this.log(`${from.id} -> ${m.to} snapshot ${m.snapshot.index}@${m.snapshot.term}`);
    const inc = from.incarnation;
    const to = this.byId.get(m.to);
    const report = (ok: boolean): void => {
      this.schedule(this.now + this.delay(), () => {
        if (!from.core || from.incarnation !== inc) return;
        from.core.reportSnapshot(m.to, ok);
        this.drain(from);
      });
    };
    const arrival = this.now + this.delay() + this.net.int(3 * TICK);
    if (!to || this.net.float() < this.opts.faults.snapshotFail) {
      this.schedule(arrival, () => report(false));
      return;
    }
    const wire = structuredClone(m);
    const data = snap.data.slice();
    this.schedule(arrival, () => {
      if (!to.core || to.pausedUntil > this.now || !this.linkUp(from.id, to.id) || !this.linkUp(to.id, from.id)) {
        report(false);
        return;
      }
      if (!to.snapshots.some((x) => x.meta.index === wire.snapshot.index && x.meta.term === wire.snapshot.term)) {
        to.snapshots.push({ meta: wire.snapshot, data, prefix: snap.prefix });
        this.pruneSnapshots(to);
        // Keep the one just received even if older ones are newer by index (it is what the core will install).
        if (!to.snapshots.some((x) => x.meta.index === wire.snapshot.index && x.meta.term === wire.snapshot.term)) {
          to.snapshots.unshift({ meta: wire.snapshot, data, prefix: snap.prefix });
        }
      }
      to.core.step(wire);
      this.drain(to);
      report(true);
    });
  }

  // -------------------------------------------------------------------------------------------
  // Clients.

  private randomServer(r: Random): ServerId {
    const live = this.servers.filter((s) => !s.decommissioned);
    return live[r.int(live.length)]!.id;
  }

  private issue(c: SimClient): void {
    if (c.stopped || c.op) return;
    const r = this.workload;
    c.seq++;
    let input: KvInput;
    if (this.opts.workload === 'locks') {
      // Each client is one owner (a session): it takes locks and gives back the ones it holds.
      const key = `lock${r.int(this.opts.keys)}`;
      const holds = c.lastSeen.get(key) === c.name;
      input = { op: holds ? (r.float() < 0.85 ? 'release' : 'acquire') : r.float() < 0.9 ? 'acquire' : 'release', key, owner: c.name };
      return this.call(c, input);
    }
    const key = `k${r.int(this.opts.keys)}`;
    const value = `${c.index}.${c.seq}`;
    const x = r.float();
    if (x < 0.35) input = { op: 'put', key, value };
    else if (x < 0.7) input = { op: 'get', key };
    else if (x < 0.93) {
      const seen = c.lastSeen.get(key);
      const expected = r.float() < 0.7 && seen !== undefined ? seen : r.float() < 0.5 ? null : `${r.int(this.opts.clients)}.${1 + r.int(c.seq)}`;
      input = { op: 'cas', key, expected, value };
    } else input = { op: 'delete', key };
    this.call(c, input);
  }

  private call(c: SimClient, input: KvInput): void {
    const op: OpRecord = { client: c.index, seq: c.seq, input, call: ++this.historyClock, startedAt: this.now, status: 'running' };
    this.ops.push(op);
    if (input.op === 'get') this.stats.reads++;
    else this.stats.writes++;
    c.op = op;
    c.attempts = 0;
    this.log(`${c.name} call #${c.seq} ${describeInput(input)} -> ${c.target}`);
    this.attempt(c);
  }

  private attempt(c: SimClient): void {
    const op = c.op;
    if (!op) return;
    c.attempts++;
    const reqId = ++this.reqCounter;
    c.reqId = reqId;
    if (this.opts.bug === 'stale-reads' && op.input.op === 'get') c.target = this.randomServer(this.workload);
    const req: ClientRequest = { reqId, client: c.index, seq: op.seq, input: op.input };
    const to = this.byId.get(c.target)!;
    if (this.linkUp(c.name, to.id) && this.net.float() >= this.opts.net.drop) {
      this.schedule(this.now + this.delay(), () => this.deliverRequest(to, req));
    }
    this.schedule(this.now + this.opts.clientTimeout * TICK, () => {
      if (c.op === op && c.reqId === reqId) this.complete(c, { kind: 'unknown', why: 'timeout' });
    });
  }

  private deliverRequest(s: SimServer, req: ClientRequest): void {
    if (!s.core) return;
    if (s.pausedUntil > this.now) {
      this.schedule(s.pausedUntil + this.net.int(3), () => this.deliverRequest(s, req));
      return;
    }
    const core = s.core;
    if (req.input.op === 'get') {
      if (this.opts.bug === 'stale-reads') {
        this.reply(s, req.client, req.reqId, { kind: 'ok', output: { value: s.kv.get(req.input.key) } });
        return;
      }
      const id = `${s.id}.${s.incarnation}.${++s.readCounter}`;
      if (core.readIndex(id) === 'accepted') {
        s.pendingReads.set(id, { client: req.client, reqId: req.reqId, key: req.input.key, index: null });
        this.drain(s);
      } else {
        this.reply(s, req.client, req.reqId, { kind: 'not-leader', hint: s.leaderId });
      }
      return;
    }
    const data = encodeCommand({ client: req.client, seq: req.seq, input: req.input });
    const result = core.propose(data);
    if (result !== 'accepted') {
      this.reply(s, req.client, req.reqId, result === 'not-leader' ? { kind: 'not-leader', hint: s.leaderId } : { kind: 'failed', why: result });
      return;
    }
    const st = core.status();
    const before = s.pendingWrites.get(st.lastIndex);
    // Our earlier proposal at this index was truncated here, but another server may still hold
    // it and commit it later: its fate is unknown, not failed.
    if (before) this.reply(s, before.client, before.reqId, { kind: 'unknown', why: `index ${st.lastIndex} reused` });
    s.pendingWrites.set(st.lastIndex, { client: req.client, seq: req.seq, reqId: req.reqId, term: st.term, proposedAt: this.now });
    s.expectProposal = { index: st.lastIndex, term: st.term, data };
    this.log(`${s.id} propose c${req.client}#${req.seq} at ${st.lastIndex}@${st.term}`);
    this.drain(s);
  }

  private reply(s: SimServer, client: number, reqId: number, result: ClientResult): void {
    const c = this.clients[client]!;
    if (!this.linkUp(s.id, c.name) || this.net.float() < this.opts.net.drop) return;
    this.schedule(this.now + this.delay(), () => {
      if (c.op && c.reqId === reqId) this.onReply(c, result);
    });
  }

  private onReply(c: SimClient, result: ClientResult): void {
    if (result.kind === 'not-leader') {
      const hint = result.hint && this.byId.has(result.hint) && !this.byId.get(result.hint)!.decommissioned ? result.hint : '';
      c.target = hint !== '' && hint !== c.target ? hint : this.randomServer(this.workload);
      if (c.attempts >= 10) {
        this.complete(c, { kind: 'failed', why: 'no leader found' });
        return;
      }
      c.reqId = 0; // ignore the pending timeout
      const op = c.op;
      this.schedule(this.now + this.workload.int(TICK), () => {
        if (c.op === op) this.attempt(c);
      });
      return;
    }
    this.complete(c, result);
  }

  private complete(c: SimClient, result: ClientResult): void {
    const op = c.op;
    if (!op) return;
    c.op = null;
    c.reqId = 0;
    switch (result.kind) {
      case 'ok':
        op.status = 'ok';
        op.output = result.output;
        op.ret = ++this.historyClock;
        this.stats.opsOk++;
        if ('value' in result.output) c.lastSeen.set(op.input.key, result.output.value);
        else if (op.input.op === 'put') c.lastSeen.set(op.input.key, op.input.value);
        else if (op.input.op === 'cas' && 'swapped' in result.output && result.output.swapped) c.lastSeen.set(op.input.key, op.input.value);
        else if ('acquired' in result.output) c.lastSeen.set(op.input.key, result.output.acquired ? c.name : null);
        else if ('released' in result.output && result.output.released) c.lastSeen.set(op.input.key, null);
        if (this.phase === 'liveness' && ++c.okInLiveness >= 1) c.stopped = true;
        this.log(`${c.name} ok #${op.seq} ${describeInput(op.input)} = ${JSON.stringify(result.output)}`);
        break;
      case 'failed':
        op.status = 'failed';
        this.stats.opsFailed++;
        this.log(`${c.name} failed #${op.seq}: ${result.why}`);
        break;
      case 'unknown':
      case 'not-leader':
        op.status = 'unknown';
        this.stats.opsUnknown++;
        c.target = this.randomServer(this.workload);
        this.log(`${c.name} unknown #${op.seq}: ${result.kind === 'unknown' ? result.why : 'not-leader'}`);
        break;
    }
    this.schedule(this.now + this.workload.int(2 * TICK), () => this.issue(c));
  }

  /**
   * The history for the linearizability checker. A write whose client never heard back is
   * resolved from the committed log: if its command committed, its result is known (its return
   * time is not); once the cluster has converged, one that did not commit never will (the
   * leader has committed an entry of its term past it), so it is dropped.
   */
  history(resolve = true): KvOperation[] {
    const out: KvOperation[] = [];
    for (const op of this.ops) {
      if (op.status === 'ok') {
        out.push({ client: op.client, input: op.input, output: op.output, call: op.call, return: op.ret });
      } else if (op.status === 'unknown' || op.status === 'running') {
        const result = resolve ? this.committedCommands.get(`${op.client}.${op.seq}`) : undefined;
        if (result !== undefined) out.push({ client: op.client, input: op.input, output: result, call: op.call });
        else if (!resolve || this.phase !== 'done' || op.input.op === 'get') {
          out.push({ client: op.client, input: op.input, output: undefined, call: op.call });
        }
      }
    }
    return out;
  }

  // -------------------------------------------------------------------------------------------
  // Faults.

  private faultStep(): void {
    const f = this.opts.faults;
    const r = this.faults;
    const running = this.servers.filter((s) => s.core && !s.decommissioned);
    if (f.crashAll > 0 && r.float() < f.crashAll) {
      for (const s of running) {
        this.crash(s, 'whole cluster');
        this.scheduleRestart(s);
      }
    } else if (f.crash > 0 && r.float() < f.crash && running.length > 0) {
      const voters = this.committedMembership.membership.servers.filter((m) => m.voter).map((m) => m.id);
      const up = voters.filter((id) => this.byId.get(id)?.core).length;
      if (up - 1 >= Math.floor(voters.length / 2) + 1 || r.float() < 0.2) {
        const victim = r.float() < 0.4 ? this.currentLeader() ?? running[r.int(running.length)]! : running[r.int(running.length)]!;
        this.crash(victim, 'fault');
        this.scheduleRestart(victim);
      }
    }
    if (this.sides || this.blocked.size > 0) {
      if (this.now >= this.partitionEnds) this.heal();
    } else if (f.partition > 0 && r.float() < f.partition) {
      this.partitionRandom();
    }
    if (f.transfer > 0 && r.float() < f.transfer) {
      const leader = this.currentLeader();
      if (leader?.core) {
        const voters = leader.core.status().membership.servers.filter((m) => m.voter && m.id !== leader.id);
        const to = voters[r.int(voters.length)];
        if (to) {
          const result = leader.core.transferLeadership(to.id);
          this.log(`${leader.id} transfer leadership to ${to.id}: ${result}`);
          this.drain(leader);
        }
      }
    }
    if (f.campaign > 0 && r.float() < f.campaign && running.length > 0) {
      const s = running[r.int(running.length)]!;
      if (s.core) {
        this.log(`${s.id} campaign (fault)`);
        s.core.campaign();
        this.drain(s);
      }
    }
    if (f.pause > 0 && r.float() < f.pause && running.length > 0) {
      const s = running[r.int(running.length)]!;
      const [lo, hi] = f.pauseTicks;
      this.pause(s, lo + r.int(hi - lo + 1));
    }
  }

  pause(s: SimServer, ticks: number): void {
    s.pausedUntil = Math.max(s.pausedUntil, this.now + ticks * TICK);
    this.stats.pauses++;
    this.log(`${s.id} PAUSE ${ticks} ticks`);
  }

  /** Split into groups (server ids and client names); everyone not listed forms one more group. */
  partition(groups: readonly (readonly string[])[], ticks: number, label = 'partition'): void {
    this.sides = new Map();
    groups.forEach((g, i) => g.forEach((name) => this.sides!.set(name, i + 1)));
    this.partitionEnds = this.now + ticks * TICK;
    this.stats.partitions++;
    this.log(`${label} ${groups.map((g) => `[${g.join(' ')}]`).join(' ')} for ${ticks} ticks`);
  }

  /** Block the directed links from each of `from` to each of `to`. */
  block(from: readonly string[], to: readonly string[], ticks: number, label = 'block'): void {
    for (const a of from) for (const b of to) if (a !== b) this.blocked.add(`${a}>${b}`);
    this.partitionEnds = this.now + ticks * TICK;
    this.stats.partitions++;
    this.log(`${label} [${from.join(' ')}] -> [${to.join(' ')}] for ${ticks} ticks`);
  }

  heal(): void {
    if (!this.sides && this.blocked.size === 0) return;
    this.sides = null;
    this.blocked = new Set();
    this.log('heal');
  }

  private partitionRandom(): void {
    const r = this.faults;
    const [lo, hi] = this.opts.faults.partitionTicks;
    const ticks = lo + r.int(hi - lo + 1);
    const ids = shuffled(this.servers.filter((s) => !s.decommissioned).map((s) => s.id), r);
    const clientsSplit = (a: string[], b: string[]): void => {
      for (const c of this.clients) (r.float() < 0.5 ? a : b).push(c.name);
    };
    const kind = r.int(5);
    if (kind === 0 || ids.length < 3) {
      const cut = 1 + r.int(ids.length - 1);
      const a = ids.slice(0, cut);
      const b = ids.slice(cut);
      clientsSplit(a, b);
      this.partition([a, b], ticks, 'partition halves');
    } else if (kind === 1) {
      const leader = this.currentLeader()?.id ?? ids[0]!;
      const a = [leader];
      const b = ids.filter((x) => x !== leader);
      clientsSplit(a, b);
      this.partition([a, b], ticks, 'isolate leader');
    } else if (kind === 2) {
      const a = [ids[0]!];
      const b = ids.slice(1);
      clientsSplit(a, b);
      this.partition([a, b], ticks, 'isolate one');
    } else if (kind === 3) {
      const x = ids[0]!;
      const rest = ids.slice(1);
      if (r.float() < 0.5) this.block([x], rest, ticks, 'one-way out');
      else this.block(rest, [x], ticks, 'one-way in');
    } else {
      // A bridge: two sides that cannot talk, and one server that reaches both.
      const bridge = ids[0]!;
      const rest = ids.slice(1);
      const cut = 1 + r.int(rest.length - 1);
      const a = rest.slice(0, cut);
      const b = rest.slice(cut);
      this.block(a, b, ticks, `bridge via ${bridge}`);
      this.block(b, a, ticks, 'bridge');
    }
  }

  /** The newest leader still running and still leader, if any. */
  currentLeader(): SimServer | null {
    let best: SimServer | null = null;
    for (const s of this.servers) {
      if (s.core && s.role === 'leader' && (!best || s.seenTerm > best.seenTerm)) best = s;
    }
    return best;
  }

  // -------------------------------------------------------------------------------------------
  // Membership changes: add a non-voter, promote it, later remove a voter.

  private membershipStep(): void {
    const plan = this.membershipPlan;
    const leader = this.currentLeader();
    const committed = this.committedMembership.membership;
    const inCommitted = (id: ServerId): { voter: boolean } | undefined => committed.servers.find((m) => m.id === id);
    switch (plan.phase) {
      case 'idle':
        if (this.now >= plan.addAt) {
          const s = this.addServer();
          plan.added = s;
          plan.phase = 'adding';
          this.log(`membership: new server ${s.id} starts empty`);
          this.boot(s);
        }
        return;
      case 'adding': {
        const s = plan.added!;
        if (inCommitted(s.id)) {
          plan.phase = 'promoting';
          return;
        }
        if (leader) this.proposeChange(leader, { type: 'add-nonvoter', id: s.id, address: s.address });
        return;
      }
      case 'promoting': {
        const s = plan.added!;
        if (inCommitted(s.id)?.voter) {
          plan.phase = 'waiting';
          return;
        }
        if (!leader || !leader.core) return;
        const st = leader.core.status();
        const progress = st.progress.find((p) => p.id === s.id);
        if (progress && progress.match + 5 >= st.commit) this.proposeChange(leader, { type: 'add-voter', id: s.id, address: s.address });
        return;
      }
      case 'waiting':
        if (this.now >= plan.removeAt) {
          const voters = committed.servers.filter((m) => m.voter);
          if (voters.length <= 3) {
            plan.phase = 'done';
            return;
          }
          plan.victim = voters[this.faults.int(voters.length)]!.id;
          plan.phase = 'removing';
          this.log(`membership: will remove ${plan.victim}`);
        }
        return;
      case 'removing': {
        const victim = plan.victim!;
        if (!inCommitted(victim)) {
          plan.phase = 'done';
          const s = this.byId.get(victim)!;
          this.schedule(this.now + (20 + this.faults.int(40)) * TICK, () => {
            s.decommissioned = true;
            this.crash(s, 'decommissioned');
            this.log(`membership: ${s.id} decommissioned`);
          });
          return;
        }
        if (leader) this.proposeChange(leader, { type: 'remove', id: victim });
        return;
      }
      case 'done':
        return;
    }
  }

  private proposeChange(leader: SimServer, change: Parameters<RaftCore['proposeMembership']>[0]): void {
    if (!leader.core) return;
    const latest = leader.core.status().membership;
    const has = latest.servers.find((m) => m.id === change.id);
    if (change.type === 'add-nonvoter' && has) return;
    if (change.type === 'add-voter' && has?.voter) return;
    if (change.type === 'remove' && !has) return;
    const result = leader.core.proposeMembership(change);
    this.log(`membership: ${leader.id} propose ${change.type} ${change.id}: ${result}`);
    if (result === 'accepted') this.stats.membershipChanges++;
    this.drain(leader);
  }

  // -------------------------------------------------------------------------------------------
  // Liveness phase.

  private startLiveness(): void {
    this.phase = 'liveness';
    this.log('=== liveness phase: heal, restart, calm network ===');
    this.heal();
    this.opts.net = { ...this.opts.net, drop: 0, duplicate: 0, spike: 0 };
    for (const s of this.servers) {
      s.pausedUntil = 0;
      if (!s.core && !s.decommissioned) this.restart(s);
    }
  }

  /** A leader that every member follows, everything committed applied everywhere, clients done. */
  converged(): boolean {
    if (this.clients.some((c) => !c.stopped)) return false;
    const leader = this.currentLeader();
    if (!leader || !leader.core) return false;
    const st = leader.core.status();
    if (st.commit < this.committedMax || st.commit !== st.lastIndex || st.lastTerm !== st.term) return false;
    for (const m of st.membership.servers) {
      const s = this.byId.get(m.id);
      if (!s || !s.core) return false;
      if (s.applied !== st.commit || s.leaderId !== leader.id) return false;
    }
    return true;
  }

  describeCluster(): string {
    const lines: string[] = [];
    for (const s of this.servers) {
      if (!s.core) {
        lines.push(`  ${s.id}: down${s.decommissioned ? ' (decommissioned)' : ''}`);
        continue;
      }
      const st = s.core.status();
      lines.push(`  ${s.id}: ${st.role} term=${st.term} leader=${st.leader || '-'} commit=${st.commit} applied=${s.applied} last=${st.lastIndex}@${st.lastTerm} members=${st.membership.servers.map((m) => m.id + (m.voter ? '' : '(nv)')).join(',')}`);
    }
    lines.push(`  clients: ${this.clients.map((c) => `${c.name}:${c.stopped ? 'done' : c.op ? `#${c.op.seq}->${c.target}` : 'idle'}`).join(' ')}`);
    return lines.join('\n');
  }

  private finalChecks(): void {
    // Servers at the same applied index hold the same state.
    const byApplied = new Map<number, { id: ServerId; state: string }>();
    for (const s of this.servers) {
      if (!s.core) continue;
      const state = s.kv.canonical();
      const other = byApplied.get(s.applied);
      if (other && other.state !== state) {
        this.fail('state-machine-safety', `${s.id} and ${other.id} both applied ${s.applied} but differ:\n  ${state}\n  ${other.state}`);
      }
      byApplied.set(s.applied, { id: s.id, state });
    }
    // Acknowledged writes are in the committed log with the result the client saw; writes
    // reported as failed are not.
    for (const op of this.ops) {
      if (op.input.op === 'get') continue;
      const id = `${op.client}.${op.seq}`;
      const result = this.committedCommands.get(id);
      if (op.status === 'ok' && result === undefined) this.fail('lost-write', `acknowledged write c${op.client}#${op.seq} ${describeInput(op.input)} is not in the committed log`);
      if (op.status === 'ok' && JSON.stringify(result) !== JSON.stringify(op.output)) {
        this.fail('state-machine-safety', `c${op.client}#${op.seq} ${describeInput(op.input)}: client saw ${JSON.stringify(op.output)}, the log applied ${JSON.stringify(result)}`);
      }
      if (op.status === 'failed' && result !== undefined) this.fail('driver', `write c${op.client}#${op.seq} was reported failed but committed`);
    }
    this.stats.committed = this.committedMax;
    this.stats.maxTerm = Math.max(0, ...this.servers.map((s) => s.seenTerm));
    const result = checkKv(this.history(), { maxSteps: this.opts.checkSteps });
    this.stats.checkSteps = result.steps;
    this.stats.checkVerdict = result.verdict;
    if (result.verdict === 'illegal') this.fail('linearizability', result.explanation ?? 'illegal');
    const doubleHolder = lockIndexViolation(this.history());
    if (doubleHolder) this.fail('lock-safety', doubleHolder);
    this.stats.fingerprint = (this.traceHash >>> 0).toString(16) + '/' + this.traceCount;
  }

  // -------------------------------------------------------------------------------------------
  // Invariants.

  /** Log matching: every write of (index, term) anywhere has the same prefix hash. */
  private recordEntry(s: SimServer, index: number, term: number, prefix: number): void {
    const key = `${index}@${term}`;
    const seen = this.entryPrefixes.get(key);
    if (seen === undefined) this.entryPrefixes.set(key, prefix);
    else if (seen !== prefix) this.fail('log-matching', `${s.id} holds ${key} with a different log prefix than another server`);
  }

  /** A snapshot or entry at `index` must agree with what is known committed there. */
  private checkCommittedAt(s: SimServer, index: number, term: number, prefix: number, what: string): void {
    const c = this.committed[index];
    if (c && (c.term !== term || c.prefix !== prefix)) {
      this.fail('state-machine-safety', `${s.id} ${what} at ${index}@${term} conflicts with ${index}@${c.term} applied by ${c.by}`);
    }
  }

  private recordCommitted(s: SimServer, e: Entry, cmd: Command | null, output: KvOutput | null): void {
    const c = this.committed[e.index];
    if (c) {
      if (c.term !== e.term || c.prefix !== s.appliedPrefix) {
        this.fail('state-machine-safety', `${s.id} applied ${e.index}@${e.term} but ${c.by} applied ${e.index}@${c.term}${c.term === e.term ? ' with a different prefix' : ''}`);
      }
      return;
    }
    this.committed[e.index] = { term: e.term, prefix: s.appliedPrefix, by: s.id };
    if (e.index > this.committedMax) this.committedMax = e.index;
    const known = this.entryPrefixes.get(`${e.index}@${e.term}`);
    if (known !== undefined && known !== s.appliedPrefix) {
      this.fail('log-matching', `${s.id} applied ${e.index}@${e.term} with a prefix no log holds`);
    }
    if (cmd) {
      const id = commandId(cmd);
      if (this.committedCommands.has(id)) this.fail('duplicate-commit', `command ${id} committed twice (again at ${e.index})`);
      this.committedCommands.set(id, output!);
    }
    if (e.kind === 'config' && e.index > this.committedMembership.index) {
      this.committedMembership = { index: e.index, membership: decodeMembership(e.data) };
      this.log(`membership committed at ${e.index}: ${this.committedMembership.membership.servers.map((m) => m.id + (m.voter ? '' : '(nv)')).join(',')}`);
    }
  }

  private checkServer(s: SimServer): void {
    if (!s.core) return;
    const st = s.core.status();
    if (st.id !== s.id) this.fail('status', `${s.id} reports id ${st.id}`);
    if (st.term < s.seenTerm) this.fail('term', `${s.id} term went backwards ${s.seenTerm} -> ${st.term}`);
    s.seenTerm = st.term;
    if (st.commit < s.seenCommit) this.fail('commit', `${s.id} commit went backwards ${s.seenCommit} -> ${st.commit}`);
    s.seenCommit = st.commit;
    if (st.applied > st.commit) this.fail('apply', `${s.id} applied ${st.applied} beyond commit ${st.commit}`);
    if (s.outstanding.length === 0) {
      // With nothing in flight, the core and the driver agree on what was applied and stored.
      if (st.applied !== s.applied) this.fail('apply', `${s.id} status().applied=${st.applied} but the driver was handed entries up to ${s.applied}`);
      const w = s.disk.written;
      const last = lastIndex(w);
      if (st.lastIndex !== last || st.lastTerm !== termAt(w, last)) {
        this.fail('log', `${s.id} core log ends at ${st.lastIndex}@${st.lastTerm} but its persisted log ends at ${last}@${termAt(w, last)}`);
      }
    }
    if (st.commit > st.lastIndex) this.fail('commit', `${s.id} commit ${st.commit} beyond its last index ${st.lastIndex}`);
    if (st.role === 'leader') {
      const prev = this.leaders.get(st.term);
      if (prev === undefined) {
        this.leaders.set(st.term, s.id);
        this.stats.elections++;
      } else if (prev !== s.id) {
        this.fail('election-safety', `two leaders in term ${st.term}: ${prev} and ${s.id}`);
      }
      if (s.leaderTerm === st.term && st.lastIndex < s.leaderLast) {
        this.fail('leader-append-only', `${s.id} leader in term ${st.term}: last index went ${s.leaderLast} -> ${st.lastIndex}`);
      }
      s.leaderTerm = st.term;
      s.leaderLast = st.lastIndex;
      if (!this.newest || st.term > this.newest.term) {
        this.newest = { server: s, term: st.term, incarnation: s.incarnation };
        this.log(`${s.id} is leader of term ${st.term} (log ${st.lastIndex}@${st.lastTerm}, commit ${st.commit})`);
        this.checkNewestLeader();
      }
    }
    s.role = st.role;
    s.leaderId = st.leader;
  }

  /** Leader completeness: the newest leader's log holds every entry known committed. */
  private checkNewestLeader(): void {
    const n = this.newest;
    if (!n) return;
    const s = n.server;
    if (!s.core || s.outstanding.length > 0 || s.incarnation !== n.incarnation || s.role !== 'leader' || s.seenTerm !== n.term) return;
    const c = this.committedMax;
    const w = s.disk.written;
    if (c < w.baseIndex) return;
    if (c > lastIndex(w)) {
      this.fail('leader-completeness', `${s.id}, leader of term ${n.term}, has log up to ${lastIndex(w)} but ${c} is committed`);
    }
    const rec = this.committed[c];
    if (rec && s.disk.prefixAt(c) !== rec.prefix) {
      this.fail('leader-completeness', `${s.id}, leader of term ${n.term}, disagrees with the committed log at ${c} (committed ${c}@${rec.term}, has ${c}@${termAt(w, c)})`);
    }
  }

  // -------------------------------------------------------------------------------------------
  // Trace and failure.

  log(line: string): void {
    const text = `${String(Math.floor(this.now / TICK)).padStart(5)}.${this.now % TICK} ${line}`;
    this.traceHash = fnv1aString(text, this.traceHash);
    this.traceCount++;
    this.trace.push(text);
    if (!this.opts.fullTrace && this.trace.length > TRACE_TAIL * 2) this.trace.splice(0, this.trace.length - TRACE_TAIL);
  }

  fail(kind: string, detail: string): never {
    this.log(`FAIL ${kind}: ${detail.split('\n')[0]}`);
    throw new SimFailure(this.opts.seed, kind, detail, this.trace.slice(-TRACE_TAIL));
  }
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function describeInput(i: KvInput): string {
  switch (i.op) {
    case 'put': return `put(${i.key}=${i.value})`;
    case 'get': return `get(${i.key})`;
    case 'cas': return `cas(${i.key}: ${i.expected ?? '∅'}=>${i.value})`;
    case 'delete': return `delete(${i.key})`;
    case 'acquire': return `acquire(${i.key} by ${i.owner})`;
    case 'release': return `release(${i.key} by ${i.owner})`;
  }
}

export function describeMessage(m: RaftMessage): string {
  const head = `${m.from}->${m.to} t${m.term} ${m.type}`;
  switch (m.type) {
    case 'append': return `${head} prev=${m.prevIndex}@${m.prevTerm} n=${m.entries.length} commit=${m.commit}`;
    case 'append-response': return `${head} index=${m.index}${m.reject ? ` REJECT hint=${m.hintIndex}@${m.hintTerm}` : ''}`;
    case 'heartbeat': return `${head} commit=${m.commit}${m.context ? ` ctx=${m.context}` : ''}`;
    case 'heartbeat-response': return `${head}${m.context ? ` ctx=${m.context}` : ''}`;
    case 'vote': return `${head}${m.preVote ? ' pre' : ''}${m.transfer ? ' transfer' : ''} last=${m.lastIndex}@${m.lastTerm}`;
    case 'vote-response': return `${head}${m.preVote ? ' pre' : ''} ${m.granted ? 'granted' : 'rejected'}`;
    case 'snapshot': return `${head} ${m.snapshot.index}@${m.snapshot.term}`;
    case 'timeout-now': return head;
  }
}

/** Run one seed; returns stats or throws SimFailure. */
export function runSim(opts: SimOptions): SimStats {
  return new RaftSim(opts).run();
}
