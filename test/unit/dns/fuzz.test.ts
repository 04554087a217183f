import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { connect, type Socket } from 'node:net';
import { describe, it } from 'node:test';
import { Packet } from 'dns2';
import { DnsAnswerer } from '../../../src/dns/answer.js';
import { QTYPE, RCODE } from '../../../src/dns/records.js';
import { decodeQuery } from '../../../src/dns/wire.js';
import { silentLogger } from '../../../src/shared/logger.js';
import { seededRandom } from '../../../src/shared/random.js';
import { ManualClock } from '../../helpers/manual-clock.js';
import { catalogWith, dnsConfig, type InstanceSpec } from './dns-fixtures.js';
import { startTestServer, tcpQuery, udpQuery } from './dns-client.js';
import { gcFunction, hostile, validQuery } from './fuzz-packets.js';

const SEED = Number(process.env.DNS_FUZZ_SEED ?? 20240611);
const fleet: InstanceSpec[] = [
  ...Array.from({ length: 20 }, (_, i) => ({ node: `web${i}`, address: `10.0.0.${i + 1}`, service: 'web', tags: ['v1', 'prod'], nodeMeta: { rack: `r${i}` } })),
  { node: 'consul-server', address: '10.0.1.1', service: 'consul' },
];

/** What a reply to `input` may be: nothing (dropped) or a well-formed message answering it. */
function checkReply(input: Buffer, reply: Buffer | undefined, transport: 'udp' | 'tcp', parse: boolean): void {
  if (input.length < 12 || input.readUInt16BE(2) & 0x8000) {
    assert.equal(reply, undefined, 'short messages and responses are dropped');
    return;
  }
  assert.ok(reply && reply.length >= 12, 'a query gets a reply');
  assert.equal(reply.readUInt16BE(0), input.readUInt16BE(0), 'same id');
  assert.ok(reply.readUInt16BE(2) & 0x8000, 'QR set');
  const decoded = decodeQuery(input);
  if (!decoded.ok) {
    assert.equal(reply.length, 12);
    assert.equal(reply[3]! & 0xf, decoded.rcode, decoded.reason);
    return;
  }
  const limit = transport === 'tcp' ? 65535 : decoded.query.edns && decoded.query.edns.udpSize > 512 ? decoded.query.edns.udpSize : 512;
  assert.ok(reply.length <= limit, `${reply.length} bytes for a ${limit}-byte buffer`);
  if (parse) assert.doesNotThrow(() => Packet.parse(reply), 'a reply dns2 can parse');
}

describe('dns fuzz', () => {
  it('answers 200k hostile packets well-formed or not at all, with the heap flat', async (t) => {
    const { store } = await catalogWith(fleet);
    const answerer = new DnsAnswerer({
      reader: store,
      domains: { domain: 'consul', altDomain: 'alt.test' },
      datacenter: 'dc1',
      dns: dnsConfig(),
      logger: silentLogger(),
      random: seededRandom(SEED),
      clock: new ManualClock(),
      recursor: undefined,
    });
    const random = seededRandom(SEED);
    const gc = gcFunction();
    const run = (count: number): void => {
      for (let i = 0; i < count; i++) {
        const input = hostile(random);
        const transport = i % 7 === 0 ? 'tcp' : 'udp';
        const reply = answerer.answer(input, transport);
        assert.ok(!(reply instanceof Promise), 'nothing goes to a recursor here');
        checkReply(input, reply, transport, i % 97 === 0);
      }
    };
    try {
      run(30_000); // warm: caches filled, code optimised
      gc();
      const before = process.memoryUsage().heapUsed;
      run(200_000);
      gc();
      const growth = (process.memoryUsage().heapUsed - before) / 1024 / 1024;
      t.diagnostic(`heap growth over 200k hostile packets: ${growth.toFixed(2)} MB (seed ${SEED})`);
      assert.ok(growth < 24, `heap grew ${growth.toFixed(1)} MB over 200k packets`);
      assert.ok(answerer.cache.size().entries <= 10_000);
    } finally {
      answerer.close();
    }
  });

  it('keeps answering real queries while sockets are flooded with junk and held by slow clients', async () => {
    const { store } = await catalogWith(fleet);
    const server = await startTestServer(store);
    const random = seededRandom(SEED + 1);
    const sockets: Socket[] = [];
    const flood = createSocket('udp4');
    try {
      // Idle TCP clients, one that sends half a length prefix, one dribbling a query byte by byte.
      for (let i = 0; i < 20; i++) sockets.push(connect(server.port, '127.0.0.1'));
      const half = connect(server.port, '127.0.0.1', () => half.write(Buffer.from([0])));
      const slow = connect(server.port, '127.0.0.1');
      sockets.push(half, slow);
      for (const s of sockets) s.on('error', () => undefined);
      const framed = (() => {
        const q = validQuery(random);
        const prefix = Buffer.alloc(2);
        prefix.writeUInt16BE(q.length);
        return Buffer.concat([prefix, q]);
      })();
      let dribbled = 0;
      const dribble = setInterval(() => {
        if (dribbled < framed.length) slow.write(framed.subarray(dribbled, ++dribbled));
      }, 5);
      const slowReply = new Promise<Buffer>((resolve) => slow.once('data', resolve));

      await new Promise<void>((resolve) => flood.bind(0, '127.0.0.1', () => resolve()));
      for (let round = 0; round < 20; round++) {
        for (let i = 0; i < 500; i++) {
          const junk = hostile(random);
          // UDP carries at most 65507 bytes.
          if (junk.length <= 65507) flood.send(junk, server.port, '127.0.0.1');
        }
        const { packet } = await udpQuery(server.port, 'web.service.consul', QTYPE.A, { edns: 4096 }, 3000);
        assert.equal(packet.answers.length, 20);
        await new Promise((resolve) => setImmediate(resolve));
      }
      const tcp = await tcpQuery(server.port, '_web._v1._prod.service.consul', QTYPE.SRV);
      assert.equal(tcp.packet.answers.length, 20);
      const reply = await slowReply;
      clearInterval(dribble);
      assert.ok(reply.length > 12, 'the byte-by-byte query was answered too');
      assert.equal((await udpQuery(server.port, 'nothing.service.consul', QTYPE.A)).packet.header.rcode, RCODE.NXDOMAIN);
    } finally {
      flood.close();
      for (const s of sockets) s.destroy();
      await server.close();
    }
  });
});
