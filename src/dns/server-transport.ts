import { createSocket, type RemoteInfo, type Socket as UdpSocket } from 'node:dgram';
import { lookup as dnsLookup, type LookupOneOptions } from 'node:dns';
import { isIP, isIPv6, type Socket } from 'node:net';
import { TCPServer } from 'dns2';
import { AppError, errorMessage } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';

/**
 * The sockets: UDP and TCP (dns2's TCP server) on one port. dns2's own parsing is bypassed: every
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
    const udp = udpServer(isIPv6(address) ? 'udp6' : 'udp4', options.serve, logger);
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
    tuneBuffers(udp, logger);
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

async function closeBoth(udp: UdpSocket, tcp: RawTcpServer): Promise<void> {
  tcp.destroyConnections();
  await Promise.all([
    new Promise<void>((resolve) => udp.close(() => resolve())),
    new Promise<void>((resolve) => tcp.close(() => resolve())),
  ]);
}

/**
 * The UDP socket, fed raw datagrams. A plain dgram socket rather than dns2's UDPServer, because the
 * per-packet cost of the send path is most of what answering costs (a profile at saturation: our
 * code ~2%, node's send ~35%), and two of its costs only show up when the socket is built here:
 * - the address lookup every unconnected send makes goes through dns.lookup, which defers its
 *   callback with process.nextTick even for an IP literal; ours answers a literal at once;
 * - a send given a callback schedules another nextTick to call it; replies are sent without one
 *   (a UDP reply that fails to go out is a lost datagram either way, which the client retries).
 */
function udpServer(type: 'udp4' | 'udp6', serve: QueryHandler, logger: Logger): UdpSocket {
  const socket = createSocket({ type, lookup: literalFirstLookup });
  const reply = (bytes: Buffer | undefined, rinfo: RemoteInfo): void => {
    if (bytes) socket.send(bytes, rinfo.port, rinfo.address);
  };
  socket.on('message', (data: Buffer, rinfo: RemoteInfo) => {
    const answer = serve(data, 'udp');
    if (answer === undefined || Buffer.isBuffer(answer)) reply(answer, rinfo);
    else answer.then((bytes) => reply(bytes, rinfo), (err: unknown) => logger.debug({ err: errorMessage(err) }, 'udp reply failed'));
  });
  return socket;
}

function tuneBuffers(socket: UdpSocket, logger: Logger): void {
  try {
    socket.setRecvBufferSize(UDP_BUFFER_BYTES);
    socket.setSendBufferSize(UDP_BUFFER_BYTES);
  } catch (err) {
    logger.debug({ err: errorMessage(err) }, 'could not enlarge udp socket buffers');
  }
}

/** dgram's address lookup: an IP literal (every reply's destination) is answered synchronously. */
function literalFirstLookup(
  host: string,
  options: LookupOneOptions, // dgram passes the family as a number, which dns.lookup also takes
  callback: (err: NodeJS.ErrnoException | null, address: string, family: number) => void,
): void {
  const literal = isIP(host);
  if (literal !== 0) callback(null, host, literal);
  else dnsLookup(host, options, callback);
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
