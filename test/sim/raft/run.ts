/**
 * Command-line runner for the Raft simulator.
 *
 *   npm run sim -- --seeds 100000 --jobs 2    # seeds 1..100000, options drawn from each seed
 *   npm run sim -- --seed 4242 [--trace]      # replay one seed (trace tail, or all of it)
 *   npm run sim -- --seeds 500 --servers 5 --start 1000 --ticks 3000 --bug stale-reads
 *   npm run sim -- --seeds 1000 --workload locks   # acquire/release with LockIndex (no two holders)
 *
 * Options: --seeds N, --start S (first seed, default 1), --seed N (one seed, verbose),
 * --servers N, --ticks T, --clients C, --membership on|off, --bug NAME (stale-reads, skip-apply,
 * forget-vote, no-fsync, early-acks), --trace (whole trace of a single seed), --messages (trace every
 * message), --stop (stop at the first failure), --jobs J (worker processes, default 1),
 * --workload kv|locks (default kv).
 * Exit status 1 if any seed failed.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { runSim, SimFailure, type SimStats } from './cluster.js';
import { swarmOptions, type InjectedBug, type SimOverrides } from './options.js';

type SeedResult = { seed: number; stats: SimStats } | { seed: number; kind: string; report: string };

function parseArgs(argv: string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith('--')) throw new Error(`unexpected argument ${a}`);
    const [k, inline] = a.slice(2).split('=', 2) as [string, string | undefined];
    const next = argv[i + 1];
    if (inline !== undefined) out.set(k, inline);
    else if (next !== undefined && !next.startsWith('--')) {
      out.set(k, next);
      i++;
    } else out.set(k, 'true');
  }
  return out;
}

const argv = process.argv.slice(2);
const args = parseArgs(argv);
const num = (k: string): number | undefined => {
  if (!args.has(k)) return undefined;
  const n = Number(args.get(k));
  if (!Number.isSafeInteger(n)) throw new Error(`--${k} needs an integer`);
  return n;
};

const overrides: SimOverrides = {};
const flags: string[] = [];
if (args.has('servers')) {
  overrides.servers = num('servers')!;
  flags.push(`--servers ${overrides.servers}`);
}
if (args.has('ticks')) {
  overrides.ticks = num('ticks')!;
  flags.push(`--ticks ${overrides.ticks}`);
}
if (args.has('clients')) {
  overrides.clients = num('clients')!;
  flags.push(`--clients ${overrides.clients}`);
}
if (args.has('membership')) {
  overrides.membership = args.get('membership') !== 'off';
  flags.push(`--membership ${overrides.membership ? 'on' : 'off'}`);
}
if (args.has('workload')) {
  const workload = args.get('workload');
  if (workload !== 'kv' && workload !== 'locks') throw new Error('--workload is kv or locks');
  overrides.workload = workload;
  flags.push(`--workload ${workload}`);
}
if (args.has('bug')) {
  overrides.bug = args.get('bug') as InjectedBug;
  flags.push(`--bug ${overrides.bug}`);
}
const single = num('seed');
if (single !== undefined) {
  overrides.fullTrace = args.has('trace');
  overrides.traceMessages = args.has('messages');
}
const first = single ?? num('start') ?? 1;
const count = single !== undefined ? 1 : (num('seeds') ?? 100);
const jobs = single !== undefined ? 1 : Math.max(1, num('jobs') ?? 1);
const worker = num('worker');
const stopAtFirst = args.has('stop');
const tailLines = single !== undefined ? (args.has('trace') ? Infinity : 200) : 40;

function runSeed(seed: number): SeedResult {
  try {
    return { seed, stats: runSim(swarmOptions(seed, overrides)) };
  } catch (err) {
    if (!(err instanceof SimFailure)) throw err;
    return { seed, kind: err.kind, report: err.report(tailLines) };
  }
}

/** Seeds handled by worker `k` of `jobs`: first+k, first+k+jobs, ... */
function* seedsFor(k: number, of: number): Generator<number> {
  for (let seed = first + k; seed < first + count; seed += of) yield seed;
}

if (worker !== undefined) {
  // Child process: one JSON line per seed.
  for (const seed of seedsFor(worker, jobs)) {
    process.stdout.write(JSON.stringify(runSeed(seed)) + '\n');
  }
} else {
  await main();
}

async function main(): Promise<void> {
  const totals = {
    runs: 0, failures: 0, ops: 0, ok: 0, unknown: 0, failed: 0, elections: 0, latencySum: 0, latencyCount: 0,
    messages: 0, crashes: 0, partitions: 0, snapshots: 0, membership: 0, checkUnknown: 0, ticks: 0, liveness: 0,
    lost: 0,
  };
  const failures: { seed: number; kind: string }[] = [];
  const started = Date.now();
  let lastProgress = started;
  let stopped = false;

  const onResult = (r: SeedResult): void => {
    totals.runs++;
    if ('kind' in r) {
      totals.failures++;
      failures.push({ seed: r.seed, kind: r.kind });
      console.log(`\nFAIL ${r.report}`);
      console.log(`replay: npm run sim -- --seed ${r.seed}${flags.length ? ' ' + flags.join(' ') : ''} [--trace] [--messages]\n`);
      if (stopAtFirst) stopped = true;
    } else {
      const s = r.stats;
      if (single !== undefined) console.log(JSON.stringify(s, null, 2));
      totals.ops += s.reads + s.writes;
      totals.ok += s.opsOk;
      totals.unknown += s.opsUnknown;
      totals.failed += s.opsFailed;
      totals.elections += s.elections;
      totals.latencySum += s.commitLatencySum;
      totals.latencyCount += s.commitLatencyCount;
      totals.messages += s.messages;
      totals.crashes += s.crashes;
      totals.partitions += s.partitions;
      totals.snapshots += s.snapshotsSent;
      totals.membership += s.membershipChanges;
      totals.ticks += s.ticks;
      totals.liveness += s.livenessTicks;
      totals.lost += s.unsyncedLost;
      if (s.checkVerdict === 'unknown') totals.checkUnknown++;
    }
    const now = Date.now();
    if (now - lastProgress > 5000) {
      lastProgress = now;
      const rate = totals.runs / ((now - started) / 1000);
      console.log(`… ${totals.runs}/${count} seeds, ${totals.failures} failed, ${rate.toFixed(1)} seeds/s`);
    }
  };

  if (jobs === 1) {
    for (const seed of seedsFor(0, 1)) {
      onResult(runSeed(seed));
      if (stopped) break;
    }
  } else {
    const script = fileURLToPath(import.meta.url);
    const children = Array.from({ length: jobs }, (_, k) =>
      spawn(process.execPath, [...process.execArgv, script, ...argv, '--worker', String(k), '--jobs', String(jobs)], {
        stdio: ['ignore', 'pipe', 'inherit'],
      }));
    await Promise.all(children.map((child) => {
      createInterface({ input: child.stdout }).on('line', (line) => {
        if (stopped) return;
        onResult(JSON.parse(line) as SeedResult);
        if (stopped) for (const c of children) c.kill();
      });
      return new Promise<void>((resolve) => child.on('close', () => resolve()));
    }));
  }

  const secs = (Date.now() - started) / 1000;
  const r = totals.runs || 1;
  console.log([
    `seeds ${first}..${first + count - 1}${flags.length ? ` (${flags.join(' ')})` : ''}: ${totals.runs} runs, ${totals.failures} failed, ` +
      `${secs.toFixed(1)} s (${(totals.runs / secs).toFixed(1)} seeds/s, ${jobs} job${jobs > 1 ? 's' : ''})`,
    `per run: ${(totals.ops / r).toFixed(1)} client ops (${(totals.ok / r).toFixed(1)} ok, ${(totals.unknown / r).toFixed(1)} unknown, ` +
      `${(totals.failed / r).toFixed(1)} failed), ${(totals.elections / r).toFixed(1)} elections, ${(totals.crashes / r).toFixed(1)} crashes ` +
      `(${(totals.lost / r).toFixed(1)} un-fsynced writes lost), ${(totals.partitions / r).toFixed(1)} partitions, ` +
      `${(totals.snapshots / r).toFixed(1)} snapshot transfers, ${(totals.messages / r).toFixed(0)} messages, ${(totals.ticks / r).toFixed(0)} ticks`,
    `avg commit latency ${(totals.latencySum / Math.max(1, totals.latencyCount)).toFixed(2)} ticks (propose → applied at the proposer); ` +
      `avg convergence after healing ${(totals.liveness / r).toFixed(1)} ticks; membership changes ${totals.membership}; ` +
      `linearizability budget exhausted in ${totals.checkUnknown} runs`,
    ...(failures.length ? [`failing seeds: ${failures.map((f) => `${f.seed} (${f.kind})`).join(', ')}`] : []),
  ].join('\n'));
  process.exitCode = totals.failures > 0 ? 1 : 0;
}
