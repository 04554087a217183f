import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { LamportClock } from '../../../src/gossip/serf/lamport.js';

describe('Lamport clock', () => {
  it('starts at 0 and increments by one, returning the new time', () => {
    const c = new LamportClock();
    assert.equal(c.time(), 0);
    assert.equal(c.increment(), 1);
    assert.equal(c.increment(), 2);
    assert.equal(c.time(), 2);
  });

  it('witnessing a time at or past ours moves us one beyond it; an older one changes nothing', () => {
    const c = new LamportClock();
    c.witness(41);
    assert.equal(c.time(), 42);
    c.witness(10);
    assert.equal(c.time(), 42);
    c.witness(42);
    assert.equal(c.time(), 43, 'equal time: we must still be ahead of it');
    c.witness(-5);
    c.witness(Number.NaN);
    assert.equal(c.time(), 43, 'garbage is ignored');
  });

  it('orders causally: a message sent after receiving another carries a later time', () => {
    const a = new LamportClock();
    const b = new LamportClock();
    const sent = a.time();
    a.increment();
    b.witness(sent);
    const reply = b.time();
    assert.ok(reply > sent);
  });
});
