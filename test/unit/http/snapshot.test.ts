import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { request } from 'node:http';
import { gunzipSync, gzipSync } from 'node:zlib';
import { after, before, beforeEach, describe, it } from 'node:test';
import { SNAPSHOT_MAX_ARCHIVE_BYTES } from '../../../src/http/routes/snapshot.js';
import { AppError, isAppError } from '../../../src/shared/errors.js';
import { decodeSnapshotArchive, encodeSnapshotArchive, SNAPSHOT_FORMAT_VERSION } from '../../../src/shared/snapshot-archive.js';
import { FakeOperator } from './fake-operator.js';
import { startHarness, type Harness } from './harness.js';

const DATA = Buffer.from(JSON.stringify({ nodes: Array.from({ length: 200 }, (_, i) => ({ Node: `n${i}`, Address: `10.0.${i >> 8}.${i & 255}` })) }));
const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

/** An archive with a hand-made header, to test what decoding refuses. */
function forged(header: Record<string, unknown>, data: Buffer = DATA): Buffer {
  const full = { Format: 'roster-snapshot', Version: 1, Index: 7, Term: 2, Size: data.length, SHA256: sha(data), ...header };
  return gzipSync(Buffer.concat([Buffer.from(`${JSON.stringify(full)}\n`), data]));
}

function refusal(archive: Uint8Array, options?: { maxDataBytes?: number }): AppError {
  try {
    decodeSnapshotArchive(archive, options);
  } catch (err) {
    assert.ok(isAppError(err), `not an AppError: ${String(err)}`);
    return err;
  }
  assert.fail('the archive was accepted');
}

describe('snapshot archive', () => {
  it('round-trips index, term and data byte for byte', () => {
    const archive = encodeSnapshotArchive({ index: 1234, term: 5, data: DATA });
    const decoded = decodeSnapshotArchive(archive);
    assert.deepEqual(decoded.header, { Format: 'roster-snapshot', Version: SNAPSHOT_FORMAT_VERSION, Index: 1234, Term: 5, Size: DATA.length, SHA256: sha(DATA) });
    assert.ok(Buffer.from(decoded.data).equals(DATA));
    assert.equal(decoded.archiveBytes, archive.length);
    // Compressed: the repetitive catalog shrinks.
    assert.ok(archive.length < DATA.length / 2);
  });

  it('empty data is a valid snapshot', () => {
    const decoded = decodeSnapshotArchive(encodeSnapshotArchive({ index: 0, term: 0, data: new Uint8Array(0) }));
    assert.equal(decoded.data.length, 0);
    assert.equal(decoded.header.Size, 0);
  });

  it('is gzip of one JSON header line then the data', () => {
    const plain = gunzipSync(encodeSnapshotArchive({ index: 9, term: 1, data: Buffer.from('abc') }));
    const cut = plain.indexOf(0x0a);
    assert.deepEqual(JSON.parse(plain.subarray(0, cut).toString()), {
      Format: 'roster-snapshot', Version: 1, Index: 9, Term: 1, Size: 3, SHA256: sha(Buffer.from('abc')),
    });
    assert.equal(plain.subarray(cut + 1).toString(), 'abc');
  });

  it('refuses a truncated file, at any cut', () => {
    const archive = encodeSnapshotArchive({ index: 1, term: 1, data: DATA });
    for (const keep of [1, 2, 10, Math.floor(archive.length / 2), archive.length - 1]) {
      const err = refusal(archive.subarray(0, keep));
      assert.equal(err.code, 'BAD_REQUEST', `cut at ${keep}`);
      assert.match(err.message, /^invalid snapshot archive: /);
    }
    assert.equal(refusal(archive.subarray(0, archive.length - 10)).message, 'invalid snapshot archive: the file is truncated');
  });

  it('refuses a damaged file: flipped bits, not gzip, empty', () => {
    const archive = encodeSnapshotArchive({ index: 1, term: 1, data: DATA });
    const flipped = Buffer.from(archive);
    flipped[Math.floor(flipped.length / 2)]! ^= 0x40;
    assert.match(refusal(flipped).message, /^invalid snapshot archive: gzip data is damaged/);
    assert.equal(refusal(Buffer.from('{"not":"a snapshot"}')).message, 'invalid snapshot archive: not gzip data');
    assert.equal(refusal(new Uint8Array(0)).message, 'invalid snapshot archive: the file is empty');
  });

  it('checks the data against the header: size and SHA-256', () => {
    assert.match(refusal(forged({ Size: DATA.length + 1 })).message, /promises \d+ bytes of data but there are \d+/);
    const altered = Buffer.from(DATA);
    altered[5] = 0x21;
    assert.equal(refusal(forged({ SHA256: sha(DATA) }, altered)).message, 'invalid snapshot archive: the data does not match its SHA-256 (the file is corrupt)');
  });

  it('checks the header itself', () => {
    assert.match(refusal(forged({ Format: 'consul' })).message, /not a roster snapshot/);
    assert.match(refusal(forged({ Version: 2 })).message, /format version 2 is not supported/);
    assert.match(refusal(forged({ Index: -1 })).message, /Index is not a non-negative integer/);
    assert.match(refusal(forged({ SHA256: 'xyz' })).message, /SHA256/);
    assert.match(refusal(gzipSync(Buffer.from('no newline here'))).message, /no header line/);
    assert.match(refusal(gzipSync(Buffer.from('[1]\n'))).message, /not a JSON object/);
  });

  it('refuses to inflate more than the limit (a gzip bomb is TOO_LARGE)', () => {
    const bomb = encodeSnapshotArchive({ index: 1, term: 1, data: Buffer.alloc(1 << 20) });
    assert.ok(bomb.length < 10_000);
    const err = refusal(bomb, { maxDataBytes: 1000 });
    assert.equal(err.code, 'TOO_LARGE');
    assert.doesNotThrow(() => decodeSnapshotArchive(bomb, { maxDataBytes: 1 << 20 }));
  });
});

describe('/v1/snapshot', () => {
  let h: Harness;
  const op = new FakeOperator();
  before(async () => {
    h = await startHarness({ operator: op });
  });
  after(() => h.close());
  beforeEach(() => {
    op.calls.length = 0;
    op.restored = [];
    op.failWith = undefined;
  });

  it("GET answers the port's snapshot as an archive, X-Consul-Index = its index", async () => {
    const res = await h.api('/v1/snapshot');
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'application/gzip');
    assert.equal(res.headers.get('x-consul-index'), '42');
    assert.equal(res.headers.get('x-consul-knownleader'), 'true');
    const decoded = decodeSnapshotArchive(new Uint8Array(await res.arrayBuffer()));
    assert.deepEqual([decoded.header.Index, decoded.header.Term], [42, 3]);
    assert.ok(Buffer.from(decoded.data).equals(op.snapshot.data));
    assert.deepEqual(op.calls, [['saveSnapshot', { stale: false }]]);
  });

  it('GET ?stale lets any server answer; another ?dc is refused', async () => {
    assert.equal((await h.api('/v1/snapshot?stale')).status, 200);
    const other = await h.api('/v1/snapshot?dc=dc9');
    assert.deepEqual([other.status, await other.text()], [500, 'No path to datacenter']);
    assert.deepEqual(op.calls, [['saveSnapshot', { stale: true }]]);
  });

  it('GET without a leader is the port\'s error', async () => {
    op.failWith = new AppError('UNAVAILABLE', 'No cluster leader');
    const res = await h.api('/v1/snapshot');
    assert.deepEqual([res.status, await res.text()], [500, 'No cluster leader']);
  });

  it('PUT restores a valid archive: the port gets the data, the caller an empty 200', async () => {
    const archive = encodeSnapshotArchive({ index: 77, term: 4, data: DATA });
    const res = await h.put('/v1/snapshot', archive);
    assert.deepEqual([res.status, await res.text()], [200, '']);
    assert.equal(op.restored.length, 1);
    assert.ok(Buffer.from(op.restored[0]!).equals(DATA));
  });

  it('PUT of a truncated, corrupt or empty archive is a 400 that says so, and nothing is restored', async () => {
    const archive = encodeSnapshotArchive({ index: 77, term: 4, data: DATA });
    const corrupt = Buffer.from(archive);
    corrupt[20]! ^= 0xff;
    const cases: [Buffer, RegExp][] = [
      [archive.subarray(0, archive.length - 30), /^invalid snapshot archive: the file is truncated$/],
      [corrupt, /^invalid snapshot archive: gzip data is damaged/],
      [forged({ SHA256: sha(Buffer.from('other')) }), /does not match its SHA-256/],
      [Buffer.from('hello'), /^invalid snapshot archive: not gzip data$/],
      [Buffer.alloc(0), /^invalid snapshot archive: the file is empty$/],
    ];
    for (const [body, message] of cases) {
      const res = await h.put('/v1/snapshot', body);
      assert.equal(res.status, 400);
      assert.match(await res.text(), message);
    }
    assert.deepEqual(op.restored, []);
  });

  it('PUT of a declared body over the limit is a 413 before any of it is read', async () => {
    const { status, text } = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = request(`${h.base}/v1/snapshot`, { method: 'PUT', headers: { 'content-length': String(SNAPSHOT_MAX_ARCHIVE_BYTES + 1) } }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: body }));
      });
      req.on('error', reject);
      req.flushHeaders();
    });
    assert.equal(status, 413);
    assert.equal(text, `Snapshot archive too large, max size: ${SNAPSHOT_MAX_ARCHIVE_BYTES} bytes`);
    assert.deepEqual(op.restored, []);
  });

  it("a restore the server refuses is the port's error", async () => {
    op.failWith = new AppError('UNAVAILABLE', 'No cluster leader');
    const res = await h.put('/v1/snapshot', encodeSnapshotArchive({ index: 1, term: 1, data: DATA }));
    assert.deepEqual([res.status, await res.text()], [500, 'No cluster leader']);
  });
});
