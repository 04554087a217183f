import type { HttpDeps } from '../context.js';
import { Router } from '../router.js';
import { registerAgentHealthRoutes } from './agent-health.js';
import { registerAgentRoutes } from './agent.js';
import { registerCatalogRoutes } from './catalog.js';
import { registerEventRoutes } from './event.js';
import { registerHealthRoutes } from './health.js';
import { registerKvRoutes } from './kv.js';
import { registerOperatorRoutes } from './operator.js';
import { registerSnapshotRoutes } from './snapshot.js';
import { registerStatusRoutes } from './status.js';

/** Every /v1 route this agent serves, one API family per file. */
export function buildRouter(deps: HttpDeps): Router {
  const router = new Router();
  registerAgentRoutes(router, deps);
  registerAgentHealthRoutes(router, deps);
  registerCatalogRoutes(router, deps);
  registerEventRoutes(router, deps);
  registerHealthRoutes(router, deps);
  registerKvRoutes(router, deps);
  registerOperatorRoutes(router, deps);
  registerSnapshotRoutes(router, deps);
  registerStatusRoutes(router, deps);
  return router;
}
