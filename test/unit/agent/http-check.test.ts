// HTTP checks against a real local server: statuses, output, request shape, timeouts, redirects, TLS.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HEALTH_CHECK_USER_AGENT, httpProbe, type HttpCheckSpec } from '../../../src/agent/checks/probes.js';

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  rawHeaders: string[];
  body: string;
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
}

const spec = (url: string, more: Partial<HttpCheckSpec> = {}): HttpCheckSpec => ({ url, method: 'GET', headers: {}, body: '', ...more });

describe('HTTP checks', () => {
  const seen: Seen[] = [];
  let base = '';
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, rawHeaders: req.rawHeaders, body: Buffer.concat(chunks).toString() });
      const url = new URL(req.url ?? '/', 'http://x');
      const path = url.pathname;
      if (path.startsWith('/status/')) {
        const code = Number(path.slice('/status/'.length));
        res.writeHead(code, { 'content-type': 'text/plain' });
        return res.end(`status ${code}`);
      }
      if (path === '/big') {
        res.writeHead(200);
        return res.end('a'.repeat(6000) + 'b'.repeat(4000) + 'END');
      }
      if (path === '/slow') return void setTimeout(() => res.end('late'), 2_000);
      if (path === '/hop') {
        // /hop?n=3 redirects n times, then answers 200.
        const n = Number(url.searchParams.get('n'));
        if (n <= 0) return res.end(`landed ${req.method} ${Buffer.concat(chunks).toString()}`);
        const code = Number(url.searchParams.get('code') ?? 302);
        res.writeHead(code, { location: `/hop?n=${n - 1}&code=${code}` });
        return res.end();
      }
      res.end('ok');
    });
  });
  before(async () => {
    base = `http://127.0.0.1:${await listen(server)}`;
  });
  after(() => server.close());

  it('2xx is passing, 429 warning, anything else critical, output as Consul words it', async () => {
    const results = [];
    for (const code of [200, 204, 299, 429, 300, 404, 500, 503]) results.push(await httpProbe(spec(`${base}/status/${code}`))(2000));
    assert.deepEqual(
      results.map((r) => r.status),
      ['passing', 'passing', 'passing', 'warning', 'critical', 'critical', 'critical', 'critical'],
    );
    assert.equal(results[0]!.output, `HTTP GET ${base}/status/200: 200 OK Output: status 200`);
    assert.equal(results[3]!.output, `HTTP GET ${base}/status/429: 429 Too Many Requests Output: status 429`);
  });

  it('keeps the last 4 KiB of the body', async () => {
    const r = await httpProbe(spec(`${base}/big`))(2000);
    const body = r.output.slice(r.output.indexOf('Output: ') + 'Output: '.length);
    assert.equal(Buffer.byteLength(body), 4096);
    assert.ok(body.endsWith('b'.repeat(4000) + 'END'));
    assert.ok(body.startsWith('a'.repeat(93) + 'b'));
  });

  it('sends the method, every header value, the body, and Consul’s default User-Agent and Accept', async () => {
    seen.length = 0;
    const r = await httpProbe(
      spec(`${base}/echo`, { method: 'POST', headers: { 'X-Multi': ['one', 'two'], 'Content-Type': ['application/json'] }, body: '{"ping":1}' }),
    )(2000);
    assert.equal(r.status, 'passing');
    const req = seen[0]!;
    assert.equal(req.method, 'POST');
    assert.equal(req.body, '{"ping":1}');
    assert.equal(req.headers['content-type'], 'application/json');
    const multi = req.rawHeaders.filter((_, i, a) => i % 2 === 1 && a[i - 1]!.toLowerCase() === 'x-multi');
    assert.deepEqual(multi, ['one', 'two']);
    assert.equal(req.headers['user-agent'], HEALTH_CHECK_USER_AGENT);
    assert.equal(req.headers.accept, 'text/plain, text/*, */*');
    assert.equal(req.headers.connection, 'close', 'no keep-alive between runs');

    seen.length = 0;
    await httpProbe(spec(`${base}/echo`, { headers: { 'User-Agent': ['mine'], Host: ['svc.example'] } }))(2000);
    assert.equal(seen[0]!.headers['user-agent'], 'mine');
    assert.equal(seen[0]!.headers.host, 'svc.example', 'a Host header sets the request host');
  });

  it('a request that takes longer than the timeout is critical', async () => {
    const started = Date.now();
    const r = await httpProbe(spec(`${base}/slow`))(200);
    assert.equal(r.status, 'critical');
    assert.equal(r.output, `HTTP GET ${base}/slow: timed out after 200ms (Client.Timeout exceeded)`);
    assert.ok(Date.now() - started < 1500);
  });

  it('follows up to 10 redirects, like Go’s client, and no more', async () => {
    const ten = await httpProbe(spec(`${base}/hop?n=10`))(2000);
    assert.equal(ten.status, 'passing');
    assert.match(ten.output, /Output: landed GET $/);
    const eleven = await httpProbe(spec(`${base}/hop?n=11`))(2000);
    assert.equal(eleven.status, 'critical');
    assert.equal(eleven.output, `HTTP GET ${base}/hop?n=11: stopped after 10 redirects`);
  });

  it('303 turns a POST into a GET without body; 307 repeats the POST with its body', async () => {
    const see = await httpProbe(spec(`${base}/hop?n=1&code=303`, { method: 'POST', body: 'data' }))(2000);
    assert.match(see.output, /Output: landed GET $/);
    const temp = await httpProbe(spec(`${base}/hop?n=1&code=307`, { method: 'POST', body: 'data' }))(2000);
    assert.match(temp.output, /Output: landed POST data$/);
  });

  it('with DisableRedirects the redirect itself is the answer (critical)', async () => {
    const r = await httpProbe(spec(`${base}/hop?n=1`, { disableRedirects: true }))(2000);
    assert.equal(r.status, 'critical');
    assert.match(r.output, /: 302 Found Output: $/);
  });
});

describe('HTTPS checks', () => {
  let dir = '';
  let base = '';
  let server: ReturnType<typeof createHttpsServer> | undefined;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'roster-tls-'));
    try {
      execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
    } catch {
      return; // no openssl: the tests below skip
    }
    server = createHttpsServer({ key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) }, (_req, res) => res.end('secure'));
    base = `https://127.0.0.1:${await listen(server as unknown as Server)}`;
  });
  after(() => {
    server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a self-signed certificate is critical unless TLSSkipVerify', async (t) => {
    if (!server) return t.skip('openssl is not available to make a certificate');
    const strict = await httpProbe(spec(`${base}/`))(2000);
    assert.equal(strict.status, 'critical');
    assert.match(strict.output, /self[- ]signed/i);
    const relaxed = await httpProbe(spec(`${base}/`, { tlsSkipVerify: true }))(2000);
    assert.deepEqual(relaxed, { status: 'passing', output: `HTTP GET ${base}/: 200 OK Output: secure` });
  });
});
