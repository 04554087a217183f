import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { QTYPE, RCODE } from '../../../src/dns/records.js';
import type { DnsServerHandle } from '../../../src/dns/server.js';
import { catalogWith } from './dns-fixtures.js';
import { startTestServer, tcpQuery, udpQuery } from './dns-client.js';
import { Upstream } from './upstream.js';

describe('dns recursion', () => {
  let upstream: Upstream;
  let silent: Upstream;
  let failing: Upstream;
  let server: DnsServerHandle;
  let viaDead: DnsServerHandle;
  let viaFailing: DnsServerHandle;
  let allDead: DnsServerHandle;

  before(async () => {
    [upstream, silent, failing] = await Promise.all([new Upstream().start(), new Upstream('silent').start(), new Upstream('servfail').start()]);
    const { store } = await catalogWith([{ node: 'web1', address: '10.0.0.1', service: 'web' }]);
    server = await startTestServer(store, { recursors: [upstream.address()] });
    viaDead = await startTestServer(store, { recursors: [silent.address(), upstream.address()], recursorTimeoutMs: 300 });
    viaFailing = await startTestServer(store, { recursors: [failing.address(), upstream.address()] });
    allDead = await startTestServer(store, { recursors: [silent.address(), failing.address()], recursorTimeoutMs: 200 });
  });
  after(async () => {
    await Promise.all([server, viaDead, viaFailing, allDead].map((s) => s.close()));
    await Promise.all([upstream, silent, failing].map((u) => u.stop()));
  });

  it('forwards names outside our zones over UDP and hands back the answer under the client id', async () => {
    const { packet } = await udpQuery(server.port, 'Example.ORG', QTYPE.A, { id: 4321 });
    assert.equal(packet.header.id, 4321);
    assert.equal(packet.header.rcode, RCODE.NOERROR);
    assert.equal(packet.header.ra, 1);
    assert.deepEqual(packet.answers.map((a) => a.address), ['93.184.216.34']);
    const nx = await udpQuery(server.port, 'nx.example.org', QTYPE.A);
    assert.equal(nx.packet.header.rcode, RCODE.NXDOMAIN);
  });

  it('still answers its own zones itself, authoritatively, with RA set', async () => {
    const { packet } = await udpQuery(server.port, 'web.service.consul', QTYPE.A);
    assert.deepEqual([packet.header.aa, packet.header.ra], [1, 1]);
    assert.deepEqual(packet.answers.map((a) => a.address), ['10.0.0.1']);
    assert.equal((await udpQuery(server.port, 'nope.service.consul', QTYPE.A)).packet.header.rcode, RCODE.NXDOMAIN);
    assert.ok(!upstream.asked.some((q) => q.includes('consul')));
  });

  it('retries over TCP when the upstream truncates, and passes TC on when the client buffer is too small', async () => {
    const cut = await udpQuery(server.port, 'big.example.org', QTYPE.A);
    assert.equal(cut.packet.header.tc, 1);
    assert.ok(cut.bytes.length <= 512);
    assert.ok(upstream.asked.includes('tcp big.example.org'));
    const roomy = await udpQuery(server.port, 'big.example.org', QTYPE.A, { edns: 4096 });
    assert.deepEqual([roomy.packet.header.tc, roomy.packet.answers.length], [0, 40]);
    const tcp = await tcpQuery(server.port, 'big.example.org', QTYPE.A);
    assert.equal(tcp.packet.answers.length, 40);
  });

  it('forwards over TCP for TCP clients', async () => {
    const before = upstream.asked.filter((q) => q === 'tcp example.org').length;
    const { packet } = await tcpQuery(server.port, 'example.org', QTYPE.A);
    assert.deepEqual(packet.answers.map((a) => a.address), ['93.184.216.34']);
    assert.equal(upstream.asked.filter((q) => q === 'tcp example.org').length, before + 1);
  });

  it('moves to the next recursor on a timeout or an error answer; SERVFAIL when all fail', async () => {
    const started = performance.now();
    const slow = await udpQuery(viaDead.port, 'example.org', QTYPE.A);
    assert.deepEqual(slow.packet.answers.map((a) => a.address), ['93.184.216.34']);
    assert.ok(performance.now() - started >= 280, 'waited for the dead recursor first');
    assert.ok(silent.asked.includes('udp example.org'));
    const failed = await udpQuery(viaFailing.port, 'example.org', QTYPE.A);
    assert.deepEqual(failed.packet.answers.map((a) => a.address), ['93.184.216.34']);
    assert.ok(failing.asked.includes('udp example.org'));
    const none = await udpQuery(allDead.port, 'example.org', QTYPE.A, { id: 77 }, 3000);
    assert.deepEqual([none.packet.header.id, none.packet.header.rcode, none.packet.header.ra], [77, RCODE.SERVFAIL, 1]);
  });

  it('asks the recursors for reverse names it does not know', async () => {
    const ptr = await udpQuery(server.port, '4.3.2.1.in-addr.arpa', QTYPE.PTR);
    assert.equal(ptr.packet.answers[0]?.domain, 'outside.example.org');
    const ours = await udpQuery(server.port, '1.0.0.10.in-addr.arpa', QTYPE.PTR);
    assert.deepEqual([ours.packet.header.aa, ours.packet.answers[0]?.domain], [1, 'web1.node.dc1.consul']);
  });
});
