import type { DnsConfig } from '../config/types.js';

/**
 * Answer TTLs from dns_config. Configuration holds milliseconds; DNS carries whole seconds, cut
 * down as Consul's `uint32(ttl / time.Second)` does.
 */

const toSeconds = (ms: number): number => Math.max(0, Math.floor(ms / 1000));

export function nodeTtl(dns: DnsConfig): number {
  return toSeconds(dns.nodeTtlMs);
}

/**
 * Service TTL: an exact name beats the longest `prefix*` key, which beats `*` (the empty
 * prefix); no match means 0. `service` is the name as the question spelled it (lower-case).
 */
export function serviceTtl(dns: DnsConfig, service: string): number {
  const table = dns.serviceTtlMs;
  const exact = table[service];
  if (exact !== undefined && !service.endsWith('*')) return toSeconds(exact);
  let best: { length: number; ms: number } | undefined;
  for (const [key, ms] of Object.entries(table)) {
    if (!key.endsWith('*')) continue;
    const prefix = key.slice(0, -1);
    if (service.startsWith(prefix) && (!best || prefix.length > best.length)) best = { length: prefix.length, ms };
  }
  return best ? toSeconds(best.ms) : 0;
}
