import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatIp, ipToHex, parseIp } from '../../../src/dns/ip.js';
import { normaliseDomain, parseQuestion, type DnsDomains, type DnsQuery } from '../../../src/dns/parse.js';
import { QTYPE } from '../../../src/dns/records.js';

const domains: DnsDomains = { domain: 'consul', altDomain: 'example.test' };
const q = (name: string, qtype: number = QTYPE.A): DnsQuery => parseQuestion(name, qtype, domains).query;

describe('dns parse: service forms', () => {
  it('reads <svc>.service.<domain> with and without the trailing dot', () => {
    assert.deepEqual(q('web.service.consul.'), { kind: 'service', service: 'web' });
    assert.deepEqual(q('web.service.consul'), { kind: 'service', service: 'web' });
  });

  it('reads a tag, and re-joins every label before the service into one tag', () => {
    assert.deepEqual(q('v1.web.service.consul'), { kind: 'service', service: 'web', tag: 'v1' });
    assert.deepEqual(q('a.b.web.service.consul'), { kind: 'service', service: 'web', tag: 'a.b' });
  });

  it('reads the datacenter as <dc> or <dc>.dc', () => {
    assert.deepEqual(q('web.service.dc2.consul'), { kind: 'service', service: 'web', datacenter: 'dc2' });
    assert.deepEqual(q('v1.web.service.dc2.dc.consul'), { kind: 'service', service: 'web', tag: 'v1', datacenter: 'dc2' });
  });

  it('is case-insensitive and keeps the asked spelling for answers', () => {
    const parsed = parseQuestion('V1.Web.SERVICE.DC1.Consul.', QTYPE.A, domains);
    assert.deepEqual(parsed.query, { kind: 'service', service: 'web', tag: 'v1', datacenter: 'dc1' });
    assert.equal(parsed.name, 'V1.Web.SERVICE.DC1.Consul');
    assert.equal(parsed.responseDomain, 'consul');
  });

  it('reads the RFC 2782 form; _tcp means no tag, any other _x is a tag', () => {
    assert.deepEqual(q('_web._tcp.service.consul', QTYPE.SRV), { kind: 'service', service: 'web' });
    assert.deepEqual(q('_web._v1.service.consul', QTYPE.SRV), { kind: 'service', service: 'web', tag: 'v1' });
    assert.deepEqual(q('_web._udp.service.dc1.consul', QTYPE.SRV), { kind: 'service', service: 'web', tag: 'udp', datacenter: 'dc1' });
  });

  it('lets SRV questions leave out the service keyword', () => {
    assert.deepEqual(q('_web._tcp.consul', QTYPE.SRV), { kind: 'service', service: 'web' });
    assert.deepEqual(q('_web._tcp.dc1.consul', QTYPE.SRV), { kind: 'service', service: 'web', datacenter: 'dc1' });
    // …but only SRV questions.
    assert.equal(q('_web._tcp.consul', QTYPE.A).kind, 'invalid');
  });

  it('answers in whichever domain the question used, preferring the longest match', () => {
    const alt = parseQuestion('web.service.example.test', QTYPE.A, domains);
    assert.equal(alt.responseDomain, 'example.test');
    assert.deepEqual(alt.query, { kind: 'service', service: 'web' });
    const nested = parseQuestion('web.service.dc1.consul', QTYPE.A, { domain: 'consul', altDomain: 'dc1.consul' });
    assert.equal(nested.responseDomain, 'dc1.consul');
    assert.deepEqual(nested.query, { kind: 'service', service: 'web' });
  });
});

describe('dns parse: node, addr and reverse forms', () => {
  it('reads node names, dots included, with an optional datacenter', () => {
    assert.deepEqual(q('web1.node.consul'), { kind: 'node', node: 'web1' });
    assert.deepEqual(q('web1.node.dc1.consul'), { kind: 'node', node: 'web1', datacenter: 'dc1' });
    // The rightmost keyword wins, so a node named like a keyword still parses.
    assert.deepEqual(q('my.host.node.consul'), { kind: 'node', node: 'my.host' });
  });

  it('decodes 8 and 32 hex digit .addr names and ignores their locality', () => {
    const v4 = q('0a000001.addr.dc1.consul');
    assert.equal(v4.kind, 'addr');
    assert.equal(v4.kind === 'addr' && formatIp(v4.ip), '10.0.0.1');
    const v6 = q('20010db8000000000000000000000001.addr.whatever.dc.consul');
    assert.equal(v6.kind === 'addr' && formatIp(v6.ip), '2001:db8:0:0:0:0:0:1');
  });

  it('decodes full reverse names and rejects partial ones', () => {
    const v4 = parseQuestion('4.3.2.10.IN-ADDR.ARPA.', QTYPE.PTR, domains);
    assert.equal(v4.query.kind === 'ptr' && formatIp(v4.query.ip), '10.2.3.4');
    assert.equal(v4.responseDomain, 'consul'); // reverse answers use the primary domain
    const nibbles = '1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2';
    const v6 = q(`${nibbles}.ip6.arpa`, QTYPE.PTR);
    assert.equal(v6.kind === 'ptr' && formatIp(v6.ip), '2001:db8:0:0:0:0:0:1');
    assert.equal(q('2.10.in-addr.arpa', QTYPE.PTR).kind, 'invalid');
    assert.equal(q('256.3.2.10.in-addr.arpa', QTYPE.PTR).kind, 'invalid');
    assert.equal(q('something.arpa', QTYPE.PTR).kind, 'invalid');
  });
});

describe('dns parse: names we do not serve', () => {
  it('marks names outside our zones', () => {
    const parsed = parseQuestion('www.example.com', QTYPE.A, domains);
    assert.deepEqual(parsed.query, { kind: 'outside' });
    assert.equal(parsed.responseDomain, '');
    // A zone name must match whole labels.
    assert.deepEqual(q('web.service.notconsul'), { kind: 'outside' });
  });

  it('rejects malformed names inside our zones', () => {
    for (const name of [
      'consul', // the apex has no lookup keyword
      'web.consul', // no keyword
      'service.consul', // nothing before the keyword
      'node.consul',
      'web.service.a.b.c.consul', // locality of three labels
      'web.service.dc1.xx.consul', // two labels that are neither .dc nor .peer
      '0a00001.addr.consul', // 7 hex digits
      '0a00000g.addr.consul', // not hex
      'a.0a000001.addr.consul', // two labels before .addr
    ]) {
      assert.equal(q(name).kind, 'invalid', name);
    }
  });

  it('flags forms roster does not serve yet', () => {
    assert.deepEqual(q('web.service.other.peer.consul'), { kind: 'unsupported', form: 'peer' });
    assert.deepEqual(q('geo.query.consul'), { kind: 'unsupported', form: 'query' });
    assert.deepEqual(q('web.connect.consul'), { kind: 'unsupported', form: 'connect' });
    assert.deepEqual(q('web.ingress.consul'), { kind: 'unsupported', form: 'ingress' });
    assert.deepEqual(q('web.virtual.consul'), { kind: 'unsupported', form: 'virtual' });
  });

  it('normalises configured domains', () => {
    assert.equal(normaliseDomain('Consul.'), 'consul');
    assert.equal(normaliseDomain('.example.test.'), 'example.test');
    assert.equal(normaliseDomain(''), '');
  });
});

describe('dns ip helpers', () => {
  it('reads addresses as Go does: IPv4-mapped IPv6 is IPv4, a zone makes it a hostname', () => {
    assert.deepEqual(parseIp('10.1.2.3'), { family: 4, bytes: [10, 1, 2, 3] });
    assert.deepEqual(parseIp('::ffff:10.1.2.3'), { family: 4, bytes: [10, 1, 2, 3] });
    assert.equal(parseIp('fe80::1%eth0'), undefined);
    assert.equal(parseIp('db.example.com'), undefined);
    assert.equal(parseIp('010.1.2.3'), undefined);
    const v6 = parseIp('2001:DB8::a:1.2.3.4');
    assert.equal(v6 && formatIp(v6), '2001:db8:0:0:0:a:102:304');
    assert.equal(v6 && ipToHex(v6), '20010db8000000000000000a01020304');
    assert.deepEqual(parseIp('::'), { family: 6, bytes: new Array(16).fill(0) });
  });
});
