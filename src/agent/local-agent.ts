import type { CatalogReader } from '../catalog/reader.js';
import type { CheckRecord, HealthStatus, ServiceRecord } from '../catalog/types.js';
import type { AgentSelfView, LocalAgentPort, MemberView, UserEventRequest, UserEventView } from '../http/agent-port.js';
import type { Clock } from '../shared/clock.js';
import { isDeepStrictEqual } from 'node:util';
import type { CheckDefinition, ServiceDefinition } from '../shared/definitions.js';
import { upgradeCheckDefinition } from '../shared/definitions.js';
import { formatDuration } from '../shared/duration.js';
import { AppError, errorMessage, notFound } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';
import type { Random } from '../shared/random.js';
import type { AntiEntropy } from './anti-entropy.js';
import type { AgentEvents } from './events.js';
import { checkRow, serviceRow, type NodeIdentity } from './catalog-rows.js';
import { catalogAliasSource, type AliasSource } from './checks/alias.js';
import { startMonitor } from './checks/runner.js';
import type { CheckMonitor } from './checks/monitor.js';
import { CriticalServiceReaper, type ReaperTiming } from './checks/reaper.js';
import { TtlMonitor } from './checks/ttl.js';
import type { LocalState } from './local-state.js';
import { describeSummary, oneAtATime, planReload, summarize, type ConfigDefinitions, type ReloadSummary } from './reload.js';

export const NODE_MAINTENANCE_CHECK = '_node_maintenance';
export const SERVICE_MAINTENANCE_PREFIX = '_service_maintenance:';
const NODE_MAINTENANCE_DEFAULT_REASON = 'Maintenance mode is enabled for this node, but no reason was provided. This is a default message.';
const SERVICE_MAINTENANCE_DEFAULT_REASON = 'Maintenance mode is enabled for this service, but no reason was provided. This is a default message.';

/** Where a definition came from: config files (local) or the HTTP API (remote), as Consul's ConfigSource. */
export type DefinitionSource = 'local' | 'remote';

const isMaintenanceCheck = (id: string): boolean => id === NODE_MAINTENANCE_CHECK || id.startsWith(SERVICE_MAINTENANCE_PREFIX);

/** A check only the agent sets: critical, no probe (maintenance mode). */
function agentCheck(fields: Pick<CheckDefinition, 'CheckID' | 'Name' | 'Notes' | 'ServiceID'>): CheckDefinition {
  return {
    ...fields,
    Status: 'critical',
    Kind: '',
    TTL: '',
    HTTP: '',
    Method: 'GET',
    Header: {},
    Body: '',
    TLSSkipVerify: false,
    DisableRedirects: false,
    TCP: '',
    Args: [],
    GRPC: '',
    AliasNode: '',
    AliasService: '',
    Interval: '',
    Timeout: '',
    DeregisterCriticalServiceAfter: '',
    SuccessBeforePassing: 0,
    FailuresBeforeCritical: 0,
    FailuresBeforeWarning: 0,
  };
}

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
  /**
   * Consul's enable_script_checks (script checks from any source) and enable_local_script_checks
   * (from config files only). Without it, script checks are refused.
   */
  scriptChecks?: { enableScriptChecks: boolean; enableLocalScriptChecks: boolean };
  /**
   * Reads the configuration files again (`roster reload`, SIGHUP); the agent applies their
   * service and check definitions. Without it, reload is refused.
   */
  reloadConfig?: () => Promise<ConfigDefinitions>;
  /** DeregisterCriticalServiceAfter reaper timing (tests shorten it). */
  reaper?: ReaperTiming;
}

/**
 * The agent's own node: registers services and checks into local state, runs the checks, and
 * has anti-entropy carry every change to the catalog before the call returns.
 */
export class LocalAgent implements LocalAgentPort {
  private readonly monitors = new Map<string, CheckMonitor>();
  /**
   * What config files define, as last loaded: read again on start and on reload, so not
   * persisted. An API registration of the same ID takes it over.
   */
  private readonly configServices = new Map<string, ServiceDefinition>();
  private readonly configChecks = new Map<string, CheckDefinition>();
  private readonly reaper: CriticalServiceReaper;
  private readonly unsubscribe: () => void;
  private readonly localAliasSource: AliasSource;
  readonly reload: () => Promise<void>;

  constructor(private readonly deps: LocalAgentDeps) {
    const { state } = deps;
    this.reaper = new CriticalServiceReaper({
      clock: deps.clock,
      checks: () => state.checks(),
      check: (id) => state.check(id),
      timing: deps.reaper ?? {},
      deregister: (serviceId, { checkId, criticalForMs }) => {
        deps.logger.warn(
          { service: serviceId, check: checkId, criticalFor: formatDuration(criticalForMs) },
          'check for service has been critical for too long; deregistering the service (DeregisterCriticalServiceAfter)',
        );
        this.deregisterService(serviceId).catch((err: unknown) => deps.logger.warn({ service: serviceId, err: errorMessage(err) }, 'deregistering a critical service failed'));
      },
    });
    this.unsubscribe = state.subscribe((change) => {
      if (change.checkId !== undefined) this.reaper.observe(change.checkId);
    });
    this.localAliasSource = {
      checks: () =>
        state.checks().map((c) => ({ CheckID: c.definition.CheckID, Name: c.definition.Name, Status: c.status, Output: c.output, ServiceID: c.definition.ServiceID })),
      serviceExists: (id) => state.service(id) !== undefined,
      watch: () => state.watch(),
    };
    const reloadOnce = oneAtATime(() => this.reloadNow());
    this.reload = async () => void (await reloadOnce());
  }

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
    for (const check of definition.Checks) this.allowCheck(check, 'remote');
    this.putService(definition, options);
    this.configServices.delete(definition.ID);
    this.persist();
    await this.syncToCatalog();
  }

  private putService(definition: ServiceDefinition, options: { replaceExistingChecks: boolean }): void {
    const { state } = this.deps;
    if (options.replaceExistingChecks) {
      const keep = new Set(definition.Checks.map((c) => c.CheckID));
      for (const check of state.checks()) {
        const id = check.definition.CheckID;
        if (check.definition.ServiceID === definition.ID && !keep.has(id) && !isMaintenanceCheck(id)) this.removeCheckNow(id);
      }
    }
    state.addService(definition);
    for (const check of definition.Checks) this.addCheck(check);
  }

  /** Registers what config files define at start; unlike API registrations these are not persisted. */
  async loadConfigDefinitions(services: readonly ServiceDefinition[], checks: readonly CheckDefinition[]): Promise<void> {
    await this.applyConfigDefinitions(services, checks);
  }

  /**
   * Makes the config-file definitions in effect equal `services` and `checks` (start and
   * reload): new ones are added, changed ones replaced, vanished ones deregistered; unchanged
   * ones keep running untouched. IDs the API registered are left to the API. Everything is
   * validated first, so a refused definition changes nothing.
   */
  async applyConfigDefinitions(services: readonly ServiceDefinition[], checks: readonly CheckDefinition[]): Promise<ReloadSummary> {
    const { state, logger } = this.deps;
    const plan = planReload({ services: [...this.configServices.values()], checks: [...this.configChecks.values()] }, { services, checks });
    const incoming = [...plan.addServices, ...plan.updateServices];
    for (const service of incoming) for (const check of service.Checks) this.allowCheck(check, 'local');
    for (const check of [...plan.addChecks, ...plan.updateChecks]) this.allowCheck(check, 'local');
    const removed = new Set(plan.removeServices);
    const nextServiceIds = new Set(services.map((s) => s.ID));
    for (const check of [...plan.addChecks, ...plan.updateChecks]) {
      const id = check.ServiceID;
      if (id && !nextServiceIds.has(id) && (!state.service(id) || removed.has(id))) {
        throw new AppError('BAD_REQUEST', `check "${check.CheckID}": ServiceID "${id}" does not exist`);
      }
    }

    for (const id of plan.removeChecks) {
      this.configChecks.delete(id);
      this.removeCheckNow(id);
    }
    for (const id of plan.removeServices) {
      this.configServices.delete(id);
      for (const checkId of state.removeService(id)) this.stopMonitor(checkId);
    }
    for (const service of incoming) {
      const before = this.configServices.get(service.ID);
      if (!before && state.service(service.ID)) {
        logger.info({ service: service.ID }, 'a config file defines a service the API registered; the API registration stays');
        continue;
      }
      if (before) {
        const keep = new Set(service.Checks.map((c) => c.CheckID));
        for (const old of before.Checks) if (!keep.has(old.CheckID)) this.removeCheckNow(old.CheckID);
      }
      this.putService(service, { replaceExistingChecks: false });
      this.configServices.set(service.ID, service);
    }
    for (const check of [...plan.addChecks, ...plan.updateChecks]) {
      if (!this.configChecks.has(check.CheckID) && state.check(check.CheckID)) {
        logger.info({ check: check.CheckID }, 'a config file defines a check the API registered; the API registration stays');
        continue;
      }
      this.addCheck(check);
      this.configChecks.set(check.CheckID, check);
    }
    // Nothing the API registered changed, so there is nothing new to persist.
    await this.syncToCatalog();
    return summarize(plan);
  }

  private async reloadNow(): Promise<void> {
    if (!this.deps.reloadConfig) throw new AppError('UNAVAILABLE', 'configuration reload is not available on this agent');
    const config = await this.deps.reloadConfig();
    let summary: ReloadSummary;
    try {
      summary = await this.applyConfigDefinitions(config.services, config.checks);
    } catch (err) {
      // A definition the agent refuses is a configuration problem, as Consul reports it.
      if (err instanceof AppError && err.code === 'BAD_REQUEST') throw new AppError('CONFIG', `Failed reloading services: ${err.message}`);
      throw err;
    }
    this.deps.logger.info({ ...summary.services, checks: summary.checks }, `configuration reloaded: ${describeSummary(summary)}`);
  }

  /**
   * Brings back what `persist` saved (API registrations, maintenance). One bad entry (a script
   * check the agent no longer allows, a check whose service is gone) is skipped with a warning;
   * the rest still load.
   */
  async restorePersisted(saved: { services: readonly ServiceDefinition[]; checks: readonly CheckDefinition[] }): Promise<void> {
    const { logger } = this.deps;
    for (const raw of saved.services) {
      const service = { ...raw, Checks: raw.Checks.map(upgradeCheckDefinition) };
      try {
        for (const check of service.Checks) this.allowCheck(check, 'remote');
        this.putService(service, { replaceExistingChecks: false });
        this.configServices.delete(service.ID);
      } catch (err) {
        logger.warn({ service: service.ID, err: errorMessage(err) }, 'could not restore a saved service; it is dropped');
      }
    }
    for (const raw of saved.checks) {
      const check = upgradeCheckDefinition(raw);
      try {
        this.allowCheck(check, 'remote');
        if (check.ServiceID && !this.deps.state.service(check.ServiceID)) throw new AppError('BAD_REQUEST', `ServiceID "${check.ServiceID}" does not exist`);
        this.addCheck(check);
        this.configChecks.delete(check.CheckID);
      } catch (err) {
        logger.warn({ check: check.CheckID, err: errorMessage(err) }, 'could not restore a saved check; it is dropped');
      }
    }
    this.persist();
    await this.syncToCatalog();
  }

  /** Consul's rule: script checks need enable_script_checks, or enable_local_script_checks for config files. */
  private allowCheck(check: CheckDefinition, source: DefinitionSource): void {
    if (check.Kind !== 'script') return;
    const policy = this.deps.scriptChecks ?? { enableScriptChecks: false, enableLocalScriptChecks: false };
    if (source === 'remote' && !policy.enableScriptChecks) {
      throw new AppError('BAD_REQUEST', "Scripts are disabled on this agent from remote calls; to enable, configure 'enable_script_checks' to true");
    }
    if (source === 'local' && !policy.enableScriptChecks && !policy.enableLocalScriptChecks) {
      throw new AppError('BAD_REQUEST', "Scripts are disabled on this agent; to enable, configure 'enable_script_checks' or 'enable_local_script_checks' to true");
    }
  }

  async deregisterService(serviceId: string): Promise<void> {
    if (!this.deps.state.service(serviceId)) throw notFound(`Unknown service ID "${serviceId}". Ensure that the service ID is passed, not the service name.`);
    for (const id of this.deps.state.removeService(serviceId)) {
      this.stopMonitor(id);
      this.configChecks.delete(id);
    }
    this.configServices.delete(serviceId);
    this.persist();
    await this.syncToCatalog();
  }

  async registerCheck(definition: CheckDefinition): Promise<void> {
    if (definition.ServiceID && !this.deps.state.service(definition.ServiceID)) {
      throw new AppError('BAD_REQUEST', `ServiceID "${definition.ServiceID}" does not exist`);
    }
    this.allowCheck(definition, 'remote');
    this.addCheck(definition);
    this.configChecks.delete(definition.CheckID);
    this.persist();
    await this.syncToCatalog();
  }

  async deregisterCheck(checkId: string): Promise<void> {
    if (!this.deps.state.check(checkId)) throw notFound(`Unknown check ID "${checkId}"`);
    this.removeCheckNow(checkId);
    this.configChecks.delete(checkId);
    this.persist();
    await this.syncToCatalog();
  }

  async updateTtlCheck(checkId: string, status: HealthStatus, output: string): Promise<void> {
    const monitor = this.monitors.get(checkId);
    if (!this.deps.state.check(checkId)) throw notFound(`Unknown check ID "${checkId}"`);
    if (!(monitor instanceof TtlMonitor)) throw new AppError('BAD_REQUEST', `check "${checkId}" is not a TTL check`);
    this.deps.state.setCheckStatus(checkId, status, monitor.update(output));
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

  /** Consul's node maintenance: a critical `_node_maintenance` check; enabling twice keeps the first reason. */
  async enableNodeMaintenance(reason: string): Promise<void> {
    const { state } = this.deps;
    if (!state.check(NODE_MAINTENANCE_CHECK)) {
      state.addCheck(agentCheck({ CheckID: NODE_MAINTENANCE_CHECK, Name: 'Node Maintenance Mode', Notes: reason || NODE_MAINTENANCE_DEFAULT_REASON, ServiceID: '' }));
      this.deps.logger.info('node entered maintenance mode');
      this.persist();
    }
    await this.syncToCatalog();
  }

  async disableNodeMaintenance(): Promise<void> {
    if (this.deps.state.removeCheck(NODE_MAINTENANCE_CHECK)) {
      this.deps.logger.info('node left maintenance mode');
      this.persist();
    }
    await this.syncToCatalog();
  }

  /** A critical `_service_maintenance:<id>` check takes the service out of DNS and healthy queries. */
  async enableServiceMaintenance(serviceId: string, reason: string): Promise<void> {
    const { state } = this.deps;
    if (!state.service(serviceId)) throw notFound(`No service registered with ID "${serviceId}"`);
    const checkId = `${SERVICE_MAINTENANCE_PREFIX}${serviceId}`;
    if (!state.check(checkId)) {
      state.addCheck(agentCheck({ CheckID: checkId, Name: 'Service Maintenance Mode', Notes: reason || SERVICE_MAINTENANCE_DEFAULT_REASON, ServiceID: serviceId }));
      this.deps.logger.info({ service: serviceId }, 'service entered maintenance mode');
      this.persist();
    }
    await this.syncToCatalog();
  }

  async disableServiceMaintenance(serviceId: string): Promise<void> {
    const { state } = this.deps;
    if (!state.service(serviceId)) throw notFound(`No service registered with ID "${serviceId}"`);
    if (state.removeCheck(`${SERVICE_MAINTENANCE_PREFIX}${serviceId}`)) {
      this.deps.logger.info({ service: serviceId }, 'service left maintenance mode');
      this.persist();
    }
    await this.syncToCatalog();
  }

  /** Stops every check; the agent is shutting down. */
  stopChecks(): void {
    this.reaper.stop();
    this.unsubscribe();
    for (const id of [...this.monitors.keys()]) this.stopMonitor(id);
  }

  private persist(): void {
    if (!this.deps.persist) return;
    const { state } = this.deps;
    const services = state.services().filter((s) => !this.configServices.has(s.ID));
    // Checks that come back with their service's definition are not stored twice. Maintenance
    // is kept, as Consul keeps it: a node in maintenance stays there across a restart.
    const withServices = new Set(state.services().flatMap((s) => s.Checks.map((c) => c.CheckID)));
    const checks = state
      .checks()
      .map((c) => c.definition)
      .filter((d) => !withServices.has(d.CheckID) && (d.Kind !== '' || isMaintenanceCheck(d.CheckID)) && !this.configChecks.has(d.CheckID));
    this.deps.persist({ services, checks });
  }

  /** Adds (or replaces) a check and starts it; an identical re-definition keeps the running one and its status. */
  private addCheck(definition: CheckDefinition): void {
    const { state, logger } = this.deps;
    const existing = state.check(definition.CheckID);
    if (existing && this.monitors.has(definition.CheckID) && isDeepStrictEqual(existing.definition, definition)) return;
    this.stopMonitor(definition.CheckID);
    state.addCheck(definition);
    const report = (status: HealthStatus, output: string): void => {
      if (!state.setCheckStatus(definition.CheckID, status, output)) return;
      logger.info({ check: definition.CheckID, status }, 'check status changed');
      this.deps.sync.sync().catch((err) => logger.warn({ err: String(err) }, 'sync after check update failed'));
    };
    const monitor = startMonitor(definition, {
      clock: this.deps.clock,
      random: this.deps.random,
      report,
      nodeName: this.deps.node.name,
      aliasSource: (node) => (node === '' ? this.localAliasSource : catalogAliasSource(this.deps.reader, node)),
      warn: (message) => logger.warn(message),
    });
    this.monitors.set(definition.CheckID, monitor);
  }

  private removeCheckNow(checkId: string): void {
    this.stopMonitor(checkId);
    this.deps.state.removeCheck(checkId);
  }

  private stopMonitor(checkId: string): void {
    this.monitors.get(checkId)?.stop();
    this.monitors.delete(checkId);
  }
}
