import { z } from 'zod';
import type { ForwardedReply, ForwardedRequest } from '../../http/datacenter-port.js';
import type { RpcCallOptions } from '../../rpc/server-rpc.js';
import { parseDuration } from '../../shared/duration.js';
import { AppError, isAppError } from '../../shared/errors.js';

/**
 * `DC.Forward`: one server RPC that carries an HTTP request to the agent that must execute it
 * and brings the serialised reply back. A client agent sends it to a server of its own
 * datacenter; a server whose datacenter it is not for passes it on to a server of the target
 * datacenter (found by the WAN router); the server of the target datacenter runs it through its
 * own HTTP router, in process.
 */
export const FORWARD_METHOD = 'DC.Forward';
/** client → own server → remote server: at most two hops; more would be a routing loop. */
export const MAX_FORWARD_HOPS = 2;

export interface ForwardCall extends ForwardedRequest {
  /** Where the request must run. */
  datacenter: string;
  /** Servers it has already passed through. */
  hops: number;
}

const bytes = z.custom<Uint8Array>((v) => v instanceof Uint8Array, 'expected bytes');

export const forwardCallSchema = z.object({
  datacenter: z.string().min(1).max(256),
  method: z.enum(['GET', 'PUT', 'POST', 'DELETE', 'HEAD']),
  path: z.string().startsWith('/').max(16_384),
  query: z.string().max(65_536),
  headers: z.record(z.string()),
  body: bytes,
  hops: z.number().int().min(0).max(16),
});

export const forwardReplySchema = z.object({
  status: z.number().int().min(100).max(599),
  headers: z.record(z.string()),
  contentType: z.string().nullable(),
  body: bytes,
});

export function parseForwardCall(payload: unknown): ForwardCall {
  const parsed = forwardCallSchema.safeParse(payload);
  if (!parsed.success) throw new AppError('BAD_REQUEST', `rpc ${FORWARD_METHOD}: malformed payload (${parsed.error.issues[0]?.message ?? 'invalid'})`);
  return parsed.data;
}

/** The wire form of a reply (msgpack has no `undefined`). */
export function encodeForwardReply(reply: ForwardedReply): z.infer<typeof forwardReplySchema> {
  return { status: reply.status, headers: reply.headers, contentType: reply.contentType ?? null, body: reply.body };
}

export function parseForwardReply(payload: unknown): ForwardedReply {
  const parsed = forwardReplySchema.safeParse(payload);
  if (!parsed.success) throw new AppError('INTERNAL', `rpc ${FORWARD_METHOD}: malformed answer (${parsed.error.issues[0]?.message ?? 'invalid'})`);
  return { status: parsed.data.status, headers: parsed.data.headers, contentType: parsed.data.contentType ?? undefined, body: parsed.data.body };
}

/** The RPC client's calls, as the forwarder needs them (a fake in unit tests). */
export interface ForwardTransport {
  connect(address: string, timeoutMs: number): Promise<void>;
  callJson<T>(address: string, method: string, payload: unknown, options?: RpcCallOptions): Promise<T>;
}

export interface ForwardTiming {
  /** How long a server gets to accept a connection before the next is tried. */
  connectTimeoutMs: number;
  /** Deadline of a non-blocking forwarded request (the remote may wait out an election). */
  requestTimeoutMs: number;
  /** Blocking queries: the wait they asked for (capped) plus this. */
  blockingSlackMs: number;
  defaultQueryTimeMs: number;
  maxQueryTimeMs: number;
}

export const DEFAULT_FORWARD_TIMING: Omit<ForwardTiming, 'defaultQueryTimeMs' | 'maxQueryTimeMs'> = {
  connectTimeoutMs: 3_000,
  requestTimeoutMs: 60_000,
  blockingSlackMs: 30_000,
};

/** The deadline of one forwarded call: a blocking query may legitimately take its whole wait. */
export function forwardDeadlineMs(request: ForwardedRequest, timing: ForwardTiming): number {
  const query = new URLSearchParams(request.query);
  if (!query.has('index')) return timing.requestTimeoutMs;
  let wait = timing.defaultQueryTimeMs;
  const given = query.get('wait');
  if (given) {
    try {
      wait = parseDuration(given);
    } catch {
      // The executing agent answers 400 for it; no need to wait long for that.
    }
  }
  wait = Math.min(Math.max(wait, 0), timing.maxQueryTimeMs);
  // Consul adds up to wait/16 of jitter.
  return wait + wait / 16 + timing.blockingSlackMs;
}

/** A failure of the call itself (no answer), not an error the other side answered with. */
export function isTransportFailure(err: unknown): boolean {
  return isAppError(err) && err.code === 'UNAVAILABLE' && err.message.startsWith('rpc error:') && !/cancelled/.test(err.message);
}

/**
 * Sends `call` to the first of `servers` that accepts a connection, in order. Connections to
 * all of them are opened at once, so a datacenter whose first servers are down costs one
 * connect timeout, not one each. A server that fails is reported through `failed`. A request
 * that was sent and then lost its server is retried on the next one only when it is a read
 * (a write may have been applied); otherwise its error is returned.
 */
export async function forwardToServers(
  transport: ForwardTransport,
  servers: readonly string[],
  call: ForwardCall,
  options: { timing: ForwardTiming; signal?: AbortSignal; failed(address: string): void; unreachable(lastError: unknown): Error },
): Promise<ForwardedReply> {
  const { timing, signal } = options;
  const connects = new Map<string, Promise<void>>();
  /** (Re)checks the connection of every server not tried yet, all at once. */
  const checkRemaining = (from: number): void => {
    for (const address of servers.slice(from)) {
      const pending = transport.connect(address, timing.connectTimeoutMs);
      // Rejections of checks we never wait for are still handled.
      pending.catch(() => {});
      connects.set(address, pending);
    }
  };
  checkRemaining(0);
  const idempotent = call.method === 'GET' || call.method === 'HEAD';
  const timeoutMs = forwardDeadlineMs(call, timing);
  let lastError: unknown;
  for (const [i, address] of servers.entries()) {
    if (signal?.aborted) throw new AppError('UNAVAILABLE', 'request cancelled');
    try {
      await connects.get(address);
      // The connection may have dropped since it was checked (a lost server is noticed by
      // HTTP/2 pings): a call on a connection that is being re-established would wait for its
      // whole deadline, so check again right before sending (at once when it is up).
      await transport.connect(address, timing.connectTimeoutMs);
    } catch (err) {
      lastError = err;
      options.failed(address);
      continue;
    }
    try {
      const answer = await transport.callJson<unknown>(address, FORWARD_METHOD, call, { timeoutMs, ...(signal ? { signal } : {}) });
      return parseForwardReply(answer);
    } catch (err) {
      if (!isTransportFailure(err)) throw err;
      lastError = err;
      options.failed(address);
      if (!idempotent) throw err;
      // Whatever took this server down may have taken the others: look at them all again.
      checkRemaining(i + 1);
    }
  }
  throw options.unreachable(lastError);
}
