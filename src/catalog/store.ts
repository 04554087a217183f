import { isDeepStrictEqual } from 'node:util';
import { KVTable, rollUpKeys } from './kv-table.js';
import type { CatalogReader } from './reader.js';
import { TABLES, TableWatches, type Table, type WatchHandle } from './watch.js';
import {
  aggregateStatus,
  metaMatches,
  type CatalogServiceEntry,
  type CheckRecord,
  type HealthStatus,
  type KVRecord,
  type NodeRecord,
  type NodeServices,
  type RaftIndex,
  type ServiceHealthEntry,
  type ServiceRecord,
} from './types.js';

const byKey = <T>(key: (item: T) => string) => (a: T, b: T): number => {
  const ka = key(a);
  const kb = key(b);
  return ka < kb ? -1 : ka > kb ? 1 : 0;
};

/** Same content, ignoring the Raft indexes (used to skip no-op writes, as Consul does). */
function sameContent(a: RaftIndex, b: RaftIndex): boolean {
  return isDeepStrictEqual({ ...a, CreateIndex: 0, ModifyIndex: 0 }, { ...b, CreateIndex: 0, ModifyIndex: 0 });
}

export interface StoreSnapshot {
  nodes: NodeRecord[];
  services: (ServiceRecord & { Node: string })[];
  checks: CheckRecord[];
  kvs: (Omit<KVRecord, 'Value'> & { Value: string })[];
  tombstones: [string, number][];
  tableIndex: Record<Table, number>;
}

/**
 * The catalog state: tables of nodes, services, checks and KV, each row stamped with Raft
 * indexes. Writes come only from the FSM, each inside `commit`, which bumps the indexes of the
 * tables it touched and wakes their watchers.
 */
export class StateStore implements CatalogReader {
  private readonly nodeTable = new Map<string, NodeRecord>();
  private readonly serviceTable = new Map<string, Map<string, ServiceRecord>>();
  private readonly checkTable = new Map<string, Map<string, CheckRecord>>();
  private readonly kv = new KVTable();
  private readonly tableIndex: Record<Table, number> = { nodes: 0, services: 0, checks: 0, kvs: 0 };
  private readonly watches = new TableWatches();

  // ---- writes (FSM only) ------------------------------------------------------------------

  /** Runs one command's writes at `index`; `touch` marks a table changed. */
  commit<T>(index: number, write: (touch: (table: Table) => void) => T): T {
    const touched = new Set<Table>();
    const result = write((table) => touched.add(table));
    for (const table of touched) this.tableIndex[table] = Math.max(this.tableIndex[table], index);
    this.watches.notify(touched);
    return result;
  }

  /** Upserts a row; returns whether anything changed. Keeps CreateIndex of an existing row. */
  upsertNode(node: Omit<NodeRecord, keyof RaftIndex>, index: number): boolean {
    return upsert(this.nodeTable, node.Node, node, index);
  }

  upsertService(nodeName: string, service: Omit<ServiceRecord, keyof RaftIndex>, index: number): boolean {
    return upsert(tableFor(this.serviceTable, nodeName), service.ID, service, index);
  }

  upsertCheck(check: Omit<CheckRecord, keyof RaftIndex>, index: number): boolean {
    return upsert(tableFor(this.checkTable, check.Node), check.CheckID, check, index);
  }

  deleteNode(name: string): boolean {
    this.serviceTable.delete(name);
    this.checkTable.delete(name);
    return this.nodeTable.delete(name);
  }

  deleteService(nodeName: string, serviceId: string): boolean {
    const checks = this.checkTable.get(nodeName);
    for (const [id, check] of checks ?? []) if (check.ServiceID === serviceId) checks!.delete(id);
    return this.serviceTable.get(nodeName)?.delete(serviceId) ?? false;
  }

  deleteCheck(nodeName: string, checkId: string): boolean {
    return this.checkTable.get(nodeName)?.delete(checkId) ?? false;
  }

  kvPut(record: KVRecord): void {
    this.kv.put(record);
  }

  kvDelete(key: string, index: number): boolean {
    return this.kv.delete(key, index);
  }

  // ---- reads --------------------------------------------------------------------------------

  index(...tables: Table[]): number {
    const which = tables.length ? tables : TABLES;
    return Math.max(0, ...which.map((t) => this.tableIndex[t]));
  }

  watch(tables: readonly Table[]): WatchHandle {
    return this.watches.watch(tables);
  }

  nodes(): NodeRecord[] {
    return [...this.nodeTable.values()].sort(byKey((n) => n.Node));
  }

  node(name: string): NodeRecord | undefined {
    return this.nodeTable.get(name);
  }

  nodeServices(name: string): NodeServices | undefined {
    const node = this.nodeTable.get(name);
    if (!node) return undefined;
    const services: Record<string, ServiceRecord> = {};
    for (const service of this.servicesOn(name)) services[service.ID] = service;
    return { Node: node, Services: services };
  }

  services(nodeMeta?: Record<string, string>): Record<string, string[]> {
    const tags = new Map<string, Set<string>>();
    for (const [nodeName, byId] of this.serviceTable) {
      if (nodeMeta && !metaMatches(this.nodeTable.get(nodeName)?.Meta ?? {}, nodeMeta)) continue;
      for (const service of byId.values()) {
        const set = tags.get(service.Service) ?? new Set<string>();
        for (const tag of service.Tags) set.add(tag);
        tags.set(service.Service, set);
      }
    }
    const out: Record<string, string[]> = {};
    for (const name of [...tags.keys()].sort()) out[name] = [...tags.get(name)!].sort();
    return out;
  }

  serviceInstances(name: string, tag?: string): CatalogServiceEntry[] {
    return this.instancesOf(name, tag).map(({ node, service }) => ({
      ID: node.ID,
      Node: node.Node,
      Address: node.Address,
      Datacenter: node.Datacenter,
      TaggedAddresses: node.TaggedAddresses,
      NodeMeta: node.Meta,
      ServiceKind: service.Kind,
      ServiceID: service.ID,
      ServiceName: service.Service,
      ServiceTags: service.Tags,
      ServiceAddress: service.Address,
      ServiceTaggedAddresses: service.TaggedAddresses,
      ServiceWeights: service.Weights,
      ServiceMeta: service.Meta,
      ServicePort: service.Port,
      ServiceSocketPath: service.SocketPath,
      ServiceEnableTagOverride: service.EnableTagOverride,
      CreateIndex: service.CreateIndex,
      ModifyIndex: service.ModifyIndex,
    }));
  }

  serviceHealth(name: string, options: { tag?: string; passingOnly?: boolean } = {}): ServiceHealthEntry[] {
    const out: ServiceHealthEntry[] = [];
    for (const { node, service } of this.instancesOf(name, options.tag)) {
      const checks = this.nodeChecks(node.Node).filter((c) => c.ServiceID === '' || c.ServiceID === service.ID);
      if (options.passingOnly && aggregateStatus(checks) !== 'passing') continue;
      out.push({ Node: node, Service: service, Checks: checks });
    }
    return out;
  }

  nodeChecks(node: string): CheckRecord[] {
    return [...(this.checkTable.get(node)?.values() ?? [])].sort(byKey((c) => c.CheckID));
  }

  serviceChecks(serviceName: string): CheckRecord[] {
    return this.allChecks().filter((c) => c.ServiceName === serviceName);
  }

  checksInState(state: HealthStatus | 'any'): CheckRecord[] {
    return this.allChecks().filter((c) => state === 'any' || c.Status === state);
  }

  kvGet(key: string): KVRecord | undefined {
    return this.kv.get(key);
  }

  kvList(prefix: string): KVRecord[] {
    return this.kv.list(prefix);
  }

  kvKeys(prefix: string, separator: string): string[] {
    return rollUpKeys(
      this.kv.list(prefix).map((e) => e.Key),
      prefix,
      separator,
    );
  }

  kvPrefixIndex(prefix: string): number {
    return this.kv.prefixIndex(prefix);
  }

  // ---- snapshot -----------------------------------------------------------------------------

  snapshot(): StoreSnapshot {
    const services: (ServiceRecord & { Node: string })[] = [];
    for (const node of this.nodes()) {
      for (const service of this.servicesOn(node.Node)) services.push({ ...service, Node: node.Node });
    }
    return {
      nodes: this.nodes(),
      services,
      checks: this.allChecks(),
      kvs: this.kv.all().map((e) => ({ ...e, Value: e.Value.toString('base64') })),
      tombstones: this.kv.tombstoneEntries(),
      tableIndex: { ...this.tableIndex },
    };
  }

  restore(snap: StoreSnapshot): void {
    this.nodeTable.clear();
    this.serviceTable.clear();
    this.checkTable.clear();
    for (const node of snap.nodes) this.nodeTable.set(node.Node, node);
    for (const { Node, ...service } of snap.services) tableFor(this.serviceTable, Node).set(service.ID, service);
    for (const check of snap.checks) tableFor(this.checkTable, check.Node).set(check.CheckID, check);
    this.kv.restore(
      snap.kvs.map((e) => ({ ...e, Value: Buffer.from(e.Value, 'base64') })),
      snap.tombstones,
    );
    Object.assign(this.tableIndex, snap.tableIndex);
    this.watches.notify(TABLES);
  }

  // ---- helpers ------------------------------------------------------------------------------

  private servicesOn(nodeName: string): ServiceRecord[] {
    return [...(this.serviceTable.get(nodeName)?.values() ?? [])].sort(byKey((s) => s.ID));
  }

  private allChecks(): CheckRecord[] {
    const out: CheckRecord[] = [];
    for (const node of this.nodes()) out.push(...this.nodeChecks(node.Node));
    return out;
  }

  private instancesOf(name: string, tag?: string): { node: NodeRecord; service: ServiceRecord }[] {
    const out: { node: NodeRecord; service: ServiceRecord }[] = [];
    const wantTag = tag?.toLowerCase();
    for (const node of this.nodes()) {
      for (const service of this.servicesOn(node.Node)) {
        if (service.Service !== name) continue;
        if (wantTag !== undefined && !service.Tags.some((t) => t.toLowerCase() === wantTag)) continue;
        out.push({ node, service });
      }
    }
    return out;
  }
}

function tableFor<V>(outer: Map<string, Map<string, V>>, key: string): Map<string, V> {
  let inner = outer.get(key);
  if (!inner) outer.set(key, (inner = new Map()));
  return inner;
}

function upsert<R extends RaftIndex>(table: Map<string, R>, key: string, row: Omit<R, keyof RaftIndex>, index: number): boolean {
  const existing = table.get(key);
  const next = { ...row, CreateIndex: existing?.CreateIndex ?? index, ModifyIndex: index } as R;
  if (existing && sameContent(existing, next)) return false;
  table.set(key, next);
  return true;
}
