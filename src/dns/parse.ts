import { arpaToIp, hexToIp, type IpAddress } from './ip.js';
import { QTYPE } from './records.js';

/**
 * Question name → what is being asked, following Consul's v1 `dispatch`: strip the domain,
 * scan the labels right to left for the first keyword; labels left of it are the query parts,
 * labels right of it the locality. Matching is case-insensitive (names are lower-cased here).
 * Nothing is looked up: whether a service, node or datacenter exists is resolve.ts's business.
 */

/** Our zones, normalised: lower-case, no leading or trailing dots; altDomain '' when unset. */
export interface DnsDomains {
  domain: string;
  altDomain: string;
}

export type DnsQuery =
  /** `[tag.]svc.service[.dc]`, or RFC 2782 `_svc._tag[.service][.dc]` (`_tcp` = no tag), or
   *  roster's multi-tag form `_svc._t1._t2…[.service][.dc]` (every tag required: `tags`). */
  | { kind: 'service'; service: string; tag?: string; tags?: string[]; datacenter?: string }
  /** `node.node[.dc]`; dots in the node part belong to the node name. */
  | { kind: 'node'; node: string; datacenter?: string }
  /** `<hex>.addr[.anything]`: a synthetic address. */
  | { kind: 'addr'; ip: IpAddress }
  /** `….in-addr.arpa` / `….ip6.arpa` reverse lookup of a full address. */
  | { kind: 'ptr'; ip: IpAddress }
  /** Forms Consul has that roster does not (prepared queries, mesh, virtual IPs, peering). */
  | { kind: 'unsupported'; form: 'query' | 'connect' | 'ingress' | 'virtual' | 'peer' }
  /** In one of our zones but not a valid name form: NXDOMAIN. */
  | { kind: 'invalid'; reason: string }
  /** Not in any zone of ours: forwarded to the recursors, REFUSED when there are none. */
  | { kind: 'outside' };

export interface ParsedQuestion {
  /** The name as asked (case kept, trailing dot dropped): answers are owned by it. */
  name: string;
  qtype: number;
  /** Zone answers are named in: whichever of domain/altDomain the question used; the
   *  primary domain for reverse lookups; '' when the name is outside our zones. */
  responseDomain: string;
  query: DnsQuery;
}

const KEYWORDS = new Set(['service', 'connect', 'virtual', 'ingress', 'node', 'query', 'addr']);

/** `consul.` / `.Consul` → `consul`. */
export function normaliseDomain(domain: string): string {
  return domain.toLowerCase().replace(/^\.+|\.+$/g, '');
}

export function parseQuestion(name: string, qtype: number, domains: DnsDomains): ParsedQuestion {
  const asked = name.replace(/\.$/, '');
  const lower = asked.toLowerCase();
  const zone = zoneOf(lower, domains);
  if (zone !== undefined) {
    const rest = lower.slice(0, Math.max(0, lower.length - zone.length - 1));
    const labels = rest === '' ? [] : rest.split('.');
    return { name: asked, qtype, responseDomain: zone, query: parseInZone(labels, qtype) };
  }
  if (lower === 'arpa' || lower.endsWith('.arpa')) {
    return { name: asked, qtype, responseDomain: domains.domain, query: parseReverse(lower) };
  }
  return { name: asked, qtype, responseDomain: '', query: { kind: 'outside' } };
}

/**
 * The longest of our domains a lower-case name is in (a name may be in both if one contains the
 * other), or undefined. Reverse (`arpa`) names are not counted.
 */
export function zoneOf(name: string, domains: DnsDomains): string | undefined {
  let best: string | undefined;
  for (const zone of [domains.domain, domains.altDomain]) {
    if (zone === '') continue;
    if ((name === zone || name.endsWith(`.${zone}`)) && (best === undefined || zone.length > best.length)) best = zone;
  }
  return best;
}

function parseInZone(labels: string[], qtype: number): DnsQuery {
  for (let i = labels.length - 1; i >= 0; i--) {
    const label = labels[i]!;
    if (KEYWORDS.has(label)) return parseForm(label, labels.slice(0, i), labels.slice(i + 1));
    // In SRV questions an `_x` label ends the scan too: the `service` keyword is optional in
    // the RFC 2782 form (`_web._tcp.consul`).
    if (qtype === QTYPE.SRV && label.startsWith('_')) return parseForm('service', labels.slice(0, i + 1), labels.slice(i + 1));
  }
  return { kind: 'invalid', reason: 'no lookup keyword (service, node, addr, …) in the name' };
}

function parseForm(keyword: string, parts: string[], suffixes: string[]): DnsQuery {
  if (keyword === 'addr') {
    // The locality of an .addr name is ignored: the address says it all.
    const ip = parts.length === 1 ? hexToIp(parts[0]!) : undefined;
    return ip ? { kind: 'addr', ip } : { kind: 'invalid', reason: 'an .addr name needs one label of 8 or 32 hex digits' };
  }
  if (parts.length === 0) return { kind: 'invalid', reason: `nothing before .${keyword}` };
  const locality = parseLocality(suffixes);
  if (locality === 'invalid') return { kind: 'invalid', reason: `bad locality "${suffixes.join('.')}"` };
  if (locality === 'peer') return { kind: 'unsupported', form: 'peer' };
  const dc = locality.datacenter === undefined ? {} : { datacenter: locality.datacenter };
  switch (keyword) {
    case 'service':
      return { kind: 'service', ...serviceParts(parts), ...dc };
    case 'node':
      return { kind: 'node', node: parts.join('.'), ...dc };
    case 'query':
    case 'connect':
    case 'ingress':
    case 'virtual':
      return { kind: 'unsupported', form: keyword };
    default:
      return { kind: 'invalid', reason: `unknown keyword ${keyword}` };
  }
}

function serviceParts(parts: string[]): { service: string; tag?: string; tags?: string[] } {
  const n = parts.length;
  const first = parts[0]!;
  const last = parts[n - 1]!;
  if (n === 2 && first.startsWith('_') && last.startsWith('_')) {
    const tag = last.slice(1);
    // `_tcp` is the protocol slot of RFC 2782, not a tag.
    return tag === 'tcp' || tag === '' ? { service: first.slice(1) } : { service: first.slice(1), tag };
  }
  // Beyond Consul: `_web._v1._prod` is service web with tags v1 AND prod. It cannot be an older
  // form name: there the last label is the service, and `_prod` is not a DNS service name
  // (Consul's and roster's service names for DNS are letters, digits and dashes).
  if (n > 2 && parts.every((p) => p.startsWith('_') && p.length > 1)) {
    const tags = parts.slice(1).map((p) => p.slice(1)).filter((t) => t !== 'tcp');
    return tags.length ? { service: first.slice(1), tags } : { service: first.slice(1) };
  }
  // Older form: every label before the service name is one tag, re-joined with dots.
  return n >= 2 ? { service: last, tag: parts.slice(0, n - 1).join('.') } : { service: last };
}

/** 0 labels: local DC; 1: `<dc>`; 2: `<dc>.dc` or `<peer>.peer`; anything else is invalid. */
function parseLocality(suffixes: string[]): { datacenter?: string } | 'peer' | 'invalid' {
  if (suffixes.length === 0) return {};
  if (suffixes.length === 1) return { datacenter: suffixes[0]! };
  if (suffixes.length === 2) {
    if (suffixes[1] === 'dc') return { datacenter: suffixes[0]! };
    if (suffixes[1] === 'peer') return 'peer';
  }
  return 'invalid';
}

function parseReverse(name: string): DnsQuery {
  const labels = name.split('.');
  const n = labels.length;
  let ip: IpAddress | undefined;
  if (n > 2 && labels[n - 2] === 'in-addr') ip = arpaToIp(labels.slice(0, n - 2), 'in-addr');
  else if (n > 2 && labels[n - 2] === 'ip6') ip = arpaToIp(labels.slice(0, n - 2), 'ip6');
  return ip ? { kind: 'ptr', ip } : { kind: 'invalid', reason: 'not the reverse name of a full address' };
}
