import type { HttpDeps } from './context.js';

/**
 * `?near=<node>` / `?near=_agent`: results sorted by the estimated round trip from that node
 * (its LAN network coordinate) to each row's node, nearest first. Rows whose node has no
 * coordinate keep their order after the others. An unknown source node leaves the order
 * alone, as Consul's sortNodesByDistanceFrom does.
 */
export function sortByNear<T>(deps: HttpDeps, query: URLSearchParams, rows: T[], nodeOf: (row: T) => string): T[] {
  const near = query.get('near');
  const coordinates = deps.coordinates;
  if (!near || !coordinates || rows.length < 2) return rows;
  const from = coordinates.node(near === '_agent' ? deps.config.nodeName : near);
  if (!from) return rows;
  const cache = new Map<string, number>();
  const rtt = (node: string): number => {
    let d = cache.get(node);
    if (d === undefined) {
      const to = coordinates.node(node);
      d = to ? coordinates.distance(from, to) : Number.POSITIVE_INFINITY;
      cache.set(node, d);
    }
    return d;
  };
  return rows
    .map((row, i) => ({ row, i, d: rtt(nodeOf(row)) }))
    .sort((a, b) => (a.d === b.d ? a.i - b.i : a.d < b.d ? -1 : 1))
    .map((x) => x.row);
}
