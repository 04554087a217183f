/**
 * Server-streaming calls of self-framed messages (the catalog stream, the local agent watch):
 * the serving half hands each subscriber a writer, the client half decodes frames in order and
 * reports one end. Each stream brings its own codec and its own wording for failures.
 */
import {
  Client, credentials, Metadata, status, type ChannelOptions, type ClientReadableStream, type ServerWritableStream,
  type UntypedServiceImplementation,
} from '@grpc/grpc-js';
import { Packr } from 'msgpackr';
import { AppError } from '../shared/errors.js';

const packr = new Packr({ useRecords: false });

/** A frame on the wire: a version byte, then the frame as msgpack. */
export function packFrame(version: number, frame: unknown): Buffer {
  const body = packr.pack(frame);
  const out = Buffer.allocUnsafe(body.length + 1);
  out[0] = version;
  body.copy(out, 1);
  return out;
}

/**
 * The frame's value, unchecked (the stream's codec validates its shape). A foreign version byte
 * is refused with `unsupported(version)`, bytes that are not msgpack with "<stream>: frame is
 * not valid msgpack".
 */
export function unpackFrame(bytes: Uint8Array, version: number, stream: string, unsupported: (got: string) => string): unknown {
  if (bytes.length === 0 || bytes[0] !== version) throw new AppError('BAD_REQUEST', unsupported(String(bytes[0])));
  try {
    return packr.unpack(bytes.subarray(1)) as unknown;
  } catch (err) {
    throw new AppError('BAD_REQUEST', `${stream}: frame is not valid msgpack`, { cause: err });
  }
}

/** A subscriber as the serving side sees it. */
export interface FrameSubscriber<F> {
  /** False when the stream's buffer is full (a slow subscriber); the frame is still queued. */
  write(frame: F): boolean;
  end(): void;
  onClose(listener: () => void): void;
}

/** The serving half of `method`: every call becomes a subscriber handed to `subscribe`. */
export function frameStreamImplementation<F>(
  method: string,
  encode: (frame: F) => Buffer,
  subscribe: (subscriber: FrameSubscriber<F>) => void,
): UntypedServiceImplementation {
  return {
    [method]: (call: ServerWritableStream<Buffer, Buffer>) => {
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
        write: (frame) => (closed ? false : call.write(encode(frame))),
        end: () => {
          if (!closed) call.end();
          close();
        },
        onClose: (listener) => listeners.push(listener),
      });
    },
  };
}

export interface FrameStreamHandle {
  cancel(): void;
}

/**
 * Opens `path` on `address` and feeds decoded frames to `onFrame` in order. `onEnd` is called
 * once, with the reason, when the stream fails, is refused or ends — never after cancel(). A
 * frame that does not decode, or that `onFrame` cannot take, ends this stream, not the process.
 */
export function openFrameStream<F>(options: {
  address: string;
  path: string;
  channelOptions: ChannelOptions;
  decode: (bytes: Uint8Array) => F;
  onFrame(frame: F): void;
  onEnd(reason: Error): void;
  /** Words a transport failure for the user (the stream's own error otherwise). */
  describeFailure: (err: Error & { code?: number; details?: string }) => Error;
  endedMessage: string;
}): FrameStreamHandle {
  const client = new Client(options.address, credentials.createInsecure(), options.channelOptions);
  let ended = false;
  let cancelled = false;
  const finish = (reason: Error): void => {
    if (ended) return;
    ended = true;
    stream.cancel();
    client.close();
    if (!cancelled) options.onEnd(reason);
  };
  const stream: ClientReadableStream<Buffer> = client.makeServerStreamRequest(
    options.path,
    (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength),
    (b: Buffer) => b,
    Buffer.alloc(0),
    new Metadata(),
    {},
  );
  stream.on('data', (bytes: Buffer) => {
    if (ended) return;
    try {
      options.onFrame(options.decode(bytes));
    } catch (err) {
      finish(err instanceof Error ? err : new AppError('BAD_REQUEST', String(err)));
    }
  });
  stream.on('error', (err: Error & { code?: number; details?: string }) => {
    if (err.code === status.CANCELLED && ended) return;
    finish(options.describeFailure(err));
  });
  stream.on('end', () => finish(new AppError('UNAVAILABLE', options.endedMessage)));
  return {
    cancel: () => {
      cancelled = true;
      finish(new AppError('UNAVAILABLE', 'cancelled'));
    },
  };
}
