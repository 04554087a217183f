#!/usr/bin/env node
// Issue #5's figures on a real loopback cluster (3 servers on 127.0.0.171-173, clients on .174
// and .175):
//  1. check flip → DNS: a service on client .175 has an HTTP check (interval 500ms) against a
//     local server whose health we flip; we time how long until DNS on the OTHER client (.174)
//     stops returning the instance, and returns it again (median, p99 over --flips, default 20);
//  2. anti-entropy load: 200 services registered on a client, then the servers' CPU over a quiet
//     window (--window seconds, default 30) while anti-entropy and checks run.
// Usage: node test/bench/checks.mjs [--flips N] [--window S] [--json]
import { spawn, execFile } from 'node:child_process';
import { mkdtempSync, rmSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const ROOT = new URL('../..', import.meta.url).pathname;
const BIN = join(ROOT, 'bin/run.js');
const exec = promisify(execFile);
const args = process.argv.slice(2);
const arg = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const FLIPS = arg('--flips', 20);
const WINDOW_S = arg('--window', 30);
const SERVERS = ['127.0.0.171', '127.0.0.172', '127.0.0.173'];
const OBSERVER = '127.0.0.174';
const OWNER = '127.0.0.175';
const dir = mkdtempSync(join(tmpdir(), 'roster-bench-checks-'));
const children = [];

function startAgent(ip, server) {
  const n = ip.split('.').pop();
  const child = spawn(
    process.execPath,
    [BIN, 'agent', ...(server ? ['-server', '-bootstrap-expect', '3'] : []), '-node', `n${n}`, '-bind', ip, '-client', ip,
      '-data-dir', join(dir, n), ...SERVERS.flatMap((s) => ['-retry-join', s]), '-retry-interval', '1s', '-log-level', 'warn'],
    { stdio: 'ignore' },
  );
  children.push(child);
  return child;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
async function until(what, probe, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await probe().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}
const api = (ip, path, init) => fetch(`http://${ip}:8500${path}`, init);
async function dnsHas(ip, name, addr) {
  const { stdout } = await exec('dig', [`@${ip}`, '-p', '8600', name, '+short', '+time=1', '+tries=1']);
  return stdout.split('\n').includes(addr);
}
const quantile = (xs, q) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))];
function cpuSeconds(pid) {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;
}

let healthy = true;
const health = createServer((_req, res) => {
  res.statusCode = healthy ? 200 : 503;
  res.end(healthy ? 'ok' : 'down');
});

try {
  await new Promise((r) => health.listen(0, OWNER, r));
  const port = health.address().port;
  for (const ip of SERVERS) startAgent(ip, true);
  await until('a leader', async () => (await (await api(SERVERS[0], '/v1/status/leader')).json()) !== '');
  startAgent(OBSERVER, false);
  startAgent(OWNER, false);
  for (const ip of [OBSERVER, OWNER]) await until(`${ip} up`, async () => (await (await api(ip, '/v1/status/leader')).json()) !== '');

  const reg = await api(OWNER, '/v1/agent/service/register', {
    method: 'PUT',
    body: JSON.stringify({ Name: 'flip', Port: 80, Check: { HTTP: `http://${OWNER}:${port}/`, Interval: '500ms' } }),
  });
  if (!reg.ok) throw new Error(`register: ${reg.status} ${await reg.text()}`);
  await until('flip in DNS', () => dnsHas(OBSERVER, 'flip.service.consul', OWNER));

  const down = [];
  const up = [];
  for (let i = 0; i < FLIPS; i++) {
    // A random phase against the check's interval, so flips do not line up with its runs.
    await sleep(Math.random() * 1000);
    healthy = false;
    let t0 = performance.now();
    await until('instance out of DNS', async () => !(await dnsHas(OBSERVER, 'flip.service.consul', OWNER)));
    down.push(performance.now() - t0);
    await sleep(Math.random() * 1000);
    healthy = true;
    t0 = performance.now();
    await until('instance back in DNS', () => dnsHas(OBSERVER, 'flip.service.consul', OWNER));
    up.push(performance.now() - t0);
  }

  // Anti-entropy load: 200 services (each with a TTL check) on the owner, then a quiet window.
  for (let i = 0; i < 200; i++) {
    await api(OWNER, '/v1/agent/service/register', { method: 'PUT', body: JSON.stringify({ Name: `svc${i}`, Port: 1000 + i, Check: { TTL: '1h' } }) });
  }
  const serverPids = children.slice(0, 3).map((c) => c.pid);
  const before = serverPids.map(cpuSeconds);
  await sleep(WINDOW_S * 1000);
  const cpu = serverPids.map((pid, i) => ((cpuSeconds(pid) - before[i]) / WINDOW_S) * 100);

  const result = {
    checkIntervalMs: 500,
    flips: FLIPS,
    failingToOutOfDnsMs: { median: quantile(down, 0.5), p99: quantile(down, 0.99) },
    passingToBackInDnsMs: { median: quantile(up, 0.5), p99: quantile(up, 0.99) },
    serverCpuPercentWith200Services: cpu.map((c) => Math.round(c * 10) / 10),
    windowSeconds: WINDOW_S,
  };
  if (args.includes('--json')) console.log(JSON.stringify(result));
  else {
    console.log(`check flip → DNS on another agent (HTTP check every 500 ms, ${FLIPS} flips):`);
    console.log(`  failing → out of DNS: median ${result.failingToOutOfDnsMs.median.toFixed(0)} ms, p99 ${result.failingToOutOfDnsMs.p99.toFixed(0)} ms`);
    console.log(`  passing → back in DNS: median ${result.passingToBackInDnsMs.median.toFixed(0)} ms, p99 ${result.passingToBackInDnsMs.p99.toFixed(0)} ms`);
    console.log(`anti-entropy: 200 services on one client, servers' CPU over ${WINDOW_S} s: ${result.serverCpuPercentWith200Services.join(' / ')} % of a core`);
  }
} finally {
  for (const child of children) child.kill('SIGKILL');
  health.close();
  rmSync(dir, { recursive: true, force: true });
}
