/**
 * On-disk format of the Raft WAL (see wal.ts for the protocol around it).
 *
 * A segment file `<id:16 hex>-<base:20 dec>.wal` is a sequence of records, each 8-byte aligned:
 *
 *   0  u32  CRC-32C of bytes [4, 24 + len)   (header fields after the CRC, then the payload)
 *   4  u32  len: payload bytes (padding excluded)
 *   8  u8   type: 1 header, 2 batch, 3 reset
 *   9  u8   format version (1)
 *   10 u16  reserved, 0
 *   12 u32  low 32 bits of the segment id (a salt: a record copied from another file never checks)
 *   16 u64  durable offset: bytes of this file known fsync'd when the record was written
 *   24      payload, then zero padding to a multiple of 8
 *
 * Payloads (integers little-endian; u64 as two u32 halves, always safe integers):
 *   header: "RSTRWAL\0", u64 segment id, u64 base index (the next index at the time of creation)
 *   batch:  u8 flags (bit 0: hard state present) [u64 term, u64 commit, u16 n, n bytes vote UTF-8]
 *           u32 count, then per entry: u64 index, u64 term, u8 kind (0 normal, 1 config),
 *           u32 n, n bytes data. Entries are contiguous; the first one truncates any stored
 *           suffix at or after its index (so a truncation is atomic with the entries that replace it).
 *   reset:  u64 index, u64 term: the log is superseded by a snapshot at index (next is index + 1).
 */
import type { Entry, EntryKind, HardState, SnapshotMeta } from '../core/types.js';
import { crc32c } from './crc32c.js';

export const RECORD_HEADER = 24;
export const FORMAT_VERSION = 1;
export const MAGIC = Buffer.from('RSTRWAL\0', 'latin1');
/** Largest payload accepted when reading; a larger length field is a broken record. */
export const MAX_RECORD_BYTES = 1 << 30;

export const RecordType = { header: 1, batch: 2, reset: 3 } as const;
export type RecordTypeCode = (typeof RecordType)[keyof typeof RecordType];

const KIND_CODE = { normal: 0, config: 1 } as const satisfies Record<EntryKind, number>;
const KIND_OF_CODE: readonly EntryKind[] = ['normal', 'config'];
const TWO32 = 2 ** 32;

export const pad8 = (n: number): number => (n + 7) & ~7;

export function segmentFileName(id: number, base: number): string {
  return `${id.toString(16).padStart(16, '0')}-${base.toString().padStart(20, '0')}.wal`;
}

export function parseSegmentFileName(name: string): { id: number; base: number } | null {
  const m = /^([0-9a-f]{16})-([0-9]{20})\.wal$/.exec(name);
  if (!m) return null;
  const id = Number.parseInt(m[1]!, 16);
  const base = Number(m[2]);
  if (!Number.isSafeInteger(id) || !Number.isSafeInteger(base) || id < 1 || base < 1) return null;
  return { id, base };
}

export function writeU64(buf: Buffer, off: number, n: number): void {
  buf.writeUInt32LE(n % TWO32, off);
  buf.writeUInt32LE(Math.floor(n / TWO32), off + 4);
}

/** Reads a u64 as a number; -1 when it is not a safe integer (a broken record). */
export function readU64(buf: Buffer, off: number): number {
  const hi = buf.readUInt32LE(off + 4);
  if (hi >= 0x200000) return -1;
  return hi * TWO32 + buf.readUInt32LE(off);
}

/** Bytes one batch record takes on disk (header and padding included). */
export function batchRecordSize(hs: HardState | null, entries: readonly Entry[]): number {
  return pad8(RECORD_HEADER + batchPayloadSize(hs, entries));
}

function batchPayloadSize(hs: HardState | null, entries: readonly Entry[]): number {
  let n = 1 + 4;
  if (hs) n += 8 + 8 + 2 + Buffer.byteLength(hs.vote, 'utf8');
  for (const e of entries) n += 8 + 8 + 1 + 4 + e.data.length;
  return n;
}

/** Fills the 24-byte header of a record whose payload is already in place, computing the CRC. */
function sealRecord(buf: Buffer, off: number, type: RecordTypeCode, len: number, segId: number, durable: number): number {
  buf.writeUInt32LE(len, off + 4);
  buf[off + 8] = type;
  buf[off + 9] = FORMAT_VERSION;
  buf.writeUInt16LE(0, off + 10);
  buf.writeUInt32LE(segId % TWO32, off + 12);
  writeU64(buf, off + 16, durable);
  buf.writeUInt32LE(crc32c(buf, off + 4, off + RECORD_HEADER + len), off);
  const end = pad8(off + RECORD_HEADER + len);
  buf.fill(0, off + RECORD_HEADER + len, end);
  return end;
}

/** Writes a batch record at `off` of `buf` (sized with batchRecordSize); returns the end offset. */
export function writeBatchRecord(
  buf: Buffer, off: number, segId: number, durable: number, hs: HardState | null, entries: readonly Entry[],
): number {
  let p = off + RECORD_HEADER;
  buf[p++] = hs ? 1 : 0;
  if (hs) {
    writeU64(buf, p, hs.term);
    writeU64(buf, p + 8, hs.commit);
    const n = buf.write(hs.vote, p + 18, 'utf8');
    buf.writeUInt16LE(n, p + 16);
    p += 18 + n;
  }
  buf.writeUInt32LE(entries.length, p);
  p += 4;
  for (const e of entries) {
    writeU64(buf, p, e.index);
    writeU64(buf, p + 8, e.term);
    buf[p + 16] = KIND_CODE[e.kind];
    buf.writeUInt32LE(e.data.length, p + 17);
    buf.set(e.data, p + 21);
    p += 21 + e.data.length;
  }
  return sealRecord(buf, off, RecordType.batch, p - off - RECORD_HEADER, segId, durable);
}

export function encodeHeaderRecord(segId: number, base: number): Buffer {
  const buf = Buffer.alloc(pad8(RECORD_HEADER + 24));
  MAGIC.copy(buf, RECORD_HEADER);
  writeU64(buf, RECORD_HEADER + 8, segId);
  writeU64(buf, RECORD_HEADER + 16, base);
  sealRecord(buf, 0, RecordType.header, 24, segId, 0);
  return buf;
}

export function encodeResetRecord(segId: number, durable: number, meta: Pick<SnapshotMeta, 'index' | 'term'>): Buffer {
  const buf = Buffer.alloc(pad8(RECORD_HEADER + 16));
  writeU64(buf, RECORD_HEADER, meta.index);
  writeU64(buf, RECORD_HEADER + 8, meta.term);
  sealRecord(buf, 0, RecordType.reset, 16, segId, durable);
  return buf;
}

export function encodeBatchRecord(segId: number, durable: number, hs: HardState | null, entries: readonly Entry[]): Buffer {
  const buf = Buffer.allocUnsafe(batchRecordSize(hs, entries));
  writeBatchRecord(buf, 0, segId, durable, hs, entries);
  return buf;
}

export type FrameResult =
  | { readonly ok: true; readonly type: number; readonly payload: number; readonly len: number; readonly durable: number; readonly next: number }
  | { readonly ok: false; readonly reason: string };

/** Checks the record framed at `off` (length, version, salt, CRC); does not decode the payload. */
export function readFrame(buf: Buffer, off: number, segId: number): FrameResult {
  if (buf.length - off < RECORD_HEADER) return { ok: false, reason: 'partial record header' };
  const len = buf.readUInt32LE(off + 4);
  if (len > MAX_RECORD_BYTES || pad8(off + RECORD_HEADER + len) > buf.length) {
    return { ok: false, reason: `record length ${len} runs past the end of the file` };
  }
  const crc = buf.readUInt32LE(off);
  if (crc32c(buf, off + 4, off + RECORD_HEADER + len) !== crc) return { ok: false, reason: 'CRC mismatch' };
  if (buf.readUInt32LE(off + 12) !== segId % TWO32) return { ok: false, reason: 'record belongs to another segment' };
  if (buf[off + 9] !== FORMAT_VERSION) return { ok: false, reason: `unsupported format version ${buf[off + 9]}` };
  const durable = readU64(buf, off + 16);
  const next = pad8(off + RECORD_HEADER + len);
  return { ok: true, type: buf[off + 8]!, payload: off + RECORD_HEADER, len, durable, next };
}

export type DecodedRecord =
  | { readonly type: 'header'; readonly segId: number; readonly base: number }
  | { readonly type: 'batch'; readonly hardState: HardState | null; readonly entries: Entry[] }
  | { readonly type: 'reset'; readonly index: number; readonly term: number };

/** Decodes a payload whose frame checked out; throws a string reason when it is malformed. */
export function decodePayload(buf: Buffer, type: number, start: number, len: number): DecodedRecord {
  const end = start + len;
  const need = (p: number, n: number): void => {
    if (p + n > end) throw new Error('payload shorter than its fields');
  };
  const u64 = (p: number): number => {
    const v = readU64(buf, p);
    if (v < 0) throw new Error('integer out of range');
    return v;
  };
  switch (type) {
    case RecordType.header: {
      need(start, 24);
      if (!buf.subarray(start, start + 8).equals(MAGIC)) throw new Error('bad segment magic');
      return { type: 'header', segId: u64(start + 8), base: u64(start + 16) };
    }
    case RecordType.reset:
      need(start, 16);
      return { type: 'reset', index: u64(start), term: u64(start + 8) };
    case RecordType.batch: {
      need(start, 1);
      let p = start + 1;
      let hardState: HardState | null = null;
      if (buf[start]! & 1) {
        need(p, 18);
        const n = buf.readUInt16LE(p + 16);
        need(p + 18, n);
        hardState = { term: u64(p), commit: u64(p + 8), vote: buf.toString('utf8', p + 18, p + 18 + n) };
        p += 18 + n;
      }
      need(p, 4);
      const count = buf.readUInt32LE(p);
      p += 4;
      const entries: Entry[] = [];
      for (let i = 0; i < count; i++) {
        need(p, 21);
        const kind = KIND_OF_CODE[buf[p + 16]!];
        if (kind === undefined) throw new Error(`unknown entry kind ${buf[p + 16]}`);
        const n = buf.readUInt32LE(p + 17);
        need(p + 21, n);
        const data = new Uint8Array(buf.buffer, buf.byteOffset + p + 21, n);
        entries.push({ index: u64(p), term: u64(p + 8), kind, data });
        p += 21 + n;
      }
      if (p !== end) throw new Error('trailing bytes after the last entry');
      return { type: 'batch', hardState, entries };
    }
    default:
      throw new Error(`unknown record type ${type}`);
  }
}
