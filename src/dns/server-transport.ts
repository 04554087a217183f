import type { RemoteInfo } from 'node:dgram';
import { isIPv6, type Socket } from 'node:net';
import { Packet, TCPServer, UDPServer } from 'dns2';
import { AppError, errorMessage } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';
import { RCODE, type Rcode } from './records.js';

/**
 * The sockets: dns2's UDP and TCP servers on one port, with the raw bytes screened before dns2
 * parses them. The screen exists because dns2's parser loops over the header's record counts,
 * catching an exception per missing record: a 12-byte datagram claiming 4×65535 records kept
 * the event loop busy for over a second. Like Consul (miekg/dns) we accept one question and at
 * most 1 answer, 1 authority and 2 additional records, and answer FORMERR otherwise.
 */

export type Transport = 'udp' | 'tcp';
/** Answers one screened, parsed query: the reply bytes, or undefined to stay silent. */
export type QueryHandler = (request: Packet, transport: Transport) => Buffer | undefined;

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
/** Tries at finding a free port for both UDP and TCP when the port asked for is 0. */
const BIND_ATTEMPTS = 5;
const HEADER_BYTES = 12;

type Verdict = { ok: true } | { ok: false; reason: string; reply?: Buffer };

/** What to do with a raw message before it is parsed. */
export function screen(raw: Buffer): Verdict {
  if (raw.length < HEADER_BYTES) return { ok: false, reason: 'shorter than a DNS header' };
  const flags = raw.readUInt16BE(2);
  // Answering a response could start a loop between two servers: drop it.
  if (flags & 0x8000) return { ok: false, reason: 'a response, not a query' };
  if ((flags >> 11) & 0xf) return { ok: false, reason: 'opcode is not QUERY', reply: headerReply(raw, RCODE.NOTIMP) };
  const [qd, an, ns, ar] = [4, 6, 8, 10].map((at) => raw.readUInt16BE(at));
  if (qd !== 1 || an! > 1 || ns! > 1 || ar! > 2) {
    return { ok: false, reason: `record counts ${qd}/${an}/${ns}/${ar}`, reply: headerReply(raw, RCODE.FORMERR) };
  }
  return { ok: true };
}

/** A bare header answering `raw`: its id, opcode and RD, QR set, no sections. */
export function headerReply(raw: Buffer, rcode: Rcode): Buffer {
  const out = Buffer.alloc(HEADER_BYTES);
  raw.copy(out, 0, 0, 2);
  const flags = raw.length >= 4 ? raw.readUInt16BE(2) : 0;
  out.writeUInt16BE(0x8000 | (flags & 0x7800) | (flags & 0x0100) | rcode, 2);
  return out;
}

export async function listenDns(options: { address: string; port: number; logger: Logger; serve: QueryHandler }): Promise<DnsListeners> {
  const { address, port, logger } = options;
  for (let attempt = 1; ; attempt++) {
    const udp = new ScreenedUdpServer(isIPv6(address) ? 'udp6' : 'udp4', options.serve, logger);
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
    const bound = udp.address().port;
    const tcp = new ScreenedTcpServer(options.serve, logger);
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
      (err) => reject(new AppError('UNAVAILABLE', `DNS cannot listen on ${proto} ${address}:${port}: ${err.message}`, { cause: err })),
      resolve,
    );
  });
}

async function closeBoth(udp: ScreenedUdpServer, tcp: ScreenedTcpServer): Promise<void> {
  tcp.destroyConnections();
  await Promise.all([
    new Promise<void>((resolve) => udp.close(() => resolve())),
    new Promise<void>((resolve) => tcp.close(() => resolve())),
  ]);
}

/** dns2's UDP server with the screen in front of its parser. */
class ScreenedUdpServer extends UDPServer {
  constructor(
    type: 'udp4' | 'udp6',
    private readonly serve: QueryHandler,
    private readonly logger: Logger,
  ) {
    super({ type });
    this.on('request', (request: Packet, send: (reply: Buffer) => Promise<Buffer>, client: RemoteInfo) => {
      const reply = this.serve(request, 'udp');
      if (reply) send(reply).catch((err: unknown) => this.logger.debug({ client: client.address, err: errorMessage(err) }, 'udp send failed'));
    });
    this.on('requestError', (err: Error) => this.logger.debug({ err: err.message }, 'unparsable udp query dropped'));
  }

  override handle(data: Buffer, rinfo: RemoteInfo): void {
    const verdict = screen(data);
    if (verdict.ok) return super.handle(data, rinfo);
    this.logger.debug({ client: rinfo.address, reason: verdict.reason, bytes: data.length }, 'malformed udp query');
    if (verdict.reply) {
      this.send(verdict.reply, rinfo.port, rinfo.address, (err) => {
        if (err) this.logger.debug({ err: err.message }, 'udp send failed');
      });
    }
  }
}

/**
 * dns2's TCP server with its connection handling replaced: length-prefixed messages, pipelined,
 * each screened before it is parsed; a connection that sends garbage framing is closed.
 */
class ScreenedTcpServer extends TCPServer {
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
    let pending: Buffer = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      while (pending.length >= 2 && !socket.destroyed) {
        const length = pending.readUInt16BE(0);
        if (pending.length < 2 + length) break;
        const frame = pending.subarray(2, 2 + length);
        pending = pending.subarray(2 + length);
        this.onFrame(frame, socket);
      }
    });
    socket.on('end', () => {
      if (pending.length > 0) this.logger.debug({ bytes: pending.length }, 'tcp connection closed mid-message');
      socket.end();
    });
  }

  private onFrame(frame: Buffer, socket: Socket): void {
    const remote = socket.remoteAddress;
    const verdict = screen(frame);
    if (!verdict.ok) {
      this.logger.debug({ client: remote, reason: verdict.reason, bytes: frame.length }, 'malformed tcp query');
      if (verdict.reply) write(socket, verdict.reply);
      else if (frame.length < HEADER_BYTES) socket.destroy(); // the framing itself is off
      return;
    }
    let request: Packet;
    try {
      request = Packet.parse(frame);
    } catch (err) {
      this.logger.debug({ client: remote, err: errorMessage(err) }, 'unparsable tcp query');
      write(socket, headerReply(frame, RCODE.FORMERR));
      return;
    }
    const reply = this.serve(request, 'tcp');
    if (reply) write(socket, reply);
  }
}

function write(socket: Socket, message: Buffer): void {
  if (socket.destroyed || !socket.writable) return;
  const prefix = Buffer.alloc(2);
  prefix.writeUInt16BE(message.length);
  socket.write(Buffer.concat([prefix, message]));
  // A client that pipelines queries but never reads its replies would grow this without bound.
  if (socket.writableLength > MAX_TCP_BACKLOG) socket.destroy();
}

