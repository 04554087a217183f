#!/usr/bin/env node
// Agent figures: `roster agent -dev` start to first DNS answer, `roster members` wall time, idle RSS.
// Usage: node test/bench/agent-dev.mjs [--runs 5] [--ip 127.0.0.31]
// Not a test: prints medians. Run after `npm run build`.
import { spawn, execFileSync } from 'node:child_process';
import { Resolver } from 'node:dns/promises';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const bin = `${root}bin/run.js`;
const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i === -1 ? fallback : process.argv[i + 1];
};
const runs = Number(arg('--runs', 5));
const ip = arg('--ip', '127.0.0.31');
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function firstAnswer(started, child) {
  const resolver = new Resolver({ timeout: 200, tries: 1 });
  resolver.setServers([`${ip}:8600`]);
  for (;;) {
    if (child.exitCode !== null) throw new Error(`agent exited with ${child.exitCode}`);
    try {
      const answer = await resolver.resolve4('consul.service.consul');
      if (answer.length) return performance.now() - started;
    } catch {
      await sleep(2);
    }
  }
}

function rssMb(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)[1]) / 1024;
}

const startup = [];
const members = [];
const rss = [];
for (let run = 0; run < runs; run++) {
  const started = performance.now();
  const child = spawn(process.execPath, [bin, 'agent', '-dev', '-bind', ip, '-client', ip, '-log-level', 'warn'], { stdio: 'ignore' });
  try {
    startup.push(await firstAnswer(started, child));
    for (let i = 0; i < 3; i++) {
      const t = performance.now();
      execFileSync(process.execPath, [bin, 'members', '-http-addr', `${ip}:8500`], { stdio: 'ignore' });
      members.push(performance.now() - t);
    }
    await sleep(2000);
    rss.push(rssMb(child.pid));
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }
}
console.log(`agent -dev start to first DNS answer: median ${median(startup).toFixed(0)} ms (runs: ${startup.map((x) => x.toFixed(0)).join(', ')})`);
console.log(`roster members wall time: median ${median(members).toFixed(0)} ms (n=${members.length})`);
console.log(`agent RSS idle: median ${median(rss).toFixed(1)} MB`);
