/**
 * The server port (default 8300): one grpc-js Server hosting the Raft service (raft-transport.ts)
 * and the generic ServerRpc service (server-rpc.ts). Plain-text HTTP/2; every payload carries its
 * own version byte (see the codecs).
 */
import { createServer } from 'node:net';
import { Server, ServerCredentials, type ServiceDefinition, type UntypedServiceImplementation } from '@grpc/grpc-js';
import { AppError, errorMessage } from '../shared/errors.js';
import { silentLogger, type Logger } from '../shared/logger.js';
import { DEFAULT_MAX_MESSAGE_BYTES, DEFAULT_SERVER_PORT, joinHostPort } from './grpc-util.js';
import { RaftService, type RaftServiceOptions } from './raft-transport.js';
import { ServerRpcService } from './server-rpc.js';

export { DEFAULT_SERVER_PORT };

export interface RpcServerOptions {
  bindIp: string;
  /** Default 8300; 0 picks a free port (read it back from `port` after start). */
  port?: number;
  logger?: Logger;
  /** Options of the hosted RaftService (its inbox may also be attached later). */
  raft?: Omit<RaftServiceOptions, 'logger'>;
  /** Largest gRPC message received or sent (default 64 MiB: append batches, snapshot chunks). */
  maxMessageBytes?: number;
  /** stop() waits this long for calls in flight before cutting connections (default 2 s). */
  stopGraceMs?: number;
}

export class RpcServer {
  readonly raft: RaftService;
  readonly rpc: ServerRpcService;
  private readonly bindIp: string;
  private boundPort: number;
  private readonly logger: Logger;
  private readonly maxMessageBytes: number;
  private readonly stopGraceMs: number;
  private server: Server | null = null;

  constructor(options: RpcServerOptions) {
    this.bindIp = options.bindIp;
    this.boundPort = options.port ?? DEFAULT_SERVER_PORT;
    this.logger = (options.logger ?? silentLogger()).child({ module: 'rpc' });
    this.maxMessageBytes = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
    this.stopGraceMs = options.stopGraceMs ?? 2_000;
    this.raft = new RaftService({ ...options.raft, logger: options.logger ?? silentLogger() });
    this.rpc = new ServerRpcService({ logger: options.logger ?? silentLogger() });
  }

  private readonly extraServices: { definition: ServiceDefinition; implementation: UntypedServiceImplementation }[] = [];

  /** Host another service on the same port (e.g. the catalog stream); call before start(). */
  addService(definition: ServiceDefinition, implementation: UntypedServiceImplementation): void {
    if (this.server) throw new AppError('INTERNAL', 'services must be added before the rpc server starts');
    this.extraServices.push({ definition, implementation });
  }

  /** `ip:port` (the real port once started). */
  get address(): string {
    return joinHostPort(this.bindIp, this.boundPort);
  }

  get port(): number {
    return this.boundPort;
  }

  get running(): boolean {
    return this.server !== null;
  }

  /** Binds and serves. A bind failure is an AppError('UNAVAILABLE') naming the address. */
  async start(): Promise<void> {
    if (this.server) return;
    const server = new Server({
      'grpc.max_receive_message_length': this.maxMessageBytes,
      'grpc.max_send_message_length': this.maxMessageBytes,
      // Drop connections of peers that vanished without a FIN.
      'grpc.keepalive_time_ms': 20_000,
      'grpc.keepalive_timeout_ms': 10_000,
      // Leave channelz on: with it off, grpc-js 1.14's forceShutdown() does not find the open
      // sessions and leaves them (and calls in flight) hanging.
    });
    server.addService(this.raft.definition, this.raft.implementation);
    server.addService(this.rpc.definition, this.rpc.implementation);
    for (const extra of this.extraServices) server.addService(extra.definition, extra.implementation);
    const wanted = this.address;
    try {
      // grpc-js logs its own bind failure to stderr ("No address added ..."); a plain listen
      // first turns the common cases (in use, not our address) into just our clear error.
      if (this.boundPort !== 0) await probeListen(this.bindIp, this.boundPort);
      this.boundPort = await new Promise<number>((resolve, reject) => {
        server.bindAsync(wanted, ServerCredentials.createInsecure(), (err, port) => (err ? reject(err) : resolve(port)));
      });
    } catch (err) {
      server.forceShutdown();
      throw bindError(wanted, err);
    }
    this.server = server;
    this.logger.info({ address: this.address }, 'server rpc listening');
  }

  /**
   * Stops accepting calls, fails the peers' long-lived Raft streams (UNAVAILABLE: they reconnect
   * elsewhere or retry), lets unary calls finish for up to `stopGraceMs`, then cuts the rest.
   */
  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = null;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.logger.debug({ address: this.address }, 'graceful stop timed out, forcing');
        server.forceShutdown();
        resolve();
      }, this.stopGraceMs);
      server.tryShutdown(() => {
        clearTimeout(timer);
        resolve();
      });
      this.raft.closeStreams();
    });
    this.logger.info({ address: this.address }, 'server rpc stopped');
  }
}

function probeListen(ip: string, port: number): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen({ host: ip, port, exclusive: true }, () => probe.close(() => resolve()));
  });
}

function bindError(address: string, err: unknown): AppError {
  const text = errorMessage(err);
  if (/EADDRINUSE/.test(text)) return new AppError('UNAVAILABLE', `server port ${address} already in use`, { cause: err });
  if (/EADDRNOTAVAIL/.test(text)) return new AppError('UNAVAILABLE', `cannot bind server port ${address}: address not available on this host`, { cause: err });
  if (/EACCES/.test(text)) return new AppError('UNAVAILABLE', `cannot bind server port ${address}: permission denied`, { cause: err });
  return new AppError('UNAVAILABLE', `cannot bind server port ${address}: ${text}`, { cause: err });
}
