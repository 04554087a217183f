// A tiny upstream resolver for the recursion tests (unit and integration).
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createServer, type Server, type Socket } from 'node:net';
import { Packet } from 'dns2';
import { QTYPE, RCODE } from '../../../src/dns/records.js';

/**
 * A tiny upstream resolver on loopback (UDP and TCP on one port):
 *   example.org       A 93.184.216.34
 *   big.example.org   40 A records; over UDP only a TC reply (forcing the retry over TCP)
 *   nx.example.org    NXDOMAIN
 *   *.fail.test       SERVFAIL
 *   4.3.2.1.in-addr.arpa  PTR outside.example.org
 * `mode: 'silent'` never answers (a dead recursor).
 */
export class Upstream {
  readonly asked: string[] = [];
  private udp!: UdpSocket;
  private tcp!: Server;
  private readonly sockets = new Set<Socket>();
  port = 0;

  constructor(
    private readonly mode: 'answer' | 'silent' | 'servfail' = 'answer',
    private readonly host = '127.0.0.1',
  ) {}

  async start(): Promise<this> {
    this.udp = createSocket('udp4');
    await new Promise<void>((resolve) => this.udp.bind(0, this.host, () => resolve()));
    this.port = this.udp.address().port;
    this.udp.on('message', (msg, from) => {
      const reply = this.reply(msg, 'udp');
      if (reply) this.udp.send(reply, from.port, from.address);
    });
    this.tcp = createServer((socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
      let buf = Buffer.alloc(0);
      socket.on('data', (chunk) => {
        buf = Buffer.concat([buf, chunk]);
        while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
          const msg = buf.subarray(2, 2 + buf.readUInt16BE(0));
          buf = buf.subarray(2 + msg.length);
          const reply = this.reply(msg, 'tcp');
          if (reply) {
            const prefix = Buffer.alloc(2);
            prefix.writeUInt16BE(reply.length);
            socket.write(Buffer.concat([prefix, reply]));
          }
        }
      });
      socket.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => this.tcp.listen(this.port, this.host, () => resolve()));
    return this;
  }

  address(): string {
    return `${this.host}:${this.port}`;
  }

  private reply(msg: Buffer, transport: 'udp' | 'tcp'): Buffer | undefined {
    const query = Packet.parse(msg);
    const question = query.questions[0]!;
    this.asked.push(`${transport} ${question.name}`);
    if (this.mode === 'silent') return undefined;
    const response = new Packet();
    response.header = new Packet.Header({ id: query.header.id, qr: 1, rd: query.header.rd, ra: 1 });
    response.questions = [question];
    const name = question.name.toLowerCase();
    if (this.mode === 'servfail' || name.endsWith('fail.test')) response.header.rcode = RCODE.SERVFAIL;
    else if (name === 'example.org') response.answers = [new Packet.Resource({ name: question.name, type: QTYPE.A, class: 1, ttl: 60, address: '93.184.216.34' })];
    else if (name === 'big.example.org') {
      if (transport === 'udp') response.header.tc = 1;
      else response.answers = Array.from({ length: 40 }, (_, i) => new Packet.Resource({ name: question.name, type: QTYPE.A, class: 1, ttl: 60, address: `192.0.2.${i + 1}` }));
    } else if (name === '4.3.2.1.in-addr.arpa') response.answers = [new Packet.Resource({ name: question.name, type: QTYPE.PTR, class: 1, ttl: 60, domain: 'outside.example.org' })];
    else response.header.rcode = RCODE.NXDOMAIN;
    return response.toBuffer();
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await Promise.all([new Promise<void>((r) => this.udp.close(() => r())), new Promise<void>((r) => this.tcp.close(() => r()))]);
  }
}

