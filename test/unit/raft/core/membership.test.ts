import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  applyMembershipChange, bootstrapLog, decodeMembership, encodeMembership, quorumIndex, type Membership,
} from '../../../../src/raft/core/index.js';
import { appliedData, Cluster, enc, voters } from './harness.js';

const roles = (m: Membership): string => m.servers.map((s) => `${s.id}${s.voter ? '' : '?'}`).join(',');

describe('raft core: membership', () => {
  it('encodes and decodes, and rejects garbage', () => {
    const m = voters('a', 'b');
    assert.deepEqual(decodeMembership(encodeMembership(m)), m);
    assert.throws(() => decodeMembership(enc('{"servers":[{"id":1}]}')));
    assert.throws(() => decodeMembership(new Uint8Array([0xff, 0xfe])));
    assert.throws(() => decodeMembership(enc('{"servers":[{"id":"a","address":"x","voter":true},{"id":"a","address":"y","voter":true}]}')));
  });

  it('applies single-server changes with validation', () => {
    const m = voters('a');
    const plus = applyMembershipChange(m, { type: 'add-nonvoter', id: 'b', address: 'b:1' });
    assert.ok(typeof plus !== 'string');
    assert.equal(roles(plus), 'a,b?');
    const promoted = applyMembershipChange(plus, { type: 'add-voter', id: 'b', address: 'b:2' });
    assert.ok(typeof promoted !== 'string');
    assert.equal(roles(promoted), 'a,b');
    assert.equal(promoted.servers[1]!.address, 'b:2');
    const notDemoted = applyMembershipChange(promoted, { type: 'add-nonvoter', id: 'b', address: 'b:2' });
    assert.ok(typeof notDemoted !== 'string' && roles(notDemoted) === 'a,b');
    assert.equal(typeof applyMembershipChange(m, { type: 'remove', id: 'a' }), 'string', 'last voter');
    assert.equal(typeof applyMembershipChange(m, { type: 'add-voter', id: '', address: 'x' }), 'string');
    assert.equal(quorumIndex([5, 3, 9]), 5);
    assert.equal(quorumIndex([5, 3, 9, 1]), 3);
  });

  it('bootstrapLog writes a config entry at index 1, term 1', () => {
    const { hardState, entries } = bootstrapLog(voters('a', 'b', 'c'));
    assert.deepEqual(hardState, { term: 1, vote: '', commit: 0 });
    assert.equal(entries.length, 1);
    assert.deepEqual([entries[0]!.index, entries[0]!.term, entries[0]!.kind], [1, 1, 'config']);
    assert.deepEqual(decodeMembership(entries[0]!.data), voters('a', 'b', 'c'));
    assert.throws(() => bootstrapLog({ servers: [{ id: 'a', address: 'a', voter: false }] }));
  });

  it('grows from one server: add non-voter, promote, add voter, remove the leader', () => {
    const c = new Cluster(['a']);
    const a = c.elect('a');
    c.add('b');
    c.add('c');
    assert.equal(a.proposeMembership({ type: 'add-nonvoter', id: 'b', address: 'b:8300' }), 'accepted');
    assert.equal(a.proposeMembership({ type: 'add-voter', id: 'c', address: 'c:8300' }), 'config-pending');
    assert.equal(a.propose(enc('one')), 'accepted');
    // A non-voter does not count: a commits alone (b is cut off).
    c.isolate('b');
    c.stabilize();
    assert.equal(a.status().commit, a.status().lastIndex);
    c.heal();
    c.run(2);
    assert.equal(roles(c.raft('b').status().membership), 'a,b?');
    assert.deepEqual(appliedData(c.node('b')), ['one']);
    for (let i = 0; i < 50; i++) c.raft('b').tick();
    assert.equal(c.raft('b').status().role, 'follower', 'a non-voter never campaigns');

    assert.equal(a.proposeMembership({ type: 'add-voter', id: 'b', address: 'b:8300' }), 'accepted');
    c.stabilize();
    assert.equal(roles(a.status().membership), 'a,b');
    // Now b counts: with b cut off, nothing commits.
    c.isolate('b');
    a.propose(enc('needs-b'));
    c.stabilize();
    assert.ok(a.status().commit < a.status().lastIndex);
    c.heal();
    c.run(2);
    assert.equal(a.status().commit, a.status().lastIndex);

    assert.equal(a.proposeMembership({ type: 'add-voter', id: 'c', address: 'c:8300' }), 'accepted');
    c.stabilize();
    c.run(2);
    assert.equal(roles(c.raft('c').status().membership), 'a,b,c');

    // Remove the leader: it keeps leading until the change commits, then hands over.
    assert.equal(a.proposeMembership({ type: 'remove', id: 'a' }), 'accepted');
    assert.equal(a.status().role, 'leader');
    c.stabilize();
    assert.equal(a.status().role, 'follower');
    const [l] = c.leaders();
    assert.ok(l === 'b' || l === 'c', `new leader ${l}`);
    c.raft(l).propose(enc('after'));
    c.stabilize();
    c.run(2);
    const other = l === 'b' ? 'c' : 'b';
    assert.deepEqual(appliedData(c.node(other)), ['one', 'needs-b', 'after']);
    // The removed server never campaigns.
    const term = a.status().term;
    for (let i = 0; i < 100; i++) a.tick();
    c.process('a');
    assert.equal(a.status().role, 'follower');
    assert.equal(a.status().term, term);
  });

  it('removing a follower stops replication to it and shrinks the quorum', () => {
    const c = new Cluster(['a', 'b', 'c']);
    const a = c.elect('a');
    c.isolate('c');
    assert.equal(a.proposeMembership({ type: 'remove', id: 'c' }), 'accepted');
    c.stabilize();
    assert.equal(roles(a.status().membership), 'a,b');
    assert.deepEqual(a.status().progress.map((p) => p.id), ['b']);
    c.isolate('b');
    a.propose(enc('x'));
    c.stabilize();
    assert.ok(a.status().commit < a.status().lastIndex, 'quorum of {a,b} is 2');
  });

  it('a new leader refuses membership changes until it has committed in its term', () => {
    const c = new Cluster(['a', 'b', 'c']);
    const a = c.raft('a');
    a.campaign();
    for (let i = 0; i < 10 && a.status().role !== 'leader'; i++) {
      c.process();
      c.deliver((m) => m.type === 'vote' || m.type === 'vote-response');
    }
    assert.equal(a.status().role, 'leader');
    assert.equal(a.proposeMembership({ type: 'remove', id: 'c' }), 'config-pending');
    c.stabilize();
    c.run(1);
    // Every config entry is committed now; b takes over but has not committed its no-op yet.
    assert.equal(a.transferLeadership('b'), 'accepted');
    const electionOnly = (m: { type: string }): boolean => ['timeout-now', 'vote', 'vote-response'].includes(m.type);
    for (let i = 0; i < 10 && c.raft('b').status().role !== 'leader'; i++) {
      c.process();
      c.drop((m) => !electionOnly(m));
      c.deliver();
    }
    const b = c.raft('b');
    assert.equal(b.status().role, 'leader');
    assert.ok(b.status().commit >= 1, 'the bootstrap config is committed');
    assert.equal(b.proposeMembership({ type: 'remove', id: 'c' }), 'config-pending', 'no commit in its term yet');
    c.stabilize();
    assert.equal(b.proposeMembership({ type: 'remove', id: 'c' }), 'accepted');
    assert.equal(b.proposeMembership({ type: 'remove', id: 'a' }), 'config-pending');
  });

  it('rejects an invalid change and answers not-leader on followers', () => {
    const c = new Cluster(['a']);
    const a = c.elect('a');
    assert.equal(a.proposeMembership({ type: 'remove', id: 'a' }), 'invalid');
    const c3 = new Cluster(['a', 'b', 'c']);
    c3.elect('a');
    assert.equal(c3.raft('b').proposeMembership({ type: 'remove', id: 'c' }), 'not-leader');
  });

  it('a config entry takes effect on append, and reverts when it is truncated', () => {
    const c = new Cluster(['a', 'b', 'c']);
    const a = c.elect('a');
    c.isolate('a');
    assert.equal(a.proposeMembership({ type: 'add-voter', id: 'd', address: 'd:1' }), 'accepted');
    assert.equal(roles(a.status().membership), 'a,b,c,d', 'in force on the leader before commit');
    c.process('a');
    // A follower adopts it as soon as it appends it (here: b, handed the append directly).
    const probe = new Cluster(['a', 'b', 'c']);
    probe.elect('a');
    probe.raft('a').proposeMembership({ type: 'add-voter', id: 'd', address: 'd:1' });
    probe.process('a');
    probe.deliver((m) => m.to === 'b');
    assert.equal(roles(probe.raft('b').status().membership), 'a,b,c,d');
    assert.ok(probe.raft('b').status().commit < probe.raft('b').status().lastIndex, 'not yet committed');

    // b and c move on without a; a's uncommitted config entry is overwritten when it rejoins.
    for (let i = 0; i < 300 && !['b', 'c'].some((id) => c.raft(id).status().role === 'leader'); i++) c.run(1);
    const l = ['b', 'c'].find((id) => c.raft(id).status().role === 'leader')!;
    assert.equal(c.raft(l).propose(enc('x')), 'accepted');
    c.stabilize();
    c.heal();
    c.run(3);
    assert.equal(roles(a.status().membership), 'a,b,c', 'reverted with the truncated entry');
    assert.deepEqual(appliedData(c.node('a')), ['x']);
  });
});
