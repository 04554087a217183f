import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { QTYPE, RCODE } from '../../../src/dns/records.js';
import { seededRandom } from '../../../src/shared/random.js';
import { ManualClock } from '../../helpers/manual-clock.js';
import { addresses, ask, catalogWith, resolveOptions } from './dns-fixtures.js';

describe('dns resolve: service health filtering', () => {
  const mixed = () =>
    catalogWith([
      { node: 'ok', address: '10.0.0.1', service: 'web', serviceCheck: 'passing' },
      { node: 'warn', address: '10.0.0.2', service: 'web', serviceCheck: 'warning' },
      { node: 'sick', address: '10.0.0.3', service: 'web', serviceCheck: 'critical' },
      { node: 'dead', address: '10.0.0.4', service: 'web', serf: 'critical' }, // node check (serfHealth) failing
      { node: 'nochecks', address: '10.0.0.5', service: 'web' },
    ]);

  it('drops instances with any critical check, node checks included, and keeps warning ones', async () => {
    const { store } = await mixed();
    const res = ask(store, 'web.service.consul', QTYPE.A);
    assert.equal(res.rcode, RCODE.NOERROR);
    assert.equal(res.authoritative, true);
    assert.deepEqual(addresses(res.answer), ['10.0.0.1', '10.0.0.2', '10.0.0.5']);
    assert.ok(res.answer.every((r) => r.name === 'web.service.consul' && r.ttl === 0));
  });

  it('drops warning instances too with only_passing', async () => {
    const { store } = await mixed();
    const res = ask(store, 'web.service.consul', QTYPE.A, resolveOptions({ dns: { onlyPassing: true } }));
    assert.deepEqual(addresses(res.answer), ['10.0.0.1', '10.0.0.5']);
  });

  it('answers NXDOMAIN with the SOA when every instance is unhealthy, as for an unknown service', async () => {
    const { store } = await catalogWith([{ node: 'sick', address: '10.0.0.3', service: 'web', serviceCheck: 'critical' }]);
    const clock = new ManualClock();
    for (const name of ['web.service.consul', 'nope.service.consul']) {
      const res = ask(store, name, QTYPE.A, resolveOptions({ clock }));
      assert.equal(res.rcode, RCODE.NXDOMAIN, name);
      assert.deepEqual(res.answer, []);
      assert.deepEqual(res.authority, [
        {
          type: 'SOA',
          name: 'consul',
          ttl: 0,
          mname: 'ns.consul',
          rname: 'hostmaster.consul',
          serial: Math.floor(clock.now() / 1000),
          refresh: 3600,
          retry: 600,
          expire: 86400,
          minimum: 0,
        },
      ]);
    }
  });
});

describe('dns resolve: service names, tags and datacenters', () => {
  const tagged = () =>
    catalogWith([
      { node: 'a', address: '10.0.0.1', service: 'web', tags: ['v1', 'Primary'] },
      { node: 'b', address: '10.0.0.2', service: 'web', tags: ['v2'] },
    ]);

  it('filters on one tag, case-insensitively', async () => {
    const { store } = await tagged();
    assert.deepEqual(addresses(ask(store, 'v1.web.service.consul', QTYPE.A).answer), ['10.0.0.1']);
    assert.deepEqual(addresses(ask(store, 'PRIMARY.Web.service.consul', QTYPE.A).answer), ['10.0.0.1']);
    assert.equal(ask(store, 'v3.web.service.consul', QTYPE.A).rcode, RCODE.NXDOMAIN);
  });

  it('reads the RFC 2782 form: _tcp is no filter, _v2 a tag', async () => {
    const { store } = await tagged();
    const all = ask(store, '_web._tcp.service.consul', QTYPE.SRV);
    assert.deepEqual(all.answer.map((r) => r.type === 'SRV' && r.target).sort(), ['a.node.dc1.consul', 'b.node.dc1.consul']);
    const v2 = ask(store, '_web._v2.consul', QTYPE.SRV);
    assert.deepEqual(v2.answer.map((r) => r.type === 'SRV' && r.target), ['b.node.dc1.consul']);
  });

  it('matches service names case-insensitively', async () => {
    const { store } = await catalogWith([{ node: 'a', address: '10.0.0.1', service: 'Billing' }]);
    assert.deepEqual(addresses(ask(store, 'billing.service.consul', QTYPE.A).answer), ['10.0.0.1']);
  });

  it('answers for our datacenter by name and NXDOMAIN + SOA for any other', async () => {
    const { store } = await tagged();
    assert.equal(ask(store, 'web.service.dc1.consul', QTYPE.A).answer.length, 2);
    assert.equal(ask(store, 'web.service.DC1.dc.consul', QTYPE.A).answer.length, 2);
    for (const name of ['web.service.dc2.consul', 'web.service.dc2.dc.consul', 'web.service.p.peer.consul']) {
      const res = ask(store, name, QTYPE.A);
      assert.equal(res.rcode, RCODE.NXDOMAIN, name);
      assert.equal(res.authority[0]?.type, 'SOA', name);
    }
  });

  it('answers in the alternate domain when the question used it', async () => {
    const { store } = await tagged();
    const options = resolveOptions({ domains: { domain: 'consul', altDomain: 'alt.test' } });
    const res = ask(store, 'web.service.alt.test', QTYPE.SRV, options);
    assert.deepEqual(res.answer.map((r) => r.type === 'SRV' && r.target).sort(), ['a.node.dc1.alt.test', 'b.node.dc1.alt.test']);
    assert.deepEqual(res.additional.filter((r) => r.type === 'A').map((r) => r.name).sort(), ['a.node.dc1.alt.test', 'b.node.dc1.alt.test']);
    assert.equal(ask(store, 'nope.service.alt.test', QTYPE.A, options).authority[0]?.name, 'alt.test');
  });
});

describe('dns resolve: SRV records', () => {
  it('gives priority 1, the weight for the health state, the port and the node as target', async () => {
    const { store } = await catalogWith([
      { node: 'a', address: '10.0.0.1', service: 'web', port: 8080, weights: { Passing: 10, Warning: 2 }, nodeMeta: { rack: 'r1', 'rfc1035-note': 'hello' } },
      { node: 'b', address: '10.0.0.2', service: 'web', port: 9090, weights: { Passing: 10, Warning: 2 }, serviceCheck: 'warning' },
    ]);
    const res = ask(store, 'web.service.consul', QTYPE.SRV, resolveOptions({ dns: { serviceTtlMs: { web: 30_000 } } }));
    const byTarget = new Map(res.answer.map((r) => [r.type === 'SRV' ? r.target : '', r]));
    assert.deepEqual(byTarget.get('a.node.dc1.consul'), { type: 'SRV', name: 'web.service.consul', ttl: 30, priority: 1, weight: 10, port: 8080, target: 'a.node.dc1.consul' });
    assert.deepEqual(byTarget.get('b.node.dc1.consul'), { type: 'SRV', name: 'web.service.consul', ttl: 30, priority: 1, weight: 2, port: 9090, target: 'b.node.dc1.consul' });
    const extra = res.additional.map((r) => `${r.type} ${r.name} ${r.type === 'A' ? r.address : r.type === 'TXT' ? r.text : ''} ${r.ttl}`).sort();
    assert.deepEqual(extra, [
      'A a.node.dc1.consul 10.0.0.1 30',
      'A b.node.dc1.consul 10.0.0.2 30',
      'TXT a.node.dc1.consul hello 30', // rfc1035- keys give the bare value
      'TXT a.node.dc1.consul rack=r1 30',
    ]);
  });

  it('leaves node metadata out of the additional section when disabled', async () => {
    const { store } = await catalogWith([{ node: 'a', address: '10.0.0.1', service: 'web', nodeMeta: { rack: 'r1' } }]);
    const res = ask(store, 'web.service.consul', QTYPE.SRV, resolveOptions({ dns: { enableAdditionalNodeMetaTxt: false } }));
    assert.deepEqual(res.additional.map((r) => r.type), ['A']);
  });

  it('names a service with its own IP by an .addr target (IPv4 and IPv6)', async () => {
    const { store } = await catalogWith([
      { node: 'a', address: '10.0.0.1', service: 'web', serviceAddress: '192.168.1.10' },
      { node: 'b', address: '10.0.0.2', service: 'web', serviceAddress: '2001:db8::1' },
      { node: 'c', address: '10.0.0.3', service: 'web', serviceAddress: '10.0.0.3' }, // same as its node
    ]);
    const res = ask(store, 'web.service.consul', QTYPE.SRV);
    const targets = res.answer.map((r) => (r.type === 'SRV' ? r.target : '')).sort();
    assert.deepEqual(targets, ['20010db8000000000000000000000001.addr.dc1.consul', 'c.node.dc1.consul', 'c0a8010a.addr.dc1.consul']);
    const glue = res.additional.filter((r) => r.type === 'A' || r.type === 'AAAA').map((r) => `${r.type} ${r.name}`).sort();
    assert.deepEqual(glue, ['A c.node.dc1.consul', 'A c0a8010a.addr.dc1.consul', 'AAAA 20010db8000000000000000000000001.addr.dc1.consul']);
  });

  it('collapses instances on the same node:address:port and duplicate additional records', async () => {
    const { store } = await catalogWith([
      { node: 'a', address: '10.0.0.1', service: 'web', id: 'web-1', port: 80 },
      { node: 'a', address: '10.0.0.1', service: 'web', id: 'web-2', port: 81 },
      { node: 'a', address: '10.0.0.1', service: 'web', id: 'web-3', port: 81 },
    ]);
    const srv = ask(store, 'web.service.consul', QTYPE.SRV);
    assert.deepEqual(srv.answer.map((r) => r.type === 'SRV' && r.port).sort(), [80, 81]);
    assert.deepEqual(srv.additional.map((r) => r.type), ['A']);
    // A records: one per address, however many instances share it.
    assert.deepEqual(addresses(ask(store, 'web.service.consul', QTYPE.A).answer), ['10.0.0.1']);
  });
});

describe('dns resolve: address records', () => {
  const dual = () =>
    catalogWith([
      { node: 'a', address: '10.0.0.1', service: 'web' },
      { node: 'b', address: '10.0.0.2', service: 'web', serviceAddress: '2001:db8::2' },
    ]);

  it('answers A with IPv4 only, AAAA with IPv6 only, ANY with both', async () => {
    const { store } = await dual();
    assert.deepEqual(addresses(ask(store, 'web.service.consul', QTYPE.A).answer), ['10.0.0.1']);
    const aaaa = ask(store, 'web.service.consul', QTYPE.AAAA);
    assert.deepEqual(aaaa.answer.map((r) => r.type), ['AAAA']);
    assert.deepEqual(addresses(aaaa.answer), ['2001:db8:0:0:0:0:0:2']);
    assert.deepEqual(ask(store, 'web.service.consul', QTYPE.ANY).answer.map((r) => r.type).sort(), ['A', 'AAAA']);
  });

  it('answers NODATA (NOERROR, no answer, SOA) for AAAA of an IPv4-only service', async () => {
    const { store } = await catalogWith([{ node: 'a', address: '10.0.0.1', service: 'web' }]);
    for (const qtype of [QTYPE.AAAA, QTYPE.TXT, 15 /* MX */]) {
      const res = ask(store, 'web.service.consul', qtype);
      assert.equal(res.rcode, RCODE.NOERROR);
      assert.deepEqual(res.answer, []);
      assert.deepEqual(res.additional, []);
      assert.deepEqual(res.authority.map((r) => r.type), ['SOA']);
    }
  });

  it('caps contributing instances at a_record_limit', async () => {
    const { store } = await catalogWith(
      Array.from({ length: 6 }, (_, i) => ({ node: `n${i}`, address: `10.0.0.${i + 1}`, service: 'web' })),
    );
    assert.equal(ask(store, 'web.service.consul', QTYPE.A, resolveOptions({ dns: { aRecordLimit: 2 } })).answer.length, 2);
    assert.equal(ask(store, 'web.service.consul', QTYPE.A).answer.length, 6);
  });

  it('shuffles instances on every query, reproducibly for a seed', async () => {
    const { store } = await catalogWith(
      Array.from({ length: 8 }, (_, i) => ({ node: `n${i}`, address: `10.0.0.${i + 1}`, service: 'web' })),
    );
    const orders = (seed: number): string[] => {
      const options = resolveOptions({ random: seededRandom(seed) });
      return Array.from({ length: 10 }, () => ask(store, 'web.service.consul', QTYPE.A, options).answer.map((r) => (r.type === 'A' ? r.address : '')).join(','));
    };
    const first = orders(42);
    assert.ok(new Set(first).size > 1, 'the order changes between queries');
    assert.deepEqual(orders(42), first, 'the same seed gives the same orders');
  });

  it('CNAMEs to a hostname address and follows names in our own zone', async () => {
    const { store } = await catalogWith([
      { node: 'ext', address: '10.0.0.9', service: 'search', serviceAddress: 'search.example.com' },
      { node: 'db1', address: '10.0.0.5', service: 'db' },
      { node: 'alias', address: '10.0.0.9', service: 'dbalias', serviceAddress: 'db.service.consul' },
    ]);
    assert.deepEqual(ask(store, 'search.service.consul', QTYPE.A).answer, [
      { type: 'CNAME', name: 'search.service.consul', ttl: 0, target: 'search.example.com' },
    ]);
    assert.deepEqual(ask(store, 'dbalias.service.consul', QTYPE.A).answer, [
      { type: 'CNAME', name: 'dbalias.service.consul', ttl: 0, target: 'db.service.consul' },
      { type: 'A', name: 'db.service.consul', ttl: 0, address: '10.0.0.5' },
    ]);
    const srv = ask(store, 'search.service.consul', QTYPE.SRV);
    assert.deepEqual(srv.answer.map((r) => r.type === 'SRV' && r.target), ['search.example.com']);
  });
});
