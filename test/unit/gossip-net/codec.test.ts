import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_MTU, KIND_COMPOUND, KIND_SINGLE, WIRE_VERSION, decodePacket, encodeMessage, packMessages } from '../../../src/gossip/net/codec.js';
import { GossipDecodeError } from '../../../src/gossip/net/errors.js';
import { seededRandom } from '../../../src/shared/random.js';

const msg = (i: number, pad = 0): object => ({ type: 'alive', node: `node-${i}`, incarnation: i, meta: 'x'.repeat(pad) });

function reasonOf(bytes: Uint8Array): string {
  try {
    decodePacket(bytes);
  } catch (err) {
    assert.ok(err instanceof GossipDecodeError, `expected GossipDecodeError, got ${String(err)}`);
    return err.reason;
  }
  return 'ok';
}

describe('gossip packet codec', () => {
  test('one message round-trips as a single packet', () => {
    const m = { type: 'ping', seqNo: 7, node: 'a', nested: { list: [1, 'two', null], bin: new Uint8Array([1, 2]) } };
    const packets = packMessages([m]);
    assert.equal(packets.length, 1);
    const [p] = packets;
    assert.ok(p);
    assert.equal(p[0], WIRE_VERSION);
    assert.equal(p[1], KIND_SINGLE);
    const [back] = decodePacket(p);
    assert.deepEqual(back, { ...m, nested: { ...m.nested, bin: new Uint8Array([1, 2]) } });
  });

  test('several small messages share one compound packet, in order', () => {
    const messages = [msg(1), msg(2), msg(3)];
    const packets = packMessages(messages);
    assert.equal(packets.length, 1);
    assert.equal(packets[0]?.[1], KIND_COMPOUND);
    assert.deepEqual(decodePacket(packets[0] ?? new Uint8Array()), messages);
  });

  test('messages beyond the MTU split across packets, none over budget, order kept', () => {
    const messages = Array.from({ length: 200 }, (_, i) => msg(i, i % 50));
    for (const mtu of [64, 200, 512, DEFAULT_MTU]) {
      const packets = packMessages(messages, mtu);
      assert.ok(packets.length > 1);
      for (const p of packets) {
        // Over budget only when one message alone is: then it travels alone.
        if (p.length > mtu) assert.equal(p[1], KIND_SINGLE, `compound packet of ${p.length} > ${mtu}`);
      }
      if (mtu >= 200) assert.ok(packets.some((p) => p[1] === KIND_COMPOUND));
      assert.deepEqual(packets.flatMap((p) => decodePacket(p)), messages);
    }
  });

  test('a message too big for the budget goes alone, between its neighbours', () => {
    const big = msg(99, 3000);
    const messages = [msg(1), msg(2), big, msg(3)];
    const packets = packMessages(messages, 1400);
    assert.equal(packets.length, 3);
    assert.equal(packets[1]?.[1], KIND_SINGLE);
    assert.ok((packets[1]?.length ?? 0) > 1400);
    assert.deepEqual(decodePacket(packets[1] ?? new Uint8Array()), [big]);
    assert.deepEqual(packets.flatMap((p) => decodePacket(p)), messages);
  });

  test('no more than 255 parts in one compound packet', () => {
    const messages = Array.from({ length: 600 }, () => ({}));
    const packets = packMessages(messages, 100_000);
    assert.equal(packets.length, 3);
    assert.deepEqual(packets.flatMap((p) => decodePacket(p)), messages);
  });

  test('no messages, no packets', () => {
    assert.deepEqual(packMessages([]), []);
  });

  test('each malformed shape has its own reason', () => {
    const payload = encodeMessage({ a: 1 });
    assert.equal(reasonOf(new Uint8Array([])), 'truncated');
    assert.equal(reasonOf(new Uint8Array([WIRE_VERSION])), 'truncated');
    assert.equal(reasonOf(new Uint8Array([2, KIND_SINGLE, ...payload])), 'version');
    assert.equal(reasonOf(new Uint8Array([WIRE_VERSION, 9, ...payload])), 'kind');
    assert.equal(reasonOf(new Uint8Array([WIRE_VERSION, KIND_SINGLE, 0x82, 0xa1, 0x61])), 'payload');
    assert.equal(reasonOf(new Uint8Array([WIRE_VERSION, KIND_SINGLE, ...payload, 0])), 'payload');
    assert.equal(reasonOf(new Uint8Array([WIRE_VERSION, KIND_SINGLE, ...encodeMessage([1, 2])])), 'not-object');
    assert.equal(reasonOf(new Uint8Array([WIRE_VERSION, KIND_SINGLE, ...encodeMessage('str' as unknown as object)])), 'not-object');
    assert.equal(reasonOf(new Uint8Array([WIRE_VERSION, KIND_SINGLE, 0xc0])), 'not-object');
    assert.equal(reasonOf(new Uint8Array([WIRE_VERSION, KIND_COMPOUND])), 'truncated');
    assert.equal(reasonOf(new Uint8Array([WIRE_VERSION, KIND_COMPOUND, 0])), 'parts');
    assert.equal(reasonOf(new Uint8Array([WIRE_VERSION, KIND_COMPOUND, 2, 0, payload.length, ...payload])), 'truncated');
    assert.equal(reasonOf(new Uint8Array([WIRE_VERSION, KIND_COMPOUND, 1, 0, 200, ...payload])), 'length');
    assert.equal(reasonOf(new Uint8Array([WIRE_VERSION, KIND_COMPOUND, 1, 0, payload.length, ...payload, 7])), 'length');
  });

  test('__proto__ keys from the wire do not pollute prototypes', () => {
    const evil = new Uint8Array([WIRE_VERSION, KIND_SINGLE, 0x81, 0xa9, ...Buffer.from('__proto__'), 0x81, 0xa1, 0x78, 1]);
    const [m] = decodePacket(evil);
    assert.equal(Object.getPrototypeOf(m), Object.prototype);
    assert.equal(({} as Record<string, unknown>)['x'], undefined);
  });

  test('fuzz: random and mutated bytes only ever raise GossipDecodeError', () => {
    const rnd = seededRandom(0x5eed);
    const valid = packMessages(Array.from({ length: 20 }, (_, i) => msg(i, i)), 400);
    let decoded = 0;
    for (let i = 0; i < 20_000; i++) {
      let bytes: Uint8Array;
      if (i % 2 === 0) {
        bytes = new Uint8Array(rnd.int(300));
        for (let j = 0; j < bytes.length; j++) bytes[j] = rnd.int(256);
        // Make half of them pass the header check so the fuzz reaches the body parsers.
        if (bytes.length >= 2 && i % 4 === 0) {
          bytes[0] = WIRE_VERSION;
          bytes[1] = rnd.int(2);
        }
      } else {
        const base = valid[rnd.int(valid.length)] ?? new Uint8Array();
        bytes = Uint8Array.from(base.subarray(0, rnd.int(base.length + 1)));
        for (let flips = rnd.int(4); flips > 0 && bytes.length > 0; flips--) bytes[rnd.int(bytes.length)] = rnd.int(256);
      }
      try {
        const out = decodePacket(bytes);
        for (const m of out) assert.equal(typeof m, 'object');
        decoded++;
      } catch (err) {
        if (!(err instanceof GossipDecodeError)) assert.fail(`iteration ${i}: ${String(err)} from ${Buffer.from(bytes).toString('hex')}`);
      }
    }
    assert.ok(decoded > 0, 'some mutated packets still decode');
  });
});
