/**
 * The local agent API on the agent's gRPC port (ports.grpc; 8502 with -dev, as Consul's): a
 * server-streaming `roster.agent.v1.LocalAgent/Watch` that `roster monitor` subscribes to. Frames
 * are local-api-codec.ts's; the request body is empty (reserved for filters).
 */
import {
  Client, credentials, Metadata, status, type ClientReadableStream, type ServerWritableStream, type ServiceDefinition,
  type UntypedServiceImplementation,
} from '@grpc/grpc-js';
import { AppError } from '../shared/errors.js';
import { bytesMethod, clientChannelOptions } from './grpc-util.js';
import { decodeWatchFrame, encodeWatchFrame, type WatchFrame } from './local-api-codec.js';

export const WATCH_PATH = '/roster.agent.v1.LocalAgent/Watch';
/** Consul's gRPC port. */
export const DEFAULT_GRPC_PORT = 8502;
/** Frames are small except the snapshot (1000 members ≈ 150 KB). */
const MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

export const localApiDefinition: ServiceDefinition = {
  Watch: bytesMethod(WATCH_PATH, false, true),
};

/** A watcher as the serving side sees it. */
export interface WatchSubscriber {
  /** False when the stream's buffer is full (a slow watcher); the frame is still queued. */
  write(frame: WatchFrame): boolean;
  end(): void;
  onClose(listener: () => void): void;
}

export function localApiImplementation(subscribe: (subscriber: WatchSubscriber) => void): UntypedServiceImplementation {
  return {
    Watch: (call: ServerWritableStream<Buffer, Buffer>) => {
      let closed = false;
      const listeners: (() => void)[] = [];
      const close = (): void => {
        if (closed) return;
        closed = true;
        for (const listener of listeners) listener();
      };
      call.on('cancelled', close);
      call.on('close', close);
      call.on('error', close);
      subscribe({
        write: (frame) => (closed ? false : call.write(encodeWatchFrame(frame))),
        end: () => {
          if (!closed) call.end();
          close();
        },
        onClose: (listener) => listeners.push(listener),
      });
    },
  };
}

export interface WatchHandle {
  cancel(): void;
}

/**
 * Watches the agent at `address` (host:port of its gRPC port). Frames go to `onFrame` in order;
 * `onEnd` is called once with the reason when the stream fails or ends (not after cancel()).
 */
export function watchLocalAgent(address: string, handlers: { onFrame(frame: WatchFrame): void; onEnd(reason: Error): void }): WatchHandle {
  const client = new Client(
    address,
    credentials.createInsecure(),
    clientChannelOptions(MAX_MESSAGE_BYTES, {
      // The monitor retries on its own schedule (and shows it); fail fast when nothing listens.
      'grpc.initial_reconnect_backoff_ms': 200,
      'grpc.max_reconnect_backoff_ms': 200,
      'grpc.keepalive_time_ms': 5_000,
      'grpc.keepalive_timeout_ms': 3_000,
    }),
  );
  let ended = false;
  let cancelled = false;
  const finish = (reason: Error): void => {
    if (ended) return;
    ended = true;
    stream.cancel();
    client.close();
    if (!cancelled) handlers.onEnd(reason);
  };
  const stream: ClientReadableStream<Buffer> = client.makeServerStreamRequest(
    WATCH_PATH,
    (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength),
    (b: Buffer) => b,
    Buffer.alloc(0),
    new Metadata(),
    {},
  );
  stream.on('data', (bytes: Buffer) => {
    if (ended) return;
    let frame: WatchFrame;
    try {
      frame = decodeWatchFrame(bytes);
    } catch (err) {
      finish(err instanceof Error ? err : new Error(String(err)));
      return;
    }
    handlers.onFrame(frame);
  });
  stream.on('error', (err: Error & { code?: number; details?: string }) => {
    if (err.code === status.CANCELLED && ended) return;
    const detail = err.details || err.message;
    const why =
      err.code === status.UNIMPLEMENTED
        ? `the agent at ${address} does not serve the local agent stream (an older roster?)`
        : /ECONNREFUSED/.test(detail)
          ? `connection refused by ${address} (is the agent running with its gRPC port enabled? -grpc-port 8502, or -dev)`
          : `${address}: ${detail}`;
    finish(new AppError('UNAVAILABLE', why));
  });
  stream.on('end', () => finish(new AppError('UNAVAILABLE', `the agent at ${address} ended the stream`)));
  return {
    cancel: () => {
      cancelled = true;
      finish(new AppError('UNAVAILABLE', 'cancelled'));
    },
  };
}
