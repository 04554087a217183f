import type { CatalogReader } from '../catalog/reader.js';
import type { NodeRecord } from '../catalog/types.js';
import { parseIp, sameIp, type IpAddress } from './ip.js';
import { addressAnswer, familyMatches, type Lookup, type LookupContext } from './lookup-context.js';
import type { ParsedQuestion } from './parse.js';
import { ipRecord, isEncodableName, nodeFqdn, nodeMetaTxt, QTYPE, serviceFqdn, type DnsRecord } from './records.js';
import { nodeTtl } from './ttl.js';

/**
 * Lookups of single machines: `<node>.node`, `<hex>.addr` and reverse (PTR) names. None of
 * them filters on health: a node is answered for as long as it is in the catalog.
 */

const NODE_TYPES: ReadonlySet<number> = new Set([QTYPE.A, QTYPE.AAAA, QTYPE.ANY, QTYPE.TXT]);

/** Node names are case-insensitive in Consul: looked up in the store's lower-cased index. */
export function findNode(reader: CatalogReader, name: string): NodeRecord | undefined {
  return reader.nodeFolded(name);
}

/**
 * A/AAAA from the node's address (CNAME for a hostname); its metadata as TXT, in the answer for
 * TXT and ANY questions, in the additional section otherwise when node-meta TXT is enabled.
 * Other question types get no records (NODATA).
 */
export function nodeLookup(ctx: LookupContext, question: ParsedQuestion, name: string): Lookup {
  const node = findNode(ctx.reader, name);
  if (!node) return undefined;
  if (!NODE_TYPES.has(question.qtype)) return { answer: [], additional: [] };
  const ttl = nodeTtl(ctx.options.dns);
  const answer: DnsRecord[] = [];
  const additional: DnsRecord[] = [];
  if (question.qtype !== QTYPE.TXT) answer.push(...addressAnswer(ctx, question.name, question.qtype, node.Address, ttl).records);
  const meta = nodeMetaTxt(question.name, node.Meta, ttl);
  if (question.qtype === QTYPE.TXT || question.qtype === QTYPE.ANY) answer.push(...meta);
  else if (ctx.options.dns.enableAdditionalNodeMetaTxt) additional.push(...meta);
  return { answer, additional };
}

/** `<hex>.addr`: the address itself, for A (IPv4) / AAAA (IPv6) / ANY; node TTL. */
export function addrLookup(ctx: LookupContext, question: ParsedQuestion, ip: IpAddress): Lookup {
  if (!familyMatches(ip.family, question.qtype)) return { answer: [], additional: [] };
  return { answer: [ipRecord(question.name, ip, nodeTtl(ctx.options.dns))], additional: [] };
}

/**
 * Reverse lookup: the node whose address it is (`<node>.node.<dc>.<domain>`), else a service
 * instance with that ServiceAddress (`<svc>.service.<dc>.<domain>`). Always named in the primary
 * domain, TTL 0, answered for any question type on the name (as Consul does).
 */
export function ptrLookup(ctx: LookupContext, question: ParsedQuestion, ip: IpAddress): Lookup {
  const { reader, options } = ctx;
  const domain = options.domains.domain;
  const ptr = (target: string): Lookup =>
    isEncodableName(target) ? { answer: [{ type: 'PTR', name: question.name, ttl: 0, target }], additional: [] } : undefined;
  const matches = (address: string): boolean => {
    const parsed = parseIp(address);
    return parsed !== undefined && sameIp(parsed, ip);
  };
  const node = reader.nodes().find((n) => matches(n.Address));
  if (node) return ptr(nodeFqdn(node.Node, node.Datacenter || options.datacenter, domain));
  for (const service of Object.keys(reader.services()).sort()) {
    const instance = reader.serviceInstances(service).find((s) => s.ServiceAddress !== '' && matches(s.ServiceAddress));
    if (instance) return ptr(serviceFqdn(instance.ServiceName, instance.Datacenter || options.datacenter, domain));
  }
  return undefined;
}
