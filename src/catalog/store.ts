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
  type SessionRecord,
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
  /** Values are raw bytes, or base64 strings (snapshots and restore commands of format v1). */
  kvs: (Omit<KVRecord, 'Value'> & { Value: string | Uint8Array })[];
  tombstones: [string, number][];
  /** Absent in snapshots written before sessions existed (restored as none). */
  sessions?: SessionRecord[];
  tableIndex: Omit<Record<Table, number>, 'sessions'> & { sessions?: number };
}

/** What the FSM reports about sessions as it applies (the leader's TTL timers listen). */
export type SessionEvent =
  | { kind: 'created' | 'renewed'; session: SessionRecord }
  | { kind: 'destroyed'; id: string };

export interface StoreOptions {
  /**
   * Wall-clock milliseconds, used only for lock-delay (kept in memory on each server, never in
   * the replicated state or snapshots, as Consul's). Default Date.now.
   */
  now?: () => number;
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
  private readonly sessionTable = new Map<string, SessionRecord>();
  /** Session ID → keys whose lock it holds (Consul's kvs "session" index). */
  private readonly lockedBy = new Map<string, Set<string>>();
  /** Key → wall-clock ms until which it may not be acquired (lock-delay; local, not replicated). */
  private readonly lockDelays = new Map<string, number>();
  private readonly sessionListeners = new Set<(event: SessionEvent) => void>();
  private readonly now: () => number;
  private readonly tableIndex: Record<Table, number> = { nodes: 0, services: 0, checks: 0, kvs: 0, sessions: 0 };
  private readonly watches = new TableWatches();
  /** Case-insensitive name indexes (Consul's are): lower-cased node name → node names, and
   *  lower-cased service name → node name → IDs of its instances with that name. */
  private readonly nodeFold = new Map<string, Set<string>>();
  private readonly serviceFold = new Map<string, Map<string, Set<string>>>();

  constructor(options: StoreOptions = {}) {
    this.now = options.now ?? Date.now;
  }

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
    setAdd(this.nodeFold, node.Node.toLowerCase(), node.Node);
    return upsert(this.nodeTable, node.Node, node, index);
  }

  upsertService(nodeName: string, service: Omit<ServiceRecord, keyof RaftIndex>, index: number): boolean {
    const previous = this.serviceTable.get(nodeName)?.get(service.ID);
    if (previous && previous.Service !== service.Service) this.unindexService(nodeName, previous);
    this.indexService(nodeName, service);
    return upsert(tableFor(this.serviceTable, nodeName), service.ID, service, index);
  }

  upsertCheck(check: Omit<CheckRecord, keyof RaftIndex>, index: number): boolean {
    return upsert(tableFor(this.checkTable, check.Node), check.CheckID, check, index);
  }

  deleteNode(name: string): boolean {
    for (const service of this.serviceTable.get(name)?.values() ?? []) this.unindexService(name, service);
    setDelete(this.nodeFold, name.toLowerCase(), name);
    this.serviceTable.delete(name);
    this.checkTable.delete(name);
    return this.nodeTable.delete(name);
  }

  deleteService(nodeName: string, serviceId: string): boolean {
    const checks = this.checkTable.get(nodeName);
    for (const [id, check] of checks ?? []) if (check.ServiceID === serviceId) checks!.delete(id);
    const service = this.serviceTable.get(nodeName)?.get(serviceId);
    if (service) this.unindexService(nodeName, service);
    return this.serviceTable.get(nodeName)?.delete(serviceId) ?? false;
  }

  deleteCheck(nodeName: string, checkId: string): boolean {
    return this.checkTable.get(nodeName)?.delete(checkId) ?? false;
  }

  kvPut(record: KVRecord): void {
    const previous = this.kv.get(record.Key);
    if (previous?.Session !== record.Session) {
      if (previous?.Session) setDelete(this.lockedBy, previous.Session, record.Key);
      if (record.Session) setAdd(this.lockedBy, record.Session, record.Key);
    }
    this.kv.put(record);
  }

  kvDelete(key: string, index: number): boolean {
    const previous = this.kv.get(key);
    if (previous?.Session) setDelete(this.lockedBy, previous.Session, key);
    return this.kv.delete(key, index);
  }

  putSession(session: SessionRecord): void {
    this.sessionTable.set(session.ID, session);
  }

  deleteSession(id: string): boolean {
    return this.sessionTable.delete(id);
  }

  /** Starts a key's lock-delay: it may not be acquired for `delayMs` from now (this server's clock). */
  startLockDelay(key: string, delayMs: number): void {
    if (delayMs <= 0) return;
    const until = this.now() + delayMs;
    if ((this.lockDelays.get(key) ?? 0) < until) this.lockDelays.set(key, until);
  }

  /** Tells the session listeners (after the command's writes are committed). */
  emitSession(event: SessionEvent): void {
    for (const listener of [...this.sessionListeners]) listener(event);
  }

  /** Session creates, renewals and destructions as they are applied here. Returns an unsubscribe. */
  onSessionEvent(listener: (event: SessionEvent) => void): () => void {
    this.sessionListeners.add(listener);
    return () => this.sessionListeners.delete(listener);
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

  nodeFolded(name: string): NodeRecord | undefined {
    const exact = this.nodeTable.get(name);
    if (exact) return exact;
    const spellings = this.nodeFold.get(name.toLowerCase());
    if (!spellings) return undefined;
    const first = [...spellings].sort()[0];
    return first === undefined ? undefined : this.nodeTable.get(first);
  }

  serviceHealthFolded(name: string, options: { tag?: string; tags?: readonly string[]; passingOnly?: boolean } = {}): ServiceHealthEntry[] {
    const out: ServiceHealthEntry[] = [];
    const byNode = this.serviceFold.get(name.toLowerCase());
    if (!byNode) return out;
    const wanted = [...(options.tag === undefined ? [] : [options.tag]), ...(options.tags ?? [])].map((t) => t.toLowerCase());
    for (const nodeName of [...byNode.keys()].sort()) {
      const node = this.nodeTable.get(nodeName);
      if (!node) continue;
      const checks = this.nodeChecks(nodeName);
      for (const id of [...byNode.get(nodeName)!].sort()) {
        const service = this.serviceTable.get(nodeName)?.get(id);
        if (!service) continue;
        if (wanted.length > 0 && !wanted.every((want) => service.Tags.some((t) => t.toLowerCase() === want))) continue;
        const own = checks.filter((c) => c.ServiceID === '' || c.ServiceID === id);
        if (options.passingOnly && aggregateStatus(own) !== 'passing') continue;
        out.push({ Node: node, Service: service, Checks: own });
      }
    }
    return out;
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

  /** Milliseconds left of a key's lock-delay on this server (0: none). */
  kvLockDelay(key: string): number {
    const until = this.lockDelays.get(key);
    if (until === undefined) return 0;
    const left = until - this.now();
    if (left <= 0) {
      this.lockDelays.delete(key);
      return 0;
    }
    return left;
  }

  /** Keys whose lock the session holds, in key order. */
  kvHeldBy(sessionId: string): string[] {
    return [...(this.lockedBy.get(sessionId) ?? [])].sort();
  }

  session(id: string): SessionRecord | undefined {
    return this.sessionTable.get(id);
  }

  /** Every session, ordered by ID (as Consul's memdb index). */
  sessions(): SessionRecord[] {
    return [...this.sessionTable.values()].sort(byKey((s) => s.ID));
  }

  nodeSessions(node: string): SessionRecord[] {
    return this.sessions().filter((s) => s.Node === node);
  }

  // ---- snapshot -----------------------------------------------------------------------------

  /**
   * A point-in-time capture of the whole state, cheap enough to take between two applies: rows
   * are never changed in place (every write stores a new row object, values included), so the
   * capture holds the rows themselves in arrays of its own, and later writes cannot reach it. It
   * may be encoded afterwards, piece by piece, while applies go on. KV rows are in no particular
   * order (the KV values are the stored Buffers: do not modify them).
   */
  snapshot(): StoreSnapshot {
    const services: (ServiceRecord & { Node: string })[] = [];
    for (const node of this.nodes()) {
      for (const service of this.servicesOn(node.Node)) services.push({ ...service, Node: node.Node });
    }
    return {
      nodes: this.nodes(),
      services,
      checks: this.allChecks(),
      kvs: this.kv.rows(),
      tombstones: this.kv.tombstoneEntries(),
      sessions: [...this.sessionTable.values()],
      tableIndex: { ...this.tableIndex },
    };
  }

  restore(snap: StoreSnapshot): void {
    this.nodeTable.clear();
    this.serviceTable.clear();
    this.checkTable.clear();
    this.nodeFold.clear();
    this.serviceFold.clear();
    for (const node of snap.nodes) {
      this.nodeTable.set(node.Node, node);
      setAdd(this.nodeFold, node.Node.toLowerCase(), node.Node);
    }
    for (const { Node, ...service } of snap.services) {
      tableFor(this.serviceTable, Node).set(service.ID, service);
      this.indexService(Node, service);
    }
    for (const check of snap.checks) tableFor(this.checkTable, check.Node).set(check.CheckID, check);
    this.kv.restore(
      // Copied: a decoded value may be a view into a whole snapshot or log entry.
      snap.kvs.map((e) => ({ ...e, Value: typeof e.Value === 'string' ? Buffer.from(e.Value, 'base64') : Buffer.from(e.Value) })),
      snap.tombstones,
    );
    this.sessionTable.clear();
    for (const session of snap.sessions ?? []) this.sessionTable.set(session.ID, session);
    this.lockedBy.clear();
    for (const entry of snap.kvs) if (entry.Session) setAdd(this.lockedBy, entry.Session, entry.Key);
    // Lock delays are local and short-lived: a restored state starts with none (as Consul's).
    this.lockDelays.clear();
    Object.assign(this.tableIndex, { sessions: 0 }, snap.tableIndex);
    this.watches.notify(TABLES);
  }

  // ---- helpers ------------------------------------------------------------------------------

  private indexService(nodeName: string, service: { ID: string; Service: string }): void {
    const key = service.Service.toLowerCase();
    let byNode = this.serviceFold.get(key);
    if (!byNode) this.serviceFold.set(key, (byNode = new Map()));
    setAdd(byNode, nodeName, service.ID);
  }

  private unindexService(nodeName: string, service: { ID: string; Service: string }): void {
    const key = service.Service.toLowerCase();
    const byNode = this.serviceFold.get(key);
    if (!byNode) return;
    setDelete(byNode, nodeName, service.ID);
    if (byNode.size === 0) this.serviceFold.delete(key);
  }

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

/** Adds `value` to the set under `key` (an index of the multimap kind). */
function setAdd(index: Map<string, Set<string>>, key: string, value: string): void {
  let set = index.get(key);
  if (!set) index.set(key, (set = new Set()));
  set.add(value);
}

function setDelete(index: Map<string, Set<string>>, key: string, value: string): void {
  const set = index.get(key);
  if (!set) return;
  set.delete(value);
  if (set.size === 0) index.delete(key);
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
