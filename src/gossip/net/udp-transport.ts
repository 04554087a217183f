/** Datagram transport over node:dgram: bytes in, bytes out, nothing interpreted. */
import { createSocket, type Socket } from 'node:dgram';
import { isIP } from 'node:net';
import { bindError, formatAddr, parseAddr, type HostPort } from './address.js';

export type PacketHandler = (from: string, bytes: Uint8Array) => void;

export interface PacketTransport {
  readonly address: HostPort;
  send(addr: string, bytes: Uint8Array): Promise<void>;
  onPacket(handler: PacketHandler): void;
  close(): Promise<void>;
}

export class UdpTransport implements PacketTransport {
  private handlers: PacketHandler[] = [];
  private closed = false;

  private constructor(
    private readonly socket: Socket,
    readonly address: HostPort,
  ) {
    socket.on('message', (msg, rinfo) => {
      const from = formatAddr({ ip: rinfo.address, port: rinfo.port });
      for (const h of this.handlers) h(from, msg);
    });
    // A send error (e.g. ICMP unreachable surfaced on some platforms) must not crash the agent.
    socket.on('error', () => {});
  }

  static async bind(ip: string, port: number): Promise<UdpTransport> {
    const socket = createSocket({ type: isIP(ip) === 6 ? 'udp6' : 'udp4' });
    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error): void => {
        socket.close();
        reject(bindError(err, 'udp', { ip, port }));
      };
      socket.once('error', onError);
      socket.bind(port, ip, () => {
        socket.off('error', onError);
        resolve();
      });
    });
    const bound = socket.address();
    return new UdpTransport(socket, { ip: bound.address, port: bound.port });
  }

  send(addr: string, bytes: Uint8Array): Promise<void> {
    const { ip, port } = parseAddr(addr);
    return new Promise((resolve, reject) => {
      this.socket.send(bytes, port, ip, (err) => (err ? reject(err) : resolve()));
    });
  }

  onPacket(handler: PacketHandler): void {
    this.handlers.push(handler);
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }
}
