import { formatIp, ipToHex, type IpAddress } from './ip.js';

/**
 * DNS answers as plain data. resolve.ts produces these and knows nothing of any wire library;
 * only wire.ts turns them into packets.
 * Names carry no trailing dot; every record is class IN; TTLs are whole seconds.
 */

export const QTYPE = {
  A: 1,
  NS: 2,
  CNAME: 5,
  SOA: 6,
  PTR: 12,
  TXT: 16,
  AAAA: 28,
  SRV: 33,
  OPT: 41,
  IXFR: 251,
  AXFR: 252,
  ANY: 255,
} as const;

export const RCODE = {
  NOERROR: 0,
  FORMERR: 1,
  SERVFAIL: 2,
  NXDOMAIN: 3,
  NOTIMP: 4,
  REFUSED: 5,
} as const;
export type Rcode = (typeof RCODE)[keyof typeof RCODE];

interface Base {
  name: string;
  ttl: number;
}

export type DnsRecord =
  | (Base & { type: 'A'; address: string })
  | (Base & { type: 'AAAA'; address: string })
  | (Base & { type: 'SRV'; priority: number; weight: number; port: number; target: string })
  /** One logical string; the encoder splits it into 255-byte character-strings. */
  | (Base & { type: 'TXT'; text: string })
  | (Base & { type: 'CNAME'; target: string })
  | (Base & { type: 'PTR'; target: string })
  | (Base & { type: 'NS'; target: string })
  | (Base & {
      type: 'SOA';
      mname: string;
      rname: string;
      serial: number;
      refresh: number;
      retry: number;
      expire: number;
      minimum: number;
    });

export interface DnsResponse {
  rcode: Rcode;
  /** AA: set on everything we answer for our own zones; not on REFUSED. */
  authoritative: boolean;
  answer: DnsRecord[];
  authority: DnsRecord[];
  additional: DnsRecord[];
}

// ---- names ------------------------------------------------------------------------------------

/**
 * Whether a name can go on the wire: labels of 1–63 printable ASCII characters, at most 255
 * octets in all. Node and service names come from users, so a record built from one that
 * breaks these rules is skipped rather than failing the whole reply.
 */
export function isEncodableName(name: string): boolean {
  if (name === '') return true;
  const labels = name.split('.');
  let octets = 1;
  for (const label of labels) {
    if (label.length < 1 || label.length > 63 || !/^[\x21-\x7e]+$/.test(label)) return false;
    octets += label.length + 1;
  }
  return octets <= 255;
}

export function nodeFqdn(node: string, datacenter: string, domain: string): string {
  return `${node}.node.${datacenter}.${domain}`;
}

export function serviceFqdn(service: string, datacenter: string, domain: string): string {
  return `${service}.service.${datacenter}.${domain}`;
}

export function addrFqdn(ip: IpAddress, datacenter: string, domain: string): string {
  return `${ipToHex(ip)}.addr.${datacenter}.${domain}`;
}

/** Case-insensitive key of a name, for matching SRV targets with additional records. */
export function nameKey(name: string): string {
  return name.toLowerCase().replace(/\.$/, '');
}

// ---- record builders -------------------------------------------------------------------------

export function ipRecord(name: string, ip: IpAddress, ttl: number): DnsRecord {
  return { type: ip.family === 4 ? 'A' : 'AAAA', name, ttl, address: formatIp(ip) };
}

/** SOA timers (Consul's dns_config.soa defaults). The SOA's own TTL is its minimum. */
export const SOA_TIMERS = { refresh: 3600, retry: 600, expire: 86400, minimum: 0 } as const;

export function soaRecord(domain: string, nowMs: number): DnsRecord {
  return {
    type: 'SOA',
    name: domain,
    ttl: SOA_TIMERS.minimum,
    mname: `ns.${domain}`,
    rname: `hostmaster.${domain}`,
    // The serial is the current unix time, so it only ever grows (uint32 on the wire).
    serial: Math.floor(nowMs / 1000) >>> 0,
    ...SOA_TIMERS,
  };
}

/**
 * Node metadata as TXT records: keys starting `rfc1035-` give the bare value, others the
 * RFC 1464 `key=value` form with backquote escaping. Sorted by key so answers are stable.
 */
export function nodeMetaTxt(name: string, meta: Record<string, string>, ttl: number): DnsRecord[] {
  return Object.keys(meta)
    .sort()
    .map((key) => {
      const value = meta[key] ?? '';
      const text = key.toLowerCase().startsWith('rfc1035-') ? value : rfc1464(key, value);
      return { type: 'TXT', name, ttl, text };
    });
}

function rfc1464(key: string, value: string): string {
  let k = key.replace(/`/g, '``').replace(/=/g, '`=');
  k = k.replace(/^ +/, (spaces) => '` '.repeat(spaces.length));
  k = k.replace(/ +$/, (spaces) => '` '.repeat(spaces.length));
  return `${k}=${value.replace(/`/g, '``')}`;
}

/** A TXT string as wire character-strings: UTF-8, at most 255 bytes each, at least one. */
export function txtChunks(text: string): Buffer[] {
  const bytes = Buffer.from(text, 'utf8');
  const chunks: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += 255) chunks.push(bytes.subarray(i, i + 255));
  return chunks.length ? chunks : [Buffer.alloc(0)];
}

/** Identity of a record's content, for collapsing duplicates. */
export function recordKey(record: DnsRecord): string {
  const { name, ...rest } = record;
  return `${nameKey(name)} ${JSON.stringify(rest)}`;
}

export function dedupe(records: readonly DnsRecord[]): DnsRecord[] {
  const seen = new Set<string>();
  return records.filter((record) => {
    const key = recordKey(record);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
