import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { QTYPE, RCODE } from '../../../src/dns/records.js';
import { serviceTtl } from '../../../src/dns/ttl.js';
import { ask, catalogWith, dnsConfig, resolveOptions } from './dns-fixtures.js';

describe('dns resolve: node lookups', () => {
  const nodes = () =>
    catalogWith([
      { node: 'web1', address: '10.0.0.1', nodeMeta: { rack: 'r1', 'a=b': 'c`d' } },
      { node: 'v6', address: '2001:db8::6' },
      { node: 'dead', address: '10.0.0.3', serf: 'critical' },
      { node: 'my.host', address: '10.0.0.4' },
    ]);

  it('answers A from the node address with node metadata as additional TXT', async () => {
    const { store } = await nodes();
    const res = ask(store, 'web1.node.consul', QTYPE.A, resolveOptions({ dns: { nodeTtlMs: 10_000 } }));
    assert.equal(res.rcode, RCODE.NOERROR);
    assert.deepEqual(res.answer, [{ type: 'A', name: 'web1.node.consul', ttl: 10, address: '10.0.0.1' }]);
    assert.deepEqual(res.additional, [
      { type: 'TXT', name: 'web1.node.consul', ttl: 10, text: 'a`=b=c``d' }, // RFC 1464 escaping
      { type: 'TXT', name: 'web1.node.consul', ttl: 10, text: 'rack=r1' },
    ]);
  });

  it('puts the metadata in the answer for TXT and ANY', async () => {
    const { store } = await nodes();
    assert.deepEqual(ask(store, 'web1.node.consul', QTYPE.TXT).answer.map((r) => r.type), ['TXT', 'TXT']);
    assert.deepEqual(ask(store, 'web1.node.dc1.consul', QTYPE.ANY).answer.map((r) => r.type), ['A', 'TXT', 'TXT']);
  });

  it('does not filter on health, keeps dots in names and ignores case', async () => {
    const { store } = await nodes();
    assert.equal(ask(store, 'dead.node.consul', QTYPE.A).answer.length, 1);
    assert.equal(ask(store, 'my.host.node.consul', QTYPE.A).answer.length, 1);
    assert.equal(ask(store, 'WEB1.Node.Consul', QTYPE.A).answer[0]?.name, 'WEB1.Node.Consul');
  });

  it('answers AAAA for an IPv6 node, NODATA for the wrong family or other types, NXDOMAIN for an unknown node', async () => {
    const { store } = await nodes();
    assert.deepEqual(ask(store, 'v6.node.consul', QTYPE.AAAA).answer.map((r) => r.type), ['AAAA']);
    for (const [name, qtype] of [['v6.node.consul', QTYPE.A], ['web1.node.consul', QTYPE.SRV]] as const) {
      const res = ask(store, name, qtype);
      assert.equal(res.rcode, RCODE.NOERROR, name);
      assert.deepEqual(res.answer, []);
      assert.deepEqual(res.authority.map((r) => r.type), ['SOA']);
    }
    const missing = ask(store, 'ghost.node.consul', QTYPE.A);
    assert.equal(missing.rcode, RCODE.NXDOMAIN);
    assert.equal(ask(store, 'web1.node.dc9.consul', QTYPE.A).rcode, RCODE.NXDOMAIN);
  });
});

describe('dns resolve: .addr and reverse lookups', () => {
  it('answers .addr names with the encoded address for the matching type only', async () => {
    const { store } = await catalogWith([]);
    assert.deepEqual(ask(store, '0a000001.addr.dc1.consul', QTYPE.A).answer, [{ type: 'A', name: '0a000001.addr.dc1.consul', ttl: 0, address: '10.0.0.1' }]);
    assert.deepEqual(ask(store, '20010db8000000000000000000000001.addr.consul', QTYPE.AAAA).answer.map((r) => r.type), ['AAAA']);
    const wrong = ask(store, '0a000001.addr.consul', QTYPE.AAAA);
    assert.equal(wrong.rcode, RCODE.NOERROR);
    assert.deepEqual(wrong.authority.map((r) => r.type), ['SOA']);
    assert.equal(ask(store, 'zz000001.addr.consul', QTYPE.A).rcode, RCODE.NXDOMAIN);
  });

  it('maps node and service addresses back to their names, TTL 0', async () => {
    const { store } = await catalogWith([
      { node: 'web1', address: '10.0.0.1' },
      { node: 'web2', address: '10.0.0.2', service: 'api', serviceAddress: '192.168.0.7' },
      { node: 'v6', address: '2001:db8::1' },
    ]);
    const options = resolveOptions({ dns: { nodeTtlMs: 60_000 } });
    assert.deepEqual(ask(store, '1.0.0.10.in-addr.arpa', QTYPE.PTR, options).answer, [
      { type: 'PTR', name: '1.0.0.10.in-addr.arpa', ttl: 0, target: 'web1.node.dc1.consul' },
    ]);
    assert.deepEqual(ask(store, '7.0.168.192.in-addr.arpa', QTYPE.PTR).answer.map((r) => r.type === 'PTR' && r.target), ['api.service.dc1.consul']);
    const v6 = '1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa';
    assert.deepEqual(ask(store, v6, QTYPE.PTR).answer.map((r) => r.type === 'PTR' && r.target), ['v6.node.dc1.consul']);
  });

  it('answers NXDOMAIN with the primary domain SOA for unknown reverse names', async () => {
    const { store } = await catalogWith([{ node: 'web1', address: '10.0.0.1' }]);
    const options = resolveOptions({ domains: { domain: 'consul', altDomain: 'alt.test' } });
    for (const name of ['9.9.9.9.in-addr.arpa', '0.10.in-addr.arpa']) {
      const res = ask(store, name, QTYPE.PTR, options);
      assert.equal(res.rcode, RCODE.NXDOMAIN, name);
      assert.deepEqual(res.authority.map((r) => `${r.type} ${r.name}`), ['SOA consul']);
    }
  });
});

describe('dns resolve: zone questions and response codes', () => {
  const cluster = () =>
    catalogWith([
      { node: 's1', address: '10.0.1.1', service: 'consul', port: 8300 },
      { node: 's2', address: '10.0.1.2', service: 'consul', port: 8300 },
      { node: 's3', address: '10.0.1.3', service: 'consul', port: 8300 },
      { node: 's4', address: '10.0.1.4', service: 'consul', port: 8300 },
      { node: 's5', address: '10.0.1.5', service: 'consul', port: 8300, serf: 'critical' },
    ]);

  it('answers SOA with up to three healthy servers as NS and their addresses as glue', async () => {
    const { store } = await cluster();
    const res = ask(store, 'consul', QTYPE.SOA, resolveOptions({ dns: { nodeTtlMs: 5_000 } }));
    assert.equal(res.rcode, RCODE.NOERROR);
    assert.deepEqual(res.answer.map((r) => `${r.type} ${r.name}`), ['SOA consul']);
    assert.equal(res.authority.length, 3);
    const targets = res.authority.map((r) => (r.type === 'NS' ? r.target : ''));
    assert.ok(targets.every((t) => /^s[1-4]\.node\.dc1\.consul$/.test(t)), targets.join());
    assert.ok(res.authority.every((r) => r.name === 'consul' && r.ttl === 5));
    assert.deepEqual(res.additional.map((r) => r.name).sort(), [...targets].sort());
  });

  it('answers NS in the answer section, in the domain the question used', async () => {
    const { store } = await cluster();
    const options = resolveOptions({ domains: { domain: 'consul', altDomain: 'alt.test' } });
    const res = ask(store, 'alt.test', QTYPE.NS, options);
    assert.equal(res.answer.length, 3);
    assert.ok(res.answer.every((r) => r.type === 'NS' && r.name === 'alt.test' && r.target.endsWith('.node.dc1.alt.test')));
    // With no servers in the catalog, NS has no data.
    const empty = ask((await catalogWith([])).store, 'consul', QTYPE.NS);
    assert.equal(empty.rcode, RCODE.NOERROR);
    assert.deepEqual(empty.authority.map((r) => r.type), ['SOA']);
  });

  it('refuses names outside our zones, unauthoritatively', async () => {
    const { store } = await cluster();
    const res = ask(store, 'www.example.com', QTYPE.A);
    assert.deepEqual(res, { rcode: RCODE.REFUSED, authoritative: false, answer: [], authority: [], additional: [] });
  });

  it('does not do zone transfers', async () => {
    const { store } = await cluster();
    assert.equal(ask(store, 'consul', QTYPE.AXFR).rcode, RCODE.NOTIMP);
  });

  it('answers NXDOMAIN + SOA for malformed names and forms roster does not serve', async () => {
    const { store } = await cluster();
    for (const name of ['consul', 'foo.consul', 'x.y.z.service.a.b.c.consul', 'q.query.consul', 'web.connect.consul']) {
      const res = ask(store, name, QTYPE.A);
      assert.equal(res.rcode, RCODE.NXDOMAIN, name);
      assert.deepEqual(res.authority.map((r) => r.type), ['SOA'], name);
    }
  });
});

describe('dns ttl', () => {
  it('prefers an exact service name, then the longest prefix, then *', () => {
    const dns = dnsConfig({ serviceTtlMs: { web: 5_000, 'we*': 7_000, 'w*': 8_000, '*': 1_500 } });
    assert.equal(serviceTtl(dns, 'web'), 5);
    assert.equal(serviceTtl(dns, 'west'), 7);
    assert.equal(serviceTtl(dns, 'wax'), 8);
    assert.equal(serviceTtl(dns, 'db'), 1);
    assert.equal(serviceTtl(dnsConfig(), 'db'), 0);
  });
});
