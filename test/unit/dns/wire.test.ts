import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Packet } from 'dns2';
import { QTYPE, RCODE, type DnsResponse } from '../../../src/dns/records.js';
import { decodeQuery, encodeReply, headerReply, questionName } from '../../../src/dns/wire.js';
import { buildQuery } from './dns-client.js';

function decoded(raw: Buffer) {
  const result = decodeQuery(raw);
  assert.ok(result.ok, result.ok ? '' : result.reason);
  return result.query;
}

function reply(raw: Buffer, response: Partial<DnsResponse>, edns = decoded(raw).edns): Buffer {
  const query = decoded(raw);
  return encodeReply(
    { id: query.id, queryFlags: query.flags, authoritative: true, truncated: false, recursionAvailable: false, rcode: RCODE.NOERROR },
    { bytes: raw.subarray(12, query.questionEnd), labels: questionName(raw, query).labels },
    { answer: [], authority: [], additional: [], ...response },
    edns,
  );
}

describe('dns wire: decoding queries', () => {
  it('reads the question, its spelling, and the OPT record with a client subnet', () => {
    const raw = buildQuery('Web.Service.CONSUL', QTYPE.SRV, { id: 99, edns: 1232, subnet: { ip: '192.0.2.0', prefix: 24 } });
    const query = decoded(raw);
    assert.deepEqual([query.id, query.qtype, query.qclass], [99, QTYPE.SRV, 1]);
    assert.equal(query.nameKey, Buffer.from('\x03web\x07service\x06consul\x00', 'latin1').toString('latin1'));
    assert.deepEqual(questionName(raw, query), { name: 'Web.Service.CONSUL', labels: ['web', 'service', 'consul'] });
    assert.equal(query.edns?.udpSize, 1232);
    assert.deepEqual(query.edns?.subnet, { family: 1, sourcePrefixLength: 24, address: Buffer.from([192, 0, 2]) });
    assert.equal(decoded(buildQuery('web.service.consul', QTYPE.A)).edns, undefined);
  });

  it('writes odd bytes in labels as \\DDD so they cannot match a catalog name', () => {
    const raw = Buffer.concat([buildQuery('x', QTYPE.A).subarray(0, 12), Buffer.from([3, 0x61, 0x2e, 0x07, 4, 0x6e, 0x6f, 0x64, 0x65, 0]), Buffer.from([0, 1, 0, 1])]);
    assert.equal(questionName(raw, decoded(raw)).name, 'a\\046\\007.node');
  });

  it('rejects what miekg/dns would: FORMERR for bad shapes, silence for responses, NOTIMP for other opcodes', () => {
    const good = buildQuery('web.service.consul', QTYPE.A);
    const header = (flags: number, counts: number[]) => {
      const h = Buffer.from(good.subarray(0, 12));
      h.writeUInt16BE(flags, 2);
      counts.forEach((c, i) => h.writeUInt16BE(c, 4 + 2 * i));
      return h;
    };
    const opt = Buffer.from([0, 0, 41, 4, 0, 0, 0, 0, 0, 0, 0]);
    const cases: [string, Buffer, number | undefined][] = [
      ['short', good.subarray(0, 11), undefined],
      ['response', header(0x8100, [1, 0, 0, 0]), undefined],
      ['notify opcode', Buffer.concat([header(0x2000, [1, 0, 0, 0]), good.subarray(12)]), RCODE.NOTIMP],
      ['no question', header(0x0100, [0, 0, 0, 0]), RCODE.FORMERR],
      ['pointer in the question', Buffer.concat([header(0x0100, [1, 0, 0, 0]), Buffer.from([0xc0, 12, 0, 1, 0, 1])]), RCODE.FORMERR],
      ['pointer to itself', Buffer.concat([header(0x0100, [1, 0, 0, 0]), Buffer.from([1, 0x61, 0xc0, 12, 0, 1, 0, 1])]), RCODE.FORMERR],
      ['label length 64', Buffer.concat([header(0x0100, [1, 0, 0, 0]), Buffer.from([64]), Buffer.alloc(64, 0x61), Buffer.from([0, 0, 1, 0, 1])]), RCODE.FORMERR],
      ['name over 255 octets', Buffer.concat([header(0x0100, [1, 0, 0, 0]), Buffer.concat(Array.from({ length: 130 }, () => Buffer.from([1, 0x61]))), Buffer.from([0, 0, 1, 0, 1])]), RCODE.FORMERR],
      ['no type and class', Buffer.concat([header(0x0100, [1, 0, 0, 0]), Buffer.from([1, 0x61, 0])]), RCODE.FORMERR],
      ['two OPT records', Buffer.concat([header(0x0100, [1, 0, 0, 2]), good.subarray(12), opt, opt]), RCODE.FORMERR],
      ['OPT cut short', Buffer.concat([header(0x0100, [1, 0, 0, 1]), good.subarray(12), opt.subarray(0, 8)]), RCODE.FORMERR],
      ['additional record pointing at itself', Buffer.concat([header(0x0100, [1, 0, 0, 1]), good.subarray(12), Buffer.from([0xc0, good.length, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0])]), undefined],
    ];
    for (const [what, raw, rcode] of cases) {
      const result = decodeQuery(raw);
      if (rcode === undefined && what.startsWith('additional')) {
        // A pointer in a record we only skip is never followed: the query is fine.
        assert.ok(result.ok, what);
        continue;
      }
      assert.equal(result.ok, false, what);
      if (!result.ok) assert.equal(result.rcode, rcode, what);
    }
  });
});

describe('dns wire: encoding replies', () => {
  it('compresses names against the question and earlier records, case-insensitively', () => {
    const raw = buildQuery('WEB.service.consul', QTYPE.A);
    const bytes = reply(raw, {
      answer: [
        { type: 'A', name: 'web.service.consul', ttl: 5, address: '10.0.0.1' },
        { type: 'AAAA', name: 'web.service.consul', ttl: 5, address: '2001:db8::1' },
      ],
      authority: [{ type: 'NS', name: 'consul', ttl: 0, target: 'ns1.node.dc1.consul' }],
    });
    // header 12 + question 24 + A (2 + 10 + 4) + AAAA (2 + 10 + 16) + NS (2 + 10 + ns1 4 + node 5 + dc1 4 + pointer 2)
    assert.equal(bytes.length, 12 + 24 + 16 + 28 + 27);
    const packet = Packet.parse(bytes);
    assert.deepEqual(packet.answers.map((a) => [a.name, a.ttl, a.address]), [
      ['WEB.service.consul', 5, '10.0.0.1'],
      ['WEB.service.consul', 5, '2001:db8::1'],
    ]);
    assert.equal(packet.authorities[0]?.ns, 'ns1.node.dc1.consul');
  });

  it('writes SRV targets in full (RFC 2782) and lets the additional records point into them', () => {
    const raw = buildQuery('web.service.consul', QTYPE.SRV);
    const target = 'web-1.node.dc1.consul';
    const bytes = reply(raw, {
      answer: [{ type: 'SRV', name: 'web.service.consul', ttl: 0, priority: 1, weight: 3, port: 8080, target }],
      additional: [{ type: 'A', name: target, ttl: 0, address: '192.0.2.11' }],
    });
    const full = Buffer.from('\x05web-1\x04node\x03dc1\x06consul\x00', 'latin1');
    const at = bytes.indexOf(full);
    assert.ok(at > 0, 'the target is written out, not as a pointer to "consul" in the question');
    // The A record's owner is a pointer to the target.
    assert.equal(bytes.readUInt16BE(at + full.length), 0xc000 | at);
    const packet = Packet.parse(bytes);
    assert.deepEqual([packet.answers[0]?.target, packet.answers[0]?.weight, packet.additionals[0]?.name], [target, 3, target]);
  });

  it('echoes the OPT record with the client size and subnet at scope 0; copies RD and CD', () => {
    const raw = buildQuery('web.service.consul', QTYPE.A, { edns: 4096, subnet: { ip: '198.51.100.0', prefix: 24 } });
    raw.writeUInt16BE(raw.readUInt16BE(2) | 0x0010, 2); // CD
    const bytes = reply(raw, {});
    assert.equal(bytes.readUInt16BE(2) & 0x0110, 0x0110, 'RD and CD');
    const packet = Packet.parse(bytes);
    const opt = packet.additionals.find((r) => r.type === QTYPE.OPT) as unknown as { class: number; rdata: object[] };
    assert.equal(opt.class, 4096);
    assert.deepEqual(opt.rdata, [{ ednsCode: 8, family: 1, sourcePrefixLength: 24, scopePrefixLength: 0, ip: '198.51.100.0' }]);
  });

  it('answers a header alone with the query id, opcode bits and RD', () => {
    const raw = buildQuery('x.consul', QTYPE.A, { id: 0xabcd });
    const bytes = headerReply(raw, RCODE.FORMERR, true);
    assert.deepEqual([bytes.length, bytes.readUInt16BE(0), bytes.readUInt16BE(2)], [12, 0xabcd, 0x8000 | 0x0100 | 0x0080 | RCODE.FORMERR]);
  });
});
