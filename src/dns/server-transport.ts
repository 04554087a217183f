import type { RemoteInfo } from 'node:dgram';
import { isIPv6, type Socket } from 'node:net';
import { TCPServer, UDPServer } from 'dns2';
import { AppError, errorMessage } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';

/**
 * The sockets: dns2's UDP and TCP servers on one port. dns2's own parsing is bypassed: every
 * message goes to the handler as raw bytes (wire.ts decodes them strictly and quickly), so a
 * datagram claiming 4×65535 records, which once kept dns2's parser busy for over a second, costs
 * nothing. Replies may be immediate (answers, errors) or later (forwarded to a recursor).
 */

export type Transport = 'udp' | 'tcp';
/** Answers one raw message: the reply bytes, or undefined to stay silent. */
export type QueryHandler = (raw: Buffer, transport: Transport) => Buffer | undefined | Promise<Buffer | undefined>;

export interface DnsListeners {
  /** The port UDP and TCP share. */
  port: number;
  close(): Promise<void>;
}

/** An idle TCP connection is closed after this long (RFC 7766 suggests seconds, not minutes). */
const TCP_IDLE_MS = 10_000;
const MAX_TCP_CONNECTIONS = 512;
/** Unsent reply bytes a TCP client may leave queued (by not reading) before it is cut off. */
const MAX_TCP_BACKLOG = 1024 * 1024;
/** Queries a TCP client may have waiting on recursors at once. */
const MAX_TCP_IN_FLIGHT = 64;
/** Tries at finding a free port for both UDP and TCP when the port asked for is 0. */
const BIND_ATTEMPTS = 5;
const HEADER_BYTES = 12;
/** Socket buffers asked for (the kernel caps them at net.core.[rw]mem_max): bursts are not dropped. */
const UDP_BUFFER_BYTES = 4 * 1024 * 1024;

export async function listenDns(options: { address: string; port: number; logger: Logger; serve: QueryHandler }): Promise<DnsListeners> {
  const { address, port, logger } = options;
  for (let attempt = 1; ; attempt++) {
    const udp = new RawUdpServer(isIPv6(address) ? 'udp6' : 'udp4', options.serve, logger);
    try {
      await bind(address, port, 'UDP', (onError, onDone) => {
        udp.once('error', onError);
        udp.bind(port, address, () => {
          udp.off('error', onError);
          onDone();
        });
      });
    } catch (err) {
      udp.close(); // releases the socket handle a failed bind leaves open
      throw err;
    }
    udp.tuneBuffers();
    const bound = udp.address().port;
    const tcp = new RawTcpServer(options.serve, logger);
    try {
      await bind(address, bound, 'TCP', (onError, onDone) => {
        tcp.once('error', onError);
        tcp.listen(bound, address, () => {
          tcp.off('error', onError);
          onDone();
        });
      });
    } catch (err) {
      await new Promise<void>((resolve) => udp.close(() => resolve()));
      // An ephemeral UDP port may be taken for TCP by someone else: pick another pair.
      if (port === 0 && attempt < BIND_ATTEMPTS) continue;
      throw err;
    }
    udp.on('error', (err) => logger.error({ err }, 'udp socket error'));
    tcp.on('error', (err) => logger.error({ err }, 'tcp listener error'));
    return { port: bound, close: () => closeBoth(udp, tcp) };
  }
}

function bind(
  address: string,
  port: number,
  proto: string,
  start: (onError: (err: Error) => void, onDone: () => void) => void,
): Promise<void> {
  return new Promise((resolve, reject) => {
    start(
      (err) => {
        // Port 53 needs the privilege: say how to get it rather than just "EACCES".
        const hint =
          (err as NodeJS.ErrnoException).code === 'EACCES' && port > 0 && port < 1024
            ? ` (ports below 1024 need root or CAP_NET_BIND_SERVICE: setcap cap_net_bind_service=+ep on the node binary, or AmbientCapabilities= in a systemd unit)`
            : '';
        reject(new AppError('UNAVAILABLE', `DNS cannot listen on ${proto} ${address}:${port}: ${err.message}${hint}`, { cause: err }));
      },
      resolve,
    );
  });
}

async function closeBoth(udp: RawUdpServer, tcp: RawTcpServer): Promise<void> {
  tcp.destroyConnections();
  await Promise.all([
    new Promise<void>((resolve) => udp.close(() => resolve())),
    new Promise<void>((resolve) => tcp.close(() => resolve())),
  ]);
}

/** dns2's UDP server, fed raw datagrams. */
class RawUdpServer extends UDPServer {
  private readonly sent: (err: Error | null) => void;

  constructor(
    type: 'udp4' | 'udp6',
    private readonly serve: QueryHandler,
    private readonly logger: Logger,
  ) {
    super({ type });
    // One callback for every send: no closure per packet.
    this.sent = (err) => {
      if (err) this.logger.debug({ err: err.message }, 'udp send failed');
    };
  }

  tuneBuffers(): void {
    try {
      this.setRecvBufferSize(UDP_BUFFER_BYTES);
      this.setSendBufferSize(UDP_BUFFER_BYTES);
    } catch (err) {
      this.logger.debug({ err: errorMessage(err) }, 'could not enlarge udp socket buffers');
    }
  }

  // Replaces UDPServer#handle, which dns2 registers as its 'message' listener.
  override handle(data: Buffer, rinfo: RemoteInfo): void {
    const reply = this.serve(data, 'udp');
    if (reply === undefined) return;
    if (Buffer.isBuffer(reply)) {
      this.send(reply, rinfo.port, rinfo.address, this.sent);
      return;
    }
    reply.then(
      (bytes) => {
        if (bytes) this.send(bytes, rinfo.port, rinfo.address, this.sent);
      },
      (err: unknown) => this.logger.debug({ err: errorMessage(err) }, 'udp reply failed'),
    );
  }
}

/**
 * dns2's TCP server with its connection handling replaced: length-prefixed messages, pipelined
 * (replies may come back out of order, RFC 7766 §6.2.1.1); a connection whose framing is off is
 * closed, as is one idle for 10 s or one that stops reading its replies.
 */
class RawTcpServer extends TCPServer {
  private readonly sockets = new Set<Socket>();

  constructor(
    private readonly serve: QueryHandler,
    private readonly logger: Logger,
  ) {
    super();
    this.maxConnections = MAX_TCP_CONNECTIONS;
  }

  destroyConnections(): void {
    for (const socket of this.sockets) socket.destroy();
  }

  // Replaces TCPServer#handle, which dns2 registers as its 'connection' listener.
  handle(socket: Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', (err) => this.logger.debug({ err: err.message }, 'tcp connection error'));
    socket.setTimeout(TCP_IDLE_MS, () => socket.destroy());
    const state = { inFlight: 0, ended: false };
    let pending: Buffer = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      while (pending.length >= 2 && !socket.destroyed) {
        const length = pending.readUInt16BE(0);
        if (pending.length < 2 + length) break;
        const frame = pending.subarray(2, 2 + length);
        pending = pending.subarray(2 + length);
        this.onFrame(frame, socket, state);
      }
    });
    socket.on('end', () => {
      if (pending.length > 0) this.logger.debug({ bytes: pending.length }, 'tcp connection closed mid-message');
      state.ended = true;
      // Half-closed by the client: our side closes once every reply is written.
      if (state.inFlight === 0) socket.end();
    });
  }

  private onFrame(frame: Buffer, socket: Socket, state: { inFlight: number; ended: boolean }): void {
    if (frame.length < HEADER_BYTES) {
      this.logger.debug({ client: socket.remoteAddress, bytes: frame.length }, 'tcp frame shorter than a DNS header');
      socket.destroy(); // the framing itself is off
      return;
    }
    const reply = this.serve(frame, 'tcp');
    if (reply === undefined) return;
    if (Buffer.isBuffer(reply)) {
      write(socket, reply);
      return;
    }
    if (state.inFlight >= MAX_TCP_IN_FLIGHT) {
      socket.destroy();
      return;
    }
    state.inFlight++;
    reply
      .then(
        (bytes) => {
          if (bytes) write(socket, bytes);
        },
        (err: unknown) => this.logger.debug({ err: errorMessage(err) }, 'tcp reply failed'),
      )
      .finally(() => {
        state.inFlight--;
        if (state.ended && state.inFlight === 0 && !socket.destroyed) socket.end();
      });
  }
}

function write(socket: Socket, message: Buffer): void {
  if (socket.destroyed || !socket.writable) return;
  const framed = Buffer.allocUnsafe(2 + message.length);
  framed.writeUInt16BE(message.length, 0);
  message.copy(framed, 2);
  socket.write(framed);
  // A client that pipelines queries but never reads its replies would grow this without bound.
  if (socket.writableLength > MAX_TCP_BACKLOG) socket.destroy();
}
