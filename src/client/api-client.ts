import { agentBaseUrl, DEFAULT_HTTP_ADDR } from './address.js';
import { AppError } from '../shared/errors.js';
import { ApiError, parseJson, send } from './transport.js';
import type { ApiRequest } from './transport.js';
import type {
  AgentCheck,
  AgentSelf,
  AgentService,
  CatalogNode,
  CatalogServiceInstance,
  KvEntry,
  Member,
  NodeServices,
  RaftConfiguration,
  RaftPeerTarget,
  ServiceRegistration,
  TtlStatus,
  UserEvent,
} from './types.js';

export interface ApiClientOptions {
  /** `host:port`, `http://host:port` or `https://host:port`; default 127.0.0.1:8500. */
  address?: string;
  timeoutMs?: number;
}

/** The agent's /v1 API as the CLI uses it. Every method is one HTTP call. */
export interface ApiClient {
  readonly baseUrl: string;
  self(): Promise<AgentSelf>;
  members(options?: { wan?: boolean }): Promise<Member[]>;
  services(): Promise<Record<string, AgentService>>;
  registerService(registration: ServiceRegistration): Promise<void>;
  deregisterService(serviceId: string): Promise<void>;
  updateTtlCheck(checkId: string, status: TtlStatus, note?: string): Promise<void>;
  join(address: string, options?: { wan?: boolean }): Promise<void>;
  forceLeave(node: string, options?: { wan?: boolean; prune?: boolean }): Promise<void>;
  /** Fires a user event; the filters are regular expressions. */
  fireEvent(name: string, options: { node?: string; service?: string; tag?: string; payload?: Uint8Array }): Promise<UserEvent>;
  leave(): Promise<void>;
  /** Checks registered on the local agent, keyed by check ID. */
  checks(): Promise<Record<string, AgentCheck>>;
  /** Node maintenance on or off; `reason` only with enable. */
  nodeMaintenance(enable: boolean, reason?: string): Promise<void>;
  serviceMaintenance(serviceId: string, enable: boolean, reason?: string): Promise<void>;
  /** Makes the agent read its configuration files again. */
  reload(): Promise<void>;
  /** One entry, or null when the key does not exist. */
  kvGet(key: string): Promise<KvEntry | null>;
  /** Every entry under a prefix; empty when there are none. */
  kvList(prefix: string): Promise<KvEntry[]>;
  /** Key names under a prefix, rolled up at `separator` unless it is ''. */
  kvKeys(prefix: string, separator: string): Promise<string[]>;
  /** False when a check-and-set did not match, or the lock could not be acquired / released. */
  kvPut(key: string, value: Uint8Array, options?: { flags?: number; cas?: number; acquire?: string; release?: string }): Promise<boolean>;
  kvDelete(key: string, options?: { recurse?: boolean; cas?: number }): Promise<boolean>;
  /** Service name → union of its tags. */
  catalogServices(): Promise<Record<string, string[]>>;
  /** Null when the node is not in the catalog. */
  catalogNodeServices(node: string): Promise<NodeServices | null>;
  catalogNodes(): Promise<CatalogNode[]>;
  /** Every known datacenter, nearest first (the agent's own first). */
  catalogDatacenters(): Promise<string[]>;
  catalogService(service: string): Promise<CatalogServiceInstance[]>;
  /** The Raft servers, from the leader unless `stale`. */
  raftConfiguration(options?: { stale?: boolean }): Promise<RaftConfiguration>;
  removeRaftPeer(target: RaftPeerTarget): Promise<void>;
  /** To `id`, or (undefined) to whichever other voter the server picks. */
  transferLeader(id?: string): Promise<void>;
  /** A snapshot archive (src/shared/snapshot-archive.ts), as the agent sent it. */
  snapshotSave(options?: { stale?: boolean }): Promise<Uint8Array>;
  snapshotRestore(archive: Uint8Array): Promise<void>;
}

/**
 * Percent-encodes a path segment like Go's url.PathEscape: characters legal in a path segment
 * (`:` `@` `=` `,` ...) stay as they are, so IDs such as `service:web` reach the agent verbatim.
 */
const seg = (value: string): string =>
  encodeURIComponent(value).replace(/%(3A|40|24|26|2B|2C|3B|3D)/gi, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
/** KV keys keep their slashes: Consul treats the rest of the path as the key. */
const kvPath = (key: string): string => `/v1/kv/${key.split('/').map(seg).join('/')}`;

const flag = (on: boolean | undefined): string | undefined => (on ? '' : undefined);
/** Snapshots move the whole catalog; allow far longer than a read. */
const SNAPSHOT_TIMEOUT_MS = 5 * 60_000;
const num = (value: number | undefined): string | undefined => (value === undefined ? undefined : String(value));

export function createApiClient(options: ApiClientOptions = {}): ApiClient {
  const baseUrl = agentBaseUrl(options.address ?? DEFAULT_HTTP_ADDR);
  const withTimeout = (request: ApiRequest): ApiRequest =>
    options.timeoutMs === undefined || request.timeoutMs !== undefined ? request : { ...request, timeoutMs: options.timeoutMs };

  async function call(request: ApiRequest): Promise<void> {
    await send(baseUrl, withTimeout(request));
  }
  async function json<T>(request: ApiRequest): Promise<T> {
    const req = withTimeout(request);
    return parseJson<T>(req, await send(baseUrl, req));
  }
  /** Consul answers 404 for "nothing there" on KV and some catalog reads. */
  async function jsonOr<T>(request: ApiRequest, absent: T): Promise<T> {
    try {
      return await json<T>(request);
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) return absent;
      throw err;
    }
  }

  return {
    baseUrl,
    self: () => json({ method: 'GET', path: '/v1/agent/self' }),
    members: (o = {}) => json({ method: 'GET', path: '/v1/agent/members', query: { wan: o.wan ? '1' : undefined } }),
    services: () => json({ method: 'GET', path: '/v1/agent/services' }),
    registerService: (registration) =>
      call({ method: 'PUT', path: '/v1/agent/service/register', body: { json: registration } }),
    deregisterService: (serviceId) => call({ method: 'PUT', path: `/v1/agent/service/deregister/${seg(serviceId)}` }),
    updateTtlCheck: (checkId, status, note) =>
      call({ method: 'PUT', path: `/v1/agent/check/${status}/${seg(checkId)}`, query: { note: note || undefined } }),
    fireEvent: (name, o) =>
      json({
        method: 'PUT',
        path: `/v1/event/fire/${seg(name)}`,
        query: { node: o.node, service: o.service, tag: o.tag },
        ...(o.payload !== undefined ? { body: { raw: o.payload } } : {}),
      }),
    forceLeave: (node, o = {}) =>
      call({ method: 'PUT', path: `/v1/agent/force-leave/${seg(node)}`, query: { wan: o.wan ? '1' : undefined, prune: o.prune ? '1' : undefined } }),
    join: (address, o = {}) =>
      call({ method: 'PUT', path: `/v1/agent/join/${seg(address)}`, query: { wan: o.wan ? '1' : undefined } }),
    // A graceful leave waits for gossip to spread the intent; give it longer than a read.
    leave: () => call({ method: 'PUT', path: '/v1/agent/leave', timeoutMs: Math.max(options.timeoutMs ?? 0, 60_000) }),
    checks: () => json({ method: 'GET', path: '/v1/agent/checks' }),
    nodeMaintenance: (enable, reason) =>
      call({ method: 'PUT', path: '/v1/agent/maintenance', query: { enable: String(enable), reason: reason || undefined } }),
    serviceMaintenance: (serviceId, enable, reason) =>
      call({ method: 'PUT', path: `/v1/agent/service/maintenance/${seg(serviceId)}`, query: { enable: String(enable), reason: reason || undefined } }),
    reload: () => call({ method: 'PUT', path: '/v1/agent/reload' }),
    catalogDatacenters: () => json({ method: 'GET', path: '/v1/catalog/datacenters' }),
    kvGet: async (key) => (await jsonOr<KvEntry[]>({ method: 'GET', path: kvPath(key) }, []))[0] ?? null,
    kvList: (prefix) => jsonOr<KvEntry[]>({ method: 'GET', path: kvPath(prefix), query: { recurse: '' } }, []),
    kvKeys: (prefix, separator) =>
      jsonOr<string[]>({ method: 'GET', path: kvPath(prefix), query: { keys: '', separator: separator || undefined } }, []),
    kvPut: (key, value, o = {}) =>
      json<boolean>({
        method: 'PUT',
        path: kvPath(key),
        query: { flags: num(o.flags), cas: num(o.cas), acquire: o.acquire, release: o.release },
        body: { raw: value },
      }),
    kvDelete: (key, o = {}) =>
      json<boolean>({ method: 'DELETE', path: kvPath(key), query: { recurse: flag(o.recurse), cas: num(o.cas) } }),
    catalogServices: () => json({ method: 'GET', path: '/v1/catalog/services' }),
    catalogNodeServices: (node) =>
      jsonOr<NodeServices | null>({ method: 'GET', path: `/v1/catalog/node-services/${seg(node)}` }, null),
    catalogNodes: () => json({ method: 'GET', path: '/v1/catalog/nodes' }),
    catalogService: (service) => json({ method: 'GET', path: `/v1/catalog/service/${seg(service)}` }),
    raftConfiguration: (o = {}) => json({ method: 'GET', path: '/v1/operator/raft/configuration', query: { stale: flag(o.stale) } }),
    removeRaftPeer: (target) =>
      call({ method: 'DELETE', path: '/v1/operator/raft/peer', query: 'id' in target ? { id: target.id } : { address: target.address } }),
    transferLeader: async (id) => {
      // An election takes a few round trips; give it longer than a read.
      const req = withTimeout({ method: 'POST', path: '/v1/operator/raft/transfer-leader', query: { id: id || undefined }, timeoutMs: Math.max(options.timeoutMs ?? 0, 60_000) });
      const reply = parseJson<{ Success?: unknown }>(req, await send(baseUrl, req));
      if (reply.Success !== true) throw new AppError('INTERNAL', 'Failed to transfer leadership: the server did not report success');
    },
    snapshotSave: async (o = {}) => {
      const req = withTimeout({ method: 'GET', path: '/v1/snapshot', query: { stale: flag(o.stale) }, timeoutMs: Math.max(options.timeoutMs ?? 0, SNAPSHOT_TIMEOUT_MS) });
      return (await send(baseUrl, req)).bytes;
    },
    snapshotRestore: (archive) =>
      call({ method: 'PUT', path: '/v1/snapshot', body: { raw: archive }, timeoutMs: Math.max(options.timeoutMs ?? 0, SNAPSHOT_TIMEOUT_MS) }),
  };
}
