import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { parseQuestion, type DnsDomains, type DnsQuery } from '../../../src/dns/parse.js';
import { QTYPE, RCODE } from '../../../src/dns/records.js';
import { addresses, ask, catalogWith } from './dns-fixtures.js';
import { startTestServer } from './dns-client.js';

// roster's multi-tag form: `_<svc>._<t1>._<t2>…[.service][.<dc>].<domain>` requires every tag.
const domains: DnsDomains = { domain: 'consul', altDomain: '' };
const q = (name: string, qtype: number = QTYPE.A): DnsQuery => parseQuestion(name, qtype, domains).query;

const fleet = () =>
  catalogWith([
    { node: 'a', address: '10.0.0.1', service: 'web', tags: ['v1', 'prod', 'eu'] },
    { node: 'b', address: '10.0.0.2', service: 'web', tags: ['v1', 'canary'] },
    { node: 'c', address: '10.0.0.3', service: 'web', tags: ['V2', 'Prod'] },
    { node: 'd', address: '10.0.0.4', service: 'web', tags: ['v1.prod'] }, // a tag with a dot
  ]);

describe('dns multi-tag names', () => {
  it('parses every _label after the service as a required tag; _tcp is no filter', () => {
    assert.deepEqual(q('_web._v1._prod.service.consul'), { kind: 'service', service: 'web', tags: ['v1', 'prod'] });
    assert.deepEqual(q('_web._v1._prod._eu.service.dc1.consul'), { kind: 'service', service: 'web', tags: ['v1', 'prod', 'eu'], datacenter: 'dc1' });
    assert.deepEqual(q('_web._v1._tcp.consul', QTYPE.SRV), { kind: 'service', service: 'web', tags: ['v1'] });
    assert.deepEqual(q('_web._tcp._tcp.service.consul'), { kind: 'service', service: 'web' });
    // The older forms are untouched: one dotted tag, and RFC 2782 with one tag.
    assert.deepEqual(q('v1.prod.web.service.consul'), { kind: 'service', service: 'web', tag: 'v1.prod' });
    assert.deepEqual(q('_web._v1.service.consul'), { kind: 'service', service: 'web', tag: 'v1' });
    // Not every label an underscore one: the older form (the last label is the service).
    assert.deepEqual(q('_web.v1._prod.service.consul'), { kind: 'service', service: '_prod', tag: '_web.v1' });
  });

  it('answers with the instances carrying all the tags, case-insensitively', async () => {
    const { store } = await fleet();
    assert.deepEqual(addresses(ask(store, '_web._v1._prod.service.consul', QTYPE.A).answer), ['10.0.0.1']);
    assert.deepEqual(addresses(ask(store, '_web._PROD._v2.service.consul', QTYPE.A).answer), ['10.0.0.3']);
    assert.deepEqual(addresses(ask(store, '_web._v1._tcp.service.consul', QTYPE.A).answer), ['10.0.0.1', '10.0.0.2']);
    // The dotted tag is still reachable through the older form, and only there.
    assert.deepEqual(addresses(ask(store, 'v1.prod.web.service.consul', QTYPE.A).answer), ['10.0.0.4']);
    assert.equal(ask(store, '_web._v1._staging.service.consul', QTYPE.A).rcode, RCODE.NXDOMAIN);
    const srv = ask(store, '_web._v1._eu.consul', QTYPE.SRV);
    assert.deepEqual(srv.answer.map((r) => (r.type === 'SRV' ? r.target : '')), ['a.node.dc1.consul']);
  });

  it('works through dig', async () => {
    const { store } = await fleet();
    const server = await startTestServer(store);
    try {
      const { stdout } = await promisify(execFile)('dig', ['@127.0.0.1', '-p', String(server.port), '+short', '+time=2', '+tries=1', '_web._v1._prod.service.consul', 'A']);
      assert.equal(stdout.trim(), '10.0.0.1');
    } finally {
      await server.close();
    }
  });
});
