import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { syncScaleFactor } from '../../../src/agent/anti-entropy.js';

describe('anti-entropy interval scale (Consul ae.scaleFactor)', () => {
  it('is 1 up to 128 nodes and grows by one per doubling beyond', () => {
    assert.deepEqual([1, 64, 128].map(syncScaleFactor), [1, 1, 1]);
    assert.equal(syncScaleFactor(129), 2);
    assert.equal(syncScaleFactor(256), 2);
    assert.equal(syncScaleFactor(257), 3);
    assert.equal(syncScaleFactor(4096), 6);
  });
});
