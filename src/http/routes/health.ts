import { HEALTH_STATUSES, type CheckRecord, type HealthStatus } from '../../catalog/types.js';
import { badRequest } from '../../shared/errors.js';
import { jsonReply, type HttpDeps } from '../context.js';
import { boolParam, metaMatches, nodeMetaParam, refuseFilter, requireParam, tagsMatch } from '../params.js';
import { blockingRead } from '../read.js';
import { sortByNear } from '../near.js';
import type { Router } from '../router.js';

/**
 * /v1/health: checks by node, service and state, and service instances with their checks.
 * Without `?passing` nothing is filtered — critical instances are listed too, as in Consul.
 */
export function registerHealthRoutes(router: Router, deps: HttpDeps): void {
  const { reader } = deps;

  /** Checks on nodes whose meta matches the filter (no filter: all). */
  const onMatchingNodes = (checks: CheckRecord[], meta: Record<string, string> | undefined): CheckRecord[] =>
    meta ? checks.filter((c) => metaMatches(reader.node(c.Node)?.Meta ?? {}, meta)) : checks;

  router.get('/v1/health/node/*node', async (ctx) => {
    refuseFilter(ctx.query);
    const node = requireParam(ctx, 'node', 'Missing node name');
    const { value, headers } = await blockingRead(deps, ctx, ['checks'], () => ({
      index: reader.index('checks'),
      value: reader.nodeChecks(node),
    }));
    return jsonReply(value, { headers });
  });

  router.get('/v1/health/checks/*service', async (ctx) => {
    refuseFilter(ctx.query);
    const service = requireParam(ctx, 'service', 'Missing service name');
    const meta = nodeMetaParam(ctx.query);
    const { value, headers } = await blockingRead(deps, ctx, ['nodes', 'checks'], () => ({
      index: reader.index('checks', ...(meta ? (['nodes'] as const) : [])),
      value: onMatchingNodes(reader.serviceChecks(service), meta),
    }));
    return jsonReply(sortByNear(deps, ctx.query, value, (c) => c.Node), { headers });
  });

  router.get('/v1/health/service/*service', async (ctx) => {
    refuseFilter(ctx.query);
    const service = requireParam(ctx, 'service', 'Missing service name');
    const passingOnly = boolParam(ctx.query, 'passing');
    const tags = ctx.query.getAll('tag');
    const meta = nodeMetaParam(ctx.query);
    const { value, headers } = await blockingRead(deps, ctx, ['nodes', 'services', 'checks'], () => ({
      index: reader.index('nodes', 'services', 'checks'),
      value: reader
        .serviceHealth(service, { passingOnly })
        .filter((e) => tagsMatch(e.Service.Tags, tags) && metaMatches(e.Node.Meta, meta)),
    }));
    return jsonReply(sortByNear(deps, ctx.query, value, (e) => e.Node.Node), { headers });
  });

  router.get('/v1/health/state/*state', async (ctx) => {
    refuseFilter(ctx.query);
    const state = requireParam(ctx, 'state', 'Missing check state');
    if (state !== 'any' && !HEALTH_STATUSES.includes(state as HealthStatus)) {
      throw badRequest(`Invalid check state "${state}": expected any, passing, warning or critical`);
    }
    const meta = nodeMetaParam(ctx.query);
    const { value, headers } = await blockingRead(deps, ctx, ['nodes', 'checks'], () => ({
      index: reader.index('checks', ...(meta ? (['nodes'] as const) : [])),
      value: onMatchingNodes(reader.checksInState(state as HealthStatus | 'any'), meta),
    }));
    return jsonReply(sortByNear(deps, ctx.query, value, (c) => c.Node), { headers });
  });
}
