import { metricsSummary } from '../../metrics/display.js';
import { PROMETHEUS_CONTENT_TYPE, prometheusText } from '../../metrics/prometheus.js';
import { jsonReply, rawReply, type HttpDeps, type RequestContext } from '../context.js';
import type { Router } from '../router.js';

/**
 * GET /v1/agent/metrics — this agent's telemetry: go-metrics' JSON summary of the last finished
 * 10 s interval, or with `?format=prometheus` (or a Prometheus Accept header) the Prometheus
 * text format. Consul answers the latter only when telemetry.prometheus_retention_time is set
 * (415 otherwise); roster always does, as it keeps the figures anyway.
 */
export function registerAgentMetricsRoutes(router: Router, deps: HttpDeps): void {
  router.get('/v1/agent/metrics', async (ctx) => {
    if (wantsPrometheus(ctx)) return rawReply(prometheusText(deps.metrics.all()), { contentType: PROMETHEUS_CONTENT_TYPE });
    return jsonReply(metricsSummary(deps.metrics));
  });
}

/**
 * Consul's enablePrometheusOutput: `?format=prometheus`, or an Accept header naming
 * `application/openmetrics-text` or `text/plain; version=0.0.4` (the text format's version;
 * Consul compares against "version=0.4.0", which no scraper sends, so both are taken).
 */
export function wantsPrometheus(ctx: Pick<RequestContext, 'query' | 'headers'>): boolean {
  if (ctx.query.get('format') === 'prometheus') return true;
  const accept = ctx.headers.accept ?? '';
  for (const range of accept.split(',')) {
    const [type = '', ...params] = range.split(';').map((part) => part.trim());
    const mime = type.toLowerCase();
    if (mime === 'application/openmetrics-text') return true;
    if (mime === 'text/plain' && params.some((p) => p === 'version=0.0.4' || p === 'version=0.4.0')) return true;
  }
  return false;
}
