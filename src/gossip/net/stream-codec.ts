/**
 * TCP stream framing for push/pull and other stream exchanges.
 *
 *   frame = length:u32be body          (length counts body bytes)
 *   body  = seal?( version:u8 msgpack(message) )
 *
 * Each direction of a stream may begin with a label header (see label.ts), checked once.
 *
 * The limit is checked against the length field before any body byte is buffered, so a peer
 * cannot make us hold more than `maxFrameBytes` by announcing a huge frame.
 */
import { AppError } from '../../shared/errors.js';
import { WIRE_VERSION, decodeMessage, encodeMessage } from './codec.js';
import { GossipDecodeError } from './errors.js';
import { checkLabel, readLabel } from './label.js';
import type { PayloadCipher } from './security.js';

export const DEFAULT_MAX_FRAME_BYTES = 10 * 1024 * 1024;
const LENGTH_BYTES = 4;

export function encodeFrame(message: object, cipher?: PayloadCipher, maxFrameBytes = DEFAULT_MAX_FRAME_BYTES): Uint8Array {
  const payload = encodeMessage(message);
  const plain = new Uint8Array(1 + payload.length);
  plain[0] = WIRE_VERSION;
  plain.set(payload, 1);
  const body = cipher ? cipher.seal(plain) : plain;
  if (body.length > maxFrameBytes) {
    throw new AppError('TOO_LARGE', `gossip stream frame of ${body.length} bytes exceeds the ${maxFrameBytes}-byte limit`);
  }
  const frame = new Uint8Array(LENGTH_BYTES + body.length);
  new DataView(frame.buffer).setUint32(0, body.length);
  frame.set(body, LENGTH_BYTES);
  return frame;
}

/** Incremental decoder: feed it chunks as they arrive, get whole messages out. */
export class FrameDecoder {
  private buffered: Buffer = Buffer.alloc(0);
  private labelChecked = false;

  constructor(
    private readonly cipher?: PayloadCipher,
    private readonly maxFrameBytes = DEFAULT_MAX_FRAME_BYTES,
    private readonly label = '',
  ) {}

  /** Throws GossipDecodeError / GossipAuthError; after a throw the stream is unusable. */
  push(chunk: Uint8Array): object[] {
    this.buffered = this.buffered.length === 0 ? Buffer.from(chunk) : Buffer.concat([this.buffered, chunk]);
    const out: object[] = [];
    if (!this.labelChecked) {
      const found = readLabel(this.buffered, false);
      if (!found) return out;
      checkLabel(found.label, this.label);
      this.buffered = this.buffered.subarray(found.headerBytes);
      this.labelChecked = true;
    }
    for (;;) {
      if (this.buffered.length < LENGTH_BYTES) return out;
      const len = this.buffered.readUInt32BE(0);
      if (len > this.maxFrameBytes) {
        throw new GossipDecodeError('oversize', `stream frame of ${len} bytes exceeds the ${this.maxFrameBytes}-byte limit`);
      }
      if (this.buffered.length < LENGTH_BYTES + len) return out;
      const body = this.buffered.subarray(LENGTH_BYTES, LENGTH_BYTES + len);
      this.buffered = this.buffered.subarray(LENGTH_BYTES + len);
      out.push(decodeBody(this.cipher ? this.cipher.open(body) : body));
    }
  }

  /** Bytes of a frame begun but not finished: non-zero at end of stream means it was cut short. */
  get pendingBytes(): number {
    return this.buffered.length;
  }
}

function decodeBody(plain: Uint8Array): object {
  if (plain.length < 1) throw new GossipDecodeError('truncated', 'empty stream frame');
  if (plain[0] !== WIRE_VERSION) throw new GossipDecodeError('version', `unsupported wire version ${String(plain[0])}`);
  return decodeMessage(plain.subarray(1));
}
