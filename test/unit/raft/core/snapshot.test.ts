import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { SnapshotMeta, SnapshotMessage } from '../../../../src/raft/core/index.js';
import { appliedData, Cluster, enc } from './harness.js';

/** A snapshot of `id`'s state machine (registered with the harness), not yet compacted. */
function snapshotOf(c: Cluster, id: string): SnapshotMeta {
  const st = c.raft(id).status();
  const applied = c.node(id).applied;
  const e = applied[applied.length - 1]!;
  const meta = { index: st.applied, term: e.term, membership: st.membership };
  c.snapshotData.set(`${meta.index}:${meta.term}`, applied.slice());
  return meta;
}

describe('raft core: snapshots', () => {
  it('compact keeps `trailing` entries and refuses to go back', () => {
    const c = new Cluster(['a']);
    const a = c.elect('a');
    for (let i = 0; i < 10; i++) a.propose(enc(`p${i}`));
    c.stabilize();
    const meta = snapshotOf(c, 'a');
    a.compact(meta, 4);
    assert.equal(a.status().firstIndex, meta.index - 4 + 1);
    a.compact({ ...meta, index: meta.index - 1 }, 0); // older: ignored
    assert.equal(a.status().firstIndex, meta.index - 4 + 1);
    a.propose(enc('more'));
    c.stabilize();
    assert.deepEqual(appliedData(c.node('a')).slice(-1), ['more']);
  });

  it('sends a snapshot to a follower behind the first retained index, then resumes appends', () => {
    const c = new Cluster(['a', 'b', 'c']);
    const a = c.elect('a');
    c.isolate('c');
    for (let i = 0; i < 20; i++) a.propose(enc(`p${i}`));
    c.stabilize();
    c.run(1);
    const meta = snapshotOf(c, 'a');
    a.compact(meta, 0);
    assert.equal(a.status().firstIndex, meta.index + 1);
    c.heal();
    // Heartbeat → c answers → a probes → c rejects → a finds the entries gone → snapshot.
    let snap: SnapshotMessage | undefined;
    for (let i = 0; i < 20 && !snap; i++) {
      c.tick(['a']);
      c.process();
      snap = c.drop((m) => m.type === 'snapshot')[0] as SnapshotMessage | undefined;
      c.deliver();
    }
    assert.ok(snap, 'a snapshot was sent');
    assert.equal(snap.to, 'c');
    assert.deepEqual(snap.snapshot, meta);
    assert.equal(a.status().progress.find((p) => p.id === 'c')!.state, 'snapshot');
    a.propose(enc('paused'));
    c.process('a');
    assert.ok(!c.queue.some((m) => m.to === 'c' && m.type === 'append'), 'nothing else while the snapshot is in transfer');
    c.stabilize();
    // The transfer completes: c installs it and says so.
    c.raft('c').step(snap);
    c.process('c');
    assert.deepEqual(c.node('c').installed, [meta]);
    assert.equal(c.raft('c').status().commit >= meta.index, true);
    a.reportSnapshot('c', true);
    c.run(3);
    a.propose(enc('after'));
    c.stabilize();
    c.run(2);
    assert.equal(c.raft('c').status().lastIndex, a.status().lastIndex);
    assert.equal(c.raft('c').status().commit, a.status().commit);
    // c's state machine: the snapshot plus what followed it.
    assert.deepEqual(appliedData(c.node('c')), [...Array.from({ length: 20 }, (_, i) => `p${i}`), 'paused', 'after']);
    assert.equal(a.status().progress.find((p) => p.id === 'c')!.state, 'replicate');
  });

  it('a failed transfer goes back to probing (and retries with the snapshot)', () => {
    const c = new Cluster(['a', 'b', 'c']);
    const a = c.elect('a');
    c.isolate('c');
    for (let i = 0; i < 5; i++) a.propose(enc(`p${i}`));
    c.stabilize();
    a.compact(snapshotOf(c, 'a'), 0);
    c.heal();
    for (let i = 0; i < 20 && a.status().progress.find((p) => p.id === 'c')!.state !== 'snapshot'; i++) {
      c.tick(['a']);
      c.process();
      c.drop((m) => m.type === 'snapshot');
      c.deliver();
    }
    assert.equal(a.status().progress.find((p) => p.id === 'c')!.state, 'snapshot');
    a.reportSnapshot('c', false);
    assert.equal(a.status().progress.find((p) => p.id === 'c')!.state, 'probe');
    c.run(3);
    assert.equal(c.raft('c').status().commit, a.status().commit);
  });

  it('a follower that already has the snapshot index only moves its commit forward', () => {
    const c = new Cluster(['a', 'b', 'c']);
    const a = c.elect('a');
    a.propose(enc('x'));
    c.process('a');
    c.deliver((m) => m.to === 'b');
    c.process('b');
    c.drop();
    const b = c.raft('b');
    const st = b.status();
    assert.ok(st.commit < st.lastIndex);
    const meta: SnapshotMeta = { index: st.lastIndex, term: st.lastTerm, membership: st.membership };
    // Pretend b's commit lags: a snapshot at its last index fast-forwards commit, no install.
    b.step({ type: 'snapshot', from: 'a', to: 'b', term: st.term, snapshot: meta });
    c.process('b');
    assert.deepEqual(c.node('b').installed, []);
    assert.equal(b.status().commit, meta.index);
    const ack = c.queue.find((m) => m.type === 'append-response' && m.from === 'b');
    assert.ok(ack && ack.type === 'append-response' && ack.index === meta.index);
  });

  it('a newer snapshot replaces a follower log and is acknowledged in the same Ready', () => {
    const c = new Cluster(['a', 'b', 'c']);
    const a = c.elect('a');
    const term = a.status().term;
    const m = a.status().membership;
    const meta: SnapshotMeta = { index: 50, term, membership: m };
    c.snapshotData.set(`50:${term}`, []);
    const b = c.raft('b');
    b.step({ type: 'snapshot', from: 'a', to: 'b', term, snapshot: meta });
    const rd = b.ready();
    assert.deepEqual(rd.snapshot, meta);
    assert.equal(rd.mustSync, true);
    assert.ok(rd.messages.some((x) => x.type === 'append-response' && x.index === 50 && !x.reject));
    assert.equal(rd.hardState?.commit, 50);
    b.advance(rd);
    const s = b.status();
    assert.deepEqual([s.firstIndex, s.lastIndex, s.lastTerm, s.commit, s.applied], [51, 50, term, 50, 50]);
  });

  it('restarts from a snapshot plus the entries after it', () => {
    const c = new Cluster(['a', 'b', 'c']);
    const a = c.elect('a');
    for (let i = 0; i < 5; i++) a.propose(enc(`p${i}`));
    c.stabilize();
    c.run(1);
    const meta = snapshotOf(c, 'b');
    c.raft('b').compact(meta, 0);
    // The harness storage keeps everything; give the restart the snapshot view the driver would.
    const node = c.node('b');
    node.storage.snapshot = meta;
    node.storage.entries = node.storage.entries.filter((e) => e.index > meta.index);
    c.restart('b');
    assert.equal(c.raft('b').status().firstIndex, meta.index + 1);
    a.propose(enc('after'));
    c.stabilize();
    c.run(2);
    assert.deepEqual(appliedData(c.node('b')).slice(-1), ['after']);
    assert.equal(c.raft('b').status().applied, a.status().commit);
  });
});
