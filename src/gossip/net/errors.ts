import { AppError } from '../../shared/errors.js';

/**
 * Why bytes from the network were refused. A peer (or an attacker, or a bit flip) controls every
 * byte we decode, so every failure mode gets a name the wire can count instead of a crash.
 */
export type DecodeReason =
  | 'truncated' // fewer bytes than the header or a length field promises
  | 'version' // a wire or encryption version we do not speak
  | 'kind' // an unknown packet kind byte
  | 'length' // a length field that disagrees with the bytes present
  | 'parts' // a compound packet with zero or too many parts
  | 'payload' // msgpack that does not decode
  | 'not-object' // msgpack that decodes to something other than a plain object
  | 'oversize'; // a stream frame larger than the configured limit

export class GossipDecodeError extends AppError {
  constructor(
    readonly reason: DecodeReason,
    message: string,
    options?: { cause?: unknown },
  ) {
    super('BAD_REQUEST', `gossip decode: ${message}`, options);
  }
}

/** Bytes that no installed key opens, or that were tampered with, or carry another pool's label. */
export class GossipAuthError extends AppError {
  constructor(message: string) {
    super('BAD_REQUEST', `gossip auth: ${message}`);
  }
}
