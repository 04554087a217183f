import { QTYPE, RCODE, txtChunks, type DnsRecord, type DnsResponse, type Rcode } from './records.js';

/**
 * The DNS wire format, both ways, without a library in the hot path (issue #6: dns2's encoder
 * was ~63% of the CPU profile and compressed SRV targets, which RFC 2782 and RFC 3597 §4 forbid).
 *
 * Queries are decoded strictly: one question whose name is written out (a compression pointer
 * in the question is FORMERR), at most 1 answer, 1 authority and 2 additional records (as
 * miekg/dns, Consul's library, accepts), an OPT record read for its UDP size and Client Subnet.
 * Replies are encoded with name compression (case-insensitive suffix matching, pointers only to
 * offsets below 16 KiB), except SRV targets, which are written out in full — later names may
 * still point into them.
 */

/** What a client asked for in its OPT record. */
export interface EdnsRequest {
  udpSize: number;
  /** EDNS version asked for; only 0 exists (RFC 6891), others get BADVERS. */
  version?: number;
  /** EDNS Client Subnet, echoed back with scope 0 (the answer holds for every client). */
  subnet?: { family: 1 | 2; sourcePrefixLength: number; address: Buffer };
}

export interface WireQuery {
  id: number;
  /** The header's flag word as received. */
  flags: number;
  qtype: number;
  qclass: number;
  /** Offset just past the question name, and past the question (type and class). */
  nameEnd: number;
  questionEnd: number;
  /** The question name's wire bytes, lower-cased (latin1): a cache key part. */
  nameKey: string;
  edns?: EdnsRequest;
}

export interface QuestionName {
  /** As asked: no trailing dot; bytes outside printable ASCII, dots and backslashes inside a
   *  label written `\DDD`, so such a name never matches a catalog name. */
  name: string;
  /** Lower-cased labels (for compression against the question). */
  labels: string[];
}

export type DecodeResult =
  | { ok: true; query: WireQuery }
  /** `rcode` undefined: drop silently. */
  | { ok: false; reason: string; rcode?: Rcode };

const HEADER = 12;
const QR = 0x8000;
const AA = 0x0400;
const TC = 0x0200;
const RD = 0x0100;
const RA = 0x0080;
const CD = 0x0010;
const OPCODE_MASK = 0x7800;
const ECS = 8;
/** Longest name on the wire (RFC 1035 §2.3.4). */
const MAX_NAME = 255;

export function decodeQuery(raw: Buffer): DecodeResult {
  if (raw.length < HEADER) return { ok: false, reason: 'shorter than a DNS header' };
  const flags = raw.readUInt16BE(2);
  // Answering a response could start a loop between two servers: drop it.
  if (flags & QR) return { ok: false, reason: 'a response, not a query' };
  if (flags & OPCODE_MASK) return { ok: false, reason: 'opcode is not QUERY', rcode: RCODE.NOTIMP };
  const qd = raw.readUInt16BE(4);
  const an = raw.readUInt16BE(6);
  const ns = raw.readUInt16BE(8);
  const ar = raw.readUInt16BE(10);
  if (qd !== 1 || an > 1 || ns > 1 || ar > 2) return { ok: false, reason: `record counts ${qd}/${an}/${ns}/${ar}`, rcode: RCODE.FORMERR };

  let at = HEADER;
  let nameLength = 1;
  for (;;) {
    if (at >= raw.length) return formerr('question name runs past the end');
    const len = raw[at]!;
    if (len === 0) break;
    if (len > 63) return formerr('compression pointer or bad label length in the question');
    nameLength += len + 1;
    if (nameLength > MAX_NAME) return formerr('question name longer than 255 octets');
    if (at + 1 + len > raw.length) return formerr('question name runs past the end');
    at += 1 + len;
  }
  const nameEnd = at + 1;
  at = nameEnd;
  if (at + 4 > raw.length) return formerr('question type and class missing');
  const qtype = raw.readUInt16BE(at);
  const qclass = raw.readUInt16BE(at + 2);
  const questionEnd = at + 4;

  // Answer and authority records are skipped; additional records are looked at for OPT.
  let edns: EdnsRequest | undefined;
  at = questionEnd;
  for (let i = 0; i < an + ns + ar; i++) {
    const ownerEnd = skipName(raw, at);
    if (ownerEnd < 0 || ownerEnd + 10 > raw.length) return formerr('truncated record');
    const type = raw.readUInt16BE(ownerEnd);
    const rdlength = raw.readUInt16BE(ownerEnd + 8);
    const rdata = ownerEnd + 10;
    if (rdata + rdlength > raw.length) return formerr('record data runs past the end');
    if (type === QTYPE.OPT) {
      if (i < an + ns) return formerr('OPT outside the additional section');
      if (edns) return formerr('two OPT records');
      if (ownerEnd !== at + 1 || raw[at] !== 0) return formerr('OPT owner is not the root');
      edns = { udpSize: raw.readUInt16BE(ownerEnd + 2) };
      const version = raw[ownerEnd + 5]!;
      if (version !== 0) edns.version = version;
      const subnet = readSubnet(raw, rdata, rdata + rdlength);
      if (subnet) edns.subnet = subnet;
    }
    at = rdata + rdlength;
  }
  const nameKey = raw.toString('latin1', HEADER, nameEnd).toLowerCase();
  const query: WireQuery = { id: raw.readUInt16BE(0), flags, qtype, qclass, nameEnd, questionEnd, nameKey };
  if (edns) query.edns = edns;
  return { ok: true, query };
}

/** The question name of a decoded query, as text. */
export function questionName(raw: Buffer, query: WireQuery): QuestionName {
  const labels: string[] = [];
  const shown: string[] = [];
  for (let at = HEADER; at < query.nameEnd - 1; ) {
    const len = raw[at]!;
    const label = raw.toString('latin1', at + 1, at + 1 + len);
    labels.push(label.toLowerCase());
    shown.push(/^[\x21-\x2d\x2f-\x5b\x5d-\x7e]+$/.test(label) ? label : escapeLabel(label));
    at += 1 + len;
  }
  return { name: shown.join('.'), labels };
}

const formerr = (reason: string): DecodeResult => ({ ok: false, reason, rcode: RCODE.FORMERR });

function escapeLabel(label: string): string {
  let out = '';
  for (let i = 0; i < label.length; i++) {
    const c = label.charCodeAt(i);
    out += c > 0x20 && c < 0x7f && c !== 0x2e && c !== 0x5c ? label[i] : `\\${String(c).padStart(3, '0')}`;
  }
  return out;
}

/** Offset after a (possibly compressed) name in a record, or -1. Pointers are not followed, so
 *  a pointer loop costs nothing. */
function skipName(raw: Buffer, start: number): number {
  let at = start;
  for (let guard = 0; guard < 128; guard++) {
    if (at >= raw.length) return -1;
    const len = raw[at]!;
    if (len === 0) return at + 1;
    if ((len & 0xc0) === 0xc0) return at + 2 <= raw.length ? at + 2 : -1;
    if (len > 63) return -1;
    at += 1 + len;
  }
  return -1;
}

function readSubnet(raw: Buffer, start: number, end: number): EdnsRequest['subnet'] {
  let at = start;
  while (at + 4 <= end) {
    const code = raw.readUInt16BE(at);
    const length = raw.readUInt16BE(at + 2);
    const data = at + 4;
    if (data + length > end) return undefined;
    if (code === ECS && length >= 4) {
      const family = raw.readUInt16BE(data);
      const prefix = raw[data + 2]!;
      const bytes = Math.ceil(prefix / 8);
      const max = family === 1 ? 4 : family === 2 ? 16 : -1;
      if ((family === 1 || family === 2) && bytes <= max && length === 4 + bytes) {
        return { family, sourcePrefixLength: prefix, address: Buffer.from(raw.subarray(data + 4, data + 4 + bytes)) };
      }
      return undefined;
    }
    at = data + length;
  }
  return undefined;
}

// ---- replies -----------------------------------------------------------------------------------

export interface ReplyHeader {
  id: number;
  /** The query's flag word: opcode, RD and CD are copied from it. */
  queryFlags: number;
  authoritative: boolean;
  truncated: boolean;
  recursionAvailable: boolean;
  rcode: Rcode;
}

/** Bytes of the OPT record a reply to this EDNS request carries. */
export function optBytes(edns: EdnsRequest): number {
  return 11 + (edns.subnet ? 4 + 4 + edns.subnet.address.length : 0);
}

const MAX_MESSAGE = 65535;
const MAX_POINTER = 0x4000;
let scratch = Buffer.allocUnsafe(MAX_MESSAGE + 1024);

/**
 * A whole reply. `question` is the query's question section as received (name, type, class):
 * it is copied, so the reply echoes the name exactly as asked.
 */
export function encodeReply(
  header: ReplyHeader,
  question: { bytes: Buffer; labels: readonly string[] },
  response: Pick<DnsResponse, 'answer' | 'authority' | 'additional'>,
  edns?: EdnsRequest,
  /** The upper 8 bits of a 12-bit rcode, carried in the OPT record (1 = BADVERS). */
  extendedRcode = 0,
): Buffer {
  const w = new Writer(scratch);
  const qf = header.queryFlags;
  let flags = QR | (qf & (OPCODE_MASK | RD | CD)) | (header.rcode & 0xf);
  if (header.authoritative) flags |= AA;
  if (header.truncated) flags |= TC;
  if (header.recursionAvailable) flags |= RA;
  w.u16(header.id);
  w.u16(flags);
  w.u16(1);
  w.u16(response.answer.length);
  w.u16(response.authority.length);
  w.u16(response.additional.length + (edns ? 1 : 0));
  w.question(question.bytes, question.labels);
  for (const record of response.answer) w.record(record);
  for (const record of response.authority) w.record(record);
  for (const record of response.additional) w.record(record);
  if (edns) w.opt(edns, extendedRcode);
  return Buffer.from(w.buf.subarray(0, w.at));
}

/** A bare header answering `raw`: its id, opcode, RD and CD, QR set, no sections. */
export function headerReply(raw: Buffer, rcode: Rcode, recursionAvailable = false): Buffer {
  const out = Buffer.alloc(HEADER);
  raw.copy(out, 0, 0, Math.min(2, raw.length));
  const flags = raw.length >= 4 ? raw.readUInt16BE(2) : 0;
  out.writeUInt16BE(QR | (flags & (OPCODE_MASK | RD | CD)) | (recursionAvailable ? RA : 0) | rcode, 2);
  return out;
}

class Writer {
  at = 0;
  private readonly names = new Map<string, number>();

  constructor(public buf: Buffer) {}

  private room(n: number): void {
    if (this.at + n <= this.buf.length) return;
    // Only a reply past 64 KiB gets here; grow so the caller can report its size.
    const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.at + n));
    this.buf.copy(bigger, 0, 0, this.at);
    this.buf = bigger;
    scratch = bigger;
  }

  u8(v: number): void {
    this.room(1);
    this.buf[this.at++] = v & 0xff;
  }

  u16(v: number): void {
    this.room(2);
    this.buf.writeUInt16BE(v & 0xffff, this.at);
    this.at += 2;
  }

  u32(v: number): void {
    this.room(4);
    this.buf.writeUInt32BE(v >>> 0, this.at);
    this.at += 4;
  }

  bytes(b: Buffer): void {
    this.room(b.length);
    b.copy(this.buf, this.at);
    this.at += b.length;
  }

  question(bytes: Buffer, labels: readonly string[]): void {
    let offset = this.at;
    // A label with a dot in it would make the suffix keys ambiguous: only what follows it counts.
    let from = 0;
    labels.forEach((label, i) => {
      if (label.includes('.')) from = i + 1;
    });
    for (let i = 0; i < labels.length; i++) {
      const suffix = labels.slice(i).join('.');
      if (i >= from && offset < MAX_POINTER && !this.names.has(suffix)) this.names.set(suffix, offset);
      offset += 1 + labels[i]!.length;
    }
    this.bytes(bytes);
  }

  name(name: string, compress: boolean): void {
    const labels = name.split('.').filter((l) => l !== '');
    for (let i = 0; i < labels.length; i++) {
      const suffix = labels.slice(i).join('.').toLowerCase();
      if (compress) {
        const pointer = this.names.get(suffix);
        if (pointer !== undefined) {
          this.u16(0xc000 | pointer);
          return;
        }
      }
      if (this.at < MAX_POINTER && !this.names.has(suffix)) this.names.set(suffix, this.at);
      const label = labels[i]!;
      this.room(1 + label.length);
      this.buf[this.at] = label.length;
      this.buf.write(label, this.at + 1, 'latin1');
      this.at += 1 + label.length;
    }
    this.u8(0);
  }

  record(record: DnsRecord): void {
    this.name(record.name, true);
    this.u16(QTYPE[record.type]);
    this.u16(1); // IN
    this.u32(record.ttl);
    const lengthAt = this.at;
    this.u16(0);
    const start = this.at;
    switch (record.type) {
      case 'A':
        for (const part of record.address.split('.')) this.u8(Number(part));
        break;
      case 'AAAA':
        for (const group of expandIpv6(record.address)) this.u16(group);
        break;
      case 'SRV':
        this.u16(record.priority);
        this.u16(record.weight);
        this.u16(record.port);
        // RFC 2782: "name compression is not to be used for this field".
        this.name(record.target, false);
        break;
      case 'TXT':
        for (const chunk of txtChunks(record.text)) {
          this.u8(chunk.length);
          this.bytes(chunk);
        }
        break;
      case 'CNAME':
      case 'PTR':
      case 'NS':
        this.name(record.target, true);
        break;
      case 'SOA':
        this.name(record.mname, true);
        this.name(record.rname, true);
        this.u32(record.serial);
        this.u32(record.refresh);
        this.u32(record.retry);
        this.u32(record.expire);
        this.u32(record.minimum);
        break;
    }
    this.buf.writeUInt16BE(this.at - start, lengthAt);
  }

  opt(edns: EdnsRequest, extendedRcode: number): void {
    this.u8(0); // root
    this.u16(QTYPE.OPT);
    this.u16(edns.udpSize); // the reply advertises the size the client did, as Consul's does
    this.u32((extendedRcode & 0xff) << 24); // extended rcode, version 0, no flags
    const subnet = edns.subnet;
    if (!subnet) {
      this.u16(0);
      return;
    }
    this.u16(4 + 4 + subnet.address.length);
    this.u16(ECS);
    this.u16(4 + subnet.address.length);
    this.u16(subnet.family);
    this.u8(subnet.sourcePrefixLength);
    this.u8(0); // scope: the answer does not depend on the client's address
    this.bytes(subnet.address);
  }
}

/** Eight 16-bit groups from an IPv6 text address (full or with `::`). */
function expandIpv6(text: string): number[] {
  const [head = '', tail] = text.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const zeros = tail === undefined ? 0 : 8 - left.length - right.length;
  return [...left, ...new Array<string>(zeros).fill('0'), ...right].map((g) => parseInt(g, 16) & 0xffff);
}
