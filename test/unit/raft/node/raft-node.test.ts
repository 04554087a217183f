import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { defaultRaftConfig, Raft } from '../../../../src/raft/core/index.js';
import type { Membership, RaftMessage, SnapshotMessage } from '../../../../src/raft/core/types.js';
import { jitteredThreshold, RaftNode } from '../../../../src/raft/node/raft-node.js';
import type { RaftStateMachine } from '../../../../src/raft/node/state-machine.js';
import type { RaftTransport } from '../../../../src/raft/node/transport.js';
import { MemoryLogStorage, MemorySnapshotStore } from '../../../../src/raft/storage/index.js';
import { systemClock, type Clock } from '../../../../src/shared/clock.js';
import { isAppError } from '../../../../src/shared/errors.js';
import { silentLogger } from '../../../../src/shared/logger.js';
import { seededRandom } from '../../../../src/shared/random.js';

/** A state machine that appends each command to a list (its snapshot is the list). */
class ListMachine implements RaftStateMachine {
  items: string[] = [];
  apply(index: number, data: Uint8Array): unknown {
    const item = new TextDecoder().decode(data);
    this.items.push(item);
    return `${item}@${index}`;
  }
  snapshot(): Uint8Array {
    return new TextEncoder().encode(JSON.stringify(this.items));
  }
  restore(data: Uint8Array): void {
    this.items = JSON.parse(new TextDecoder().decode(data)) as string[];
  }
}

/** Snapshots in pieces, one per item, each produced on demand from a capture made at the call. */
class PieceMachine extends ListMachine {
  captured: string[] | undefined;
  /** Items applied while pieces were still being produced. */
  appliedDuring = 0;
  snapshotPieces(): Iterable<Uint8Array> {
    const capture = this.items.slice();
    this.captured = capture;
    const lengthAt = this.items.length;
    return (function* (machine: PieceMachine) {
      yield new TextEncoder().encode('[');
      for (let i = 0; i < capture.length; i++) {
        yield new TextEncoder().encode(`${i > 0 ? ',' : ''}${JSON.stringify(capture[i])}`);
        machine.appliedDuring = machine.items.length - lengthAt;
      }
      yield new TextEncoder().encode(']');
    })(this);
  }
}

/** Delivers messages between in-process nodes by address, asynchronously; `down` addresses drop. */
class MemoryNetwork {
  readonly nodes = new Map<string, RaftNode>();
  readonly down = new Set<string>();
  transport(from: string): RaftTransport {
    return {
      send: (message: RaftMessage, address: string) => {
        if (this.down.has(address) || this.down.has(from)) return;
        setImmediate(() => this.nodes.get(address)?.deliver(message));
      },
      sendSnapshot: async (message: SnapshotMessage, address: string, data: AsyncIterable<Uint8Array>) => {
        const target = this.nodes.get(address);
        if (!target || this.down.has(address)) return false;
        await target.receiveSnapshot(message, data);
        return true;
      },
      close: async () => {},
    };
  }
}

/** A log whose saves can be held back, like a disk whose fsync is slow: they resolve on release(). */
class GatedLogStorage extends MemoryLogStorage {
  held = false;
  private readonly waiting: (() => void)[] = [];
  override save(...args: Parameters<MemoryLogStorage['save']>): Promise<void> {
    const saved = super.save(...args);
    if (!this.held) return saved;
    return saved.then(() => new Promise<void>((resolve) => this.waiting.push(resolve)));
  }
  get heldSaves(): number {
    return this.waiting.length;
  }
  release(): void {
    this.held = false;
    for (const resolve of this.waiting.splice(0)) resolve();
  }
}

interface TestNode {
  id: string;
  node: RaftNode;
  fsm: ListMachine;
  storage: MemoryLogStorage;
  snapshots: MemorySnapshotStore;
}

const opened: RaftNode[] = [];
after(async () => {
  for (const node of opened) await node.close();
});

async function openNode(
  net: MemoryNetwork,
  id: string,
  options: {
    storage?: MemoryLogStorage; snapshotThreshold?: number; snapshotIntervalMs?: number; fsm?: ListMachine; clock?: Clock; readLease?: boolean;
  } = {},
): Promise<TestNode> {
  const fsm = options.fsm ?? new ListMachine();
  const storage = options.storage ?? new MemoryLogStorage();
  const snapshots = new MemorySnapshotStore();
  const node = await RaftNode.open({
    options: {
      id, address: id, tickMs: 5, snapshotThreshold: options.snapshotThreshold ?? 1_000_000, snapshotIntervalMs: options.snapshotIntervalMs ?? 0, trailingLogs: 4,
    },
    storage,
    snapshots,
    transport: net.transport(id),
    fsm,
    clock: options.clock ?? systemClock,
    logger: silentLogger(),
    createCore: (restored) =>
      new Raft({ ...defaultRaftConfig(id), readLease: options.readLease ?? false }, seededRandom([...id].reduce((h, c) => h * 31 + c.charCodeAt(0), 7)), restored),
  });
  net.nodes.set(id, node);
  opened.push(node);
  return { id, node, fsm, storage, snapshots };
}

const membership = (ids: string[]): Membership => ({ servers: ids.map((id) => ({ id, address: id, voter: true })) });
const bytes = (s: string) => new TextEncoder().encode(s);

async function until(what: string, check: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

async function cluster(
  ids: string[],
  options: { snapshotThreshold?: number; storage?: () => MemoryLogStorage; readLease?: boolean; clock?: (id: string) => Clock } = {},
): Promise<{ net: MemoryNetwork; nodes: TestNode[]; leader: () => TestNode }> {
  const net = new MemoryNetwork();
  const nodes = await Promise.all(ids.map((id) => openNode(net, id, { ...options, storage: options.storage?.(), clock: options.clock?.(id) })));
  for (const n of nodes) assert.equal(await n.node.bootstrap(membership(ids)), true);
  const leader = () => nodes.find((n) => n.node.isLeader() && !net.down.has(n.id))!;
  await until('a leader', () => leader() !== undefined);
  return { net, nodes, leader };
}

describe('RaftNode (driver over the pure core)', () => {
  it('a single bootstrapped server elects itself and applies proposals in order, returning the FSM result', async () => {
    const { nodes } = await cluster(['a']);
    const results = await Promise.all(['x', 'y', 'z'].map((s) => nodes[0]!.node.propose(bytes(s))));
    assert.deepEqual(results.map((r) => r.result), results.map((r, i) => `${['x', 'y', 'z'][i]}@${r.index}`));
    assert.deepEqual(nodes[0]!.fsm.items, ['x', 'y', 'z']);
  });

  it('replicates to every server of three and refuses proposals at a follower', async () => {
    const { nodes, leader } = await cluster(['b1', 'b2', 'b3']);
    await leader().node.propose(bytes('one'));
    await until('all applied', () => nodes.every((n) => n.fsm.items.length === 1));
    const follower = nodes.find((n) => n !== leader())!;
    await assert.rejects(follower.node.propose(bytes('no')), (err) => isAppError(err) && /not the leader/.test(err.message));
  });

  it('group-commits: many concurrent proposals take far fewer fsyncs than entries', async () => {
    const { leader } = await cluster(['c1', 'c2', 'c3']);
    const storage = leader().storage;
    const before = storage.syncs;
    await Promise.all(Array.from({ length: 200 }, (_, i) => leader().node.propose(bytes(`p${i}`))));
    assert.ok(storage.syncs - before < 100, `expected batching, got ${storage.syncs - before} fsyncs for 200 proposals`);
  });

  it('answers a read index only after the state machine has applied it', async () => {
    const { leader } = await cluster(['d1', 'd2', 'd3']);
    await leader().node.propose(bytes('w'));
    const index = await leader().node.readIndex();
    assert.ok(leader().node.status().appliedIndex >= index);
    assert.ok(leader().fsm.items.includes('w'));
  });

  it('a read index cannot complete on a leader cut off from its quorum', async () => {
    const { net, nodes, leader } = await cluster(['e1', 'e2', 'e3']);
    const old = leader();
    for (const n of nodes) if (n !== old) net.down.add(n.id);
    const read = old.node.readIndex().then(() => 'confirmed', () => 'failed');
    const outcome = await Promise.race([read, new Promise((r) => setTimeout(() => r('pending'), 300))]);
    assert.notEqual(outcome, 'confirmed');
  });

  it('takes snapshots past the threshold and sends one to a server that fell behind', async () => {
    const { net, nodes, leader } = await cluster(['f1', 'f2', 'f3'], { snapshotThreshold: 20 });
    const lagging = nodes.find((n) => n !== leader())!;
    net.down.add(lagging.id);
    for (let i = 0; i < 60; i++) await leader().node.propose(bytes(`s${i}`));
    assert.ok(leader().node.status().lastSnapshotIndex > 0, 'the leader took a snapshot');
    net.down.delete(lagging.id);
    await until('the lagging server to catch up', () => lagging.fsm.items.length === 60, 10_000);
    assert.deepEqual(lagging.fsm.items, leader().fsm.items);
    assert.ok(lagging.node.status().lastSnapshotIndex > 0, 'it caught up from a snapshot');
  });

  it('writes a snapshot piece by piece while applies go on, and it holds exactly the captured state', async () => {
    const net = new MemoryNetwork();
    const fsm = new PieceMachine();
    const n = await openNode(net, 'p1', { snapshotThreshold: 30, fsm });
    assert.equal(await n.node.bootstrap(membership(['p1'])), true);
    await until('a leader', () => n.node.isLeader());
    // Proposals keep coming, one at a time, while the snapshot is written.
    for (let i = 0; i < 120 && fsm.appliedDuring === 0; i++) await n.node.propose(bytes(`q${i}`));
    await until('a snapshot', () => n.node.status().lastSnapshotIndex > 0);
    assert.ok(fsm.captured, 'the driver used snapshotPieces');
    assert.ok(fsm.appliedDuring > 0, 'entries were applied between the pieces');
    const meta = (await n.snapshots.latest())!;
    const stored = JSON.parse(new TextDecoder().decode(await n.snapshots.read(meta))) as string[];
    assert.deepEqual(stored, fsm.captured, 'the stored snapshot is the capture');
    assert.deepEqual(stored, fsm.items.slice(0, stored.length), 'which is a prefix of what was applied');
    // A restart restores from it and replays the rest.
    const again = new PieceMachine();
    again.restore(await n.snapshots.read(meta));
    assert.deepEqual(again.items, stored);
  });

  it('past the threshold, snapshots only once the interval has passed, or once the log in memory is 8 thresholds long', async () => {
    let elapsed = 0;
    const clock: Clock = { ...systemClock, monotonic: () => elapsed };
    const net = new MemoryNetwork();
    const n = await openNode(net, 'q1', { snapshotThreshold: 10, snapshotIntervalMs: 60_000, clock });
    await n.node.bootstrap(membership(['q1']));
    await until('leader', () => n.node.isLeader());
    for (let i = 0; i < 30; i++) await n.node.propose(bytes(`a${i}`));
    assert.equal(n.node.status().lastSnapshotIndex, 0, 'snapshotted before the interval');
    elapsed = 120_001; // past 1×–2× the interval, whatever the ID's jitter
    await until('a snapshot once due', () => n.node.status().lastSnapshotIndex > 0);
    const first = n.node.status().lastSnapshotIndex;
    // The interval starts again; only a log of 8 thresholds forces the next one early.
    for (let i = 0; i < 40; i++) await n.node.propose(bytes(`b${i}`));
    assert.equal(n.node.status().lastSnapshotIndex, first, 'snapshotted again before the interval');
    for (let i = 0; i < 60; i++) await n.node.propose(bytes(`c${i}`));
    await until('a snapshot forced by the log size', () => n.node.status().lastSnapshotIndex > first);
    assert.ok(n.node.status().lastSnapshotIndex - first >= 70, `forced at ${n.node.status().lastSnapshotIndex - first} entries`);
  });

  it('jitters the snapshot threshold by at most 10%, the same for the same server ID', () => {
    const seen = new Set<number>();
    for (const id of ['s1', 's2', 's3', 'a-long-server-id', '']) {
      const t = jitteredThreshold(16_384, id);
      assert.ok(t >= 16_384 * 0.9 && t <= 16_384 * 1.1, `${id}: ${t}`);
      assert.equal(jitteredThreshold(16_384, id), t);
      seen.add(t);
    }
    assert.ok(seen.size >= 4, 'different servers get different thresholds');
  });

  it('never bootstraps twice', async () => {
    const { nodes } = await cluster(['g1']);
    assert.equal(await nodes[0]!.node.bootstrap(membership(['g1', 'other'])), false);
  });

  it('restarts from its durable log with the state rebuilt', async () => {
    const net = new MemoryNetwork();
    const first = await openNode(net, 'h1');
    await first.node.bootstrap(membership(['h1']));
    await until('leader', () => first.node.isLeader());
    for (const s of ['r1', 'r2']) await first.node.propose(bytes(s));
    await first.node.close();
    const again = await openNode(net, 'h1', { storage: first.storage.crashed() });
    await until('re-elected and re-applied', () => again.node.isLeader() && again.fsm.items.length === 2);
    assert.deepEqual(again.fsm.items, ['r1', 'r2']);
  });

  it('answers a write once both followers have it on disk, while its own fsync is still running', async () => {
    const { nodes, leader } = await cluster(['j1', 'j2', 'j3'], { storage: () => new GatedLogStorage() });
    const l = leader();
    const disk = l.storage as GatedLogStorage;
    disk.held = true;
    const write = l.node.propose(bytes('fast'));
    const outcome = await Promise.race([write.then(() => 'answered'), new Promise((r) => setTimeout(() => r('waiting'), 2_000))]);
    assert.equal(outcome, 'answered', 'the write waited for the leader\'s own fsync');
    assert.ok(disk.heldSaves > 0, 'the leader\'s write of it is still held');
    assert.deepEqual(l.fsm.items, ['fast']);
    // Its own log catches up once the disk does, and later writes go on as usual.
    disk.release();
    await l.node.propose(bytes('next'));
    await until('all applied', () => nodes.every((n) => n.fsm.items.length === 2));
  });

  it('keeps batches being written in order: a follower acknowledges nothing its disk has not got', async () => {
    const { net, nodes, leader } = await cluster(['k1', 'k2', 'k3'], { storage: () => new GatedLogStorage() });
    const l = leader();
    const followers = nodes.filter((n) => n !== l);
    for (const f of followers) (f.storage as GatedLogStorage).held = true;
    const write = l.node.propose(bytes('slow'));
    const outcome = await Promise.race([write.then(() => 'answered'), new Promise((r) => setTimeout(() => r('waiting'), 300))]);
    assert.equal(outcome, 'waiting', 'committed on acknowledgements of writes not yet durable');
    for (const f of followers) (f.storage as GatedLogStorage).release();
    await write;
    assert.equal(net.down.size, 0);
  });

  it('opens on a snapshot newer than its log (a crash between storing and installing one) and goes on', async () => {
    const net = new MemoryNetwork();
    const snapshots = new MemorySnapshotStore();
    const sink = await snapshots.create({ index: 10, term: 2, membership: membership(['m1']) });
    await sink.write(new TextEncoder().encode(JSON.stringify(['from-snapshot'])));
    await sink.commit();
    const fsm = new ListMachine();
    const node = await RaftNode.open({
      options: { id: 'm1', address: 'm1', tickMs: 5, snapshotThreshold: 1_000_000, snapshotIntervalMs: 0, trailingLogs: 4 },
      storage: new MemoryLogStorage(),
      snapshots,
      transport: net.transport('m1'),
      fsm,
      clock: systemClock,
      logger: silentLogger(),
      createCore: (restored) => new Raft(defaultRaftConfig('m1'), seededRandom(11), restored),
    });
    opened.push(node);
    await until('leader', () => node.isLeader());
    const { index } = await node.propose(bytes('after'));
    assert.ok(index > 10, `index ${index}`);
    assert.deepEqual(fsm.items, ['from-snapshot', 'after']);
  });

  it('a leader back from a stall ticks the time it missed: its read lease is gone', async () => {
    // Every server's clock can jump ahead, as after a long stop: its timer fires just once.
    const skew = new Map<string, number>();
    const clockOf = (id: string): Clock => ({ ...systemClock, monotonic: () => performance.now() + (skew.get(id) ?? 0) });
    const { net, nodes, leader } = await cluster(['r1', 'r2', 'r3'], { readLease: true, clock: clockOf });
    const l = leader();
    await l.node.propose(bytes('w'));
    await l.node.readIndex(); // from the lease, followers heard from just now
    for (const n of nodes) if (n !== l) net.down.add(n.id);
    skew.set(l.id, 60_000); // a minute passes for the leader in one timer tick
    await new Promise((r) => setTimeout(r, 30));
    const read = l.node.readIndex().then(() => 'answered', () => 'failed');
    const outcome = await Promise.race([read, new Promise((r) => setTimeout(() => r('pending'), 300))]);
    assert.notEqual(outcome, 'answered', 'a read was answered from a lease a minute old');
    assert.equal(l.node.isLeader(), false, 'check-quorum saw the stall and stepped down');
  });

  it('fails pending proposals when closed', async () => {
    const { net, nodes, leader } = await cluster(['i1', 'i2', 'i3']);
    const l = leader();
    for (const n of nodes) if (n !== l) net.down.add(n.id);
    const pending = assert.rejects(l.node.propose(bytes('never')), (err) => isAppError(err) && err.code === 'UNAVAILABLE');
    await l.node.close();
    await pending;
  });
});
