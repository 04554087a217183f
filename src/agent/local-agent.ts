import type { CatalogReader } from '../catalog/reader.js';
import type { CheckRecord, HealthStatus, ServiceRecord } from '../catalog/types.js';
import type { AgentSelfView, LocalAgentPort, MemberView, UserEventRequest, UserEventView } from '../http/agent-port.js';
import type { Clock } from '../shared/clock.js';
import type { CheckDefinition, ServiceDefinition } from '../shared/definitions.js';
import { AppError, notFound } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';
import type { Random } from '../shared/random.js';
import type { AntiEntropy } from './anti-entropy.js';
import type { AgentEvents } from './events.js';
import { checkRow, serviceRow, type NodeIdentity } from './catalog-rows.js';
import { startMonitor } from './checks/runner.js';
import type { CheckMonitor } from './checks/monitor.js';
import { TtlMonitor } from './checks/ttl.js';
import type { LocalState } from './local-state.js';

export const NODE_MAINTENANCE_CHECK = '_node_maintenance';

export interface LocalAgentDeps {
  state: LocalState;
  sync: AntiEntropy;
  reader: CatalogReader;
  node: NodeIdentity;
  clock: Clock;
  random: Random;
  logger: Logger;
  self: () => AgentSelfView;
  members: (options: { wan: boolean }) => MemberView[];
  join: (address: string, options: { wan: boolean }) => Promise<number>;
  forceLeave: (node: string, options: { wan: boolean; prune: boolean }) => Promise<void>;
  leave: () => Promise<void>;
  /** User events (`/v1/event/*`); without it, firing is refused and the list is empty. */
  events?: AgentEvents;
  /** Called with the API-registered services and checks after each change (data-dir persistence). */
  persist?: (state: { services: ServiceDefinition[]; checks: CheckDefinition[] }) => void;
}

/**
 * The agent's own node: registers services and checks into local state, runs the checks, and
 * has anti-entropy carry every change to the catalog before the call returns.
 */
export class LocalAgent implements LocalAgentPort {
  private readonly monitors = new Map<string, CheckMonitor>();
  /** IDs defined by config files: those are read again on start, so they are not persisted. */
  private readonly fromConfig = new Set<string>();

  constructor(private readonly deps: LocalAgentDeps) {}

  self(): AgentSelfView {
    return this.deps.self();
  }

  members(options: { wan: boolean }): MemberView[] {
    return this.deps.members(options);
  }

  services(): Record<string, ServiceRecord> {
    const out: Record<string, ServiceRecord> = {};
    for (const service of this.deps.state.services()) {
      const fromCatalog = this.deps.reader.nodeServices(this.deps.node.name)?.Services[service.ID];
      out[service.ID] = {
        ...serviceRow(service, this.deps.node.datacenter),
        CreateIndex: fromCatalog?.CreateIndex ?? 0,
        ModifyIndex: fromCatalog?.ModifyIndex ?? 0,
      };
    }
    return out;
  }

  checks(): Record<string, CheckRecord> {
    const out: Record<string, CheckRecord> = {};
    for (const check of this.deps.state.checks()) {
      const service = this.deps.state.service(check.definition.ServiceID);
      out[check.definition.CheckID] = {
        ...checkRow(check),
        Node: this.deps.node.name,
        ServiceName: service?.Name ?? '',
        ServiceTags: service?.Tags ?? [],
        CreateIndex: 0,
        ModifyIndex: 0,
      };
    }
    return out;
  }

  async registerService(definition: ServiceDefinition, options: { replaceExistingChecks: boolean }): Promise<void> {
    const { state } = this.deps;
    if (options.replaceExistingChecks) {
      for (const id of state.removeService(definition.ID)) this.stopMonitor(id);
    }
    state.addService(definition);
    for (const check of definition.Checks) this.addCheck(check);
    this.fromConfig.delete(`service:${definition.ID}`);
    this.persist();
    await this.syncToCatalog();
  }

  /** Registers what config files define; unlike API registrations these are not persisted. */
  async loadConfigDefinitions(services: readonly ServiceDefinition[], checks: readonly CheckDefinition[]): Promise<void> {
    for (const service of services) {
      this.deps.state.addService(service);
      for (const check of service.Checks) this.addCheck(check);
      this.fromConfig.add(`service:${service.ID}`);
    }
    for (const check of checks) {
      this.addCheck(check);
      this.fromConfig.add(`check:${check.CheckID}`);
    }
    await this.syncToCatalog();
  }

  async deregisterService(serviceId: string): Promise<void> {
    if (!this.deps.state.service(serviceId)) throw notFound(`Unknown service ID "${serviceId}". Ensure that the service ID is passed, not the service name.`);
    for (const id of this.deps.state.removeService(serviceId)) this.stopMonitor(id);
    this.persist();
    await this.syncToCatalog();
  }

  async registerCheck(definition: CheckDefinition): Promise<void> {
    if (definition.ServiceID && !this.deps.state.service(definition.ServiceID)) {
      throw new AppError('BAD_REQUEST', `ServiceID "${definition.ServiceID}" does not exist`);
    }
    this.addCheck(definition);
    this.fromConfig.delete(`check:${definition.CheckID}`);
    this.persist();
    await this.syncToCatalog();
  }

  async deregisterCheck(checkId: string): Promise<void> {
    if (!this.deps.state.check(checkId)) throw notFound(`Unknown check ID "${checkId}"`);
    this.stopMonitor(checkId);
    this.deps.state.removeCheck(checkId);
    this.persist();
    await this.syncToCatalog();
  }

  async updateTtlCheck(checkId: string, status: HealthStatus, output: string): Promise<void> {
    const monitor = this.monitors.get(checkId);
    if (!this.deps.state.check(checkId)) throw notFound(`Unknown check ID "${checkId}"`);
    if (!(monitor instanceof TtlMonitor)) throw new AppError('BAD_REQUEST', `check "${checkId}" is not a TTL check`);
    monitor.touch();
    this.deps.state.setCheckStatus(checkId, status, output);
    await this.syncToCatalog();
  }

  join(address: string, options: { wan: boolean }): Promise<number> {
    return this.deps.join(address, options);
  }

  leave(): Promise<void> {
    return this.deps.leave();
  }

  forceLeave(node: string, options: { wan: boolean; prune: boolean }): Promise<void> {
    return this.deps.forceLeave(node, options);
  }

  async fireUserEvent(request: UserEventRequest): Promise<UserEventView> {
    if (!this.deps.events) throw new AppError('UNAVAILABLE', 'user events are not available on this agent (no gossip pool)');
    return this.deps.events.fire(request);
  }

  userEvents(): UserEventView[] {
    return this.deps.events?.list() ?? [];
  }

  userEventsChanged(): Promise<void> {
    return this.deps.events?.changed() ?? new Promise<void>(() => {});
  }

  /**
   * Push local changes to the catalog now, so a registration is visible (DNS, catalog) when the
   * call returns. Without a leader the change stays in local state and anti-entropy delivers it
   * later — the agent API still accepts it, as Consul's does.
   */
  private async syncToCatalog(): Promise<void> {
    if (!this.deps.sync.hasLeader()) {
      this.deps.logger.debug('no cluster leader yet: catalog sync deferred until there is one');
      return;
    }
    try {
      await this.deps.sync.sync();
    } catch (err) {
      if (!(err instanceof AppError) || err.code !== 'UNAVAILABLE') throw err;
      this.deps.logger.warn({ err: err.message }, 'catalog sync deferred; anti-entropy will retry');
    }
  }

  async enableNodeMaintenance(reason: string): Promise<void> {
    const { state } = this.deps;
    if (!state.check(NODE_MAINTENANCE_CHECK)) {
      state.addCheck({
        CheckID: NODE_MAINTENANCE_CHECK,
        Name: 'Node Maintenance Mode',
        Notes: reason || 'Maintenance mode is enabled for this node, but no reason was provided. This is a default message.',
        ServiceID: '',
        Status: 'critical',
        Kind: '',
        TTL: '',
        HTTP: '',
        Method: 'GET',
        Header: {},
        Body: '',
        TLSSkipVerify: false,
        TCP: '',
        Interval: '',
        Timeout: '',
        DeregisterCriticalServiceAfter: '',
        SuccessBeforePassing: 0,
        FailuresBeforeCritical: 0,
        FailuresBeforeWarning: 0,
      });
    }
    await this.syncToCatalog();
  }

  async disableNodeMaintenance(): Promise<void> {
    this.deps.state.removeCheck(NODE_MAINTENANCE_CHECK);
    await this.syncToCatalog();
  }

  /** Stops every check; the agent is shutting down. */
  stopChecks(): void {
    for (const id of [...this.monitors.keys()]) this.stopMonitor(id);
  }

  private persist(): void {
    if (!this.deps.persist) return;
    const { state } = this.deps;
    const services = state.services().filter((s) => !this.fromConfig.has(`service:${s.ID}`));
    // Checks that come back with their service's definition are not stored twice; the
    // maintenance check (Kind '') is not persisted yet.
    const withServices = new Set(state.services().flatMap((s) => s.Checks.map((c) => c.CheckID)));
    const checks = state
      .checks()
      .map((c) => c.definition)
      .filter((d) => !withServices.has(d.CheckID) && d.Kind !== '' && !this.fromConfig.has(`check:${d.CheckID}`));
    this.deps.persist({ services, checks });
  }

  private addCheck(definition: CheckDefinition): void {
    this.stopMonitor(definition.CheckID);
    this.deps.state.addCheck(definition);
    const report = (status: HealthStatus, output: string): void => {
      if (!this.deps.state.setCheckStatus(definition.CheckID, status, output)) return;
      this.deps.logger.info({ check: definition.CheckID, status }, 'check status changed');
      this.deps.sync.sync().catch((err) => this.deps.logger.warn({ err: String(err) }, 'sync after check update failed'));
    };
    this.monitors.set(definition.CheckID, startMonitor(definition, { clock: this.deps.clock, random: this.deps.random, report }));
  }

  private stopMonitor(checkId: string): void {
    this.monitors.get(checkId)?.stop();
    this.monitors.delete(checkId);
  }
}
