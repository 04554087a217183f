import type { Clock } from '../shared/clock.js';
import type { Aggregate } from './aggregate.js';
import { IntervalWindow, type Interval, type Series } from './intervals.js';

/**
 * The agent's metrics, one registry per agent (no global): counters, gauges and samples (timings
 * in ms), each with optional labels, aggregated in 10-second intervals the way hashicorp/go-metrics'
 * InmemSink does, about a minute of them kept. Besides the intervals, every handle keeps the
 * cumulative figures Prometheus wants (a counter's total, a summary's sum and count).
 *
 * Recording is meant for hot paths (DNS answers ~130k queries/s on one core): a caller resolves
 * its handle once — name and labels turned into a series — and recording is then arithmetic on
 * numbers already in place: no clock read (see IntervalWindow), no map lookup, no allocation
 * (except once per series per interval, the first time it is recorded into).
 */

export type Labels = Readonly<Record<string, string>>;

export interface MetricOptions {
  labels?: Labels;
  /** Prometheus' HELP text; default: the metric's name. */
  help?: string;
}

export interface MetricsRegistryOptions {
  /** Intervals are aligned to its wall clock (now()) and rolled over by its timers. */
  clock: Clock;
  /** telemetry.metrics_prefix, the first part of every name ("consul"); '' for none. */
  prefix: string;
  /** Put into gauge names after the prefix, as go-metrics does unless telemetry.disable_hostname; '' for none. */
  gaugeHostname: string;
  /** Consul's: 10 s intervals, 1 minute kept. */
  intervalMs?: number;
  retainMs?: number;
}

const INTERVAL_MS = 10_000;
const RETAIN_MS = 60_000;

/** Counters and samples share this: find the current interval's aggregate, remembered per handle. */
abstract class AggregatedMetric {
  private interval: Interval | undefined;
  private aggregate: Aggregate | undefined;

  constructor(
    readonly series: Series,
    private readonly window: IntervalWindow,
  ) {}

  protected ingest(value: number): void {
    const interval = this.window.current;
    let aggregate = this.aggregate;
    if (interval !== this.interval || aggregate === undefined) {
      aggregate = interval.aggregate(this.series);
      this.interval = interval;
      this.aggregate = aggregate;
    }
    aggregate.ingest(value);
  }
}

export class Counter extends AggregatedMetric {
  /** Everything added since the agent started: what a Prometheus counter shows. */
  total = 0;

  inc(by = 1): void {
    this.total += by;
    this.ingest(by);
  }
}

export class Sample extends AggregatedMetric {
  /** Values recorded since the agent started, and their sum: a Prometheus summary's _count and _sum. */
  count = 0;
  sum = 0;

  record(value: number): void {
    this.count++;
    this.sum += value;
    this.ingest(value);
  }
}

export class Gauge {
  value = 0;
  /** A gauge never set has nothing to show. */
  isSet = false;

  constructor(
    readonly series: Series,
    private readonly window: IntervalWindow,
  ) {}

  set(value: number): void {
    this.value = value;
    this.isSet = true;
    this.window.current.gauges.set(this.series, value);
  }
}

export type Metric = Counter | Gauge | Sample;

export class MetricsRegistry {
  readonly window: IntervalWindow;
  private readonly metrics = new Map<string, Metric>();

  constructor(private readonly options: MetricsRegistryOptions) {
    this.window = new IntervalWindow(options.clock, options.intervalMs ?? INTERVAL_MS, options.retainMs ?? RETAIN_MS);
  }

  counter(name: string, options: MetricOptions = {}): Counter {
    return this.resolve(this.series('counter', name, options), Counter);
  }

  gauge(name: string, options: MetricOptions = {}): Gauge {
    return this.resolve(this.series('gauge', name, options), Gauge);
  }

  sample(name: string, options: MetricOptions = {}): Sample {
    return this.resolve(this.series('sample', name, options), Sample);
  }

  /** Stops the interval timer (the agent is stopping). */
  close(): void {
    this.window.close();
  }

  /** Every metric resolved so far, recorded into or not. */
  all(): Iterable<Metric> {
    return this.metrics.values();
  }

  /** The same name and labels give the same handle, so two callers add to one series. */
  private resolve<T extends Metric>(series: Series, make: new (series: Series, window: IntervalWindow) => T): T {
    const existing = this.metrics.get(series.key);
    if (existing !== undefined) {
      if (!(existing instanceof make)) throw new Error(`metric ${series.key} is a ${existing.series.kind}, not a ${series.kind}`);
      return existing;
    }
    const metric = new make(series, this.window);
    this.metrics.set(series.key, metric);
    return metric;
  }

  private series(kind: Series['kind'], name: string, options: MetricOptions): Series {
    const { prefix, gaugeHostname } = this.options;
    const parts = [prefix, kind === 'gauge' ? gaugeHostname : '', name].filter((part) => part !== '');
    const fullName = parts.join('.');
    const labels = { ...options.labels };
    const key = fullName + Object.entries(labels).map(([label, value]) => `;${label}=${value}`).join('');
    return { kind, name: fullName, labels, key, help: options.help ?? '' };
  }
}
