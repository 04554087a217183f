import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { QTYPE, RCODE } from '../../../src/dns/records.js';
import { ManualClock } from '../../helpers/manual-clock.js';
import { catalogWith, register, type InstanceSpec } from './dns-fixtures.js';
import { buildQuery, startTestServer, tcpQuery, udpExchange, udpQuery } from './dns-client.js';

// The prebuilt-reply cache: a repeated question is answered from bytes built once, made the
// asker's (ID, flags, spelling), reshuffled, and dropped the moment the catalog changes.
const many = (count: number, prefix = 'web'): InstanceSpec[] =>
  Array.from({ length: count }, (_, i) => ({ node: `${prefix}${i}`, address: `10.0.0.${i + 1}`, service: 'web' }));

describe('dns server: prebuilt replies', () => {
  it('serves repeats from the cache with each query\'s id, RD bit and spelling', async () => {
    const { store } = await catalogWith(many(2));
    const server = await startTestServer(store);
    try {
      const first = await udpQuery(server.port, 'web.service.consul', QTYPE.A, { id: 1 });
      const before = server.stats();
      const again = await udpQuery(server.port, 'WEB.service.Consul', QTYPE.A, { id: 2, rd: false });
      assert.equal(server.stats().hits, before.hits + 1, 'answered from the cache');
      assert.deepEqual([again.packet.header.id, again.packet.header.rd, again.packet.header.aa], [2, 0, 1]);
      assert.deepEqual(again.packet.questions.map((q) => q.name), ['WEB.service.Consul']);
      assert.ok(again.packet.answers.every((a) => a.name === 'WEB.service.Consul'));
      assert.deepEqual(again.packet.answers.map((a) => a.address).sort(), first.packet.answers.map((a) => a.address).sort());
      // UDP and TCP, with and without EDNS, are cached apart (they trim differently).
      assert.equal((await tcpQuery(server.port, 'web.service.consul', QTYPE.A)).packet.answers.length, 2);
      assert.equal((await udpQuery(server.port, 'web.service.consul', QTYPE.A, { edns: 1232 })).packet.additionals.length, 1);
      assert.equal((await udpQuery(server.port, 'web.service.consul', QTYPE.A)).packet.additionals.length, 0);
    } finally {
      await server.close();
    }
  });

  it('forgets everything when the catalog changes', async () => {
    const { store, log } = await catalogWith(many(1));
    const server = await startTestServer(store);
    try {
      assert.deepEqual((await udpQuery(server.port, 'web.service.consul', QTYPE.A)).packet.answers.map((a) => a.address), ['10.0.0.1']);
      assert.equal((await udpQuery(server.port, 'db.service.consul', QTYPE.A)).packet.header.rcode, RCODE.NXDOMAIN);
      await register(log, { node: 'db1', address: '10.0.1.1', service: 'db' });
      await register(log, { node: 'web9', address: '10.0.0.9', service: 'web' });
      assert.deepEqual((await udpQuery(server.port, 'db.service.consul', QTYPE.A)).packet.answers.map((a) => a.address), ['10.0.1.1']);
      assert.deepEqual((await udpQuery(server.port, 'web.service.consul', QTYPE.A)).packet.answers.map((a) => a.address).sort(), ['10.0.0.1', '10.0.0.9']);
      // A health change is a catalog change too.
      await register(log, { node: 'db1', address: '10.0.1.1', service: 'db', serviceCheck: 'critical' });
      assert.equal((await udpQuery(server.port, 'db.service.consul', QTYPE.A)).packet.header.rcode, RCODE.NXDOMAIN);
      assert.ok(server.stats().invalidations >= 3);
    } finally {
      await server.close();
    }
  });

  it('still shuffles: cached answers come in many orders, every instance first in some', async () => {
    const { store } = await catalogWith(many(5));
    const server = await startTestServer(store, { udpAnswerLimit: 8 });
    try {
      const orders = new Set<string>();
      const firsts = new Set<string>();
      for (let i = 0; i < 40; i++) {
        const { packet } = await udpQuery(server.port, 'web.service.consul', QTYPE.A);
        assert.equal(packet.answers.length, 5);
        orders.add(packet.answers.map((a) => a.address).join(' '));
        firsts.add(String(packet.answers[0]?.address));
      }
      assert.ok(orders.size >= 8, `${orders.size} orders`);
      assert.equal(firsts.size, 5);
    } finally {
      await server.close();
    }
  });

  it('rebuilds after a while, so the SOA serial follows the clock', async () => {
    const { store } = await catalogWith([]);
    const clock = new ManualClock();
    const server = await startTestServer(store, {}, '', clock);
    try {
      const serial = async () => (await udpQuery(server.port, 'consul', QTYPE.SOA)).packet.answers[0]?.serial;
      const first = await serial();
      assert.equal(await serial(), first);
      clock.advance(60_000);
      assert.equal(await serial(), (first ?? 0) + 60);
    } finally {
      await server.close();
    }
  });
});

describe('dns server: truncation', () => {
  it('fits UDP replies to the client EDNS buffer and sets TC when records were cut', async () => {
    const { store } = await catalogWith(many(12, 'a-rather-long-node-name-to-fill-the-packet-'));
    const server = await startTestServer(store);
    try {
      const plain = await udpQuery(server.port, 'web.service.consul', QTYPE.A);
      assert.deepEqual([plain.packet.answers.length, plain.packet.header.tc], [3, 1], 'udp_answer_limit without EDNS');
      const roomy = await udpQuery(server.port, 'web.service.consul', QTYPE.A, { edns: 1232 });
      assert.deepEqual([roomy.packet.answers.length, roomy.packet.header.tc], [12, 0], 'everything fits 1232 bytes');
      const srv = await udpQuery(server.port, 'web.service.consul', QTYPE.SRV, { edns: 700 });
      assert.ok(srv.bytes.length <= 700, `${srv.bytes.length} bytes`);
      assert.ok(srv.packet.answers.length > 1 && srv.packet.answers.length < 12, `${srv.packet.answers.length} answers`);
      assert.equal(srv.packet.header.tc, 1);
      assert.deepEqual(srv.packet.additionals.filter((r) => r.type === QTYPE.OPT).map((r) => r.class), [700]);
      const small = await udpQuery(server.port, 'web.service.consul', QTYPE.SRV, { edns: 100 }); // below 512 counts as 512
      assert.ok(small.bytes.length <= 512 && small.packet.answers.length >= 1);
      assert.equal(small.packet.header.tc, 1);
      const tcp = await tcpQuery(server.port, 'web.service.consul', QTYPE.SRV);
      assert.deepEqual([tcp.packet.answers.length, tcp.packet.header.tc], [12, 0]);
      assert.equal(tcp.packet.additionals.filter((r) => r.type === QTYPE.A).length, 12);
    } finally {
      await server.close();
    }
  });

  it('answers big TCP replies whole, up to 64 KiB, a_record_limit applied', async () => {
    const { store } = await catalogWith(Array.from({ length: 600 }, (_, i) => ({ node: `n${i}`, address: `10.${i >> 8}.${i & 255}.1`, service: 'web' })));
    const server = await startTestServer(store);
    const limited = await startTestServer(store, { aRecordLimit: 7 });
    try {
      const all = await tcpQuery(server.port, 'web.service.consul', QTYPE.A);
      assert.equal(all.packet.answers.length, 600);
      assert.equal(new Set(all.packet.answers.map((a) => a.address)).size, 600);
      assert.equal((await tcpQuery(limited.port, 'web.service.consul', QTYPE.A)).packet.answers.length, 7);
      const srv = await tcpQuery(server.port, 'web.service.consul', QTYPE.SRV);
      assert.ok(srv.bytes.length <= 65535 && srv.packet.answers.length > 300, `${srv.packet.answers.length} SRV in ${srv.bytes.length} bytes`);
    } finally {
      await Promise.all([server.close(), limited.close()]);
    }
  });
});

describe('dns server: EDNS versions', () => {
  it('answers an EDNS version other than 0 with BADVERS, version 0 in its OPT', async () => {
    const { store } = await catalogWith(many(1));
    const server = await startTestServer(store);
    try {
      const query = buildQuery('web.service.consul', QTYPE.A, { edns: 1232, id: 9 });
      query[query.length - 5] = 1; // the OPT record's version byte (no options: the last 11 bytes)
      const reply = await udpExchange(server.port, query);
      assert.deepEqual([reply.readUInt16BE(0), reply.readUInt16BE(6), reply[3]! & 0xf], [9, 0, 0]);
      // OPT at the end: ttl = extended rcode 1 (BADVERS = 16 with the header's 0), version 0.
      assert.equal(reply.readUInt32BE(reply.length - 6), 0x01000000);
      const { stdout } = await promisify(execFile)('dig', ['@127.0.0.1', '-p', String(server.port), '+edns=1', '+noednsnegotiation', '+time=2', '+tries=1', 'web.service.consul']);
      assert.match(stdout, /status: BADVERS/);
      assert.deepEqual((await udpQuery(server.port, 'web.service.consul', QTYPE.A, { edns: 1232 })).packet.answers.map((a) => a.address), ['10.0.0.1']);
    } finally {
      await server.close();
    }
  });
});
