// Shared setup for the DNS tests: dns_config defaults, catalog filling, one-call resolve.
import type { CatalogReader } from '../../../src/catalog/reader.js';
import type { HealthStatus } from '../../../src/catalog/types.js';
import { resolveDns } from '../../../src/config/resolve.js';
import type { DnsConfig } from '../../../src/config/types.js';
import type { ResolveOptions } from '../../../src/dns/lookup-context.js';
import { parseQuestion } from '../../../src/dns/parse.js';
import type { DnsResponse } from '../../../src/dns/records.js';
import { resolve } from '../../../src/dns/resolve.js';
import { seededRandom } from '../../../src/shared/random.js';
import { checkInput, newCatalog, nodeInput, serviceInput } from '../../helpers/catalog.js';
import { ManualClock } from '../../helpers/manual-clock.js';

/** roster's dns_config defaults, as the agent resolves them, with overrides. */
export function dnsConfig(overrides: Partial<DnsConfig> = {}): DnsConfig {
  return { ...resolveDns({}), ...overrides };
}

export function resolveOptions(overrides: Partial<Omit<ResolveOptions, 'dns'>> & { dns?: Partial<DnsConfig> } = {}): ResolveOptions {
  const { dns, ...rest } = overrides;
  return {
    domains: { domain: 'consul', altDomain: '' },
    datacenter: 'dc1',
    random: seededRandom(7),
    clock: new ManualClock(),
    edns: false,
    ...rest,
    dns: dnsConfig(dns),
  };
}

/** parse + resolve, as the server does. */
export function ask(reader: CatalogReader, name: string, qtype: number, options: ResolveOptions = resolveOptions()): DnsResponse {
  return resolve(parseQuestion(name, qtype, options.domains), reader, options);
}

export interface InstanceSpec {
  node: string;
  address: string;
  service?: string;
  id?: string;
  port?: number;
  tags?: string[];
  serviceAddress?: string;
  weights?: { Passing: number; Warning: number };
  nodeMeta?: Record<string, string>;
  /** Node-level serfHealth status (default passing). */
  serf?: HealthStatus;
  /** Status of a check on the service itself (none when omitted). */
  serviceCheck?: HealthStatus;
}

/** A real catalog filled through the FSM. */
export async function catalogWith(instances: InstanceSpec[]) {
  const catalog = newCatalog();
  for (const spec of instances) await register(catalog.log, spec);
  return catalog;
}

export async function register(log: ReturnType<typeof newCatalog>['log'], spec: InstanceSpec): Promise<void> {
  const serviceId = spec.id ?? spec.service ?? '';
  const checks = [checkInput({ CheckID: 'serfHealth', Status: spec.serf ?? 'passing' })];
  if (spec.service && spec.serviceCheck) {
    checks.push(checkInput({ CheckID: `service:${serviceId}`, Status: spec.serviceCheck, ServiceID: serviceId }));
  }
  await log.propose({
    type: 'register',
    node: nodeInput(spec.node, spec.address, spec.nodeMeta ?? {}),
    ...(spec.service
      ? {
          service: serviceInput({
            Service: spec.service,
            ID: serviceId,
            Port: spec.port ?? 8080,
            Tags: spec.tags ?? [],
            Address: spec.serviceAddress ?? '',
            ...(spec.weights ? { Weights: spec.weights } : {}),
          }),
        }
      : {}),
    checks,
  });
}

/** The addresses of the A/AAAA records in a section, sorted. */
export function addresses(records: DnsResponse['answer']): string[] {
  return records.flatMap((r) => (r.type === 'A' || r.type === 'AAAA' ? [r.address] : [])).sort();
}
