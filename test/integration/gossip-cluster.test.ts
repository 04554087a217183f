// Five real `roster agent` processes (LAN profile, not -dev) on 127.0.0.91–.95: three servers
// bootstrapping Raft, two more servers joining. SIGKILL, SIGSTOP/SIGCONT, restart from the serf
// snapshot, graceful leave, as seen in every agent's members and in the catalog.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DefaultLANConfig, suspicionConfirmationsWanted, suspicionMinTimeout, suspicionTimeout } from '../../src/gossip/core/index.js';
import { roster, startAgentProcess, type AgentProcess } from '../helpers/agent-process.js';

const ALIVE = 1;
const LEFT = 3;
const FAILED = 4;
const IPS = ['127.0.0.91', '127.0.0.92', '127.0.0.93', '127.0.0.94', '127.0.0.95'];
const name = (ip: string): string => `s${ip.slice(-1)}`;

const dirs: string[] = [];
const running = new Map<string, AgentProcess>();

function argsFor(ip: string, dataDir: string, join: boolean): string[] {
  const args = ['-server', '-node', name(ip), '-data-dir', dataDir];
  if (IPS.indexOf(ip) < 3) args.push('-bootstrap-expect', '3');
  if (join) args.push('-retry-join', IPS[0]!, '-retry-interval', '1s');
  return args;
}

async function start(ip: string, dataDir: string, join: boolean): Promise<AgentProcess> {
  const a = await startAgentProcess(ip, argsFor(ip, dataDir, join));
  running.set(ip, a);
  return a;
}

async function eventually(what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<number> {
  const started = Date.now();
  for (;;) {
    try {
      if (await check()) return Date.now() - started;
    } catch {
      // an agent busy or restarting: try again
    }
    if (Date.now() - started > timeoutMs) {
      const logs = [...running.entries()].map(([ip, a]) => `--- ${ip}\n${a.logs().split('\n').slice(-15).join('\n')}`).join('\n');
      throw new Error(`timed out after ${timeoutMs} ms waiting for: ${what}\n${logs}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function members(a: AgentProcess): Promise<Record<string, number>> {
  const list = (await (await fetch(`http://${a.httpAddr}/v1/agent/members`, { signal: AbortSignal.timeout(2_000) })).json()) as { Name: string; Status: number }[];
  return Object.fromEntries(list.map((m) => [m.Name, m.Status]));
}

/** Every agent in `observers` sees `node` with `status`. */
async function allSee(observers: AgentProcess[], node: string, status: number): Promise<boolean> {
  for (const o of observers) if ((await members(o))[node] !== status) return false;
  return true;
}

async function serfHealth(a: AgentProcess, node: string): Promise<string | undefined> {
  const res = await fetch(`http://${a.httpAddr}/v1/health/node/${node}`, { signal: AbortSignal.timeout(2_000) });
  const checks = (await res.json()) as { CheckID: string; Status: string }[] | null;
  return checks?.find((c) => c.CheckID === 'serfHealth')?.Status;
}

describe('five real agents gossiping (LAN profile)', () => {
  after(async () => {
    await Promise.all([...running.values()].map((a) => a.stop('SIGKILL')));
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('SIGKILL → failed and critical; SIGSTOP past the suspicion timeout → failed, then alive by itself; restart from the snapshot; leave → left', async (t) => {
    const c = DefaultLANConfig;
    const n = IPS.length;
    const min = suspicionMinTimeout(c.suspicionMult, n, c.probeInterval); // 4 s
    const max = c.suspicionMaxTimeoutMult * min; // 24 s
    // Four live probers each reach the victim within a round of n−1 probes, so a suspicion gets
    // at least one independent confirmation; allow a probe round before it and a second for gossip.
    const detectBound = (n - 1) * c.probeInterval + suspicionTimeout(1, suspicionConfirmationsWanted(c.suspicionMult, n), min, max) + 2_000;
    for (let i = 0; i < n; i++) dirs.push(mkdtempSync(join(tmpdir(), 'roster-gossip-cluster-')));
    const agents = await Promise.all(IPS.map((ip, i) => start(ip, dirs[i]!, true)));
    const [s1, s2, s3, s4] = agents as [AgentProcess, AgentProcess, AgentProcess, AgentProcess, AgentProcess];
    const formed = await eventually('all five see five alive', async () => {
      for (const a of agents) if (Object.values(await members(a)).filter((s) => s === ALIVE).length !== n) return false;
      return true;
    }, 20_000);
    t.diagnostic(`formed in ${formed} ms`);
    await eventually('a leader, and s5 passing in the catalog', async () => (await serfHealth(s1, 's5')) === 'passing', 20_000);

    // ---- SIGKILL s5 ----
    const s5pid = running.get(IPS[4]!)!.child.pid!;
    process.kill(s5pid, 'SIGKILL');
    await running.get(IPS[4]!)!.stop('SIGKILL');
    running.delete(IPS[4]!);
    const live4 = [s1, s2, s3, s4];
    const detected = await eventually('the other four see s5 failed', () => allSee(live4, 's5', FAILED), detectBound + 5_000);
    t.diagnostic(`SIGKILL s5: failed on all four after ${detected} ms (bound ${detectBound} ms; suspicion ${min}..${max} ms)`);
    assert.ok(detected <= detectBound, `detected after ${detected} ms, more than ${detectBound} ms`);
    for (const a of live4) assert.equal((await members(a))['s4'], ALIVE, 'no collateral');
    await eventually('s5 serfHealth critical in the catalog', async () => (await serfHealth(s1, 's5')) === 'critical', 10_000);

    // ---- SIGSTOP s4 briefly, well inside the suspicion window: it must never be declared failed ----
    process.kill(s4.child.pid!, 'SIGSTOP');
    let sawFailed = false;
    try {
      const until = Date.now() + 1_500;
      while (Date.now() < until) {
        for (const a of [s1, s2, s3]) if ((await members(a))['s4'] === FAILED) sawFailed = true;
        await new Promise((r) => setTimeout(r, 100));
      }
    } finally {
      process.kill(s4.child.pid!, 'SIGCONT');
    }
    // Past the time a suspicion raised during the pause would have taken to expire.
    const settleUntil = Date.now() + min;
    while (Date.now() < settleUntil) {
      for (const a of [s1, s2, s3]) if ((await members(a))['s4'] === FAILED) sawFailed = true;
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.equal(sawFailed, false, 'a 1.5 s pause is not a failure');

    // ---- SIGSTOP s4 past the suspicion timeout, then SIGCONT: it refutes by itself ----
    const s4pid = s4.child.pid!;
    process.kill(s4pid, 'SIGSTOP');
    let continued = false;
    try {
      const failedIn = await eventually('s1–s3 see the stopped s4 failed', () => allSee([s1, s2, s3], 's4', FAILED), max + 5_000);
      t.diagnostic(`SIGSTOP s4: failed everywhere after ${failedIn} ms`);
    } finally {
      process.kill(s4pid, 'SIGCONT');
      continued = true;
    }
    assert.ok(continued);
    const back = await eventually('s4 alive again everywhere, by itself', () => allSee([s1, s2, s3, s4], 's4', ALIVE), 10_000);
    t.diagnostic(`SIGCONT s4: alive everywhere after ${back} ms`);
    await eventually('s4 passing again', async () => (await serfHealth(s1, 's4')) === 'passing', 10_000);
    for (const a of [s1, s2, s3]) assert.equal((await members(a))['s5'], FAILED, 's5 is still failed');

    // ---- restart s5 on its data dir, without -retry-join: the serf snapshot rejoins it ----
    const s5 = await start(IPS[4]!, dirs[4]!, false);
    assert.ok(!argsFor(IPS[4]!, dirs[4]!, false).includes('-retry-join'));
    const rejoined = await eventually('s5 alive again everywhere', () => allSee([s1, s2, s3, s4, s5], 's5', ALIVE), 15_000);
    t.diagnostic(`restart s5 (no -retry-join): alive everywhere after ${rejoined} ms`);
    await eventually('s5 passing again', async () => (await serfHealth(s1, 's5')) === 'passing', 10_000);

    // ---- graceful leave of s5: left, not failed, everywhere ----
    const leave = await roster(['leave', '-http-addr', s5.httpAddr]);
    assert.equal(leave.code, 0, leave.stderr);
    const left = await eventually('s5 left on the other four', () => allSee(live4, 's5', LEFT), 10_000);
    t.diagnostic(`leave s5: left everywhere after ${left} ms`);
    await new Promise((r) => setTimeout(r, 2 * c.probeInterval));
    for (const a of live4) assert.equal((await members(a))['s5'], LEFT, 'still left, never failed');
  });
});
