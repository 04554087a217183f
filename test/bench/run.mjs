#!/usr/bin/env node
// `npm run bench`: every benchmark, one after another. Figures and ratios are printed, never asserted.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
const args = process.argv.slice(2);
const sharedBench = process.env.ROSTER_SHARED_BENCH ?? path.resolve(here, '../../../shared/bench');
const onPath = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;

/** raft-kv.mjs compares against etcd: installs it with ../shared/bench/setup.sh if needed, else says why it is skipped. */
function raftKvSkipReason() {
  if (!existsSync(path.join(sharedBench, 'kvload.mjs'))) return `no load generator at ${sharedBench}/kvload.mjs (set ROSTER_SHARED_BENCH)`;
  if (args.includes('--no-etcd') || (onPath('etcd') && onPath('etcdctl'))) return null;
  const setup = path.join(sharedBench, 'setup.sh');
  if (!existsSync(setup)) return `etcd is not installed and there is no ${setup} to install it`;
  console.log(`etcd is not installed: running ${setup}`);
  const r = spawnSync('bash', [setup], { encoding: 'utf8' });
  if (r.status !== 0 || !onPath('etcd') || !onPath('etcdctl')) {
    const why = `${r.stderr ?? ''}${r.stdout ?? ''}`.trim().split('\n').slice(-3).join(' | ');
    return `etcd could not be installed (setup.sh exit ${r.status}${why ? `: ${why}` : ''}); run with --no-etcd for roster figures alone`;
  }
  return null;
}

/** dns.mjs drives dnsperf against roster and dnsmasq: says why it cannot when they are missing. */
function dnsSkipReason() {
  if (!existsSync(path.join(sharedBench, 'dnsload.sh'))) return `no DNS load generator at ${sharedBench}/dnsload.sh (set ROSTER_SHARED_BENCH)`;
  if (onPath('dnsperf') && onPath('dnsmasq')) return null;
  if (process.getuid?.() === 0) return null; // dns.mjs runs setup.sh itself
  return `dnsperf or dnsmasq is not installed (run ${path.join(sharedBench, 'setup.sh')} as root)`;
}

const benches = [
  { file: 'agent-dev.mjs' },
  { file: 'dns.mjs', skipReason: dnsSkipReason },
  { file: 'gossip.ts' },
  { file: 'raft-kv.mjs', skipReason: raftKvSkipReason },
  { file: 'checks.mjs' },
];
let failed = false;
for (const { file, skipReason } of benches) {
  console.log(`### ${file}`);
  const why = skipReason?.();
  if (why) {
    console.log(`skipped: ${why}`);
    continue;
  }
  const result = spawnSync(process.execPath, [...(file.endsWith('.ts') ? ['--import', 'tsx'] : []), `${here}${file}`, ...args], { stdio: 'inherit' });
  failed ||= result.status !== 0;
}
process.exit(failed ? 1 : 0);
