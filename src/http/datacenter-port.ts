import type { Coordinate } from '../gossip/coordinate/coordinate.js';

/**
 * What the HTTP API needs from multi-datacenter support (src/agent/wan): forwarding a request
 * to another datacenter (or, on a client agent, to a server of its own), the datacenter list,
 * and network coordinates. Absent in tests that serve one datacenter only.
 */

/** An HTTP request as it travels to the agent that executes it. */
export interface ForwardedRequest {
  method: string;
  /** Decoded path, as routes see it. */
  path: string;
  /** The raw query string (without `?`), `dc` included. */
  query: string;
  headers: Record<string, string>;
  body: Uint8Array;
}

/** A reply as the executing agent serialised it (its `?pretty` already applied). */
export interface ForwardedReply {
  status: number;
  headers: Record<string, string>;
  /** Undefined for a reply without a body (no Content-Type is sent). */
  contentType: string | undefined;
  body: Uint8Array;
}

export type InProcessDispatch = (request: ForwardedRequest, signal: AbortSignal) => Promise<ForwardedReply>;

export interface DatacenterPort {
  /** Server agents answer the datacenter list and WAN coordinates themselves; clients ask a server. */
  readonly isServer: boolean;
  /**
   * Executes `request` in `datacenter` (for our own datacenter: on one of our servers, which a
   * client agent needs for server-only endpoints). Throws AppError UNAVAILABLE "No path to
   * datacenter" when the datacenter is unknown or none of its servers answers.
   */
  forward(datacenter: string, request: ForwardedRequest, signal: AbortSignal): Promise<ForwardedReply>;
  /** Every known datacenter, nearest first (ours first); servers only. */
  datacenters(): string[];
  /** Called once the HTTP router exists: forwarded requests from other agents are run through it. */
  serve(dispatch: InProcessDispatch): void;
}

export interface NodeCoordinate {
  Node: string;
  Segment: string;
  Coord: Coordinate;
}

export interface DatacenterCoordinates {
  Datacenter: string;
  AreaID: string;
  Coordinates: NodeCoordinate[];
}

export interface CoordinatePort {
  /** LAN coordinates this agent knows (itself and the members it has probed). */
  nodes(): NodeCoordinate[];
  /** The LAN coordinate of one node. */
  node(name: string): Coordinate | undefined;
  /** WAN coordinates of every datacenter's servers (servers only; empty on clients). */
  datacenters(): DatacenterCoordinates[];
  /** Estimated round trip, seconds, between two LAN coordinates. */
  distance(a: Coordinate, b: Coordinate): number;
}
