import { AppError } from '../../shared/errors.js';
import { jsonReply, type HttpDeps } from '../context.js';
import { requireParam } from '../params.js';
import { checkDatacenter } from '../read.js';
import type { Router } from '../router.js';

/**
 * /v1/coordinate: network coordinates. `datacenters` lists every datacenter's servers with their
 * WAN coordinates (a server's knowledge; client agents ask one). `nodes` and `node/:node` are
 * LAN coordinates as this agent's gossip has measured them: itself and every member it has
 * probed (Consul keeps them in the catalog; here they come straight from gossip).
 */
export function registerCoordinateRoutes(router: Router, deps: HttpDeps): void {
  router.get('/v1/coordinate/datacenters', async () => jsonReply(deps.coordinates?.datacenters() ?? []));

  router.get('/v1/coordinate/nodes', async (ctx) => {
    checkDatacenter(deps, ctx.query.get('dc'));
    const nodes = (deps.coordinates?.nodes() ?? []).sort((a, b) => (a.Node < b.Node ? -1 : a.Node > b.Node ? 1 : 0));
    return jsonReply(nodes);
  });

  router.get('/v1/coordinate/node/*node', async (ctx) => {
    checkDatacenter(deps, ctx.query.get('dc'));
    const name = requireParam(ctx, 'node', 'Missing node name');
    const coord = deps.coordinates?.node(name);
    if (!coord) throw new AppError('NOT_FOUND', `No coordinate for node "${name}"`);
    return jsonReply([{ Node: name, Segment: '', Coord: coord }]);
  });
}
