/**
 * The local agent API on the agent's gRPC port (ports.grpc; 8502 with -dev, as Consul's): a
 * server-streaming `roster.agent.v1.LocalAgent/Watch` that `roster monitor` subscribes to. Frames
 * are local-api-codec.ts's; the request body is empty (reserved for filters).
 */
import { status, type ServiceDefinition, type UntypedServiceImplementation } from '@grpc/grpc-js';
import { AppError } from '../shared/errors.js';
import { bytesMethod, clientChannelOptions } from './grpc-util.js';
import { frameStreamImplementation, openFrameStream, type FrameSubscriber } from './frame-stream.js';
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
export type WatchSubscriber = FrameSubscriber<WatchFrame>;

export function localApiImplementation(subscribe: (subscriber: WatchSubscriber) => void): UntypedServiceImplementation {
  return frameStreamImplementation('Watch', encodeWatchFrame, subscribe);
}

export interface WatchHandle {
  cancel(): void;
}

/**
 * Watches the agent at `address` (host:port of its gRPC port). Frames go to `onFrame` in order;
 * `onEnd` is called once with the reason when the stream fails or ends (not after cancel()).
 */
export function watchLocalAgent(address: string, handlers: { onFrame(frame: WatchFrame): void; onEnd(reason: Error): void }): WatchHandle {
  return openFrameStream({
    address,
    path: WATCH_PATH,
    channelOptions: clientChannelOptions(MAX_MESSAGE_BYTES, {
      // The monitor retries on its own schedule (and shows it); fail fast when nothing listens.
      'grpc.initial_reconnect_backoff_ms': 200,
      'grpc.max_reconnect_backoff_ms': 200,
      'grpc.keepalive_time_ms': 5_000,
      'grpc.keepalive_timeout_ms': 3_000,
    }),
    decode: decodeWatchFrame,
    onFrame: handlers.onFrame,
    onEnd: handlers.onEnd,
    describeFailure: (err) => {
      const detail = err.details || err.message;
      const why =
        err.code === status.UNIMPLEMENTED
          ? `the agent at ${address} does not serve the local agent stream (an older roster?)`
          : /ECONNREFUSED/.test(detail)
            ? `connection refused by ${address} (is the agent running with its gRPC port enabled? -grpc-port 8502, or -dev)`
            : `${address}: ${detail}`;
      return new AppError('UNAVAILABLE', why);
    },
    endedMessage: `the agent at ${address} ended the stream`,
  });
}
