#!/usr/bin/env node
// Raft write benchmark: a 3-server roster cluster against a 3-member etcd cluster, driven by the
// same load generator (../shared/bench/kvload.mjs), plus leader failover time.
//
// Usage: node test/bench/raft-kv.mjs [options]            (after `npm run build`; uses ./dist)
//   --quick               -d 3 -r 1 -w 1 and 3 failover runs (a smoke pass)
//   -c, --concurrency L   comma-separated concurrencies                       [1,16,64]
//   -d, --duration S      measured seconds per kvload run                     [10]
//   -r, --repeat N        kvload runs per concurrency (medians reported)      [3]
//   -w, --warmup S        unmeasured seconds before each kvload run           [2]
//   --failover-runs N     leader kill -9 / restart cycles (0 = skip)          [10]
//   --sequential          all roster runs of a concurrency, then all etcd runs (kvload -r N each);
//                         default: both clusters up, runs alternate roster/etcd (kvload -r 1 each),
//                         so machine drift hits both sides of each ratio alike
//   --no-etcd             roster only (etcd columns n/a)
//   --no-roster-load      skip the roster load runs (e.g. failover only)
//   --no-setup            do not run ../shared/bench/setup.sh when etcd or undici is missing
//   --cpu-prof DIR        run the roster servers under `node --cpu-prof --cpu-prof-dir DIR`
//                         (profiles are written when they stop; pair with -c 64 --failover-runs 0 --no-etcd)
//   --keep-logs           keep the roster data dirs and logs (printed at the end)
//   --json                one JSON object on stdout instead of the table
// Unknown flags are ignored (npm run bench passes every bench the same argv).
// Roster servers use 127.0.0.71-73 with default ports; etcd uses 127.0.0.1:22379+.
// Not a test: figures and the issue's targets are printed, never asserted.
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { bin, flags, quantile, root, sleep } from './common.mjs';

const sharedBench = process.env.ROSTER_SHARED_BENCH ?? path.resolve(root, '../shared/bench');
const kvload = path.join(sharedBench, 'kvload.mjs');
const etcdCluster = path.join(sharedBench, 'etcd-cluster.sh');
const setupSh = path.join(sharedBench, 'setup.sh');

// ---------------------------------------------------------------- options
const { has, arg } = flags();
const quick = has('--quick');
const opts = {
  concurrency: String(arg(['-c', '--concurrency'], '1,16,64')).split(',').map(Number).filter((n) => n > 0),
  duration: Number(arg(['-d', '--duration'], quick ? 3 : 10)),
  repeat: Number(arg(['-r', '--repeat'], quick ? 1 : 3)),
  warmup: Number(arg(['-w', '--warmup'], quick ? 1 : 2)),
  failoverRuns: Number(arg(['--failover-runs'], quick ? 3 : 10)),
  etcd: !has('--no-etcd'),
  interleave: !has('--sequential'),
  rosterLoad: !has('--no-roster-load'),
  setup: !has('--no-setup'),
  cpuProf: arg(['--cpu-prof'], undefined),
  keepLogs: has('--keep-logs'),
  json: has('--json'),
};
const cpus = availableParallelism();
const IPS = ['127.0.0.71', '127.0.0.72', '127.0.0.73'];
const HTTP_PORT = 8500;
const SERF_LAN_PORT = 8301;

const log = (...a) => console.error('[raft-kv]', ...a); // progress on stderr; stdout keeps the table / JSON
const sorted = (xs) => [...xs].sort((a, b) => a - b);
const median = (xs) => {
  if (!xs.length) return NaN;
  const s = sorted(xs);
  const n = s.length;
  return n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
};

// ---------------------------------------------------------------- roster cluster
const work = mkdtempSync(path.join(tmpdir(), 'roster-raft-kv-'));
/** @type {{ ip: string, node: string, dataDir: string, logFile: string, child?: import('node:child_process').ChildProcess, pid?: number }[]} */
const servers = IPS.map((ip, i) => ({
  ip,
  node: `s${i + 1}`,
  dataDir: path.join(work, `s${i + 1}`),
  logFile: path.join(work, `s${i + 1}.log`),
}));
const httpUrl = (ip) => `http://${ip}:${HTTP_PORT}`;
const alive = (s) => s.child && s.child.exitCode === null && s.child.signalCode === null;

function startServer(s) {
  mkdirSync(s.dataDir, { recursive: true });
  const fd = openSync(s.logFile, 'a');
  const nodeFlags = opts.cpuProf ? ['--cpu-prof', '--cpu-prof-dir', path.resolve(opts.cpuProf), '--cpu-prof-name', `${s.node}-${Date.now()}.cpuprofile`] : [];
  const args = [
    ...nodeFlags, bin, 'agent', '-server', '-bootstrap-expect', '3', '-node', s.node,
    '-bind', s.ip, '-client', s.ip, '-data-dir', s.dataDir, '-log-level', 'warn',
    // Every server in -retry-join: a restarted server finds whichever others are up.
    ...IPS.flatMap((ip) => ['-retry-join', ip]),
  ];
  const child = spawn(process.execPath, args, { stdio: ['ignore', fd, fd], detached: true });
  closeSync(fd);
  child.unref();
  s.child = child;
  s.pid = child.pid;
  s.exited = new Promise((resolve) => child.once('exit', resolve));
  return child;
}

function serfListening(ip) {
  // /proc/net/{tcp,udp}: local address as little-endian hex IPv4 + ':' + hex port.
  const hex = ip.split('.').map((o) => Number(o).toString(16).padStart(2, '0').toUpperCase()).reverse().join('');
  const needle = `${hex}:${SERF_LAN_PORT.toString(16).toUpperCase().padStart(4, '0')}`;
  return ['/proc/net/udp', '/proc/net/tcp'].some((f) => {
    try {
      return readFileSync(f, 'utf8').split('\n').some((l) => l.trim().split(/\s+/)[1] === needle);
    } catch {
      return false;
    }
  });
}

async function get(url, timeoutMs = 1000) {
  const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  const text = await res.text();
  return { status: res.status, text };
}

/** The leader address ("ip:8300") as seen by the server at ip, or '' (no leader / not answering). */
async function leaderSeenBy(ip, timeoutMs = 500) {
  try {
    const { status, text } = await get(`${httpUrl(ip)}/v1/status/leader`, timeoutMs);
    if (status !== 200) return '';
    return JSON.parse(text) || '';
  } catch {
    return '';
  }
}

async function put(ip, key, timeoutMs = 2000) {
  try {
    const res = await fetch(`${httpUrl(ip)}/v1/kv/${key}`, { method: 'PUT', body: 'x'.repeat(100), signal: AbortSignal.timeout(timeoutMs) });
    const text = await res.text();
    return res.status === 200 && text.trim() === 'true';
  } catch {
    return false;
  }
}

/** Waits until every live server reports the same leader; returns the leader's server record. */
async function waitForLeader(timeoutMs = 30_000, among = servers) {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    for (const s of among) if (s.child && !alive(s)) throw new Error(`${s.node} exited (${s.child.exitCode ?? s.child.signalCode}); log: ${s.logFile}\n${tail(s.logFile)}`);
    const seen = await Promise.all(among.map((s) => leaderSeenBy(s.ip)));
    if (seen[0] && seen.every((l) => l === seen[0])) {
      const ip = seen[0].split(':')[0];
      const leader = servers.find((s) => s.ip === ip);
      if (leader) return leader;
    }
    await sleep(100);
  }
  throw new Error(`no agreed leader within ${timeoutMs} ms; logs in ${work}`);
}

function tail(file, lines = 15) {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

async function startCluster() {
  // The first server's gossip must be listening before the others start: their first -retry-join
  // attempt is immediate and the next one is 30 s later (and a server's start waits at most 7 s
  // for a leader before it gives up).
  startServer(servers[0]);
  const deadline = performance.now() + 20_000;
  while (!serfListening(servers[0].ip)) {
    if (!alive(servers[0])) throw new Error(`s1 exited while starting:\n${tail(servers[0].logFile)}`);
    if (performance.now() > deadline) throw new Error('s1 gossip not listening after 20 s');
    await sleep(50);
  }
  startServer(servers[1]);
  startServer(servers[2]);
  return waitForLeader(60_000);
}

async function stopServer(s, signal = 'SIGTERM') {
  if (!alive(s)) return;
  try {
    process.kill(s.pid, signal);
  } catch {
    return;
  }
  const timer = setTimeout(() => {
    try {
      if (alive(s)) process.kill(s.pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }, 10_000);
  await s.exited;
  clearTimeout(timer);
}

async function stopCluster() {
  await Promise.all(servers.map((s) => stopServer(s)));
}

// ---------------------------------------------------------------- load (kvload.mjs)
function runKvload(target, url, concurrency, pids, label, runs = opts.repeat) {
  const args = [
    kvload, '--target', target, '--url', url, '-c', String(concurrency), '-d', String(opts.duration),
    '-r', String(runs), '-w', String(opts.warmup), '--json', '--label', label,
    ...(pids.length ? ['--server-pids', pids.join(',')] : []),
  ];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code !== 0) return reject(new Error(`kvload ${label} exited ${code}: ${out.slice(-500)}`));
      try {
        const r = JSON.parse(out.trim().split('\n').pop());
        for (const run of r.runs) run.loadavg1 = loadavg()[0];
        resolve(r);
      } catch (err) {
        reject(new Error(`kvload ${label}: unparseable output: ${out.slice(-500)}`));
      }
    });
  });
}

/** Medians over the runs of one or more kvload invocations (kvload's own -r N takes the same medians). */
const summarize = (results) => {
  const runs = results.flatMap((r) => r.runs);
  return {
    opsPerSec: median(runs.map((x) => x.opsPerSec)),
    p50Ms: median(runs.map((x) => x.p50Ms)),
    p99Ms: median(runs.map((x) => x.p99Ms)),
    errors: runs.reduce((a, x) => a + x.errors, 0),
    serverCpuPct: median(runs.map((x) => x.serverCpuPct)),
    clientCpuPct: median(runs.map((x) => x.clientCpuPct)),
    runs: runs.map((x) => ({ opsPerSec: x.opsPerSec, p50Ms: x.p50Ms, p99Ms: x.p99Ms, errors: x.errors, serverCpuPct: x.serverCpuPct, loadavg1: x.loadavg1, lastError: x.lastError })),
    client: results[0]?.client,
  };
};

// ---------------------------------------------------------------- failover
/** kill -9 the leader; ms until a PUT to a survivor succeeds; restart it; wait till it is back in. */
async function failoverOnce(run) {
  const leader = await waitForLeader(30_000);
  const survivors = servers.filter((s) => s !== leader);
  // Warm the survivors' connections so the first attempt after the kill is not a connect.
  for (const s of survivors) if (!(await put(s.ip, `failover/${run}/warm-${s.node}`))) throw new Error(`warm-up PUT via ${s.node} failed`);

  let done = false;
  let attempts = 0;
  let electedMs = NaN;
  const t0 = performance.now();
  process.kill(leader.pid, 'SIGKILL');
  // A client per survivor: PUT, on failure wait ~20 ms and retry; the first success ends both.
  const client = async (s) => {
    for (let i = 0; !done; i++) {
      attempts++;
      if (await put(s.ip, `failover/${run}/${s.node}/${i}`, 10_000)) {
        if (!done) {
          done = true;
          return performance.now() - t0;
        }
        return Infinity;
      }
      if (!done) await sleep(20);
    }
    return Infinity;
  };
  // Alongside: when a survivor first names a new leader (election, not yet a committed write).
  const watcher = (async () => {
    while (!done) {
      const seen = await Promise.all(survivors.map((s) => leaderSeenBy(s.ip, 200)));
      if (seen.some((l) => l && l !== `${leader.ip}:8300`)) return performance.now() - t0;
      await sleep(10);
    }
    return NaN;
  })();
  const putMs = Math.min(...(await Promise.all(survivors.map(client))));
  electedMs = await watcher;
  await leader.exited;
  const newLeader = await waitForLeader(30_000, survivors);

  // Restart with the same data dir; back in = it names the leader and a PUT through it succeeds.
  const r0 = performance.now();
  startServer(leader);
  const deadline = r0 + 60_000;
  for (;;) {
    if (!alive(leader)) throw new Error(`${leader.node} exited after restart:\n${tail(leader.logFile)}`);
    if ((await leaderSeenBy(leader.ip)) && (await put(leader.ip, `failover/${run}/back-${leader.node}`))) break;
    if (performance.now() > deadline) throw new Error(`${leader.node} not back in 60 s after restart; log ${leader.logFile}`);
    await sleep(100);
  }
  await waitForLeader(30_000);
  const rejoinMs = performance.now() - r0;
  return { killed: leader.node, newLeader: newLeader.node, putMs, electedMs, rejoinMs, attempts };
}

// ---------------------------------------------------------------- etcd
function commandExists(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

function ensureAnchors() {
  const missing = () => !commandExists('etcd') || !commandExists('etcdctl') || !existsSync(path.join(process.env.BENCH_DEPS || '/tmp/bench-deps', 'node_modules/undici/package.json'));
  if (missing() && opts.setup && existsSync(setupSh)) {
    log('etcd or undici missing: running', setupSh);
    const r = spawnSync('bash', [setupSh], { encoding: 'utf8' });
    if (r.status !== 0) log(`setup.sh failed (${r.status}): ${(r.stderr || r.stdout || '').trim().split('\n').slice(-5).join(' | ')}`);
  }
  if (!commandExists('etcd') || !commandExists('etcdctl')) return 'etcd/etcdctl not on PATH (../shared/bench/setup.sh installs them as root on Debian)';
  return null;
}

function etcdSh(...args) {
  const r = spawnSync('bash', [etcdCluster, ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`etcd-cluster.sh ${args.join(' ')} failed: ${r.stderr || r.stdout}`);
  return r.stdout.trim();
}

function etcdPids() {
  try {
    const dir = process.env.ETCD_BENCH_DIR || '/tmp/etcd-bench';
    return readFileSync(path.join(dir, 'pids'), 'utf8').split('\n').filter(Boolean);
  } catch {
    return [];
  }
}

// ---------------------------------------------------------------- main
let etcdStarted = false;
let cleaning;
async function cleanup() {
  cleaning ??= (async () => {
    await stopCluster().catch(() => {});
    if (etcdStarted) {
      try {
        etcdSh('stop');
      } catch (err) {
        log(String(err));
      }
    }
    if (!opts.keepLogs) rmSync(work, { recursive: true, force: true });
  })();
  return cleaning;
}
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.once(sig, () => {
    log(`${sig}: stopping the clusters`);
    void cleanup().then(() => process.exit(130));
  });
}

const fmt = (x, d = 0) => (Number.isFinite(x) ? x.toFixed(d) : 'n/a');

async function main() {
  if (!existsSync(path.join(root, 'dist/src/cli/argv.js'))) throw new Error(`no build in ${root}dist: run npm run build first`);
  if (!existsSync(kvload)) throw new Error(`kvload.mjs not found at ${kvload} (set ROSTER_SHARED_BENCH)`);
  const etcdSkip = opts.etcd ? ensureAnchors() : 'disabled by --no-etcd';
  if (etcdSkip && opts.etcd) log(`etcd skipped: ${etcdSkip}`);

  const result = {
    options: { ...opts, node: process.version, work },
    roster: {},
    etcd: {},
    etcdSkipped: etcdSkip ?? undefined,
    failover: undefined,
  };

  // 1. roster cluster; 3. etcd cluster beside it (idle while roster runs, and the other way round)
  log(`starting roster cluster in ${work}`);
  const c0 = performance.now();
  let leader = await startCluster();
  result.rosterStartMs = performance.now() - c0;
  log(`roster leader ${leader.node} (${leader.ip}) after ${fmt(result.rosterStartMs)} ms; pids ${servers.map((s) => s.pid).join(',')}`);
  if (!etcdSkip) {
    log('starting etcd (3 members)');
    etcdStarted = true;
    etcdSh('start', '-n', '3');
  }
  const rosterRun = async (c, runs) => {
    leader = await waitForLeader();
    log(`roster c=${c} against ${leader.node}${runs === 1 ? '' : ` x${runs}`}`);
    return runKvload('consul', httpUrl(leader.ip), c, servers.map((s) => s.pid), `roster-3 ${leader.node} c=${c}`, runs);
  };
  const etcdRun = async (c, runs) => {
    const url = etcdSh('leader');
    if (!url) throw new Error('etcd-cluster.sh leader: no leader');
    log(`etcd c=${c} against ${url}${runs === 1 ? '' : ` x${runs}`}`);
    return runKvload('etcd', url, c, etcdPids(), `etcd-3 c=${c}`, runs);
  };
  // 2-3. the same kvload invocation against each leader
  try {
    for (const c of opts.concurrency) {
      const rosterResults = [];
      const etcdResults = [];
      if (opts.interleave) {
        for (let i = 0; i < opts.repeat; i++) {
          if (opts.rosterLoad) rosterResults.push(await rosterRun(c, 1));
          if (!etcdSkip) etcdResults.push(await etcdRun(c, 1));
        }
      } else {
        if (opts.rosterLoad) rosterResults.push(await rosterRun(c, opts.repeat));
        if (!etcdSkip) etcdResults.push(await etcdRun(c, opts.repeat));
      }
      if (rosterResults.length) result.roster[c] = { ...summarize(rosterResults), leader: leader.node };
      if (etcdResults.length) result.etcd[c] = summarize(etcdResults);
    }
  } finally {
    if (etcdStarted) {
      etcdSh('stop');
      etcdStarted = false;
    }
  }

  // 4. failover (etcd stopped by now)
  if (opts.failoverRuns > 0) {
    const runs = [];
    for (let i = 0; i < opts.failoverRuns; i++) {
      const f = await failoverOnce(i);
      log(`failover ${i + 1}/${opts.failoverRuns}: killed ${f.killed} -> ${f.newLeader}; first PUT ok after ${fmt(f.putMs)} ms (leader named after ${fmt(f.electedMs)} ms); back in ${fmt(f.rejoinMs)} ms`);
      runs.push(f);
    }
    const put = runs.map((r) => r.putMs);
    const elected = runs.map((r) => r.electedMs).filter(Number.isFinite);
    result.failover = {
      runs,
      putMs: { median: median(put), p90: quantile(put, 0.9), max: Math.max(...put) },
      electedMs: { median: median(elected), p90: quantile(elected, 0.9), max: Math.max(...elected) },
      rejoinMs: { median: median(runs.map((r) => r.rejoinMs)), max: Math.max(...runs.map((r) => r.rejoinMs)) },
    };
  }
  await stopCluster();

  result.rows = opts.concurrency.map((c) => {
    const r = result.roster[c];
    const e = result.etcd[c];
    return {
      concurrency: c,
      roster: r && { opsPerSec: r.opsPerSec, p50Ms: r.p50Ms, p99Ms: r.p99Ms, errors: r.errors, serverCpuPct: r.serverCpuPct },
      etcd: e && { opsPerSec: e.opsPerSec, p50Ms: e.p50Ms, p99Ms: e.p99Ms, errors: e.errors, serverCpuPct: e.serverCpuPct },
      ratio: r && e ? r.opsPerSec / e.opsPerSec : NaN,
    };
  });
  const row = (c) => result.rows.find((x) => x.concurrency === c);
  const targets = [];
  if (Number.isFinite(row(64)?.ratio)) targets.push({ target: 'ratio >= 1.5 at c=64', value: row(64).ratio, met: row(64).ratio >= 1.5 });
  if (Number.isFinite(row(1)?.ratio)) targets.push({ target: 'ratio >= 1.0 at c=1', value: row(1).ratio, met: row(1).ratio >= 1.0 });
  for (const x of result.rows) {
    if (x.roster && x.etcd) targets.push({ target: `p99 below etcd's at c=${x.concurrency}`, value: x.roster.p99Ms - x.etcd.p99Ms, met: x.roster.p99Ms < x.etcd.p99Ms });
  }
  if (result.failover) targets.push({ target: 'failover median < 1 s', value: result.failover.putMs.median, met: result.failover.putMs.median < 1000 });
  result.targets = targets;

  if (opts.json) {
    console.log(JSON.stringify(result));
    return;
  }
  const d = opts.duration;
  console.log(`Raft KV writes, 3 servers each, PUT 100 B to distinct keys at the leader; medians of ${opts.repeat} kvload runs x ${d} s (warmup ${opts.warmup} s), ${opts.interleave ? 'roster/etcd runs alternating' : 'roster runs, then etcd runs'}; node ${process.version}`);
  const head = ['c', 'roster ops/s', 'p50 ms', 'p99 ms', 'srv cpu%', 'etcd ops/s', 'p50 ms', 'p99 ms', 'srv cpu%', 'roster/etcd'];
  const lines = result.rows.map((x) => [
    String(x.concurrency),
    fmt(x.roster?.opsPerSec), fmt(x.roster?.p50Ms, 2), fmt(x.roster?.p99Ms, 2), fmt(x.roster?.serverCpuPct),
    fmt(x.etcd?.opsPerSec), fmt(x.etcd?.p50Ms, 2), fmt(x.etcd?.p99Ms, 2), fmt(x.etcd?.serverCpuPct),
    fmt(x.ratio, 2),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const pr = (cells) => console.log(cells.map((cell, i) => cell.padStart(widths[i])).join('  '));
  pr(head);
  lines.forEach(pr);
  const errs = result.rows.flatMap((x) => [x.roster?.errors ? `roster c=${x.concurrency}: ${x.roster.errors} errors` : '', x.etcd?.errors ? `etcd c=${x.concurrency}: ${x.etcd.errors} errors` : '']).filter(Boolean);
  if (errs.length) console.log(`errors: ${errs.join('; ')}`);
  if (etcdSkip) console.log(`etcd: skipped (${etcdSkip})`);
  const loads = result.rows.flatMap((x) => [...(result.roster[x.concurrency]?.runs ?? []), ...(result.etcd[x.concurrency]?.runs ?? [])].map((r) => r.loadavg1));
  console.log(`(srv cpu% = the 3 servers together, % of one core; 1-min load average after the runs ${fmt(Math.min(...loads), 1)}-${fmt(Math.max(...loads), 1)} on ${cpus} cores)`);
  if (result.failover) {
    const f = result.failover;
    console.log(
      `failover (kill -9 leader, ${f.runs.length} runs): first PUT via a survivor ok after median ${fmt(f.putMs.median)} ms, ` +
        `p90 ${fmt(f.putMs.p90)} ms, max ${fmt(f.putMs.max)} ms; new leader named after median ${fmt(f.electedMs.median)} ms; ` +
        `restarted server back in median ${fmt(f.rejoinMs.median)} ms`,
    );
    console.log(`  runs (ms): ${f.runs.map((r) => fmt(r.putMs)).join(', ')}`);
  }
  console.log('targets (issue):');
  for (const t of targets) console.log(`  ${t.met ? 'met    ' : 'NOT met'}  ${t.target} (${fmt(t.value, t.target.startsWith('ratio') ? 2 : 1)})`);
  if (opts.keepLogs) console.log(`logs and data: ${work}`);
}

try {
  await main();
} catch (err) {
  console.error(err instanceof Error ? err.stack : err);
  process.exitCode = 1;
} finally {
  await cleanup();
}
