import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { randomBytes } from 'node:crypto';
import { AppError } from '../../../src/shared/errors.js';
import { Keyring } from '../../../src/gossip/net/keyring.js';
import { GossipWire } from '../../../src/gossip/net/wire.js';
import { UdpTransport } from '../../../src/gossip/net/udp-transport.js';
import { collect, until } from './helpers.js';

const key = (): string => randomBytes(32).toString('base64');
const open: GossipWire[] = [];
async function wire(options: Partial<Parameters<typeof GossipWire.start>[0]> = {}): Promise<GossipWire> {
  const w = await GossipWire.start({ bindIp: '127.0.0.1', bindPort: 0, ...options });
  open.push(w);
  return w;
}
after(async () => {
  await Promise.all(open.map((w) => w.close()));
});

async function sendRaw(to: string, bytes: Uint8Array): Promise<void> {
  const s = createSocket('udp4');
  const [ip, port] = to.split(':');
  await new Promise<void>((resolve, reject) => s.send(bytes, Number(port), ip, (err) => (err ? reject(err) : resolve())));
  s.close();
}

describe('GossipWire over UDP loopback', () => {
  test('plain: messages arrive with the sender address, compound-packed', async () => {
    const a = await wire();
    const b = await wire();
    const rx = collect(b);
    const messages = Array.from({ length: 50 }, (_, i) => ({ type: 'alive', node: `n${i}`, inc: i }));
    await a.send(b.addr, messages);
    const got = await rx.waitFor(50);
    assert.deepEqual(got.map((g) => g.message), messages);
    assert.ok(got.every((g) => g.from === a.addr));
    assert.ok(a.counters.packetsSent < 50, 'packed into compound packets');
    assert.equal(b.counters.messagesReceived, 50);
  });

  test('encrypted with a label: a matching pool hears, a wrong key or label is counted and dropped', async () => {
    const k = key();
    const a = await wire({ keyring: Keyring.create(k), label: 'dc1' });
    const b = await wire({ keyring: Keyring.create(k), label: 'dc1' });
    const wrongKey = await wire({ keyring: Keyring.create(key()), label: 'dc1' });
    const wrongLabel = await wire({ keyring: Keyring.create(k), label: 'dc2' });
    const plain = await wire();
    const rx = collect(b);
    await a.send(b.addr, [{ type: 'ping', seq: 1 }]);
    await wrongKey.send(b.addr, [{ type: 'ping', seq: 2 }]);
    await wrongLabel.send(b.addr, [{ type: 'ping', seq: 3 }]);
    await plain.send(b.addr, [{ type: 'ping', seq: 4 }]);
    await until(() => b.counters.packetsReceived === 4);
    assert.deepEqual(rx.got.map((g) => g.message), [{ type: 'ping', seq: 1 }]);
    // Wrong key fails the seal; wrong label and no label fail the label check.
    assert.equal(b.counters.authErrors, 3);
    assert.equal(b.counters.decodeErrors, 0);
    // And the unencrypted wire cannot read what encrypted ones send.
    await a.send(plain.addr, [{ type: 'ping', seq: 5 }]);
    await until(() => plain.counters.decodeErrors + plain.counters.authErrors === 1);
  });

  test('encrypted packets stay within the MTU including the seal overhead', async () => {
    const k = key();
    const a = await wire({ keyring: Keyring.create(k), mtu: 512 });
    const b = await wire({ keyring: Keyring.create(k), mtu: 512 });
    const sizes: number[] = [];
    const probe = await UdpTransport.bind('127.0.0.1', 0);
    probe.onPacket((_from, bytes) => sizes.push(bytes.length));
    const messages = Array.from({ length: 100 }, (_, i) => ({ type: 'alive', node: `node-${i}`, meta: 'm'.repeat(i % 40) }));
    await a.send(`127.0.0.1:${probe.address.port}`, messages);
    await until(() => sizes.length === a.counters.packetsSent);
    assert.ok(sizes.length > 1 && sizes.every((s) => s <= 512), `sizes ${sizes.join(',')}`);
    await probe.close();
    const rx = collect(b);
    await a.send(b.addr, messages);
    assert.deepEqual((await rx.waitFor(100)).map((g) => g.message), messages);
  });

  test('garbage datagrams are counted and dropped; the wire keeps working', async () => {
    const a = await wire();
    const b = await wire();
    const rx = collect(b);
    const junk = [new Uint8Array([]), new Uint8Array([1]), new Uint8Array([9, 0, 0x80]), new Uint8Array([1, 1, 3, 0xff, 0xff]), randomBytes(500)];
    for (const j of junk) await sendRaw(b.addr, j);
    await a.send(b.addr, [{ type: 'ping', after: 'junk' }]);
    await rx.waitFor(1);
    await until(() => b.counters.packetsReceived === junk.length + 1);
    assert.equal(b.counters.decodeErrors, junk.length);
    assert.deepEqual(rx.got.map((g) => g.message), [{ type: 'ping', after: 'junk' }]);
  });

  test('a handler that throws does not stop delivery to the next handler', async () => {
    const a = await wire();
    const b = await wire();
    b.onMessage(() => {
      throw new Error('handler bug');
    });
    const rx = collect(b);
    await a.send(b.addr, [{ n: 1 }, { n: 2 }]);
    assert.equal((await rx.waitFor(2)).length, 2);
  });

  test('UDP and TCP share one port; a taken address is a clear AppError', async () => {
    const a = await wire();
    const conn = await a.dial(a.addr, 1000); // TCP answers on the UDP port
    conn.destroy();
    await assert.rejects(
      GossipWire.start({ bindIp: '127.0.0.1', bindPort: a.address.port }),
      (e) => e instanceof AppError && e.code === 'UNAVAILABLE' && e.message.includes(`127.0.0.1:${a.address.port}`) && /already in use/.test(e.message),
    );
    // UDP taken alone (TCP free) is reported too, naming udp.
    const udpOnly = await UdpTransport.bind('127.0.0.1', 0);
    await assert.rejects(
      GossipWire.start({ bindIp: '127.0.0.1', bindPort: udpOnly.address.port }),
      (e) => e instanceof AppError && /gossip udp address 127\.0\.0\.1:\d+ is already in use/.test(e.message),
    );
    await udpOnly.close();
  });
});
