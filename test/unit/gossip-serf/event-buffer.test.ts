import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { EventBuffer } from '../../../src/gossip/serf/event-buffer.js';

const bytes = (s: string) => new TextEncoder().encode(s);

describe('user event dedupe window', () => {
  it('accepts an event once per (ltime, name, payload)', () => {
    const b = new EventBuffer(8);
    assert.equal(b.accept({ ltime: 3, name: 'deploy', payload: bytes('v1') }, 4), 'new');
    assert.equal(b.accept({ ltime: 3, name: 'deploy', payload: bytes('v1') }, 4), 'duplicate');
    assert.equal(b.accept({ ltime: 3, name: 'deploy', payload: bytes('v2') }, 4), 'new', 'other payload');
    assert.equal(b.accept({ ltime: 3, name: 'restart', payload: bytes('v1') }, 4), 'new', 'other name');
    assert.equal(b.accept({ ltime: 4, name: 'deploy', payload: bytes('v1') }, 5), 'new', 'other ltime');
  });

  it('refuses events older than the window and below the minimum time', () => {
    const b = new EventBuffer(8);
    assert.equal(b.accept({ ltime: 1, name: 'x', payload: bytes('') }, 100), 'too-old');
    assert.equal(b.accept({ ltime: 92, name: 'x', payload: bytes('') }, 100), 'new', 'inside the window');
    b.minTime = 95;
    assert.equal(b.accept({ ltime: 94, name: 'y', payload: bytes('') }, 100), 'before-min');
    assert.equal(b.accept({ ltime: 95, name: 'y', payload: bytes('') }, 100), 'new');
  });

  it('reuses a slot for a newer ltime, so a far newer event replaces the old one', () => {
    const b = new EventBuffer(4);
    assert.equal(b.accept({ ltime: 1, name: 'x', payload: bytes('') }, 2), 'new');
    assert.equal(b.accept({ ltime: 5, name: 'x', payload: bytes('') }, 6), 'new', 'same slot (5 mod 4), other ltime');
    assert.deepEqual(b.recent().map((e) => e.ltime), [5]);
  });

  it('lists what it holds oldest first', () => {
    const b = new EventBuffer(16);
    for (const t of [7, 2, 5]) b.accept({ ltime: t, name: `e${t}`, payload: bytes('') }, 8);
    assert.deepEqual(b.recent().map((e) => e.name), ['e2', 'e5', 'e7']);
  });
});
