import type { CheckRecord, ServiceRecord } from '../catalog/types.js';
import type { CheckDefinition, ServiceDefinition } from '../shared/definitions.js';

/** A gossip pool member as `/v1/agent/members` shows it (Consul's JSON shape). */
export interface MemberView {
  Name: string;
  Addr: string;
  Port: number;
  Tags: Record<string, string>;
  /** 0 none, 1 alive, 2 leaving, 3 left, 4 failed. */
  Status: number;
  ProtocolMin: number;
  ProtocolMax: number;
  ProtocolCur: number;
  DelegateMin: number;
  DelegateMax: number;
  DelegateCur: number;
}

/** `/v1/agent/self`: the subset of Consul's shape that clients read. */
export interface AgentSelfView {
  Config: {
    Datacenter: string;
    PrimaryDatacenter: string;
    NodeName: string;
    NodeID: string;
    Server: boolean;
    Revision: string;
    Version: string;
  };
  DebugConfig: Record<string, unknown>;
  Coord: { Vec: number[]; Error: number; Adjustment: number; Height: number };
  Member: MemberView;
  Stats: Record<string, Record<string, string>>;
  Meta: Record<string, string>;
}

/**
 * What the HTTP API needs from the local agent for `/v1/agent/*`. The agent implements it; the
 * HTTP layer never reaches past it. Methods that change state resolve once the change is in the
 * local state and synced to the catalog, and reject with an AppError (BAD_REQUEST / NOT_FOUND)
 * on bad input.
 */
export interface LocalAgentPort extends UserEventPort {
  self(): AgentSelfView;
  members(options: { wan: boolean }): MemberView[];
  /** Services registered on this agent, keyed by ID. */
  services(): Record<string, ServiceRecord>;
  /** Checks registered on this agent, keyed by CheckID. */
  checks(): Record<string, CheckRecord>;
  registerService(definition: ServiceDefinition, options: { replaceExistingChecks: boolean }): Promise<void>;
  deregisterService(serviceId: string): Promise<void>;
  registerCheck(definition: CheckDefinition): Promise<void>;
  deregisterCheck(checkId: string): Promise<void>;
  /** TTL checks only: set status (and output) and restart the TTL. */
  updateTtlCheck(checkId: string, status: 'passing' | 'warning' | 'critical', output: string): Promise<void>;
  /** Gossip join; resolves to how many nodes were contacted. */
  join(address: string, options: { wan: boolean }): Promise<number>;
  /**
   * Operator force-leave of another member: a failed one becomes "left" (its node leaves the
   * catalog); an alive one is untouched. NOT_FOUND for a name the pool does not know.
   */
  forceLeave(node: string, options: { wan: boolean; prune: boolean }): Promise<void>;
  /** Graceful leave, then the agent shuts down. */
  leave(): Promise<void>;
  /** Node maintenance: a critical `_node_maintenance` check (idempotent; the first reason stays). */
  enableNodeMaintenance(reason: string): Promise<void>;
  disableNodeMaintenance(): Promise<void>;
  /** Service maintenance: a critical `_service_maintenance:<id>` check. NOT_FOUND for an unknown service. */
  enableServiceMaintenance(serviceId: string, reason: string): Promise<void>;
  disableServiceMaintenance(serviceId: string): Promise<void>;
  /**
   * Reads the configuration files again and applies their service and check definitions.
   * Resolves when applied; CONFIG when the files are invalid (nothing changes then),
   * UNAVAILABLE when this agent cannot reload.
   */
  reload(): Promise<void>;
}

/** A user event as `/v1/event/fire` and `/v1/event/list` show it (Consul's UserEvent). */
export interface UserEventView {
  ID: string;
  Name: string;
  /** Base64, or null when the event has no payload. */
  Payload: string | null;
  NodeFilter: string;
  ServiceFilter: string;
  TagFilter: string;
  Version: number;
  /** The gossip Lamport time it was received at; 0 in the fire response (not yet known). */
  LTime: number;
}

/** `PUT /v1/event/fire/:name` as the agent receives it. Filters are regular expressions. */
export interface UserEventRequest {
  name: string;
  payload: Uint8Array;
  nodeFilter: string;
  serviceFilter: string;
  tagFilter: string;
}

/** What `/v1/event/*` needs from the local agent. */
export interface UserEventPort {
  /**
   * Fires a user event into the LAN gossip pool. BAD_REQUEST for an invalid name or filter,
   * TOO_LARGE over the user event size limit.
   */
  fireUserEvent(request: UserEventRequest): Promise<UserEventView>;
  /** The recent events this agent received and whose filters matched it, oldest first. */
  userEvents(): UserEventView[];
  /** Resolves the next time an event is recorded (blocking `?index=` on the list). */
  userEventsChanged(): Promise<void>;
}
