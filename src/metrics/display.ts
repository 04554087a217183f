import type { Aggregate } from './aggregate.js';
import type { Series } from './intervals.js';
import type { MetricsRegistry } from './registry.js';

/**
 * GET /v1/agent/metrics as JSON: go-metrics' DisplayMetrics (Consul serves exactly that). One
 * interval — the most recently finished one, or the current one when it is the only one — with
 * its gauges, counters and samples sorted by key (name, then labels). Timestamp is the
 * interval's start as Go prints a UTC time. Points (go-metrics' EmitKey) are never recorded by
 * Consul's agent, so the list is always empty.
 */

export interface GaugeValue {
  Name: string;
  Value: number;
  Labels: Record<string, string>;
}

/** Field order as Go encodes SampledValue (AggregateSample's fields embedded, SumSq hidden). */
export interface SampledValue {
  Name: string;
  Count: number;
  /** Sum per second of the interval. */
  Rate: number;
  Sum: number;
  Min: number;
  Max: number;
  Mean: number;
  Stddev: number;
  Labels: Record<string, string>;
}

export interface MetricsSummary {
  Timestamp: string;
  Gauges: GaugeValue[];
  Points: never[];
  Counters: SampledValue[];
  Samples: SampledValue[];
}

export function metricsSummary(registry: MetricsRegistry): MetricsSummary {
  const { window } = registry;
  const interval = window.displayed();
  const seconds = window.intervalMs / 1000;
  const byKey = (a: { series: Series }, b: { series: Series }): number => (a.series.key < b.series.key ? -1 : a.series.key > b.series.key ? 1 : 0);
  const gauges = [...interval.gauges].map(([series, value]) => ({ series, value })).sort(byKey);
  const aggregates = [...interval.aggregates].map(([series, aggregate]) => ({ series, aggregate })).sort(byKey);
  const sampled = (kind: Series['kind']): SampledValue[] =>
    aggregates.filter(({ series }) => series.kind === kind).map(({ series, aggregate }) => sampledValue(series, aggregate, seconds));
  return {
    Timestamp: goUtcTime(interval.startMs),
    Gauges: gauges.map(({ series, value }) => ({ Name: series.name, Value: value, Labels: { ...series.labels } })),
    Points: [],
    Counters: sampled('counter'),
    Samples: sampled('sample'),
  };
}

function sampledValue(series: Series, aggregate: Aggregate, seconds: number): SampledValue {
  return {
    Name: series.name,
    Count: aggregate.count,
    Rate: aggregate.sum / seconds,
    Sum: aggregate.sum,
    Min: aggregate.min,
    Max: aggregate.max,
    Mean: aggregate.mean(),
    Stddev: aggregate.stddev(),
    Labels: { ...series.labels },
  };
}

/** Go's `t.Round(time.Second).UTC().String()`: `2026-11-25 10:20:00 +0000 UTC`. */
export function goUtcTime(ms: number): string {
  const iso = new Date(Math.round(ms / 1000) * 1000).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)} +0000 UTC`;
}
