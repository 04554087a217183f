/**
 * Wire format of the Raft service on the server port (every gRPC message is one frame).
 *
 *   frame = version:u8 kind:u8 body
 *
 *   kind 1 BATCH            body = msgpack([message, ...])        Raft/Stream requests
 *   kind 2 SNAPSHOT_HEADER  body = msgpack(message)               Raft/InstallSnapshot, first frame
 *   kind 3 SNAPSHOT_CHUNK   body = raw snapshot bytes (≤ 1 MiB)   Raft/InstallSnapshot, then these
 *   kind 4 SNAPSHOT_END     body = msgpack([totalBytes, chunks])  Raft/InstallSnapshot, last frame
 *   kind 5 ACK              body = empty                          response of both RPCs
 *
 * A message is a msgpack array (a tuple, not a map: no field names on the wire), led by a type
 * code and the envelope:
 *
 *   1 append             [1, from, to, term, prevIndex, prevTerm, commit, [entry, ...]]
 *                         entry = [index, term, kind (0 normal, 1 config), data (msgpack bin)]
 *   2 append-response    [2, from, to, term, index, reject, hintIndex, hintTerm]
 *   3 heartbeat          [3, from, to, term, commit, context]
 *   4 heartbeat-response [4, from, to, term, context]
 *   5 vote               [5, from, to, term, preVote, transfer, lastIndex, lastTerm]
 *   6 vote-response      [6, from, to, term, preVote, granted]
 *   7 snapshot           [7, from, to, term, index, snapTerm, [[id, address, voter], ...]]
 *   8 timeout-now        [8, from, to, term]
 *
 * The version byte comes first so a future format can be refused (or adapted to) before any of
 * the rest is parsed: a receiver that sees another version fails the call with INVALID_ARGUMENT
 * rather than guessing. Adding a field to a message means a new version (tuples are positional).
 *
 * Everything decoded here came from the network: shapes are checked strictly (exact tuple
 * lengths, known codes, strings, booleans, finite non-negative safe integers, bytes) and every
 * failure is an RpcDecodeError, never anything else.
 */
import { Packr } from 'msgpackr';
import type { Entry, EntryKind, Membership, RaftMessage, ServerEntry, SnapshotMessage } from '../raft/core/types.js';
import { RpcDecodeError } from './errors.js';

export const RAFT_WIRE_VERSION = 1;
export const FRAME_BATCH = 1;
export const FRAME_SNAPSHOT_HEADER = 2;
export const FRAME_SNAPSHOT_CHUNK = 3;
export const FRAME_SNAPSHOT_END = 4;
export const FRAME_ACK = 5;
const HEADER_BYTES = 2;
/** Longest id / address / read context accepted (a UUID is 36; this is generous). */
export const MAX_STRING_CHARS = 4096;

const TYPE_CODES = {
  append: 1,
  'append-response': 2,
  heartbeat: 3,
  'heartbeat-response': 4,
  vote: 5,
  'vote-response': 6,
  snapshot: 7,
  'timeout-now': 8,
} as const satisfies Record<RaftMessage['type'], number>;

// Records/structures would make a frame depend on state shared with the sender; plain arrays do not.
const packr = new Packr({ useRecords: false, mapsAsObjects: true, moreTypes: false, int64AsType: 'number' });

// ---------------------------------------------------------------------------------------------
// Encoding

type Tuple = unknown[];

function entryTuple(e: Entry): Tuple {
  return [e.index, e.term, e.kind === 'config' ? 1 : 0, e.data];
}

function messageTuple(m: RaftMessage): Tuple {
  const code = TYPE_CODES[m.type];
  switch (m.type) {
    case 'append':
      return [code, m.from, m.to, m.term, m.prevIndex, m.prevTerm, m.commit, m.entries.map(entryTuple)];
    case 'append-response':
      return [code, m.from, m.to, m.term, m.index, m.reject, m.hintIndex, m.hintTerm];
    case 'heartbeat':
      return [code, m.from, m.to, m.term, m.commit, m.context];
    case 'heartbeat-response':
      return [code, m.from, m.to, m.term, m.context];
    case 'vote':
      return [code, m.from, m.to, m.term, m.preVote, m.transfer, m.lastIndex, m.lastTerm];
    case 'vote-response':
      return [code, m.from, m.to, m.term, m.preVote, m.granted];
    case 'snapshot': {
      const s = m.snapshot;
      const servers = s.membership.servers.map((v) => [v.id, v.address, v.voter]);
      return [code, m.from, m.to, m.term, s.index, s.term, servers];
    }
    case 'timeout-now':
      return [code, m.from, m.to, m.term];
  }
}

function frame(kind: number, body: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(HEADER_BYTES + body.length);
  out[0] = RAFT_WIRE_VERSION;
  out[1] = kind;
  out.set(body, HEADER_BYTES);
  return out;
}

/** Bytes a message roughly takes on the wire (batching and queue budgets; not exact). */
export function estimateSize(m: RaftMessage): number {
  if (m.type !== 'append') return 64;
  let n = 64;
  for (const e of m.entries) n += e.data.length + 24;
  return n;
}

/** One BATCH frame carrying `messages` in order. */
export function encodeBatch(messages: readonly RaftMessage[]): Buffer {
  return frame(FRAME_BATCH, packr.pack(messages.map(messageTuple)));
}

export function encodeSnapshotHeader(message: SnapshotMessage): Buffer {
  return frame(FRAME_SNAPSHOT_HEADER, packr.pack(messageTuple(message)));
}

export function encodeSnapshotChunk(chunk: Uint8Array): Buffer {
  return frame(FRAME_SNAPSHOT_CHUNK, chunk);
}

export function encodeSnapshotEnd(totalBytes: number, chunks: number): Buffer {
  return frame(FRAME_SNAPSHOT_END, packr.pack([totalBytes, chunks]));
}

export function encodeAck(): Buffer {
  return frame(FRAME_ACK, new Uint8Array(0));
}

// ---------------------------------------------------------------------------------------------
// Decoding

export interface Frame {
  readonly kind: number;
  readonly body: Uint8Array;
}

const KNOWN_KINDS = new Set([FRAME_BATCH, FRAME_SNAPSHOT_HEADER, FRAME_SNAPSHOT_CHUNK, FRAME_SNAPSHOT_END, FRAME_ACK]);

/** Splits off and checks the header. Throws only RpcDecodeError. */
export function readFrame(bytes: Uint8Array): Frame {
  if (!(bytes instanceof Uint8Array)) throw new RpcDecodeError('truncated', 'frame is not bytes');
  if (bytes.length < HEADER_BYTES) throw new RpcDecodeError('truncated', `frame of ${bytes.length} bytes has no header`);
  const version = bytes[0];
  if (version !== RAFT_WIRE_VERSION) throw new RpcDecodeError('version', `unsupported raft wire version ${String(version)}`);
  const kind = bytes[1] ?? -1;
  if (!KNOWN_KINDS.has(kind)) throw new RpcDecodeError('kind', `unknown raft frame kind ${kind}`);
  return { kind, body: bytes.subarray(HEADER_BYTES) };
}

function expectKind(f: Frame, kind: number): void {
  if (f.kind !== kind) throw new RpcDecodeError('kind', `expected raft frame kind ${kind}, got ${f.kind}`);
}

function unpack(body: Uint8Array): unknown {
  if (body.length === 0) throw new RpcDecodeError('truncated', 'empty msgpack body');
  try {
    return packr.unpack(body) as unknown;
  } catch (err) {
    throw new RpcDecodeError('payload', 'body is not valid msgpack', { cause: err });
  }
}

export interface DecodedBatch {
  /** The valid messages, in order. */
  readonly messages: RaftMessage[];
  /** One error per message refused (the others still count). */
  readonly rejected: RpcDecodeError[];
}

/**
 * Decodes a BATCH frame. A broken frame (header, msgpack, not an array) throws RpcDecodeError;
 * a malformed message inside a good frame is dropped alone and reported in `rejected`.
 */
export function decodeBatch(bytes: Uint8Array): DecodedBatch {
  const f = readFrame(bytes);
  expectKind(f, FRAME_BATCH);
  return decodeBatchBody(f.body);
}

export function decodeBatchBody(body: Uint8Array): DecodedBatch {
  const value = unpack(body);
  if (!Array.isArray(value)) throw new RpcDecodeError('shape', 'batch is not an array');
  const messages: RaftMessage[] = [];
  const rejected: RpcDecodeError[] = [];
  for (const item of value as unknown[]) {
    try {
      messages.push(decodeMessage(item));
    } catch (err) {
      rejected.push(err instanceof RpcDecodeError ? err : new RpcDecodeError('shape', String(err)));
    }
  }
  return { messages: copyEntryData(messages), rejected };
}

/**
 * msgpackr hands back entry data as views of the received frame. Copy it out, so entries the
 * log keeps do not pin the frame (or a caller's reused buffer) — into one allocation per batch:
 * a small ArrayBuffer per entry costs ~5x the whole decode. A batch's entries are contiguous in
 * the log and are compacted together, so sharing their backing store holds nothing extra alive.
 */
type MutableEntry = { -readonly [K in keyof Entry]: Entry[K] };

function copyEntryData(messages: RaftMessage[]): RaftMessage[] {
  let total = 0;
  for (const m of messages) if (m.type === 'append') for (const e of m.entries) total += e.data.length;
  if (total === 0) return messages;
  const slab = new Uint8Array(total);
  let at = 0;
  for (const m of messages) {
    if (m.type !== 'append') continue;
    // The entries were built by decodeEntry just now and are not shared: patch them in place.
    for (const e of m.entries as readonly MutableEntry[]) {
      slab.set(e.data, at);
      e.data = slab.subarray(at, at + e.data.length);
      at += e.data.length;
    }
  }
  return messages;
}

export function decodeSnapshotHeader(body: Uint8Array): SnapshotMessage {
  const m = decodeMessage(unpack(body));
  if (m.type !== 'snapshot') throw new RpcDecodeError('shape', `snapshot header carries a ${m.type} message`);
  return m;
}

export function decodeSnapshotEnd(body: Uint8Array): { totalBytes: number; chunks: number } {
  const t = tuple(unpack(body), 2, 'snapshot end');
  return { totalBytes: uint(t[0], 'totalBytes'), chunks: uint(t[1], 'chunks') };
}

function fail(message: string): never {
  throw new RpcDecodeError('shape', message);
}

function tuple(value: unknown, length: number, what: string): unknown[] {
  if (!Array.isArray(value)) fail(`${what} is not an array`);
  const arr = value as unknown[];
  if (arr.length !== length) fail(`${what} has ${arr.length} fields, expected ${length}`);
  return arr;
}

function uint(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    fail(`${field} is not a non-negative integer: ${describe(value)}`);
  }
  return value;
}

function str(value: unknown, field: string): string {
  if (typeof value !== 'string') fail(`${field} is not a string: ${describe(value)}`);
  if (value.length > MAX_STRING_CHARS) fail(`${field} is ${value.length} chars long (max ${MAX_STRING_CHARS})`);
  return value;
}

function bool(value: unknown, field: string): boolean {
  if (typeof value !== 'boolean') fail(`${field} is not a boolean: ${describe(value)}`);
  return value;
}

function bytes(value: unknown, field: string): Uint8Array {
  if (!(value instanceof Uint8Array)) fail(`${field} is not bytes: ${describe(value)}`);
  return value; // a view into the received frame until copyEntryData()
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (value instanceof Uint8Array) return 'bytes';
  if (typeof value === 'string') return 'string';
  if (typeof value === 'object') return 'object';
  return String(value);
}

function decodeEntry(value: unknown, i: number): Entry {
  const t = tuple(value, 4, `entry ${i}`);
  const kindCode = uint(t[2], `entry ${i} kind`);
  if (kindCode > 1) fail(`entry ${i} has unknown kind ${kindCode}`);
  const kind: EntryKind = kindCode === 1 ? 'config' : 'normal';
  return { index: uint(t[0], `entry ${i} index`), term: uint(t[1], `entry ${i} term`), kind, data: bytes(t[3], `entry ${i} data`) };
}

function decodeServer(value: unknown, i: number): ServerEntry {
  const t = tuple(value, 3, `server ${i}`);
  return { id: str(t[0], `server ${i} id`), address: str(t[1], `server ${i} address`), voter: bool(t[2], `server ${i} voter`) };
}

const LENGTHS: Record<number, number> = { 1: 8, 2: 8, 3: 6, 4: 5, 5: 8, 6: 6, 7: 7, 8: 4 };

/**
 * Decodes one message tuple (already unpacked). Throws only RpcDecodeError. Entry data are views
 * of the unpacked input (decodeBatch copies them out).
 */
export function decodeMessage(value: unknown): RaftMessage {
  if (!Array.isArray(value)) fail('message is not an array');
  const arr = value as unknown[];
  const code = arr[0];
  const length = typeof code === 'number' ? LENGTHS[code] : undefined;
  if (length === undefined) fail(`unknown message type ${describe(code)}`);
  const t = tuple(arr, length, `message type ${String(code)}`);
  const from = str(t[1], 'from');
  const to = str(t[2], 'to');
  const term = uint(t[3], 'term');
  switch (code) {
    case 1: {
      if (!Array.isArray(t[7])) fail('entries is not an array');
      const entries = (t[7] as unknown[]).map(decodeEntry);
      return { type: 'append', from, to, term, prevIndex: uint(t[4], 'prevIndex'), prevTerm: uint(t[5], 'prevTerm'), commit: uint(t[6], 'commit'), entries };
    }
    case 2:
      return { type: 'append-response', from, to, term, index: uint(t[4], 'index'), reject: bool(t[5], 'reject'), hintIndex: uint(t[6], 'hintIndex'), hintTerm: uint(t[7], 'hintTerm') };
    case 3:
      return { type: 'heartbeat', from, to, term, commit: uint(t[4], 'commit'), context: str(t[5], 'context') };
    case 4:
      return { type: 'heartbeat-response', from, to, term, context: str(t[4], 'context') };
    case 5:
      return { type: 'vote', from, to, term, preVote: bool(t[4], 'preVote'), transfer: bool(t[5], 'transfer'), lastIndex: uint(t[6], 'lastIndex'), lastTerm: uint(t[7], 'lastTerm') };
    case 6:
      return { type: 'vote-response', from, to, term, preVote: bool(t[4], 'preVote'), granted: bool(t[5], 'granted') };
    case 7: {
      if (!Array.isArray(t[6])) fail('servers is not an array');
      const membership: Membership = { servers: (t[6] as unknown[]).map(decodeServer) };
      return { type: 'snapshot', from, to, term, snapshot: { index: uint(t[4], 'snapshot index'), term: uint(t[5], 'snapshot term'), membership } };
    }
    default:
      return { type: 'timeout-now', from, to, term };
  }
}
