import type { Series } from './intervals.js';
import { Counter, Gauge, Sample, type Metric } from './registry.js';

/**
 * GET /v1/agent/metrics?format=prometheus: the Prometheus text exposition format (0.0.4), shaped
 * as Consul's Prometheus sink (go-metrics/prometheus) prints it:
 * - names are the dotted names with `.`, `-`, `=`, `/` and spaces turned into `_`
 *   (`consul.dns.stale_queries` → `consul_dns_stale_queries`), labels as labels;
 * - counters are cumulative and keep their name — no `_total` suffix, as client_golang's text
 *   format leaves a counter's name alone;
 * - gauges show the last value set;
 * - samples are summaries: cumulative `_sum` and `_count`. Consul's also carry 0.5/0.9/0.99
 *   quantiles over the last 10 s; roster keeps no individual values, so it prints none (a summary
 *   without quantiles is valid, and rate(_sum)/rate(_count) gives the mean).
 * Unlike the JSON view, which shows one finished interval, these are the figures now.
 */

export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

interface Family {
  type: 'counter' | 'gauge' | 'summary';
  help: string;
  /** [label text for sorting, lines]. */
  rows: [string, string[]][];
}

export function prometheusText(metrics: Iterable<Metric>): string {
  const families = new Map<string, Family>();
  const family = (series: Series, type: Family['type']): Family => {
    const name = prometheusName(series.name);
    let found = families.get(name);
    if (found === undefined) {
      found = { type, help: series.help || name, rows: [] };
      families.set(name, found);
    }
    return found;
  };
  for (const metric of metrics) {
    const { series } = metric;
    const name = prometheusName(series.name);
    const labels = labelText(series.labels);
    if (metric instanceof Counter) {
      family(series, 'counter').rows.push([labels, [`${name}${labels} ${number(metric.total)}`]]);
    } else if (metric instanceof Gauge) {
      if (metric.isSet) family(series, 'gauge').rows.push([labels, [`${name}${labels} ${number(metric.value)}`]]);
    } else if (metric instanceof Sample) {
      family(series, 'summary').rows.push([labels, [`${name}_sum${labels} ${number(metric.sum)}`, `${name}_count${labels} ${number(metric.count)}`]]);
    }
  }
  const out: string[] = [];
  for (const name of [...families.keys()].sort()) {
    const { type, help, rows } = families.get(name)!;
    out.push(`# HELP ${name} ${help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}`, `# TYPE ${name} ${type}`);
    rows.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    for (const [, lines] of rows) out.push(...lines);
  }
  return out.length === 0 ? '' : `${out.join('\n')}\n`;
}

/** go-metrics' flattening, widened to everything Prometheus forbids in a name. */
export function prometheusName(dotted: string): string {
  const name = dotted.replace(/[^A-Za-z0-9_:]/g, '_');
  return /^[0-9]/.test(name) ? `_${name}` : name;
}

function labelText(labels: Readonly<Record<string, string>>): string {
  const pairs = Object.entries(labels).map(([label, value]) => {
    const escaped = value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
    return `${prometheusName(label).replace(/:/g, '_')}="${escaped}"`;
  });
  return pairs.length === 0 ? '' : `{${pairs.join(',')}}`;
}

/** Prometheus spells the non-finite values its own way. */
function number(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Number.POSITIVE_INFINITY) return '+Inf';
  if (value === Number.NEGATIVE_INFINITY) return '-Inf';
  return String(value);
}
