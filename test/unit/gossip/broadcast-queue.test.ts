import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { BroadcastQueue, estimateSize, type PacketMessage } from '../../../src/gossip/core/index.js';

const alive = (name: string, incarnation: number): PacketMessage =>
  ({ type: 'alive', name, addr: '10.0.0.1:7946', incarnation, meta: {} });

describe('broadcast queue', () => {
  it('retransmits each broadcast exactly `limit` times, then drops it', () => {
    const q = new BroadcastQueue(100);
    q.enqueue('a', alive('a', 1));
    let sent = 0;
    for (let i = 0; i < 20; i++) sent += q.take(3, 1400, 4).length;
    assert.equal(sent, 4);
    assert.equal(q.length, 0);
  });

  it('a newer message about the same node invalidates the older one', () => {
    const q = new BroadcastQueue(100);
    q.enqueue('a', alive('a', 1));
    q.enqueue('b', alive('b', 1));
    q.enqueue('a', { type: 'dead', name: 'a', incarnation: 1, from: 'c' });
    const out = q.take(3, 1400, 4);
    assert.equal(out.length, 2);
    assert.deepEqual(out.find((m) => 'name' in m && m.name === 'a'), { type: 'dead', name: 'a', incarnation: 1, from: 'c' });
  });

  it('respects the byte budget and prefers the least-sent, newest messages', () => {
    const q = new BroadcastQueue(100);
    const size = estimateSize(alive('n0', 1)) + 3;
    for (let i = 0; i < 5; i++) q.enqueue(`n${i}`, alive(`n${i}`, 1));
    const first = q.take(3, size * 2, 10);
    assert.deepEqual(first.map((m) => ('name' in m ? m.name : '')), ['n4', 'n3']);
    const second = q.take(3, size * 2, 10);
    assert.deepEqual(second.map((m) => ('name' in m ? m.name : '')), ['n2', 'n1'], 'unsent ones go before resends');
    assert.deepEqual(q.take(3, 0, 10), []);
  });

  it('sheds the most-sent entries when over its depth cap', () => {
    const q = new BroadcastQueue(3);
    q.enqueue('old', alive('old', 1));
    q.take(3, 1400, 10);
    for (const n of ['x', 'y', 'z']) q.enqueue(n, alive(n, 1));
    assert.equal(q.length, 3);
    assert.ok(!q.take(3, 1400, 10).some((m) => 'name' in m && m.name === 'old'));
  });
});
