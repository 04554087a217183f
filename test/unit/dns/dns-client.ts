// A raw DNS client for the server tests: builds queries with dns2's Packet, sends them over
// UDP or TCP, and returns the parsed reply with its size, so flags and sections can be checked.
import { createSocket } from 'node:dgram';
import { connect, type Socket } from 'node:net';
import { Packet, type Resource } from 'dns2';
import type { DnsConfig } from '../../../src/config/types.js';
import { startDnsServer, type DnsServerHandle } from '../../../src/dns/server.js';
import { silentLogger } from '../../../src/shared/logger.js';
import { seededRandom } from '../../../src/shared/random.js';
import { ManualClock } from '../../helpers/manual-clock.js';
import { dnsConfig } from './dns-fixtures.js';
import type { CatalogReader } from '../../../src/catalog/reader.js';

export async function startTestServer(reader: CatalogReader, dns: Partial<DnsConfig> = {}, altDomain = '', clock = new ManualClock()): Promise<DnsServerHandle> {
  return startDnsServer({
    reader,
    config: { bindAddress: '127.0.0.1', port: 0, domain: 'consul.', altDomain, datacenter: 'dc1', dns: dnsConfig(dns) },
    logger: silentLogger(),
    random: seededRandom(3),
    clock,
  });
}

export interface QueryOptions {
  id?: number;
  /** Recursion desired (default on, as resolvers send it). */
  rd?: boolean;
  /** EDNS UDP buffer size; no OPT record when omitted. */
  edns?: number;
  /** An EDNS Client Subnet option (IPv4), sent with the OPT record. */
  subnet?: { ip: string; prefix: number };
}

export function buildQuery(name: string, type: number, options: QueryOptions = {}): Buffer {
  const query = new Packet();
  query.header = new Packet.Header({ id: options.id ?? 0x1234, rd: options.rd === false ? 0 : 1 });
  query.questions = [new Packet.Question(name, type, Packet.CLASS.IN)];
  if (options.edns !== undefined) {
    const rdata = options.subnet
      ? [{ ednsCode: 8, family: 1, sourcePrefixLength: options.subnet.prefix, scopePrefixLength: 0, ip: options.subnet.ip }]
      : [];
    query.additionals = [{ name: '', type: Packet.TYPE.EDNS, class: options.edns, ttl: 0, rdata } as unknown as Resource];
  }
  return query.toBuffer();
}

export interface Reply {
  packet: Packet;
  bytes: Buffer;
}

const parse = (bytes: Buffer): Reply => ({ packet: Packet.parse(bytes), bytes });

/** Sends one datagram and waits for one reply (or rejects after timeoutMs). */
export function udpExchange(port: number, message: Buffer, timeoutMs = 2000): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = createSocket('udp4');
    const timer = setTimeout(() => {
      socket.close();
      reject(new Error('udp: no reply'));
    }, timeoutMs);
    socket.once('message', (data) => {
      clearTimeout(timer);
      socket.close();
      resolve(data);
    });
    socket.send(message, port, '127.0.0.1');
  });
}

export async function udpQuery(port: number, name: string, type: number, options: QueryOptions = {}, timeoutMs = 2000): Promise<Reply> {
  return parse(await udpExchange(port, buildQuery(name, type, options), timeoutMs));
}

/** A TCP connection that reads length-prefixed replies. */
export class TcpConnection {
  private buffered: Buffer = Buffer.alloc(0);
  private waiters: ((b: Buffer) => void)[] = [];
  readonly closed: Promise<void>;

  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.buffered = Buffer.concat([this.buffered, chunk]);
      this.drain();
    });
    this.closed = new Promise((resolve) => socket.on('close', () => resolve()));
    socket.on('error', () => undefined);
  }

  static open(port: number): Promise<TcpConnection> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => resolve(new TcpConnection(socket)));
      socket.once('error', reject);
    });
  }

  send(message: Buffer): void {
    const prefix = Buffer.alloc(2);
    prefix.writeUInt16BE(message.length);
    this.socket.write(Buffer.concat([prefix, message]));
  }

  writeRaw(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  next(timeoutMs = 2000): Promise<Reply> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('tcp: no reply')), timeoutMs);
      this.waiters.push((bytes) => {
        clearTimeout(timer);
        resolve(parse(bytes));
      });
      this.drain();
    });
  }

  close(): void {
    this.socket.destroy();
  }

  /** Every complete reply received and not yet taken by next(). */
  received(): Reply[] {
    const out: Reply[] = [];
    for (;;) {
      const message = this.take();
      if (!message) return out;
      out.push(parse(message));
    }
  }

  private take(): Buffer | undefined {
    if (this.buffered.length < 2) return undefined;
    const length = this.buffered.readUInt16BE(0);
    if (this.buffered.length < 2 + length) return undefined;
    const message = this.buffered.subarray(2, 2 + length);
    this.buffered = this.buffered.subarray(2 + length);
    return message;
  }

  private drain(): void {
    while (this.waiters.length) {
      const message = this.take();
      if (!message) return;
      this.waiters.shift()!(message);
    }
  }
}

export async function tcpQuery(port: number, name: string, type: number, options: QueryOptions = {}): Promise<Reply> {
  const conn = await TcpConnection.open(port);
  try {
    conn.send(buildQuery(name, type, options));
    return await conn.next();
  } finally {
    conn.close();
  }
}
