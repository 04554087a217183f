import type { MetricsRegistry, Sample } from '../metrics/registry.js';

/**
 * Consul's `api.http` sample: how long each request took (ms), labelled with its method and
 * its route — Consul's label is the mux pattern the request matched, leading slash dropped and
 * `/` turned into `_` (`/v1/kv/` → `v1_kv_`, `/v1/agent/self` → `v1_agent_self`), so IDs and
 * keys never reach a label. Handles are resolved on a route's first request and kept.
 */
export class RequestMetrics {
  private readonly samples = new Map<string, Map<string, Sample>>();

  constructor(private readonly metrics: MetricsRegistry) {}

  record(method: string, pattern: string, ms: number): void {
    let byMethod = this.samples.get(pattern);
    if (byMethod === undefined) {
      byMethod = new Map();
      this.samples.set(pattern, byMethod);
    }
    let sample = byMethod.get(method);
    if (sample === undefined) {
      sample = this.metrics.sample('api.http', {
        labels: { method, path: pathLabel(pattern) },
        help: 'Time taken to serve an HTTP API request, in ms, by method and path.',
      });
      byMethod.set(method, sample);
    }
    sample.record(ms);
  }
}

/** roster's `/v1/kv/*key` is Consul's `/v1/kv/` pattern. */
export function pathLabel(pattern: string): string {
  return pattern.replace(/\*[^/]*$/, '').slice(1).replaceAll('/', '_');
}
