/**
 * A tiny deterministic harness for the Raft core: N cores, one message queue delivered or
 * dropped by hand, and "persist" = take the Ready, store it in memory, advance. No time, no
 * randomness beyond seeded Randoms.
 */
import { seededRandom } from '../../../../src/shared/random.js';
import {
  bootstrapLog, defaultRaftConfig, Raft, type Entry, type HardState, type Membership, type RaftConfig,
  type RaftMessage, type ReadState, type Ready, type RestoredState, type ServerId, type SnapshotMeta,
} from '../../../../src/raft/core/index.js';

export interface Storage {
  hardState: HardState;
  snapshot: SnapshotMeta | null;
  entries: Entry[];
}

export interface Node {
  id: ServerId;
  raft: Raft;
  storage: Storage;
  /** Every entry handed out for apply, in order. */
  applied: Entry[];
  readStates: ReadState[];
  dropped: string[];
  readies: Ready[];
  /** Snapshots installed (from Ready.snapshot). */
  installed: SnapshotMeta[];
}

export const voters = (...ids: ServerId[]): Membership => ({
  servers: ids.map((id) => ({ id, address: `${id}:8300`, voter: true })),
});

export function persist(storage: Storage, rd: Ready): void {
  if (rd.snapshot) {
    storage.snapshot = rd.snapshot;
    storage.entries = [];
  }
  const first = rd.entries[0];
  if (first) {
    const base = storage.snapshot?.index ?? 0;
    storage.entries.length = Math.min(storage.entries.length, first.index - base - 1);
    if (storage.entries.length !== first.index - base - 1) throw new Error(`gap persisting ${first.index}`);
    storage.entries.push(...rd.entries);
  }
  if (rd.hardState) storage.hardState = rd.hardState;
}

export class Cluster {
  readonly nodes = new Map<ServerId, Node>();
  queue: RaftMessage[] = [];
  /** Directed links that drop everything: "a>b". */
  private readonly cut = new Set<string>();
  private seed = 1;
  /** What each snapshot holds (the entries applied up to it), by "index:term": the FSM's data. */
  readonly snapshotData = new Map<string, Entry[]>();

  constructor(
    ids: ServerId[],
    private readonly overrides: Partial<RaftConfig> = {},
    membership: Membership = voters(...ids),
  ) {
    const boot = ids.length > 0 ? bootstrapLog(membership) : { hardState: { term: 0, vote: '', commit: 0 }, entries: [] };
    for (const id of ids) {
      this.add(id, { hardState: boot.hardState, snapshot: null, entries: boot.entries.slice() });
    }
  }

  config(id: ServerId): RaftConfig {
    return { ...defaultRaftConfig(id), ...this.overrides };
  }

  /** Add a server with the given stored state (default: brand new, empty). */
  add(id: ServerId, storage: Storage = { hardState: { term: 0, vote: '', commit: 0 }, snapshot: null, entries: [] }): Node {
    const restored: RestoredState = { hardState: storage.hardState, snapshot: storage.snapshot, entries: storage.entries.slice() };
    const node: Node = {
      id, storage, raft: new Raft(this.config(id), seededRandom(this.seed++), restored),
      applied: [], readStates: [], dropped: [], readies: [], installed: [],
    };
    this.nodes.set(id, node);
    return node;
  }

  /** Crash and restart from what was persisted (anything un-advanced is lost). */
  restart(id: ServerId): Node {
    const old = this.node(id);
    const node = this.add(id, old.storage);
    // The FSM was restored from the snapshot; re-applied entries come after it.
    node.applied = old.applied.filter((e) => e.index <= (old.storage.snapshot?.index ?? 0));
    return node;
  }

  /** Take a snapshot of `id`'s state machine at what it applied, and compact its log. */
  compact(id: ServerId, trailing = 0): SnapshotMeta | null {
    const n = this.node(id);
    const last = n.applied[n.applied.length - 1];
    if (!last) return null;
    const meta: SnapshotMeta = { index: last.index, term: last.term, membership: n.raft.status().membership };
    this.snapshotData.set(`${meta.index}:${meta.term}`, n.applied.slice());
    n.raft.compact(meta, trailing);
    return meta;
  }

  node(id: ServerId): Node {
    const n = this.nodes.get(id);
    if (!n) throw new Error(`no node ${id}`);
    return n;
  }

  raft(id: ServerId): Raft {
    return this.node(id).raft;
  }

  /** Handle every pending Ready of `ids` (default all): persist, queue messages, apply, advance. */
  process(...ids: ServerId[]): void {
    for (const id of ids.length ? ids : [...this.nodes.keys()]) {
      const n = this.node(id);
      while (n.raft.hasReady()) {
        const rd = n.raft.ready();
        n.readies.push(rd);
        persist(n.storage, rd);
        if (rd.snapshot) {
          n.installed.push(rd.snapshot);
          const data = this.snapshotData.get(`${rd.snapshot.index}:${rd.snapshot.term}`);
          if (!data) throw new Error(`installing unknown snapshot ${rd.snapshot.index}`);
          n.applied = data.slice();
        }
        this.queue.push(...rd.messages);
        n.applied.push(...rd.committed);
        n.readStates.push(...rd.readStates);
        n.dropped.push(...rd.droppedReads);
        n.raft.advance(rd);
      }
    }
  }

  /**
   * Deliver queued messages matching `pred` (default all); the rest stay queued. A snapshot's
   * sender is told the outcome, as the transport would.
   */
  deliver(pred: (m: RaftMessage) => boolean = () => true): number {
    const now = this.queue;
    this.queue = [];
    let n = 0;
    for (const m of now) {
      if (!pred(m)) {
        this.queue.push(m);
        continue;
      }
      n++;
      const target = this.cut.has(`${m.from}>${m.to}`) ? undefined : this.nodes.get(m.to);
      target?.raft.step(m);
      // The transport reports how a snapshot transfer ended (RaftTransport.sendSnapshot).
      if (m.type === 'snapshot') this.nodes.get(m.from)?.raft.reportSnapshot(m.to, target !== undefined);
    }
    return n;
  }

  drop(pred: (m: RaftMessage) => boolean = () => true): RaftMessage[] {
    const dropped = this.queue.filter(pred);
    this.queue = this.queue.filter((m) => !pred(m));
    return dropped;
  }

  /** Process and deliver until quiet. */
  stabilize(maxRounds = 1000): void {
    for (let i = 0; i < maxRounds; i++) {
      this.process();
      if (this.queue.length === 0) return;
      this.deliver();
    }
    throw new Error('cluster did not stabilize');
  }

  tick(ids: ServerId[], times = 1): void {
    for (let t = 0; t < times; t++) for (const id of ids) this.raft(id).tick();
  }

  /** Tick everyone one at a time and stabilize after each tick. */
  run(ticks: number): void {
    for (let t = 0; t < ticks; t++) {
      this.tick([...this.nodes.keys()]);
      this.stabilize();
    }
  }

  isolate(id: ServerId): void {
    for (const other of this.nodes.keys()) {
      if (other === id) continue;
      this.cut.add(`${id}>${other}`);
      this.cut.add(`${other}>${id}`);
    }
  }

  partition(a: ServerId[], b: ServerId[]): void {
    for (const x of a) for (const y of b) {
      this.cut.add(`${x}>${y}`);
      this.cut.add(`${y}>${x}`);
    }
  }

  heal(): void {
    this.cut.clear();
  }

  leaders(): ServerId[] {
    return [...this.nodes.values()].filter((n) => n.raft.status().role === 'leader').map((n) => n.id);
  }

  /** Campaign `id` and run to a stable state; returns it. */
  elect(id: ServerId): Raft {
    this.raft(id).campaign();
    this.stabilize();
    const r = this.raft(id);
    if (r.status().role !== 'leader') throw new Error(`${id} did not win (role ${r.status().role})`);
    return r;
  }
}

export const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
export const dec = (b: Uint8Array): string => new TextDecoder().decode(b);

/** The normal, non-empty payloads applied by a node, in order. */
export const appliedData = (n: Node): string[] =>
  n.applied.filter((e) => e.kind === 'normal' && e.data.byteLength > 0).map((e) => dec(e.data));

/** Entries with given terms from index 1 (config at 1 when `membership` given). */
export function logOfTerms(terms: number[], membership?: Membership): Entry[] {
  return terms.map((term, i) =>
    i === 0 && membership
      ? { ...bootstrapLog(membership).entries[0]!, term }
      : { index: i + 1, term, kind: 'normal' as const, data: enc(`e${i + 1}t${term}`) },
  );
}
