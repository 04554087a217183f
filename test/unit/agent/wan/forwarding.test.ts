// ?dc= forwarding with a fake remote: agent A (dc1) serves HTTP; its DatacenterPort hands
// requests for dc2 to agent B's in-process dispatcher (B's real routes over its own catalog),
// as the DC.Forward RPC does between real agents. And forwardToServers' failover, with a fake
// RPC transport.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { forwardDeadlineMs, forwardToServers, type ForwardCall, type ForwardTiming, type ForwardTransport } from '../../../../src/agent/wan/forward.js';
import { NoPathToDatacenterError } from '../../../../src/agent/wan/router.js';
import { RemoteDatacenters } from '../../../../src/agent/wan/remote-datacenters.js';
import type { Coordinate } from '../../../../src/gossip/coordinate/coordinate.js';
import { distance } from '../../../../src/gossip/coordinate/coordinate.js';
import type { HttpDeps } from '../../../../src/http/context.js';
import type { CoordinatePort, DatacenterPort, ForwardedReply, ForwardedRequest, InProcessDispatch } from '../../../../src/http/datacenter-port.js';
import { buildRouter } from '../../../../src/http/routes/index.js';
import { startHttpServer, type HttpServerHandle } from '../../../../src/http/server.js';
import { systemClock } from '../../../../src/shared/clock.js';
import { AppError } from '../../../../src/shared/errors.js';
import { silentLogger } from '../../../../src/shared/logger.js';
import { seededRandom } from '../../../../src/shared/random.js';
import { newCatalog, nodeInput, serviceInput } from '../../../helpers/catalog.js';
import { FakeAgent, TEST_CONFIG, testMetrics } from '../../http/harness.js';

const at = (ms: number): Coordinate => ({ Vec: [ms / 1000, 0, 0, 0, 0, 0, 0, 0], Error: 0.2, Adjustment: 0, Height: 10e-6 });

describe('?dc= forwarding through the HTTP API', () => {
  const local = newCatalog();
  const remote = newCatalog();
  let server: HttpServerHandle;
  let base: string;
  const forwarded: ForwardedRequest[] = [];
  let dispatchB!: InProcessDispatch;

  before(async () => {
    // Agent B, dc2: only its router and dispatcher exist (no socket), as on a remote server.
    const portB: DatacenterPort = {
      isServer: true,
      forward: async () => {
        throw new Error('B forwards nothing in this test');
      },
      datacenters: () => ['dc2', 'dc1'],
      serve: (d) => (dispatchB = d),
    };
    const depsB: HttpDeps = {
      reader: remote.store, log: remote.log, agent: new FakeAgent(),
      config: { ...TEST_CONFIG, datacenter: 'dc2', nodeName: 'b1' },
      logger: silentLogger(), clock: systemClock, random: seededRandom(2), datacenters: portB, metrics: testMetrics(),
    };
    buildRouter(depsB);
    await remote.log.propose({ type: 'register', node: { ...nodeInput('b1', '10.2.0.1'), Datacenter: 'dc2' }, service: serviceInput({ Service: 'web', Port: 80 }) });

    const portA: DatacenterPort = {
      isServer: true,
      forward: async (dc, request, signal) => {
        forwarded.push(request);
        if (dc !== 'dc2') throw new NoPathToDatacenterError(dc, 'unknown');
        return dispatchB(request, signal);
      },
      datacenters: () => ['dc1', 'dc2'],
      serve: () => {},
    };
    const coords = new Map([['node1', at(0)], ['near', at(2)], ['far', at(50)]]);
    const coordinates: CoordinatePort = {
      nodes: () => [...coords].map(([Node, Coord]) => ({ Node, Segment: '', Coord })),
      node: (name) => coords.get(name),
      datacenters: () => [],
      distance,
    };
    server = await startHttpServer({
      reader: local.store, log: local.log, agent: new FakeAgent(), config: TEST_CONFIG,
      logger: silentLogger(), clock: systemClock, random: seededRandom(1), datacenters: portA, coordinates, metrics: testMetrics(),
    });
    base = `http://127.0.0.1:${server.port}`;
    for (const [name, ip] of [['far', '10.0.0.3'], ['near', '10.0.0.2'], ['nocoord', '10.0.0.4'], ['node1', '10.0.0.1']] as const) {
      await local.log.propose({ type: 'register', node: nodeInput(name, ip), service: serviceInput({ Service: 'db', ID: `db-${name}`, Port: 5432 }) });
    }
  });
  after(() => server.close());

  const api = (path: string, init?: RequestInit) => fetch(base + path, init);

  it('reads from the other datacenter, with its index', async () => {
    const res = await api('/v1/health/service/web?dc=dc2&passing');
    assert.equal(res.status, 200);
    const entries = (await res.json()) as { Node: { Node: string; Datacenter: string } }[];
    assert.deepEqual(entries.map((e) => [e.Node.Node, e.Node.Datacenter]), [['b1', 'dc2']]);
    assert.equal(res.headers.get('x-consul-index'), String(remote.store.index('nodes', 'services', 'checks')));
    assert.equal(res.headers.get('content-type'), 'application/json');
    // The local datacenter has no web.
    assert.deepEqual(await (await api('/v1/health/service/web')).json(), []);
  });

  it('writes land in the other datacenter only', async () => {
    const put = await api('/v1/kv/app/config?dc=dc2', { method: 'PUT', body: 'blue' });
    assert.equal(put.status, 200);
    assert.equal(await put.text(), 'true');
    assert.equal(remote.store.kvGet('app/config')?.Value.toString(), 'blue');
    assert.equal(local.store.kvGet('app/config'), undefined);
    assert.equal(await (await api('/v1/kv/app/config?dc=dc2&raw')).text(), 'blue');
    assert.equal((await api('/v1/kv/app/config')).status, 404);
  });

  it('a blocking query blocks on the remote side until the remote index moves', async () => {
    const first = await api('/v1/kv/watched?dc=dc2');
    assert.equal(first.status, 404);
    const index = Number(first.headers.get('x-consul-index'));
    const started = Date.now();
    const pending = api(`/v1/kv/watched?dc=dc2&index=${index}&wait=5s&raw`);
    await new Promise((r) => setTimeout(r, 300));
    // A write in dc2, through B's own API.
    const wrote = await dispatchB({ method: 'PUT', path: '/v1/kv/watched', query: '', headers: {}, body: Buffer.from('now') }, new AbortController().signal);
    assert.equal(wrote.status, 200);
    const res = await pending;
    assert.equal(await res.text(), 'now');
    assert.ok(Date.now() - started >= 250, 'it waited for the write');
    assert.ok(Number(res.headers.get('x-consul-index')) > index);
  });

  it('remote errors and ?pretty come back as the remote wrote them', async () => {
    const missing = await api('/v1/kv/nothing-here?dc=dc2');
    assert.equal(missing.status, 404);
    const bad = await api('/v1/health/state/nonsense?dc=dc2');
    assert.equal(bad.status, 400);
    assert.match(await bad.text(), /Invalid check state/);
    const pretty = await (await api('/v1/catalog/services?dc=dc2&pretty')).text();
    assert.match(pretty, /^\{\n {4}"web": \[\]\n\}\n$/);
  });

  it('an unknown datacenter is a 500 "No path to datacenter"', async () => {
    const res = await api('/v1/catalog/nodes?dc=dc9');
    assert.equal(res.status, 500);
    assert.equal(await res.text(), 'No path to datacenter');
  });

  it('agent endpoints and the datacenter list are never forwarded', async () => {
    const before = forwarded.length;
    assert.equal((await api('/v1/agent/self?dc=dc2')).status, 200);
    assert.deepEqual(await (await api('/v1/catalog/datacenters?dc=dc2')).json(), ['dc1', 'dc2']);
    assert.equal(forwarded.length, before);
    // ?dc naming our own datacenter is served here.
    assert.equal((await api('/v1/catalog/nodes?dc=dc1')).status, 200);
    assert.equal(forwarded.length, before);
  });

  it('near=_agent travels as the asking agent\'s node name', async () => {
    await api('/v1/catalog/nodes?dc=dc2&near=_agent');
    const last = forwarded.at(-1)!;
    assert.equal(new URLSearchParams(last.query).get('near'), 'node1');
  });

  it('?near sorts catalog and health results by estimated RTT; nodes without coordinates last', async () => {
    const names = async (path: string, pick: (row: never) => string) => ((await (await api(path)).json()) as never[]).map(pick);
    assert.deepEqual(await names('/v1/catalog/nodes', (n: { Node: string }) => n.Node), ['far', 'near', 'nocoord', 'node1']);
    assert.deepEqual(await names('/v1/catalog/nodes?near=_agent', (n: { Node: string }) => n.Node), ['node1', 'near', 'far', 'nocoord']);
    assert.deepEqual(await names('/v1/catalog/nodes?near=far', (n: { Node: string }) => n.Node), ['far', 'near', 'node1', 'nocoord']);
    assert.deepEqual(await names('/v1/catalog/service/db?near=_agent', (s: { Node: string }) => s.Node), ['node1', 'near', 'far', 'nocoord']);
    assert.deepEqual(await names('/v1/health/service/db?near=near', (e: { Node: { Node: string } }) => e.Node.Node), ['near', 'node1', 'far', 'nocoord']);
    // An unknown source node leaves the order alone.
    assert.deepEqual(await names('/v1/catalog/nodes?near=ghost', (n: { Node: string }) => n.Node), ['far', 'near', 'nocoord', 'node1']);
  });

  it('serves LAN coordinates', async () => {
    const nodes = (await (await api('/v1/coordinate/nodes')).json()) as { Node: string; Coord: Coordinate }[];
    assert.deepEqual(nodes.map((n) => n.Node), ['far', 'near', 'node1']);
    assert.deepEqual(nodes[0]!.Coord, at(50));
    assert.equal((await api('/v1/coordinate/node/ghost')).status, 404);
    assert.deepEqual(await (await api('/v1/coordinate/node/near')).json(), [{ Node: 'near', Segment: '', Coord: at(2) }]);
  });

  it('the DNS port reads another datacenter and tells unknown from unreachable', async () => {
    const port = new RemoteDatacenters('dc1', async (dc, request, signal) => {
      if (dc === 'dc2') return dispatchB(request, signal);
      if (dc === 'dc3') throw new NoPathToDatacenterError(dc, 'unreachable', 'no server of dc3 answered');
      // As a client agent hears it from its server: a plain AppError with the same message.
      throw new AppError('UNAVAILABLE', 'No path to datacenter');
    });
    const entries = await port.serviceHealth('dc2', 'web', { passingOnly: true });
    assert.deepEqual(entries.map((e) => e.Node.Node), ['b1']);
    assert.equal((await port.nodeServices('dc2', 'b1'))?.Node.Node, 'b1');
    assert.equal(await port.nodeServices('dc2', 'ghost'), null);
    await assert.rejects(port.serviceHealth('dc9', 'web'), (err: unknown) => err instanceof NoPathToDatacenterError && err.reason === 'unknown');
    await assert.rejects(port.serviceHealth('dc3', 'web'), (err: unknown) => err instanceof NoPathToDatacenterError && err.reason === 'unreachable');
    assert.equal(port.isRemote('dc2'), true);
    assert.equal(port.isRemote('dc1'), false);
    assert.equal(port.isRemote(undefined), false);
  });
});

describe('forwardToServers (failover)', () => {
  const timing: ForwardTiming = { connectTimeoutMs: 100, requestTimeoutMs: 1000, blockingSlackMs: 500, defaultQueryTimeMs: 300_000, maxQueryTimeMs: 600_000 };
  const call = (method = 'GET', query = 'dc=dc2'): ForwardCall => ({ datacenter: 'dc2', hops: 1, method, path: '/v1/kv/k', query, headers: {}, body: new Uint8Array(0) });
  const ok: ForwardedReply = { status: 200, headers: { 'X-Consul-Index': '5' }, contentType: 'application/json', body: Buffer.from('[]') };
  const wire = { status: ok.status, headers: ok.headers, contentType: ok.contentType, body: ok.body };

  /** down: refuses connections; lost: connects, then the call fails in transit; else answers. */
  function transport(behaviour: Record<string, 'down' | 'drops' | 'lost' | 'refuse-request' | 'ok'>): ForwardTransport & { calls: string[] } {
    const calls: string[] = [];
    const checked = new Map<string, number>();
    return {
      calls,
      async connect(address) {
        checked.set(address, (checked.get(address) ?? 0) + 1);
        const dropped = behaviour[address] === 'drops' && checked.get(address)! > 1;
        if (behaviour[address] === 'down' || dropped) throw new AppError('UNAVAILABLE', `rpc error: no connection to ${address} within 100 ms`);
      },
      async callJson<T>(address: string, _method: string, _payload: unknown, options?: { timeoutMs?: number }): Promise<T> {
        calls.push(`${address} ${options?.timeoutMs}`);
        if (behaviour[address] === 'lost') throw new AppError('UNAVAILABLE', `rpc error: ${address} unavailable: Connection dropped`);
        if (behaviour[address] === 'refuse-request') throw new AppError('BAD_REQUEST', 'rpc DC.Forward: malformed payload');
        return wire as T;
      },
    };
  }
  const run = (t: ForwardTransport, servers: string[], c = call()) => {
    const failed: string[] = [];
    const result = forwardToServers(t, servers, c, {
      timing,
      failed: (a) => failed.push(a),
      unreachable: (last) => new NoPathToDatacenterError('dc2', 'unreachable', `no server answered (${(last as Error).message})`),
    });
    return { result, failed };
  };

  it('skips servers that do not accept a connection', async () => {
    const t = transport({ a: 'down', b: 'ok' });
    const { result, failed } = run(t, ['a', 'b']);
    assert.deepEqual(await result, ok);
    assert.deepEqual(failed, ['a']);
    assert.deepEqual(t.calls, ['b 1000']);
  });

  it('checks the connection again right before sending (one that dropped meanwhile is skipped)', async () => {
    const t = transport({ a: 'drops', b: 'ok' });
    const { result, failed } = run(t, ['a', 'b']);
    assert.deepEqual(await result, ok);
    assert.deepEqual(failed, ['a']);
    assert.deepEqual(t.calls, ['b 1000'], 'nothing was sent on the dropped connection');
  });

  it('retries a read lost in transit on the next server, but not a write', async () => {
    const read = run(transport({ a: 'lost', b: 'ok' }), ['a', 'b']);
    assert.deepEqual(await read.result, ok);
    assert.deepEqual(read.failed, ['a']);
    const t = transport({ a: 'lost', b: 'ok' });
    const write = run(t, ['a', 'b'], call('PUT'));
    await assert.rejects(write.result, /Connection dropped/);
    assert.deepEqual(t.calls.map((c) => c.split(' ')[0]), ['a'], 'the write may have been applied: not sent again');
  });

  it('no server answering is "No path to datacenter" (unreachable)', async () => {
    const { result, failed } = run(transport({ a: 'down', b: 'lost' }), ['a', 'b']);
    await assert.rejects(result, (err: unknown) => err instanceof NoPathToDatacenterError && err.reason === 'unreachable' && /Connection dropped/.test(err.message));
    assert.deepEqual(failed, ['a', 'b']);
  });

  it('an error the server answered with is returned as it is, without failover', async () => {
    const t = transport({ a: 'refuse-request', b: 'ok' });
    await assert.rejects(run(t, ['a', 'b']).result, /malformed payload/);
    assert.equal(t.calls.length, 1);
  });

  it('gives blocking queries their wait (capped) plus jitter and slack as deadline', () => {
    assert.equal(forwardDeadlineMs(call(), timing), 1000);
    assert.equal(forwardDeadlineMs(call('GET', 'index=5&wait=16s'), timing), 16_000 + 1_000 + 500);
    assert.equal(forwardDeadlineMs(call('GET', 'index=5'), timing), 300_000 + 18_750 + 500);
    assert.equal(forwardDeadlineMs(call('GET', 'index=5&wait=1h'), timing), 600_000 + 37_500 + 500);
  });
});
