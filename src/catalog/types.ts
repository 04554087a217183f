/**
 * Catalog records. Field names follow Consul's API structs (structs.Node, structs.ServiceNode,
 * structs.HealthCheck, structs.DirEntry) so the HTTP layer serialises them without renaming and
 * Consul's clients read them unchanged. Every row carries the Raft indexes that created and last
 * modified it — never a wall-clock time.
 */

export type HealthStatus = 'passing' | 'warning' | 'critical';
export const HEALTH_STATUSES: readonly HealthStatus[] = ['passing', 'warning', 'critical'];

export interface RaftIndex {
  CreateIndex: number;
  ModifyIndex: number;
}

export interface NodeRecord extends RaftIndex {
  ID: string;
  Node: string;
  Address: string;
  Datacenter: string;
  TaggedAddresses: Record<string, string>;
  Meta: Record<string, string>;
}

export interface ServiceAddress {
  Address: string;
  Port: number;
}

export interface ServiceWeights {
  Passing: number;
  Warning: number;
}

/** A service instance on a node (Consul's AgentService / NodeService shape). */
export interface ServiceRecord extends RaftIndex {
  Kind: string;
  ID: string;
  Service: string;
  Tags: string[];
  Meta: Record<string, string>;
  Port: number;
  Address: string;
  SocketPath: string;
  TaggedAddresses: Record<string, ServiceAddress>;
  Weights: ServiceWeights;
  EnableTagOverride: boolean;
  Datacenter: string;
}

/** Settings kept with a check so it can be re-run or re-synced (Consul's HealthCheckDefinition). */
export interface CheckDefinition {
  HTTP?: string;
  TCP?: string;
  TTL?: string;
  Interval?: string;
  Timeout?: string;
  DeregisterCriticalServiceAfter?: string;
}

export interface CheckRecord extends RaftIndex {
  Node: string;
  CheckID: string;
  Name: string;
  Status: HealthStatus;
  Notes: string;
  Output: string;
  ServiceID: string;
  ServiceName: string;
  ServiceTags: string[];
  Type: string;
  Interval: string;
  Timeout: string;
  ExposedPort: number;
  Definition: CheckDefinition;
}

export interface KVRecord extends RaftIndex {
  Key: string;
  /** Raw bytes; the HTTP layer base64-encodes them. */
  Value: Buffer;
  Flags: number;
  LockIndex: number;
  Session: string;
}

export type SessionBehavior = 'release' | 'delete';

/** A service check a session is bound to (Consul's ServiceCheck: the check's ID). */
export interface SessionServiceCheck {
  ID: string;
  Namespace?: string;
}

/**
 * A session (Consul's structs.Session): binds locks to a node and its health. Invalidated when the
 * node goes, a bound check goes critical or is deregistered, it is destroyed, or its TTL lapses
 * (decided by the leader). `LockDelay` is in nanoseconds, as Consul's JSON has it.
 */
export interface SessionRecord extends RaftIndex {
  ID: string;
  Name: string;
  Node: string;
  LockDelay: number;
  Behavior: SessionBehavior;
  /** "" (no TTL) or a duration string such as "15s". */
  TTL: string;
  NodeChecks: string[];
  ServiceChecks: SessionServiceCheck[] | null;
}

/** `/v1/catalog/service/:name` item: a service instance joined with its node. */
export interface CatalogServiceEntry extends RaftIndex {
  ID: string;
  Node: string;
  Address: string;
  Datacenter: string;
  TaggedAddresses: Record<string, string>;
  NodeMeta: Record<string, string>;
  ServiceKind: string;
  ServiceID: string;
  ServiceName: string;
  ServiceTags: string[];
  ServiceAddress: string;
  ServiceTaggedAddresses: Record<string, ServiceAddress>;
  ServiceWeights: ServiceWeights;
  ServiceMeta: Record<string, string>;
  ServicePort: number;
  ServiceSocketPath: string;
  ServiceEnableTagOverride: boolean;
}

/** `/v1/health/service/:name` item: node, instance and every check that bears on it. */
export interface ServiceHealthEntry {
  Node: NodeRecord;
  Service: ServiceRecord;
  Checks: CheckRecord[];
}

/** Node with its services, as `/v1/catalog/node/:node` returns it. */
export interface NodeServices {
  Node: NodeRecord;
  Services: Record<string, ServiceRecord>;
}

/** Worst status wins: critical > warning > passing. An instance with no checks is passing. */
export function aggregateStatus(checks: readonly { Status: HealthStatus }[]): HealthStatus {
  let worst: HealthStatus = 'passing';
  for (const check of checks) {
    if (check.Status === 'critical') return 'critical';
    if (check.Status === 'warning') worst = 'warning';
  }
  return worst;
}

/** Every pair of `filter` is present in `meta` (Consul's ?node-meta=k:v, repeatable = AND). */
export function metaMatches(meta: Record<string, string>, filter: Record<string, string> | undefined): boolean {
  if (!filter) return true;
  return Object.entries(filter).every(([key, value]) => meta[key] === value);
}
