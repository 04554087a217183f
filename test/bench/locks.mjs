#!/usr/bin/env node
// Lock benchmark: acquire/release round trips on a 3-server roster cluster (127.0.0.151-153,
// default ports), each worker with its own session on one of the servers (so two thirds of the
// requests are forwarded by a follower to the leader).
//
// Usage: node test/bench/locks.mjs [options]                 (after `npm run build`; uses ./dist)
//   -c, --concurrency N   workers                                                  [16]
//   -d, --duration S      measured seconds per mode                                [10]
//   -w, --warmup S        unmeasured seconds before each mode                      [2]
//   --quick               -d 3 -w 1
//   --keep-logs           keep the data dirs and logs
//   --json                one JSON object on stdout instead of the table
//
// Modes:
//   own     every worker locks a key of its own: acquire (a one-op /v1/txn lock, which returns
//           the LockIndex and ModifyIndex) then release (PUT ?release=): the round trip latency
//   shared  every worker contends for one key; a refused worker waits for the release with a
//           blocking query, then tries again: hand-offs per second, and a fencing check (every
//           grant's ModifyIndex greater than the previous grant's, LockIndex +1 each time)
// Not a test: figures are printed, never asserted.
import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';
import { bin, flags, quantile, sleep } from './common.mjs';

const { has, arg } = flags();
const quick = has('--quick');
const opts = {
  concurrency: Number(arg(['-c', '--concurrency'], 16)),
  duration: Number(arg(['-d', '--duration'], quick ? 3 : 10)),
  warmup: Number(arg(['-w', '--warmup'], quick ? 1 : 2)),
  keepLogs: has('--keep-logs'),
  json: has('--json'),
};
const IPS = ['127.0.0.151', '127.0.0.152', '127.0.0.153'];
const log = (...a) => console.error('[locks]', ...a);

const work = mkdtempSync(path.join(tmpdir(), 'roster-locks-'));
const servers = IPS.map((ip, i) => ({ ip, node: `l${i + 1}`, dataDir: path.join(work, `l${i + 1}`), logFile: path.join(work, `l${i + 1}.log`) }));
const url = (ip, p) => `http://${ip}:8500${p}`;

function start(s) {
  mkdirSync(s.dataDir, { recursive: true });
  const fd = openSync(s.logFile, 'a');
  const args = [bin, 'agent', '-server', '-bootstrap-expect', '3', '-node', s.node, '-bind', s.ip, '-client', s.ip, '-data-dir', s.dataDir, '-log-level', 'warn', '-dns-port', '-1', ...IPS.flatMap((ip) => ['-retry-join', ip])];
  s.child = spawn(process.execPath, args, { stdio: ['ignore', fd, fd], detached: true });
  closeSync(fd);
  s.child.unref();
}

async function call(ip, method, p, body) {
  const res = await fetch(url(ip, p), { method, body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body), signal: AbortSignal.timeout(15_000) });
  const text = await res.text();
  return { status: res.status, text, index: res.headers.get('x-consul-index') };
}

async function waitReady() {
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (Date.now() > deadline) throw new Error(`cluster not ready; logs in ${work}`);
    for (const s of servers) if (s.child.exitCode !== null) throw new Error(`${s.node} exited:\n${readFileSync(s.logFile, 'utf8').slice(-2000)}`);
    try {
      const leaders = await Promise.all(IPS.map(async (ip) => JSON.parse((await call(ip, 'GET', '/v1/status/leader')).text)));
      // Every node registered with a passing serfHealth (sessions bind to it).
      const checks = JSON.parse((await call(IPS[0], 'GET', '/v1/health/state/passing')).text);
      const healthy = new Set(checks.filter((c) => c.CheckID === 'serfHealth').map((c) => c.Node));
      if (leaders[0] && leaders.every((l) => l === leaders[0]) && servers.every((s) => healthy.has(s.node))) return leaders[0];
    } catch {
      // not up yet
    }
    await sleep(200);
  }
}

async function session(ip) {
  const r = await call(ip, 'PUT', '/v1/session/create', { Name: 'bench', TTL: '60s', LockDelay: '0s' });
  if (r.status !== 200) throw new Error(`session create: ${r.status} ${r.text}`);
  return JSON.parse(r.text).ID;
}

async function acquire(ip, key, sid) {
  const r = await call(ip, 'PUT', '/v1/txn', [{ KV: { Verb: 'lock', Key: key, Value: Buffer.from(sid).toString('base64'), Session: sid } }]);
  if (r.status === 409) return null;
  if (r.status !== 200) throw new Error(`acquire: ${r.status} ${r.text}`);
  const kv = JSON.parse(r.text).Results[0].KV;
  return { lockIndex: kv.LockIndex, modifyIndex: kv.ModifyIndex };
}

async function release(ip, key, sid) {
  const r = await call(ip, 'PUT', `/v1/kv/${key}?release=${sid}`);
  if (r.status !== 200 || r.text.trim() !== 'true') throw new Error(`release: ${r.status} ${r.text}`);
}

async function runMode(mode, sids) {
  const stopAt = { warm: Date.now() + opts.warmup * 1000 };
  stopAt.end = stopAt.warm + opts.duration * 1000;
  const latencies = [];
  const grants = [];
  let refused = 0;
  let errors = 0;
  const worker = async (w) => {
    const ip = IPS[w % IPS.length];
    const sid = sids[w];
    const key = mode === 'own' ? `bench/own/${w}` : 'bench/shared';
    let index = '1';
    while (Date.now() < stopAt.end) {
      const t0 = performance.now();
      try {
        const got = await acquire(ip, key, sid);
        if (!got) {
          refused++;
          // Wait for the holder's release (a blocking query), then try again.
          const r = await call(ip, 'GET', `/v1/kv/${key}?index=${index}&wait=2s`);
          index = r.index ?? index;
          continue;
        }
        if (mode === 'shared') grants.push({ ...got, sid, at: Date.now() });
        await release(ip, key, sid);
        if (Date.now() >= stopAt.warm) latencies.push(performance.now() - t0);
      } catch (err) {
        errors++;
        log(`${mode} worker ${w}: ${err.message}`);
        await sleep(100);
      }
    }
  };
  await Promise.all(sids.map((_, w) => worker(w)));
  const measured = grants.filter((g) => g.at >= stopAt.warm);
  // Fencing check over the whole grant sequence (in LockIndex order, which is log order).
  const byIndex = [...grants].sort((a, b) => a.lockIndex - b.lockIndex);
  let fencingViolations = 0;
  for (let i = 1; i < byIndex.length; i++) {
    if (byIndex[i].lockIndex !== byIndex[i - 1].lockIndex + 1 || byIndex[i].modifyIndex <= byIndex[i - 1].modifyIndex) fencingViolations++;
  }
  return {
    mode,
    roundTrips: latencies.length,
    perSec: Math.round(latencies.length / opts.duration),
    p50: quantile(latencies, 0.5),
    p99: quantile(latencies, 0.99),
    max: quantile(latencies, 1),
    refused,
    errors,
    ...(mode === 'shared' ? { handoffsPerSec: Math.round(measured.length / opts.duration), grants: grants.length, fencingViolations } : {}),
  };
}

let exitCode = 0;
try {
  log(`starting 3 servers on ${IPS.join(', ')} (logs in ${work})`);
  start(servers[0]);
  await sleep(1500);
  start(servers[1]);
  start(servers[2]);
  const leader = await waitReady();
  log(`leader ${leader}; ${opts.concurrency} workers, ${opts.duration}s per mode`);
  const sids = await Promise.all(Array.from({ length: opts.concurrency }, (_, w) => session(IPS[w % IPS.length])));
  const results = [];
  for (const mode of ['own', 'shared']) {
    log(`mode ${mode}…`);
    results.push(await runMode(mode, sids));
  }
  const summary = { concurrency: opts.concurrency, duration: opts.duration, cpus: availableParallelism(), node: process.version, results };
  if (opts.json) console.log(JSON.stringify(summary));
  else {
    console.log(`lock acquire+release round trip, 3 servers (${IPS.join(', ')}), concurrency ${opts.concurrency}, ${opts.duration}s, ${summary.cpus} CPUs, node ${process.version}`);
    console.log('mode    round trips/s   p50 ms   p99 ms   max ms   refused   errors   hand-offs/s   fencing violations');
    for (const r of results) {
      console.log(
        `${r.mode.padEnd(7)} ${String(r.perSec).padStart(13)} ${r.p50.toFixed(1).padStart(8)} ${r.p99.toFixed(1).padStart(8)} ${r.max.toFixed(1).padStart(8)} ${String(r.refused).padStart(9)} ${String(r.errors).padStart(8)} ${String(r.handoffsPerSec ?? '-').padStart(13)} ${String(r.fencingViolations ?? '-').padStart(20)}`,
      );
    }
  }
} catch (err) {
  log(err.stack ?? String(err));
  exitCode = 1;
} finally {
  for (const s of servers) {
    try {
      process.kill(s.child.pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
  await sleep(300);
  if (!opts.keepLogs && exitCode === 0) rmSync(work, { recursive: true, force: true });
  else log(`logs kept in ${work}`);
}
process.exit(exitCode);
