import type { ReadConsistency } from '../catalog/command-log.js';
import type { Table } from '../catalog/watch.js';
import { AppError, badRequest } from '../shared/errors.js';
import { blockingQuery, parseBlockingParams, type Indexed } from './blocking.js';
import type { HttpDeps, ReplyHeaders, RequestContext } from './context.js';

/**
 * The common front of every catalog-backed read (catalog, health, KV): datacenter and
 * consistency checks, the blocking wait, and Consul's query-meta headers.
 */

export type Consistency = ReadConsistency;

/** Only this datacenter is served; another is Consul's "No path to datacenter" (500). */
export function checkDatacenter(deps: HttpDeps, dc: string | null | undefined): void {
  if (dc && dc !== deps.config.datacenter) throw new AppError('UNAVAILABLE', 'No path to datacenter');
}

/**
 * `?stale` reads locally without a leader; the default and `?consistent` need one (the
 * command log's barrier then brings the local state up to the leader's, `?consistent` after the
 * leader has confirmed its quorum).
 */
export function parseConsistency(deps: HttpDeps, query: URLSearchParams): Consistency {
  const stale = query.has('stale');
  const consistent = query.has('consistent');
  if (stale && consistent) throw badRequest('Cannot specify ?stale with ?consistent, conflicting semantics.');
  if (stale) return 'stale';
  if (!deps.log.hasLeader()) throw new AppError('UNAVAILABLE', 'No cluster leader');
  return consistent ? 'consistent' : 'leader';
}

/** X-Consul-Index and friends, as Consul's setMeta writes them. */
export function queryMetaHeaders(deps: HttpDeps, index: number, consistency: Consistency): ReplyHeaders {
  return {
    'X-Consul-Index': String(Math.max(1, index)),
    'X-Consul-KnownLeader': String(deps.log.hasLeader()),
    'X-Consul-LastContact': String(Math.max(0, Math.round(deps.log.lastContactMs()))),
    'X-Consul-Effective-Consistency': consistency,
  };
}

/**
 * Runs a blocking-capable read: validates `?dc`, consistency and `?index`/`?wait` (all before
 * waiting, so a bad request fails at once), then blocks on `tables` until `compute`'s index
 * passes the caller's. Returns the result with the headers to send.
 */
export async function blockingRead<T>(
  deps: HttpDeps,
  ctx: RequestContext,
  tables: readonly Table[],
  compute: () => Indexed<T>,
): Promise<{ value: T; index: number; headers: ReplyHeaders }> {
  checkDatacenter(deps, ctx.query.get('dc'));
  const consistency = parseConsistency(deps, ctx.query);
  const params = parseBlockingParams(ctx.query, deps.config);
  await deps.log.barrier(consistency);
  const result = await blockingQuery(deps, tables, params, ctx.signal, compute);
  return { value: result.value, index: result.index, headers: queryMetaHeaders(deps, result.index, consistency) };
}
