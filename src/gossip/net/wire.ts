/**
 * GossipWire: the one object the gossip runtime talks to. It binds UDP and TCP on the same
 * ip:port (gossip uses 8301 for both), packs messages into compound packets within the MTU,
 * seals them when a keyring is set, and hands decoded messages up with the sender's address.
 * Bad packets from the network are counted and dropped here, never thrown upward.
 */
import { AppError } from '../../shared/errors.js';
import type { Logger } from '../../shared/logger.js';
import { formatAddr, type HostPort } from './address.js';
import { DEFAULT_MTU, decodePacket, packMessages } from './codec.js';
import { GossipAuthError } from './errors.js';
import type { FramedConn } from './framed-conn.js';
import type { Keyring } from './keyring.js';
import { addLabel, labelHeader, stripLabel } from './label.js';
import { keyringCipher, type PayloadCipher } from './security.js';
import { TcpTransport, type StreamHandler, type StreamTransportOptions } from './tcp-transport.js';
import { UdpTransport } from './udp-transport.js';

export interface GossipWireOptions extends Omit<StreamTransportOptions, 'cipher'> {
  bindIp: string;
  /** 0 picks a free port (tests); UDP then binds the port TCP got. */
  bindPort: number;
  keyring?: Keyring | undefined;
  /** memberlist's gossip label: sent in clear on every packet and stream (and bound into the seal) so differently labelled pools ignore each other. */
  label?: string | undefined;
  mtu?: number | undefined;
  logger?: Logger | undefined;
}

export type MessageHandler = (from: string, message: object) => void;

export interface WireCounters {
  packetsSent: number;
  packetsReceived: number;
  messagesSent: number;
  messagesReceived: number;
  /** Packets dropped because they did not parse (bad version, lengths, msgpack…). */
  decodeErrors: number;
  /** Packets dropped because no installed key opened them, or they carried another pool's label. */
  authErrors: number;
  /** Packets that could not be handed to the kernel. */
  sendErrors: number;
}

/** With port 0 the kernel may hand TCP a port UDP cannot get; a few fresh tries settle it. */
const EPHEMERAL_BIND_ATTEMPTS = 5;

export class GossipWire {
  readonly counters: WireCounters = {
    packetsSent: 0,
    packetsReceived: 0,
    messagesSent: 0,
    messagesReceived: 0,
    decodeErrors: 0,
    authErrors: 0,
    sendErrors: 0,
  };
  private handlers: MessageHandler[] = [];
  private readonly cipher: PayloadCipher | undefined;
  private readonly mtu: number;
  private readonly label: string;

  private constructor(
    private readonly udp: UdpTransport,
    private readonly tcp: TcpTransport,
    private readonly options: GossipWireOptions,
    cipher: PayloadCipher | undefined,
  ) {
    this.cipher = cipher;
    this.mtu = options.mtu ?? DEFAULT_MTU;
    this.label = options.label ?? '';
    udp.onPacket((from, bytes) => this.receive(from, bytes));
  }

  static async start(options: GossipWireOptions): Promise<GossipWire> {
    labelHeader(options.label ?? ''); // validates the label before anything binds
    const cipher = options.keyring ? keyringCipher(options.keyring, options.label ?? '') : undefined;
    const streamOptions: StreamTransportOptions = { ...options, cipher };
    for (let attempt = 1; ; attempt++) {
      const tcp = await TcpTransport.listen(options.bindIp, options.bindPort, streamOptions);
      try {
        const udp = await UdpTransport.bind(options.bindIp, tcp.address.port);
        return new GossipWire(udp, tcp, options, cipher);
      } catch (err) {
        await tcp.close();
        const retry = options.bindPort === 0 && attempt < EPHEMERAL_BIND_ATTEMPTS && err instanceof AppError && err.code === 'UNAVAILABLE';
        if (!retry) throw err;
      }
    }
  }

  /** The address peers reach us on, `ip:port`, for both UDP and TCP. */
  get addr(): string {
    return formatAddr(this.address);
  }

  get address(): HostPort {
    return this.udp.address;
  }

  onMessage(handler: MessageHandler): void {
    this.handlers.push(handler);
  }

  onStream(handler: StreamHandler): void {
    this.tcp.onStream(handler);
  }

  dial(addr: string, timeoutMs: number): Promise<FramedConn> {
    return this.tcp.dial(addr, timeoutMs);
  }

  /** Sends best effort, as UDP is: failures are counted and logged, not thrown. */
  async send(addr: string, messages: readonly object[]): Promise<void> {
    if (messages.length === 0) return;
    const budget = this.mtu - (this.cipher?.overhead ?? 0) - labelHeader(this.label).length;
    const packets = packMessages(messages, budget);
    this.counters.messagesSent += messages.length;
    for (const packet of packets) {
      try {
        await this.udp.send(addr, addLabel(this.cipher ? this.cipher.seal(packet) : packet, this.label));
        this.counters.packetsSent++;
      } catch (err) {
        this.counters.sendErrors++;
        this.options.logger?.debug({ err, to: addr }, 'gossip packet send failed');
      }
    }
  }

  private receive(from: string, bytes: Uint8Array): void {
    this.counters.packetsReceived++;
    let messages: object[];
    try {
      const unlabelled = stripLabel(bytes, this.label);
      messages = decodePacket(this.cipher ? this.cipher.open(unlabelled) : unlabelled);
    } catch (err) {
      if (err instanceof GossipAuthError) this.counters.authErrors++;
      else this.counters.decodeErrors++;
      this.options.logger?.debug({ from, err: err instanceof Error ? err.message : String(err) }, 'gossip packet dropped');
      return;
    }
    this.counters.messagesReceived += messages.length;
    for (const m of messages) {
      for (const h of this.handlers) {
        try {
          h(from, m);
        } catch (err) {
          // A handler bug must not stop the other messages of this packet being delivered.
          this.options.logger?.error({ from, err }, 'gossip message handler threw');
        }
      }
    }
  }

  async close(): Promise<void> {
    await Promise.all([this.udp.close(), this.tcp.close()]);
  }
}
