import type { ConfigLayer, LayerData } from './layer.js';

/**
 * Merged configuration plus, for every key and list element, where it was last set (the
 * layer's error prefix), so a rule that spans keys can still name the file or flag at fault.
 */
export interface MergedConfig {
  data: LayerData;
  origin: ReadonlyMap<string, string>;
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

/**
 * Consul's merge: later layers win for scalars, lists are appended, objects (ports, node_meta,
 * dns_config.service_ttl) are merged key by key. List elements are never merged into each
 * other: two files each defining a service give two services.
 */
function mergeInto(
  target: Record<string, unknown>,
  source: Record<string, unknown>,
  prefix: string,
  layer: ConfigLayer,
  origin: Map<string, string>,
): void {
  for (const [key, value] of Object.entries(source)) {
    if (value === undefined) continue;
    const path = prefix ? `${prefix}.${key}` : key;
    const current = target[key];
    origin.set(path, layer.where(path));
    if (Array.isArray(value)) {
      const base = Array.isArray(current) ? current : [];
      value.forEach((_, i) => origin.set(`${path}[${base.length + i}]`, layer.where(`${path}[${i}]`)));
      target[key] = [...base, ...value];
    } else if (isPlainObject(value)) {
      const merged = isPlainObject(current) ? { ...current } : {};
      mergeInto(merged, value, path, layer, origin);
      target[key] = merged;
    } else {
      target[key] = value;
    }
  }
}

/** Merges layers in order; the first is the lowest priority. */
export function mergeLayers(layers: readonly ConfigLayer[]): MergedConfig {
  const data: Record<string, unknown> = {};
  const origin = new Map<string, string>();
  for (const layer of layers) mergeInto(data, layer.data as Record<string, unknown>, '', layer, origin);
  return { data: data as LayerData, origin };
}
