import { AppError } from '../shared/errors.js';

/**
 * Why bytes from a peer were refused. Every byte on the server port comes from a peer (or an
 * attacker, or a bit flip), so each failure mode has a name the transport can count instead of
 * crashing on it.
 */
export type RpcDecodeReason =
  | 'truncated' // fewer bytes than the header promises
  | 'version' // a wire version we do not speak
  | 'kind' // an unknown or unexpected frame kind
  | 'payload' // msgpack that does not decode
  | 'shape'; // well-formed msgpack that is not what the frame kind promises

export class RpcDecodeError extends AppError {
  constructor(
    readonly reason: RpcDecodeReason,
    message: string,
    options?: { cause?: unknown },
  ) {
    super('BAD_REQUEST', `rpc decode: ${message}`, options);
  }
}
