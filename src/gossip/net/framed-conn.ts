/**
 * One framed, optionally sealed stream connection: `send(obj)` out, `for await (const obj of conn)`
 * in. Decode and auth failures end the iteration with a typed error and drop the connection; a
 * connection that stays silent past its idle timeout is dropped too, so a stuck peer cannot pin
 * a slot forever.
 */
import type { Socket } from 'node:net';
import { AppError } from '../../shared/errors.js';
import { formatAddr } from './address.js';
import { GossipDecodeError } from './errors.js';
import { labelHeader } from './label.js';
import type { PayloadCipher } from './security.js';
import { DEFAULT_MAX_FRAME_BYTES, FrameDecoder, encodeFrame } from './stream-codec.js';

export interface StreamOptions {
  cipher?: PayloadCipher | undefined;
  maxFrameBytes?: number | undefined;
  /** Silence longer than this drops the connection (memberlist's TCP timeout: 10s LAN). */
  idleTimeoutMs?: number | undefined;
  /** Pool label sent at the start of our direction and required at the start of theirs. */
  label?: string | undefined;
}

export const DEFAULT_IDLE_TIMEOUT_MS = 10_000;
/** Decoded messages held for a slow reader before we stop reading the socket. */
const HIGH_WATER = 64;

export class FramedConn implements AsyncIterable<object> {
  readonly remoteAddr: string;
  private readonly decoder: FrameDecoder;
  private readonly cipher: PayloadCipher | undefined;
  private readonly maxFrameBytes: number;
  private queue: object[] = [];
  private waiter: { resolve: (r: IteratorResult<object>) => void; reject: (e: unknown) => void } | undefined;
  private failure: unknown;
  private ended = false;
  private readonly closedPromise: Promise<void>;

  constructor(
    private readonly socket: Socket,
    options: StreamOptions = {},
  ) {
    this.remoteAddr = formatAddr({ ip: socket.remoteAddress ?? '?', port: socket.remotePort ?? 0 });
    this.cipher = options.cipher;
    this.maxFrameBytes = options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
    this.decoder = new FrameDecoder(this.cipher, this.maxFrameBytes, options.label ?? '');
    socket.setNoDelay(true);
    socket.setTimeout(options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS);
    socket.on('timeout', () => this.fail(new AppError('UNAVAILABLE', `gossip stream with ${this.remoteAddr} idle too long`)));
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (err) => this.fail(err));
    socket.on('end', () => this.finish());
    const header = labelHeader(options.label ?? '');
    if (header.length > 0) socket.write(header);
    this.closedPromise = new Promise((resolve) => socket.once('close', () => {
      this.finish();
      resolve();
    }));
  }

  private onData(chunk: Buffer): void {
    let messages: object[];
    try {
      messages = this.decoder.push(chunk);
    } catch (err) {
      this.fail(err);
      return;
    }
    for (const m of messages) this.deliver(m);
    if (this.queue.length >= HIGH_WATER) this.socket.pause();
  }

  private deliver(message: object): void {
    const w = this.waiter;
    if (w) {
      this.waiter = undefined;
      w.resolve({ value: message, done: false });
    } else {
      this.queue.push(message);
    }
  }

  private fail(err: unknown): void {
    if (this.failure === undefined && !this.ended) this.failure = err;
    this.socket.destroy();
    this.finish();
  }

  private finish(): void {
    if (!this.ended && this.failure === undefined && this.decoder.pendingBytes > 0) {
      this.failure = new GossipDecodeError('truncated', `stream from ${this.remoteAddr} ended inside a frame`);
    }
    this.ended = true;
    const w = this.waiter;
    if (!w) return;
    this.waiter = undefined;
    if (this.failure !== undefined) w.reject(this.failure);
    else w.resolve({ value: undefined, done: true });
  }

  /** Resolves once the frame is handed to the kernel. Rejects on a closed connection or an oversize message. */
  send(message: object): Promise<void> {
    if (this.ended || this.socket.destroyed) {
      return Promise.reject(new AppError('UNAVAILABLE', `gossip stream with ${this.remoteAddr} is closed`));
    }
    let frame: Uint8Array;
    try {
      frame = encodeFrame(message, this.cipher, this.maxFrameBytes);
    } catch (err) {
      return Promise.reject(err);
    }
    return new Promise((resolve, reject) => {
      this.socket.write(frame, (err) => (err ? reject(err) : resolve()));
    });
  }

  /** Next message, or undefined at a clean end of stream; rejects with the failure otherwise. */
  next(): Promise<IteratorResult<object>> {
    const queued = this.queue.shift();
    if (queued) {
      if (this.queue.length < HIGH_WATER && this.socket.isPaused()) this.socket.resume();
      return Promise.resolve({ value: queued, done: false });
    }
    if (this.ended) {
      if (this.failure === undefined) return Promise.resolve({ value: undefined, done: true });
      const err = this.failure;
      this.failure = undefined; // report once, then behave as ended
      return Promise.reject(err);
    }
    if (this.socket.isPaused()) this.socket.resume();
    return new Promise((resolve, reject) => {
      this.waiter = { resolve, reject };
    });
  }

  [Symbol.asyncIterator](): AsyncIterator<object> {
    return {
      next: () => this.next(),
      return: async () => {
        await this.close();
        return { value: undefined, done: true };
      },
    };
  }

  /** Half-closes gracefully; the peer's runtime closes its side in turn. */
  close(): Promise<void> {
    if (!this.socket.destroyed) this.socket.end();
    return this.closedPromise;
  }

  /** Drops the connection at once. */
  destroy(): void {
    this.socket.destroy();
  }
}
