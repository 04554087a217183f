import type { HttpDeps } from '../context.js';
import { Router } from '../router.js';
import { registerAgentHealthRoutes } from './agent-health.js';
import { registerAgentMetricsRoutes } from './agent-metrics.js';
import { registerAgentRoutes } from './agent.js';
import { registerCatalogRoutes } from './catalog.js';
import { registerCoordinateRoutes } from './coordinate.js';
import { createDispatcher } from '../dispatch.js';
import { forwardingWrapper } from '../forwarding.js';
import { registerEventRoutes } from './event.js';
import { registerHealthRoutes } from './health.js';
import { registerKvRoutes } from './kv.js';
import { registerOperatorRoutes } from './operator.js';
import { registerSessionRoutes } from './session.js';
import { registerSnapshotRoutes } from './snapshot.js';
import { registerStatusRoutes } from './status.js';
import { registerTxnRoutes } from './txn.js';

/** Every /v1 route this agent serves, one API family per file. */
export function buildRouter(deps: HttpDeps): Router {
  const router = new Router();
  // `?dc=` forwarding wraps every route; it must be in place before they are added.
  if (deps.datacenters) router.wrapEach(forwardingWrapper(deps, deps.datacenters));
  registerAgentRoutes(router, deps);
  registerAgentHealthRoutes(router, deps);
  registerAgentMetricsRoutes(router, deps);
  registerCatalogRoutes(router, deps);
  registerEventRoutes(router, deps);
  registerHealthRoutes(router, deps);
  registerKvRoutes(router, deps);
  registerSessionRoutes(router, deps);
  registerTxnRoutes(router, deps);
  registerOperatorRoutes(router, deps);
  registerSnapshotRoutes(router, deps);
  registerStatusRoutes(router, deps);
  registerCoordinateRoutes(router, deps);
  // Requests other agents forward here run through this same router, in process.
  deps.datacenters?.serve(createDispatcher(router, deps));
  return router;
}
