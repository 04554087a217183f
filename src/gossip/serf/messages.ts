/**
 * What serf puts inside the pool's opaque user messages and push-pull state. Encoded with the
 * gossip codec (msgpack maps) and validated on the way in: a peer's garbage is an error the
 * caller counts and drops.
 */
import { decodeMessage, encodeMessage } from '../net/codec.js';
import type { BufferedUserEvent } from './event-buffer.js';

/** Serf's messageUserEvent: Lamport time, name, payload and the coalesce flag. */
export interface UserEventMessage {
  type: 'user-event';
  ltime: number;
  name: string;
  payload: Uint8Array;
  coalesce: boolean;
}

/** Serf's share of a push-pull: its clocks and the events still in its dedupe window. */
export interface SerfPushPull {
  ltime: number;
  eventLTime: number;
  events: BufferedUserEvent[];
}

export class SerfMessageError extends Error {
  override readonly name = 'SerfMessageError';
}

const MAX_EVENT_NAME = 512;
const MAX_EVENT_PAYLOAD = 64 * 1024;
const MAX_PUSH_PULL_EVENTS = 8192;

function fail(what: string): never {
  throw new SerfMessageError(`invalid serf message: ${what}`);
}

function uint(v: unknown, what: string): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) fail(`${what} must be a non-negative integer`);
  return v;
}

function eventName(v: unknown): string {
  if (typeof v !== 'string' || v.length > MAX_EVENT_NAME) fail('event name must be a string');
  return v;
}

function payload(v: unknown): Uint8Array {
  if (v === undefined || v === null) return new Uint8Array(0);
  if (!(v instanceof Uint8Array) || v.length > MAX_EVENT_PAYLOAD) fail('payload must be bytes');
  return new Uint8Array(v);
}

export function encodeUserEvent(m: Omit<UserEventMessage, 'type'>): Uint8Array {
  return encodeMessage({ t: 'ue', lt: m.ltime, n: m.name, p: m.payload, cc: m.coalesce });
}

export function decodeSerfMessage(body: Uint8Array): UserEventMessage {
  const o = decodeMessage(body) as Record<string, unknown>;
  if (o.t !== 'ue') fail(`unknown type ${JSON.stringify(String(o.t)).slice(0, 20)}`);
  return { type: 'user-event', ltime: uint(o.lt, 'lt'), name: eventName(o.n), payload: payload(o.p), coalesce: o.cc === true };
}

export function encodePushPull(s: SerfPushPull): Uint8Array {
  return encodeMessage({ lt: s.ltime, elt: s.eventLTime, ev: s.events.map((e) => ({ lt: e.ltime, n: e.name, p: e.payload })) });
}

export function decodePushPull(bytes: Uint8Array): SerfPushPull {
  const o = decodeMessage(bytes) as Record<string, unknown>;
  const ev = o.ev ?? [];
  if (!Array.isArray(ev) || ev.length > MAX_PUSH_PULL_EVENTS) fail('ev must be a list of events');
  const events = ev.map((e: unknown) => {
    if (typeof e !== 'object' || e === null) fail('event must be a map');
    const r = e as Record<string, unknown>;
    return { ltime: uint(r.lt, 'lt'), name: eventName(r.n), payload: payload(r.p) };
  });
  return { ltime: uint(o.lt, 'lt'), eventLTime: uint(o.elt, 'elt'), events };
}
