/** Stream transport over node:net: listens, dials, and wraps every socket in a FramedConn. */
import { connect, createServer, type Server, type Socket } from 'node:net';
import { AppError } from '../../shared/errors.js';
import { bindError, parseAddr, type HostPort } from './address.js';
import { FramedConn, type StreamOptions } from './framed-conn.js';

export interface StreamTransportOptions extends StreamOptions {
  /** Inbound connections open at once; more are refused (dropped) so a flood cannot exhaust us. */
  maxConnections?: number | undefined;
}

export const DEFAULT_MAX_CONNECTIONS = 128;

export type StreamHandler = (conn: FramedConn) => void;

export interface StreamTransport {
  readonly address: HostPort;
  dial(addr: string, timeoutMs: number): Promise<FramedConn>;
  onStream(handler: StreamHandler): void;
  /** Inbound connections dropped because the cap was reached. */
  readonly refusedConnections: number;
  close(): Promise<void>;
}

export class TcpTransport implements StreamTransport {
  private handlers: StreamHandler[] = [];
  private readonly open = new Set<Socket>();
  private refused = 0;

  private constructor(
    private readonly server: Server,
    readonly address: HostPort,
    private readonly options: StreamTransportOptions,
  ) {
    server.on('connection', (socket) => this.accept(socket));
    server.on('error', () => {}); // accept errors (EMFILE) must not crash the agent
  }

  static async listen(ip: string, port: number, options: StreamTransportOptions = {}): Promise<TcpTransport> {
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error): void => reject(bindError(err, 'tcp', { ip, port }));
      server.once('error', onError);
      server.listen({ host: ip, port, exclusive: true }, () => {
        server.off('error', onError);
        resolve();
      });
    });
    const bound = server.address();
    if (bound === null || typeof bound === 'string') throw new AppError('INTERNAL', 'tcp server has no address');
    return new TcpTransport(server, { ip: bound.address, port: bound.port }, options);
  }

  get refusedConnections(): number {
    return this.refused;
  }

  private accept(socket: Socket): void {
    if (this.open.size >= (this.options.maxConnections ?? DEFAULT_MAX_CONNECTIONS)) {
      this.refused++;
      socket.destroy();
      return;
    }
    this.open.add(socket);
    socket.once('close', () => this.open.delete(socket));
    const conn = new FramedConn(socket, this.options);
    if (this.handlers.length === 0) conn.destroy();
    for (const h of this.handlers) h(conn);
  }

  onStream(handler: StreamHandler): void {
    this.handlers.push(handler);
  }

  dial(addr: string, timeoutMs: number): Promise<FramedConn> {
    const { ip, port } = parseAddr(addr);
    return new Promise((resolve, reject) => {
      const socket = connect({ host: ip, port });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new AppError('UNAVAILABLE', `gossip stream dial to ${addr} timed out after ${timeoutMs}ms`));
      }, timeoutMs);
      socket.once('error', (err) => {
        clearTimeout(timer);
        reject(new AppError('UNAVAILABLE', `gossip stream dial to ${addr} failed: ${err.message}`, { cause: err }));
      });
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.removeAllListeners('error');
        resolve(new FramedConn(socket, this.options));
      });
    });
  }

  close(): Promise<void> {
    for (const s of this.open) s.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
