/**
 * What a write costs on the wire: how the leader announces commit indexes (piggybacked on the
 * next append, or once per tick when nothing else carries them) and how appends and their
 * acknowledgements are batched. These pin message counts so a change that brings back a message
 * per commit, or one ack per append, shows up here.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { AppendMessage, AppendResponse, RaftMessage } from '../../../../src/raft/core/index.js';
import { appliedData, Cluster, enc } from './harness.js';

const isAppend = (m: RaftMessage): m is AppendMessage => m.type === 'append';
const isAck = (m: RaftMessage): m is AppendResponse => m.type === 'append-response';

/** Deliver and process until quiet, recording every message that went out. */
function settle(c: Cluster): RaftMessage[] {
  const seen: RaftMessage[] = [];
  for (let i = 0; i < 100; i++) {
    c.process();
    if (c.queue.length === 0) return seen;
    seen.push(...c.queue);
    c.deliver();
  }
  throw new Error('did not settle');
}

function cluster3(): Cluster {
  const c = new Cluster(['a', 'b', 'c'], { heartbeatTicks: 2, electionTicks: 10 });
  c.elect('a');
  c.tick(['a'], 2); // a heartbeat round (announces the no-op's commit); the next tick is not one
  settle(c);
  return c;
}

describe('raft core: messages per write', () => {
  it('one write at a time costs one append and one ack per follower (no commit-only append)', () => {
    const c = cluster3();
    const a = c.raft('a');
    const writes = 20;
    const seen: RaftMessage[] = [];
    for (let i = 0; i < writes; i++) {
      assert.equal(a.propose(enc(`w${i}`)), 'accepted');
      seen.push(...settle(c));
      assert.equal(a.status().commit, a.status().lastIndex, 'the leader commits each write before the next');
    }
    assert.equal(seen.length, writes * 4, `messages per write: ${seen.length / writes}`);
    assert.equal(seen.filter(isAppend).length, writes * 2);
    assert.equal(seen.filter((m) => isAppend(m) && m.entries.length === 0).length, 0, 'no empty appends');
    assert.equal(seen.filter(isAck).length, writes * 2);
    // Each append carried the commit of the write before it.
    const b = c.raft('b');
    assert.equal(b.status().commit, a.status().commit - 1);
  });

  it('a commit index rides on the next append to the follower', () => {
    const c = cluster3();
    const a = c.raft('a');
    a.propose(enc('x'));
    settle(c);
    const x = a.status().commit;
    assert.ok(c.raft('b').status().commit < x);
    a.propose(enc('y'));
    c.process('a');
    const toB = c.queue.filter((m) => m.to === 'b');
    assert.equal(toB.length, 1);
    assert.ok(isAppend(toB[0]!) && toB[0].commit === x && toB[0].entries.length === 1);
    settle(c);
    assert.deepEqual(appliedData(c.node('b')), ['x']);
  });

  it('an idle leader announces a new commit index at its next tick, once', () => {
    const c = cluster3();
    const a = c.raft('a');
    a.propose(enc('x'));
    settle(c);
    const commit = a.status().commit;
    assert.deepEqual(appliedData(c.node('a')), ['x']);
    assert.deepEqual(appliedData(c.node('b')), [], 'followers have not been told yet');
    // One tick (not a heartbeat tick: heartbeatTicks is 2) is enough.
    c.tick(['a'], 1);
    const announce = settle(c);
    assert.deepEqual(announce.filter(isAppend).map((m) => [m.to, m.entries.length, m.commit]), [['b', 0, commit], ['c', 0, commit]]);
    for (const id of ['b', 'c']) {
      assert.equal(c.raft(id).status().commit, commit);
      assert.deepEqual(appliedData(c.node(id)), ['x']);
    }
    // Nothing new to say: the next ticks send only heartbeats.
    c.tick(['a'], 4);
    const later = settle(c);
    assert.equal(later.filter(isAppend).length, 0);
    assert.equal(later.filter((m) => m.type === 'heartbeat').length, 4);
  });

  it('announceCommit() tells followers at once, only what they have not been told', () => {
    const c = cluster3();
    const a = c.raft('a');
    a.propose(enc('x'));
    settle(c);
    const commit = a.status().commit;
    a.announceCommit();
    const out = settle(c);
    assert.deepEqual(out.filter(isAppend).map((m) => [m.to, m.entries.length, m.commit]), [['b', 0, commit], ['c', 0, commit]]);
    assert.deepEqual(appliedData(c.node('b')), ['x']);
    a.announceCommit();
    c.raft('b').announceCommit(); // not the leader: nothing
    assert.deepEqual(settle(c), []);
  });

  it('a heartbeat that carries the commit index makes the commit-only append unnecessary', () => {
    const c = cluster3();
    const a = c.raft('a');
    a.tick(); // heartbeatElapsed = 1: the next tick sends heartbeats
    settle(c);
    a.propose(enc('x'));
    settle(c);
    a.tick();
    const out = settle(c);
    assert.equal(out.filter(isAppend).length, 0);
    assert.equal(out.filter((m) => m.type === 'heartbeat').length, 2);
    assert.deepEqual(appliedData(c.node('c')), ['x']);
  });

  it('under pipelined load commits need no messages of their own', () => {
    const c = cluster3();
    const a = c.raft('a');
    const seen: RaftMessage[] = [];
    // Each round: a few proposals, then one network hop (process + deliver).
    for (let round = 0; round < 50; round++) {
      for (let k = 0; k < 4; k++) a.propose(enc(`r${round}.${k}`));
      c.process();
      seen.push(...c.queue);
      c.deliver();
    }
    seen.push(...settle(c));
    const appends = seen.filter(isAppend);
    assert.equal(appends.filter((m) => m.entries.length === 0).length, 0, 'no empty appends while writes flow');
    assert.equal(appends.length, 2 * 50, 'one append per follower per round');
    assert.equal(seen.filter(isAck).length, 2 * 50);
    c.tick(['a'], 1);
    settle(c);
    assert.equal(appliedData(c.node('b')).length, 200);
  });

  it('a follower handling several appends in one Ready sends one ack, of the highest index', () => {
    const c = cluster3();
    const a = c.raft('a');
    const b = c.raft('b');
    a.propose(enc('1'));
    c.process('a');
    a.propose(enc('2'));
    c.process('a');
    a.propose(enc('3'));
    c.process('a');
    assert.equal(c.queue.filter((m) => m.to === 'b' && isAppend(m)).length, 3, 'three Readies, three appends');
    c.deliver((m) => m.to === 'b');
    const rd = b.ready();
    const acks = rd.messages.filter(isAck);
    assert.equal(acks.length, 1);
    assert.equal(acks[0]!.index, a.status().lastIndex);
    assert.equal(rd.messages.length, 1);
    b.advance(rd);
  });

  it('an ack and new proposals in the same Ready make one append per follower', () => {
    const c = cluster3();
    const a = c.raft('a');
    a.propose(enc('1'));
    c.process('a');
    c.deliver();
    c.process('b', 'c');
    // A proposal, b's and c's acks, another proposal: all before the leader's next Ready.
    a.propose(enc('2'));
    c.deliver();
    a.propose(enc('3'));
    const rd = a.ready();
    const appends = rd.messages.filter(isAppend);
    assert.deepEqual(appends.map((m) => [m.to, m.entries.length]).sort(), [['b', 2], ['c', 2]]);
    a.advance(rd);
  });

  it('a removed leader still tells the others its final commit index at once', () => {
    const c = cluster3();
    const a = c.raft('a');
    assert.equal(a.proposeMembership({ type: 'remove', id: 'a' }), 'accepted');
    settle(c);
    assert.notEqual(a.status().role, 'leader');
    const commit = a.status().commit;
    const last = c.node('a').readies.filter((r) => r.messages.length > 0).pop()!;
    assert.deepEqual(last.messages.filter(isAppend).map((m) => [m.to, m.commit]).sort(), [['b', commit], ['c', commit]]);
    // (b, handed leadership with timeout-now, has since committed its own no-op on top.)
    for (const id of ['b', 'c']) assert.ok(c.raft(id).status().commit >= commit);
  });
});
