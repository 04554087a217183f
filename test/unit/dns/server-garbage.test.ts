import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { after, before, describe, it } from 'node:test';
import { Packet } from 'dns2';
import { QTYPE, RCODE } from '../../../src/dns/records.js';
import type { DnsServerHandle } from '../../../src/dns/server.js';
import { seededRandom } from '../../../src/shared/random.js';
import { catalogWith } from './dns-fixtures.js';
import { buildQuery, startTestServer, TcpConnection, udpExchange, udpQuery } from './dns-client.js';

/** A header: id 0xbeef, the given flags and section counts. */
function header(flags: number, counts: [number, number, number, number]): Buffer {
  const out = Buffer.alloc(12);
  out.writeUInt16BE(0xbeef, 0);
  out.writeUInt16BE(flags, 2);
  counts.forEach((count, i) => out.writeUInt16BE(count, 4 + 2 * i));
  return out;
}

const bomb = header(0x0100, [0xffff, 0xffff, 0xffff, 0xffff]);
/** One good question, then claims of 65535 records in every other section. */
const tailBomb = Buffer.concat([header(0x0100, [1, 0xffff, 0xffff, 0xffff]), buildQuery('web.service.consul', QTYPE.A).subarray(12)]);
const random = seededRandom(99);
const noise = (length: number): Buffer => Buffer.from(Array.from({ length }, () => random.int(256)));

/** Sends datagrams and collects whatever comes back within `waitMs`. */
async function sendAll(port: number, datagrams: Buffer[], waitMs = 300): Promise<Buffer[]> {
  const socket = createSocket('udp4');
  const replies: Buffer[] = [];
  socket.on('message', (data) => replies.push(data));
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
  for (const datagram of datagrams) socket.send(datagram, port, '127.0.0.1');
  await new Promise((resolve) => setTimeout(resolve, waitMs));
  socket.close();
  return replies;
}

const rcodeOf = (reply: Buffer): number => reply.readUInt16BE(2) & 0xf;

describe('dns server: malformed input', () => {
  let server: DnsServerHandle;
  before(async () => {
    const { store } = await catalogWith([{ node: 'web1', address: '10.0.0.1', service: 'web' }]);
    server = await startTestServer(store);
  });
  after(() => server.close());

  const stillAnswers = async (): Promise<void> => {
    const { packet } = await udpQuery(server.port, 'web.service.consul', QTYPE.A);
    assert.deepEqual(packet.answers.map((a) => a.address), ['10.0.0.1']);
  };

  it('answers FORMERR to bad record counts and truncated questions, NOTIMP to other opcodes', async () => {
    const query = buildQuery('web.service.consul', QTYPE.A);
    const cases: [string, Buffer, number][] = [
      ['no question', header(0x0100, [0, 0, 0, 0]), RCODE.FORMERR],
      ['two questions', Buffer.concat([header(0x0100, [2, 0, 0, 0]), query.subarray(12), query.subarray(12)]), RCODE.FORMERR],
      ['huge counts', bomb, RCODE.FORMERR],
      ['huge counts after a good question', tailBomb, RCODE.FORMERR],
      ['two additional records too many', Buffer.concat([header(0x0100, [1, 0, 0, 3]), query.subarray(12)]), RCODE.FORMERR],
      ['question cut short', Buffer.concat([header(0x0100, [1, 0, 0, 0]), query.subarray(12, 20)]), RCODE.FORMERR],
      ['label past the end', Buffer.concat([header(0x0100, [1, 0, 0, 0]), Buffer.from([60, 0x61, 0x62])]), RCODE.FORMERR],
      ['compression loop', Buffer.concat([header(0x0100, [1, 0, 0, 0]), Buffer.from([0xc0, 12, 0, 1, 0, 1])]), RCODE.FORMERR],
      ['STATUS opcode', Buffer.concat([header(0x1000, [1, 0, 0, 0]), query.subarray(12)]), RCODE.NOTIMP],
    ];
    for (const [what, datagram, rcode] of cases) {
      const reply = await udpExchange(server.port, datagram);
      assert.equal(reply.readUInt16BE(0), 0xbeef, what);
      assert.ok(reply.readUInt16BE(2) & 0x8000, `${what}: QR set`);
      assert.equal(rcodeOf(reply), rcode, what);
    }
    await stillAnswers();
  });

  it('drops datagrams too short for a header, responses and noise, and keeps answering', async () => {
    const response = Buffer.from(buildQuery('web.service.consul', QTYPE.A));
    response.writeUInt16BE(response.readUInt16BE(2) | 0x8000, 2); // QR: it is a response
    const junk = [Buffer.alloc(0), Buffer.from([1]), noise(5), noise(11), response];
    assert.deepEqual(await sendAll(server.port, junk), []);
    const more = Array.from({ length: 200 }, (_, i) => noise(12 + (i % 300)));
    const replies = await sendAll(server.port, more);
    // Whatever noise got an answer got a well-formed one.
    for (const reply of replies) assert.doesNotThrow(() => Packet.parse(reply));
    await stillAnswers();
  });

  it('answers a burst of record-count bombs promptly', async () => {
    // Each of these once cost dns2's parser over a second of CPU.
    const started = performance.now();
    const replies = await sendAll(server.port, Array.from({ length: 50 }, (_, i) => (i % 2 ? bomb : tailBomb)), 1500);
    assert.equal(replies.length, 50);
    assert.ok(replies.every((r) => rcodeOf(r) === RCODE.FORMERR));
    assert.ok(performance.now() - started < 5000);
    await stillAnswers();
  });

  it('survives garbage and truncated TCP frames', async () => {
    // A frame with a bad header gets FORMERR and the connection stays usable.
    const conn = await TcpConnection.open(server.port);
    conn.send(bomb);
    const formerr = await conn.next();
    assert.equal(formerr.packet.header.rcode, RCODE.FORMERR);
    conn.send(buildQuery('web.service.consul', QTYPE.A, { id: 5 }));
    assert.deepEqual((await conn.next()).packet.answers.map((a) => a.address), ['10.0.0.1']);
    conn.close();

    // A frame too short to be a message ends the connection.
    const short = await TcpConnection.open(server.port);
    short.send(Buffer.from([1, 2, 3]));
    await short.closed;

    // A zero-length frame, then noise.
    const zero = await TcpConnection.open(server.port);
    zero.writeRaw(Buffer.concat([Buffer.from([0, 0]), noise(40)]));
    await zero.closed;

    // A frame cut off by the client closing its side.
    const cut = await TcpConnection.open(server.port);
    cut.writeRaw(Buffer.from([0, 200, 1, 2, 3]));
    cut.socket.end();
    await cut.closed;

    // Frames holding one noisy question each: every one is answered, with a well-formed reply.
    const fuzz = await TcpConnection.open(server.port);
    for (let i = 0; i < 30; i++) fuzz.send(Buffer.concat([header(0x0100, [1, 0, 0, 0]), noise(1 + i * 7)]));
    fuzz.socket.end();
    await fuzz.closed;
    const answered = fuzz.received();
    assert.equal(answered.length, 30);
    for (const reply of answered) assert.equal(reply.packet.header.id, 0xbeef);

    await stillAnswers();
    const fresh = await TcpConnection.open(server.port);
    fresh.send(buildQuery('web.service.consul', QTYPE.SRV));
    assert.equal((await fresh.next()).packet.answers[0]?.target, 'web1.node.dc1.consul');
    fresh.close();
  });
});
