/**
 * The catalog stream on the server port: a client agent subscribes to one server and receives a
 * full snapshot of the catalog, then every applied command in log order, plus a heartbeat every
 * second naming the leader. The client applies them to its own copy through the same FSM, so its
 * DNS and HTTP reads are answered locally (stale by at most the replication lag, and exact after
 * a read barrier).
 *
 * Wire: server-streaming `roster.catalog.v1.Catalog/Subscribe`; every response message is
 * [version 1][msgpack frame]. A client that meets another version refuses the stream.
 */
import type { ServiceDefinition, UntypedServiceImplementation } from '@grpc/grpc-js';
import { AppError } from '../shared/errors.js';
import { frameStreamImplementation, openFrameStream, packFrame, unpackFrame, type FrameStreamHandle, type FrameSubscriber } from './frame-stream.js';
import { bytesMethod, clientChannelOptions, DEFAULT_MAX_MESSAGE_BYTES } from './grpc-util.js';

export const CATALOG_STREAM_VERSION = 1;
const SUBSCRIBE_PATH = '/roster.catalog.v1.Catalog/Subscribe';

export const catalogStreamDefinition: ServiceDefinition = {
  Subscribe: bytesMethod(SUBSCRIBE_PATH, false, true),
};

/** Who leads and which servers vote, as the serving server knows it. */
export interface ClusterView {
  readonly leader: string;
  readonly peers: readonly string[];
}

export type CatalogFrame =
  | { readonly kind: 'snapshot'; readonly index: number; readonly data: Uint8Array; readonly cluster: ClusterView }
  | { readonly kind: 'entries'; readonly entries: readonly (readonly [number, Uint8Array])[] }
  | { readonly kind: 'heartbeat'; readonly index: number; readonly cluster: ClusterView };

export function encodeFrame(frame: CatalogFrame): Buffer {
  return packFrame(CATALOG_STREAM_VERSION, frame);
}

const isIndex = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
const isCluster = (v: unknown): v is ClusterView =>
  typeof v === 'object' && v !== null && typeof (v as ClusterView).leader === 'string' &&
  Array.isArray((v as ClusterView).peers) && (v as ClusterView).peers.every((p) => typeof p === 'string');

/** Decodes and validates one frame from a server; anything malformed is a typed error. */
export function decodeFrame(bytes: Uint8Array): CatalogFrame {
  const frame = unpackFrame(bytes, CATALOG_STREAM_VERSION, 'catalog stream', (got) => `catalog stream: unsupported version ${got}`);
  const f = frame as Record<string, unknown>;
  if (f?.kind === 'snapshot' && isIndex(f.index) && f.data instanceof Uint8Array && isCluster(f.cluster)) return f as unknown as CatalogFrame;
  if (f?.kind === 'heartbeat' && isIndex(f.index) && isCluster(f.cluster)) return f as unknown as CatalogFrame;
  if (f?.kind === 'entries' && Array.isArray(f.entries) && f.entries.every((e) => Array.isArray(e) && e.length === 2 && isIndex(e[0]) && e[1] instanceof Uint8Array)) {
    return f as unknown as CatalogFrame;
  }
  throw new AppError('BAD_REQUEST', 'catalog stream: malformed frame');
}

/** A subscriber as the serving side sees it: write frames, learn when it goes away. */
export type CatalogSubscriber = FrameSubscriber<CatalogFrame>;

/** The server half: hands each new subscriber to `subscribe`. */
export function catalogStreamImplementation(subscribe: (subscriber: CatalogSubscriber) => void): UntypedServiceImplementation {
  return frameStreamImplementation('Subscribe', encodeFrame, subscribe);
}

/** A running subscription (client side). */
export type CatalogSubscription = FrameStreamHandle;

/**
 * Subscribes to `address`. Frames go to `onFrame` in order; `onEnd` is called once, with the
 * reason, when the stream fails or the server ends it (the caller then picks another server).
 */
export function subscribeCatalog(
  address: string,
  handlers: { onFrame(frame: CatalogFrame): void; onEnd(reason: Error): void },
  options: { maxMessageBytes?: number } = {},
): CatalogSubscription {
  return openFrameStream({
    address,
    path: SUBSCRIBE_PATH,
    channelOptions: clientChannelOptions(options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES),
    decode: decodeFrame,
    onFrame: handlers.onFrame,
    onEnd: handlers.onEnd,
    describeFailure: (err) => new AppError('UNAVAILABLE', `catalog stream from ${address} failed: ${err.message}`),
    endedMessage: `catalog stream from ${address} ended`,
  });
}
