// Starts the real HTTP server on 127.0.0.1:0 against a real catalog (store + FSM + -dev log)
// and a small in-memory LocalAgentPort, and gives tests a fetch bound to it.
import type { CommandLog } from '../../../src/catalog/command-log.js';
import type { CheckRecord, ServiceRecord } from '../../../src/catalog/types.js';
import { AgentEvents } from '../../../src/agent/events.js';
import type { AgentSelfView, LocalAgentPort, MemberView, UserEventRequest, UserEventView } from '../../../src/http/agent-port.js';
import { encodeUserEvent } from '../../../src/gossip/serf/messages.js';
import { checkUserEventSize, type SerfUserEvent } from '../../../src/gossip/serf/serf.js';
import { startHttpServer } from '../../../src/http/server.js';
import type { HttpConfig } from '../../../src/http/context.js';
import type { OperatorPort } from '../../../src/http/operator-port.js';
import { MetricsRegistry } from '../../../src/metrics/registry.js';
import { systemClock, type Clock } from '../../../src/shared/clock.js';
import type { CheckDefinition, ServiceDefinition } from '../../../src/shared/definitions.js';
import { AppError, badRequest, notFound } from '../../../src/shared/errors.js';
import { silentLogger } from '../../../src/shared/logger.js';
import { seededRandom } from '../../../src/shared/random.js';
import { newCatalog } from '../../helpers/catalog.js';
import { ManualClock } from '../../helpers/manual-clock.js';

/** The agent side, kept in maps; records calls so tests can see what the HTTP layer asked for. */
export class FakeAgent implements LocalAgentPort {
  readonly serviceMap = new Map<string, ServiceRecord>();
  readonly checkMap = new Map<string, CheckRecord>();
  readonly calls: string[] = [];
  /** Set to make every method throw this (a misbehaving agent). */
  failWith: unknown;
  /** Real user-event handling over a loopback bus: a fired event comes straight back. */
  readonly eventListeners: ((event: SerfUserEvent) => void)[] = [];
  private eventClock = 0;
  readonly events = new AgentEvents({
    serf: {
      userEvent: (name, payload, coalesce) => {
        checkUserEventSize(name, payload, encodeUserEvent({ ltime: this.eventClock, name, payload, coalesce }));
        const event = { ltime: this.eventClock++, name, payload, coalesce };
        for (const listener of this.eventListeners) listener(event);
      },
      onUserEvent: (listener) => this.eventListeners.push(listener),
    },
    nodeName: 'node1',
    services: () => [...this.serviceMap.values()].map((s) => ({ Name: s.Service, Tags: s.Tags })),
    random: seededRandom(11),
    logger: silentLogger(),
  });

  self(): AgentSelfView {
    this.maybeFail();
    return {
      Config: { Datacenter: 'dc1', PrimaryDatacenter: 'dc1', NodeName: 'node1', NodeID: '11111111-2222-4333-8444-555555555555', Server: true, Revision: 'test', Version: '0.1.0' },
      DebugConfig: {},
      Coord: { Vec: [0, 0, 0, 0, 0, 0, 0, 0], Error: 1.5, Adjustment: 0, Height: 1e-5 },
      Member: this.members({ wan: false })[0]!,
      Stats: { agent: { checks: String(this.checkMap.size), services: String(this.serviceMap.size) } },
      Meta: {},
    };
  }

  members(options: { wan: boolean }): MemberView[] {
    this.maybeFail();
    const base = { Port: options.wan ? 8302 : 8301, Status: 1, ProtocolMin: 1, ProtocolMax: 5, ProtocolCur: 2, DelegateMin: 2, DelegateMax: 5, DelegateCur: 4 };
    return [
      { ...base, Name: options.wan ? 'node1.dc1' : 'node1', Addr: '127.0.0.1', Tags: { role: 'consul', dc: 'dc1' } },
      { ...base, Name: options.wan ? 'node2.dc1' : 'node2', Addr: '127.0.0.2', Tags: { role: 'node', dc: 'dc1' } },
    ];
  }

  services(): Record<string, ServiceRecord> {
    this.maybeFail();
    return Object.fromEntries(this.serviceMap);
  }

  checks(): Record<string, CheckRecord> {
    this.maybeFail();
    return Object.fromEntries(this.checkMap);
  }

  async registerService(def: ServiceDefinition, options: { replaceExistingChecks: boolean }): Promise<void> {
    this.maybeFail();
    this.calls.push(`registerService ${def.ID} replace=${options.replaceExistingChecks}`);
    this.serviceMap.set(def.ID, {
      Kind: def.Kind, ID: def.ID, Service: def.Name, Tags: def.Tags, Meta: def.Meta, Port: def.Port, Address: def.Address,
      SocketPath: def.SocketPath, TaggedAddresses: def.TaggedAddresses, Weights: def.Weights, EnableTagOverride: def.EnableTagOverride,
      Datacenter: 'dc1', CreateIndex: 0, ModifyIndex: 0,
    });
    const ids = new Set(def.Checks.map((c) => c.CheckID));
    if (options.replaceExistingChecks) {
      for (const [id, check] of this.checkMap) if (check.ServiceID === def.ID && !ids.has(id)) this.checkMap.delete(id);
    }
    for (const check of def.Checks) this.addCheck(check);
  }

  async deregisterService(serviceId: string): Promise<void> {
    this.maybeFail();
    this.calls.push(`deregisterService ${serviceId}`);
    this.serviceMap.delete(serviceId);
    for (const [id, check] of this.checkMap) if (check.ServiceID === serviceId) this.checkMap.delete(id);
  }

  async registerCheck(def: CheckDefinition): Promise<void> {
    this.maybeFail();
    if (def.ServiceID && !this.serviceMap.has(def.ServiceID)) throw badRequest(`ServiceID "${def.ServiceID}" does not exist`);
    this.calls.push(`registerCheck ${def.CheckID}`);
    this.addCheck(def);
  }

  async deregisterCheck(checkId: string): Promise<void> {
    this.maybeFail();
    this.calls.push(`deregisterCheck ${checkId}`);
    this.checkMap.delete(checkId);
  }

  async updateTtlCheck(checkId: string, status: 'passing' | 'warning' | 'critical', output: string): Promise<void> {
    this.maybeFail();
    const check = this.checkMap.get(checkId);
    if (!check) throw notFound(`Unknown check ID "${checkId}"`);
    if (check.Type !== 'ttl') throw badRequest(`check "${checkId}" is not a TTL check`);
    this.calls.push(`updateTtlCheck ${checkId} ${status} ${output}`);
    this.checkMap.set(checkId, { ...check, Status: status, Output: output });
  }

  async forceLeave(node: string, options: { wan: boolean; prune: boolean }): Promise<void> {
    this.maybeFail();
    if (node === 'ghost') throw new AppError('NOT_FOUND', `no member named "${node}"`);
    this.calls.push(`force-leave ${node} wan=${options.wan} prune=${options.prune}`);
  }

  async join(address: string, options: { wan: boolean }): Promise<number> {
    this.maybeFail();
    if (address === 'unreachable:8301') throw new AppError('UNAVAILABLE', `failed to join ${address}: connection refused`);
    this.calls.push(`join ${address} wan=${options.wan}`);
    return 1;
  }

  async leave(): Promise<void> {
    this.maybeFail();
    this.calls.push('leave');
  }

  async enableNodeMaintenance(reason: string): Promise<void> {
    this.maybeFail();
    this.calls.push(`maintenance on ${reason}`);
    this.checkMap.set('_node_maintenance', this.row({ CheckID: '_node_maintenance', Name: 'Node Maintenance Mode', Status: 'critical', Notes: reason, ServiceID: '', Type: '' }));
  }

  async fireUserEvent(request: UserEventRequest): Promise<UserEventView> {
    this.maybeFail();
    return this.events.fire(request);
  }

  userEvents(): UserEventView[] {
    return this.events.list();
  }

  userEventsChanged(): Promise<void> {
    return this.events.changed();
  }

  async disableNodeMaintenance(): Promise<void> {
    this.maybeFail();
    this.calls.push('maintenance off');
    this.checkMap.delete('_node_maintenance');
  }

  async enableServiceMaintenance(serviceId: string, reason: string): Promise<void> {
    this.maybeFail();
    if (!this.serviceMap.has(serviceId)) throw notFound(`No service registered with ID "${serviceId}"`);
    this.calls.push(`service maintenance on ${serviceId} ${reason}`);
    const id = `_service_maintenance:${serviceId}`;
    this.checkMap.set(id, this.row({ CheckID: id, Name: 'Service Maintenance Mode', Status: 'critical', Notes: reason, ServiceID: serviceId, Type: '' }));
  }

  async disableServiceMaintenance(serviceId: string): Promise<void> {
    this.maybeFail();
    if (!this.serviceMap.has(serviceId)) throw notFound(`No service registered with ID "${serviceId}"`);
    this.calls.push(`service maintenance off ${serviceId}`);
    this.checkMap.delete(`_service_maintenance:${serviceId}`);
  }

  /** Set to make reload fail with this error. */
  reloadError: unknown;

  async reload(): Promise<void> {
    this.maybeFail();
    if (this.reloadError !== undefined) throw this.reloadError;
    this.calls.push('reload');
  }

  private addCheck(def: CheckDefinition): void {
    const service = def.ServiceID ? this.serviceMap.get(def.ServiceID) : undefined;
    this.checkMap.set(def.CheckID, this.row({
      CheckID: def.CheckID, Name: def.Name, Status: def.Status, Notes: def.Notes, ServiceID: def.ServiceID,
      ServiceName: service?.Service ?? '', ServiceTags: service?.Tags ?? [], Type: def.Kind,
    }));
  }

  private row(fields: Partial<CheckRecord> & Pick<CheckRecord, 'CheckID' | 'Name' | 'Status'>): CheckRecord {
    return {
      Node: 'node1', Notes: '', Output: '', ServiceID: '', ServiceName: '', ServiceTags: [], Type: '', Interval: '', Timeout: '',
      ExposedPort: 0, Definition: {}, CreateIndex: 0, ModifyIndex: 0, ...fields,
    };
  }

  private maybeFail(): void {
    if (this.failWith !== undefined) throw this.failWith;
  }
}

export const TEST_CONFIG: HttpConfig = {
  bindAddress: '127.0.0.1',
  port: 0,
  datacenter: 'dc1',
  nodeName: 'node1',
  defaultQueryTimeMs: 5 * 60_000,
  maxQueryTimeMs: 10 * 60_000,
  httpMaxBodyBytes: 16 * 1024,
  kvMaxValueSize: 1024,
};

/** A registry for servers whose metrics a test does not look at: its intervals never roll. */
export function testMetrics(clock: Clock = new ManualClock()): MetricsRegistry {
  return new MetricsRegistry({ clock, prefix: 'consul', gaugeHostname: 'host1' });
}

export interface Harness {
  base: string;
  catalog: ReturnType<typeof newCatalog>;
  agent: FakeAgent;
  metrics: MetricsRegistry;
  /** fetch relative to the server. */
  api(path: string, init?: RequestInit): Promise<Response>;
  /** PUT with a JSON (or, given a string/Buffer, raw) body. */
  put(path: string, body?: unknown): Promise<Response>;
  close(): Promise<void>;
}

export async function startHarness(
  options: { config?: Partial<HttpConfig>; log?: (log: CommandLog) => CommandLog; operator?: OperatorPort; metricsClock?: Clock } = {},
): Promise<Harness> {
  const catalog = newCatalog();
  const agent = new FakeAgent();
  const metrics = testMetrics(options.metricsClock);
  const server = await startHttpServer({
    reader: catalog.store,
    log: options.log ? options.log(catalog.log) : catalog.log,
    agent,
    config: { ...TEST_CONFIG, ...options.config },
    logger: silentLogger(),
    clock: systemClock,
    random: seededRandom(7),
    metrics,
    ...(options.operator ? { operator: options.operator } : {}),
  });
  const base = `http://127.0.0.1:${server.port}`;
  const api = (path: string, init?: RequestInit): Promise<Response> => fetch(base + path, init);
  return {
    base,
    catalog,
    agent,
    metrics,
    api,
    put: (path, body) =>
      api(path, {
        method: 'PUT',
        body: body === undefined ? undefined : typeof body === 'string' ? body : Buffer.isBuffer(body) ? new Uint8Array(body) : JSON.stringify(body),
      }),
    close: () => {
      metrics.close();
      return server.close();
    },
  };
}
