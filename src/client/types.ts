/**
 * The JSON shapes the agent's /v1 API returns, as Consul defines them. The client passes them
 * through unchanged so `--json` output matches what Consul's own API would have given.
 * Only the fields the CLI reads are typed; the rest ride along untyped.
 */

/** `/v1/agent/members` item: the agent's own shape. Status: 0 none, 1 alive, 2 leaving, 3 left, 4 failed. */
import type { MemberView } from '../http/agent-port.js';
export type Member = MemberView;

/** `/v1/agent/services` value and `/v1/catalog/node-services` item. */
export interface AgentService {
  ID: string;
  Service: string;
  Tags: string[] | null;
  Meta: Record<string, string> | null;
  Port: number;
  Address: string;
  [field: string]: unknown;
}

/** Body of `PUT /v1/agent/service/register` (Consul's AgentServiceRegistration). */
export interface ServiceRegistration {
  Name: string;
  ID?: string;
  Tags?: string[];
  Address?: string;
  Port?: number;
  Meta?: Record<string, string>;
  [field: string]: unknown;
}

/** `/v1/kv/:key` entry. `Value` is base64 of the raw bytes, null when empty. */
export interface KvEntry {
  Key: string;
  CreateIndex: number;
  ModifyIndex: number;
  LockIndex: number;
  Flags: number;
  Value: string | null;
  Session?: string;
}

/** `/v1/catalog/nodes` item. */
export interface CatalogNode {
  ID: string;
  Node: string;
  Address: string;
  Datacenter: string;
  TaggedAddresses: Record<string, string> | null;
  Meta: Record<string, string> | null;
  CreateIndex?: number;
  ModifyIndex?: number;
}

/** `/v1/catalog/service/:name` item (only the node half is read). */
export interface CatalogServiceInstance {
  ID: string;
  Node: string;
  Address: string;
  Datacenter: string;
  TaggedAddresses: Record<string, string> | null;
  NodeMeta: Record<string, string> | null;
  ServiceID: string;
  ServiceName: string;
  [field: string]: unknown;
}

/** `/v1/catalog/node-services/:node`. Null when the node is unknown. */
export interface NodeServices {
  Node: CatalogNode;
  Services: AgentService[];
}

/** `/v1/agent/self`: only `Config` and `Member` are typed. */
export interface AgentSelf {
  Config: { Datacenter: string; NodeName: string; NodeID: string; Server: boolean; Version: string; [field: string]: unknown };
  Member: Member;
  [field: string]: unknown;
}

export type TtlStatus = 'pass' | 'warn' | 'fail';

/** `/v1/agent/checks` value: only what the CLI reads is typed. */
export interface AgentCheck {
  CheckID: string;
  Name: string;
  Status: string;
  Notes: string;
  Output: string;
  ServiceID: string;
  [field: string]: unknown;
}

/** `/v1/operator/raft/configuration`: Consul's shape plus each server's `LastIndex`. */
import type { RaftConfigurationView, RaftServerView } from '../http/operator-port.js';
export type RaftConfiguration = RaftConfigurationView;
export type RaftServer = RaftServerView;

/** Which server `DELETE /v1/operator/raft/peer` removes: by Raft ID or by ip:port. */
export type RaftPeerTarget = { id: string } | { address: string };

/** `PUT /v1/event/fire/:name`'s answer and `/v1/event/list`'s items (Consul's UserEvent). */
import type { UserEventView } from '../http/agent-port.js';
export type UserEvent = UserEventView;
