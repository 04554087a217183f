import type { CatalogReader } from '../catalog/reader.js';
import type { DnsConfig } from '../config/types.js';
import type { Clock } from '../shared/clock.js';
import type { Random } from '../shared/random.js';
import { parseIp } from './ip.js';
import type { DnsDomains } from './parse.js';
import { ipRecord, isEncodableName, QTYPE, type DnsRecord } from './records.js';

/** What resolve needs besides the question: the zones, our datacenter, dns_config, seams. */
export interface ResolveOptions {
  domains: DnsDomains;
  datacenter: string;
  dns: DnsConfig;
  /** Shuffles instances on every query. */
  random: Random;
  /** SOA serials. */
  clock: Clock;
  /** The question carried EDNS: lifts the 5-record cap on records gathered behind a CNAME. */
  edns: boolean;
}

/** Shared by the lookups: the catalog, the options, and CNAME chasing back into resolve. */
export interface LookupContext {
  reader: CatalogReader;
  options: ResolveOptions;
  /** Records for a hostname an address pointed at: resolved internally when it is in one of
   *  our zones (depth-limited), otherwise nothing (hostnames outside are not recursed). */
  chase(host: string, ttl: number): DnsRecord[];
}

/** A lookup's records, or undefined for "no such name" (NXDOMAIN). */
export type Lookup = { answer: DnsRecord[]; additional: DnsRecord[] } | undefined;

/** Whether an address of this family answers this question type. */
export function familyMatches(family: 4 | 6, qtype: number): boolean {
  if (qtype === QTYPE.ANY) return true;
  return family === 4 ? qtype === QTYPE.A : qtype === QTYPE.AAAA;
}

/**
 * Records an address gives for a question: an A/AAAA owned by `owner` when the family fits
 * the type (an A query never gets AAAA and vice versa), or for a hostname a CNAME to it
 * followed by whatever chasing it finds. `cname` tells which of the two it was.
 */
export function addressAnswer(
  ctx: LookupContext,
  owner: string,
  qtype: number,
  address: string,
  ttl: number,
): { records: DnsRecord[]; cname: boolean } {
  const ip = parseIp(address);
  if (ip) return { records: familyMatches(ip.family, qtype) ? [ipRecord(owner, ip, ttl)] : [], cname: false };
  const host = address.replace(/\.$/, '');
  if (!isEncodableName(host)) return { records: [], cname: false };
  return { records: [{ type: 'CNAME', name: owner, ttl, target: host }, ...ctx.chase(host, ttl)], cname: true };
}
