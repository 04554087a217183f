import type { CatalogReader } from '../catalog/reader.js';
import { aggregateStatus, type ServiceHealthEntry } from '../catalog/types.js';
import { shuffled } from '../shared/random.js';
import { parseIp, sameIp } from './ip.js';
import { addressAnswer, type Lookup, type LookupContext } from './lookup-context.js';
import type { ParsedQuestion } from './parse.js';
import {
  addrFqdn,
  dedupe,
  ipRecord,
  isEncodableName,
  nameKey,
  nodeFqdn,
  nodeMetaTxt,
  QTYPE,
  recordKey,
  type DnsRecord,
} from './records.js';
import { serviceTtl } from './ttl.js';

/**
 * `web.service.consul` and its tag / RFC 2782 forms: healthy instances, shuffled on every
 * query, as address records (A/AAAA/ANY and other types) or as SRV records with the targets'
 * addresses in the additional section.
 */
export function serviceLookup(ctx: LookupContext, question: ParsedQuestion, service: string, tags: readonly string[]): Lookup {
  const entries = healthyInstances(ctx.reader, service, tags, ctx.options.dns.onlyPassing);
  if (entries.length === 0) return undefined; // unknown and all-unhealthy look the same: NXDOMAIN
  const order = shuffled(entries, ctx.options.random);
  const ttl = serviceTtl(ctx.options.dns, service);
  return question.qtype === QTYPE.SRV ? srvRecords(ctx, question, order, ttl) : addressRecords(ctx, question, order, ttl);
}

/**
 * Instances DNS may hand out: none of the checks that bear on them (their own and their node's,
 * serfHealth and maintenance included) is critical; with only_passing, none is warning either.
 * Service names and tags match case-insensitively (from the store's lower-cased name index);
 * every tag in `tags` is required.
 */
export function healthyInstances(reader: CatalogReader, service: string, tags: readonly string[], onlyPassing: boolean): ServiceHealthEntry[] {
  const entries = reader.serviceHealthFolded(service, { tags });
  return entries.filter((entry) => {
    const status = aggregateStatus(entry.Checks);
    return status === 'passing' || (status === 'warning' && !onlyPassing);
  });
}

/** The address an instance is reached at, and whether it is its node's. */
function instanceAddress(entry: ServiceHealthEntry, questionName: string): { address: string; fromNode: boolean } | undefined {
  const service = entry.Service.Address;
  const node = entry.Node.Address;
  if (service === '' && node === '') return undefined;
  if (service === '') return { address: node, fromNode: true };
  if (parseIp(service)) return { address: service, fromNode: false };
  // A service whose address is the very name being asked would loop: use the node's IP.
  if (nameKey(service) === nameKey(questionName) && parseIp(node)) return { address: node, fromNode: true };
  return { address: service, fromNode: false };
}

function addressRecords(ctx: LookupContext, question: ParsedQuestion, order: ServiceHealthEntry[], ttl: number): Lookup {
  const answer: DnsRecord[] = [];
  const seen = new Set<string>();
  let cnameAnswer: DnsRecord[] | undefined;
  let contributing = 0;
  for (const entry of order) {
    const target = instanceAddress(entry, question.name);
    if (!target) continue;
    const { records, cname } = addressAnswer(ctx, question.name, question.qtype, target.address, ttl);
    const first = records[0];
    if (!first) continue;
    // Several instances on one address (a node running the service on two ports) give one record.
    const key = recordKey(first);
    if (seen.has(key)) continue;
    seen.add(key);
    if (cname) {
      // Only the first CNAME is kept, and only used if no instance gives an address record.
      cnameAnswer ??= records;
      continue;
    }
    answer.push(...records);
    contributing++;
    if (contributing === ctx.options.dns.aRecordLimit) break; // a_record_limit 0 = no limit
  }
  if (answer.length === 0 && cnameAnswer) return { answer: cnameAnswer, additional: [] };
  return { answer, additional: [] };
}

function srvRecords(ctx: LookupContext, question: ParsedQuestion, order: ServiceHealthEntry[], ttl: number): Lookup {
  const { datacenter, dns } = ctx.options;
  const domain = question.responseDomain;
  const answer: DnsRecord[] = [];
  const additional: DnsRecord[] = [];
  const handled = new Set<string>();
  for (const entry of order) {
    const reach = instanceAddress(entry, question.name);
    if (!reach) continue;
    // One SRV per node:address:port, as Consul does.
    const tuple = `${entry.Node.Node}:${entry.Service.Address}:${entry.Service.Port}`;
    if (handled.has(tuple)) continue;
    handled.add(tuple);

    const nodeName = nodeFqdn(entry.Node.Node, datacenter, domain);
    const ip = parseIp(reach.address);
    let target: string;
    let extra: DnsRecord[];
    if (ip) {
      const nodeIp = parseIp(entry.Node.Address);
      // A service with an IP of its own is named by that IP; otherwise by its node.
      target = reach.fromNode || (nodeIp && sameIp(ip, nodeIp)) ? nodeName : addrFqdn(ip, datacenter, domain);
      extra = [ipRecord(target, ip, ttl)];
    } else {
      target = reach.address.replace(/\.$/, '');
      extra = ctx.chase(target, ttl);
    }
    if (!isEncodableName(target)) continue;

    answer.push({ type: 'SRV', name: question.name, ttl, priority: 1, weight: srvWeight(entry), port: entry.Service.Port, target });
    additional.push(...extra);
    if (dns.enableAdditionalNodeMetaTxt && isEncodableName(nodeName)) additional.push(...nodeMetaTxt(nodeName, entry.Node.Meta, ttl));
  }
  return { answer, additional: dedupe(additional) };
}

/** Weights.Passing for a passing instance, Weights.Warning for a warning one (uint16). */
function srvWeight(entry: ServiceHealthEntry): number {
  const weights = entry.Service.Weights;
  const weight = aggregateStatus(entry.Checks) === 'warning' ? weights.Warning : weights.Passing;
  return Math.min(0xffff, Math.max(0, Math.trunc(weight)));
}
