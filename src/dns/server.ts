import type { CatalogReader } from '../catalog/reader.js';
import type { DnsConfig } from '../config/types.js';
import type { Clock } from '../shared/clock.js';
import type { Logger } from '../shared/logger.js';
import type { Random } from '../shared/random.js';
import { DnsAnswerer } from './answer.js';
import { normaliseDomain, type DnsDomains } from './parse.js';
import { Recursor } from './recursor.js';
import type { RemoteCatalog } from './remote.js';
import type { DnsFreshness } from './answer.js';
import type { DnsMetrics } from './metrics.js';
import { listenDns } from './server-transport.js';

/**
 * The DNS interface: UDP and TCP on one port, answering for `domain` and `altDomain` from the
 * catalog (decode → cached reply, or parse → resolve → trim → encode), forwarding other names
 * to the recursors when there are any (REFUSED when there are none). Every answer for our zones
 * is authoritative, echoes the question and, when the query had EDNS, carries an OPT record;
 * RA is set when recursors are configured. Nothing a client sends can take the server down:
 * malformed packets are logged at debug and dropped or answered FORMERR, and a failure while
 * answering becomes SERVFAIL.
 */

export interface DnsServerOptions {
  reader: CatalogReader;
  config: {
    bindAddress: string;
    /** 0 = an ephemeral port (UDP and TCP get the same one). */
    port: number;
    domain: string;
    altDomain: string;
    datacenter: string;
    dns: DnsConfig;
  };
  logger: Logger;
  random: Random;
  clock: Clock;
  /** Other datacenters' catalogs, for `<name>.service.<dc>.<domain>` (servers/clients of a federation). */
  remote?: RemoteCatalog;
  /** This agent's catalog against the leader's (enforces allow_stale / max_stale). */
  freshness?: DnsFreshness;
  /** dns.stale_queries, dns.domain_query, dns.ptr_query; undefined: not recorded. */
  metrics?: DnsMetrics;
}

export interface DnsServerHandle {
  /** The bound port, shared by UDP and TCP. */
  port: number;
  /** Prebuilt-reply cache figures (hits, misses, invalidations, size). */
  stats(): { hits: number; misses: number; invalidations: number; entries: number; bytes: number };
  close(): Promise<void>;
}

export async function startDnsServer(options: DnsServerOptions): Promise<DnsServerHandle> {
  const { config, logger } = options;
  const domain = normaliseDomain(config.domain);
  const alt = normaliseDomain(config.altDomain);
  const domains: DnsDomains = { domain, altDomain: alt === domain ? '' : alt };
  const recursor = new Recursor({
    servers: config.dns.recursors,
    timeoutMs: config.dns.recursorTimeoutMs,
    strategy: config.dns.recursorStrategy,
    random: options.random,
    logger,
  });
  const answerer = new DnsAnswerer({
    reader: options.reader,
    domains,
    datacenter: config.datacenter,
    dns: config.dns,
    logger,
    random: options.random,
    clock: options.clock,
    recursor: recursor.configured ? recursor : undefined,
    ...(options.remote ? { remote: options.remote } : {}),
    ...(options.freshness ? { freshness: options.freshness } : {}),
    ...(options.metrics ? { metrics: options.metrics } : {}),
  });
  let listeners;
  try {
    listeners = await listenDns({ address: config.bindAddress, port: config.port, logger, serve: (raw, transport) => answerer.answer(raw, transport) });
  } catch (err) {
    answerer.close();
    throw err;
  }
  logger.info(
    { address: config.bindAddress, port: listeners.port, domain: domains.domain, altDomain: domains.altDomain, recursors: config.dns.recursors },
    'listening',
  );
  let closed: Promise<void> | undefined;
  return {
    port: listeners.port,
    stats: () => ({ ...answerer.cache.stats, ...answerer.cache.size() }),
    close: () =>
      (closed ??= listeners.close().then(() => {
        answerer.close();
      })),
  };
}
