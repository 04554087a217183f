#!/usr/bin/env node
// `npm run bench:dns`: dnsperf against a `roster agent -dev` and against dnsmasq serving the same
// records (../shared/bench/dns/records.json), in one invocation, so the ratios compare like with
// like on a machine that drifts 10–40% between runs. Prints qps at saturation, p50/p99 at a fixed
// 2,000 qps, the ratio roster/dnsmasq, and the agent's RSS before and after all the load.
//
// Query sets: a / srv / mixed are ../shared/bench/dns/queries-*.txt (3 instances behind
// web.service.consul); a50 / srv50 ask for a name with 50 instances (dnsmasq gets the same 50
// records from a private config this script writes under /tmp).
//
// Then a million hostile packets through the answering core in process (test/bench/dns-fuzz.ts):
// the heap before and after.
//
// Usage: node test/bench/dns.mjs [--secs 5] [--runs 3] [--sets a,srv,mixed,a50,srv50] [--ip 127.0.0.109]
//        [--rate 2000] [--no-rate] [--no-fuzz]
// Run after `npm run build`. Not a test: figures are printed, never asserted.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
const root = path.resolve(here, '../..');
const bin = path.join(root, 'bin/run.js');
// ../shared/bench next to the checkout, or next to the checkout a private copy links node_modules from.
const sharedBench =
  process.env.ROSTER_SHARED_BENCH ??
  [path.resolve(root, '../shared/bench'), path.resolve(realpathSync(path.join(root, 'node_modules')), '../../shared/bench')].find((d) =>
    existsSync(path.join(d, 'dnsload.sh')),
  ) ??
  path.resolve(root, '../shared/bench');
const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i === -1 ? fallback : process.argv[i + 1];
};
const secs = Number(arg('--secs', 5));
const runs = Number(arg('--runs', 3));
const rate = Number(arg('--rate', 2000));
const withRate = !process.argv.includes('--no-rate');
const sets = arg('--sets', 'a,srv,mixed,a50,srv50').split(',');
const ip = arg('--ip', '127.0.0.109');
const ROSTER_PORT = 8600;
const DNSMASQ_PORT = 8653; // dns-servers.sh's
const DNSMASQ50_PORT = 8654; // ours, for the 50-instance name
const scratch = '/tmp/roster-bench-dns';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const onPath = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;

function skip(reason) {
  console.log(`skipped: ${reason}`);
  process.exit(0);
}

if (!existsSync(path.join(sharedBench, 'dnsload.sh'))) skip(`no ${sharedBench}/dnsload.sh (set ROSTER_SHARED_BENCH)`);
if (!onPath('dnsperf') || !onPath('dnsmasq')) {
  const setup = path.join(sharedBench, 'setup.sh');
  if (process.getuid?.() === 0 && existsSync(setup)) {
    console.log(`dnsperf/dnsmasq missing: running ${setup}`);
    spawnSync('bash', [setup], { stdio: 'inherit' });
  }
  if (!onPath('dnsperf') || !onPath('dnsmasq')) skip(`dnsperf or dnsmasq is not installed (run ${setup} as root)`);
}

// ---- the records ------------------------------------------------------------------------------

const records = JSON.parse(readFileSync(path.join(sharedBench, 'dns/records.json'), 'utf8'));
const WIDE = 50;
const wideIp = (i) => `198.51.100.${i + 1}`;

/** Catalog registrations mirroring records.json: one node per SRV target, service web on each. */
function registrations() {
  const out = [];
  for (const srv of records.SRV['web.service.consul']) {
    const node = srv.target.split('.')[0];
    const address = records.A[srv.target][0];
    out.push({ Node: node, Address: address, Service: { ID: 'web', Service: 'web', Port: srv.port } });
  }
  for (let i = 0; i < WIDE; i++) {
    out.push({ Node: `wide-${i + 1}`, Address: wideIp(i), Service: { ID: 'wide', Service: 'wide', Port: 9000 } });
  }
  return out;
}

function writeQueryFiles() {
  mkdirSync(scratch, { recursive: true });
  const files = {
    a: path.join(sharedBench, 'dns/queries-a.txt'),
    srv: path.join(sharedBench, 'dns/queries-srv.txt'),
    mixed: path.join(sharedBench, 'dns/queries-mixed.txt'),
    a50: path.join(scratch, 'queries-a50.txt'),
    srv50: path.join(scratch, 'queries-srv50.txt'),
  };
  writeFileSync(files.a50, 'wide.service.consul A\n');
  writeFileSync(files.srv50, 'wide.service.consul SRV\n');
  return files;
}

/** dnsmasq with the 50-instance name (and its SRV targets), on a port of its own. */
async function startWideDnsmasq() {
  const lines = [
    `port=${DNSMASQ50_PORT}`,
    'listen-address=127.0.0.1',
    'bind-interfaces',
    'keep-in-foreground',
    'no-resolv',
    'no-poll',
    'no-hosts',
    'cache-size=0',
    'no-negcache',
    'log-facility=-',
    'local=/consul/',
    'local-ttl=0',
  ];
  for (let i = 0; i < WIDE; i++) {
    lines.push(`host-record=wide.service.consul,${wideIp(i)}`);
    lines.push(`host-record=wide-${i + 1}.node.dc1.consul,${wideIp(i)}`);
    lines.push(`srv-host=wide.service.consul,wide-${i + 1}.node.dc1.consul,9000,1,1`);
  }
  const conf = path.join(scratch, 'dnsmasq-wide.conf');
  writeFileSync(conf, `${lines.join('\n')}\n`);
  const child = spawn('dnsmasq', [`--conf-file=${conf}`], { stdio: 'ignore' });
  await waitForDns('127.0.0.1', DNSMASQ50_PORT, 'wide.service.consul', child);
  return child;
}

async function waitForDns(server, port, name, child) {
  for (let i = 0; i < 200; i++) {
    if (child && child.exitCode !== null) throw new Error(`${name}: server exited with ${child.exitCode}`);
    const r = spawnSync('dig', [`@${server}`, '-p', String(port), '+time=1', '+tries=1', '+short', name, 'A'], { encoding: 'utf8' });
    if (r.status === 0 && r.stdout.trim() !== '') return;
    await sleep(100);
  }
  throw new Error(`nothing answers ${name} on ${server}:${port}`);
}

// ---- roster -----------------------------------------------------------------------------------

async function startRoster() {
  // Its own process group, so dnsload.sh -S can account its CPU.
  const child = spawn(process.execPath, [bin, 'agent', '-dev', '-node', 'bench-dns', '-bind', ip, '-client', ip, '-log-level', 'warn'], {
    cwd: root,
    stdio: ['ignore', 'ignore', 'pipe'],
    detached: true,
  });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`roster exited with ${child.exitCode}: ${stderr}`);
    try {
      if ((await fetch(`http://${ip}:8500/v1/status/leader`)).ok) break;
    } catch {
      // not up yet
    }
    if (i > 400) throw new Error(`roster did not start: ${stderr}`);
    await sleep(50);
  }
  for (const body of registrations()) {
    const res = await fetch(`http://${ip}:8500/v1/catalog/register`, { method: 'PUT', body: JSON.stringify(body) });
    if (!res.ok) throw new Error(`register ${body.Node}: ${res.status} ${await res.text()}`);
  }
  await waitForDns(ip, ROSTER_PORT, 'web.service.consul', child);
  await waitForDns(ip, ROSTER_PORT, 'wide.service.consul', child);
  return child;
}

const loadAverage = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
const rssMb = (pid) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) / 1024;

// ---- load -------------------------------------------------------------------------------------

/** One dnsload.sh invocation: the SUMMARY line's median qps, p50, p99 and lost count. */
function dnsload(server, port, file, extra, label, pid) {
  const args = ['-s', server, '-p', String(port), '-f', file, '-l', String(secs), '-r', String(extra.runs ?? runs), '-L', label, ...(extra.args ?? [])];
  if (pid) args.push('-S', String(pid));
  const r = spawnSync('bash', [path.join(sharedBench, 'dnsload.sh'), ...args], { encoding: 'utf8' });
  const out = `${r.stdout}${r.stderr}`;
  const summary = /SUMMARY.*median (\d+) qps\s+avg ([\d.]+) ms\s+p50 ([\d.na/]+) ms\s+p99 ([\d.na/]+) ms\s+lost\(total\) (\d+)/.exec(out);
  if (r.status !== 0 || !summary) {
    console.log(out.trim());
    throw new Error(`dnsload failed for ${label}`);
  }
  const cpu = [...out.matchAll(/server (\d+|nan) dnsperf/g)].map((m) => m[1]);
  return { qps: Number(summary[1]), p50: summary[3], p99: summary[4], lost: Number(summary[5]), cpu: cpu.join('/') };
}

/** The middle element by key (the upper middle for an even count). */
const medianBy = (items, key) => [...items].sort((x, y) => key(x) - key(y))[Math.floor(items.length / 2)];
const pad = (s, n) => String(s).padEnd(n);
const fmt = (n) => (Number.isFinite(n) ? n.toLocaleString('en-US') : String(n));

async function main() {
  const files = writeQueryFiles();
  const started = spawnSync('bash', [path.join(sharedBench, 'dns-servers.sh'), 'start', 'dnsmasq'], { encoding: 'utf8' });
  if (started.status !== 0) skip(`dns-servers.sh start dnsmasq failed: ${started.stderr || started.stdout}`);
  let wide;
  let agent;
  try {
    wide = sets.some((s) => s.endsWith('50')) ? await startWideDnsmasq() : undefined;
    agent = await startRoster();
    const rssStart = rssMb(agent.pid);
    console.log(`roster agent -dev on ${ip}:${ROSTER_PORT} (pid ${agent.pid}), dnsmasq on 127.0.0.1:${DNSMASQ_PORT}/${DNSMASQ50_PORT}`);
    console.log(`dnsperf -c 4 -q 100 -T 1, ${secs}s × ${runs} runs at saturation, roster and dnsmasq interleaved (medians); ${secs}s × 1 at -Q ${rate}`);
    console.log(`load average at start: ${loadAverage()}\n`);
    const rows = [];
    let queries = 0;
    let rssWarm;
    for (const set of sets) {
      const file = files[set];
      if (!file) throw new Error(`unknown query set ${set}`);
      const masqPort = set.endsWith('50') ? DNSMASQ50_PORT : DNSMASQ_PORT;
      // Interleaved (roster, dnsmasq, roster, …) so drift in the machine's load hits both alike;
      // the ratio is the median of the per-pair ratios.
      const pairs = [];
      for (let i = 0; i < runs; i++) {
        pairs.push([dnsload(ip, ROSTER_PORT, file, { runs: 1 }, `roster ${set}`, agent.pid), dnsload('127.0.0.1', masqPort, file, { runs: 1 }, `dnsmasq ${set}`)]);
      }
      const ours = medianBy(pairs.map((p) => p[0]), (r) => r.qps);
      const theirs = medianBy(pairs.map((p) => p[1]), (r) => r.qps);
      const pairRatios = pairs.map(([o, t]) => o.qps / t.qps);
      queries += pairs.reduce((sum, [o]) => sum + o.qps * secs, 0);
      let oursAt = { p50: '-', p99: '-' };
      let theirsAt = { p50: '-', p99: '-' };
      if (withRate) {
        oursAt = dnsload(ip, ROSTER_PORT, file, { runs: 1, args: ['-Q', String(rate)] }, `roster ${set} @${rate}`);
        theirsAt = dnsload('127.0.0.1', masqPort, file, { runs: 1, args: ['-Q', String(rate)] }, `dnsmasq ${set} @${rate}`);
        queries += rate * secs;
      }
      const row = { set, ours, theirs, oursAt, theirsAt, ratio: medianBy(pairRatios, (r) => r) };
      // After the first set the heap is warm: growth from here on is what "flat" is judged by.
      rssWarm ??= { mb: rssMb(agent.pid), queries };
      rows.push(row);
      console.log(
        `${pad(set, 6)} roster ${pad(fmt(ours.qps), 7)} qps (cpu ${ours.cpu}%)  dnsmasq ${pad(fmt(theirs.qps), 7)} qps  ratio ${row.ratio.toFixed(2)} (pairs ${pairRatios.map((r) => r.toFixed(2)).join('/')})` +
          (withRate ? `  | @${rate} qps p50/p99 ms: roster ${oursAt.p50}/${oursAt.p99}  dnsmasq ${theirsAt.p50}/${theirsAt.p99}` : ''),
      );
    }
    const rssEnd = rssMb(agent.pid);
    console.log('\n| query set | roster qps | dnsmasq qps | roster/dnsmasq | roster p50 / p99 @' + rate + ' | dnsmasq p50 / p99 @' + rate + ' |');
    console.log('|---|---|---|---|---|---|');
    for (const r of rows) {
      console.log(`| ${r.set} | ${fmt(r.ours.qps)} | ${fmt(r.theirs.qps)} | ${r.ratio.toFixed(2)} | ${r.oursAt.p50} / ${r.oursAt.p99} ms | ${r.theirsAt.p50} / ${r.theirsAt.p99} ms |`);
    }
    const a = rows.find((r) => r.set === 'a');
    const srv = rows.find((r) => r.set === 'srv');
    if (a && srv) console.log(`\nSRV/A qps (roster): ${(srv.ours.qps / a.ours.qps).toFixed(2)}`);
    console.log(`load average at end: ${loadAverage()}`);
    console.log(`roster RSS: ${rssStart.toFixed(1)} MB at start, ${rssEnd.toFixed(1)} MB after ~${fmt(Math.round(queries))} queries`);
    if (rssWarm) console.log(`roster RSS once warm (after ~${fmt(Math.round(rssWarm.queries))} queries): ${rssWarm.mb.toFixed(1)} MB, at the end ${rssEnd.toFixed(1)} MB`);
  } finally {
    if (agent && agent.exitCode === null) {
      agent.kill('SIGTERM');
      await new Promise((r) => agent.once('exit', r));
    }
    if (wide && wide.exitCode === null) wide.kill('SIGTERM');
    spawnSync('bash', [path.join(sharedBench, 'dns-servers.sh'), 'stop', 'dnsmasq'], { stdio: 'ignore' });
  }
}

function fuzz() {
  if (process.argv.includes('--no-fuzz')) return;
  console.log('');
  spawnSync(process.execPath, ['--import', 'tsx', path.join(here, 'dns-fuzz.ts')], { cwd: root, stdio: 'inherit' });
}

main().then(fuzz, (err) => {
  console.error(err);
  process.exit(1);
});
