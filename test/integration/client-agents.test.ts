// Issue #5's picture with real processes: 3 servers on 127.0.0.121-123 and two client agents
// ("machines") on .124 and .125. Services register with the agent on their own machine; any
// agent answers for the whole catalog; killing a machine's agent affects only its services.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { waitFor as waitUntil } from '../helpers/wait.js';
import { dig, roster, startAgentProcess, recentLogs, type AgentProcess } from '../helpers/agent-process.js';

const SERVERS = ['127.0.0.121', '127.0.0.122', '127.0.0.123'];
const APP1 = '127.0.0.124';
const APP2 = '127.0.0.125';
const root = mkdtempSync(join(tmpdir(), 'roster-clients-'));
const agents = new Map<string, AgentProcess>();
let web: Server;

function start(ip: string, server: boolean): Promise<AgentProcess> {
  const n = ip.split('.').pop()!;
  const args = [
    ...(server ? ['-server', '-bootstrap-expect', '3'] : []),
    '-node', server ? `s${n}` : `app${n}`,
    '-data-dir', join(root, n),
    ...SERVERS.flatMap((s) => ['-retry-join', s]), '-retry-interval', '1s',
  ];
  return startAgentProcess(ip, args).then((agent) => (agents.set(ip, agent), agent));
}

/** The answers once there are some (undefined until then), from a single query. */
const someAnswers = async (ip: string, name: string): Promise<string[] | undefined> => {
  const got = await answers(ip, name);
  return got.length ? got : undefined;
};

const answers = async (ip: string, name: string): Promise<string[]> =>
  (await dig([`@${ip}`, '-p', '8600', name, '+short', '+time=2', '+tries=1'])).split('\n').filter(Boolean).sort();

/** Waits with the agents' recent logs in the failure message. */
const waitFor = <T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> =>
  waitUntil(what, probe, { timeoutMs, intervalMs: 150, context: () => recentLogs(agents) });

const api = (ip: string, path: string, init?: RequestInit) => fetch(`http://${ip}:8500${path}`, { ...init, signal: AbortSignal.timeout(20_000) });

describe('client agents and servers', { timeout: 180_000 }, () => {
  before(async () => {
    web = createServer((_req, res) => res.end('ok'));
    await new Promise<void>((resolve) => web.listen(0, APP2, resolve));
    await Promise.all(SERVERS.map((ip) => start(ip, true)));
    await Promise.all([start(APP1, false), start(APP2, false)]);
    // Clients know a leader once their catalog stream from a server has started.
    for (const ip of [APP1, APP2]) {
      await waitFor(`${ip} to know the leader`, async () => ((await (await api(ip, '/v1/status/leader')).json()) ? true : undefined));
    }
  });

  after(async () => {
    for (const agent of agents.values()) await agent.stop('SIGKILL');
    await new Promise((resolve) => web.close(resolve));
    rmSync(root, { recursive: true, force: true });
  });

  it('lists servers and clients in the pool, and every node in the catalog', async () => {
    const members = await roster(['members', '--http-addr', `${APP1}:8500`]);
    assert.equal(members.code, 0, members.stderr);
    assert.equal(members.stdout.match(/\bserver\b/g)?.length, 3);
    assert.equal(members.stdout.match(/\bclient\b/g)?.length, 2);
    const nodes = await waitFor('every node in the catalog', async () => {
      const list = (await (await api(APP1, '/v1/catalog/nodes')).json()) as { Node: string }[];
      return list.length === 5 ? list.map((n) => n.Node).sort() : undefined;
    });
    assert.deepEqual(nodes, ['app124', 'app125', 's121', 's122', 's123']);
  });

  it('a service registered on one machine is answered by every agent, with its health', async () => {
    const port = (web.address() as { port: number }).port;
    const file = join(root, 'web.json');
    writeFileSync(file, JSON.stringify({ service: { name: 'web', port: 8080, check: { http: `http://${APP2}:${port}/health`, interval: '500ms' } } }));
    const registered = await roster(['services', 'register', '--http-addr', `${APP2}:8500`, file]);
    assert.equal(registered.code, 0, registered.stderr);
    for (const ip of [APP1, SERVERS[1]!]) {
      assert.deepEqual(await waitFor(`web in DNS at ${ip}`, () => someAnswers(ip, 'web.service.consul')), [APP2]);
    }
  });

  it('deregistering a service on its own agent removes it from the catalog everywhere', async () => {
    const reg = await api(APP2, '/v1/agent/service/register', { method: 'PUT', body: JSON.stringify({ Name: 'temp', Port: 7000 }) });
    assert.equal(reg.status, 200);
    await waitFor('temp in DNS at app1', () => someAnswers(APP1, 'temp.service.consul'));
    const gone = await roster(['services', 'deregister', '-id', 'temp', '--http-addr', `${APP2}:8500`]);
    assert.equal(gone.code, 0, gone.stderr);
    for (const ip of [APP1, SERVERS[2]!]) {
      await waitFor(`temp gone from the catalog at ${ip}`, async () => {
        const instances = (await (await api(ip, '/v1/catalog/service/temp?consistent')).json()) as unknown[];
        return instances.length === 0 ? true : undefined;
      });
    }
    assert.deepEqual(await answers(APP1, 'temp.service.consul'), []);
  });

  it('takes writes at a client and reads them consistently at the other', async () => {
    const res = await api(APP1, '/v1/kv/from/client', { method: 'PUT', body: 'hello' });
    assert.equal(res.status, 200, await res.text());
    assert.equal(await (await api(APP2, '/v1/kv/from/client?raw&consistent')).text(), 'hello');
  });

  it('keeps working when the server a client streams from dies', async () => {
    await agents.get(SERVERS[0]!)!.stop('SIGKILL');
    await waitFor('a write through a client after a server died', async () => {
      const res = await api(APP1, '/v1/kv/after/server-death', { method: 'PUT', body: 'still' });
      return res.status === 200 ? true : undefined;
    });
    assert.equal(await (await api(APP2, '/v1/kv/after/server-death?raw&consistent')).text(), 'still');
  });

  it('a dead machine takes only its own services out of DNS; they return with it', async () => {
    const api1 = await api(APP1, '/v1/agent/service/register', { method: 'PUT', body: JSON.stringify({ Name: 'api', Port: 9000 }) });
    assert.equal(api1.status, 200);
    await waitFor('api in DNS', async () => ((await answers(APP1, 'api.service.consul')).length ? true : undefined));

    await agents.get(APP2)!.stop('SIGKILL');
    await waitFor('web to leave DNS', async () => ((await answers(APP1, 'web.service.consul')).length === 0 ? true : undefined));
    const health = (await (await api(APP1, '/v1/health/node/app125')).json()) as { CheckID: string; Status: string }[];
    assert.equal(health.find((c) => c.CheckID === 'serfHealth')?.Status, 'critical');
    assert.deepEqual(await answers(APP1, 'api.service.consul'), [APP1], "app1's own service is untouched");

    await start(APP2, false);
    assert.deepEqual(await waitFor('web back in DNS after the restart', () => someAnswers(APP1, 'web.service.consul')), [APP2]);
  });
});
