/**
 * Shared gRPC plumbing for the server port. Messages cross grpc-js as raw bytes: services are
 * plain `ServiceDefinition`s whose (de)serializers are the identity, and each service frames and
 * validates its own payloads (raft-codec.ts, server-rpc.ts). Decoding in the handler rather than
 * in grpc-js's deserializer keeps malformed input a counted, typed error instead of an opaque
 * INTERNAL status.
 */
import { status, type ChannelOptions, type MethodDefinition, type ServiceError } from '@grpc/grpc-js';

export const DEFAULT_SERVER_PORT = 8300;
/** Largest gRPC message accepted or sent (append batches, snapshot chunks, RPC bodies). */
export const DEFAULT_MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

const identity = (bytes: Buffer): Buffer => bytes;
const toBuffer = (bytes: Uint8Array): Buffer =>
  Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);

export function bytesMethod(path: string, requestStream: boolean, responseStream: boolean): MethodDefinition<Uint8Array, Uint8Array> {
  return {
    path,
    requestStream,
    responseStream,
    requestSerialize: toBuffer,
    requestDeserialize: identity,
    responseSerialize: toBuffer,
    responseDeserialize: identity,
  };
}

/** Channel options for a client of the server port. */
export function clientChannelOptions(maxMessageBytes: number, extra: ChannelOptions = {}): ChannelOptions {
  return {
    'grpc.max_send_message_length': maxMessageBytes,
    'grpc.max_receive_message_length': maxMessageBytes,
    // grpc-js defaults to 1 s growing to 120 s; a Raft peer should be retried within a second.
    'grpc.initial_reconnect_backoff_ms': 100,
    'grpc.max_reconnect_backoff_ms': 1000,
    // Notice a silently dead peer (half-open TCP) within ~15 s even when nothing is sent.
    'grpc.keepalive_time_ms': 10_000,
    'grpc.keepalive_timeout_ms': 5_000,
    'grpc.keepalive_permit_without_calls': 1,
    // Retries buffer every message of a call until it commits; our callers retry themselves.
    'grpc.enable_retries': 0,
    'grpc.enable_channelz': 0,
    'grpc-node.flow_control_window': 4 * 1024 * 1024,
    ...extra,
  };
}

/** `ip:port`, with IPv6 addresses bracketed. */
export function joinHostPort(ip: string, port: number): string {
  return ip.includes(':') && !ip.startsWith('[') ? `[${ip}]:${port}` : `${ip}:${port}`;
}

export function isServiceError(err: unknown): err is ServiceError {
  return err instanceof Error && typeof (err as Partial<ServiceError>).code === 'number';
}

/** One-line description of why a call to `address` failed at the transport level. */
export function describeCallFailure(err: ServiceError, address: string): string {
  const details = err.details || err.message;
  if (err.code === status.UNAVAILABLE) {
    if (/ECONNREFUSED/.test(details)) return `connection refused to ${address}`;
    if (/EHOSTUNREACH|ENETUNREACH/.test(details)) return `no route to ${address}`;
    if (/ETIMEDOUT/.test(details)) return `connection to ${address} timed out`;
    return `${address} unavailable: ${details}`;
  }
  return `${status[err.code] ?? err.code} from ${address}: ${details}`;
}
