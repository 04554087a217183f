import assert from 'node:assert/strict';
import { request } from 'node:http';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { startHttpServer } from '../../../src/http/server.js';
import { systemClock } from '../../../src/shared/clock.js';
import { AppError } from '../../../src/shared/errors.js';
import { silentLogger } from '../../../src/shared/logger.js';
import { seededRandom } from '../../../src/shared/random.js';
import { newCatalog } from '../../helpers/catalog.js';
import { FakeAgent, startHarness, TEST_CONFIG, testMetrics, type Harness } from './harness.js';

/** Sends bytes over a raw socket and returns everything the server answers. */
function rawExchange(port: number, payload: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.end(payload));
    let out = '';
    socket.on('data', (d) => (out += d.toString()));
    socket.on('end', () => resolve(out));
    socket.on('error', reject);
  });
}

describe('http server', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(() => h.close());

  it('answers an unknown path with a plain-text 404', async () => {
    const res = await h.api('/v1/nope/nothing');
    assert.equal(res.status, 404);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain/);
    assert.equal(await res.text(), '404 page not found');
  });

  it('answers a wrong verb on a known path with 405 and an Allow header', async () => {
    const res = await h.api('/v1/catalog/register');
    assert.equal(res.status, 405);
    assert.equal(res.headers.get('allow'), 'PUT');
    assert.equal(await res.text(), 'method GET not allowed');
    const del = await h.api('/v1/agent/services', { method: 'DELETE' });
    assert.equal(del.status, 405);
  });

  it('prefers an exact route over a tail route with the same prefix', async () => {
    // GET on the register path is a 405, not a lookup of a service called "register".
    const res = await h.api('/v1/agent/service/register');
    assert.equal(res.status, 405);
    assert.equal(res.headers.get('allow'), 'PUT');
  });

  it('serves JSON with application/json and indents it under ?pretty', async () => {
    const plain = await h.api('/v1/catalog/datacenters');
    assert.equal(plain.headers.get('content-type'), 'application/json');
    assert.equal(await plain.text(), '["dc1"]');
    const pretty = await h.api('/v1/catalog/datacenters?pretty');
    assert.equal(await pretty.text(), '[\n    "dc1"\n]\n');
  });

  it('rejects bad JSON with Consul\'s "Request decode failed" 400', async () => {
    const res = await h.put('/v1/catalog/register', '{"Node": ');
    assert.equal(res.status, 400);
    assert.match(await res.text(), /^Request decode failed: /);
    const empty = await h.put('/v1/catalog/register', '');
    assert.equal(empty.status, 400);
    assert.equal(await empty.text(), 'Request decode failed: EOF');
  });

  it('refuses a body over the limit with 413, declared or streamed', async () => {
    const big = JSON.stringify({ Node: 'n', Address: '10.0.0.1', NodeMeta: { k: 'x'.repeat(TEST_CONFIG.httpMaxBodyBytes) } });
    const res = await h.put('/v1/catalog/register', big);
    assert.equal(res.status, 413);
    assert.match(await res.text(), /too large/);

    // Chunked: no Content-Length, so the limit is enforced while reading.
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(`${h.base}/v1/catalog/register`, { method: 'PUT', headers: { 'transfer-encoding': 'chunked' } }, (r) => {
        r.resume();
        resolve(r.statusCode ?? 0);
      });
      req.on('error', reject);
      req.write(big.slice(0, 10_000));
      req.end(big.slice(10_000));
    });
    assert.equal(status, 413);
    // And the server still answers afterwards.
    assert.equal((await h.api('/v1/catalog/datacenters')).status, 200);
  });

  it('survives garbage: malformed requests, bad encodings, wrong shapes', async () => {
    const junk = await rawExchange(Number(new URL(h.base).port), 'THIS IS NOT HTTP\r\n\r\n');
    assert.match(junk, /^HTTP\/1\.1 400/);
    const badEncoding = await h.api('/v1/kv/%E0%A4%A');
    assert.equal(badEncoding.status, 400);
    for (const body of ['[]', '42', '"x"', 'null', '{"Node": 7}', '{"Service": "web"}', '\u0000\u0001']) {
      const res = await h.put('/v1/catalog/register', body);
      assert.equal(res.status, 400, `body ${JSON.stringify(body)} gave ${res.status}`);
    }
    for (const body of ['[1,2]', '{"Name": 5}', '{"Check": "x", "Name": "a"}']) {
      const res = await h.put('/v1/agent/service/register', body);
      assert.equal(res.status, 400, `body ${JSON.stringify(body)} gave ${res.status}`);
    }
    assert.equal((await h.api('/v1/status/leader')).status, 200);
  });

  it('survives a client that hangs up in the middle of a body', async () => {
    const port = Number(new URL(h.base).port);
    await new Promise<void>((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.write('PUT /v1/kv/partial HTTP/1.1\r\nHost: x\r\nContent-Length: 500\r\n\r\nonly-a-little');
        setTimeout(() => {
          socket.destroy();
          resolve();
        }, 30);
      });
      socket.on('error', reject);
    });
    await new Promise((r) => setTimeout(r, 30));
    assert.equal((await h.api('/v1/kv/partial')).status, 404);
    assert.equal((await h.api('/v1/status/leader')).status, 200);
  });

  it('turns an unexpected handler error into a 500 and keeps serving', async () => {
    h.agent.failWith = new TypeError('boom: cannot read properties of undefined');
    try {
      const res = await h.api('/v1/agent/services');
      assert.equal(res.status, 500);
      assert.match(await res.text(), /boom/);
      h.agent.failWith = new AppError('NOT_FOUND', 'gone');
      assert.equal((await h.api('/v1/agent/self')).status, 404);
      h.agent.failWith = new AppError('UNAVAILABLE', 'No cluster leader');
      const unavailable = await h.api('/v1/agent/self');
      assert.equal(unavailable.status, 500);
      assert.equal(await unavailable.text(), 'No cluster leader');
    } finally {
      h.agent.failWith = undefined;
    }
    assert.equal((await h.api('/v1/agent/self')).status, 200);
  });

  it('rejects an unknown datacenter as Consul does', async () => {
    const res = await h.api('/v1/catalog/nodes?dc=elsewhere');
    assert.equal(res.status, 500);
    assert.equal(await res.text(), 'No path to datacenter');
  });
});

describe('http server lifecycle', () => {
  it('binds an ephemeral port and close() ends a pending blocking query', async () => {
    const catalog = newCatalog();
    const server = await startHttpServer({
      reader: catalog.store,
      log: catalog.log,
      agent: new FakeAgent(),
      config: TEST_CONFIG,
      logger: silentLogger(),
      clock: systemClock,
      random: seededRandom(1),
      metrics: testMetrics(),
    });
    assert.ok(server.port > 0);
    const pending = fetch(`http://127.0.0.1:${server.port}/v1/catalog/nodes?index=1&wait=60s`).then(
      (r) => r.status,
      () => 'closed',
    );
    await new Promise((r) => setTimeout(r, 50));
    const started = Date.now();
    await server.close();
    const outcome = await pending;
    assert.ok(outcome === 200 || outcome === 'closed');
    assert.ok(Date.now() - started < 1_000, `close took ${Date.now() - started}ms`);
  });

  it('reports a port already in use as an error', async () => {
    const catalog = newCatalog();
    const deps = {
      reader: catalog.store, log: catalog.log, agent: new FakeAgent(), logger: silentLogger(), clock: systemClock, random: seededRandom(1),
      metrics: testMetrics(),
    };
    const first = await startHttpServer({ ...deps, config: TEST_CONFIG });
    try {
      await assert.rejects(startHttpServer({ ...deps, config: { ...TEST_CONFIG, port: first.port } }), /cannot listen/);
    } finally {
      await first.close();
    }
  });
});
