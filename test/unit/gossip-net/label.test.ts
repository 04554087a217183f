import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { AppError } from '../../../src/shared/errors.js';
import { GossipAuthError, GossipDecodeError } from '../../../src/gossip/net/errors.js';
import type { FramedConn } from '../../../src/gossip/net/framed-conn.js';
import { LABEL_MAGIC, addLabel, stripLabel } from '../../../src/gossip/net/label.js';
import { GossipWire } from '../../../src/gossip/net/wire.js';
import { collect, until } from './helpers.js';

const wires: GossipWire[] = [];
async function wire(label?: string): Promise<GossipWire> {
  const w = await GossipWire.start({ bindIp: '127.0.0.1', bindPort: 0, label });
  wires.push(w);
  return w;
}
after(async () => {
  await Promise.all(wires.map((w) => w.close()));
});

describe('gossip labels', () => {
  test('header round trip; empty label adds nothing', () => {
    const packet = new Uint8Array([1, 0, 0x80]);
    assert.deepEqual(addLabel(packet, ''), packet);
    const labelled = addLabel(packet, 'dc1');
    assert.deepEqual([...labelled.subarray(0, 5)], [LABEL_MAGIC, 3, 0x64, 0x63, 0x31]);
    assert.deepEqual(new Uint8Array(stripLabel(labelled, 'dc1')), packet);
    assert.throws(() => stripLabel(labelled, 'dc2'), (e) => e instanceof GossipAuthError && /label mismatch/.test(e.message));
    assert.throws(() => stripLabel(labelled, ''), (e) => e instanceof GossipAuthError);
    assert.throws(() => stripLabel(packet, 'dc1'), (e) => e instanceof GossipAuthError);
    assert.throws(() => stripLabel(new Uint8Array([LABEL_MAGIC, 9, 0x61]), 'a'), (e) => e instanceof GossipDecodeError && e.reason === 'truncated');
    assert.throws(() => stripLabel(new Uint8Array([LABEL_MAGIC]), 'a'), (e) => e instanceof GossipDecodeError);
    assert.throws(() => stripLabel(new Uint8Array([LABEL_MAGIC, 0]), ''), (e) => e instanceof GossipDecodeError && e.reason === 'length');
  });

  test('a label over 255 bytes is refused before binding', async () => {
    await assert.rejects(GossipWire.start({ bindIp: '127.0.0.1', bindPort: 0, label: 'x'.repeat(256) }), (e) => e instanceof AppError && e.code === 'CONFIG');
  });

  test('unencrypted pools with different labels ignore each other', async () => {
    const a = await wire('pool-a');
    const a2 = await wire('pool-a');
    const b = await wire('pool-b');
    const rx = collect(a2);
    await b.send(a2.addr, [{ from: 'b' }]);
    await a.send(a2.addr, [{ from: 'a' }]);
    await until(() => a2.counters.packetsReceived === 2);
    assert.deepEqual(rx.got.map((g) => g.message), [{ from: 'a' }]);
    assert.equal(a2.counters.authErrors, 1);
  });

  test('streams carry the label; a mismatched one ends the stream with an auth error', async () => {
    const a = await wire('pool-a');
    const a2 = await wire('pool-a');
    const b = await wire('pool-b');
    const inbound: FramedConn[] = [];
    a2.onStream((c) => inbound.push(c));
    const good = await a.dial(a2.addr, 1000);
    await good.send({ hello: 1 });
    await until(() => inbound.length === 1);
    assert.deepEqual((await inbound[0]?.next())?.value, { hello: 1 });
    // The reply direction is labelled too.
    await inbound[0]?.send({ reply: 1 });
    assert.deepEqual((await good.next()).value, { reply: 1 });
    const bad = await b.dial(a2.addr, 1000);
    await bad.send({ hello: 2 });
    await until(() => inbound.length === 2);
    await assert.rejects(inbound[1]?.next() ?? Promise.resolve(), (e) => e instanceof GossipAuthError);
    await good.close();
  });
});
