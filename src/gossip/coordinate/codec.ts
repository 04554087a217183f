/**
 * The coordinate carried in gossip acks (serf's ping delegate payload): a version byte, then
 * the coordinate as msgpack. Anything else in an ack payload is ignored by the receiver.
 */
import { Packr } from 'msgpackr';
import type { Coordinate } from './coordinate.js';

export const PING_PAYLOAD_VERSION = 1;
/** Generous bound: 8 doubles and three more encode to ~110 bytes. */
export const MAX_PING_PAYLOAD_BYTES = 512;
const MAX_DIMENSIONS = 64;

const packr = new Packr({ useRecords: false, mapsAsObjects: true, moreTypes: false });

export function encodePingPayload(coordinate: Coordinate): Uint8Array {
  const body = packr.pack({ Vec: coordinate.Vec, Error: coordinate.Error, Adjustment: coordinate.Adjustment, Height: coordinate.Height });
  const out = new Uint8Array(1 + body.length);
  out[0] = PING_PAYLOAD_VERSION;
  out.set(body, 1);
  return out;
}

/** Undefined for anything that is not a well-formed version-1 coordinate. */
export function decodePingPayload(payload: Uint8Array | undefined): Coordinate | undefined {
  if (!payload || payload.length < 2 || payload.length > MAX_PING_PAYLOAD_BYTES || payload[0] !== PING_PAYLOAD_VERSION) return undefined;
  let raw: unknown;
  try {
    raw = packr.unpack(payload.subarray(1));
  } catch {
    return undefined;
  }
  if (typeof raw !== 'object' || raw === null) return undefined;
  const o = raw as Record<string, unknown>;
  const vec = o.Vec;
  if (!Array.isArray(vec) || vec.length === 0 || vec.length > MAX_DIMENSIONS || !vec.every((v) => typeof v === 'number' && Number.isFinite(v))) return undefined;
  const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
  const error = num(o.Error);
  const adjustment = num(o.Adjustment);
  const height = num(o.Height);
  if (error === undefined || adjustment === undefined || height === undefined) return undefined;
  return { Vec: vec as number[], Error: error, Adjustment: adjustment, Height: height };
}
