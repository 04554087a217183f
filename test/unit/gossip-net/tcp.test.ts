import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { randomBytes } from 'node:crypto';
import { AppError } from '../../../src/shared/errors.js';
import { GossipAuthError, GossipDecodeError } from '../../../src/gossip/net/errors.js';
import type { FramedConn } from '../../../src/gossip/net/framed-conn.js';
import { Keyring } from '../../../src/gossip/net/keyring.js';
import { keyringCipher } from '../../../src/gossip/net/security.js';
import { FrameDecoder, encodeFrame } from '../../../src/gossip/net/stream-codec.js';
import { TcpTransport, type StreamTransportOptions } from '../../../src/gossip/net/tcp-transport.js';
import { GossipWire } from '../../../src/gossip/net/wire.js';
import { until } from './helpers.js';

const closers: Array<{ close(): Promise<void> }> = [];
after(async () => {
  await Promise.all(closers.map((c) => c.close()));
});

async function server(options: StreamTransportOptions = {}): Promise<{ t: TcpTransport; accepted: FramedConn[] }> {
  const t = await TcpTransport.listen('127.0.0.1', 0, options);
  closers.push(t);
  const accepted: FramedConn[] = [];
  t.onStream((c) => accepted.push(c));
  return { t, accepted };
}

const addrOf = (t: TcpTransport): string => `127.0.0.1:${t.address.port}`;

async function rawSocket(t: TcpTransport): Promise<Socket> {
  const s = connect({ host: '127.0.0.1', port: t.address.port });
  await new Promise((resolve) => s.once('connect', resolve));
  return s;
}

async function nextError(conn: FramedConn): Promise<unknown> {
  try {
    for (;;) {
      const r = await conn.next();
      if (r.done) return undefined;
    }
  } catch (err) {
    return err;
  }
}

describe('stream frame codec', () => {
  test('frames decode whole when fed one byte at a time', () => {
    const messages = [{ a: 1 }, { b: 'two', list: [1, 2, 3] }, {}];
    const bytes = Buffer.concat(messages.map((m) => encodeFrame(m)));
    const d = new FrameDecoder();
    const out: object[] = [];
    for (const byte of bytes) out.push(...d.push(new Uint8Array([byte])));
    assert.deepEqual(out, messages);
    assert.equal(d.pendingBytes, 0);
  });

  test('a length over the limit is refused before its body arrives', () => {
    const header = new Uint8Array([0, 0, 4, 1]); // 1025 bytes
    assert.throws(() => new FrameDecoder(undefined, 1024).push(header), (e) => e instanceof GossipDecodeError && e.reason === 'oversize');
    assert.throws(() => encodeFrame({ big: 'x'.repeat(2000) }, undefined, 1024), (e) => e instanceof AppError && e.code === 'TOO_LARGE');
  });

  test('bad version and bad msgpack inside a frame are typed errors', () => {
    const frame = encodeFrame({ a: 1 });
    const v2 = Uint8Array.from(frame);
    v2[4] = 2;
    assert.throws(() => new FrameDecoder().push(v2), (e) => e instanceof GossipDecodeError && e.reason === 'version');
    assert.throws(() => new FrameDecoder().push(new Uint8Array([0, 0, 0, 2, 1, 0xc1])), (e) => e instanceof GossipDecodeError);
  });
});

describe('TCP stream transport', () => {
  test('framed exchange both ways, then a clean end', async () => {
    const { t } = await server();
    t.onStream((conn) => {
      void (async () => {
        for await (const m of conn) await conn.send({ echo: m });
      })();
    });
    const client = await t.dial(addrOf(t), 1000);
    const sent = [{ type: 'push-pull', nodes: Array.from({ length: 1000 }, (_, i) => ({ name: `n${i}` })) }, { type: 'done' }];
    for (const m of sent) await client.send(m);
    const got: object[] = [];
    for await (const m of client) {
      got.push(m);
      if (got.length === sent.length) break; // break closes the connection
    }
    assert.deepEqual(got, sent.map((m) => ({ echo: m })));
  });

  test('an announced frame over the limit drops the connection with a typed error', async () => {
    const { t, accepted } = await server({ maxFrameBytes: 1024 });
    const s = await rawSocket(t);
    await until(() => accepted.length === 1);
    s.write(new Uint8Array([0, 0xa0, 0, 0])); // ~10 MiB announced
    const conn = accepted[0];
    assert.ok(conn);
    const err = await nextError(conn);
    assert.ok(err instanceof GossipDecodeError && err.reason === 'oversize', String(err));
    await until(() => s.closed);
  });

  test('sending a message over the limit rejects without touching the connection', async () => {
    const { t, accepted } = await server({ maxFrameBytes: 1024 });
    const client = await t.dial(addrOf(t), 1000);
    await assert.rejects(client.send({ big: 'x'.repeat(5000) }), (e) => e instanceof AppError && e.code === 'TOO_LARGE');
    await client.send({ small: true });
    await until(() => accepted.length === 1);
    assert.deepEqual((await accepted[0]?.next())?.value, { small: true });
    await client.close();
  });

  test('a stream cut inside a frame ends with a truncated error', async () => {
    const { t, accepted } = await server();
    const s = await rawSocket(t);
    await until(() => accepted.length === 1);
    s.end(encodeFrame({ a: 1 }).subarray(0, 6));
    const err = await nextError(accepted[0] as FramedConn);
    assert.ok(err instanceof GossipDecodeError && err.reason === 'truncated', String(err));
  });

  test('a silent connection is dropped after the idle timeout', async () => {
    const { t, accepted } = await server({ idleTimeoutMs: 100 });
    const s = await rawSocket(t);
    await until(() => accepted.length === 1);
    const err = await nextError(accepted[0] as FramedConn);
    assert.ok(err instanceof AppError && /idle/.test(err.message), String(err));
    await until(() => s.closed);
  });

  test('connections over the cap are refused', async () => {
    const { t, accepted } = await server({ maxConnections: 2 });
    const sockets = await Promise.all([rawSocket(t), rawSocket(t), rawSocket(t)]);
    await until(() => accepted.length === 2 && t.refusedConnections === 1);
    await until(() => sockets.filter((s) => s.closed).length === 1); // the refused one, whichever it was
    for (const s of sockets) s.destroy();
  });

  test('dialing a closed port fails with an AppError', async () => {
    const { t } = await server();
    const addr = addrOf(t);
    await t.close();
    await assert.rejects(t.dial(addr, 1000), (e) => e instanceof AppError && e.code === 'UNAVAILABLE' && e.message.includes(addr));
  });

  test('encrypted streams between wires; the wrong key cannot read them', async () => {
    const k = randomBytes(32).toString('base64');
    const a = await GossipWire.start({ bindIp: '127.0.0.1', bindPort: 0, keyring: Keyring.create(k) });
    const b = await GossipWire.start({ bindIp: '127.0.0.1', bindPort: 0, keyring: Keyring.create(k) });
    const c = await GossipWire.start({ bindIp: '127.0.0.1', bindPort: 0, keyring: Keyring.create(randomBytes(16).toString('base64')) });
    closers.push(a, b, c);
    const inbound: FramedConn[] = [];
    b.onStream((conn) => inbound.push(conn));
    const good = await a.dial(b.addr, 1000);
    await good.send({ type: 'push-pull', join: true });
    await until(() => inbound.length === 1);
    assert.deepEqual((await inbound[0]?.next())?.value, { type: 'push-pull', join: true });
    const bad = await c.dial(b.addr, 1000);
    await bad.send({ type: 'push-pull' });
    await until(() => inbound.length === 2);
    const err = await nextError(inbound[1] as FramedConn);
    assert.ok(err instanceof GossipAuthError, String(err));
    // The cipher is what the stream codec uses: a frame sealed for one label does not open under another.
    const framed = encodeFrame({ x: 1 }, keyringCipher(Keyring.create(k), 'l1'));
    assert.throws(() => new FrameDecoder(keyringCipher(Keyring.create(k), 'l2')).push(framed), (e) => e instanceof GossipAuthError);
    await good.close();
  });
});
