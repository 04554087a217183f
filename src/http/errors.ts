import { DefinitionError } from '../shared/definitions.js';
import { errorMessage, isAppError, type ErrorCode } from '../shared/errors.js';

/**
 * Maps thrown errors to Consul's plain-text error replies. The status comes from the error's
 * code, never from its text. Consul answers "No cluster leader" and "No path to datacenter"
 * with 500, so UNAVAILABLE is a 500 too.
 */

const STATUS_BY_CODE: Record<ErrorCode, number> = {
  BAD_REQUEST: 400,
  NOT_FOUND: 404,
  TOO_LARGE: 413,
  METHOD_NOT_ALLOWED: 405,
  UNAVAILABLE: 500,
  CONFIG: 500,
  INTERNAL: 500,
};

export interface ErrorReply {
  status: number;
  message: string;
  /** An error not raised on purpose (a bug, or an adapter's failure): log it loudly. */
  unexpected: boolean;
}

export function errorReply(err: unknown): ErrorReply {
  if (isAppError(err)) {
    const status = STATUS_BY_CODE[err.code];
    return { status, message: err.message, unexpected: err.code === 'INTERNAL' };
  }
  // Service and check definitions are user input: a bad one is the caller's 400.
  if (err instanceof DefinitionError) return { status: 400, message: err.message, unexpected: false };
  return { status: 500, message: errorMessage(err) || 'internal error', unexpected: true };
}
