/**
 * Raft over gRPC on the server port (frames: raft-codec.ts).
 *
 * Service `roster.raft.v1.Raft`:
 *   Stream          client-streaming: BATCH frames → ACK. One long-lived call per peer address
 *                   carries every message this server sends that peer.
 *   InstallSnapshot client-streaming: SNAPSHOT_HEADER, SNAPSHOT_CHUNK*, SNAPSHOT_END → ACK.
 *
 * Nothing is ever a reply on the same call: a server answers a message by sending its response
 * through its own transport to the sender's address, so both directions are symmetric
 * (GrpcRaftTransport sends, RaftService receives).
 */
import {
  Client,
  Metadata,
  credentials,
  status,
  type ClientWritableStream,
  type ServerErrorResponse,
  type ServerReadableStream,
  type ServiceDefinition,
  type ServiceError,
  type UntypedServiceImplementation,
  type sendUnaryData,
} from '@grpc/grpc-js';
import type { RaftMessage, SnapshotMessage } from '../raft/core/types.js';
import type { RaftInbox, RaftTransport } from '../raft/node/transport.js';
import { errorMessage } from '../shared/errors.js';
import { silentLogger, type Logger } from '../shared/logger.js';
import { RpcDecodeError } from './errors.js';
import { DEFAULT_MAX_MESSAGE_BYTES, bytesMethod, clientChannelOptions, describeCallFailure } from './grpc-util.js';
import {
  FRAME_ACK,
  FRAME_SNAPSHOT_CHUNK,
  FRAME_SNAPSHOT_END,
  FRAME_SNAPSHOT_HEADER,
  decodeBatch,
  decodeSnapshotEnd,
  decodeSnapshotHeader,
  encodeAck,
  encodeBatch,
  encodeSnapshotChunk,
  encodeSnapshotEnd,
  encodeSnapshotHeader,
  estimateSize,
  readFrame,
} from './raft-codec.js';

export const RAFT_STREAM_PATH = '/roster.raft.v1.Raft/Stream';
export const RAFT_SNAPSHOT_PATH = '/roster.raft.v1.Raft/InstallSnapshot';

export const raftServiceDefinition: ServiceDefinition = {
  Stream: bytesMethod(RAFT_STREAM_PATH, true, false),
  InstallSnapshot: bytesMethod(RAFT_SNAPSHOT_PATH, true, false),
};

export const SNAPSHOT_CHUNK_BYTES = 1024 * 1024;

// =============================================================================================
// Receiving side

export interface RaftServiceOptions {
  logger?: Logger;
  /** May be attached later (attach()); until then peers' calls fail with UNAVAILABLE. */
  inbox?: RaftInbox;
  /** A snapshot transfer with no frame for this long is abandoned (default 30 s). */
  snapshotIdleTimeoutMs?: number;
}

export interface RaftServiceStats {
  /** Open Stream calls from peers. */
  readonly streams: number;
  readonly frames: number;
  readonly messages: number;
  /** Frames refused whole (bad header, msgpack, not a batch). */
  readonly rejectedFrames: number;
  /** Single messages refused inside an otherwise good frame. */
  readonly rejectedMessages: number;
  readonly snapshotsReceived: number;
  readonly snapshotsFailed: number;
}

/** The server half: hosted by RpcServer, hands what arrives to a RaftInbox. */
export class RaftService {
  readonly definition = raftServiceDefinition;
  readonly implementation: UntypedServiceImplementation;
  private inbox: RaftInbox | undefined;
  private readonly logger: Logger;
  private readonly snapshotIdleTimeoutMs: number;
  /** Closers of open calls (stop() answers them so a graceful shutdown need not wait). */
  private readonly open = new Set<(err: ServerErrorResponse) => void>();
  private counters = { frames: 0, messages: 0, rejectedFrames: 0, rejectedMessages: 0, snapshotsReceived: 0, snapshotsFailed: 0 };

  constructor(options: RaftServiceOptions = {}) {
    this.logger = (options.logger ?? silentLogger()).child({ module: 'rpc.raft' });
    this.inbox = options.inbox;
    this.snapshotIdleTimeoutMs = options.snapshotIdleTimeoutMs ?? 30_000;
    this.implementation = {
      Stream: (call: ServerReadableStream<Buffer, Buffer>, callback: sendUnaryData<Buffer>) => this.handleStream(call, callback),
      InstallSnapshot: (call: ServerReadableStream<Buffer, Buffer>, callback: sendUnaryData<Buffer>) => this.handleSnapshot(call, callback),
    };
  }

  attach(inbox: RaftInbox): void {
    this.inbox = inbox;
  }

  stats(): RaftServiceStats {
    return { streams: this.open.size, ...this.counters };
  }

  /** Fails every open call with UNAVAILABLE (the server is stopping); peers reconnect elsewhere. */
  closeStreams(reason = 'server shutting down'): void {
    for (const close of [...this.open]) close(Object.assign(new Error(reason), { code: status.UNAVAILABLE, details: reason }));
  }

  private handleStream(call: ServerReadableStream<Buffer, Buffer>, callback: sendUnaryData<Buffer>): void {
    if (!this.inbox) {
      callback({ code: status.UNAVAILABLE, details: 'raft is not running on this server' });
      return;
    }
    let done = false;
    let warned = false;
    const finish = (err: ServerErrorResponse | null): void => {
      if (done) return;
      done = true;
      this.open.delete(finish);
      if (err) callback(err);
      else callback(null, encodeAck());
    };
    this.open.add(finish);
    const reject = (err: RpcDecodeError, what: string): void => {
      // The first refusal per stream is worth a warning; a peer repeating it only adds noise.
      const fields = { peer: call.getPeer(), reason: err.reason, error: err.message };
      if (warned) this.logger.debug(fields, what);
      else this.logger.warn(fields, what);
      warned = true;
    };
    // Headers now: the sender holds its queue until it knows the stream is really open.
    call.sendMetadata(new Metadata());
    call.on('data', (bytes: Buffer) => {
      if (done) return;
      this.counters.frames++;
      let batch;
      try {
        batch = decodeBatch(bytes);
      } catch (err) {
        const e = err instanceof RpcDecodeError ? err : new RpcDecodeError('payload', errorMessage(err));
        this.counters.rejectedFrames++;
        reject(e, 'dropped an undecodable raft frame');
        // A version we do not speak will not get better: say so and close. Anything else is
        // one bad frame; the stream stays up.
        if (e.reason === 'version') finish(Object.assign(new Error(e.message), { code: status.INVALID_ARGUMENT, details: e.message }));
        return;
      }
      for (const r of batch.rejected) {
        this.counters.rejectedMessages++;
        reject(r, 'dropped a malformed raft message');
      }
      const inbox = this.inbox; // the one attached now (attach() may replace it)
      for (const message of batch.messages) {
        this.counters.messages++;
        try {
          inbox?.deliver(message);
        } catch (err) {
          this.logger.error({ error: errorMessage(err), type: message.type }, 'raft inbox threw on deliver');
        }
      }
    });
    call.on('end', () => finish(null));
    const gone = (): void => {
      done = true;
      this.open.delete(finish);
    };
    call.on('cancelled', gone);
    call.on('error', gone);
  }

  private handleSnapshot(call: ServerReadableStream<Buffer, Buffer>, callback: sendUnaryData<Buffer>): void {
    const inbox = this.inbox;
    if (!inbox) {
      callback({ code: status.UNAVAILABLE, details: 'raft is not running on this server' });
      return;
    }
    let done = false;
    let abort: (err: Error) => void = () => {};
    const aborted = new Promise<never>((_, reject) => {
      abort = reject;
    });
    aborted.catch(() => {});
    const finish = (err: ServerErrorResponse | null): void => {
      if (done) return;
      done = true;
      this.open.delete(finish);
      if (err) {
        this.counters.snapshotsFailed++;
        abort(err);
        callback(err);
      } else {
        this.counters.snapshotsReceived++;
        callback(null, encodeAck());
      }
    };
    this.open.add(finish);
    call.on('cancelled', () => {
      if (!done) finish(Object.assign(new Error('snapshot sender cancelled'), { code: status.CANCELLED, details: 'snapshot sender cancelled' }));
    });
    call.on('error', () => {});

    const frames = call[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
    const idleMs = this.snapshotIdleTimeoutMs;
    const next = async (): Promise<IteratorResult<Buffer>> => {
      let timer: NodeJS.Timeout | undefined;
      const idle = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`snapshot stream idle for ${idleMs} ms`)), idleMs);
      });
      try {
        return await Promise.race([frames.next(), idle, aborted]);
      } finally {
        clearTimeout(timer);
      }
    };

    const receive = async (): Promise<void> => {
      const first = await next();
      if (first.done) throw new RpcDecodeError('truncated', 'snapshot stream ended before its header');
      const head = readFrame(first.value);
      if (head.kind !== FRAME_SNAPSHOT_HEADER) throw new RpcDecodeError('kind', `snapshot stream starts with frame kind ${head.kind}`);
      const message = decodeSnapshotHeader(head.body);
      let complete = false;
      async function* chunks(): AsyncGenerator<Uint8Array, void, undefined> {
        let total = 0;
        let count = 0;
        for (;;) {
          const r = await next();
          if (r.done) throw new RpcDecodeError('truncated', `snapshot stream ended after ${total} bytes without its end frame`);
          const f = readFrame(r.value);
          if (f.kind === FRAME_SNAPSHOT_CHUNK) {
            total += f.body.length;
            count++;
            yield f.body;
          } else if (f.kind === FRAME_SNAPSHOT_END) {
            const end = decodeSnapshotEnd(f.body);
            if (end.totalBytes !== total || end.chunks !== count) {
              throw new RpcDecodeError('shape', `snapshot end frame claims ${end.totalBytes} bytes in ${end.chunks} chunks, got ${total} in ${count}`);
            }
            complete = true;
            return;
          } else {
            throw new RpcDecodeError('kind', `unexpected frame kind ${f.kind} inside a snapshot stream`);
          }
        }
      }
      await inbox.receiveSnapshot(message, chunks());
      if (!complete) throw new Error('the receiver returned before reading the whole snapshot');
      this.logger.debug({ from: message.from, index: message.snapshot.index }, 'snapshot received');
    };

    receive().then(
      () => finish(null),
      (err: unknown) => {
        const details = `snapshot not installed: ${errorMessage(err)}`;
        this.logger.warn({ peer: call.getPeer(), error: errorMessage(err) }, 'snapshot receive failed');
        const code = err instanceof RpcDecodeError ? status.INVALID_ARGUMENT : status.ABORTED;
        finish(Object.assign(new Error(details), { code, details }));
      },
    );
  }
}

// =============================================================================================
// Sending side

export interface GrpcRaftTransportOptions {
  logger?: Logger;
  /** Told when a peer cannot be reached; may be attached later (attach()). */
  inbox?: Pick<RaftInbox, 'unreachable'>;
  /** Most messages waiting per peer (default 4096). See send() for what is dropped. */
  maxQueueMessages?: number;
  /** Most bytes (entry data, roughly) waiting per peer (default 64 MiB). */
  maxQueueBytes?: number;
  /** A batch frame is cut once it holds about this many bytes (default 4 MiB). */
  maxBatchBytes?: number;
  /** gRPC message size limit; a single message above it is dropped (default 64 MiB). */
  maxMessageBytes?: number;
  /** A stream the peer has not accepted within this long is abandoned (default 5 s). */
  connectTimeoutMs?: number;
  /** Reconnect backoff after a failed stream: doubles from initial up to max (50 ms, 1 s). */
  backoffInitialMs?: number;
  backoffMaxMs?: number;
  /** Snapshot data goes in chunks of at most this many bytes (default and max 1 MiB). */
  snapshotChunkBytes?: number;
  /** A snapshot transfer making no progress for this long fails (default 30 s). */
  snapshotIdleTimeoutMs?: number;
  /** Overall deadline of one snapshot transfer (default 10 min). */
  snapshotTimeoutMs?: number;
}

export interface RaftTransportStats {
  readonly sentMessages: number;
  readonly sentBatches: number;
  readonly sentBytes: number;
  /** Messages dropped: queue full, peer down, or too large. */
  readonly droppedMessages: number;
  /** Streams that ended in an error (each one reported as unreachable). */
  readonly streamFailures: number;
  /** Streams the peer accepted. */
  readonly connects: number;
  /** Messages waiting across all peers. */
  readonly queued: number;
  readonly peers: number;
}

/** Heavy traffic yields to these when a queue overflows: losing them stalls elections/transfers. */
const isCritical = (m: RaftMessage): boolean => m.type === 'vote' || m.type === 'vote-response' || m.type === 'timeout-now';

const PEER_CHANNEL = { 'grpc.use_local_subchannel_pool': 1 } as const;
const toBuffer = (b: Uint8Array): Buffer => (Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength));
const keepBuffer = (b: Buffer): Buffer => b;

class PeerLink {
  client: Client | null = null;
  call: ClientWritableStream<Uint8Array> | null = null;
  /** The peer accepted the current call (sent its headers): writes may start. */
  open = false;
  /** Waiting for 'drain' on the current call. */
  draining = false;
  queue: RaftMessage[] = [];
  queueBytes = 0;
  /** While now < downUntil, the peer is known down: messages are dropped at once. */
  downUntil = 0;
  backoffMs: number;
  flushScheduled = false;
  reportScheduled = false;
  connectTimer: NodeJS.Timeout | null = null;
  constructor(
    readonly address: string,
    backoffMs: number,
  ) {
    this.backoffMs = backoffMs;
  }
}

/**
 * Client side of Raft over gRPC: one long-lived Stream call per peer address, a bounded queue in
 * front of it, messages sent in the same macrotask coalesced into one BATCH frame.
 *
 * Queue overflow: the newest message is dropped, unless it is critical (vote, vote-response,
 * timeout-now), in which case the oldest non-critical queued message makes room. Keeping the
 * queued prefix rather than the newest keeps an append pipeline contiguous (a hole in the middle
 * would make the follower reject everything after it), and Raft repairs the loss of the tail
 * with its usual probe; elections never starve behind a backlog of appends. Every drop is
 * reported as `unreachable`, which moves the leader's view of the follower to probe (slower) —
 * the backpressure etcd uses too.
 *
 * A failed stream (refused, reset, peer stopped, not accepted within connectTimeoutMs) drops the
 * peer's queue, reports `unreachable`, and marks the peer down for a backoff (50 ms doubling to
 * 1 s, ±20 % jitter) during which messages to it are dropped at once; the first message after
 * that opens a new stream. Each peer has its own channel and queue: a slow or dead one never
 * holds up another.
 */
export class GrpcRaftTransport implements RaftTransport {
  private readonly logger: Logger;
  private inbox: Pick<RaftInbox, 'unreachable'> | undefined;
  private readonly peers = new Map<string, PeerLink>();
  private readonly snapshots = new Set<ClientWritableStream<Uint8Array>>();
  private readonly maxQueueMessages: number;
  private readonly maxQueueBytes: number;
  private readonly maxBatchBytes: number;
  private readonly maxMessageBytes: number;
  private readonly connectTimeoutMs: number;
  private readonly backoffInitialMs: number;
  private readonly backoffMaxMs: number;
  private readonly snapshotChunkBytes: number;
  private readonly snapshotIdleTimeoutMs: number;
  private readonly snapshotTimeoutMs: number;
  private closed = false;
  private counters = { sentMessages: 0, sentBatches: 0, sentBytes: 0, droppedMessages: 0, streamFailures: 0, connects: 0 };

  constructor(options: GrpcRaftTransportOptions = {}) {
    this.logger = (options.logger ?? silentLogger()).child({ module: 'rpc.raft' });
    this.inbox = options.inbox;
    this.maxQueueMessages = options.maxQueueMessages ?? 4096;
    this.maxQueueBytes = options.maxQueueBytes ?? 64 * 1024 * 1024;
    this.maxBatchBytes = options.maxBatchBytes ?? 4 * 1024 * 1024;
    this.maxMessageBytes = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
    this.connectTimeoutMs = options.connectTimeoutMs ?? 5_000;
    this.backoffInitialMs = options.backoffInitialMs ?? 50;
    this.backoffMaxMs = options.backoffMaxMs ?? 1_000;
    this.snapshotChunkBytes = Math.max(1, Math.min(options.snapshotChunkBytes ?? SNAPSHOT_CHUNK_BYTES, SNAPSHOT_CHUNK_BYTES));
    this.snapshotIdleTimeoutMs = options.snapshotIdleTimeoutMs ?? 30_000;
    this.snapshotTimeoutMs = options.snapshotTimeoutMs ?? 10 * 60_000;
  }

  attach(inbox: Pick<RaftInbox, 'unreachable'>): void {
    this.inbox = inbox;
  }

  stats(): RaftTransportStats {
    let queued = 0;
    for (const link of this.peers.values()) queued += link.queue.length;
    return { ...this.counters, queued, peers: this.peers.size };
  }

  /** Queues `message` for `address`; never blocks, never throws (see the class comment). */
  send(message: RaftMessage, address: string): void {
    if (this.closed) return;
    let link = this.peers.get(address);
    if (!link) {
      link = new PeerLink(address, this.backoffInitialMs);
      this.peers.set(address, link);
    }
    if (link.downUntil > Date.now()) {
      this.drop(link, 1);
      return;
    }
    const size = estimateSize(message);
    if (link.queue.length >= this.maxQueueMessages || link.queueBytes + size > this.maxQueueBytes) {
      if (!isCritical(message) || link.queue.length === 0) {
        this.drop(link, 1);
        return;
      }
      const at = link.queue.findIndex((m) => !isCritical(m));
      const [victim] = link.queue.splice(at >= 0 ? at : 0, 1);
      if (victim) link.queueBytes -= estimateSize(victim);
      this.drop(link, 1);
    }
    link.queue.push(message);
    link.queueBytes += size;
    if (!link.flushScheduled) {
      link.flushScheduled = true;
      const l = link;
      setImmediate(() => {
        l.flushScheduled = false;
        this.flush(l);
      });
    }
  }

  async sendSnapshot(message: SnapshotMessage, address: string, data: AsyncIterable<Uint8Array>): Promise<boolean> {
    if (this.closed) return false;
    let client: Client;
    try {
      client = new Client(address, credentials.createInsecure(), clientChannelOptions(this.maxMessageBytes, PEER_CHANNEL));
    } catch (err) {
      this.logger.warn({ to: address, error: errorMessage(err) }, 'snapshot transfer failed');
      return false;
    }
    let idleTimer: NodeJS.Timeout | undefined;
    try {
      return await new Promise<boolean>((resolve) => {
        let settled = false;
        let failure = '';
        let onSettle: () => void = () => {};
        const ended = new Promise<void>((r) => {
          onSettle = r;
        });
        const settle = (ok: boolean, why: string): void => {
          if (settled) return;
          settled = true;
          clearTimeout(idleTimer);
          this.snapshots.delete(call);
          onSettle();
          if (ok) this.logger.debug({ to: address, index: message.snapshot.index }, 'snapshot sent');
          else this.logger.warn({ to: address, index: message.snapshot.index, error: why }, 'snapshot transfer failed');
          resolve(ok);
        };
        const call = client.makeClientStreamRequest<Uint8Array, Buffer>(
          RAFT_SNAPSHOT_PATH,
          toBuffer,
          keepBuffer,
          new Metadata(),
          { deadline: Date.now() + this.snapshotTimeoutMs },
          (err: ServiceError | null, ack?: Buffer) => {
            if (err) {
              settle(false, failure || describeCallFailure(err, address));
              return;
            }
            try {
              if (!ack || readFrame(ack).kind !== FRAME_ACK) throw new RpcDecodeError('kind', 'snapshot answer is not an ack');
              settle(true, '');
            } catch (e) {
              settle(false, errorMessage(e));
            }
          },
        );
        this.snapshots.add(call);
        call.on('error', () => {});
        const stop = (why: string): void => {
          if (settled) return;
          failure = why;
          call.cancel();
        };
        const touch = (): void => {
          clearTimeout(idleTimer);
          idleTimer = setTimeout(() => stop(`snapshot transfer idle for ${this.snapshotIdleTimeoutMs} ms`), this.snapshotIdleTimeoutMs);
        };
        const write = async (frame: Buffer): Promise<void> => {
          if (settled) throw new Error('snapshot call already finished');
          touch();
          if (!call.write(frame)) await Promise.race([new Promise((r) => call.once('drain', r)), ended]);
          if (settled) throw new Error('snapshot call already finished');
        };
        const pump = async (): Promise<void> => {
          await write(encodeSnapshotHeader(message));
          let total = 0;
          let chunks = 0;
          for await (const chunk of data) {
            for (let at = 0; at < chunk.length; at += this.snapshotChunkBytes) {
              const piece = chunk.subarray(at, at + this.snapshotChunkBytes);
              await write(encodeSnapshotChunk(piece));
              total += piece.length;
              chunks++;
            }
          }
          await write(encodeSnapshotEnd(total, chunks));
          touch();
          call.end();
        };
        pump().catch((err: unknown) => stop(`snapshot data: ${errorMessage(err)}`));
      });
    } finally {
      clearTimeout(idleTimer);
      client.close();
    }
  }

  /**
   * Forget a peer (a server removed from the cluster): its queue is dropped, its stream cancelled
   * and its channel closed. A later send() to the address starts afresh.
   */
  forgetPeer(address: string): void {
    const link = this.peers.get(address);
    if (!link) return;
    this.peers.delete(address);
    if (link.connectTimer) clearTimeout(link.connectTimer);
    const call = link.call;
    link.call = null;
    link.queue = [];
    link.queueBytes = 0;
    call?.cancel();
    link.client?.close();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const call of this.snapshots) call.cancel();
    this.snapshots.clear();
    const endings: Promise<void>[] = [];
    for (const link of this.peers.values()) {
      if (link.connectTimer) clearTimeout(link.connectTimer);
      const call = link.call;
      const client = link.client;
      link.queue = [];
      link.queueBytes = 0;
      link.call = null;
      if (!call) {
        client?.close();
        continue;
      }
      // Half-close so frames already written still reach the peer; cancel if it dawdles.
      endings.push(
        new Promise<void>((resolve) => {
          const timer = setTimeout(() => call.cancel(), 500);
          call.on('status', () => {
            clearTimeout(timer);
            resolve();
          });
          call.end();
        }).finally(() => client?.close()),
      );
    }
    this.peers.clear();
    await Promise.all(endings);
  }

  private flush(link: PeerLink): void {
    if (this.closed || link.queue.length === 0) return;
    const call = link.call;
    if (!call) {
      try {
        this.openStream(link);
      } catch (err) {
        // grpc-js refuses some targets outright (an empty address): a failure like any other.
        this.logger.warn({ to: link.address, error: errorMessage(err) }, 'cannot open a raft stream');
        link.call = null;
        this.markDown(link);
      }
      return;
    }
    if (!link.open || link.draining) return;
    while (link.queue.length > 0) {
      let n = 0;
      let bytes = 0;
      while (n < link.queue.length && (n === 0 || bytes < this.maxBatchBytes)) {
        bytes += estimateSize(link.queue[n] as RaftMessage);
        n++;
      }
      const batch = link.queue.splice(0, n);
      link.queueBytes -= bytes;
      if (link.queue.length === 0) link.queueBytes = 0;
      let frame: Buffer;
      try {
        frame = encodeBatch(batch);
      } catch (err) {
        // Only a caller's bug gets here (e.g. a number that is not a number); drop, do not throw.
        this.logger.error({ to: link.address, error: errorMessage(err) }, 'could not encode raft messages');
        this.drop(link, batch.length);
        continue;
      }
      if (frame.length > this.maxMessageBytes) {
        this.logger.warn({ to: link.address, bytes: frame.length, max: this.maxMessageBytes }, 'raft batch over the message size limit, dropped');
        this.drop(link, batch.length);
        continue;
      }
      this.counters.sentMessages += batch.length;
      this.counters.sentBatches++;
      this.counters.sentBytes += frame.length;
      if (!call.write(frame)) {
        link.draining = true;
        call.once('drain', () => {
          if (link.call !== call) return;
          link.draining = false;
          this.flush(link);
        });
        return;
      }
    }
  }

  private openStream(link: PeerLink): void {
    link.client ??= new Client(link.address, credentials.createInsecure(), clientChannelOptions(this.maxMessageBytes, PEER_CHANNEL));
    const call = link.client.makeClientStreamRequest<Uint8Array, Buffer>(
      RAFT_STREAM_PATH,
      toBuffer,
      keepBuffer,
      new Metadata(),
      {},
      (err: ServiceError | null) => this.streamEnded(link, call, err),
    );
    link.call = call;
    link.open = false;
    link.draining = false;
    call.on('error', () => {}); // failures arrive through the callback; never crash on a late write
    call.on('metadata', () => {
      if (link.call !== call) return;
      if (link.connectTimer) clearTimeout(link.connectTimer);
      link.connectTimer = null;
      link.open = true;
      link.backoffMs = this.backoffInitialMs;
      this.counters.connects++;
      this.flush(link);
    });
    link.connectTimer = setTimeout(() => {
      link.connectTimer = null;
      if (link.call === call && !link.open) call.cancel();
    }, this.connectTimeoutMs);
  }

  private streamEnded(link: PeerLink, call: ClientWritableStream<Uint8Array>, err: ServiceError | null): void {
    if (link.call !== call) return;
    if (link.connectTimer) clearTimeout(link.connectTimer);
    link.connectTimer = null;
    const wasOpen = link.open;
    link.call = null;
    link.open = false;
    link.draining = false;
    if (this.closed) return;
    if (!err) {
      // The peer ended the stream cleanly: open a fresh one for whatever is waiting.
      if (link.queue.length > 0) this.flush(link);
      return;
    }
    const why = err.code === status.CANCELLED && !wasOpen ? `no answer from ${link.address} within ${this.connectTimeoutMs} ms` : describeCallFailure(err, link.address);
    this.logger.debug({ to: link.address, error: why, retryInMs: link.backoffMs }, 'raft stream failed');
    this.markDown(link);
  }

  /** The stream failed: drop what waits, back off, tell the driver. */
  private markDown(link: PeerLink): void {
    this.counters.streamFailures++;
    link.downUntil = Date.now() + link.backoffMs * (0.8 + Math.random() * 0.4);
    link.backoffMs = Math.min(link.backoffMs * 2, this.backoffMaxMs);
    const lost = link.queue.length;
    link.queue = [];
    link.queueBytes = 0;
    this.counters.droppedMessages += lost;
    this.reportUnreachable(link);
  }

  private drop(link: PeerLink, n: number): void {
    this.counters.droppedMessages += n;
    this.reportUnreachable(link);
  }

  /** Coalesced per peer and deferred: never re-enter the driver from inside its own send(). */
  private reportUnreachable(link: PeerLink): void {
    if (link.reportScheduled) return;
    link.reportScheduled = true;
    setImmediate(() => {
      link.reportScheduled = false;
      if (this.closed) return;
      try {
        this.inbox?.unreachable(link.address);
      } catch (err) {
        this.logger.error({ error: errorMessage(err) }, 'raft inbox threw on unreachable');
      }
    });
  }
}

