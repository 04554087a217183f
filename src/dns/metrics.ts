import type { Counter, MetricsRegistry, Sample } from '../metrics/registry.js';
import type { DnsDomains } from './parse.js';

/**
 * The DNS interface's metrics, with Consul's names. Handles are resolved once, here, so that
 * answering a query only adds to numbers already in place.
 */
export interface DnsMetrics {
  /** dns.stale_queries: answers served from a view whose leader was last heard from over 5 s ago. */
  readonly staleQueries: Counter;
  /** dns.domain_query (ms, label node): answering a question in our domains. */
  readonly domainQuery: Sample;
  /** dns.ptr_query (ms, label node): answering a reverse (in-addr.arpa / ip6.arpa) question. */
  readonly ptrQuery: Sample;
}

export function dnsMetrics(registry: MetricsRegistry, nodeName: string): DnsMetrics {
  const labels = { node: nodeName };
  return {
    staleQueries: registry.counter('dns.stale_queries', {
      help: 'Increments when an agent serves a DNS query from a view more than 5 s behind the leader.',
    }),
    domainQuery: registry.sample('dns.domain_query', { labels, help: 'Time taken to answer a DNS query in the agent domain, in ms.' }),
    ptrQuery: registry.sample('dns.ptr_query', { labels, help: 'Time taken to answer a reverse DNS lookup, in ms.' }),
  };
}

/**
 * Which sample times a question, as Consul's handlers split them: questions in our domains are
 * domain queries, in-addr.arpa and ip6.arpa ones PTR queries; anything else (forwarded to the
 * recursors, or refused) is neither. Decided on the question's wire-form name as decoded
 * (lower-cased, length-prefixed labels), by suffix: no string is built per query.
 */
export class QuerySamples {
  private readonly domainSuffixes: string[];
  private static readonly REVERSE = [wireName('in-addr.arpa'), wireName('ip6.arpa')];

  constructor(
    private readonly metrics: DnsMetrics,
    domains: DnsDomains,
  ) {
    this.domainSuffixes = [domains.domain, domains.altDomain].filter((d) => d !== '').map(wireName);
  }

  for(nameKey: string): Sample | undefined {
    for (const suffix of this.domainSuffixes) if (nameKey.endsWith(suffix)) return this.metrics.domainQuery;
    for (const suffix of QuerySamples.REVERSE) if (nameKey.endsWith(suffix)) return this.metrics.ptrQuery;
    return undefined;
  }
}

/** `consul` → `\x06consul\x00`, as names appear in a query. */
function wireName(domain: string): string {
  return `${domain
    .split('.')
    .filter((label) => label !== '')
    .map((label) => String.fromCharCode(label.length) + label)
    .join('')}\x00`;
}
