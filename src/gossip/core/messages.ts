/**
 * Gossip messages as a discriminated union, and the validator that turns a decoded wire object
 * (msgpack gives us plain objects) into one. Anything a peer sends passes through parseMessage
 * first; a malformed message becomes a GossipMessageError the driver can count and drop, so a
 * peer speaking nonsense never reaches, let alone crashes, the state machine.
 */
import type { MemberState, Meta } from './types.js';

export interface PingMsg { type: 'ping'; seqNo: number; target: string }
export interface IndirectPingMsg { type: 'indirect-ping'; seqNo: number; target: string; targetAddr: string }
/**
 * `payload`: opaque bytes from the layer above (memberlist's AckPayload; serf puts its network
 * coordinate there). The core carries it and hands it back with the probe's round trip.
 */
export interface AckMsg { type: 'ack'; seqNo: number; payload?: Uint8Array }
export interface NackMsg { type: 'nack'; seqNo: number }
export interface AliveMsg { type: 'alive'; name: string; addr: string; incarnation: number; meta: Meta }
export interface SuspectMsg { type: 'suspect'; name: string; incarnation: number; from: string }
/** `from === name` means the node announced its own graceful leave. */
export interface DeadMsg { type: 'dead'; name: string; incarnation: number; from: string }
/**
 * An opaque message for the layer above the core (serf's user events, intents): the core
 * spreads it by piggyback with the usual retransmit limit and hands what it receives up, but
 * never reads `body`.
 */
export interface UserMsg { type: 'user'; body: Uint8Array }

export interface PushPullState {
  name: string;
  addr: string;
  incarnation: number;
  state: MemberState;
  meta: Meta;
}
/** `user`: the upper layer's own state (memberlist's delegate LocalState), opaque to the core. */
export interface PushPullMsg { type: 'push-pull'; join: boolean; states: PushPullState[]; user?: Uint8Array }
export interface PushPullReplyMsg { type: 'push-pull-reply'; states: PushPullState[]; user?: Uint8Array }

/** Messages carried in (compound) UDP packets. */
export type PacketMessage = PingMsg | IndirectPingMsg | AckMsg | NackMsg | AliveMsg | SuspectMsg | DeadMsg | UserMsg;
/** Messages carried over a stream (push-pull). */
export type StreamMessage = PushPullMsg | PushPullReplyMsg;
export type Message = PacketMessage | StreamMessage;

export class GossipMessageError extends Error {
  override readonly name = 'GossipMessageError';
  readonly code = 'BAD_GOSSIP_MESSAGE' as const;
}

// Limits keep a hostile or buggy peer from making us hold unbounded data.
export const MAX_NAME_LENGTH = 256;
export const MAX_ADDR_LENGTH = 262; // [ipv6]:port with room to spare
/** memberlist's MetaMaxSize: node tags are capped at 512 bytes. */
export const META_MAX_SIZE = 512;
export const MAX_PUSH_PULL_STATES = 100_000;
/** An ack's payload (a network coordinate is ~110 bytes). */
export const MAX_ACK_PAYLOAD_BYTES = 512;
/** A user message must fit a UDP packet. */
export const MAX_USER_MESSAGE_BYTES = 1400;
/** The upper layer's push-pull state (serf: clocks and recent events). */
export const MAX_USER_STATE_BYTES = 1024 * 1024;

const STATES: readonly MemberState[] = ['alive', 'suspect', 'dead', 'left'];

function fail(what: string): never {
  throw new GossipMessageError(`invalid gossip message: ${what}`);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function uint(o: Record<string, unknown>, key: string): number {
  const v = o[key];
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) fail(`${key} must be a non-negative integer`);
  return v;
}

function name(o: Record<string, unknown>, key: string): string {
  const v = o[key];
  if (typeof v !== 'string' || v.length === 0 || v.length > MAX_NAME_LENGTH) fail(`${key} must be a node name`);
  return v;
}

function addr(o: Record<string, unknown>, key: string): string {
  const v = o[key];
  if (typeof v !== 'string' || v.length === 0 || v.length > MAX_ADDR_LENGTH) fail(`${key} must be an address`);
  const port = Number(v.slice(v.lastIndexOf(':') + 1));
  if (!v.includes(':') || !Number.isInteger(port) || port < 0 || port > 65535) fail(`${key} must be ip:port`);
  return v;
}

/** Approximate encoded size of tags; the exact codec is not ours, this is close enough for a cap. */
export function metaSize(meta: Meta): number {
  let n = 0;
  for (const [k, v] of Object.entries(meta)) n += k.length + v.length + 2;
  return n;
}

function meta(o: Record<string, unknown>, key: string): Meta {
  const v = o[key] ?? {};
  if (!isRecord(v)) fail(`${key} must be a map of strings`);
  const out: Meta = {};
  for (const [k, val] of Object.entries(v)) {
    if (typeof val !== 'string') fail(`${key}.${k} must be a string`);
    out[k] = val;
  }
  if (metaSize(out) > META_MAX_SIZE) fail(`${key} exceeds ${META_MAX_SIZE} bytes`);
  return out;
}

function bytes(o: Record<string, unknown>, key: string, max: number): Uint8Array {
  const v = o[key];
  if (!(v instanceof Uint8Array)) fail(`${key} must be bytes`);
  if (v.length > max) fail(`${key} exceeds ${max} bytes`);
  return new Uint8Array(v);
}

function optionalBytes(o: Record<string, unknown>, key: string, max: number): { user?: Uint8Array } {
  return o[key] === undefined || o[key] === null ? {} : { user: bytes(o, key, max) };
}

function state(o: Record<string, unknown>, key: string): MemberState {
  const v = o[key];
  if (typeof v !== 'string' || !(STATES as readonly string[]).includes(v)) fail(`${key} must be a member state`);
  return v as MemberState;
}

function states(o: Record<string, unknown>): PushPullState[] {
  const v = o['states'];
  if (!Array.isArray(v)) fail('states must be an array');
  if (v.length > MAX_PUSH_PULL_STATES) fail('too many states');
  return v.map((s: unknown) => {
    if (!isRecord(s)) fail('state entries must be objects');
    return { name: name(s, 'name'), addr: addr(s, 'addr'), incarnation: uint(s, 'incarnation'), state: state(s, 'state'), meta: meta(s, 'meta') };
  });
}

/** Validate a decoded object; returns a fresh, well-typed copy or throws GossipMessageError. */
export function parseMessage(raw: unknown): Message {
  if (!isRecord(raw)) fail('not an object');
  const o = raw;
  switch (o['type']) {
    case 'ping':
      return { type: 'ping', seqNo: uint(o, 'seqNo'), target: name(o, 'target') };
    case 'indirect-ping':
      return { type: 'indirect-ping', seqNo: uint(o, 'seqNo'), target: name(o, 'target'), targetAddr: addr(o, 'targetAddr') };
    case 'ack': {
      const payload = o['payload'] === undefined || o['payload'] === null ? undefined : bytes(o, 'payload', MAX_ACK_PAYLOAD_BYTES);
      return payload ? { type: 'ack', seqNo: uint(o, 'seqNo'), payload } : { type: 'ack', seqNo: uint(o, 'seqNo') };
    }
    case 'nack':
      return { type: 'nack', seqNo: uint(o, 'seqNo') };
    case 'alive':
      return { type: 'alive', name: name(o, 'name'), addr: addr(o, 'addr'), incarnation: uint(o, 'incarnation'), meta: meta(o, 'meta') };
    case 'suspect':
      return { type: 'suspect', name: name(o, 'name'), incarnation: uint(o, 'incarnation'), from: name(o, 'from') };
    case 'dead':
      return { type: 'dead', name: name(o, 'name'), incarnation: uint(o, 'incarnation'), from: name(o, 'from') };
    case 'push-pull': {
      const join = o['join'] ?? false;
      if (typeof join !== 'boolean') fail('join must be a boolean');
      return { type: 'push-pull', join, states: states(o), ...optionalBytes(o, 'user', MAX_USER_STATE_BYTES) };
    }
    case 'push-pull-reply':
      return { type: 'push-pull-reply', states: states(o), ...optionalBytes(o, 'user', MAX_USER_STATE_BYTES) };
    case 'user':
      return { type: 'user', body: bytes(o, 'body', MAX_USER_MESSAGE_BYTES) };
    default:
      return fail(`unknown type ${JSON.stringify(String(o['type'])).slice(0, 40)}`);
  }
}

/**
 * Size estimate used for piggyback budgeting. JSON length is within a small factor of msgpack
 * and, unlike the real codec, needs nothing impure.
 */
export function estimateSize(m: Message): number {
  // Bytes would serialise as a JSON object of indexes; msgpack sends them as they are.
  if (m.type === 'user') return m.body.length + 16;
  if (m.type === 'ack' && m.payload) return m.payload.length + 32;
  return JSON.stringify(m).length;
}
