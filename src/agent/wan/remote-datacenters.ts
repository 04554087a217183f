import type { NodeServices, ServiceHealthEntry } from '../../catalog/types.js';
import type { ForwardedReply, ForwardedRequest } from '../../http/datacenter-port.js';
import { AppError, type ErrorCode } from '../../shared/errors.js';
import { NoPathToDatacenterError } from './router.js';

export { NoPathToDatacenterError } from './router.js';

/** A read to run in another datacenter, as its HTTP API would take it. */
export interface RemoteQuery {
  /** `/v1/...`, unencoded (as routes see it). */
  path: string;
  /** Query parameters; `dc` is set for you. A flag without a value: `{ passing: '' }`. */
  query?: Record<string, string | readonly string[]>;
  signal?: AbortSignal;
}

export interface RemoteAnswer<T = unknown> {
  /** X-Consul-Index of the remote read (0 when it sent none). */
  index: number;
  /** The decoded JSON body. */
  value: T;
  headers: Record<string, string>;
}

/**
 * The port the rest of the agent (DNS first) uses to read from another datacenter, on servers
 * and client agents alike: a client goes through a server of its own datacenter. Every failure
 * is an AppError; "the datacenter cannot be reached" is a NoPathToDatacenterError whose
 * `reason` is `unknown` (no such datacenter in WAN gossip: DNS NXDOMAIN) or `unreachable`
 * (known, but no server answered: DNS SERVFAIL).
 */
export class RemoteDatacenters {
  constructor(
    readonly localDatacenter: string,
    private readonly forward: (datacenter: string, request: ForwardedRequest, signal: AbortSignal) => Promise<ForwardedReply>,
  ) {}

  /** Whether `datacenter` names another datacenter than ours (so the answer must come from there). */
  isRemote(datacenter: string | undefined): datacenter is string {
    return !!datacenter && datacenter !== this.localDatacenter;
  }

  /** Runs a GET in `datacenter` and decodes its JSON answer. A non-2xx answer throws. */
  async query<T = unknown>(datacenter: string, request: RemoteQuery): Promise<RemoteAnswer<T>> {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(request.query ?? {})) {
      for (const v of typeof value === 'string' ? [value] : value) params.append(key, v);
    }
    params.set('dc', datacenter);
    let reply: ForwardedReply;
    try {
      reply = await this.forward(
        datacenter,
        { method: 'GET', path: request.path, query: params.toString(), headers: {}, body: new Uint8Array(0) },
        request.signal ?? new AbortController().signal,
      );
    } catch (err) {
      // A client agent hears it from its server as a plain error with the same message.
      if (err instanceof AppError && !(err instanceof NoPathToDatacenterError)) throw noPathFrom(datacenter, err.message) ?? err;
      throw err;
    }
    const text = Buffer.from(reply.body).toString('utf8');
    if (reply.status < 200 || reply.status >= 300) {
      if (reply.status === 500) {
        const noPath = noPathFrom(datacenter, text);
        if (noPath) throw noPath;
      }
      throw new AppError(codeForStatus(reply.status), text || `HTTP ${reply.status} from ${datacenter}`);
    }
    let value: T;
    try {
      value = JSON.parse(text) as T;
    } catch (err) {
      throw new AppError('INTERNAL', `${datacenter} answered ${request.path} with invalid JSON`, { cause: err });
    }
    return { index: Number(reply.headers['X-Consul-Index'] ?? 0) || 0, value, headers: reply.headers };
  }

  /**
   * `datacenter`'s instances of `service` with their checks (GET /v1/health/service/:service),
   * read stale as DNS reads are (Consul's dns_config.allow_stale).
   */
  async serviceHealth(
    datacenter: string,
    service: string,
    options: { tag?: string; passingOnly?: boolean; stale?: boolean; signal?: AbortSignal } = {},
  ): Promise<ServiceHealthEntry[]> {
    const query: Record<string, string> = {};
    if (options.stale ?? true) query.stale = '';
    if (options.passingOnly) query.passing = '';
    if (options.tag !== undefined) query.tag = options.tag;
    const answer = await this.query<ServiceHealthEntry[]>(datacenter, {
      path: `/v1/health/service/${service}`,
      query,
      ...(options.signal ? { signal: options.signal } : {}),
    });
    return answer.value;
  }

  /** A node of `datacenter` with its services (GET /v1/catalog/node/:node, stale); null when unknown. */
  async nodeServices(datacenter: string, node: string, options: { signal?: AbortSignal } = {}): Promise<NodeServices | null> {
    const answer = await this.query<NodeServices | null>(datacenter, {
      path: `/v1/catalog/node/${node}`,
      query: { stale: '' },
      ...(options.signal ? { signal: options.signal } : {}),
    });
    return answer.value;
  }
}

/** "No path to datacenter" alone: no such datacenter; with a detail: known but unreachable. */
function noPathFrom(datacenter: string, message: string): NoPathToDatacenterError | undefined {
  const prefix = 'No path to datacenter';
  if (!message.startsWith(prefix)) return undefined;
  const detail = message.slice(prefix.length).replace(/^:\s*/, '').trim();
  return detail ? new NoPathToDatacenterError(datacenter, 'unreachable', detail) : new NoPathToDatacenterError(datacenter, 'unknown');
}

function codeForStatus(status: number): ErrorCode {
  if (status === 400) return 'BAD_REQUEST';
  if (status === 404) return 'NOT_FOUND';
  if (status === 413) return 'TOO_LARGE';
  if (status === 405) return 'METHOD_NOT_ALLOWED';
  return status >= 500 ? 'UNAVAILABLE' : 'INTERNAL';
}
