#!/usr/bin/env node
/**
 * Raft storage benchmark: append + fsync throughput and latency of FileLogStorage (our WAL)
 * against lmdb (key = index, durable commits), 100-byte entries, at batch sizes 1, 16 and 64 from
 * one writer, and batch size 1 from 64 concurrent writers (group commit). Prints figures and the
 * ratio ours/lmdb; asserts nothing.
 *
 *   node --import tsx test/bench/raft-storage.ts [--seconds 1] [--rounds 3] [--entry-bytes 100] [--dir /path]
 *
 * Disks on shared machines are noisy: each scenario runs `rounds` times per store, the stores
 * alternating, and the figures pool all rounds (throughput = all saves / all time).
 *
 * A save counts once it is durable: ours after save(..., sync=true) resolves; lmdb after the
 * put promises resolve and the commit's `flushed` promise (separateFlushed) resolves.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { open as openLmdb, type Database } from 'lmdb';
import type { Entry } from '../../src/raft/core/types.js';
import { FileLogStorage } from '../../src/raft/storage/wal.js';

const args = process.argv.slice(2);
const argVal = (flag: string): string | undefined => {
  const i = args.indexOf(flag);
  return i >= 0 ? args[i + 1] : undefined;
};
const seconds = Number(argVal('--seconds') ?? 1);
const rounds = Number(argVal('--rounds') ?? 3);
const entryBytes = Number(argVal('--entry-bytes') ?? 100);
const root = mkdtempSync(join(argVal('--dir') ?? tmpdir(), 'roster-bench-storage-'));

interface Store {
  /** Durably appends; resolves once fsync'd. Indexes are allocated by the caller, contiguous. */
  save(entries: Entry[]): Promise<void>;
  fsyncs(): number | null;
  close(): Promise<void>;
}

async function ours(dir: string): Promise<Store> {
  const s = new FileLogStorage(dir);
  await s.open();
  return {
    save: (es) => s.save(null, es, true),
    fsyncs: () => s.stats().fsyncs,
    close: () => s.close(),
  };
}

async function lmdb(dir: string): Promise<Store> {
  const db: Database<Buffer, number> = openLmdb({ path: dir, encoding: 'binary', separateFlushed: true });
  const encode = (e: Entry): Buffer => {
    const b = Buffer.allocUnsafe(9 + e.data.length);
    b.writeDoubleLE(e.term, 0);
    b[8] = e.kind === 'config' ? 1 : 0;
    b.set(e.data, 9);
    return b;
  };
  return {
    async save(es) {
      // Puts issued in one event turn share one transaction (lmdb-js eventTurnBatching).
      const puts = es.map((e) => db.put(e.index, encode(e)));
      await Promise.all(puts);
      await (puts[puts.length - 1] as Promise<boolean> & { flushed: Promise<void> }).flushed;
    },
    fsyncs: () => null,
    close: () => db.close(),
  };
}

interface Sample {
  saves: number;
  secs: number;
  fsyncs: number | null;
  readonly lat: number[];
}

interface Result {
  readonly saves: number;
  readonly entries: number;
  readonly secs: number;
  readonly fsyncs: number | null;
  readonly p50: number;
  readonly p99: number;
}

const pct = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? NaN;

/** One timed run into `into` (a fresh directory each time). */
async function run(make: (dir: string) => Promise<Store>, dir: string, batch: number, writers: number, into: Sample): Promise<void> {
  const store = await make(dir);
  const data = Buffer.alloc(entryBytes, 0x5a);
  let next = 1;
  const take = (n: number): Entry[] => {
    const es: Entry[] = [];
    for (let i = 0; i < n; i++) es.push({ index: next++, term: 1, kind: 'normal', data });
    return es;
  };
  // Warm-up (file creation, page cache, JIT): not measured.
  for (let i = 0; i < 20; i++) await store.save(take(batch));
  const f0 = store.fsyncs();
  const t0 = performance.now();
  const deadline = t0 + seconds * 1000;
  const worker = async (): Promise<void> => {
    while (performance.now() < deadline) {
      const t = performance.now();
      await store.save(take(batch));
      into.lat.push(performance.now() - t);
      into.saves++;
    }
  };
  await Promise.all(Array.from({ length: writers }, worker));
  into.secs += (performance.now() - t0) / 1000;
  const f1 = store.fsyncs();
  into.fsyncs = f0 === null || f1 === null || into.fsyncs === null ? null : into.fsyncs + f1 - f0;
  await store.close();
  rmSync(dir, { recursive: true, force: true });
}

function summarize(s: Sample, batch: number): Result {
  s.lat.sort((a, b) => a - b);
  return { saves: s.saves, entries: s.saves * batch, secs: s.secs, fsyncs: s.fsyncs, p50: pct(s.lat, 50), p99: pct(s.lat, 99) };
}

const fmt = (n: number, digits = 0): string => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const scenarios = [
  { label: 'batch 1, 1 writer', batch: 1, writers: 1 },
  { label: 'batch 16, 1 writer', batch: 16, writers: 1 },
  { label: 'batch 64, 1 writer', batch: 64, writers: 1 },
  { label: 'batch 1, 64 writers', batch: 1, writers: 64 },
];

console.log(`raft storage: ${entryBytes}-byte entries, ${rounds} rounds x ${seconds} s per store and scenario, every save durable (fsync) before it counts; dir ${root}`);
const rows: string[][] = [['scenario', 'store', 'saves/s', 'entries/s', 'fsyncs/s', 'p50 ms', 'p99 ms']];
const ratios: string[][] = [['scenario', 'entries/s ours/lmdb', 'p50 ours/lmdb', 'p99 ours/lmdb']];
try {
  for (const sc of scenarios) {
    const sa: Sample = { saves: 0, secs: 0, fsyncs: 0, lat: [] };
    const sb: Sample = { saves: 0, secs: 0, fsyncs: 0, lat: [] };
    for (let r = 0; r < rounds; r++) {
      const order = r % 2 === 0 ? (['wal', 'lmdb'] as const) : (['lmdb', 'wal'] as const);
      for (const which of order) {
        const dir = join(root, `${which}-${sc.batch}-${sc.writers}-${r}`);
        await (which === 'wal' ? run(ours, dir, sc.batch, sc.writers, sa) : run(lmdb, dir, sc.batch, sc.writers, sb));
      }
    }
    const a = summarize(sa, sc.batch);
    const b = summarize(sb, sc.batch);
    for (const [name, r] of [['wal (ours)', a], ['lmdb', b]] as const) {
      rows.push([sc.label, name, fmt(r.saves / r.secs), fmt(r.entries / r.secs), r.fsyncs === null ? 'n/a' : fmt(r.fsyncs / r.secs), fmt(r.p50, 2), fmt(r.p99, 2)]);
    }
    ratios.push([sc.label, `${fmt(a.entries / a.secs / (b.entries / b.secs), 2)}x`, `${fmt(a.p50 / b.p50, 2)}x`, `${fmt(a.p99 / b.p99, 2)}x`]);
    console.log(`  done: ${sc.label}`);
  }
} finally {
  rmSync(root, { recursive: true, force: true });
}

const table = (t: string[][]): string => {
  const widths = t[0]!.map((_, c) => Math.max(...t.map((r) => r[c]!.length)));
  return t.map((r) => r.map((v, c) => (c < 2 ? v.padEnd(widths[c]!) : v.padStart(widths[c]!))).join('  ')).join('\n');
};
console.log(`\n${table(rows)}\n\n${table(ratios)}`);
console.log('\n(entries/s ratio > 1: ours faster; latency ratio < 1: ours faster. lmdb fsyncs are internal to its commit thread: n/a.)');
