import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { crc32c, crc32cUpdate } from '../../../../src/raft/storage/crc32c.js';
import {
  RECORD_HEADER, decodePayload, encodeBatchRecord, encodeHeaderRecord, encodeResetRecord, parseSegmentFileName, readFrame, segmentFileName,
} from '../../../../src/raft/storage/wal-format.js';
import { entries, plain } from './helpers.js';

describe('CRC-32C', () => {
  it('matches the standard check values', () => {
    assert.equal(crc32c(Buffer.from('123456789')), 0xe3069283);
    assert.equal(crc32c(Buffer.alloc(32)), 0x8a9136aa); // RFC 3720 B.4: 32 bytes of zeros
    assert.equal(crc32c(Buffer.alloc(32, 0xff)), 0x62a8ab43);
    assert.equal(crc32c(Buffer.alloc(0)), 0);
  });

  it('is the same computed in pieces at any split', () => {
    const b = Buffer.from(Array.from({ length: 301 }, (_, i) => (i * 37) & 0xff));
    const whole = crc32c(b);
    for (const cut of [0, 1, 7, 8, 9, 150, 300, 301]) assert.equal(crc32cUpdate(crc32c(b, 0, cut), b, cut), whole);
  });
});

describe('WAL record format', () => {
  it('round-trips a batch with hard state and entries, 8-byte aligned', () => {
    const es = entries(41, 47, 3);
    const hs = { term: 3, vote: 'nœud-1', commit: 2 ** 40 };
    const buf = encodeBatchRecord(9, 4096, hs, es);
    assert.equal(buf.length % 8, 0);
    const f = readFrame(buf, 0, 9);
    assert.ok(f.ok);
    assert.equal(f.durable, 4096);
    assert.equal(f.next, buf.length);
    const rec = decodePayload(buf, f.type, f.payload, f.len);
    assert.equal(rec.type, 'batch');
    if (rec.type !== 'batch') return;
    assert.deepEqual(rec.hardState, hs);
    assert.deepEqual(plain(rec.entries), plain(es));
  });

  it('rejects a record from another segment, a flipped bit and a short buffer', () => {
    const buf = encodeBatchRecord(9, 0, null, entries(1, 2));
    assert.equal(readFrame(buf, 0, 10).ok, false);
    const flipped = Buffer.from(buf);
    flipped[RECORD_HEADER + 3]! ^= 4;
    assert.equal(readFrame(flipped, 0, 9).ok, false);
    assert.equal(readFrame(buf.subarray(0, buf.length - 8), 0, 9).ok, false);
  });

  it('round-trips header and reset records and segment names', () => {
    const h = encodeHeaderRecord(2 ** 33 + 5, 123);
    const fh = readFrame(h, 0, 2 ** 33 + 5);
    assert.ok(fh.ok);
    assert.deepEqual(decodePayload(h, fh.type, fh.payload, fh.len), { type: 'header', segId: 2 ** 33 + 5, base: 123 });
    const r = encodeResetRecord(3, 0, { index: 77, term: 5 });
    const fr = readFrame(r, 0, 3);
    assert.ok(fr.ok);
    assert.deepEqual(decodePayload(r, fr.type, fr.payload, fr.len), { type: 'reset', index: 77, term: 5 });
    const name = segmentFileName(255, 1001);
    assert.equal(name, '00000000000000ff-00000000000000001001.wal');
    assert.deepEqual(parseSegmentFileName(name), { id: 255, base: 1001 });
    assert.equal(parseSegmentFileName('junk.wal'), null);
  });
});
