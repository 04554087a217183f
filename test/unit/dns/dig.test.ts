import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import type { DnsServerHandle } from '../../../src/dns/server.js';
import { catalogWith } from './dns-fixtures.js';
import { startTestServer } from './dns-client.js';

// dig is the client people will point at the agent, so it is tested with the real thing. It must
// run asynchronously: the server under test lives in this process's event loop.
const run = promisify(execFile);

async function dig(port: number, ...args: string[]): Promise<string> {
  try {
    const { stdout } = await run('dig', ['@127.0.0.1', '-p', String(port), '+time=2', '+tries=1', ...args]);
    return stdout;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      assert.fail('dig is not on PATH: install it (apt-get install -y bind9-dnsutils) to run the DNS tests');
    }
    throw err;
  }
}

describe('dns server: dig', () => {
  let server: DnsServerHandle;
  before(async () => {
    const { store } = await catalogWith([
      { node: 'web1', address: '10.0.0.1', service: 'web', port: 8080, nodeMeta: { rack: 'r1' } },
      { node: 'web2', address: '10.0.0.2', service: 'web', port: 8081, tags: ['v2'] },
      { node: 'sick', address: '10.0.0.3', service: 'web', serviceCheck: 'critical' },
    ]);
    server = await startTestServer(store, {}, 'alt.test.');
  });
  after(() => server.close());

  it('answers A and SRV lookups, over UDP and TCP', async () => {
    assert.deepEqual((await dig(server.port, '+short', 'web.service.consul', 'A')).trim().split('\n').sort(), ['10.0.0.1', '10.0.0.2']);
    assert.deepEqual((await dig(server.port, '+short', '+tcp', 'web.service.consul', 'A')).trim().split('\n').sort(), ['10.0.0.1', '10.0.0.2']);
    assert.deepEqual((await dig(server.port, '+short', '_web._tcp.service.consul', 'SRV')).trim().split('\n').sort(), [
      '1 1 8080 web1.node.dc1.consul.',
      '1 1 8081 web2.node.dc1.consul.',
    ]);
    assert.equal((await dig(server.port, '+short', 'v2.web.service.alt.test', 'A')).trim(), '10.0.0.2');
  });

  it('shows the flags, sections and codes Consul gives', async () => {
    const srv = await dig(server.port, '+noedns', 'web.service.consul', 'SRV');
    assert.match(srv, /status: NOERROR/);
    assert.match(srv, /flags: qr aa rd;/); // authoritative, no recursion available
    assert.match(srv, /web1\.node\.dc1\.consul\.\s+0\s+IN\s+A\s+10\.0\.0\.1/);
    assert.match(srv, /web1\.node\.dc1\.consul\.\s+0\s+IN\s+TXT\s+"rack=r1"/);
    assert.doesNotMatch(srv, /OPT PSEUDOSECTION/);

    const nx = await dig(server.port, 'nothing.service.consul', 'A');
    assert.match(nx, /status: NXDOMAIN/);
    assert.match(nx, /consul\.\s+0\s+IN\s+SOA\s+ns\.consul\. hostmaster\.consul\. \d+ 3600 600 86400 0/);
    assert.match(nx, /EDNS: version: 0, flags:; udp: 1232/); // dig's default OPT echoed

    const nodata = await dig(server.port, 'web.service.consul', 'AAAA');
    assert.match(nodata, /status: NOERROR/);
    assert.match(nodata, /ANSWER: 0, AUTHORITY: 1/);

    assert.match(await dig(server.port, 'example.com', 'A'), /status: REFUSED/);
    assert.match(await dig(server.port, 'web.service.dc2.consul', 'A'), /status: NXDOMAIN/);
  });

  it('answers node, .addr and reverse lookups', async () => {
    assert.equal((await dig(server.port, '+short', 'web1.node.consul', 'A')).trim(), '10.0.0.1');
    assert.equal((await dig(server.port, '+short', 'web1.node.consul', 'TXT')).trim(), '"rack=r1"');
    assert.equal((await dig(server.port, '+short', '0a000001.addr.dc1.consul', 'A')).trim(), '10.0.0.1');
    assert.equal((await dig(server.port, '+short', '-x', '10.0.0.2')).trim(), 'web2.node.dc1.consul.');
  });
});
