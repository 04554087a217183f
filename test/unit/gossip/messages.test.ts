import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { seededRandom } from '../../../src/shared/random.js';
import { GossipMessageError, parseMessage, type Message } from '../../../src/gossip/core/index.js';

const valid: Message[] = [
  { type: 'ping', seqNo: 1, target: 'a' },
  { type: 'indirect-ping', seqNo: 2, target: 'a', targetAddr: '10.0.0.1:7946' },
  { type: 'ack', seqNo: 3 },
  { type: 'nack', seqNo: 4 },
  { type: 'alive', name: 'a', addr: '[::1]:7946', incarnation: 5, meta: { role: 'node' } },
  { type: 'suspect', name: 'a', incarnation: 5, from: 'b' },
  { type: 'dead', name: 'a', incarnation: 5, from: 'a' },
  { type: 'push-pull', join: true, states: [{ name: 'a', addr: '10.0.0.1:1', incarnation: 1, state: 'left', meta: {} }] },
  { type: 'push-pull-reply', states: [] },
];

describe('parseMessage', () => {
  it('accepts every well-formed message and returns an equal copy', () => {
    for (const m of valid) assert.deepEqual(parseMessage(JSON.parse(JSON.stringify(m))), m);
  });

  it('rejects garbage with a typed error', () => {
    const bad: unknown[] = [
      null, undefined, 42, 'ping', [], {}, { type: 'pong' }, { type: 'toString' },
      { type: 'ping', seqNo: -1, target: 'a' },
      { type: 'ping', seqNo: 1.5, target: 'a' },
      { type: 'ping', seqNo: '1', target: 'a' },
      { type: 'ping', seqNo: 1, target: '' },
      { type: 'ping', seqNo: 1, target: 'x'.repeat(1000) },
      { type: 'indirect-ping', seqNo: 1, target: 'a', targetAddr: 'nohost' },
      { type: 'indirect-ping', seqNo: 1, target: 'a', targetAddr: 'h:99999' },
      { type: 'alive', name: 'a', addr: '1.2.3.4:5', incarnation: Number.MAX_SAFE_INTEGER + 2, meta: {} },
      { type: 'alive', name: 'a', addr: '1.2.3.4:5', incarnation: 1, meta: { a: 1 } },
      { type: 'alive', name: 'a', addr: '1.2.3.4:5', incarnation: 1, meta: [] },
      { type: 'alive', name: 'a', addr: '1.2.3.4:5', incarnation: 1, meta: { big: 'x'.repeat(600) } },
      { type: 'dead', name: 'a', incarnation: 1 },
      { type: 'push-pull', join: 'yes', states: [] },
      { type: 'push-pull', states: {} },
      { type: 'push-pull-reply', states: [{ name: 'a', addr: '1.2.3.4:5', incarnation: 1, state: 'zombie', meta: {} }] },
      { type: 'push-pull-reply', states: [null] },
    ];
    for (const b of bad) {
      assert.throws(() => parseMessage(b), GossipMessageError, JSON.stringify(b) ?? String(b));
    }
  });

  it('never throws anything but GossipMessageError on random input (fuzz)', () => {
    const r = seededRandom(99);
    const atoms: unknown[] = [0, -1, 1.5, 'a', '', 'a:1', true, null, [], {}, 1e20];
    const keys = ['type', 'seqNo', 'target', 'targetAddr', 'name', 'addr', 'incarnation', 'meta', 'from', 'states', 'join', 'state'];
    const types = ['ping', 'indirect-ping', 'ack', 'nack', 'alive', 'suspect', 'dead', 'push-pull', 'push-pull-reply', 'x'];
    const gen = (depth: number): unknown => {
      if (depth > 2 || r.float() < 0.4) return atoms[r.int(atoms.length)];
      if (r.float() < 0.2) return Array.from({ length: r.int(3) }, () => gen(depth + 1));
      const o: Record<string, unknown> = { type: types[r.int(types.length)] };
      for (const k of keys) if (r.float() < 0.6) o[k] = gen(depth + 1);
      return o;
    };
    for (let i = 0; i < 5000; i++) {
      const input = gen(0);
      try {
        parseMessage(input);
      } catch (err) {
        assert.ok(err instanceof GossipMessageError, `unexpected ${String(err)}`);
      }
    }
  });
});
