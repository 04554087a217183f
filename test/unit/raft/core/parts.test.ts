import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Inflights } from '../../../../src/raft/core/inflights.js';
import { RaftLog } from '../../../../src/raft/core/log.js';
import { Progress } from '../../../../src/raft/core/progress.js';
import { defaultRaftConfig, validateRaftConfig } from '../../../../src/raft/core/config.js';
import { logOfTerms } from './harness.js';

describe('raft core parts', () => {
  it('RaftLog: append, conflict search, truncation, durability marks, compaction', () => {
    const log = new RaftLog(0, 0, logOfTerms([1, 1, 2, 2, 3]));
    assert.equal(log.lastIndex(), 5);
    assert.equal(log.stable(), 5);
    assert.deepEqual(log.findConflictByTerm(5, 2), { index: 4, term: 2 });
    assert.deepEqual(log.findConflictByTerm(5, 0), { index: 0, term: 0 });
    assert.equal(log.findConflict(logOfTerms([1, 1, 2, 9]).slice(2)), 4);
    log.truncateAndAppend(logOfTerms([1, 1, 2, 4, 4, 4]).slice(3));
    assert.deepEqual([log.lastIndex(), log.lastTerm(), log.stable(), log.handedOut()], [6, 4, 3, 3]);
    assert.deepEqual(log.takeUnstable().map((e) => e.index), [4, 5, 6]);
    assert.deepEqual(log.takeUnstable(), []);
    log.stableTo(6, 3); // wrong term: not ours any more
    assert.equal(log.stable(), 3);
    log.stableTo(6, 4);
    assert.equal(log.stable(), 6);
    log.compact(4);
    assert.deepEqual([log.firstIndex(), log.term(4), log.term(3)], [5, 4, undefined]);
    assert.deepEqual(log.slice(5, 7).map((e) => e.index), [5, 6]);
    assert.deepEqual(log.slice(5, 7, 1).map((e) => e.index), [5], 'at least one entry even over the byte limit');
  });

  it('Inflights: a bounded ring freed by acknowledgements', () => {
    const inf = new Inflights(3);
    for (const i of [10, 20, 30]) inf.add(i);
    assert.ok(inf.full());
    assert.throws(() => inf.add(40));
    inf.freeLE(20);
    assert.equal(inf.size, 1);
    inf.add(40);
    inf.add(50);
    assert.ok(inf.full());
    inf.freeFirstOne();
    inf.freeLE(45);
    assert.equal(inf.size, 1);
    inf.freeLE(50);
    assert.equal(inf.size, 0);
    // Growth keeps order across the wrap point.
    const big = new Inflights(100);
    for (let i = 1; i <= 3; i++) big.add(i);
    big.freeLE(2);
    for (let i = 4; i <= 20; i++) big.add(i);
    big.freeLE(10);
    assert.equal(big.size, 10);
  });

  it('Progress: probe → replicate, stale rejects ignored, snapshot pauses', () => {
    const pr = new Progress(11, 2);
    pr.sentEntries(1, 11);
    assert.ok(pr.isPaused(), 'probe waits for an answer');
    assert.equal(pr.maybeDecrTo(5, 3), false, 'not the outstanding probe');
    assert.equal(pr.maybeDecrTo(10, 3), true);
    assert.equal(pr.next, 4);
    assert.ok(!pr.isPaused());
    assert.ok(pr.maybeUpdate(8));
    pr.becomeReplicate();
    assert.equal(pr.next, 9);
    pr.sentEntries(2, 10);
    pr.sentEntries(2, 12);
    assert.ok(pr.isPaused(), 'two in flight');
    assert.equal(pr.maybeDecrTo(7, 0), false, 'below match: stale');
    pr.becomeSnapshot(50);
    assert.ok(pr.isPaused());
    pr.becomeProbe();
    assert.equal(pr.next, 51);
  });

  it('config validation', () => {
    assert.doesNotThrow(() => validateRaftConfig(defaultRaftConfig('a')));
    assert.throws(() => validateRaftConfig({ ...defaultRaftConfig('a'), electionTicks: 1 }), /electionTicks/);
    assert.throws(() => validateRaftConfig({ ...defaultRaftConfig(''), electionTicks: 10 }), /id/);
    assert.throws(() => validateRaftConfig({ ...defaultRaftConfig('a'), maxInflightMsgs: 0 }), /maxInflightMsgs/);
  });
});
