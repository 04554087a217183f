/**
 * UDP packet framing for gossip messages.
 *
 *   packet   = version:u8 kind:u8 body
 *   single   : body = msgpack(message)
 *   compound : body = count:u8 (len:u16be msgpack(message)){count}
 *
 * The version byte comes first so a future format can be refused (or adapted to) before any of
 * the rest is parsed. Messages are opaque objects here: the net layer frames, it does not interpret.
 */
import { Packr } from 'msgpackr';
import { GossipDecodeError } from './errors.js';

export const WIRE_VERSION = 1;
export const KIND_SINGLE = 0;
export const KIND_COMPOUND = 1;
/** memberlist's UDP buffer: fits an Ethernet MTU with room for IP/UDP headers. */
export const DEFAULT_MTU = 1400;
/** The count is one byte; this also bounds the work one datagram can make us do. */
export const MAX_COMPOUND_PARTS = 255;
const MAX_PART_BYTES = 0xffff;
const HEADER_BYTES = 2;
const COMPOUND_HEADER_BYTES = HEADER_BYTES + 1;
const PART_PREFIX_BYTES = 2;

// Records/structures would make a packet depend on state shared with the sender; plain maps do not.
const packr = new Packr({ useRecords: false, mapsAsObjects: true, moreTypes: false });

export function encodeMessage(message: object): Uint8Array {
  return packr.pack(message);
}

/** Decodes one msgpack payload that must be exactly one plain object. */
export function decodeMessage(bytes: Uint8Array): object {
  let value: unknown;
  try {
    value = packr.unpack(bytes);
  } catch (err) {
    throw new GossipDecodeError('payload', 'message is not valid msgpack', { cause: err });
  }
  if (!isPlainObject(value)) throw new GossipDecodeError('not-object', 'message is not a map');
  return value;
}

function isPlainObject(value: unknown): value is object {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function singlePacket(payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(HEADER_BYTES + payload.length);
  out[0] = WIRE_VERSION;
  out[1] = KIND_SINGLE;
  out.set(payload, HEADER_BYTES);
  return out;
}

function compoundPacket(payloads: readonly Uint8Array[]): Uint8Array {
  const size = payloads.reduce((n, p) => n + PART_PREFIX_BYTES + p.length, COMPOUND_HEADER_BYTES);
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  out[0] = WIRE_VERSION;
  out[1] = KIND_COMPOUND;
  out[2] = payloads.length;
  let at = COMPOUND_HEADER_BYTES;
  for (const p of payloads) {
    view.setUint16(at, p.length);
    out.set(p, at + PART_PREFIX_BYTES);
    at += PART_PREFIX_BYTES + p.length;
  }
  return out;
}

/**
 * Packs messages into as few packets as fit `mtu` bytes each, in order. A message too big to
 * share a packet within the budget goes alone in a single packet (which may exceed `mtu`: the
 * caller decides whether to send it, as memberlist does, rather than have it silently dropped).
 */
export function packMessages(messages: readonly object[], mtu: number = DEFAULT_MTU): Uint8Array[] {
  const packets: Uint8Array[] = [];
  let group: Uint8Array[] = [];
  let groupSize = COMPOUND_HEADER_BYTES;
  const flush = (): void => {
    const [only] = group;
    if (group.length === 1 && only) packets.push(singlePacket(only));
    else if (group.length > 1) packets.push(compoundPacket(group));
    group = [];
    groupSize = COMPOUND_HEADER_BYTES;
  };
  for (const message of messages) {
    const payload = encodeMessage(message);
    const partSize = PART_PREFIX_BYTES + payload.length;
    const shareable = payload.length <= MAX_PART_BYTES && COMPOUND_HEADER_BYTES + partSize <= mtu;
    if (!shareable) {
      flush();
      packets.push(singlePacket(payload));
      continue;
    }
    if (groupSize + partSize > mtu || group.length === MAX_COMPOUND_PARTS) flush();
    group.push(payload);
    groupSize += partSize;
  }
  flush();
  return packets;
}

/** Decodes one packet into its messages. Throws only GossipDecodeError. */
export function decodePacket(bytes: Uint8Array): object[] {
  if (bytes.length < HEADER_BYTES) throw new GossipDecodeError('truncated', `packet of ${bytes.length} bytes has no header`);
  const version = bytes[0];
  if (version !== WIRE_VERSION) throw new GossipDecodeError('version', `unsupported wire version ${String(version)}`);
  const kind = bytes[1];
  if (kind === KIND_SINGLE) return [decodeMessage(bytes.subarray(HEADER_BYTES))];
  if (kind !== KIND_COMPOUND) throw new GossipDecodeError('kind', `unknown packet kind ${String(kind)}`);
  return decodeCompound(bytes);
}

function decodeCompound(bytes: Uint8Array): object[] {
  const count = bytes[HEADER_BYTES];
  if (count === undefined) throw new GossipDecodeError('truncated', 'compound packet has no part count');
  if (count === 0) throw new GossipDecodeError('parts', 'compound packet has no parts');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const messages: object[] = [];
  let at = COMPOUND_HEADER_BYTES;
  for (let i = 0; i < count; i++) {
    if (at + PART_PREFIX_BYTES > bytes.length) throw new GossipDecodeError('truncated', `compound part ${i} has no length`);
    const len = view.getUint16(at);
    at += PART_PREFIX_BYTES;
    if (at + len > bytes.length) throw new GossipDecodeError('length', `compound part ${i} claims ${len} bytes, ${bytes.length - at} remain`);
    messages.push(decodeMessage(bytes.subarray(at, at + len)));
    at += len;
  }
  if (at !== bytes.length) throw new GossipDecodeError('length', `${bytes.length - at} stray bytes after compound parts`);
  return messages;
}
