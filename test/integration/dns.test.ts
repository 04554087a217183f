// The DNS interface of a real `roster agent -dev`, through dig: truncation and the TCP retry,
// EDNS, TTLs from dns_config (wildcards), SRV weights and the additional section, NS and SOA
// with glue, multi-tag names, ANY, PTR for service addresses, alt_domain, and recursion to an
// upstream on loopback.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { dig, startDevAgent, type AgentProcess } from '../helpers/agent-process.js';
import { Upstream } from '../unit/dns/upstream.js';

const IP = '127.0.0.101';
const q = (...args: string[]) => dig([`@${IP}`, '-p', '8600', '+time=3', '+tries=1', ...args]);
const lines = (out: string) => out.trim().split('\n').filter((l) => l !== '' && !l.startsWith(';'));

describe('roster agent -dev: DNS through dig', () => {
  let agent: AgentProcess;
  let upstream: Upstream;
  let dir: string;

  before(async () => {
    upstream = await new Upstream('answer', '127.0.0.102').start();
    dir = mkdtempSync(join(tmpdir(), 'roster-dns-'));
    const config = join(dir, 'dns.json');
    writeFileSync(config, JSON.stringify({ dns_config: { node_ttl: '11s', service_ttl: { '*': '3s', 'api*': '7s', 'api-exact': '9s' } } }));
    agent = await startDevAgent(IP, ['-recursor', upstream.address(), '-alt-domain', 'roster.test', '-config-file', config, '-log-level', 'warn']);
    const put = async (body: object) => {
      const res = await fetch(`http://${IP}:8500/v1/catalog/register`, { method: 'PUT', body: JSON.stringify(body) });
      assert.equal(res.status, 200, await res.text());
    };
    for (let i = 1; i <= 10; i++) {
      await put({
        Node: `api-${i}`,
        Address: `10.1.0.${i}`,
        NodeMeta: { rack: `r${i}` },
        Service: { Service: 'api', Port: 8000 + i, Tags: ['v1', i % 2 ? 'odd' : 'even'], Weights: { Passing: i, Warning: 1 } },
      });
    }
    await put({ Node: 'db-1', Address: '10.2.0.1', Service: { Service: 'db', Address: '10.2.0.50', Port: 5432 } });
    await put({ Node: 'exact-1', Address: '10.3.0.1', Service: { Service: 'api-exact', Port: 1 } });
  });
  after(async () => {
    await agent.stop('SIGINT');
    await upstream.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('sets TC on a cut UDP reply, and dig retries over TCP for everything', async () => {
    const cut = await q('+noedns', '+ignore', 'api.service.consul', 'A');
    assert.match(cut, /flags: qr aa tc rd ra;/);
    assert.match(cut, /ANSWER: 3,/);
    const retried = await q('+noedns', 'api.service.consul', 'A');
    assert.match(retried, /Truncated, retrying in TCP mode/);
    assert.match(retried, /ANSWER: 10,/);
    const roomy = await q('+bufsize=4096', 'api.service.consul', 'A');
    assert.doesNotMatch(roomy, /Truncated/);
    assert.match(roomy, /ANSWER: 10,/);
    assert.match(roomy, /EDNS: version: 0, flags:; udp: 4096/);
  });

  it('uses node_ttl and service_ttl: exact name, then longest prefix, then *', async () => {
    assert.match(await q('+noall', '+answer', 'api-1.node.consul', 'A'), /api-1\.node\.consul\.\s+11\s+IN\s+A\s+10\.1\.0\.1/);
    assert.match(await q('+noall', '+answer', 'api-exact.service.consul', 'A'), /\s9\s+IN\s+A\s+10\.3\.0\.1/);
    assert.match(await q('+noall', '+answer', '+tcp', 'api.service.consul', 'A'), /\s7\s+IN\s+A\s/);
    assert.match(await q('+noall', '+answer', 'db.service.consul', 'A'), /db\.service\.consul\.\s+3\s+IN\s+A\s+10\.2\.0\.50/);
  });

  it('answers SRV with priority 1, Weights, node and .addr targets, addresses and node meta in additional', async () => {
    const out = await q('+tcp', '+noall', '+answer', '+additional', '_api._tcp.service.consul', 'SRV');
    for (let i = 1; i <= 10; i++) {
      assert.match(out, new RegExp(`SRV\\s+1 ${i} ${8000 + i} api-${i}\\.node\\.dc1\\.consul\\.`));
      assert.match(out, new RegExp(`api-${i}\\.node\\.dc1\\.consul\\.\\s+7\\s+IN\\s+A\\s+10\\.1\\.0\\.${i}\\n`));
      assert.match(out, new RegExp(`api-${i}\\.node\\.dc1\\.consul\\.\\s+7\\s+IN\\s+TXT\\s+"rack=r${i}"`));
    }
    const db = await q('+noall', '+answer', '+additional', 'db.service.consul', 'SRV');
    assert.match(db, /SRV\s+1 1 5432 0a020032\.addr\.dc1\.consul\./);
    assert.match(db, /0a020032\.addr\.dc1\.consul\.\s+3\s+IN\s+A\s+10\.2\.0\.50/);
  });

  it('answers NS and SOA with the server as nameserver and its address as glue', async () => {
    const ns = await q('+noall', '+answer', '+additional', 'consul', 'NS');
    assert.match(ns, /consul\.\s+11\s+IN\s+NS\s+dev-101\.node\.dc1\.consul\./);
    assert.match(ns, /dev-101\.node\.dc1\.consul\.\s+11\s+IN\s+A\s+127\.0\.0\.101/);
    const soa = await q('consul', 'SOA');
    assert.match(soa, /consul\.\s+0\s+IN\s+SOA\s+ns\.consul\. hostmaster\.consul\./);
    assert.match(soa, /AUTHORITY SECTION:\nconsul\.\s+11\s+IN\s+NS\s+dev-101\.node\.dc1\.consul\./);
  });

  it('filters on several tags with the _svc._t1._t2 form, and answers ANY', async () => {
    assert.deepEqual(lines(await q('+short', '_api._v1._even.service.consul', 'A')).sort(), ['10.1.0.10', '10.1.0.2', '10.1.0.4', '10.1.0.6', '10.1.0.8']);
    assert.equal(lines(await q('+short', '+tcp', '_api._odd._v1.consul', 'SRV')).length, 5);
    assert.match(await q('_api._odd._nope.service.consul', 'A'), /status: NXDOMAIN/);
    assert.equal(lines(await q('+short', '+tcp', 'api.service.consul', 'ANY')).length, 10);
  });

  it('maps service and node addresses back with PTR, in the primary domain', async () => {
    assert.equal((await q('+short', '-x', '10.2.0.50')).trim(), 'db.service.dc1.consul.');
    assert.equal((await q('+short', '-x', '10.1.0.3')).trim(), 'api-3.node.dc1.consul.');
  });

  it('answers the alt domain in the alt domain, and any spelling', async () => {
    assert.match(await q('+noall', '+answer', 'DB.Service.ROSTER.test', 'A'), /DB\.Service\.ROSTER\.test\.\s+3\s+IN\s+A\s+10\.2\.0\.50/);
    assert.match(await q('+noall', '+answer', 'db.service.roster.test', 'SRV'), /0a020032\.addr\.dc1\.roster\.test\./);
    assert.equal((await q('+short', 'API-7.NODE.consul', 'A')).trim(), '10.1.0.7');
  });

  it('forwards other names to the recursor, with recursion available', async () => {
    const out = await q('example.org', 'A');
    assert.match(out, /flags: qr rd ra;/);
    assert.match(out, /example\.org\.\s+60\s+IN\s+A\s+93\.184\.216\.34/);
    assert.match(await q('nx.example.org', 'A'), /status: NXDOMAIN/);
    assert.ok(upstream.asked.includes('udp example.org'));
  });
});
