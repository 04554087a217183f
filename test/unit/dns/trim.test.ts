import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { QTYPE, RCODE, soaRecord, type DnsRecord, type DnsResponse } from '../../../src/dns/records.js';
import { messageSize } from '../../../src/dns/size.js';
import { trimResponse, type TrimLimits } from '../../../src/dns/trim.js';
import { decodeQuery, encodeReply, optBytes, questionName, type EdnsRequest } from '../../../src/dns/wire.js';
import { buildQuery } from './dns-client.js';

const QNAME = 'web.service.consul';

/** The question section of a query for QNAME, as the encoder takes it. */
function question(): { bytes: Buffer; labels: string[] } {
  const raw = buildQuery(QNAME, QTYPE.SRV);
  const decoded = decodeQuery(raw);
  assert.ok(decoded.ok);
  return { bytes: raw.subarray(12, decoded.query.questionEnd), labels: questionName(raw, decoded.query).labels };
}

const HEADER = { id: 4242, queryFlags: 0x0100, authoritative: true, truncated: false, recursionAvailable: false, rcode: RCODE.NOERROR } as const;

function srvResponse(count: number, node = (i: number) => `node-${i}`): DnsResponse {
  const answer: DnsRecord[] = [];
  const additional: DnsRecord[] = [];
  for (let i = 0; i < count; i++) {
    const target = `${node(i)}.node.dc1.consul`;
    answer.push({ type: 'SRV', name: QNAME, ttl: 0, priority: 1, weight: 1, port: 8000 + i, target });
    additional.push({ type: 'A', name: target, ttl: 0, address: `10.0.${i >> 8}.${i & 255}` });
    additional.push({ type: 'TXT', name: target, ttl: 0, text: `rack=r${i}` });
  }
  return { rcode: RCODE.NOERROR, authoritative: true, answer, authority: [], additional };
}

function aResponse(count: number): DnsResponse {
  const answer: DnsRecord[] = Array.from({ length: count }, (_, i) => ({ type: 'A', name: QNAME, ttl: 0, address: `10.1.${i >> 8}.${i & 255}` }));
  return { rcode: RCODE.NOERROR, authoritative: true, answer, authority: [], additional: [] };
}

const limits = (overrides: Partial<TrimLimits> = {}): TrimLimits => ({
  transport: 'udp',
  ednsUdpSize: undefined,
  udpAnswerLimit: 3,
  qtype: QTYPE.A,
  questionName: QNAME,
  trailerBytes: 0,
  ...overrides,
});

const shape = (response: DnsResponse, trailerBytes = 0) => ({ questionName: QNAME, ...response, trailerBytes });

describe('dns size model', () => {
  it('matches the encoder byte for byte, compression (never of SRV targets) and OPT included', () => {
    const edns: EdnsRequest = { udpSize: 4096, subnet: { family: 1, sourcePrefixLength: 24, address: Buffer.from([192, 0, 2]) } };
    const mixed: DnsResponse = {
      ...srvResponse(5),
      authority: [soaRecord('consul', 1_700_000_000_000), { type: 'NS', name: 'consul', ttl: 0, target: 's1.node.dc1.consul' }],
    };
    mixed.additional.push(
      { type: 'AAAA', name: '20010db8000000000000000000000001.addr.dc1.consul', ttl: 0, address: '2001:db8:0:0:0:0:0:1' },
      { type: 'CNAME', name: 'alias.service.consul', ttl: 0, target: 'Web.Service.Consul' },
      { type: 'PTR', name: '1.0.0.10.in-addr.arpa', ttl: 0, target: 'web1.node.dc1.consul' },
      { type: 'TXT', name: 'node-1.node.dc1.consul', ttl: 0, text: 'x'.repeat(600) }, // three character-strings
    );
    for (const [response, opt] of [
      [mixed, edns],
      [mixed, undefined],
      [aResponse(40), undefined],
      [srvResponse(300), undefined], // past 16 KiB, where compression pointers stop
    ] as const) {
      const wire = encodeReply(HEADER, question(), response, opt);
      assert.equal(messageSize(shape(response, opt ? optBytes(opt) : 0), true), wire.length);
    }
  });

  it('counts every name in full when uncompressed', () => {
    const response = aResponse(2);
    // header 12 + question (20 + 4) + 2 × (owner 20 + 10 + 4)
    assert.equal(messageSize(shape(response), false), 12 + 24 + 2 * 34);
    // compressed, each owner is a 2-byte pointer to the question
    assert.equal(messageSize(shape(response), true), 12 + 24 + 2 * 16);
  });
});

describe('dns trim: UDP', () => {
  it('limits non-EDNS answers to udp_answer_limit, never above 8', () => {
    assert.equal(trimResponse(aResponse(12), limits()).response.answer.length, 3);
    assert.equal(trimResponse(aResponse(12), limits({ udpAnswerLimit: 5 })).response.answer.length, 5);
    assert.equal(trimResponse(aResponse(12), limits({ udpAnswerLimit: 50 })).response.answer.length, 8);
    const small = trimResponse(aResponse(3), limits());
    assert.equal(small.trimmed, false);
    assert.equal(small.response.answer.length, 3);
    assert.equal(trimResponse(aResponse(12), limits()).trimmed, true);
  });

  it('applies no answer count limit with an EDNS buffer above 512, only the size', () => {
    assert.equal(trimResponse(aResponse(12), limits({ ednsUdpSize: 4096 })).response.answer.length, 12);
    const big = trimResponse(aResponse(200), limits({ ednsUdpSize: 1232, trailerBytes: 11 }));
    assert.ok(big.trimmed);
    assert.ok(messageSize(shape(big.response, 11), true) <= 1232 - 8);
    assert.ok(big.response.answer.length > 50, `kept ${big.response.answer.length}`);
  });

  it('trims SRV answers to fit 512 bytes uncompressed and re-syncs the additional section', () => {
    const long = (i: number) => `a-rather-long-node-name-for-testing-${i}`;
    const { response, trimmed } = trimResponse(srvResponse(20, long), limits({ udpAnswerLimit: 8, qtype: QTYPE.SRV }));
    assert.ok(trimmed);
    assert.ok(response.answer.length >= 1 && response.answer.length < 8, `kept ${response.answer.length}`);
    assert.ok(messageSize(shape(response), false) <= 512 - 8);
    const targets = new Set(response.answer.map((r) => (r.type === 'SRV' ? r.target : '')));
    assert.deepEqual(new Set(response.additional.map((r) => r.name)), targets);
    assert.equal(response.additional.length, 2 * targets.size, 'the A and the TXT of each remaining target');
  });

  it('drops the authority section before answers', () => {
    const response = { ...aResponse(8), authority: Array.from({ length: 10 }, () => soaRecord('consul', 0)) };
    const trimmed = trimResponse(response, limits({ udpAnswerLimit: 8 })).response;
    assert.deepEqual(trimmed.authority, []);
    assert.equal(trimmed.answer.length, 8);
  });

  it('keeps one answer even when it alone is too big', () => {
    const huge: DnsResponse = { ...srvResponse(2), additional: [{ type: 'TXT', name: 'node-0.node.dc1.consul', ttl: 0, text: 'x'.repeat(2000) }] };
    const { response } = trimResponse(huge, limits({ qtype: QTYPE.SRV }));
    assert.equal(response.answer.length, 1);
  });
});

describe('dns trim: TCP', () => {
  it('caps answers at 4096 (1024 for SRV), unreported, then trims to 65523 bytes', () => {
    const a = trimResponse(aResponse(5000), limits({ transport: 'tcp' }));
    // 4096 A records of 16 bytes do not fit: 12 + 24 + 4092 × 16 is the most that does.
    assert.equal(a.response.answer.length, 4092);
    assert.equal(a.trimmed, true);
    const bare = { ...srvResponse(1100), additional: [] };
    const capped = trimResponse(bare, limits({ transport: 'tcp', qtype: QTYPE.SRV }));
    assert.equal(capped.response.answer.length, 1024);
    assert.equal(capped.trimmed, false);
    const srv = trimResponse(srvResponse(1100, (i) => `a-much-longer-node-name-${i}`), limits({ transport: 'tcp', qtype: QTYPE.SRV }));
    assert.ok(srv.trimmed);
    assert.ok(srv.response.answer.length < 1024);
    assert.ok(messageSize(shape(srv.response), true) <= 65523);
    const targets = new Set(srv.response.answer.map((r) => (r.type === 'SRV' ? r.target : '')));
    assert.ok(srv.response.additional.every((r) => targets.has(r.name)));
    assert.equal(srv.response.additional.length, 2 * targets.size);
  });

  it('leaves small answers alone', () => {
    const { response, trimmed } = trimResponse(srvResponse(30), limits({ transport: 'tcp', qtype: QTYPE.SRV }));
    assert.equal(trimmed, false);
    assert.equal(response.answer.length, 30);
    assert.equal(response.additional.length, 60);
  });
});
