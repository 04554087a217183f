import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Cluster, enc } from './harness.js';

describe('raft core: leadership transfer', () => {
  it('hands leadership to an up-to-date voter at once', () => {
    const c = new Cluster(['a', 'b', 'c']);
    const a = c.elect('a');
    const term = a.status().term;
    assert.equal(a.transferLeadership('b'), 'accepted');
    assert.equal(a.propose(enc('x')), 'transferring');
    assert.equal(a.proposeMembership({ type: 'remove', id: 'c' }), 'transferring');
    c.stabilize();
    assert.equal(c.raft('b').status().role, 'leader', 'b won despite a and c being in lease');
    assert.equal(c.raft('b').status().term, term + 1);
    assert.equal(a.status().role, 'follower');
  });

  it('brings a lagging target up to date before sending timeout-now', () => {
    const c = new Cluster(['a', 'b', 'c']);
    const a = c.elect('a');
    c.isolate('c');
    for (let i = 0; i < 5; i++) a.propose(enc(`p${i}`));
    c.stabilize();
    c.heal();
    assert.equal(a.transferLeadership('c'), 'accepted');
    c.process('a');
    assert.ok(!c.queue.some((m) => m.type === 'timeout-now'), 'c is behind: no timeout-now yet');
    c.stabilize();
    assert.equal(c.raft('c').status().role, 'leader');
    assert.equal(c.raft('c').status().lastIndex >= a.status().lastIndex, true);
  });

  it('aborts after an election timeout when the target cannot be reached', () => {
    const c = new Cluster(['a', 'b', 'c']);
    const a = c.elect('a');
    c.isolate('c');
    assert.equal(a.transferLeadership('c'), 'accepted');
    assert.equal(a.propose(enc('x')), 'transferring');
    c.run(10);
    assert.equal(a.status().role, 'leader');
    assert.equal(a.propose(enc('x')), 'accepted');
  });

  it('answers not-leader and unknown-server', () => {
    const c = new Cluster(['a', 'b', 'c']);
    const a = c.elect('a');
    assert.equal(c.raft('b').transferLeadership('c'), 'not-leader');
    assert.equal(a.transferLeadership('zz'), 'unknown-server');
  });
});

describe('raft core: read index', () => {
  it('answers only after a quorum of voters confirmed leadership', () => {
    const c = new Cluster(['a', 'b', 'c']);
    const a = c.elect('a');
    c.run(1);
    assert.equal(a.readIndex('r1'), 'accepted');
    assert.equal(a.readIndex('r2'), 'accepted');
    c.process('a');
    const hbs = c.queue.filter((m) => m.type === 'heartbeat' && m.context !== '');
    assert.equal(hbs.length, 2, 'one round for both reads');
    c.deliver();
    c.process('b', 'c');
    c.drop((m) => m.from === 'c');
    c.drop((m) => m.from === 'b');
    c.process('a');
    assert.deepEqual(c.node('a').readStates, [], 'no answers: no read');
    c.run(1); // the next heartbeat carries the pending context again
    assert.deepEqual(c.node('a').readStates.map((r) => r.id), ['r1', 'r2']);
    assert.equal(c.node('a').readStates[0]!.index, a.status().commit);
  });

  it('waits for a commit in the leader term before starting a round', () => {
    const c = new Cluster(['a', 'b', 'c']);
    const a = c.raft('a');
    a.campaign();
    for (let i = 0; i < 10 && a.status().role !== 'leader'; i++) {
      c.process();
      c.deliver((m) => m.type === 'vote' || m.type === 'vote-response');
    }
    assert.equal(a.status().role, 'leader');
    assert.equal(a.readIndex('early'), 'accepted');
    c.process('a');
    assert.ok(!c.queue.some((m) => m.type === 'heartbeat' && m.context !== ''), 'no round before the no-op commits');
    c.stabilize();
    c.run(1);
    const rs = c.node('a').readStates;
    assert.deepEqual(rs.map((r) => r.id), ['early']);
    assert.ok(rs[0]!.index >= 2, 'at least the no-op');
  });

  it('a single voter answers at once', () => {
    const c = new Cluster(['a']);
    const a = c.elect('a');
    a.propose(enc('x'));
    c.stabilize();
    a.readIndex('r');
    const rd = a.ready();
    assert.deepEqual(rd.readStates, [{ id: 'r', index: a.status().commit }]);
    a.advance(rd);
  });

  it('drops pending reads when leadership is lost; followers say not-leader', () => {
    const c = new Cluster(['a', 'b', 'c']);
    const a = c.elect('a');
    assert.equal(c.raft('b').readIndex('x'), 'not-leader');
    a.readIndex('lost1');
    c.process('a');
    a.readIndex('lost2');
    c.drop();
    a.step({ type: 'append-response', from: 'b', to: 'a', term: a.status().term + 1, index: 0, reject: false, hintIndex: 0, hintTerm: 0 });
    const rd = a.ready();
    assert.deepEqual([...rd.droppedReads].sort(), ['lost1', 'lost2']);
    assert.deepEqual(rd.readStates, []);
    a.advance(rd);
  });
});

describe('raft core: lease reads (readLease)', () => {
  it('answers at once from the lease while a quorum was heard from recently', () => {
    const c = new Cluster(['a', 'b', 'c'], { readLease: true });
    const a = c.elect('a');
    c.stabilize();
    assert.equal(a.readIndex('r'), 'accepted');
    c.process('a');
    assert.deepEqual(c.node('a').readStates.map((r) => [r.id, r.index]), [['r', a.status().commit]]);
    assert.ok(!c.queue.some((m) => m.type === 'heartbeat' && m.context !== ''), 'no heartbeat round');
  });

  it('falls back to a heartbeat round once the followers have been silent too long, or during a transfer', () => {
    const c = new Cluster(['a', 'b', 'c'], { readLease: true });
    const a = c.elect('a');
    c.stabilize();
    // Followers' answers lost for most of an election timeout: the lease has lapsed.
    for (let i = 0; i < 8; i++) {
      c.tick(['a']);
      c.process('a');
      c.queue = [];
    }
    assert.equal(a.status().role, 'leader');
    assert.equal(a.readIndex('late'), 'accepted');
    c.process('a');
    assert.deepEqual(c.node('a').readStates, [], 'answered from a lapsed lease');
    assert.ok(c.queue.some((m) => m.type === 'heartbeat' && m.context !== ''), 'a heartbeat round instead');
    c.stabilize();
    assert.deepEqual(c.node('a').readStates.map((r) => r.id), ['late']);

    c.isolate('c');
    assert.equal(a.transferLeadership('c'), 'accepted');
    assert.equal(a.readIndex('moving'), 'accepted');
    c.process('a');
    assert.ok(!c.node('a').readStates.some((r) => r.id === 'moving'), 'answered from the lease while handing leadership over');
  });

  it('needs check-quorum', () => {
    assert.throws(() => new Cluster(['a'], { readLease: true, checkQuorum: false }), /readLease needs checkQuorum/);
  });
});
