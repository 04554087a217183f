// Three real server processes on 127.0.0.61-63 forming a Raft cluster with -bootstrap-expect:
// writes through followers, SIGKILL of the leader, restart with the same data dir, catch-up by
// snapshot, and a torn WAL tail repaired on start.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { waitFor as waitUntil } from '../helpers/wait.js';
import { roster, startAgentProcess, recentLogs, type AgentProcess } from '../helpers/agent-process.js';

const IPS = ['127.0.0.61', '127.0.0.62', '127.0.0.63'];
const root = mkdtempSync(join(tmpdir(), 'roster-raft-'));
const agents = new Map<string, AgentProcess>();
const configFile = join(root, 'raft.json');
// Small snapshot threshold so a server that misses a few hundred writes is sent a snapshot.
writeFileSync(configFile, JSON.stringify({ raft_snapshot_threshold: 64, raft_snapshot_interval: '100ms', raft_trailing_logs: 16 }));

function start(ip: string, expect = true): Promise<AgentProcess> {
  const n = ip.split('.').pop()!;
  const args = ['-server', ...(expect ? ['-bootstrap-expect', '3'] : []), '-node', `s${n}`, '-data-dir', join(root, `s${n}`), '-retry-join', IPS[0]!, '-retry-interval', '1s', '-config-file', configFile];
  return startAgentProcess(ip, args).then((agent) => {
    agents.set(ip, agent);
    return agent;
  });
}

/** Waits with the agents' recent logs in the failure message. */
const waitFor = <T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> =>
  waitUntil(what, probe, { timeoutMs, intervalMs: 150, context: () => recentLogs(agents) });

async function api(ip: string, path: string, init?: RequestInit): Promise<Response> {
  return fetch(`http://${ip}:8500${path}`, { ...init, signal: AbortSignal.timeout(15_000) });
}

/** The leader's RPC address as `ip` sees it, once there is one. */
const leaderSeenBy = (ip: string): Promise<string> =>
  waitFor(`a leader seen by ${ip}`, async () => {
    const leader = (await (await api(ip, '/v1/status/leader')).json()) as string;
    return leader ? leader : undefined;
  });

async function put(ip: string, key: string, value: string): Promise<void> {
  const res = await api(ip, `/v1/kv/${key}`, { method: 'PUT', body: value });
  assert.equal(res.status, 200, await res.text());
}

async function get(ip: string, key: string, mode = ''): Promise<string | undefined> {
  const res = await api(ip, `/v1/kv/${key}?raw${mode ? `&${mode}` : ''}`);
  if (res.status === 404) return undefined;
  assert.equal(res.status, 200);
  return res.text();
}

describe('a 3-server Raft cluster', { timeout: 180_000 }, () => {
  before(async () => {
    await Promise.all(IPS.map((ip) => start(ip)));
    await Promise.all(IPS.map(leaderSeenBy));
  });

  after(async () => {
    for (const agent of agents.values()) await agent.stop('SIGKILL');
    rmSync(root, { recursive: true, force: true });
  });

  it('bootstraps once all three are in the pool, with every server a voter', async () => {
    const peers = (await (await api(IPS[1]!, '/v1/status/peers')).json()) as string[];
    assert.deepEqual([...peers].sort(), IPS.map((ip) => `${ip}:8300`).sort());
    const leaders = await Promise.all(IPS.map(leaderSeenBy));
    assert.equal(new Set(leaders).size, 1, 'all servers agree on the leader');
  });

  it('takes writes at a follower and serves them from every server, consistent reads included', async () => {
    const leader = (await leaderSeenBy(IPS[0]!)).split(':')[0]!;
    const follower = IPS.find((ip) => ip !== leader)!;
    await put(follower, 'cluster/a', 'one');
    for (const ip of IPS) assert.equal(await get(ip, 'cluster/a', 'consistent'), 'one');
    for (const ip of IPS) assert.equal(await get(ip, 'cluster/a'), 'one');
  });

  it('survives SIGKILL of the leader: a new leader, nothing acknowledged lost, and the old one catches up on restart', async () => {
    const oldLeader = (await leaderSeenBy(IPS[0]!)).split(':')[0]!;
    for (let i = 0; i < 20; i++) await put(oldLeader, `before/${i}`, `v${i}`);
    await agents.get(oldLeader)!.stop('SIGKILL');
    const survivors = IPS.filter((ip) => ip !== oldLeader);
    const newLeader = await waitFor('a new leader', async () => {
      const seen = await leaderSeenBy(survivors[0]!);
      return seen.startsWith(`${oldLeader}:`) ? undefined : seen;
    });
    assert.notEqual(newLeader.split(':')[0], oldLeader);
    for (let i = 0; i < 20; i++) assert.equal(await get(survivors[1]!, `before/${i}`, 'consistent'), `v${i}`);
    await put(survivors[0]!, 'after/kill', 'yes');

    await start(oldLeader);
    assert.equal(await waitFor('the restarted server to catch up', () => get(oldLeader, 'after/kill', 'stale')), 'yes');
    assert.equal(await get(oldLeader, 'before/19', 'stale'), 'v19');
  });

  it('sends a snapshot to a server that missed more than the retained log', async () => {
    const leader = (await leaderSeenBy(IPS[0]!)).split(':')[0]!;
    const victim = IPS.find((ip) => ip !== leader)!;
    await agents.get(victim)!.stop('SIGKILL');
    // Enough writes to pass the threshold (64) several times over with 16 trailing entries kept.
    for (let i = 0; i < 300; i++) await put(leader, `bulk/${i}`, `b${i}`);
    const restarted = await start(victim);
    assert.equal(await waitFor('the snapshot to arrive', () => get(victim, 'bulk/299', 'stale')), 'b299');
    assert.equal(await get(victim, 'bulk/0', 'stale'), 'b0');
    assert.match(restarted.logs(), /installed snapshot from the leader/);
  });

  it('lists the peers and hands leadership over on request', async () => {
    const listed = await roster(['operator', 'raft', 'list-peers', '--http-addr', `${IPS[1]}:8500`]);
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, /Node\s+ID\s+Address\s+State\s+Voter/);
    assert.equal(listed.stdout.match(/\bleader\b/g)?.length, 1);
    assert.equal(listed.stdout.match(/\btrue\b/g)?.length, 3, 'three voters');

    const config = (await (await api(IPS[0]!, '/v1/operator/raft/configuration')).json()) as { Servers: { ID: string; Address: string; Leader: boolean }[] };
    const target = config.Servers.find((s) => !s.Leader)!;
    const moved = await roster(['operator', 'raft', 'transfer-leader', `-id=${target.ID}`, '--http-addr', `${IPS[2]}:8500`]);
    assert.equal(moved.code, 0, moved.stderr);
    assert.equal(await waitFor('the transfer', async () => ((await leaderSeenBy(IPS[0]!)) === target.Address ? true : undefined)), true);
  });

  it('saves a snapshot and restores it through Raft on every server', async () => {
    const file = join(root, 'backup.snap');
    await put(IPS[0]!, 'snap/kept', 'old');
    const saved = await roster(['snapshot', 'save', file, '--http-addr', `${IPS[1]}:8500`]);
    assert.equal(saved.code, 0, saved.stderr);
    assert.match(saved.stdout, /Saved and verified snapshot to index \d+/);
    await put(IPS[0]!, 'snap/kept', 'new');
    await put(IPS[0]!, 'snap/later', 'x');
    const restored = await roster(['snapshot', 'restore', file, '--http-addr', `${IPS[2]}:8500`]);
    assert.equal(restored.code, 0, restored.stderr);
    for (const ip of IPS) {
      assert.equal(await get(ip, 'snap/kept', 'consistent'), 'old');
      assert.equal(await get(ip, 'snap/later', 'consistent'), undefined);
    }
  });

  it('adds a server that joins later as a non-voter, promotes it, and removes it when it leaves', async () => {
    const late = '127.0.0.64';
    await start(late, false);
    const voters = async () => {
      const config = (await (await api(IPS[0]!, '/v1/operator/raft/configuration')).json()) as { Servers: { Address: string; Voter: boolean }[] };
      return config.Servers.filter((s) => s.Voter).map((s) => s.Address);
    };
    await waitFor('the late server to become a voter', async () => ((await voters()).includes(`${late}:8300`) ? true : undefined), 40_000);
    assert.equal(await waitFor('it to catch up', () => get(late, 'cluster/a', 'stale')), 'one');

    const left = await roster(['leave', '--http-addr', `${late}:8500`]);
    assert.equal(left.code, 0, left.stderr);
    await waitFor('the leaver to be removed', async () => ((await voters()).includes(`${late}:8300`) ? undefined : true), 30_000);
    assert.equal((await voters()).length, 3);
  });

  it('repairs a torn last WAL record on start and catches up', async () => {
    const leader = (await leaderSeenBy(IPS[0]!)).split(':')[0]!;
    const victim = IPS.find((ip) => ip !== leader)!;
    await put(leader, 'torn/before', 'x');
    await waitFor('the write to reach the victim', () => get(victim, 'torn/before', 'stale'));
    await agents.get(victim)!.stop('SIGKILL');
    const walDir = join(root, `s${victim.split('.').pop()}`, 'raft', 'wal');
    const segments = readdirSync(walDir).filter((f) => f.endsWith('.wal')).sort();
    const last = join(walDir, segments.at(-1)!);
    // Cut the last record in half, as a crash in the middle of a write would.
    truncateSync(last, statSync(last).size - 7);
    await put(leader, 'torn/after', 'y');
    const restarted = await start(victim);
    assert.equal(await waitFor('the repaired server to catch up', () => get(victim, 'torn/after', 'stale')), 'y');
    assert.equal(await get(victim, 'torn/before', 'stale'), 'x');
    assert.match(restarted.logs(), /torn/i);
  });
});
