/**
 * The write path on the real driver and transport, in one process: three RaftNodes (memory log
 * with a real fdatasync per synced save, to keep the group commit honest) talking through
 * GrpcRaftTransport / RpcServer on loopback, closed-loop proposals at each concurrency. Reports
 * writes/s and, from the transports' counters, gRPC frames and Raft messages per write.
 *
 *   node --import tsx test/sim/raft/grpc-bench.ts [--seconds 3] [-c 1,16,64]
 *
 * All three servers share one event loop, so writes/s is not the benchmark's figure; the frame
 * and message counts per write are what this is for. Not a test: prints figures.
 */
import { mkdtempSync, openSync, closeSync, rmSync, writeSync } from 'node:fs';
import { fdatasync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { bootstrapLog, defaultRaftConfig, Raft, type Entry, type HardState } from '../../../src/raft/core/index.js';
import { RaftNode } from '../../../src/raft/node/raft-node.js';
import { MemoryLogStorage } from '../../../src/raft/storage/memory-log-storage.js';
import { MemorySnapshotStore } from '../../../src/raft/storage/memory-snapshot-store.js';
import { GrpcRaftTransport } from '../../../src/rpc/raft-transport.js';
import { RpcServer } from '../../../src/rpc/server.js';
import { systemClock } from '../../../src/shared/clock.js';
import { silentLogger } from '../../../src/shared/logger.js';
import { seededRandom } from '../../../src/shared/random.js';

const argv = process.argv.slice(2);
const arg = (name: string, fallback: string): string => {
  const i = argv.indexOf(name);
  return i >= 0 && i + 1 < argv.length ? argv[i + 1]! : fallback;
};
const seconds = Number(arg('--seconds', '3'));
const concurrencies = arg('-c', '1,16,64').split(',').map(Number);
const dsync = promisify(fdatasync);

class SyncedMemoryStorage extends MemoryLogStorage {
  constructor(private readonly fd: number) {
    super();
  }
  override async save(hs: HardState | null, entries: readonly Entry[], sync: boolean): Promise<void> {
    await super.save(hs, entries, sync);
    if (sync) {
      writeSync(this.fd, 'x');
      await dsync(this.fd);
    }
  }
}

const dir = mkdtempSync(join(tmpdir(), 'raft-grpc-bench-'));
const ips = ['127.0.0.91', '127.0.0.92', '127.0.0.93'];
const servers = await Promise.all(ips.map(async (ip) => {
  const s = new RpcServer({ bindIp: ip, port: 0, stopGraceMs: 200 });
  await s.start();
  return s;
}));
const ids = ['n1', 'n2', 'n3'];
const membership = { servers: ids.map((id, i) => ({ id, address: servers[i]!.address, voter: true })) };
const boot = bootstrapLog(membership);
const fds: number[] = [];
const transports: GrpcRaftTransport[] = [];
const nodes: RaftNode[] = [];
for (let i = 0; i < 3; i++) {
  const fd = openSync(join(dir, `sync-${i}`), 'w');
  fds.push(fd);
  const storage = new SyncedMemoryStorage(fd);
  await storage.save(boot.hardState, boot.entries, true);
  const transport = new GrpcRaftTransport({});
  transports.push(transport);
  const node = await RaftNode.open({
    options: { id: ids[i]!, address: servers[i]!.address, tickMs: 50, snapshotThreshold: 1 << 30, snapshotIntervalMs: 0, trailingLogs: 1024 },
    storage,
    snapshots: new MemorySnapshotStore(),
    transport,
    fsm: { apply: () => undefined, snapshot: () => new Uint8Array(0), restore: () => undefined },
    clock: systemClock,
    logger: silentLogger(),
    createCore: (restored) => new Raft({ ...defaultRaftConfig(ids[i]!), electionTicks: 10, heartbeatTicks: 2 }, seededRandom(i + 1), restored),
  });
  transport.attach(node);
  servers[i]!.raft.attach(node);
  nodes.push(node);
}
nodes[0]!.campaign();
const deadline = Date.now() + 10_000;
while (!nodes[0]!.isLeader()) {
  if (Date.now() > deadline) throw new Error('no leader');
  await new Promise((r) => setTimeout(r, 20));
}
const leader = nodes[0]!;
const payload = new Uint8Array(100);

const totals = (): { frames: number; messages: number } => {
  let frames = 0;
  let messages = 0;
  for (const t of transports) {
    const s = t.stats();
    frames += s.sentBatches;
    messages += s.sentMessages;
  }
  return { frames, messages };
};

console.log('c    writes/s  frames/write  msgs/write  (leader out + followers out)');
for (const c of concurrencies) {
  // warm-up
  let stop = Date.now() + 500;
  const loop = async (): Promise<number> => {
    let n = 0;
    while (Date.now() < stop) {
      await leader.propose(payload);
      n++;
    }
    return n;
  };
  await Promise.all(Array.from({ length: c }, loop));
  const before = totals();
  const t0 = performance.now();
  stop = Date.now() + seconds * 1000;
  const counts = await Promise.all(Array.from({ length: c }, loop));
  const secs = (performance.now() - t0) / 1000;
  const after = totals();
  const writes = counts.reduce((a, b) => a + b, 0);
  const f = (after.frames - before.frames) / writes;
  const m = (after.messages - before.messages) / writes;
  console.log(`${String(c).padEnd(4)} ${String(Math.round(writes / secs)).padStart(8)}  ${f.toFixed(2).padStart(12)}  ${m.toFixed(2).padStart(10)}`);
}

await Promise.all(nodes.map((n) => n.close()));
await Promise.all(transports.map((t) => t.close()));
await Promise.all(servers.map((s) => s.stop()));
for (const fd of fds) closeSync(fd);
rmSync(dir, { recursive: true, force: true });
process.exit(0);
