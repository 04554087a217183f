import type { IncomingMessage } from 'node:http';
import { AppError, badRequest } from '../shared/errors.js';

/**
 * Request bodies: read with a hard size limit, decode JSON the way Consul's clients expect.
 */

export const defaultTooLargeMessage = (limit: number): string =>
  `Request body too large, max size: ${limit} bytes`;

/**
 * Reads the whole body, refusing more than `limit` bytes. A declared Content-Length over the
 * limit is refused before a byte is read; a body without one is counted as it streams in, so a
 * lying or chunked client cannot make us buffer more than the limit. On refusal the request is
 * paused, not destroyed: destroying it would take the socket with it and the client would never
 * see the 413 (the server closes the connection after answering instead).
 */
export function readBody(
  req: IncomingMessage,
  limit: number,
  tooLargeMessage: (limit: number) => string = defaultTooLargeMessage,
): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (Number.isFinite(declared) && declared > limit) {
    return Promise.reject(new AppError('TOO_LARGE', tooLargeMessage(limit)));
  }
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const cleanup = (): void => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limit) {
        cleanup();
        req.pause();
        reject(new AppError('TOO_LARGE', tooLargeMessage(limit)));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => {
      cleanup();
      resolve(Buffer.concat(chunks, size));
    };
    const onError = (err: Error): void => {
      cleanup();
      reject(badRequest(`Request body could not be read: ${err.message}`));
    };
    const onClose = (): void => {
      cleanup();
      reject(badRequest('Request body could not be read: connection closed'));
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
  });
}

/** Parses a JSON body; anything unparseable is Consul's 400 "Request decode failed: ...". */
export function decodeJson(body: Buffer): unknown {
  const text = body.toString('utf8');
  if (text.trim() === '') throw badRequest('Request decode failed: EOF');
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw badRequest(`Request decode failed: ${(err as Error).message}`);
  }
}

/**
 * Drops `null` members (recursively through objects and arrays). Go decodes `null` as the zero
 * value, and Consul's own Go client sends `"Check": null, "Checks": null` on every service
 * registration, so a null must read as "not given".
 */
export function dropNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.filter((v) => v !== null).map(dropNulls);
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(value)) if (v !== null) out[key] = dropNulls(v);
    return out;
  }
  return value;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * Renames the members of `input` to the canonical spelling in `fields`, matching
 * case-insensitively as Go's encoding/json does. Members that match no field are dropped, as Go
 * ignores unknown fields; `null` members are dropped as "not given".
 */
export function foldFields(input: unknown, fields: readonly string[], where: string): Record<string, unknown> {
  if (!isPlainObject(input)) throw badRequest(`Request decode failed: ${where} must be a JSON object`);
  const byLower = new Map(fields.map((f) => [f.toLowerCase(), f]));
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(input)) {
    const name = byLower.get(key.toLowerCase());
    if (name !== undefined && value !== null) out[name] = value;
  }
  return out;
}
