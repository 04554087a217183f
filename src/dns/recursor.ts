import { createSocket } from 'node:dgram';
import { connect, isIPv6 } from 'node:net';
import { errorMessage } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';
import type { Random } from '../shared/random.js';
import { RCODE } from './records.js';

/**
 * Forwarding names outside our zones to upstream resolvers (Consul's `recursors`): the query is
 * sent as it came, under an ID of our own, over the transport the client used; a UDP reply with
 * TC set is asked again over TCP. An upstream that times out, fails or answers anything but
 * NOERROR / NXDOMAIN is skipped for the next one (in order, or in random order with
 * recursor_strategy "random"). The reply goes back as the upstream wrote it, under the client's ID.
 */

export interface RecursorOptions {
  /** `ip:port` (`[v6]:port`) addresses; config normalises them, adding port 53. */
  servers: readonly string[];
  timeoutMs: number;
  strategy: 'sequential' | 'random';
  random: Random;
  logger: Logger;
}

export interface Upstream {
  host: string;
  port: number;
}

/** Upper bound on one upstream answer over TCP (the 16-bit length prefix). */
const MAX_TCP_REPLY = 65535;

export function parseUpstream(address: string): Upstream | undefined {
  const v6 = /^\[([^\]]+)\]:(\d+)$/.exec(address);
  if (v6) return { host: v6[1]!, port: Number(v6[2]) };
  const v4 = /^([^:]+):(\d+)$/.exec(address);
  if (v4) return { host: v4[1]!, port: Number(v4[2]) };
  if (isIPv6(address)) return { host: address, port: 53 };
  return address.includes(':') ? undefined : { host: address, port: 53 };
}

export class Recursor {
  private readonly upstreams: Upstream[];

  constructor(private readonly options: RecursorOptions) {
    this.upstreams = options.servers.flatMap((s) => {
      const upstream = parseUpstream(s);
      return upstream ? [upstream] : [];
    });
  }

  get configured(): boolean {
    return this.upstreams.length > 0;
  }

  /** The upstream's reply under the query's ID, or undefined when every upstream failed. */
  async forward(query: Buffer, transport: 'udp' | 'tcp'): Promise<Buffer | undefined> {
    const clientId = query.readUInt16BE(0);
    const order = this.order();
    for (const upstream of order) {
      const id = this.options.random.int(0x10000);
      const out = Buffer.from(query);
      out.writeUInt16BE(id, 0);
      try {
        let reply = transport === 'udp' ? await udpExchange(upstream, out, id, this.options.timeoutMs) : await tcpExchange(upstream, out, id, this.options.timeoutMs);
        if (transport === 'udp' && reply[2]! & 0x02) reply = await tcpExchange(upstream, out, id, this.options.timeoutMs);
        const rcode = reply[3]! & 0x0f;
        if (rcode !== RCODE.NOERROR && rcode !== RCODE.NXDOMAIN) {
          this.options.logger.debug({ upstream: `${upstream.host}:${upstream.port}`, rcode }, 'recursor answered with an error, trying the next');
          continue;
        }
        const back = Buffer.from(reply);
        back.writeUInt16BE(clientId, 0);
        return back;
      } catch (err) {
        this.options.logger.debug({ upstream: `${upstream.host}:${upstream.port}`, err: errorMessage(err) }, 'recursor failed, trying the next');
      }
    }
    this.options.logger.warn({ recursors: this.upstreams.length }, 'every recursor failed');
    return undefined;
  }

  private order(): Upstream[] {
    if (this.options.strategy !== 'random') return this.upstreams;
    const out = [...this.upstreams];
    for (let i = out.length - 1; i > 0; i--) {
      const j = this.options.random.int(i + 1);
      [out[i], out[j]] = [out[j]!, out[i]!];
    }
    return out;
  }
}

function udpExchange(upstream: Upstream, message: Buffer, id: number, timeoutMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = createSocket(isIPv6(upstream.host) ? 'udp6' : 'udp4');
    let done = false;
    const finish = (err: Error | undefined, reply?: Buffer): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.close();
      if (err) reject(err);
      else resolve(reply!);
    };
    const timer = setTimeout(() => finish(new Error(`no reply within ${timeoutMs}ms`)), timeoutMs);
    socket.on('error', (err) => finish(err));
    socket.on('message', (reply, from) => {
      // Anything but the reply to our query from the upstream we asked is ignored.
      if (from.port !== upstream.port || reply.length < 12 || reply.readUInt16BE(0) !== id || !(reply[2]! & 0x80)) return;
      finish(undefined, reply);
    });
    socket.send(message, upstream.port, upstream.host, (err) => {
      if (err) finish(err);
    });
  });
}

function tcpExchange(upstream: Upstream, message: Buffer, id: number, timeoutMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = connect(upstream.port, upstream.host);
    let buffered = Buffer.alloc(0);
    let done = false;
    const finish = (err: Error | undefined, reply?: Buffer): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      if (err) reject(err);
      else resolve(reply!);
    };
    const timer = setTimeout(() => finish(new Error(`no TCP reply within ${timeoutMs}ms`)), timeoutMs);
    socket.on('error', (err) => finish(err));
    socket.on('close', () => finish(new Error('connection closed before a reply')));
    socket.on('connect', () => {
      const prefix = Buffer.alloc(2);
      prefix.writeUInt16BE(message.length);
      socket.write(Buffer.concat([prefix, message]));
    });
    socket.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      if (buffered.length > MAX_TCP_REPLY + 2) return finish(new Error('TCP reply too long'));
      while (buffered.length >= 2) {
        const length = buffered.readUInt16BE(0);
        if (buffered.length < 2 + length) return;
        const reply = buffered.subarray(2, 2 + length);
        buffered = buffered.subarray(2 + length);
        if (reply.length >= 12 && reply.readUInt16BE(0) === id) return finish(undefined, Buffer.from(reply));
      }
    });
  });
}
