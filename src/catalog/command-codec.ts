import { Packr } from 'msgpackr';
import { AppError } from '../shared/errors.js';
import type { CatalogCommand } from './commands.js';
import type { StoreSnapshot } from './store.js';

/**
 * How catalog commands and snapshots are written into the Raft log and snapshot files. The first
 * byte is a format version: a server that meets a version it does not know stops applying rather
 * than guess (replicas must never diverge), which is what makes rolling upgrades detectable.
 *
 * Commands: v1 is one msgpack value (KV values as base64 strings); v2 is the same layout, but a
 * KV value may be msgpack binary (the raw bytes). Both decode; v2 is written.
 *
 * Snapshots: v1 is one msgpack map (StoreSnapshot, KV values base64). v2 is a sequence of msgpack
 * values, so it can be produced and written piece by piece: a header map (every table but KV —
 * sessions included, absent in older snapshots — plus `kvCount`), then arrays of KV rows, each row `[Key, Value (binary), Flags, LockIndex,
 * Session, CreateIndex, ModifyIndex]`. Both decode; v2 is written.
 */
const COMMAND_V1 = 1;
const COMMAND_V2 = 2;
const SNAPSHOT_V1 = 1;
const SNAPSHOT_V2 = 2;

/** KV rows per msgpack array in a v2 snapshot (one piece of an incremental encode). */
export const SNAPSHOT_ROWS_PER_CHUNK = 1024;

// Plain structures only: records as maps of strings, no msgpackr extensions, so the bytes are
// the same whatever process wrote them.
const packr = new Packr({ useRecords: false, moreTypes: false });

export function encodeCommand(command: CatalogCommand): Uint8Array {
  const body = packr.pack(command);
  const out = new Uint8Array(body.length + 1);
  out[0] = COMMAND_V2;
  out.set(body, 1);
  return out;
}

/**
 * Binary values in the result are views into `data`: copy them before keeping them (the FSM
 * does), or a small value would hold a whole received batch in memory.
 */
export function decodeCommand(data: Uint8Array): CatalogCommand {
  if (data[0] !== COMMAND_V2 && data[0] !== COMMAND_V1) {
    throw new AppError('INTERNAL', `unknown catalog command format ${String(data[0])} in the Raft log (written by a newer version?)`);
  }
  return packr.unpack(data.subarray(1)) as CatalogCommand;
}

interface SnapshotHeaderV2 extends Omit<StoreSnapshot, 'kvs'> {
  kvCount: number;
}

type KVRow = [string, Uint8Array, number, number, string, number, number];

/**
 * The v2 encoding of a captured store, one piece at a time (the first piece holds the version
 * byte and the header). The capture must not change while this runs: its rows are immutable
 * and its arrays belong to it.
 */
export function* encodeSnapshotChunks(snapshot: StoreSnapshot, rowsPerChunk = SNAPSHOT_ROWS_PER_CHUNK): Generator<Uint8Array> {
  const { kvs, ...rest } = snapshot;
  const header: SnapshotHeaderV2 = { ...rest, kvCount: kvs.length };
  const head = packr.pack(header);
  const first = new Uint8Array(head.length + 1);
  first[0] = SNAPSHOT_V2;
  first.set(head, 1);
  yield first;
  for (let i = 0; i < kvs.length; i += rowsPerChunk) {
    const end = Math.min(kvs.length, i + rowsPerChunk);
    const rows: KVRow[] = new Array<KVRow>(end - i);
    for (let j = i; j < end; j++) {
      const e = kvs[j]!;
      const value = typeof e.Value === 'string' ? Buffer.from(e.Value, 'base64') : e.Value;
      rows[j - i] = [e.Key, value, e.Flags, e.LockIndex, e.Session, e.CreateIndex, e.ModifyIndex];
    }
    // pack() reuses its buffer: copy out what it returned before the next call.
    yield Uint8Array.prototype.slice.call(packr.pack(rows));
  }
}

export function encodeSnapshot(snapshot: StoreSnapshot): Uint8Array {
  return Buffer.concat([...encodeSnapshotChunks(snapshot)]);
}

/**
 * KV values of the result are base64 strings (v1) or views into `data` (v2): the store copies
 * them as it restores.
 */
export function decodeSnapshot(data: Uint8Array): StoreSnapshot {
  if (data[0] === SNAPSHOT_V1) return packr.unpack(data.subarray(1)) as StoreSnapshot;
  if (data[0] !== SNAPSHOT_V2) {
    throw new AppError('INTERNAL', `unknown catalog snapshot format ${String(data[0])} (written by a newer version?)`);
  }
  const parts = packr.unpackMultiple(Buffer.from(data.buffer, data.byteOffset + 1, data.length - 1)) as unknown[];
  const header = parts[0] as SnapshotHeaderV2 | undefined;
  if (!header || typeof header !== 'object' || typeof header.kvCount !== 'number') {
    throw new AppError('INTERNAL', 'catalog snapshot (v2) has no header');
  }
  const { kvCount, ...rest } = header;
  const kvs: StoreSnapshot['kvs'] = new Array<StoreSnapshot['kvs'][number]>(kvCount);
  let n = 0;
  for (let p = 1; p < parts.length; p++) {
    const rows = parts[p] as KVRow[];
    if (!Array.isArray(rows)) throw new AppError('INTERNAL', 'catalog snapshot (v2) has a malformed KV chunk');
    for (const row of rows) {
      if (!Array.isArray(row) || n >= kvCount) throw new AppError('INTERNAL', 'catalog snapshot (v2) has a malformed KV row');
      const [Key, value, Flags, LockIndex, Session, CreateIndex, ModifyIndex] = row;
      kvs[n++] = { Key, Value: value, Flags, LockIndex, Session, CreateIndex, ModifyIndex };
    }
  }
  if (n !== kvCount) throw new AppError('INTERNAL', `catalog snapshot (v2) holds ${n} KV rows, its header says ${kvCount}`);
  return { ...rest, kvs };
}
