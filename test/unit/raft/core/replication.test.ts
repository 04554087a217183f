import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { AppendMessage, AppendResponse, RaftMessage } from '../../../../src/raft/core/index.js';
import { appliedData, Cluster, enc, logOfTerms, voters } from './harness.js';

const isAppend = (m: RaftMessage): m is AppendMessage => m.type === 'append';
const isAppendResp = (m: RaftMessage): m is AppendResponse => m.type === 'append-response';

describe('raft core: replication', () => {
  it('the leader counts its own entries only after advance() for the Ready carrying them', () => {
    const c = new Cluster(['a', 'b', 'c']);
    const a = c.elect('a');
    c.isolate('c');
    assert.equal(a.propose(enc('x')), 'accepted');
    const rd = a.ready();
    const x = rd.entries.find((e) => e.data.byteLength > 0)!;
    // Appends go out before the leader's own persist finishes.
    assert.ok(rd.messages.some((m) => isAppend(m) && m.to === 'b' && m.entries.some((e) => e.index === x.index)));
    c.queue.push(...rd.messages);
    c.deliver((m) => m.to === 'b');
    c.process('b');
    c.deliver((m) => m.to === 'a'); // b's ack arrives before a's disk finished
    assert.ok(a.status().commit < x.index, 'b alone is not a quorum of 3');
    a.advance(rd);
    assert.equal(a.status().commit, x.index, 'own persisted entry + b = quorum');
    c.process('a');
    assert.deepEqual(appliedData(c.node('a')), ['x']);
  });

  it('committed entries are handed out once, only up to what is persisted', () => {
    const c = new Cluster(['a']);
    const a = c.elect('a');
    a.propose(enc('1'));
    const rd1 = a.ready();
    assert.equal(rd1.committed.length, 0, 'not committed before the leader persisted it');
    a.advance(rd1);
    const rd2 = a.ready();
    assert.deepEqual(rd2.committed.map((e) => e.index), [3]);
    a.advance(rd2);
    assert.equal(a.hasReady(), false);
    assert.equal(a.status().applied, 3);
  });

  it('a follower acknowledges entries only in the Ready that persists them', () => {
    const c = new Cluster(['a', 'b', 'c']);
    const a = c.elect('a');
    a.propose(enc('x'));
    a.propose(enc('y'));
    c.process('a');
    c.deliver((m) => m.to === 'b');
    const rd = c.raft('b').ready();
    const acks = rd.messages.filter(isAppendResp);
    assert.equal(acks.length, 1);
    const persistedTo = Math.max(c.node('b').storage.entries.length, ...rd.entries.map((e) => e.index));
    assert.ok(acks[0]!.index <= persistedTo);
    assert.ok(rd.entries.some((e) => e.index === acks[0]!.index), 'the acked entry travels with the ack');
    assert.equal(rd.mustSync, true);
    c.raft('b').advance(rd);
  });

  it('a leader only commits entries of its own term by counting (Figure 8)', () => {
    // a has an entry from term 2 at index 2 that b also holds; c has only index 1.
    const m = voters('a', 'b', 'c');
    const c = new Cluster([]);
    const old = logOfTerms([1, 2], m);
    c.add('a', { hardState: { term: 2, vote: '', commit: 1 }, snapshot: null, entries: old.slice() });
    c.add('b', { hardState: { term: 2, vote: '', commit: 1 }, snapshot: null, entries: old.slice() });
    c.add('c', { hardState: { term: 2, vote: '', commit: 1 }, snapshot: null, entries: old.slice(0, 1) });
    const a = c.raft('a');
    a.campaign();
    for (let i = 0; i < 10; i++) {
      c.process();
      c.drop((x) => x.type !== 'vote' && x.type !== 'vote-response'); // only the election gets through
      c.deliver();
    }
    assert.equal(a.status().role, 'leader');
    assert.equal(a.status().lastIndex, 3, 'the no-op, persisted by a only');
    const term = a.status().term;
    // b acknowledges index 2 (term 2): a majority holds it, but it is not of term `term`.
    a.step({ type: 'append-response', from: 'b', to: 'a', term, index: 2, reject: false, hintIndex: 0, hintTerm: 0 });
    assert.equal(a.status().commit, 1, 'an old-term entry must not commit by counting replicas');
    a.step({ type: 'append-response', from: 'b', to: 'a', term, index: 3, reject: false, hintIndex: 0, hintTerm: 0 });
    assert.equal(a.status().commit, 3, 'the no-op commits, and index 2 with it');
  });

  // Figure 7 of the Raft paper: the leader's log, then followers (a)–(f).
  const leaderLog = [1, 1, 1, 4, 4, 5, 5, 6, 6, 6];
  const followers: Record<string, number[]> = {
    a: [1, 1, 1, 4, 4, 5, 5, 6, 6],
    b: [1, 1, 1, 4],
    c: [1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 6],
    d: [1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 7, 7],
    e: [1, 1, 1, 4, 4, 4, 4],
    f: [1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 3],
  };
  for (const [name, terms] of Object.entries(followers)) {
    it(`repairs a divergent follower with conflict hints in few round trips (Figure 7 ${name})`, () => {
      const m = voters('l', 'f', 'y');
      const c = new Cluster([]);
      c.add('l', { hardState: { term: 7, vote: '', commit: 1 }, snapshot: null, entries: logOfTerms(leaderLog, m) });
      c.add('y', { hardState: { term: 7, vote: '', commit: 1 }, snapshot: null, entries: logOfTerms(leaderLog, m) });
      c.add('f', { hardState: { term: 7, vote: '', commit: 1 }, snapshot: null, entries: logOfTerms(terms, m) });
      c.isolate('f');
      c.raft('l').campaign();
      c.stabilize();
      assert.equal(c.raft('l').status().role, 'leader');
      c.heal();
      let rejects = 0;
      c.raft('l').propose(enc('after'));
      for (let t = 0; t < 12; t++) {
        c.tick(['l']); // heartbeats unpause the probe to f
        for (let i = 0; i < 50; i++) {
          c.process();
          rejects += c.queue.filter((x) => isAppendResp(x) && x.reject).length;
          if (c.queue.length === 0) break;
          c.deliver();
        }
      }
      const lTerms = c.node('l').storage.entries.map((e) => e.term);
      const fTerms = c.node('f').storage.entries.map((e) => e.term);
      assert.deepEqual(fTerms, lTerms);
      assert.equal(c.raft('f').status().commit, c.raft('l').status().commit);
      assert.ok(rejects <= 2, `${rejects} rejections`);
      assert.deepEqual(appliedData(c.node('f')).slice(-1), ['after']);
    });
  }

  it('streams at most maxInflightMsgs appends to a replicating follower', () => {
    const c = new Cluster(['a', 'b', 'c'], { maxInflightMsgs: 3, maxSizePerMsg: 64 });
    const a = c.elect('a');
    const st = a.status().progress.find((p) => p.id === 'b')!;
    assert.equal(st.state, 'replicate');
    for (let i = 0; i < 20; i++) a.propose(enc(`entry-${i}-${'x'.repeat(30)}`));
    c.process('a');
    const toB = c.queue.filter((m) => isAppend(m) && m.to === 'b');
    assert.equal(toB.length, 3, 'pipeline bounded');
    for (const m of toB) assert.equal((m as AppendMessage).entries.length, 1, 'size-limited batches');
    // Acks free slots and the rest follows.
    c.stabilize();
    c.run(2);
    assert.equal(c.raft('b').status().lastIndex, a.status().lastIndex);
    assert.equal(c.raft('b').status().commit, a.status().commit);
  });

  it('batches every proposal since the last Ready into one append per follower', () => {
    const c = new Cluster(['a', 'b', 'c']);
    const a = c.elect('a');
    for (let i = 0; i < 500; i++) a.propose(enc(`p${i}`));
    const rd = a.ready();
    assert.equal(rd.entries.length, 500);
    const appends = rd.messages.filter(isAppend);
    assert.equal(appends.length, 2);
    assert.equal(appends[0]!.entries.length, 500);
    a.advance(rd);
  });

  it('a probing follower gets one append until it answers', () => {
    const c = new Cluster(['a', 'b', 'c']);
    const a = c.elect('a');
    c.raft('a').reportUnreachable('c');
    assert.equal(a.status().progress.find((p) => p.id === 'c')!.state, 'probe');
    a.propose(enc('1'));
    c.process('a');
    a.propose(enc('2'));
    c.process('a');
    const toC = c.drop((m) => m.to === 'c' && isAppend(m));
    assert.equal(toC.length, 1, 'one probe outstanding');
    c.stabilize();
    // The heartbeat answer unpauses the probe.
    c.run(1);
    assert.equal(c.raft('c').status().lastIndex, a.status().lastIndex);
  });

  it('a follower rejects an append far beyond its log with a hint inside it', () => {
    const c = new Cluster(['a', 'b', 'c']);
    const a = c.elect('a');
    const term = a.status().term;
    const b = c.raft('b');
    b.step({ type: 'append', from: 'a', to: 'b', term, prevIndex: 1_000_000_000, prevTerm: term, entries: [], commit: 1_000_000_000 });
    const rd = b.ready();
    const resp = rd.messages.find(isAppendResp)!;
    assert.equal(resp.reject, true);
    assert.ok(resp.hintIndex <= b.status().lastIndex);
    assert.ok(b.status().commit <= b.status().lastIndex);
    b.advance(rd);
  });

  it('survives restarts of every server from persisted state', () => {
    const c = new Cluster(['a', 'b', 'c']);
    c.elect('a');
    for (let i = 0; i < 10; i++) c.raft('a').propose(enc(`p${i}`));
    c.stabilize();
    for (const id of ['a', 'b', 'c']) c.restart(id);
    for (let i = 0; i < 300 && c.leaders().length === 0; i++) c.run(1);
    const [l] = c.leaders();
    assert.ok(l);
    c.raft(l).propose(enc('after'));
    c.stabilize();
    c.run(2);
    for (const id of ['a', 'b', 'c']) {
      assert.deepEqual(appliedData(c.node(id)), [...Array.from({ length: 10 }, (_, i) => `p${i}`), 'after'], id);
    }
  });

  it('a follower whose log is longer but uncommitted is truncated back (uncommitted entries lost)', () => {
    const c = new Cluster(['a', 'b', 'c']);
    const a = c.elect('a');
    c.partition(['a'], ['b', 'c']);
    a.propose(enc('lost'));
    c.stabilize();
    for (let i = 0; i < 300 && !['b', 'c'].some((id) => c.raft(id).status().role === 'leader'); i++) c.run(1);
    const l = ['b', 'c'].find((id) => c.raft(id).status().role === 'leader')!;
    assert.equal(c.raft(l).propose(enc('kept')), 'accepted');
    c.stabilize();
    c.heal();
    c.run(3);
    assert.equal(a.status().role, 'follower');
    for (const id of ['a', 'b', 'c']) assert.deepEqual(appliedData(c.node(id)), ['kept'], id);
  });
});
