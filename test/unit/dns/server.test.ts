import assert from 'node:assert/strict';
import { Resolver } from 'node:dns/promises';
import { after, before, describe, it } from 'node:test';
import { startDnsServer, type DnsServerHandle } from '../../../src/dns/server.js';
import { isAppError } from '../../../src/shared/errors.js';
import { silentLogger } from '../../../src/shared/logger.js';
import { seededRandom } from '../../../src/shared/random.js';
import { ManualClock } from '../../helpers/manual-clock.js';
import { QTYPE, RCODE } from '../../../src/dns/records.js';
import { catalogWith, dnsConfig, type InstanceSpec } from './dns-fixtures.js';
import { buildQuery, startTestServer, TcpConnection, tcpQuery, udpQuery } from './dns-client.js';

const OPT = 41;
const many = (count: number, node = (i: number) => `web${i}`): InstanceSpec[] =>
  Array.from({ length: count }, (_, i) => ({ node: node(i), address: `10.0.0.${i + 1}`, service: 'web', nodeMeta: { rack: `r${i}` } }));

describe('dns server: answering', () => {
  let server: DnsServerHandle;
  before(async () => {
    const { store } = await catalogWith([...many(2), { node: 'sick', address: '10.0.0.99', service: 'web', serviceCheck: 'critical' }]);
    server = await startTestServer(store);
  });
  after(() => server.close());

  it('serves node resolvers over UDP: A, SRV, NXDOMAIN, REFUSED', async () => {
    const resolver = new Resolver({ timeout: 2000, tries: 1 });
    resolver.setServers([`127.0.0.1:${server.port}`]);
    assert.deepEqual((await resolver.resolve4('web.service.consul')).sort(), ['10.0.0.1', '10.0.0.2']);
    const srv = await resolver.resolveSrv('web.service.consul');
    assert.deepEqual(
      srv.map((r) => `${r.name} ${r.port} ${r.priority} ${r.weight}`).sort(),
      ['web0.node.dc1.consul 8080 1 1', 'web1.node.dc1.consul 8080 1 1'],
    );
    await assert.rejects(resolver.resolve4('nope.service.consul'), { code: 'ENOTFOUND' });
    await assert.rejects(resolver.resolve4('www.example.com'), { code: 'EREFUSED' });
  });

  it('sets AA, leaves RA clear, echoes id, RD and the question as asked', async () => {
    const { packet } = await udpQuery(server.port, 'Web.Service.CONSUL', QTYPE.A, { id: 777 });
    assert.equal(packet.header.id, 777);
    assert.equal(packet.header.qr, 1);
    assert.equal(packet.header.aa, 1);
    assert.equal(packet.header.ra, 0);
    assert.equal(packet.header.rd, 1);
    assert.equal(packet.header.rcode, RCODE.NOERROR);
    assert.deepEqual(packet.questions.map((q) => [q.name, q.type, q.class]), [['Web.Service.CONSUL', QTYPE.A, 1]]);
    assert.deepEqual(packet.answers.map((a) => a.address).sort(), ['10.0.0.1', '10.0.0.2']);
    assert.ok(packet.answers.every((a) => a.name === 'Web.Service.CONSUL'));
  });

  it('echoes an OPT record with the client UDP size, and its client subnet, only when the query had one', async () => {
    const plain = await udpQuery(server.port, 'web.service.consul', QTYPE.A);
    assert.equal(plain.packet.additionals.filter((r) => r.type === OPT).length, 0);
    const edns = await udpQuery(server.port, 'web.service.consul', QTYPE.A, { edns: 1400 });
    assert.deepEqual(edns.packet.additionals.filter((r) => r.type === OPT).map((r) => r.class), [1400]);
    const ecs = await udpQuery(server.port, 'web.service.consul', QTYPE.A, { edns: 1232, subnet: { ip: '192.0.2.0', prefix: 24 } });
    const opt = ecs.packet.additionals.find((r) => r.type === OPT) as unknown as { rdata: object[] };
    assert.deepEqual(opt.rdata, [{ ednsCode: 8, family: 1, sourcePrefixLength: 24, scopePrefixLength: 0, ip: '192.0.2.0' }]);
    const nx = await udpQuery(server.port, 'nope.service.consul', QTYPE.A, { edns: 1232 });
    assert.equal(nx.packet.header.rcode, RCODE.NXDOMAIN);
    assert.deepEqual(nx.packet.additionals.map((r) => r.type), [OPT]);
  });

  it('answers NXDOMAIN with the SOA, REFUSED without AA, NOTIMP for AXFR', async () => {
    const nx = await udpQuery(server.port, 'nope.service.consul', QTYPE.A);
    assert.equal(nx.packet.header.rcode, RCODE.NXDOMAIN);
    assert.equal(nx.packet.header.aa, 1);
    assert.deepEqual(nx.packet.authorities.map((r) => [r.type, r.name, r.primary, r.admin]), [[QTYPE.SOA, 'consul', 'ns.consul', 'hostmaster.consul']]);
    const refused = await udpQuery(server.port, 'example.org', QTYPE.A);
    assert.equal(refused.packet.header.rcode, RCODE.REFUSED);
    assert.equal(refused.packet.header.aa, 0);
    const axfr = await tcpQuery(server.port, 'consul', QTYPE.AXFR);
    assert.equal(axfr.packet.header.rcode, RCODE.NOTIMP);
  });

  it('answers the same over TCP, pipelined queries included', async () => {
    const single = await tcpQuery(server.port, 'web.service.consul', QTYPE.SRV);
    assert.equal(single.packet.answers.length, 2);
    assert.deepEqual(single.packet.additionals.filter((r) => r.type === QTYPE.A).map((r) => r.name).sort(), ['web0.node.dc1.consul', 'web1.node.dc1.consul']);
    const conn = await TcpConnection.open(server.port);
    try {
      // Both queries in one write: the server must split the stream into messages.
      conn.writeRaw(Buffer.concat([frame(buildQuery('web0.node.consul', QTYPE.A, { id: 1 })), frame(buildQuery('web1.node.consul', QTYPE.A, { id: 2 }))]));
      const [first, second] = [await conn.next(), await conn.next()];
      assert.deepEqual([first.packet.header.id, first.packet.answers[0]?.address], [1, '10.0.0.1']);
      assert.deepEqual([second.packet.header.id, second.packet.answers[0]?.address], [2, '10.0.0.2']);
    } finally {
      conn.close();
    }
  });
});

describe('dns server: size limits', () => {
  it('limits non-EDNS UDP answers to udp_answer_limit with TC set, silently only with enable_truncate off', async () => {
    const { store } = await catalogWith(many(10));
    const quiet = await startTestServer(store, { enableTruncate: false });
    const loud = await startTestServer(store);
    try {
      const cut = await udpQuery(quiet.port, 'web.service.consul', QTYPE.A);
      assert.equal(cut.packet.answers.length, 3);
      assert.equal(cut.packet.header.tc, 0);
      const flagged = await udpQuery(loud.port, 'web.service.consul', QTYPE.A);
      assert.equal(flagged.packet.answers.length, 3);
      assert.equal(flagged.packet.header.tc, 1);
      assert.equal((await udpQuery(quiet.port, 'web.service.consul', QTYPE.A, { edns: 4096 })).packet.answers.length, 10);
      assert.equal((await tcpQuery(quiet.port, 'web.service.consul', QTYPE.A)).packet.answers.length, 10);
    } finally {
      await Promise.all([quiet.close(), loud.close()]);
    }
  });

  it('trims SRV replies to 512 bytes and keeps the additional section in step', async () => {
    const { store } = await catalogWith(many(12, (i) => `a-rather-long-node-name-to-fill-the-packet-${i}`));
    const server = await startTestServer(store, { udpAnswerLimit: 8 });
    try {
      const { packet, bytes } = await udpQuery(server.port, 'web.service.consul', QTYPE.SRV);
      assert.ok(bytes.length <= 512, `${bytes.length} bytes`);
      assert.ok(packet.answers.length >= 1 && packet.answers.length < 8, `${packet.answers.length} answers`);
      const targets = packet.answers.map((r) => r.target).sort();
      assert.deepEqual(packet.additionals.filter((r) => r.type === QTYPE.A).map((r) => r.name).sort(), targets);
      assert.deepEqual([...new Set(packet.additionals.map((r) => r.name))].sort(), targets);
      // Over TCP every instance is there.
      assert.equal((await tcpQuery(server.port, 'web.service.consul', QTYPE.SRV)).packet.answers.length, 12);
    } finally {
      await server.close();
    }
  });
});

describe('dns server: lifecycle', () => {
  it('binds UDP and TCP on one port and says plainly when the port is taken', async () => {
    const { store } = await catalogWith([]);
    const first = await startTestServer(store);
    try {
      await assert.rejects(
        startDnsServer({
          reader: store,
          config: { bindAddress: '127.0.0.1', port: first.port, domain: 'consul', altDomain: '', datacenter: 'dc1', dns: dnsConfig() },
          logger: silentLogger(),
          random: seededRandom(1),
          clock: new ManualClock(),
        }),
        (err: unknown) => isAppError(err) && err.code === 'UNAVAILABLE' && err.message.includes(`127.0.0.1:${first.port}`),
      );
      // Both transports answer on the one port.
      assert.equal((await udpQuery(first.port, 'consul', QTYPE.SOA)).packet.answers[0]?.type, QTYPE.SOA);
      assert.equal((await tcpQuery(first.port, 'consul', QTYPE.SOA)).packet.answers[0]?.type, QTYPE.SOA);
    } finally {
      await first.close();
    }
    await first.close(); // closing twice is harmless
    await assert.rejects(udpQuery(first.port, 'consul', QTYPE.SOA, {}, 300));
  });
});

describe('dns server: a record too big for UDP', () => {
  it('sends the question alone with TC set, and the whole record over TCP', async () => {
    const { store } = await catalogWith([{ node: 'big', address: '10.0.0.1', nodeMeta: { blob: 'x'.repeat(2000) } }]);
    const server = await startTestServer(store);
    try {
      const { packet, bytes } = await udpQuery(server.port, 'big.node.consul', QTYPE.TXT);
      assert.ok(bytes.length <= 512);
      assert.equal(packet.header.tc, 1);
      assert.deepEqual(packet.answers, []);
      assert.deepEqual(packet.questions.map((q) => q.name), ['big.node.consul']);
      const full = await tcpQuery(server.port, 'big.node.consul', QTYPE.TXT);
      assert.equal(full.packet.header.tc, 0);
      assert.equal(full.packet.answers[0]?.data, `blob=${'x'.repeat(2000)}`);
    } finally {
      await server.close();
    }
  });
});

function frame(message: Buffer): Buffer {
  const prefix = Buffer.alloc(2);
  prefix.writeUInt16BE(message.length);
  return Buffer.concat([prefix, message]);
}
