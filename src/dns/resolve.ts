import type { CatalogReader } from '../catalog/reader.js';
import { assertNever } from '../shared/assert.js';
import { shuffled } from '../shared/random.js';
import { parseIp } from './ip.js';
import type { Lookup, LookupContext, ResolveOptions } from './lookup-context.js';
import { parseQuestion, zoneOf, type ParsedQuestion } from './parse.js';
import { RCODE, QTYPE, ipRecord, isEncodableName, nodeFqdn, soaRecord, type DnsRecord, type DnsResponse, type Rcode } from './records.js';
import { addrLookup, nodeLookup, ptrLookup } from './resolve-node.js';
import { healthyInstances, serviceLookup } from './resolve-service.js';
import { nodeTtl } from './ttl.js';

export type { ResolveOptions } from './lookup-context.js';

/**
 * A parsed question → the reply's rcode and sections, from the catalog alone. Response codes
 * follow Consul (reference §3.4): REFUSED outside our zones (the server forwards those first when it has recursors), NOTIMP for zone
 * transfers, NXDOMAIN + SOA for unknown names, unhealthy-only services, other datacenters and
 * name forms we do not serve, NODATA (NOERROR + SOA) when the name exists but has no record
 * of the asked type. Synchronous and free of I/O: the server adapter owns packets and sizes.
 */
export function resolve(question: ParsedQuestion, reader: CatalogReader, options: ResolveOptions): DnsResponse {
  return resolveAt(question, reader, options, MAX_CHASE_DEPTH);
}

/** How deep CNAMEs into our own zones are followed (Consul's maxRecursionLevelDefault). */
const MAX_CHASE_DEPTH = 3;
/** Records taken from behind a CNAME when the client has no EDNS (Consul's maxRecurseRecords). */
const MAX_CHASED_RECORDS = 5;
/** The service our servers are registered under; its nodes are the zone's nameservers. */
export const NAMESERVER_SERVICE = 'consul';
const MAX_NAMESERVERS = 3;

function resolveAt(question: ParsedQuestion, reader: CatalogReader, options: ResolveOptions, depth: number): DnsResponse {
  const { query, qtype } = question;
  if (query.kind === 'outside') return reply(RCODE.REFUSED, [], { authoritative: false });
  if (qtype === QTYPE.AXFR || qtype === QTYPE.IXFR) return reply(RCODE.NOTIMP, []);
  // SOA and NS questions are about the zone, whatever the name under it.
  if (qtype === QTYPE.SOA || qtype === QTYPE.NS) return nameservers(question, reader, options);

  const found = lookup(context(reader, options, depth), question);
  if (!found) return reply(RCODE.NXDOMAIN, [], { authority: [soa(question, options)] });
  if (found.answer.length === 0) return reply(RCODE.NOERROR, [], { authority: [soa(question, options)] });
  return reply(RCODE.NOERROR, found.answer, { additional: found.additional });
}

function lookup(ctx: LookupContext, question: ParsedQuestion): Lookup {
  const { query } = question;
  switch (query.kind) {
    case 'service':
      return isLocal(ctx, query.datacenter) ? serviceLookup(ctx, question, query.service, tagFilter(query)) : undefined;
    case 'node':
      return isLocal(ctx, query.datacenter) ? nodeLookup(ctx, question, query.node) : undefined;
    case 'addr':
      return addrLookup(ctx, question, query.ip);
    case 'ptr':
      return ptrLookup(ctx, question, query.ip);
    case 'unsupported':
    case 'invalid':
    case 'outside':
      return undefined;
    default:
      return assertNever(query, 'DNS query');
  }
}

function tagFilter(query: { tag?: string; tags?: string[] }): string[] {
  return query.tags ?? (query.tag === undefined ? [] : [query.tag]);
}

/** Any datacenter but ours has no path from here (no WAN federation yet): NXDOMAIN. */
function isLocal(ctx: LookupContext, datacenter: string | undefined): boolean {
  return datacenter === undefined || datacenter === ctx.options.datacenter.toLowerCase();
}

function context(reader: CatalogReader, options: ResolveOptions, depth: number): LookupContext {
  return {
    reader,
    options,
    chase(host, ttl) {
      if (depth < 1 || zoneOf(host.toLowerCase(), options.domains) === undefined) return [];
      const inner = resolveAt(parseQuestion(host, QTYPE.ANY, options.domains), reader, options, depth - 1);
      const records = inner.answer
        .filter((r) => r.type === 'CNAME' || r.type === 'A' || r.type === 'AAAA')
        .map((r) => ({ ...r, ttl }));
      return options.edns ? records : records.slice(0, MAX_CHASED_RECORDS);
    },
  };
}

/**
 * SOA: the SOA in the answer, NS records for up to three random healthy servers in the
 * authority section and their addresses as glue. NS: the NS records themselves.
 */
function nameservers(question: ParsedQuestion, reader: CatalogReader, options: ResolveOptions): DnsResponse {
  const domain = question.responseDomain;
  const ttl = nodeTtl(options.dns);
  const ns: DnsRecord[] = [];
  const glue: DnsRecord[] = [];
  const servers = shuffled(healthyInstances(reader, NAMESERVER_SERVICE, [], options.dns.onlyPassing), options.random);
  const seen = new Set<string>();
  for (const { Node: node } of servers) {
    if (ns.length >= MAX_NAMESERVERS) break;
    // Consul skips servers whose node name is not a valid DNS label.
    if (/[^A-Za-z0-9-]/.test(node.Node) || seen.has(node.Node)) continue;
    const fqdn = nodeFqdn(node.Node, node.Datacenter || options.datacenter, domain).toLowerCase();
    if (!isEncodableName(fqdn)) continue;
    seen.add(node.Node);
    ns.push({ type: 'NS', name: domain, ttl, target: fqdn });
    const ip = parseIp(node.Address);
    if (ip) glue.push(ipRecord(fqdn, ip, ttl));
  }
  if (question.qtype === QTYPE.SOA) return reply(RCODE.NOERROR, [soa(question, options)], { authority: ns, additional: glue });
  if (ns.length === 0) return reply(RCODE.NOERROR, [], { authority: [soa(question, options)] });
  return reply(RCODE.NOERROR, ns, { additional: glue });
}

function soa(question: ParsedQuestion, options: ResolveOptions): DnsRecord {
  return soaRecord(question.responseDomain, options.clock.now());
}

function reply(
  rcode: Rcode,
  answer: DnsRecord[],
  rest: { authority?: DnsRecord[]; additional?: DnsRecord[]; authoritative?: boolean } = {},
): DnsResponse {
  return {
    rcode,
    authoritative: rest.authoritative ?? true,
    answer,
    authority: rest.authority ?? [],
    additional: rest.additional ?? [],
  };
}
