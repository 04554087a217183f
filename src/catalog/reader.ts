import type { Table, WatchHandle } from './watch.js';
import type {
  CatalogServiceEntry,
  CheckRecord,
  HealthStatus,
  KVRecord,
  NodeRecord,
  NodeServices,
  ServiceHealthEntry,
  SessionRecord,
} from './types.js';

/**
 * The read side of the catalog. DNS, HTTP and RPC read through this and nothing else; only the
 * FSM writes. Every list is sorted so answers are deterministic.
 */
export interface CatalogReader {
  /** Highest Raft index that touched any of the tables (the X-Consul-Index of a read). */
  index(...tables: Table[]): number;
  watch(tables: readonly Table[]): WatchHandle;

  nodes(): NodeRecord[];
  node(name: string): NodeRecord | undefined;
  /** The node of this name, compared case-insensitively (an exact match first), from an index. */
  nodeFolded(name: string): NodeRecord | undefined;
  nodeServices(name: string): NodeServices | undefined;
  /** Service name → union of its instances' tags (sorted, deduplicated), optionally only on nodes with this metadata. */
  services(nodeMeta?: Record<string, string>): Record<string, string[]>;
  serviceInstances(name: string, tag?: string): CatalogServiceEntry[];
  serviceHealth(name: string, options?: { tag?: string; passingOnly?: boolean }): ServiceHealthEntry[];

  /**
   * serviceHealth for every service whose name equals `name` case-insensitively, from an index
   * (no scan); `tag` and `tags` (all of them) filter case-insensitively.
   */
  serviceHealthFolded(name: string, options?: { tag?: string; tags?: readonly string[]; passingOnly?: boolean }): ServiceHealthEntry[];

  nodeChecks(node: string): CheckRecord[];
  serviceChecks(serviceName: string): CheckRecord[];
  checksInState(state: HealthStatus | 'any'): CheckRecord[];

  kvGet(key: string): KVRecord | undefined;
  kvList(prefix: string): KVRecord[];
  /** Keys under prefix, rolled up at the first separator after the prefix (Consul's ?keys). */
  kvKeys(prefix: string, separator: string): string[];
  /** Index for a KV prefix read: newest write or delete under the prefix. */
  kvPrefixIndex(prefix: string): number;
  /** Milliseconds left of the key's lock-delay on this server (0: it may be acquired). */
  kvLockDelay(key: string): number;

  session(id: string): SessionRecord | undefined;
  /** Every session, by ID. */
  sessions(): SessionRecord[];
  nodeSessions(node: string): SessionRecord[];
}
