// Raft over gRPC between real servers on loopback (127.0.0.41-.44).
import { afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type Server as NetServer, type Socket } from 'node:net';
import { Client, Metadata, credentials, status, type ServiceError } from '@grpc/grpc-js';
import type { HeartbeatMessage, RaftMessage, SnapshotMessage, VoteMessage } from '../../src/raft/core/types.js';
import type { RaftInbox } from '../../src/raft/node/transport.js';
import { encodeBatch, FRAME_BATCH, RAFT_WIRE_VERSION } from '../../src/rpc/raft-codec.js';
import { GrpcRaftTransport, RAFT_STREAM_PATH, type GrpcRaftTransportOptions } from '../../src/rpc/raft-transport.js';
import { RpcServer } from '../../src/rpc/server.js';
import { closedPort } from '../helpers/ports.js';
import { A, B, append, snapshotMessage } from '../unit/rpc/fixtures.js';

class RecordingInbox implements RaftInbox {
  delivered: RaftMessage[] = [];
  unreachables: string[] = [];
  snapshots: { message: SnapshotMessage; data: Buffer; chunkSizes: number[] }[] = [];
  /** Set to make receiveSnapshot fail after reading `failAfterChunks` chunks. */
  failSnapshot: Error | null = null;
  failAfterChunks = 1;
  snapshotErrors: unknown[] = [];

  deliver(message: RaftMessage): void {
    this.delivered.push(message);
  }

  async receiveSnapshot(message: SnapshotMessage, data: AsyncIterable<Uint8Array>): Promise<void> {
    const parts: Uint8Array[] = [];
    try {
      for await (const chunk of data) {
        parts.push(Uint8Array.from(chunk));
        if (this.failSnapshot && parts.length >= this.failAfterChunks) throw this.failSnapshot;
      }
    } catch (err) {
      this.snapshotErrors.push(err);
      throw err;
    }
    this.snapshots.push({ message, data: Buffer.concat(parts), chunkSizes: parts.map((p) => p.length) });
  }

  unreachable(to: string): void {
    this.unreachables.push(to);
  }
}

interface Peer {
  server: RpcServer;
  transport: GrpcRaftTransport;
  inbox: RecordingInbox;
  address: string;
}

const PORT = 18341;
const servers: RpcServer[] = [];
const transports: GrpcRaftTransport[] = [];
const netServers: NetServer[] = [];
const sockets: Socket[] = [];

async function peer(ip: string, options: GrpcRaftTransportOptions = {}, raft: { snapshotIdleTimeoutMs?: number } = {}): Promise<Peer> {
  const inbox = new RecordingInbox();
  const server = new RpcServer({ bindIp: ip, port: PORT, raft: { inbox, ...raft }, stopGraceMs: 500 });
  await server.start();
  servers.push(server);
  const transport = new GrpcRaftTransport({ inbox, connectTimeoutMs: 1000, ...options });
  transports.push(transport);
  return { server, transport, inbox, address: server.address };
}

async function eventually(what: string, check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));
const heartbeat = (n: number, from = A, to = B): HeartbeatMessage => ({ type: 'heartbeat', from, to, term: 1, commit: n, context: '' });

async function* chunksOf(data: Buffer, sizes: number[]): AsyncGenerator<Uint8Array> {
  let at = 0;
  let i = 0;
  while (at < data.length) {
    const size = sizes[i++ % sizes.length] ?? 1;
    yield data.subarray(at, at + size);
    at += size;
    await tick();
  }
}

describe('raft over gRPC on loopback', { concurrency: false }, () => {
  afterEach(async () => {
    await Promise.all(transports.splice(0).map((t) => t.close()));
    await Promise.all(servers.splice(0).map((s) => s.stop()));
    for (const s of sockets.splice(0)) s.destroy();
    await Promise.all(netServers.splice(0).map((s) => new Promise((r) => s.close(r))));
  });

  it('exchanges thousands of messages both ways, in order per peer, coalesced into batches', async () => {
    const a = await peer('127.0.0.41');
    const b = await peer('127.0.0.42');
    const N = 5000;
    for (let i = 0; i < N; i++) {
      a.transport.send(append(i, 2, 50), b.address);
      b.transport.send({ type: 'append-response', from: B, to: A, term: 3, index: i, reject: false, hintIndex: 0, hintTerm: 0 }, a.address);
      if (i % 250 === 249) await tick();
    }
    await eventually('all delivered', () => b.inbox.delivered.length >= N && a.inbox.delivered.length >= N);
    assert.equal(b.inbox.delivered.length, N);
    assert.equal(a.inbox.delivered.length, N);
    b.inbox.delivered.forEach((m, i) => assert.deepEqual(m, append(i, 2, 50)));
    a.inbox.delivered.forEach((m, i) => assert.ok(m.type === 'append-response' && m.index === i, `response ${i} out of order`));
    const stats = a.transport.stats();
    assert.equal(stats.droppedMessages, 0);
    assert.equal(stats.sentMessages, N);
    assert.ok(stats.sentBatches <= N / 50, `${stats.sentBatches} batches for ${N} messages: not coalesced`);
    assert.deepEqual(a.inbox.unreachables, []);
    assert.equal(b.server.raft.stats().rejectedFrames, 0);
  });

  it('messages sent in the same macrotask travel as one batch frame', async () => {
    const a = await peer('127.0.0.41');
    const b = await peer('127.0.0.42');
    a.transport.send(heartbeat(0), b.address);
    await eventually('stream open', () => b.inbox.delivered.length === 1);
    const before = a.transport.stats().sentBatches;
    const framesBefore = b.server.raft.stats().frames;
    for (let i = 1; i <= 300; i++) a.transport.send(heartbeat(i), b.address);
    await eventually('all delivered', () => b.inbox.delivered.length === 301);
    assert.equal(a.transport.stats().sentBatches - before, 1);
    assert.equal(b.server.raft.stats().frames - framesBefore, 1);
    // A forgotten peer starts afresh on the next send.
    a.transport.forgetPeer(b.address);
    assert.equal(a.transport.stats().peers, 0);
    a.transport.send(heartbeat(999), b.address);
    await eventually('delivered after forgetPeer', () => b.inbox.delivered.length === 302);
    assert.deepEqual(a.inbox.unreachables, []);
  });

  it('a stopped peer is reported unreachable while messages to another still flow promptly', async () => {
    const a = await peer('127.0.0.41');
    const b = await peer('127.0.0.42');
    const bInbox = b.inbox;
    const c = await peer('127.0.0.43');
    a.transport.send(heartbeat(1, A, 'c'), c.address);
    a.transport.send(heartbeat(1), b.address);
    await eventually('c and b hear a', () => c.inbox.delivered.length === 1 && bInbox.delivered.length === 1);

    await c.server.stop();
    const t0 = Date.now();
    await eventually('c reported unreachable', () => {
      a.transport.send(heartbeat(2, A, 'c'), c.address);
      return a.inbox.unreachables.includes(c.address);
    });
    assert.ok(Date.now() - t0 < 3000, `took ${Date.now() - t0} ms to notice`);
    // While c is down, every message to b still arrives within a few milliseconds.
    const latencies: number[] = [];
    for (let i = 0; i < 20; i++) {
      const before = bInbox.delivered.length;
      const sent = Date.now();
      a.transport.send(heartbeat(100 + i, A, 'c'), c.address);
      a.transport.send(heartbeat(100 + i), b.address);
      await eventually('b hears a', () => bInbox.delivered.length > before, 2000);
      latencies.push(Date.now() - sent);
    }
    latencies.sort((x, y) => x - y);
    assert.ok((latencies[18] ?? Infinity) < 500, `latencies to b while c is down: ${latencies.join(',')}`);
    assert.ok(!a.inbox.unreachables.includes(b.address), 'b was never unreachable');
    assert.ok(a.transport.stats().droppedMessages > 0);
  });

  it('an address nobody listens on, and a peer that accepts TCP but never speaks, do not hold up others', async () => {
    const a = await peer('127.0.0.41', { connectTimeoutMs: 300 });
    const bInbox = (await peer('127.0.0.42')).inbox;
    const refused = `127.0.0.1:${await closedPort()}`;
    const hole = createServer((socket) => sockets.push(socket)); // accepts, never answers
    netServers.push(hole);
    await new Promise<void>((r) => hole.listen(PORT, '127.0.0.44', r));
    const silent = `127.0.0.44:${PORT}`;

    for (let i = 0; i < 200; i++) {
      a.transport.send(heartbeat(i, A, 'x'), refused);
      a.transport.send(heartbeat(i, A, 'y'), silent);
      a.transport.send(heartbeat(i), `127.0.0.42:${PORT}`);
      if (i % 10 === 0) await tick();
    }
    await eventually('b got all 200', () => bInbox.delivered.length === 200, 3000);
    assert.deepEqual(bInbox.delivered.map((m) => (m as HeartbeatMessage).commit), Array.from({ length: 200 }, (_, i) => i));
    await eventually('both dead ends reported', () => a.inbox.unreachables.includes(refused) && a.inbox.unreachables.includes(silent), 3000);
    assert.ok(!a.inbox.unreachables.includes(`127.0.0.42:${PORT}`));
  });

  it('reconnects once a stopped peer comes back', async () => {
    const a = await peer('127.0.0.41', { backoffMaxMs: 200 });
    const { server: b, inbox: bInbox } = await peer('127.0.0.42');
    a.transport.send(heartbeat(1), b.address);
    await eventually('b hears a', () => bInbox.delivered.length === 1);

    await b.stop();
    await eventually('b reported unreachable', () => {
      a.transport.send(heartbeat(2), b.address);
      return a.inbox.unreachables.includes(b.address);
    });
    const during = bInbox.delivered.length;
    await b.start();
    const t0 = Date.now();
    let n = 1000;
    await eventually('b hears a again', () => {
      a.transport.send(heartbeat(n++), b.address);
      return bInbox.delivered.length > during;
    });
    assert.ok(Date.now() - t0 < 5000, `reconnect took ${Date.now() - t0} ms`);
    // After the reconnect, a burst arrives whole and in order.
    const from = bInbox.delivered.length;
    for (let i = 0; i < 500; i++) a.transport.send(heartbeat(10_000 + i), b.address);
    await eventually('burst delivered', () => bInbox.delivered.length >= from + 500);
    const burst = bInbox.delivered.slice(-500).map((m) => (m as HeartbeatMessage).commit);
    assert.deepEqual(burst, Array.from({ length: 500 }, (_, i) => 10_000 + i));
  });

  it('a full queue drops the newest messages, but a vote evicts the oldest non-critical one', async () => {
    const a = await peer('127.0.0.41', { maxQueueMessages: 5 });
    const bInbox = (await peer('127.0.0.42')).inbox;
    const vote: VoteMessage = { type: 'vote', from: A, to: B, term: 9, preVote: false, transfer: false, lastIndex: 1, lastTerm: 1 };
    // All in one macrotask: the stream is not open yet, so they all wait in the queue.
    for (let i = 1; i <= 20; i++) a.transport.send(heartbeat(i), `127.0.0.42:${PORT}`);
    a.transport.send(vote, `127.0.0.42:${PORT}`);
    await eventually('queue delivered', () => bInbox.delivered.length === 5);
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(
      bInbox.delivered.map((m) => (m.type === 'heartbeat' ? m.commit : m.type)),
      [2, 3, 4, 5, 'vote'],
    );
    assert.equal(a.transport.stats().droppedMessages, 16);
    await eventually('drops reported', () => a.inbox.unreachables.includes(`127.0.0.42:${PORT}`));
  });

  it('streams a ~5 MiB snapshot intact in chunks of at most 1 MiB', async () => {
    const a = await peer('127.0.0.41');
    const bInbox = (await peer('127.0.0.42')).inbox;
    const data = randomBytes(5 * 1024 * 1024 + 12345);
    // Source chunks of odd sizes, one larger than the 1 MiB frame limit (split on the way).
    const ok = await a.transport.sendSnapshot(snapshotMessage, `127.0.0.42:${PORT}`, chunksOf(data, [300_000, 2_500_000, 77]));
    assert.equal(ok, true);
    assert.equal(bInbox.snapshots.length, 1);
    const got = bInbox.snapshots[0];
    assert.ok(got);
    assert.deepEqual(got.message, snapshotMessage);
    assert.equal(got.data.length, data.length);
    assert.equal(createHash('sha256').update(got.data).digest('hex'), createHash('sha256').update(data).digest('hex'));
    assert.ok(Math.max(...got.chunkSizes) <= 1024 * 1024, `largest chunk ${Math.max(...got.chunkSizes)}`);
    // An empty snapshot is a valid one.
    assert.equal(await a.transport.sendSnapshot(snapshotMessage, `127.0.0.42:${PORT}`, chunksOf(Buffer.alloc(0), [1])), true);
    assert.equal(bInbox.snapshots[1]?.data.length, 0);
  });

  it('sendSnapshot resolves false when the receiver throws, the source throws, the peer is down, or the transfer stalls', async () => {
    const a = await peer('127.0.0.41', { snapshotIdleTimeoutMs: 300 });
    const { server: b, inbox: bInbox } = await peer('127.0.0.42', {}, { snapshotIdleTimeoutMs: 300 });
    const data = randomBytes(3 * 1024 * 1024);

    bInbox.failSnapshot = new Error('disk full');
    assert.equal(await a.transport.sendSnapshot(snapshotMessage, b.address, chunksOf(data, [1024 * 1024])), false);
    assert.equal(bInbox.snapshots.length, 0);
    bInbox.failSnapshot = null;

    async function* broken(): AsyncGenerator<Uint8Array> {
      yield data.subarray(0, 1000);
      throw new Error('snapshot file vanished');
    }
    assert.equal(await a.transport.sendSnapshot(snapshotMessage, b.address, broken()), false);
    // The receiver saw the stream fail rather than a short snapshot pass as whole.
    await eventually('receiver saw the failure', () => bInbox.snapshotErrors.length === 1);
    assert.equal(bInbox.snapshots.length, 0);

    let release: () => void = () => {};
    async function* stuck(): AsyncGenerator<Uint8Array> {
      yield data.subarray(0, 1000);
      await new Promise<void>((r) => {
        release = r;
      });
    }
    const t0 = Date.now();
    assert.equal(await a.transport.sendSnapshot(snapshotMessage, b.address, stuck()), false);
    assert.ok(Date.now() - t0 < 3000, `stuck transfer took ${Date.now() - t0} ms to fail`);
    release();
    await eventually('receiver saw the stall', () => bInbox.snapshotErrors.length === 2);
    assert.equal(bInbox.snapshots.length, 0);

    const nowhere = `127.0.0.1:${await closedPort()}`;
    assert.equal(await a.transport.sendSnapshot(snapshotMessage, nowhere, chunksOf(data, [1024])), false);
    // Still works afterwards.
    assert.equal(await a.transport.sendSnapshot(snapshotMessage, b.address, chunksOf(data, [1024 * 1024])), true);
    assert.equal(bInbox.snapshots.length, 1);
  });

  it('a peer speaking nonsense gets its bad frames and messages dropped and counted, the stream kept', async () => {
    const { server: b, inbox: bInbox } = await peer('127.0.0.42');
    const before = b.raft.stats();
    const client = new Client(b.address, credentials.createInsecure());
    try {
      let ended: (err: ServiceError | null) => void = () => {};
      const result = new Promise<ServiceError | null>((r) => {
        ended = r;
      });
      const call = client.makeClientStreamRequest<Buffer, Buffer>(RAFT_STREAM_PATH, (x) => x, (x) => x, new Metadata(), {}, (err) => ended(err));
      call.write(Buffer.from([RAFT_WIRE_VERSION, 99, 1, 2, 3])); // unknown frame kind
      call.write(Buffer.from([RAFT_WIRE_VERSION, FRAME_BATCH, 0xd9, 0x10]));
      call.write(Buffer.concat([Buffer.from([RAFT_WIRE_VERSION, FRAME_BATCH]), Buffer.from([0x92, 0x01, 0x02])]));
      call.write(encodeBatch([heartbeat(7)]));
      await eventually('the good message arrives', () => bInbox.delivered.length === 1);
      assert.deepEqual(bInbox.delivered[0], heartbeat(7));
      const mid = b.raft.stats();
      assert.equal(mid.rejectedFrames - before.rejectedFrames, 2);
      assert.equal(mid.rejectedMessages - before.rejectedMessages, 2);
      // A wire version it does not speak: the server closes the stream, saying why.
      call.write(Buffer.from([9, FRAME_BATCH, 0x90]));
      const err = await result;
      assert.equal(err?.code, status.INVALID_ARGUMENT);
      assert.match(err?.details ?? '', /unsupported raft wire version 9/);
    } finally {
      client.close();
    }
  });
});
