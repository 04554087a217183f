import type { HttpDeps } from '../context.js';
import { jsonReply } from '../context.js';
import { checkDatacenter } from '../read.js';
import type { Router } from '../router.js';

/**
 * /v1/status: the Raft leader and voters. These answer without a leader (the leader is then
 * ""), which is exactly what callers use them to find out.
 */
export function registerStatusRoutes(router: Router, deps: HttpDeps): void {
  router.get('/v1/status/leader', async (ctx) => {
    checkDatacenter(deps, ctx.query.get('dc'));
    return jsonReply(deps.log.hasLeader() ? deps.log.leaderAddress() : '');
  });

  router.get('/v1/status/peers', async (ctx) => {
    checkDatacenter(deps, ctx.query.get('dc'));
    return jsonReply(deps.log.peers());
  });
}
