#!/usr/bin/env node
/**
 * Server-port RPC benchmark on loopback. Prints figures, asserts nothing.
 *
 *   node --import tsx test/bench/rpc.ts [--seconds 3] [--only append,append-response,snapshot,unary]
 *
 * 1. Raft appends: messages/s of append messages carrying 16 × 100-byte entries from one
 *    GrpcRaftTransport to another server (one way), then with an append-response coming back
 *    for every append (as a follower would answer).
 * 2. Snapshot streaming: MB/s of one 64 MiB InstallSnapshot.
 * 3. ServerRpc unary calls (100-byte body echoed) at concurrency 1 and 64: calls/s, p50, p99.
 */
import { performance } from 'node:perf_hooks';
import type { AppendMessage, RaftMessage, SnapshotMessage } from '../../src/raft/core/types.js';
import type { RaftInbox } from '../../src/raft/node/transport.js';
import { GrpcRaftTransport } from '../../src/rpc/raft-transport.js';
import { ServerRpcClient } from '../../src/rpc/server-rpc.js';
import { RpcServer } from '../../src/rpc/server.js';

const args = process.argv.slice(2);
const secondsArg = args.indexOf('--seconds');
const SECONDS = secondsArg >= 0 ? Number(args[secondsArg + 1]) : 3;

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

class CountingInbox implements RaftInbox {
  appends = 0;
  responses = 0;
  onAppend: ((m: AppendMessage) => void) | null = null;
  deliver(m: RaftMessage): void {
    if (m.type === 'append') {
      this.appends++;
      this.onAppend?.(m);
    } else if (m.type === 'append-response') this.responses++;
  }
  async receiveSnapshot(_m: SnapshotMessage, data: AsyncIterable<Uint8Array>): Promise<void> {
    let n = 0;
    for await (const c of data) n += c.length;
    this.snapshotBytes = n;
  }
  snapshotBytes = 0;
  unreachable(): void {
    this.unreachables++;
  }
  unreachables = 0;
}

function appendMessage(i: number): AppendMessage {
  const entries = Array.from({ length: 16 }, (_, k) => ({ index: i * 16 + k + 1, term: 2, kind: 'normal' as const, data: new Uint8Array(100).fill(k) }));
  return { type: 'append', from: 'leader', to: 'follower', term: 2, prevIndex: i * 16, prevTerm: 2, commit: i * 16, entries };
}

async function raftAppends(withResponses: boolean): Promise<void> {
  const leaderInbox = new CountingInbox();
  const followerInbox = new CountingInbox();
  const leader = new RpcServer({ bindIp: '127.0.0.1', port: 0, raft: { inbox: leaderInbox } });
  const follower = new RpcServer({ bindIp: '127.0.0.1', port: 0, raft: { inbox: followerInbox } });
  await leader.start();
  await follower.start();
  const toFollower = new GrpcRaftTransport({ inbox: leaderInbox });
  const toLeader = new GrpcRaftTransport({ inbox: followerInbox });
  if (withResponses) {
    followerInbox.onAppend = (m) =>
      toLeader.send({ type: 'append-response', from: 'follower', to: 'leader', term: 2, index: m.prevIndex + 16, reject: false, hintIndex: 0, hintTerm: 0 }, leader.address);
  }
  // Pre-built messages: the figure is the transport's, not the allocation of test data.
  const pool = Array.from({ length: 1024 }, (_, i) => appendMessage(i));
  const WINDOW = 2048; // messages in flight (under the 4096 queue bound: nothing is dropped)
  const PER_TICK = 256;
  let sent = 0;
  // Warm up (connect, JIT).
  for (let i = 0; i < 2000; i++) {
    toFollower.send(pool[i % pool.length] as AppendMessage, follower.address);
    sent++;
    if (i % PER_TICK === 0) await tick();
  }
  while (followerInbox.appends < sent) await tick();
  const base = followerInbox.appends;
  const baseResp = leaderInbox.responses;
  const t0 = performance.now();
  const end = t0 + SECONDS * 1000;
  while (performance.now() < end) {
    const room = Math.min(PER_TICK, WINDOW - (sent - followerInbox.appends));
    for (let i = 0; i < room; i++) {
      toFollower.send(pool[sent % pool.length] as AppendMessage, follower.address);
      sent++;
    }
    await tick();
  }
  while (followerInbox.appends < sent || (withResponses && leaderInbox.responses - baseResp < sent - base)) await tick();
  const elapsed = (performance.now() - t0) / 1000;
  const n = followerInbox.appends - base;
  const stats = toFollower.stats();
  const label = withResponses ? 'appends + a response each' : 'appends, one way';
  console.log(
    `  ${label.padEnd(26)} ${fmt(n / elapsed).padStart(9)} msg/s  ${fmt((n * 16) / elapsed).padStart(10)} entries/s  ` +
      `${((n * 16 * 100) / elapsed / 1e6).toFixed(1)} MB/s entry data  ` +
      `(${fmt(stats.sentMessages / stats.sentBatches)} msg/batch, dropped ${stats.droppedMessages}, unreachable ${leaderInbox.unreachables})`,
  );
  await toFollower.close();
  await toLeader.close();
  await leader.stop();
  await follower.stop();
}

async function snapshot(): Promise<void> {
  const inbox = new CountingInbox();
  const server = new RpcServer({ bindIp: '127.0.0.1', port: 0, raft: { inbox } });
  await server.start();
  const transport = new GrpcRaftTransport();
  const SIZE = 64 * 1024 * 1024;
  const chunk = new Uint8Array(1024 * 1024).fill(3);
  async function* data(): AsyncGenerator<Uint8Array> {
    for (let at = 0; at < SIZE; at += chunk.length) yield chunk;
  }
  const message: SnapshotMessage = { type: 'snapshot', from: 'l', to: 'f', term: 2, snapshot: { index: 10, term: 2, membership: { servers: [] } } };
  const t0 = performance.now();
  const ok = await transport.sendSnapshot(message, server.address, data());
  const s = (performance.now() - t0) / 1000;
  console.log(`  64 MiB InstallSnapshot      ${ok && inbox.snapshotBytes === SIZE ? 'ok' : 'FAILED'} in ${(s * 1000).toFixed(0)} ms  ${(SIZE / s / 1e6).toFixed(0)} MB/s`);
  await transport.close();
  await server.stop();
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

async function unary(concurrency: number): Promise<void> {
  const server = new RpcServer({ bindIp: '127.0.0.1', port: 0 });
  server.rpc.registerHandler('Echo', async (body) => body);
  await server.start();
  const client = new ServerRpcClient();
  const body = new Uint8Array(100).fill(1);
  for (let i = 0; i < 500; i++) await client.call(server.address, 'Echo', body); // warm up
  const latencies: number[] = [];
  const end = performance.now() + SECONDS * 1000;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) {
        const s = performance.now();
        await client.call(server.address, 'Echo', body);
        latencies.push(performance.now() - s);
      }
    }),
  );
  const elapsed = (performance.now() - t0) / 1000;
  latencies.sort((a, b) => a - b);
  console.log(
    `  concurrency ${String(concurrency).padEnd(3)} ${fmt(latencies.length / elapsed).padStart(8)} calls/s  ` +
      `p50 ${percentile(latencies, 50).toFixed(3)} ms  p99 ${percentile(latencies, 99).toFixed(3)} ms  (${fmt(latencies.length)} calls)`,
  );
  client.close();
  await server.stop();
}

console.log(`rpc bench on loopback, ${SECONDS} s per figure, node ${process.version}`);
console.log('raft transport (append = 16 entries × 100 bytes):');
const only = args.indexOf('--only');
const parts = only >= 0 ? (args[only + 1] ?? '').split(',') : ['append', 'append-response', 'snapshot', 'unary'];
if (parts.includes('append')) await raftAppends(false);
if (parts.includes('append-response')) await raftAppends(true);
if (parts.includes('snapshot')) await snapshot();
if (parts.includes('unary')) {
  console.log('server rpc unary (100-byte body, echoed):');
  await unary(1);
  await unary(64);
}
