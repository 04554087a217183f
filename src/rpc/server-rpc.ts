/**
 * Generic server-to-server RPC on the server port: followers and client agents forward requests
 * to the leader through one unary method, `roster.rpc.v1.ServerRpc/Call`, dispatched by name to
 * a handler registry.
 *
 * Wire format (each gRPC message is one frame):
 *
 *   request  = version:u8 kind:u8 (0x10) methodLength:u16be method:utf8 body
 *   response = version:u8 kind:u8 (0x11) body
 *
 * `body` is opaque bytes to this layer (callJson / registerJsonHandler put msgpack there). The
 * version byte comes first so a future format can be refused (or adapted to) before any of the
 * rest is parsed; a frame of another version is answered with INVALID_ARGUMENT.
 *
 * Errors travel as gRPC statuses: a handler's AppError becomes the status mapped from its code
 * (BAD_REQUEST → INVALID_ARGUMENT, ...) with the exact code in the `roster-error-code` trailer
 * and its message as the status details; the client rethrows an AppError with the same code and
 * message. Failures of the call itself (unreachable, deadline) become AppErrors whose message
 * starts with "rpc error:".
 */
import {
  Client,
  type ChannelOptions,
  Metadata,
  credentials,
  status,
  type ServerErrorResponse,
  type ServerUnaryCall,
  type ServiceDefinition,
  type ServiceError,
  type UntypedServiceImplementation,
  type sendUnaryData,
} from '@grpc/grpc-js';
import { Packr } from 'msgpackr';
import { AppError, errorMessage, isAppError, type ErrorCode } from '../shared/errors.js';
import { silentLogger, type Logger } from '../shared/logger.js';
import { RpcDecodeError } from './errors.js';
import { DEFAULT_MAX_MESSAGE_BYTES, bytesMethod, clientChannelOptions, describeCallFailure } from './grpc-util.js';

export const RPC_WIRE_VERSION = 1;
export const FRAME_CALL = 0x10;
export const FRAME_RESULT = 0x11;
export const RPC_CALL_PATH = '/roster.rpc.v1.ServerRpc/Call';
export const ERROR_CODE_TRAILER = 'roster-error-code';
export const DEFAULT_RPC_TIMEOUT_MS = 10_000;
const MAX_METHOD_BYTES = 256;

export const serverRpcServiceDefinition: ServiceDefinition = {
  Call: bytesMethod(RPC_CALL_PATH, false, false),
};

const utf8 = new TextDecoder('utf-8', { fatal: true });
const packr = new Packr({ useRecords: false, mapsAsObjects: true, moreTypes: false, int64AsType: 'number' });

// ---------------------------------------------------------------------------------------------
// Frames

export function encodeCall(method: string, body: Uint8Array): Buffer {
  const name = Buffer.from(method, 'utf8');
  if (name.length === 0 || name.length > MAX_METHOD_BYTES) throw new AppError('BAD_REQUEST', `rpc method name must be 1-${MAX_METHOD_BYTES} bytes`);
  const out = Buffer.allocUnsafe(4 + name.length + body.length);
  out[0] = RPC_WIRE_VERSION;
  out[1] = FRAME_CALL;
  out.writeUInt16BE(name.length, 2);
  name.copy(out, 4);
  out.set(body, 4 + name.length);
  return out;
}

/** Throws only RpcDecodeError. */
export function decodeCall(bytes: Uint8Array): { method: string; body: Uint8Array } {
  if (bytes.length < 4) throw new RpcDecodeError('truncated', `call frame of ${bytes.length} bytes has no header`);
  if (bytes[0] !== RPC_WIRE_VERSION) throw new RpcDecodeError('version', `unsupported rpc wire version ${String(bytes[0])}`);
  if (bytes[1] !== FRAME_CALL) throw new RpcDecodeError('kind', `expected a call frame, got kind ${String(bytes[1])}`);
  const length = ((bytes[2] ?? 0) << 8) | (bytes[3] ?? 0);
  if (length === 0 || length > MAX_METHOD_BYTES) throw new RpcDecodeError('shape', `method name of ${length} bytes`);
  if (4 + length > bytes.length) throw new RpcDecodeError('truncated', `method name claims ${length} bytes, ${bytes.length - 4} remain`);
  let method: string;
  try {
    method = utf8.decode(bytes.subarray(4, 4 + length));
  } catch (err) {
    throw new RpcDecodeError('shape', 'method name is not UTF-8', { cause: err });
  }
  return { method, body: bytes.subarray(4 + length) };
}

export function encodeResult(body: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(2 + body.length);
  out[0] = RPC_WIRE_VERSION;
  out[1] = FRAME_RESULT;
  out.set(body, 2);
  return out;
}

export function decodeResult(bytes: Uint8Array): Uint8Array {
  if (bytes.length < 2) throw new RpcDecodeError('truncated', `result frame of ${bytes.length} bytes has no header`);
  if (bytes[0] !== RPC_WIRE_VERSION) throw new RpcDecodeError('version', `unsupported rpc wire version ${String(bytes[0])}`);
  if (bytes[1] !== FRAME_RESULT) throw new RpcDecodeError('kind', `expected a result frame, got kind ${String(bytes[1])}`);
  return bytes.subarray(2);
}

// ---------------------------------------------------------------------------------------------
// Error mapping

const TO_STATUS: Record<ErrorCode, status> = {
  BAD_REQUEST: status.INVALID_ARGUMENT,
  NOT_FOUND: status.NOT_FOUND,
  TOO_LARGE: status.RESOURCE_EXHAUSTED,
  METHOD_NOT_ALLOWED: status.FAILED_PRECONDITION,
  UNAVAILABLE: status.UNAVAILABLE,
  CONFIG: status.FAILED_PRECONDITION,
  INTERNAL: status.INTERNAL,
};
const ERROR_CODES = new Set<string>(Object.keys(TO_STATUS));

export function statusForCode(code: ErrorCode): status {
  return TO_STATUS[code];
}

/** The AppError code for a status that carries no `roster-error-code` trailer. */
export function codeForStatus(code: status): ErrorCode {
  switch (code) {
    case status.INVALID_ARGUMENT:
    case status.OUT_OF_RANGE:
      return 'BAD_REQUEST';
    case status.NOT_FOUND:
    case status.UNIMPLEMENTED:
      return 'NOT_FOUND';
    case status.RESOURCE_EXHAUSTED:
      return 'TOO_LARGE';
    case status.FAILED_PRECONDITION:
      return 'METHOD_NOT_ALLOWED';
    case status.UNAVAILABLE:
    case status.DEADLINE_EXCEEDED:
    case status.CANCELLED:
    case status.ABORTED:
      return 'UNAVAILABLE';
    default:
      return 'INTERNAL';
  }
}

function toServerError(err: AppError, grpcCode: status = TO_STATUS[err.code]): ServerErrorResponse {
  const metadata = new Metadata();
  metadata.set(ERROR_CODE_TRAILER, err.code);
  return Object.assign(new Error(err.message), { code: grpcCode, details: err.message, metadata });
}

// ---------------------------------------------------------------------------------------------
// Server side

export interface RpcContext {
  readonly method: string;
  /** The caller's address as gRPC saw it (`ip:port`). */
  readonly peer: string;
  /** When the caller stops waiting (epoch ms), or null for no deadline. */
  readonly deadline: number | null;
  /** Aborted when the caller cancels or its deadline passes. */
  readonly signal: AbortSignal;
}

export type RpcHandler = (body: Uint8Array, context: RpcContext) => Promise<Uint8Array>;

export interface ServerRpcServiceOptions {
  logger?: Logger;
}

/** The server half: the handler registry, hosted by RpcServer. */
export class ServerRpcService {
  readonly definition = serverRpcServiceDefinition;
  readonly implementation: UntypedServiceImplementation;
  private readonly handlers = new Map<string, RpcHandler>();
  private readonly logger: Logger;

  constructor(options: ServerRpcServiceOptions = {}) {
    this.logger = (options.logger ?? silentLogger()).child({ module: 'rpc.server' });
    this.implementation = {
      Call: (call: ServerUnaryCall<Buffer, Buffer>, callback: sendUnaryData<Buffer>) => {
        void this.handle(call, callback);
      },
    };
  }

  /** Serve `method`. Throws if a handler is already registered for it. */
  registerHandler(method: string, handler: RpcHandler): void {
    if (this.handlers.has(method)) throw new AppError('INTERNAL', `rpc method "${method}" already has a handler`);
    if (method.length === 0 || Buffer.byteLength(method) > MAX_METHOD_BYTES) throw new AppError('BAD_REQUEST', `rpc method name must be 1-${MAX_METHOD_BYTES} bytes`);
    this.handlers.set(method, handler);
  }

  /**
   * Serve `method` with msgpack payloads (the server side of ServerRpcClient.callJson). The
   * payload is untrusted: the handler validates it (e.g. with zod) before use.
   */
  registerJsonHandler(method: string, handler: (payload: unknown, context: RpcContext) => unknown): void {
    this.registerHandler(method, async (body, context) => {
      let payload: unknown;
      try {
        payload = body.length === 0 ? undefined : (packr.unpack(body) as unknown);
      } catch (err) {
        throw new AppError('BAD_REQUEST', `rpc ${method}: request is not valid msgpack`, { cause: err });
      }
      return packr.pack(await handler(payload, context));
    });
  }

  unregisterHandler(method: string): boolean {
    return this.handlers.delete(method);
  }

  methods(): string[] {
    return [...this.handlers.keys()].sort();
  }

  private async handle(call: ServerUnaryCall<Buffer, Buffer>, callback: sendUnaryData<Buffer>): Promise<void> {
    let request: { method: string; body: Uint8Array };
    try {
      request = decodeCall(call.request);
    } catch (err) {
      callback(toServerError(err instanceof AppError ? err : new AppError('BAD_REQUEST', errorMessage(err))));
      return;
    }
    const handler = this.handlers.get(request.method);
    if (!handler) {
      callback(toServerError(new AppError('NOT_FOUND', `unknown rpc method "${request.method}"`), status.UNIMPLEMENTED));
      return;
    }
    const controller = new AbortController();
    const onCancel = (): void => controller.abort(new AppError('UNAVAILABLE', 'rpc cancelled by the caller'));
    call.on('cancelled', onCancel);
    const rawDeadline = call.getDeadline();
    const deadlineMs = rawDeadline instanceof Date ? rawDeadline.getTime() : rawDeadline;
    const context: RpcContext = {
      method: request.method,
      peer: call.getPeer(),
      deadline: Number.isFinite(deadlineMs) ? deadlineMs : null,
      signal: controller.signal,
    };
    try {
      const result: unknown = await handler(request.body, context);
      if (!(result instanceof Uint8Array)) throw new AppError('INTERNAL', `rpc ${request.method}: handler returned ${typeof result}, not bytes`);
      callback(null, encodeResult(result));
    } catch (err) {
      if (isAppError(err)) {
        callback(toServerError(err));
      } else {
        this.logger.error({ method: request.method, error: errorMessage(err) }, 'rpc handler failed');
        callback(toServerError(new AppError('INTERNAL', `rpc ${request.method}: ${errorMessage(err)}`)));
      }
    } finally {
      call.removeListener('cancelled', onCancel);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Client side

export interface ServerRpcClientOptions {
  logger?: Logger;
  /** Default deadline of a call (default 10 s). */
  timeoutMs?: number;
  /** A channel with no call for this long is closed (default 60 s). */
  idleTimeoutMs?: number;
  /** gRPC message size limit both ways (default 64 MiB). */
  maxMessageBytes?: number;
  /** Extra channel options (e.g. a shorter keepalive for WAN forwarding). */
  channelOptions?: ChannelOptions;
}

export interface RpcCallOptions {
  /** Overrides the client's default deadline for this call. */
  timeoutMs?: number;
  /** Cancels the call. */
  signal?: AbortSignal;
}

interface PooledChannel {
  readonly client: Client;
  active: number;
  lastUsed: number;
}

/**
 * Calls ServerRpc on other servers. One channel (HTTP/2 connection) per address, shared by all
 * concurrent calls to it and closed after `idleTimeoutMs` without calls. Every failure is an
 * AppError: the handler's own (same code and message), or an "rpc error: ..." one.
 */
export class ServerRpcClient {
  private readonly pool = new Map<string, PooledChannel>();
  private readonly timeoutMs: number;
  private readonly idleTimeoutMs: number;
  private readonly maxMessageBytes: number;
  private readonly channelOptions: ChannelOptions;
  private readonly logger: Logger;
  private sweeper: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(options: ServerRpcClientOptions = {}) {
    this.logger = (options.logger ?? silentLogger()).child({ module: 'rpc.client' });
    this.timeoutMs = options.timeoutMs ?? DEFAULT_RPC_TIMEOUT_MS;
    this.idleTimeoutMs = options.idleTimeoutMs ?? 60_000;
    this.maxMessageBytes = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
    this.channelOptions = options.channelOptions ?? {};
  }

  /**
   * Resolves once a connection to `address` is up (the server's HTTP/2 settings received), at
   * once when it already is. A server that is down, unreachable or stopped (its kernel may still
   * accept the TCP connection) fails within `timeoutMs`: callers fail over before sending
   * anything, which is safe even for writes.
   */
  async connect(address: string, timeoutMs: number): Promise<void> {
    if (this.closed) throw new AppError('UNAVAILABLE', 'rpc error: client closed');
    const channel = this.channel(address);
    channel.active++;
    try {
      await new Promise<void>((resolve, reject) => {
        channel.client.waitForReady(Date.now() + timeoutMs, (err) => {
          if (err) reject(new AppError('UNAVAILABLE', `rpc error: no connection to ${address} within ${timeoutMs} ms`, { cause: err }));
          else resolve();
        });
      });
    } finally {
      channel.active--;
      channel.lastUsed = Date.now();
    }
  }

  /** Open channels (one per address recently called). */
  get channelCount(): number {
    return this.pool.size;
  }

  async call(address: string, method: string, body: Uint8Array, options: RpcCallOptions = {}): Promise<Uint8Array> {
    if (this.closed) throw new AppError('UNAVAILABLE', 'rpc error: client closed');
    const frame = encodeCall(method, body);
    const timeoutMs = options.timeoutMs ?? this.timeoutMs;
    const channel = this.channel(address);
    channel.active++;
    try {
      const response = await new Promise<Buffer>((resolve, reject) => {
        const signal = options.signal;
        if (signal?.aborted) {
          reject(new AppError('UNAVAILABLE', `rpc error: ${method} on ${address} cancelled`));
          return;
        }
        const call = channel.client.makeUnaryRequest<Buffer, Buffer>(
          RPC_CALL_PATH,
          (b) => b,
          (b) => b,
          frame,
          new Metadata(),
          { deadline: Date.now() + timeoutMs },
          (err: ServiceError | null, value?: Buffer) => {
            signal?.removeEventListener('abort', onAbort);
            if (err) reject(this.toAppError(err, address, method, timeoutMs));
            else if (!value) reject(new AppError('INTERNAL', `rpc error: ${method} on ${address} returned nothing`));
            else resolve(value);
          },
        );
        const onAbort = (): void => call.cancel();
        signal?.addEventListener('abort', onAbort, { once: true });
      });
      try {
        return decodeResult(response);
      } catch (err) {
        throw new AppError('INTERNAL', `rpc error: ${address} answered ${method} with an invalid frame: ${errorMessage(err)}`);
      }
    } finally {
      channel.active--;
      channel.lastUsed = Date.now();
    }
  }

  /**
   * `payload` msgpack-encoded, the answer msgpack-decoded. `T` is not checked: validate answers
   * from servers you do not trust.
   */
  async callJson<T>(address: string, method: string, payload: unknown, options: RpcCallOptions = {}): Promise<T> {
    const answer = await this.call(address, method, packr.pack(payload), options);
    try {
      return packr.unpack(answer) as T;
    } catch (err) {
      throw new AppError('INTERNAL', `rpc error: ${address} answered ${method} with invalid msgpack`, { cause: err });
    }
  }

  /** Closes every channel; calls in flight fail. */
  close(): void {
    this.closed = true;
    if (this.sweeper) clearInterval(this.sweeper);
    this.sweeper = null;
    for (const c of this.pool.values()) c.client.close();
    this.pool.clear();
  }

  private channel(address: string): PooledChannel {
    let c = this.pool.get(address);
    if (!c) {
      let client: Client;
      try {
        client = new Client(address, credentials.createInsecure(), clientChannelOptions(this.maxMessageBytes, this.channelOptions));
      } catch (err) {
        throw new AppError('BAD_REQUEST', `rpc error: invalid address "${address}"`, { cause: err });
      }
      c = { client, active: 0, lastUsed: Date.now() };
      this.pool.set(address, c);
      this.startSweeper();
    }
    return c;
  }

  private startSweeper(): void {
    if (this.sweeper) return;
    const every = Math.max(10, Math.min(this.idleTimeoutMs / 2, 30_000));
    this.sweeper = setInterval(() => this.sweep(), every);
    this.sweeper.unref();
  }

  private sweep(): void {
    const now = Date.now();
    for (const [address, c] of this.pool) {
      if (c.active === 0 && now - c.lastUsed >= this.idleTimeoutMs) {
        c.client.close();
        this.pool.delete(address);
        this.logger.debug({ address }, 'closed idle rpc channel');
      }
    }
    if (this.pool.size === 0 && this.sweeper) {
      clearInterval(this.sweeper);
      this.sweeper = null;
    }
  }

  private toAppError(err: ServiceError, address: string, method: string, timeoutMs: number): AppError {
    const trailer = err.metadata?.get(ERROR_CODE_TRAILER)[0];
    if (typeof trailer === 'string' && ERROR_CODES.has(trailer)) return new AppError(trailer as ErrorCode, err.details, { cause: err });
    if (err.code === status.DEADLINE_EXCEEDED) {
      return new AppError('UNAVAILABLE', `rpc error: deadline exceeded after ${timeoutMs} ms calling ${method} on ${address}`, { cause: err });
    }
    if (err.code === status.CANCELLED) return new AppError('UNAVAILABLE', `rpc error: ${method} on ${address} cancelled`, { cause: err });
    return new AppError(codeForStatus(err.code), `rpc error: ${describeCallFailure(err, address)}`, { cause: err });
  }
}

