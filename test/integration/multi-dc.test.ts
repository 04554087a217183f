// Issue #8's picture with real processes: two datacenters of three servers each (dc1 on
// 127.0.0.141-143, dc2 on .144-146) and one client agent in each (.147 in dc1, .148 in dc2),
// federated over WAN gossip by one `roster join -wan`. Cross-datacenter reads and writes go
// through ?dc=; a WAN partition (every dc2 server stopped) is a clear error and heals.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { waitFor as waitUntil } from '../helpers/wait.js';
import { dig, roster, startAgentProcess, startDevAgent, recentLogs, type AgentProcess } from '../helpers/agent-process.js';

const DC1 = ['127.0.0.141', '127.0.0.142', '127.0.0.143'];
const DC2 = ['127.0.0.144', '127.0.0.145', '127.0.0.146'];
const CLIENT1 = '127.0.0.147';
const CLIENT2 = '127.0.0.148';
const root = mkdtempSync(join(tmpdir(), 'roster-multi-dc-'));
const agents = new Map<string, AgentProcess>();

function start(ip: string, dc: 'dc1' | 'dc2', server: boolean): Promise<AgentProcess> {
  const n = ip.split('.').pop()!;
  const peers = dc === 'dc1' ? DC1 : DC2;
  const args = [
    ...(server ? ['-server', '-bootstrap-expect', '3'] : []),
    '-datacenter', dc,
    '-node', server ? `s${n}` : `c${n}`,
    '-data-dir', join(root, n),
    ...peers.flatMap((s) => ['-retry-join', s]), '-retry-interval', '1s',
  ];
  return startAgentProcess(ip, args).then((agent) => (agents.set(ip, agent), agent));
}

const waitFor = <T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> =>
  waitUntil(what, probe, { timeoutMs, intervalMs: 150, context: () => recentLogs(agents) });

const api = (ip: string, path: string, init?: RequestInit) => fetch(`http://${ip}:8500${path}`, { ...init, signal: AbortSignal.timeout(30_000) });

describe('two datacenters over WAN gossip', { timeout: 120_000 }, () => {
  before(async () => {
    await Promise.all([...DC1.map((ip) => start(ip, 'dc1', true)), ...DC2.map((ip) => start(ip, 'dc2', true))]);
    await Promise.all([start(CLIENT1, 'dc1', false), start(CLIENT2, 'dc2', false)]);
    for (const ip of [CLIENT1, CLIENT2]) {
      await waitFor(`${ip} to know its leader`, async () => ((await (await api(ip, '/v1/status/leader')).json()) ? true : undefined));
    }
  });

  after(async () => {
    for (const agent of agents.values()) {
      agent.child.kill('SIGCONT');
      await agent.stop('SIGKILL');
    }
    rmSync(root, { recursive: true, force: true });
  });

  it('one `join -wan` federates every server of both datacenters', async () => {
    const joined = await roster(['join', '-wan', DC2[0]!, '--http-addr', `${DC1[0]}:8500`]);
    assert.equal(joined.code, 0, joined.stderr);
    assert.match(joined.stdout, /Successfully joined cluster by contacting 1 nodes/);
    // The rest of each datacenter's servers come in by flood join.
    const names = await waitFor('all six servers in the WAN pool', async () => {
      const r = await roster(['members', '-wan', '--http-addr', `${DC1[1]}:8500`]);
      const alive = r.stdout.split('\n').filter((l) => / alive /.test(l)).map((l) => l.split(/\s+/)[0]!).sort();
      return alive.length === 6 ? alive : undefined;
    });
    assert.deepEqual(names, ['s141.dc1', 's142.dc1', 's143.dc1', 's144.dc2', 's145.dc2', 's146.dc2']);
    // A client agent has no WAN pool.
    const fromClient = await roster(['members', '-wan', '--http-addr', `${CLIENT1}:8500`]);
    assert.notEqual(fromClient.code, 0);
  });

  it('lists the datacenters nearest first, own first, from servers and clients', async () => {
    for (const [ip, expected] of [[DC1[0]!, 'dc1\ndc2\n'], [CLIENT1, 'dc1\ndc2\n'], [DC2[2]!, 'dc2\ndc1\n'], [CLIENT2, 'dc2\ndc1\n']] as const) {
      const out = await waitFor(`catalog datacenters at ${ip}`, async () => {
        const r = await roster(['catalog', 'datacenters', '--http-addr', `${ip}:8500`]);
        return r.code === 0 && r.stdout === expected ? r.stdout : undefined;
      });
      assert.equal(out, expected);
    }
    // WAN coordinates come with gossip probes: a loaded machine may not have dc2's yet.
    const areas = await waitFor('WAN coordinates of both datacenters at the client', async () => {
      const coords = (await (await api(CLIENT1, '/v1/coordinate/datacenters')).json()) as { Datacenter: string; AreaID: string }[];
      return coords.length === 2 ? coords.map((c) => [c.Datacenter, c.AreaID]) : undefined;
    });
    assert.deepEqual(areas, [['dc1', 'wan'], ['dc2', 'wan']]);
  });

  it('a service registered in dc2 is found from dc1, at a server and at the client', async () => {
    const reg = await api(CLIENT2, '/v1/agent/service/register', { method: 'PUT', body: JSON.stringify({ Name: 'web', Port: 8080 }) });
    assert.equal(reg.status, 200);
    for (const ip of [DC1[0]!, CLIENT1]) {
      const entries = await waitFor(`web@dc2 seen from ${ip}`, async () => {
        const res = await api(ip, '/v1/health/service/web?dc=dc2&passing');
        if (res.status !== 200) return undefined;
        const list = (await res.json()) as { Node: { Node: string; Datacenter: string }; Service: { Port: number } }[];
        return list.length ? list : undefined;
      });
      assert.deepEqual(entries.map((e) => [e.Node.Node, e.Node.Datacenter, e.Service.Port]), [['c148', 'dc2', 8080]]);
    }
    // DNS in dc1 answers for dc2's instances, at a server and at a client; an unknown dc is NXDOMAIN.
    for (const ip of [DC1[0]!, CLIENT1]) {
      const answer = await dig([`@${ip}`, '-p', '8600', 'web.service.dc2.consul', '+short']);
      assert.deepEqual(answer.split('\n').filter(Boolean), [CLIENT2]);
      const srv = await dig([`@${ip}`, '-p', '8600', 'web.service.dc2.consul', 'SRV', '+short']);
      assert.match(srv, /^1 1 8080 c148\.node\.dc2\.consul\.$/m);
    }
    assert.match(await dig([`@${CLIENT1}`, '-p', '8600', 'web.service.dc7.consul']), /status: NXDOMAIN/);
    assert.deepEqual((await dig([`@${DC1[1]!}`, '-p', '8600', 'c148.node.dc2.consul', '+short'])).split('\n').filter(Boolean), [CLIENT2]);
    // dc1 itself has no web, and an unknown datacenter is Consul's error.
    assert.deepEqual(await (await api(DC1[0]!, '/v1/health/service/web')).json(), []);
    const unknown = await api(CLIENT1, '/v1/health/service/web?dc=dc7');
    assert.equal(unknown.status, 500);
    assert.equal(await unknown.text(), 'No path to datacenter');
  });

  it('a KV write with ?dc=dc2 lands in dc2 only; a blocking read across sees the next write', async () => {
    const put = await api(CLIENT1, '/v1/kv/shared/color?dc=dc2', { method: 'PUT', body: 'green' });
    assert.equal(put.status, 200, await put.text());
    assert.equal(await (await api(DC2[1]!, '/v1/kv/shared/color?raw&consistent')).text(), 'green');
    assert.equal((await api(DC1[1]!, '/v1/kv/shared/color')).status, 404);

    const first = await api(DC1[2]!, '/v1/kv/shared/color?dc=dc2');
    const index = Number(first.headers.get('x-consul-index'));
    const started = Date.now();
    const blocked = api(CLIENT1, `/v1/kv/shared/color?dc=dc2&index=${index}&wait=10s&raw`);
    await new Promise((r) => setTimeout(r, 500));
    assert.equal((await api(CLIENT2, '/v1/kv/shared/color', { method: 'PUT', body: 'red' })).status, 200);
    const woke = await blocked;
    assert.equal(await woke.text(), 'red');
    assert.ok(Date.now() - started < 8_000, 'woken by the write, not by the wait running out');
  });

  it('a WAN partition (every dc2 server stopped) is a clear error, and heals', async () => {
    for (const ip of DC2) agents.get(ip)!.child.kill('SIGSTOP');
    try {
      const started = Date.now();
      const res = await api(DC1[0]!, '/v1/health/service/web?dc=dc2');
      const text = await res.text();
      assert.equal(res.status, 500);
      assert.match(text, /^No path to datacenter: no server of dc2 answered/);
      assert.ok(Date.now() - started < 12_000, `error after ${Date.now() - started} ms`);
      // dc1 keeps serving itself meanwhile.
      assert.equal((await api(CLIENT1, '/v1/kv/shared/color')).status, 404);
      const viaClient = await api(CLIENT1, '/v1/health/service/web?dc=dc2');
      assert.equal(viaClient.status, 500);
      assert.match(await viaClient.text(), /^No path to datacenter/);
    } finally {
      for (const ip of DC2) agents.get(ip)!.child.kill('SIGCONT');
    }
    const healed = await waitFor('dc2 reachable again', async () => {
      const res = await api(CLIENT1, '/v1/health/service/web?dc=dc2&passing');
      return res.status === 200 ? ((await res.json()) as unknown[]) : undefined;
    });
    assert.equal(healed.length, 1);
  });
});

describe('-join-wan at start, and force-leave -wan', { timeout: 60_000 }, () => {
  const A = '127.0.0.181';
  const B = '127.0.0.182';
  const devs: AgentProcess[] = [];
  before(async () => {
    devs.push(await startDevAgent(A, ['-datacenter', 'east']));
    // -join-wan is Consul's deprecated alias of -retry-join-wan.
    devs.push(await startDevAgent(B, ['-datacenter', 'west', '-join-wan', A, '-retry-interval-wan', '1s']));
  });
  after(async () => {
    for (const agent of devs) await agent.stop('SIGKILL');
  });

  it('a server started with -join-wan federates by itself', async () => {
    const names = await waitFor('both servers in the WAN pool', async () => {
      const r = await roster(['members', '-wan', '--http-addr', `${A}:8500`]);
      const alive = r.stdout.split('\n').filter((l) => / alive /.test(l)).map((l) => l.split(/\s+/)[0]!).sort();
      return alive.length === 2 ? alive : undefined;
    });
    assert.deepEqual(names, ['dev-181.east', 'dev-182.west']);
    const dcs = await roster(['catalog', 'datacenters', '--http-addr', `${B}:8500`]);
    assert.equal(dcs.stdout, 'west\neast\n');
  });

  it('force-leave -wan names WAN members as <node>.<dc>', async () => {
    const ghost = await roster(['force-leave', '-wan', 'ghost.west', '--http-addr', `${A}:8500`]);
    assert.equal(ghost.code, 1);
    assert.match(ghost.stderr, /No node found with name 'ghost\.west'/);
    // A LAN name is not a WAN member.
    const lanName = await roster(['force-leave', '-wan', 'dev-182', '--http-addr', `${A}:8500`]);
    assert.equal(lanName.code, 1);
    // An alive member is left alone (it would refute the claim), as with Consul.
    const alive = await roster(['force-leave', '-wan', 'dev-182.west', '--http-addr', `${A}:8500`]);
    assert.equal(alive.code, 0, alive.stderr);
    const r = await roster(['members', '-wan', '--http-addr', `${A}:8500`]);
    assert.match(r.stdout, /dev-182\.west\s+\S+\s+alive/);
  });
});
