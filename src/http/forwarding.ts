import type { Handler, HttpDeps, RequestContext } from './context.js';
import type { DatacenterPort, ForwardedRequest } from './datacenter-port.js';
import { replyFromForwarded } from './dispatch.js';
import type { Method } from './router.js';

/**
 * The one place `?dc=` is honoured: every route is wrapped (Router.wrapEach) so that a request
 * for another datacenter is executed by a server there (a client agent goes through a server of
 * its own datacenter, as Consul's do) and its reply returned as it is. Which routes:
 *  - `/v1/agent/*` is about this agent: never forwarded, `?dc` ignored (as Consul);
 *  - the datacenter list and WAN coordinates are the servers' knowledge: a client agent asks a
 *    server of its own datacenter, `?dc` ignored;
 *  - everything else (catalog, health, KV, status, event, coordinate/nodes, operator,
 *    snapshot) runs where `?dc` says.
 */
export function forwardingWrapper(deps: HttpDeps, port: DatacenterPort): (pattern: string, method: Method, handler: Handler) => Handler {
  const own = deps.config.datacenter;
  return (pattern, _method, handler) => {
    if (pattern.startsWith('/v1/agent/')) return handler;
    if (pattern === '/v1/catalog/datacenters' || pattern === '/v1/coordinate/datacenters') {
      if (port.isServer) return handler;
      return async (ctx) => replyFromForwarded(await port.forward(own, await forwardedRequest(deps, ctx), ctx.signal));
    }
    return async (ctx) => {
      const dc = ctx.query.get('dc');
      if (!dc || dc === own) return handler(ctx);
      return replyFromForwarded(await port.forward(dc, await forwardedRequest(deps, ctx), ctx.signal));
    };
  };
}

/** Headers that describe this hop's connection, not the request. */
const HOP_HEADERS = new Set(['host', 'connection', 'content-length', 'transfer-encoding', 'keep-alive', 'upgrade', 'expect']);

async function forwardedRequest(deps: HttpDeps, ctx: RequestContext): Promise<ForwardedRequest> {
  const query = new URLSearchParams(ctx.query);
  // Consul resolves `near=_agent` to the asking agent's node before forwarding; the remote
  // datacenter then sorts by that node (usually: does not know it, so leaves the order alone).
  if (query.get('near') === '_agent') query.set('near', deps.config.nodeName);
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(ctx.headers)) {
    if (HOP_HEADERS.has(name) || value === undefined) continue;
    headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  const hasBody = ctx.method !== 'GET' && ctx.method !== 'HEAD';
  const body = hasBody ? await ctx.body(Math.max(deps.config.httpMaxBodyBytes, deps.config.kvMaxValueSize)) : new Uint8Array(0);
  return { method: ctx.method, path: ctx.path, query: query.toString(), headers, body };
}
