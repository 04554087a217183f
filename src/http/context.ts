import type { IncomingHttpHeaders } from 'node:http';
import type { CatalogReader } from '../catalog/reader.js';
import type { CommandLog } from '../catalog/command-log.js';
import type { Clock } from '../shared/clock.js';
import type { MetricsRegistry } from '../metrics/registry.js';
import type { Logger } from '../shared/logger.js';
import type { Random } from '../shared/random.js';
import type { LocalAgentPort } from './agent-port.js';
import type { CoordinatePort, DatacenterPort } from './datacenter-port.js';
import type { OperatorPort } from './operator-port.js';

/** The HTTP server's slice of the agent configuration. */
export interface HttpConfig {
  bindAddress: string;
  /** 0 = ephemeral (tests); the bound port is returned by startHttpServer. */
  port: number;
  datacenter: string;
  nodeName: string;
  /** Blocking-query wait when `?wait` is absent (Consul's default_query_time, 5m). */
  defaultQueryTimeMs: number;
  /** Cap on `?wait` (Consul's max_query_time, 10m). */
  maxQueryTimeMs: number;
  /** Largest JSON request body read; more ⇒ 413. */
  httpMaxBodyBytes: number;
  /** Largest KV value accepted by PUT /v1/kv/:key; more ⇒ 413. */
  kvMaxValueSize: number;
}

/** Everything a route needs, handed to each route family when the server is built. */
export interface HttpDeps {
  reader: CatalogReader;
  log: CommandLog;
  agent: LocalAgentPort;
  config: HttpConfig;
  logger: Logger;
  clock: Clock;
  random: Random;
  /** The agent's metrics: /v1/agent/metrics shows them, and every request is timed into them (api.http). */
  metrics: MetricsRegistry;
  /**
   * The Raft operator surface (/v1/operator/raft/*, /v1/snapshot). Only server agents have one;
   * without it those endpoints answer 500 "need a server agent".
   */
  operator?: OperatorPort;
  /**
   * Multi-datacenter support (src/agent/wan): `?dc=` forwarding and the datacenter list.
   * Without it only this datacenter is served ("No path to datacenter" for any other).
   */
  datacenters?: DatacenterPort;
  /** Network coordinates (/v1/coordinate/*, `?near=`); without them `near` leaves the order alone. */
  coordinates?: CoordinatePort;
}

/** One request as a handler sees it. */
export interface RequestContext {
  method: string;
  /** Decoded URL path (as Go's req.URL.Path), without the query string. */
  path: string;
  query: URLSearchParams;
  /** The route's `*name` capture, decoded. */
  params: Record<string, string>;
  headers: IncomingHttpHeaders;
  /** Aborted when the client goes away or the server closes; blocking queries stop waiting. */
  signal: AbortSignal;
  /** Reads the whole body; more than `limit` bytes (default httpMaxBodyBytes) ⇒ AppError TOO_LARGE. */
  body(limit?: number, tooLargeMessage?: (limit: number) => string): Promise<Buffer>;
}

export type Handler = (ctx: RequestContext) => Promise<Reply>;

export type ReplyHeaders = Record<string, string>;

/**
 * What a handler returns; the server serialises it. JSON is kept as a value so `?pretty` can be
 * applied in one place.
 */
export type Reply =
  | { kind: 'json'; status: number; value: unknown; headers: ReplyHeaders }
  | { kind: 'raw'; status: number; body: Buffer | string; contentType: string; headers: ReplyHeaders }
  | { kind: 'empty'; status: number; headers: ReplyHeaders };

export function jsonReply(value: unknown, options: { status?: number; headers?: ReplyHeaders } = {}): Reply {
  return { kind: 'json', status: options.status ?? 200, value, headers: options.headers ?? {} };
}

export function rawReply(
  body: Buffer | string,
  options: { status?: number; contentType?: string; headers?: ReplyHeaders } = {},
): Reply {
  return {
    kind: 'raw',
    status: options.status ?? 200,
    body,
    contentType: options.contentType ?? 'text/plain; charset=utf-8',
    headers: options.headers ?? {},
  };
}

/** Consul's agent writes answer 200 with no body. */
export function emptyReply(options: { status?: number; headers?: ReplyHeaders } = {}): Reply {
  return { kind: 'empty', status: options.status ?? 200, headers: options.headers ?? {} };
}
