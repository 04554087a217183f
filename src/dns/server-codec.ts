import { Packet, type Resource } from 'dns2';
import { QTYPE, txtChunks, type DnsRecord, type DnsResponse } from './records.js';
import { optSize } from './size.js';

/**
 * Plain records ↔ dns2 packets. This file and the transport are all that know dns2; a faster
 * encoder (issue #6) replaces encodeReply and nothing else changes.
 */

/** What the query's OPT record asked for. */
export interface EdnsRequest {
  udpSize: number;
  /** EDNS Client Subnet, echoed back with scope 0 (the answer holds for every client). */
  subnet?: { family: 1 | 2; sourcePrefixLength: number; ip: string };
}

const ECS_OPTION = 8;

interface Dns2EdnsOption {
  ednsCode?: number;
  family?: number;
  sourcePrefixLength?: number;
  ip?: string;
}

export function readEdns(request: Packet): EdnsRequest | undefined {
  const opt = request.additionals.find((r) => r.type === QTYPE.OPT) as (Resource & { rdata?: Dns2EdnsOption[] }) | undefined;
  if (!opt) return undefined;
  const ecs = (opt.rdata ?? []).find((o: Dns2EdnsOption) => o.ednsCode === ECS_OPTION);
  const edns: EdnsRequest = { udpSize: opt.class };
  if (ecs && (ecs.family === 1 || ecs.family === 2) && typeof ecs.ip === 'string' && typeof ecs.sourcePrefixLength === 'number') {
    edns.subnet = { family: ecs.family, sourcePrefixLength: ecs.sourcePrefixLength, ip: ecs.ip };
  }
  return edns;
}

/** Bytes the reply's OPT record will take (for trimming). */
export function ednsReplySize(edns: EdnsRequest): number {
  return optSize(edns.subnet ? [4 + Math.ceil(edns.subnet.sourcePrefixLength / 8)] : []);
}

export function encodeReply(
  request: Packet,
  response: DnsResponse,
  flags: { truncated: boolean; edns: EdnsRequest | undefined },
): Buffer {
  const packet = new Packet();
  packet.header = new Packet.Header({
    id: request.header.id,
    qr: 1,
    opcode: request.header.opcode,
    aa: response.authoritative ? 1 : 0,
    tc: flags.truncated ? 1 : 0,
    rd: request.header.rd,
    ra: 0, // no recursors, so no recursion on offer
    rcode: response.rcode,
  });
  packet.questions = request.questions.slice(0, 1);
  packet.answers = response.answer.map(toResource);
  packet.authorities = response.authority.map(toResource);
  packet.additionals = response.additional.map(toResource);
  if (flags.edns) packet.additionals.push(optResource(flags.edns));
  return packet.toBuffer();
}

function optResource(edns: EdnsRequest): Resource {
  const options = edns.subnet ? [{ ednsCode: ECS_OPTION, ...edns.subnet, scopePrefixLength: 0 }] : [];
  // The reply advertises the same UDP size the client did (as Consul does).
  return new Packet.Resource({ name: '', type: QTYPE.OPT, class: edns.udpSize, ttl: 0, rdata: options } as Partial<Resource>);
}

function toResource(record: DnsRecord): Resource {
  const base = { name: record.name, class: Packet.CLASS.IN, ttl: record.ttl };
  switch (record.type) {
    case 'A':
      return new Packet.Resource({ ...base, type: QTYPE.A, address: record.address });
    case 'AAAA':
      return new Packet.Resource({ ...base, type: QTYPE.AAAA, address: record.address });
    case 'SRV':
      return new Packet.Resource({ ...base, type: QTYPE.SRV, priority: record.priority, weight: record.weight, port: record.port, target: record.target });
    case 'TXT':
      // dns2 writes each Buffer as one character-string; txtChunks keeps them within 255 bytes.
      return new Packet.Resource({ ...base, type: QTYPE.TXT, data: txtChunks(record.text) as unknown as string[] });
    case 'CNAME':
      return new Packet.Resource({ ...base, type: QTYPE.CNAME, domain: record.target });
    case 'PTR':
      return new Packet.Resource({ ...base, type: QTYPE.PTR, domain: record.target });
    case 'NS':
      return new Packet.Resource({ ...base, type: QTYPE.NS, ns: record.target });
    case 'SOA':
      return new Packet.Resource({
        ...base,
        type: QTYPE.SOA,
        primary: record.mname,
        admin: record.rname,
        serial: record.serial,
        refresh: record.refresh,
        retry: record.retry,
        expiration: record.expire,
        minimum: record.minimum,
      });
  }
}
