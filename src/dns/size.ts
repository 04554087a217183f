import { txtChunks, type DnsRecord } from './records.js';

/**
 * Wire size of a reply, computed from the plain records so trimming never has to encode. Two
 * measures, as Consul uses two: uncompressed, and compressed the way our encoder (wire.ts)
 * compresses — every name but SRV targets, rdata names included, against earlier suffixes
 * (case-insensitively) at offsets below 16 KiB. A test holds this equal to the encoder's output.
 */

export interface MessageShape {
  questionName: string;
  answer: readonly DnsRecord[];
  authority: readonly DnsRecord[];
  additional: readonly DnsRecord[];
  /** Bytes appended after the additional records (the OPT record). */
  trailerBytes: number;
}

const HEADER = 12;
const RR_FIXED = 10; // type, class, ttl, rdlength
const MAX_POINTER_OFFSET = 0x4000;

export function messageSize(message: MessageShape, compress: boolean): number {
  const names = new NameSizer(compress);
  let offset = HEADER;
  offset += names.size(message.questionName, offset) + 4;
  for (const section of [message.answer, message.authority, message.additional]) {
    for (const record of section) offset = recordEnd(record, offset, names);
  }
  return offset + message.trailerBytes;
}

/** Size of an OPT record carrying these option payload lengths. */
export function optSize(optionLengths: readonly number[]): number {
  return 1 + RR_FIXED + optionLengths.reduce((sum, len) => sum + 4 + len, 0);
}

function recordEnd(record: DnsRecord, start: number, names: NameSizer): number {
  let offset = start + names.size(record.name, start) + RR_FIXED;
  switch (record.type) {
    case 'A':
      return offset + 4;
    case 'AAAA':
      return offset + 16;
    case 'SRV':
      offset += 6;
      // Written in full (RFC 2782), though later names may point into it.
      return offset + names.size(record.target, offset, false);
    case 'TXT':
      return offset + txtChunks(record.text).reduce((sum, chunk) => sum + 1 + chunk.length, 0);
    case 'CNAME':
    case 'PTR':
    case 'NS':
      return offset + names.size(record.target, offset);
    case 'SOA':
      offset += names.size(record.mname, offset);
      offset += names.size(record.rname, offset);
      return offset + 20;
  }
}

class NameSizer {
  private readonly seen = new Set<string>();

  constructor(private readonly compress: boolean) {}

  /** Bytes a name takes when written at `offset`, remembering its suffixes for later names. */
  size(name: string, offset: number, mayPoint = true): number {
    const labels = name.split('.').filter((label) => label !== '');
    let bytes = 0;
    for (let i = 0; i < labels.length; i++) {
      if (this.compress) {
        const suffix = labels.slice(i).join('.').toLowerCase();
        if (mayPoint && this.seen.has(suffix)) return bytes + 2;
        if (offset + bytes < MAX_POINTER_OFFSET) this.seen.add(suffix);
      }
      bytes += 1 + labels[i]!.length;
    }
    return bytes + 1;
  }
}
