import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  Awareness, pushPullScale, retransmitLimit, Suspicion, suspicionConfirmationsWanted, suspicionMinTimeout,
  suspicionTimeout,
} from '../../../src/gossip/core/index.js';

describe('suspicion timeout maths', () => {
  it('min = mult × max(1, log10 n) × interval; max = 6 × min (LAN examples)', () => {
    assert.equal(suspicionMinTimeout(4, 5, 1000), 4000);
    assert.equal(suspicionMinTimeout(4, 1, 1000), 4000);
    assert.equal(suspicionMinTimeout(4, 0, 1000), 4000);
    assert.equal(suspicionMinTimeout(4, 50, 1000), 6792); // 4 × 1.698 s: memberlist truncates log10(50) = 1.69897 to 1.698
    assert.equal(suspicionMinTimeout(5, 3000, 200), 3477); // 5 × 3.477 × 200 ms (log10(3000) = 3.4771)
    assert.equal(suspicionMinTimeout(6, 10, 5000), 30000); // WAN: 30 s .. 180 s
  });

  it('wants suspicionMult−2 confirmations, none in clusters too small to give them', () => {
    assert.equal(suspicionConfirmationsWanted(4, 20), 2);
    assert.equal(suspicionConfirmationsWanted(4, 4), 2);
    assert.equal(suspicionConfirmationsWanted(4, 3), 0);
    assert.equal(suspicionConfirmationsWanted(6, 5), 0);
  });

  it('starts at max and shrinks logarithmically to min with confirmations', () => {
    const [min, max, k] = [2000, 30000, 3];
    assert.equal(suspicionTimeout(0, k, min, max), max);
    const one = suspicionTimeout(1, k, min, max);
    const two = suspicionTimeout(2, k, min, max);
    assert.equal(one, Math.floor(max - (Math.log(2) / Math.log(4)) * (max - min))); // 16000
    assert.equal(one, 16000);
    assert.ok(two < one && two > min);
    assert.equal(suspicionTimeout(3, k, min, max), min);
    assert.equal(suspicionTimeout(10, k, min, max), min, 'never below min');
    assert.equal(suspicionTimeout(0, 0, min, max), min, 'k = 0 means min straight away');
  });

  it('a Suspicion counts only new, independent accusers and only up to k', () => {
    const s = new Suspicion('a', 1000, 2, 4000, 24000);
    assert.equal(s.deadline(), 25000);
    assert.equal(s.confirm('a'), false, 'the first accuser is not a confirmation');
    assert.equal(s.confirm('b'), true);
    assert.equal(s.confirm('b'), false, 'duplicates do not count');
    assert.equal(s.deadline(), 1000 + suspicionTimeout(1, 2, 4000, 24000));
    assert.equal(s.confirm('c'), true);
    assert.equal(s.deadline(), 5000);
    assert.equal(s.confirm('d'), false, 'already at k: nothing left to shorten, nothing to re-gossip');
  });
});

describe('awareness (local health)', () => {
  it('stays within 0..max-1 and scales timeouts by score+1', () => {
    const a = new Awareness(8);
    assert.equal(a.score(), 0);
    a.applyDelta(-1);
    assert.equal(a.score(), 0);
    a.applyDelta(3);
    assert.equal(a.score(), 3);
    assert.equal(a.scale(500), 2000);
    a.applyDelta(100);
    assert.equal(a.score(), 7);
    assert.equal(a.scale(1000), 8000);
    a.applyDelta(-2);
    assert.equal(a.score(), 5);
  });
});

describe('size scaling', () => {
  it('retransmits = mult × ceil(log10(n+1))', () => {
    assert.equal(retransmitLimit(4, 1), 4);
    assert.equal(retransmitLimit(4, 5), 4);
    assert.equal(retransmitLimit(4, 9), 4);
    assert.equal(retransmitLimit(4, 10), 8);
    assert.equal(retransmitLimit(4, 50), 8);
    assert.equal(retransmitLimit(4, 200), 12);
  });

  it('push-pull interval unchanged up to 32 nodes, then grows with log2', () => {
    assert.equal(pushPullScale(30000, 32), 30000);
    assert.equal(pushPullScale(30000, 33), 60000);
    assert.equal(pushPullScale(30000, 64), 60000);
    assert.equal(pushPullScale(30000, 200), 120000);
  });
});
