import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { seededRandom } from '../../../../src/shared/random.js';
import { defaultRaftConfig, Raft, type VoteMessage } from '../../../../src/raft/core/index.js';
import { appliedData, Cluster, enc, logOfTerms, voters } from './harness.js';

describe('raft core: elections', () => {
  it('a single voter elects itself and commits its proposals', () => {
    const c = new Cluster(['a']);
    const a = c.elect('a');
    assert.equal(a.status().term, 2);
    assert.equal(a.propose(enc('x')), 'accepted');
    c.stabilize();
    assert.deepEqual(appliedData(c.node('a')), ['x']);
    // index 1 bootstrap config, 2 no-op, 3 x
    assert.equal(a.status().commit, 3);
    assert.equal(a.status().applied, 3);
  });

  it('a single voter campaigns by itself after the election timeout', () => {
    const c = new Cluster(['a'], { electionTicks: 5 });
    for (let i = 0; i < 9 && c.leaders().length === 0; i++) c.run(1);
    assert.deepEqual(c.leaders(), ['a']);
  });

  it('three servers elect exactly one leader by timeout and replicate to all', () => {
    const c = new Cluster(['a', 'b', 'c']);
    c.run(25);
    const leaders = c.leaders();
    assert.equal(leaders.length, 1);
    const l = c.raft(leaders[0]!);
    for (let i = 0; i < 5; i++) assert.equal(l.propose(enc(`p${i}`)), 'accepted');
    c.stabilize();
    c.run(2); // heartbeats carry the final commit index
    for (const id of ['a', 'b', 'c']) {
      assert.deepEqual(appliedData(c.node(id)), ['p0', 'p1', 'p2', 'p3', 'p4'], id);
      assert.equal(c.raft(id).status().leader, leaders[0]);
    }
    const follower = ['a', 'b', 'c'].find((id) => id !== leaders[0])!;
    assert.equal(c.raft(follower).propose(enc('no')), 'not-leader');
  });

  it('a server with an empty membership never campaigns', () => {
    const c = new Cluster([]);
    const n = c.add('x');
    for (let i = 0; i < 100; i++) n.raft.tick();
    n.raft.campaign();
    c.process();
    assert.equal(n.raft.status().role, 'follower');
    assert.equal(c.queue.length, 0);
  });

  it('a non-voter never campaigns', () => {
    const m = { servers: [{ id: 'a', address: 'a', voter: true }, { id: 'n', address: 'n', voter: false }] };
    const c = new Cluster(['a', 'n'], {}, m);
    for (let i = 0; i < 100; i++) c.raft('n').tick();
    c.process('n');
    assert.equal(c.raft('n').status().role, 'follower');
    assert.equal(c.queue.length, 0);
  });

  it('a vote goes out in the Ready that persists it, with mustSync', () => {
    const c = new Cluster(['a', 'b', 'c'], { preVote: false });
    c.raft('a').campaign();
    c.process('a');
    c.deliver((m) => m.to === 'b');
    const rd = c.raft('b').ready();
    const resp = rd.messages.find((m) => m.type === 'vote-response');
    assert.ok(resp && resp.type === 'vote-response' && resp.granted);
    assert.deepEqual(rd.hardState, { term: 2, vote: 'a', commit: 0 });
    assert.equal(rd.mustSync, true);
    // The candidate's own vote request also travels with its persisted self-vote.
    const rdA = c.node('a').readies[0]!;
    assert.equal(rdA.hardState?.vote, 'a');
    assert.ok(rdA.mustSync);
  });

  it('leader completeness: a server missing committed entries cannot win', () => {
    const c = new Cluster(['a', 'b', 'c'], { preVote: false, checkQuorum: false });
    c.elect('a');
    c.isolate('c');
    c.raft('a').propose(enc('committed'));
    c.stabilize();
    assert.equal(c.raft('b').status().lastIndex, 3);
    c.heal();
    // c, behind, campaigns at a higher term: a and b must refuse.
    c.raft('c').campaign();
    c.stabilize();
    assert.notEqual(c.raft('c').status().role, 'leader');
    // Whoever leads next has the committed entry (c may disrupt a few rounds: no pre-vote).
    for (let i = 0; i < 300 && c.leaders().length === 0; i++) c.run(1);
    const [l] = c.leaders();
    assert.ok(l);
    assert.notEqual(l, 'c');
    c.stabilize();
    assert.deepEqual(appliedData(c.node('c')), ['committed']);
  });

  it('grants a vote only to an up-to-date log (Raft §5.4.1)', () => {
    const restored = { hardState: { term: 5, vote: '', commit: 0 }, snapshot: null, entries: logOfTerms([1, 3, 5], voters('a', 'b', 'c')) };
    const b = new Raft({ ...defaultRaftConfig('b'), checkQuorum: false }, seededRandom(1), restored);
    const vote = (from: string, term: number, lastIndex: number, lastTerm: number): VoteMessage => ({
      type: 'vote', from, to: 'b', term, preVote: false, transfer: false, lastIndex, lastTerm,
    });
    b.step(vote('a', 6, 10, 4)); // longer but older last term
    b.step(vote('c', 7, 3, 5)); // same last term, same length: fine
    const msgs = b.ready().messages;
    assert.deepEqual(msgs.map((m) => m.type === 'vote-response' && m.granted), [false, true]);
  });

  it('pre-vote keeps a partitioned server from inflating its term', () => {
    for (const preVote of [true, false]) {
      const c = new Cluster(['a', 'b', 'c'], { preVote, checkQuorum: false });
      c.elect('a');
      const term = c.raft('a').status().term;
      c.isolate('c');
      c.run(100);
      const cTerm = c.raft('c').status().term;
      if (preVote) assert.equal(cTerm, term, 'pre-vote: c stays at the cluster term');
      else assert.ok(cTerm > term + 2, 'without pre-vote the term climbs');
      c.heal();
      c.run(30);
      if (preVote) {
        assert.equal(c.raft('a').status().role, 'leader', 'healthy leader undisturbed');
        assert.equal(c.raft('a').status().term, term);
      } else {
        assert.ok(c.raft('a').status().term > term, 'rejoining c forced a new term');
      }
    }
  });

  it('check-quorum: an isolated leader steps down after an election timeout', () => {
    for (const checkQuorum of [true, false]) {
      const c = new Cluster(['a', 'b', 'c'], { checkQuorum, preVote: true });
      c.elect('a');
      c.isolate('a');
      for (let i = 0; i < 25; i++) {
        c.tick(['a']);
        c.process('a');
        c.drop();
      }
      assert.equal(c.raft('a').status().role, checkQuorum ? 'follower' : 'leader');
    }
  });

  it('lease: a follower that hears from its leader ignores higher-term votes unless transfer', () => {
    const c = new Cluster(['a', 'b', 'c'], { checkQuorum: true, preVote: false });
    c.elect('a');
    const term = c.raft('b').status().term;
    const vote = (transfer: boolean): VoteMessage => ({
      type: 'vote', from: 'c', to: 'b', term: term + 1, preVote: false, transfer, lastIndex: 99, lastTerm: 99,
    });
    c.raft('b').step(vote(false));
    assert.equal(c.raft('b').status().term, term, 'term unchanged while in lease');
    assert.equal(c.raft('b').hasReady(), false, 'no reply at all');
    c.raft('b').step(vote(true));
    assert.equal(c.raft('b').status().term, term + 1);
    const rd = c.raft('b').ready();
    assert.ok(rd.messages.some((m) => m.type === 'vote-response' && m.granted));
  });

  it('a lease expires: after an election timeout without the leader a follower votes again', () => {
    const c = new Cluster(['a', 'b', 'c'], { checkQuorum: true, preVote: false });
    c.elect('a');
    const term = c.raft('b').status().term;
    c.tick(['b'], 10); // electionTicks
    c.raft('b').step({ type: 'vote', from: 'c', to: 'b', term: term + 1, preVote: false, transfer: false, lastIndex: 99, lastTerm: 99 });
    assert.equal(c.raft('b').status().term, term + 1);
  });

  it('a leader that hears a higher term from a stale-term reply steps down', () => {
    const c = new Cluster(['a', 'b', 'c']);
    c.elect('a');
    const term = c.raft('a').status().term;
    c.raft('a').step({ type: 'append-response', from: 'b', to: 'a', term: term + 3, index: 0, reject: false, hintIndex: 0, hintTerm: 0 });
    assert.equal(c.raft('a').status().role, 'follower');
    assert.equal(c.raft('a').status().term, term + 3);
  });

  it('a stale leader is told the new term when it sends appends', () => {
    const c = new Cluster(['a', 'b', 'c'], { checkQuorum: false, preVote: true });
    c.elect('a');
    c.isolate('a');
    c.raft('b').campaign();
    c.stabilize();
    assert.equal(c.raft('b').status().role, 'leader');
    c.heal();
    // a still thinks it leads; its heartbeat reaches c, which answers with its newer term.
    c.tick(['a']);
    c.process('a');
    c.deliver((m) => m.from === 'a' && m.to === 'c');
    c.process('c');
    c.deliver((m) => m.to === 'a');
    assert.equal(c.raft('a').status().role, 'follower');
    assert.equal(c.raft('a').status().term, c.raft('b').status().term);
  });
});
