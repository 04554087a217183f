import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { withPort } from '../../../src/agent/gossip.js';
import { memberView } from '../../../src/agent/membership.js';

describe('agent gossip helpers', () => {
  it('adds the default gossip port only where none is given', () => {
    assert.equal(withPort('127.0.0.2', 8301), '127.0.0.2:8301');
    assert.equal(withPort('127.0.0.2:9301', 8301), '127.0.0.2:9301');
    assert.equal(withPort('::1', 8301), '[::1]:8301');
    assert.equal(withPort('[::1]:9301', 8301), '[::1]:9301');
    assert.equal(withPort('node-a.example', 8302), 'node-a.example:8302');
  });

  it('shows gossip states as serf statuses: suspect is still alive, dead is failed', () => {
    const base = { name: 'n1', addr: '127.0.0.2:8301', meta: { role: 'node' } };
    assert.deepEqual(
      (['alive', 'suspect', 'dead', 'left'] as const).map((state) => memberView({ ...base, state }).Status),
      [1, 1, 4, 3],
    );
    const view = memberView({ ...base, state: 'alive' });
    assert.equal(view.Addr, '127.0.0.2');
    assert.equal(view.Port, 8301);
    assert.deepEqual(view.Tags, { role: 'node' });
  });
});
