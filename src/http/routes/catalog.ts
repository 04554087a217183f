import { decodeJson } from '../body.js';
import { jsonReply, type HttpDeps } from '../context.js';
import { metaMatches, nodeMetaParam, refuseFilter, requireParam, tagsMatch } from '../params.js';
import { blockingRead } from '../read.js';
import { sortByNear } from '../near.js';
import type { Router } from '../router.js';
import { parseCatalogDeregister, parseCatalogRegister } from './catalog-body.js';

/**
 * /v1/catalog: the cluster-wide registry. Writes become register/deregister commands on the
 * command log; reads are blocking-capable and carry X-Consul-Index.
 */
export function registerCatalogRoutes(router: Router, deps: HttpDeps): void {
  const { reader, log, config } = deps;

  router.put('/v1/catalog/register', async (ctx) => {
    const command = parseCatalogRegister(decodeJson(await ctx.body()), {
      datacenter: config.datacenter,
      existingNode: (name) => reader.node(name),
    });
    await log.propose(command);
    return jsonReply(true);
  });

  router.put('/v1/catalog/deregister', async (ctx) => {
    for (const command of parseCatalogDeregister(decodeJson(await ctx.body()), config.datacenter)) {
      await log.propose(command);
    }
    return jsonReply(true);
  });

  // Nearest first (by WAN coordinates); answers without a leader, as Consul's does.
  router.get('/v1/catalog/datacenters', async () => jsonReply(deps.datacenters?.datacenters() ?? [config.datacenter]));

  router.get('/v1/catalog/nodes', async (ctx) => {
    refuseFilter(ctx.query);
    const meta = nodeMetaParam(ctx.query);
    const { value, headers } = await blockingRead(deps, ctx, ['nodes'], () => ({
      index: reader.index('nodes'),
      value: reader.nodes().filter((n) => metaMatches(n.Meta, meta)),
    }));
    return jsonReply(sortByNear(deps, ctx.query, value, (n) => n.Node), { headers });
  });

  router.get('/v1/catalog/services', async (ctx) => {
    refuseFilter(ctx.query);
    const meta = nodeMetaParam(ctx.query);
    // With a node-meta filter the answer also depends on the nodes table.
    const tables = meta ? (['nodes', 'services'] as const) : (['services'] as const);
    const { value, headers } = await blockingRead(deps, ctx, tables, () => ({
      index: reader.index(...tables),
      value: reader.services(meta),
    }));
    return jsonReply(value, { headers });
  });

  router.get('/v1/catalog/service/*service', async (ctx) => {
    refuseFilter(ctx.query);
    const name = requireParam(ctx, 'service', 'Missing service name');
    const tags = ctx.query.getAll('tag');
    const meta = nodeMetaParam(ctx.query);
    const { value, headers } = await blockingRead(deps, ctx, ['nodes', 'services'], () => ({
      index: reader.index('nodes', 'services'),
      value: reader.serviceInstances(name).filter((s) => tagsMatch(s.ServiceTags, tags) && metaMatches(s.NodeMeta, meta)),
    }));
    return jsonReply(sortByNear(deps, ctx.query, value, (s) => s.Node), { headers });
  });

  // Unknown node: 200 with `null`, as Consul's CatalogNodeServices returns a nil struct.
  router.get('/v1/catalog/node/*node', async (ctx) => {
    refuseFilter(ctx.query);
    const name = requireParam(ctx, 'node', 'Missing node name');
    const { value, headers } = await blockingRead(deps, ctx, ['nodes', 'services'], () => ({
      index: reader.index('nodes', 'services'),
      value: reader.nodeServices(name) ?? null,
    }));
    return jsonReply(value, { headers });
  });

  router.get('/v1/catalog/node-services/*node', async (ctx) => {
    refuseFilter(ctx.query);
    const name = requireParam(ctx, 'node', 'Missing node name');
    const { value, headers } = await blockingRead(deps, ctx, ['nodes', 'services'], () => {
      const found = reader.nodeServices(name);
      return {
        index: reader.index('nodes', 'services'),
        value: { Node: found?.Node ?? null, Services: found ? Object.values(found.Services) : [] },
      };
    });
    return jsonReply(value, { headers });
  });
}
