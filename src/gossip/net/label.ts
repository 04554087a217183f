/**
 * Gossip labels (memberlist's idea): a pool name carried in clear at the front of every packet
 * and every stream direction, so two pools on one network ignore each other even without
 * encryption. With encryption the label is also bound into the AEAD, so it cannot be swapped.
 *
 *   header = 0xf4 len:u8 label(utf8, 1..255 bytes)      (absent when the label is empty)
 *
 * 0xf4 cannot start an unlabelled packet: those begin with the wire or encryption version byte.
 */
import { AppError } from '../../shared/errors.js';
import { GossipAuthError, GossipDecodeError } from './errors.js';

export const LABEL_MAGIC = 0xf4;
export const MAX_LABEL_BYTES = 255;

export function labelHeader(label: string): Uint8Array {
  if (label === '') return new Uint8Array(0);
  const bytes = Buffer.from(label, 'utf8');
  if (bytes.length > MAX_LABEL_BYTES) throw new AppError('CONFIG', `gossip label is ${bytes.length} bytes; at most ${MAX_LABEL_BYTES} allowed`);
  return Buffer.concat([Buffer.from([LABEL_MAGIC, bytes.length]), bytes]);
}

export function addLabel(packet: Uint8Array, label: string): Uint8Array {
  return label === '' ? packet : Buffer.concat([labelHeader(label), packet]);
}

/**
 * Reads a label header if present. Returns undefined when `bytes` may still be an incomplete
 * header (streams, where bytes arrive in pieces); `complete` says no more bytes will come.
 */
export function readLabel(bytes: Uint8Array, complete: boolean): { label: string; headerBytes: number } | undefined {
  if (bytes.length === 0) {
    if (complete) return { label: '', headerBytes: 0 };
    return undefined;
  }
  if (bytes[0] !== LABEL_MAGIC) return { label: '', headerBytes: 0 };
  const len = bytes[1];
  if (len === undefined || bytes.length < 2 + len) {
    if (complete) throw new GossipDecodeError('truncated', 'label header cut short');
    return undefined;
  }
  if (len === 0) throw new GossipDecodeError('length', 'empty label in a label header');
  return { label: Buffer.from(bytes.subarray(2, 2 + len)).toString('utf8'), headerBytes: 2 + len };
}

/** Strips the label header from a whole packet, refusing one labelled for another pool. */
export function stripLabel(packet: Uint8Array, expected: string): Uint8Array {
  const found = readLabel(packet, true);
  if (!found) throw new GossipDecodeError('truncated', 'label header cut short');
  checkLabel(found.label, expected);
  return packet.subarray(found.headerBytes);
}

export function checkLabel(found: string, expected: string): void {
  if (found !== expected) {
    throw new GossipAuthError(`label mismatch: got ${found === '' ? 'no label' : `"${found}"`}, expected ${expected === '' ? 'no label' : `"${expected}"`}`);
  }
}
