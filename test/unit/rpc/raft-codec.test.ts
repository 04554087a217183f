import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Packr } from 'msgpackr';
import { RpcDecodeError } from '../../../src/rpc/errors.js';
import {
  FRAME_BATCH,
  FRAME_SNAPSHOT_END,
  FRAME_SNAPSHOT_HEADER,
  RAFT_WIRE_VERSION,
  decodeBatch,
  decodeMessage,
  decodeSnapshotEnd,
  decodeSnapshotHeader,
  encodeBatch,
  encodeSnapshotEnd,
  encodeSnapshotHeader,
  readFrame,
} from '../../../src/rpc/raft-codec.js';
import type { RaftMessage } from '../../../src/raft/core/types.js';
import { seededRandom } from '../../../src/shared/random.js';
import { A, B, allVariants, append, snapshotMessage } from './fixtures.js';

const packr = new Packr({ useRecords: false, mapsAsObjects: true, moreTypes: false });

function rawBatch(items: unknown[]): Uint8Array {
  const body = packr.pack(items);
  return new Uint8Array([RAFT_WIRE_VERSION, FRAME_BATCH, ...body]);
}

function reasonOf(bytes: Uint8Array): string {
  try {
    decodeBatch(bytes);
  } catch (err) {
    assert.ok(err instanceof RpcDecodeError, `expected RpcDecodeError, got ${String(err)}`);
    return err.reason;
  }
  return 'ok';
}

describe('raft codec', () => {
  test('every message variant round-trips in one batch, in order', () => {
    const frame = encodeBatch(allVariants);
    assert.equal(frame[0], RAFT_WIRE_VERSION);
    assert.equal(frame[1], FRAME_BATCH);
    const { messages, rejected } = decodeBatch(frame);
    assert.deepEqual(rejected, []);
    assert.deepEqual(messages, allVariants);
  });

  test('each variant round-trips alone', () => {
    for (const m of allVariants) {
      const { messages } = decodeBatch(encodeBatch([m]));
      assert.deepEqual(messages, [m], m.type);
    }
  });

  test('entry data travels as bytes (not base64) and is copied out of the frame', () => {
    const m = append(0, 1, 1000);
    const frame = encodeBatch([m]);
    // 1000 bytes of data fit in ~1.1 kB; base64 would need 1336 for the data alone.
    assert.ok(frame.length < 1100, `frame is ${frame.length} bytes`);
    const decoded = decodeBatch(frame).messages[0];
    assert.ok(decoded?.type === 'append');
    const data = decoded.entries[0]?.data;
    assert.ok(data instanceof Uint8Array);
    const before = Uint8Array.from(data);
    frame.fill(0); // the receive buffer is reused or freed: the entry must not change
    assert.deepEqual(data, before);
  });

  test('an empty batch is valid', () => {
    assert.deepEqual(decodeBatch(encodeBatch([])), { messages: [], rejected: [] });
  });

  test('snapshot header and end frames round-trip', () => {
    const head = readFrame(encodeSnapshotHeader(snapshotMessage));
    assert.equal(head.kind, FRAME_SNAPSHOT_HEADER);
    assert.deepEqual(decodeSnapshotHeader(head.body), snapshotMessage);
    const end = readFrame(encodeSnapshotEnd(5 * 1024 * 1024, 5));
    assert.equal(end.kind, FRAME_SNAPSHOT_END);
    assert.deepEqual(decodeSnapshotEnd(end.body), { totalBytes: 5 * 1024 * 1024, chunks: 5 });
  });

  test('a snapshot header must carry a snapshot message', () => {
    const body = packr.pack([8, A, B, 1]);
    assert.throws(() => decodeSnapshotHeader(body), (e: unknown) => e instanceof RpcDecodeError && e.reason === 'shape');
  });

  test('frame-level problems are typed: truncated, version, kind, payload, shape', () => {
    assert.equal(reasonOf(new Uint8Array([])), 'truncated');
    assert.equal(reasonOf(new Uint8Array([RAFT_WIRE_VERSION])), 'truncated');
    const good = encodeBatch([allVariants[3] as RaftMessage]);
    assert.equal(reasonOf(Uint8Array.from([2, ...good.subarray(1)])), 'version');
    assert.equal(reasonOf(Uint8Array.from([0, ...good.subarray(1)])), 'version');
    assert.equal(reasonOf(Uint8Array.from([RAFT_WIRE_VERSION, 99, ...good.subarray(2)])), 'kind');
    assert.equal(reasonOf(encodeSnapshotEnd(1, 1)), 'kind'); // a known kind, but not a batch
    assert.equal(reasonOf(new Uint8Array([RAFT_WIRE_VERSION, FRAME_BATCH])), 'truncated');
    assert.equal(reasonOf(new Uint8Array([RAFT_WIRE_VERSION, FRAME_BATCH, 0xd9, 0x10, 0x61])), 'payload'); // str8 cut short
    assert.equal(reasonOf(new Uint8Array([RAFT_WIRE_VERSION, FRAME_BATCH, 0xc1])), 'shape'); // 0xc1 (never used) is no batch
    assert.equal(reasonOf(new Uint8Array([RAFT_WIRE_VERSION, FRAME_BATCH, 0x92, 0x01])), 'payload'); // array cut short
    assert.equal(reasonOf(new Uint8Array([RAFT_WIRE_VERSION, FRAME_BATCH, ...packr.pack({ a: 1 })])), 'shape');
  });

  test('malformed messages are dropped one by one; the good ones in the same frame survive', () => {
    const ok = [2, B, A, 3, 10, false, 0, 0];
    const bad: unknown[] = [
      'not a tuple',
      null,
      [],
      [99, A, B, 1], // unknown type
      [2, B, A, 3, 10, false, 0], // one field short
      [2, B, A, 3, 10, false, 0, 0, 0], // one field too many
      [2, B, A, -1, 10, false, 0, 0], // negative term
      [2, B, A, 1.5, 10, false, 0, 0], // fractional
      [2, B, A, Number.NaN, 10, false, 0, 0],
      [2, B, A, Number.POSITIVE_INFINITY, 10, false, 0, 0],
      [2, B, A, 2 ** 60, 10, false, 0, 0], // not a safe integer
      [2, B, A, '3', 10, false, 0, 0], // number as string
      [2, B, A, 3, 10, 0, 0, 0], // boolean as number
      [2, 7, A, 3, 10, false, 0, 0], // id not a string
      [4, B, A, 3, 'x'.repeat(5000)], // context too long
      [1, A, B, 3, 0, 0, 0, 'entries'], // entries not an array
      [1, A, B, 3, 0, 0, 0, [[1, 1, 2, new Uint8Array(1)]]], // unknown entry kind
      [1, A, B, 3, 0, 0, 0, [[1, 1, 0, 'data']]], // data as a string
      [1, A, B, 3, 0, 0, 0, [[1, 1, 0]]], // entry short
      [7, A, B, 3, 10, 2, [[A, '127.0.0.1:8300', 'yes']]], // voter not a boolean
      [7, A, B, 3, 10, 2, 'servers'],
      { type: 'heartbeat', from: A, to: B, term: 1, commit: 0, context: '' }, // the object form is not the wire form
    ];
    const { messages, rejected } = decodeBatch(rawBatch([ok, ...bad, ok]));
    assert.equal(messages.length, 2);
    assert.deepEqual(messages[0], { type: 'append-response', from: B, to: A, term: 3, index: 10, reject: false, hintIndex: 0, hintTerm: 0 });
    assert.equal(rejected.length, bad.length);
    for (const r of rejected) {
      assert.ok(r instanceof RpcDecodeError);
      assert.equal(r.reason, 'shape');
      assert.equal(r.code, 'BAD_REQUEST');
    }
  });

  test('decodeMessage alone rejects non-tuples', () => {
    for (const v of [undefined, 1, 'x', {}, [1]]) {
      assert.throws(() => decodeMessage(v), RpcDecodeError);
    }
  });

  test('fuzz: random bytes are refused with RpcDecodeError, never anything else', () => {
    const random = seededRandom(41);
    for (let i = 0; i < 5000; i++) {
      const length = random.int(64);
      const bytes = new Uint8Array(length);
      for (let k = 0; k < length; k++) bytes[k] = random.int(256);
      // Half of them get a valid header so the msgpack and shape checks are reached too.
      if (i % 2 === 0 && length >= 2) {
        bytes[0] = RAFT_WIRE_VERSION;
        bytes[1] = FRAME_BATCH;
      }
      checkNeverThrowsOther(bytes);
    }
  });

  test('fuzz: mutated valid frames decode to valid messages or are refused', () => {
    const random = seededRandom(42);
    const base = encodeBatch(allVariants);
    let survivors = 0;
    for (let i = 0; i < 5000; i++) {
      const bytes = Uint8Array.from(base);
      const mutations = 1 + random.int(4);
      for (let k = 0; k < mutations; k++) {
        const at = 2 + random.int(bytes.length - 2);
        bytes[at] = random.int(256);
      }
      const cut = random.int(4) === 0 ? bytes.subarray(0, 2 + random.int(bytes.length - 2)) : bytes;
      const decoded = checkNeverThrowsOther(cut);
      if (decoded) {
        survivors += decoded.length;
        // Whatever came through is well-formed: it encodes and decodes to itself.
        assert.deepEqual(decodeBatch(encodeBatch(decoded)).messages, decoded);
      }
    }
    assert.ok(survivors > 0, 'some mutations only touch values and still decode');
  });
});

function checkNeverThrowsOther(bytes: Uint8Array): RaftMessage[] | null {
  try {
    const { messages, rejected } = decodeBatch(bytes);
    for (const r of rejected) assert.ok(r instanceof RpcDecodeError);
    return messages;
  } catch (err) {
    if (!(err instanceof RpcDecodeError)) {
      assert.fail(`non-RpcDecodeError for ${Buffer.from(bytes).toString('hex')}: ${String(err)}`);
    }
    return null;
  }
}
