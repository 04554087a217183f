import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { createServer as createTcpServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { httpProbe, tcpProbe } from '../../../src/agent/checks/probes.js';
import { statusHandler } from '../../../src/agent/checks/monitor.js';

function listen(server: Server | ReturnType<typeof createTcpServer>): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
}

describe('HTTP and TCP check probes', () => {
  const http = createServer((req, res) => {
    const code = Number(req.url?.slice(1)) || 200;
    res.writeHead(code, { 'content-type': 'text/plain' });
    res.end(`status ${code}`);
  });
  after(() => http.close());

  it('2xx is passing, 429 warning, others critical, with Consul-style output', async () => {
    const port = await listen(http);
    const ok = await httpProbe({ url: `http://127.0.0.1:${port}/200`, method: 'GET', headers: {}, body: '' })(2000);
    assert.equal(ok.status, 'passing');
    assert.equal(ok.output, `HTTP GET http://127.0.0.1:${port}/200: 200 OK Output: status 200`);
    assert.equal((await httpProbe({ url: `http://127.0.0.1:${port}/429`, method: 'GET', headers: {}, body: '' })(2000)).status, 'warning');
    assert.equal((await httpProbe({ url: `http://127.0.0.1:${port}/503`, method: 'GET', headers: {}, body: '' })(2000)).status, 'critical');
  });

  it('a refused connection is critical with the reason', async () => {
    const tcp = createTcpServer();
    const port = await listen(tcp);
    await new Promise((r) => tcp.close(r));
    const res = await httpProbe({ url: `http://127.0.0.1:${port}/`, method: 'GET', headers: {}, body: '' })(2000);
    assert.equal(res.status, 'critical');
    assert.match(res.output, /ECONNREFUSED/);
    const t = await tcpProbe(`127.0.0.1:${port}`)(2000);
    assert.equal(t.status, 'critical');
    assert.match(t.output, /^dial tcp 127\.0\.0\.1:\d+: .*ECONNREFUSED/);
  });

  it('TCP connect to a listening port is passing', async () => {
    const tcp = createTcpServer((s) => s.destroy());
    const port = await listen(tcp);
    const res = await tcpProbe(`127.0.0.1:${port}`)(2000);
    await new Promise((r) => tcp.close(r));
    assert.deepEqual(res, { status: 'passing', output: `TCP connect 127.0.0.1:${port}: Success` });
  });
});

describe('status thresholds (Consul StatusHandler)', () => {
  it('reports the first result at once, then flips only after the configured run of results', () => {
    const seen: string[] = [];
    const report = statusHandler((s) => seen.push(s), { successBeforePassing: 2, failuresBeforeWarning: 1, failuresBeforeCritical: 3 });
    report('passing', '');
    assert.deepEqual(seen, ['passing'], 'counters start at their thresholds');
    report('critical', '');
    report('critical', '');
    assert.deepEqual(seen, ['passing', 'warning', 'warning']);
    report('critical', '');
    assert.deepEqual(seen.at(-1), 'critical');
    report('passing', '');
    assert.deepEqual(seen.at(-1), 'critical', 'one success is not enough after failures');
    report('passing', '');
    assert.deepEqual(seen.at(-1), 'passing');
  });
});
