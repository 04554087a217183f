import { badRequest } from '../shared/errors.js';
import type { RequestContext } from './context.js';

/**
 * Query-string parsing with Consul's conventions: a bare `?flag` means true, booleans follow Go's
 * strconv.ParseBool, and a bad value is a 400 that names the parameter.
 */

const GO_TRUE = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);
const GO_FALSE = new Set(['0', 'f', 'F', 'FALSE', 'false', 'False']);

/** Go's strconv.ParseBool; undefined when the text is not a boolean. */
export function parseGoBool(text: string): boolean | undefined {
  if (GO_TRUE.has(text)) return true;
  if (GO_FALSE.has(text)) return false;
  return undefined;
}

/**
 * A boolean parameter: absent ⇒ false, bare (`?passing`) ⇒ true, otherwise ParseBool.
 * `message` is the 400 text for a value that is not a boolean.
 */
export function boolParam(query: URLSearchParams, name: string, message = `Invalid value for ?${name}`): boolean {
  if (!query.has(name)) return false;
  const value = query.get(name) ?? '';
  if (value === '') return true;
  const parsed = parseGoBool(value);
  if (parsed === undefined) throw badRequest(message);
  return parsed;
}

/**
 * A presence flag whose value Consul does not read (`?recurse`, `?keys`, `?raw`), except that
 * an explicit false is honoured so `?recurse=false` does what it says.
 */
export function flagParam(query: URLSearchParams, name: string): boolean {
  if (!query.has(name)) return false;
  return parseGoBool(query.get(name) ?? '') !== false;
}

/** A non-negative integer parameter (indexes, flags); absent ⇒ undefined. */
export function uintParam(query: URLSearchParams, name: string, message = `Invalid value for ?${name}`): number | undefined {
  if (!query.has(name)) return undefined;
  const text = query.get(name) ?? '';
  if (!/^\d+$/.test(text)) throw badRequest(message);
  const value = Number(text);
  // Consul's indexes and flags are uint64; beyond 2^53 a JS number cannot hold them exactly.
  if (!Number.isSafeInteger(value)) throw badRequest(`${message}: larger than ${Number.MAX_SAFE_INTEGER}`);
  return value;
}

/** `?node-meta=key:value`, repeatable; every pair must match (Consul's NodeMetaFilters). */
export function nodeMetaParam(query: URLSearchParams): Record<string, string> | undefined {
  const raw = query.getAll('node-meta');
  if (raw.length === 0) return undefined;
  const out: Record<string, string> = {};
  for (const pair of raw) {
    const cut = pair.indexOf(':');
    // Consul takes a pair without ':' as a key with an empty value.
    if (cut === -1) out[pair] = '';
    else out[pair.slice(0, cut)] = pair.slice(cut + 1);
  }
  return out;
}

export { metaMatches } from '../catalog/types.js';

/** `?tag=` repeated means all of them (AND), compared case-insensitively as Consul does. */
export function tagsMatch(tags: readonly string[], wanted: readonly string[]): boolean {
  const have = new Set(tags.map((t) => t.toLowerCase()));
  return wanted.every((t) => have.has(t.toLowerCase()));
}

/**
 * `?filter=` (go-bexpr) is not implemented; refusing it is safer than silently returning items
 * the caller asked to exclude.
 */
export function refuseFilter(query: URLSearchParams): void {
  if (query.has('filter')) throw badRequest('the filter query parameter is not supported yet');
}

/** The route's tail capture, which must not be empty (`/v1/agent/service/deregister/`). */
export function requireParam(ctx: RequestContext, name: string, message: string): string {
  const value = ctx.params[name] ?? '';
  if (value === '') throw badRequest(message);
  return value;
}
