// The server port's lifecycle over loopback (127.0.0.52-.53).
import { afterEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { AppError } from '../../../src/shared/errors.js';
import { DEFAULT_SERVER_PORT } from '../../../src/rpc/grpc-util.js';
import { GrpcRaftTransport } from '../../../src/rpc/raft-transport.js';
import { ServerRpcClient } from '../../../src/rpc/server-rpc.js';
import { RpcServer } from '../../../src/rpc/server.js';
import type { RaftInbox } from '../../../src/raft/node/transport.js';
import type { RaftMessage } from '../../../src/raft/core/types.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function track(server: RpcServer): RpcServer {
  cleanups.push(() => server.stop());
  return server;
}

describe('rpc server', () => {
  test('defaults to port 8300 and reports its address', () => {
    const s = new RpcServer({ bindIp: '127.0.0.52' });
    assert.equal(DEFAULT_SERVER_PORT, 8300);
    assert.equal(s.address, '127.0.0.52:8300');
    assert.equal(new RpcServer({ bindIp: '::1', port: 9 }).address, '[::1]:9');
  });

  test('port 0 binds a free port, read back after start', async () => {
    const s = track(new RpcServer({ bindIp: '127.0.0.52', port: 0 }));
    await s.start();
    assert.ok(s.port > 0);
    assert.equal(s.address, `127.0.0.52:${s.port}`);
    assert.ok(s.running);
  });

  test('a port already in use is a clear AppError', async () => {
    const first = track(new RpcServer({ bindIp: '127.0.0.52', port: 18352 }));
    await first.start();
    const second = new RpcServer({ bindIp: '127.0.0.52', port: 18352 });
    await assert.rejects(second.start(), (err: unknown) => {
      assert.ok(err instanceof AppError);
      assert.equal(err.code, 'UNAVAILABLE');
      assert.equal(err.message, 'server port 127.0.0.52:18352 already in use');
      return true;
    });
    assert.equal(second.running, false);
  });

  test('an address not on this host is a clear AppError', async () => {
    const s = new RpcServer({ bindIp: '192.0.2.1', port: 18352 }); // TEST-NET-1
    await assert.rejects(s.start(), /cannot bind server port 192\.0\.2\.1:18352: address not available/);
  });

  test('stop lets a call in flight finish, then frees the port for a restart', async () => {
    const s = track(new RpcServer({ bindIp: '127.0.0.52', port: 18353, stopGraceMs: 2000 }));
    let started: () => void = () => {};
    const inHandler = new Promise<void>((r) => {
      started = r;
    });
    s.rpc.registerHandler('Wait', async () => {
      started();
      await new Promise((r) => setTimeout(r, 200));
      return new Uint8Array([42]);
    });
    await s.start();
    const client = new ServerRpcClient();
    cleanups.push(() => client.close());
    const pending = client.call(s.address, 'Wait', new Uint8Array());
    pending.catch(() => {});
    await inHandler;
    await s.stop();
    assert.deepEqual([...(await pending)], [42]);
    await s.start();
    assert.deepEqual([...(await client.call(s.address, 'Wait', new Uint8Array()))], [42]);
  });

  test('stop forces connections closed after the grace period when a handler hangs', async () => {
    const s = track(new RpcServer({ bindIp: '127.0.0.52', port: 18354, stopGraceMs: 200 }));
    let started: () => void = () => {};
    const inHandler = new Promise<void>((r) => {
      started = r;
    });
    s.rpc.registerHandler('Hang', () => {
      started();
      return new Promise<Uint8Array>(() => {});
    });
    await s.start();
    const client = new ServerRpcClient();
    cleanups.push(() => client.close());
    const pending = client.call(s.address, 'Hang', new Uint8Array());
    pending.catch(() => {});
    await inHandler;
    const t0 = Date.now();
    await s.stop();
    const took = Date.now() - t0;
    assert.ok(took >= 150 && took < 1500, `stop took ${took} ms`);
    // The caller hears at once (not at its 10 s deadline) that the connection went away.
    await assert.rejects(pending, (err: unknown) => {
      assert.ok(err instanceof AppError && err.code === 'UNAVAILABLE', String(err));
      assert.doesNotMatch(err.message, /deadline/);
      return true;
    });
    assert.ok(Date.now() - t0 < 2000, `call failed ${Date.now() - t0} ms after stop began`);
  });

  test('open raft streams do not hold up a stop, and the sender hears the peer is gone', async () => {
    const delivered: RaftMessage[] = [];
    const unreachable: string[] = [];
    const inbox: RaftInbox = { deliver: (m) => delivered.push(m), receiveSnapshot: async () => {}, unreachable: (a) => unreachable.push(a) };
    const s = track(new RpcServer({ bindIp: '127.0.0.53', port: 18355, stopGraceMs: 5000, raft: { inbox } }));
    await s.start();
    const transport = new GrpcRaftTransport({ inbox });
    cleanups.push(() => transport.close());
    transport.send({ type: 'timeout-now', from: 'a', to: 'b', term: 1 }, s.address);
    const deadline = Date.now() + 3000;
    while (delivered.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    assert.equal(delivered.length, 1);
    assert.equal(s.raft.stats().streams, 1);
    const t0 = Date.now();
    await s.stop();
    assert.ok(Date.now() - t0 < 1000, `stop waited ${Date.now() - t0} ms for a stream that never ends`);
    while (unreachable.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual(unreachable, [s.address]);
  });

  test('an address grpc cannot parse is reported unreachable; send and sendSnapshot never throw', async () => {
    const unreachable: string[] = [];
    const transport = new GrpcRaftTransport({ inbox: { unreachable: (a) => unreachable.push(a) } });
    cleanups.push(() => transport.close());
    transport.send({ type: 'timeout-now', from: 'a', to: 'b', term: 1 }, '');
    async function* none(): AsyncGenerator<Uint8Array> {}
    const ok = await transport.sendSnapshot(
      { type: 'snapshot', from: 'a', to: 'b', term: 1, snapshot: { index: 1, term: 1, membership: { servers: [] } } }, '', none());
    assert.equal(ok, false);
    const deadline = Date.now() + 2000;
    while (unreachable.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual(unreachable, ['']);
  });

  test('without an inbox, raft streams are refused and reported unreachable', async () => {
    const s = track(new RpcServer({ bindIp: '127.0.0.53', port: 18356 }));
    await s.start();
    const unreachable: string[] = [];
    const transport = new GrpcRaftTransport({ inbox: { unreachable: (a) => unreachable.push(a) } });
    cleanups.push(() => transport.close());
    transport.send({ type: 'timeout-now', from: 'a', to: 'b', term: 1 }, s.address);
    const deadline = Date.now() + 3000;
    while (unreachable.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual(unreachable, [s.address]);
  });
});
