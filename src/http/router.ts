import type { Handler } from './context.js';

/**
 * Method + path routing for the /v1 API. Patterns are literal segments, optionally ending in
 * `*name`, which captures the rest of the path (possibly empty, slashes included). That tail
 * capture mirrors Consul's handlers, which take IDs with `strings.TrimPrefix`, so an ID or KV key
 * containing `/` reaches the handler whole.
 *
 * When several patterns match, the one with more literal segments wins, and an exact pattern
 * beats a tail pattern with the same literals (`/v1/agent/service/register` over
 * `/v1/agent/service/*id`), as Go's ServeMux prefers the longest match. The winning pattern alone
 * decides the allowed verbs, so `GET /v1/agent/service/register` is a 405, not a lookup of a
 * service called "register".
 */

export type Method = 'GET' | 'PUT' | 'DELETE' | 'POST';

interface Route {
  pattern: string;
  literals: string[];
  tail: string | undefined;
  handlers: Map<string, Handler>;
}

/** `pattern` is the route as registered (`/v1/kv/*key`): what a request is labelled with in metrics. */
export type RouteMatch =
  | { kind: 'found'; handler: Handler; params: Record<string, string>; pattern: string }
  | { kind: 'method-not-allowed'; allowed: string[]; pattern: string }
  | { kind: 'not-found' };

export class Router {
  private readonly routes: Route[] = [];
  private wrapper: ((pattern: string, method: Method, handler: Handler) => Handler) | undefined;

  /**
   * Every handler added from now on is passed through `wrap` once, at registration (so a
   * request pays nothing for it at match time). Used for `?dc=` forwarding.
   */
  wrapEach(wrap: (pattern: string, method: Method, handler: Handler) => Handler): this {
    this.wrapper = wrap;
    return this;
  }

  get(pattern: string, handler: Handler): this {
    return this.add('GET', pattern, handler);
  }

  put(pattern: string, handler: Handler): this {
    return this.add('PUT', pattern, handler);
  }

  delete(pattern: string, handler: Handler): this {
    return this.add('DELETE', pattern, handler);
  }

  add(method: Method, pattern: string, handler: Handler): this {
    let route = this.routes.find((r) => r.pattern === pattern);
    if (!route) {
      route = parsePattern(pattern);
      this.routes.push(route);
      // Most specific first: more literal segments, then exact before tail.
      this.routes.sort((a, b) => b.literals.length - a.literals.length || Number(a.tail !== undefined) - Number(b.tail !== undefined));
    }
    if (route.handlers.has(method)) throw new Error(`route ${method} ${pattern} registered twice`);
    route.handlers.set(method, this.wrapper ? this.wrapper(pattern, method, handler) : handler);
    return this;
  }

  /** `path` is the decoded URL path, without the query string. */
  match(method: string, path: string): RouteMatch {
    const segments = path.split('/').slice(1);
    for (const route of this.routes) {
      const params = matchRoute(route, segments);
      if (!params) continue;
      const handler = route.handlers.get(method);
      if (handler) return { kind: 'found', handler, params, pattern: route.pattern };
      return { kind: 'method-not-allowed', allowed: [...route.handlers.keys()].sort(), pattern: route.pattern };
    }
    return { kind: 'not-found' };
  }
}

function parsePattern(pattern: string): Route {
  if (!pattern.startsWith('/')) throw new Error(`route pattern must start with "/": ${pattern}`);
  const parts = pattern.split('/').slice(1);
  const last = parts[parts.length - 1];
  const tail = last?.startsWith('*') ? last.slice(1) : undefined;
  const literals = tail === undefined ? parts : parts.slice(0, -1);
  if (literals.some((p) => p.startsWith('*') || p.startsWith(':'))) {
    throw new Error(`only a trailing *name parameter is supported: ${pattern}`);
  }
  return { pattern, literals, tail, handlers: new Map() };
}

function matchRoute(route: Route, segments: string[]): Record<string, string> | undefined {
  if (route.tail === undefined) {
    if (segments.length !== route.literals.length) return undefined;
    return route.literals.every((lit, i) => segments[i] === lit) ? {} : undefined;
  }
  // A tail route needs its literals plus a (possibly empty) rest: `/v1/kv/` matches with key ''.
  if (segments.length < route.literals.length + 1) return undefined;
  if (!route.literals.every((lit, i) => segments[i] === lit)) return undefined;
  return { [route.tail]: segments.slice(route.literals.length).join('/') };
}
