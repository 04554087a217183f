import assert from 'node:assert/strict';
import { PerformanceObserver } from 'node:perf_hooks';
import { describe, it } from 'node:test';
import { goUtcTime, metricsSummary } from '../../../src/metrics/display.js';
import { MetricsRegistry } from '../../../src/metrics/registry.js';
import { ManualClock } from '../../helpers/manual-clock.js';

// The in-process registry: go-metrics' InmemSink aggregation (10 s intervals, the last finished
// one shown) driven by a manual clock, so intervals roll over without sleeping.

function registry(options: { gaugeHostname?: string; prefix?: string } = {}) {
  const clock = new ManualClock();
  const metrics = new MetricsRegistry({ clock, prefix: options.prefix ?? 'consul', gaugeHostname: options.gaugeHostname ?? '' });
  return { clock, metrics, show: () => metricsSummary(metrics) };
}

describe('metrics registry', () => {
  it('aggregates samples in an interval: count, sum, min, max, mean, stddev and rate', () => {
    const { metrics, show } = registry();
    const sample = metrics.sample('dns.domain_query', { labels: { node: 'n1' } });
    for (const ms of [1, 2, 3, 4]) sample.record(ms);
    const [shown, ...rest] = show().Samples;
    assert.equal(rest.length, 0);
    assert.deepEqual(shown, {
      Name: 'consul.dns.domain_query',
      Count: 4,
      Rate: 1, // sum 10 over a 10 s interval
      Sum: 10,
      Min: 1,
      Max: 4,
      Mean: 2.5,
      Stddev: Math.sqrt(5 / 3),
      Labels: { node: 'n1' },
    });
  });

  it('counts counter increments and keeps label sets apart; one name and labels is one handle', () => {
    const { metrics, show } = registry();
    const get = metrics.sample('api.http', { labels: { method: 'GET', path: 'v1_agent_self' } });
    const put = metrics.sample('api.http', { labels: { method: 'PUT', path: 'v1_kv_' } });
    assert.equal(metrics.sample('api.http', { labels: { method: 'GET', path: 'v1_agent_self' } }), get);
    get.record(5);
    get.record(7);
    put.record(1);
    const stale = metrics.counter('dns.stale_queries');
    stale.inc();
    stale.inc();
    stale.inc(3);
    const summary = show();
    assert.deepEqual(
      summary.Samples.map((s) => [s.Name, s.Labels, s.Count, s.Sum]),
      [
        ['consul.api.http', { method: 'GET', path: 'v1_agent_self' }, 2, 12],
        ['consul.api.http', { method: 'PUT', path: 'v1_kv_' }, 1, 1],
      ],
    );
    assert.deepEqual(summary.Counters, [
      { Name: 'consul.dns.stale_queries', Count: 3, Rate: 0.5, Sum: 5, Min: 1, Max: 3, Mean: 5 / 3, Stddev: Math.sqrt((3 * 11 - 25) / 6), Labels: {} },
    ]);
    assert.throws(() => metrics.sample('dns.stale_queries'), /is a counter, not a sample/);
  });

  it('shows the most recently finished interval once there is one, with its start as Timestamp', () => {
    const { clock, metrics, show } = registry();
    const counter = metrics.counter('raft.apply');
    const start = clock.now();
    counter.inc();
    // Only the current interval exists: it is shown, still filling.
    assert.equal(show().Counters[0]?.Count, 1);
    assert.equal(show().Timestamp, goUtcTime(start));
    counter.inc();
    clock.advance(10_000);
    counter.inc(); // the next interval
    const summary = show();
    assert.equal(summary.Timestamp, goUtcTime(start), 'the finished interval, not the current one');
    assert.equal(summary.Counters[0]?.Count, 2);
    clock.advance(10_000);
    assert.equal(show().Counters[0]?.Count, 1, 'after another roll-over, the interval that had one increment');
    assert.equal(show().Timestamp, goUtcTime(start + 10_000));
    clock.advance(10_000);
    assert.deepEqual(show().Counters, [], 'an interval with nothing recorded shows nothing');
  });

  it('aligns intervals to the clock in 10 s steps and prints the Timestamp as Go does', () => {
    const { clock, metrics, show } = registry();
    clock.advance(4_321);
    metrics.counter('x').inc();
    assert.equal(show().Timestamp, goUtcTime(1_700_000_000_000));
    assert.equal(goUtcTime(Date.UTC(2026, 10, 25, 10, 20, 0)), '2026-11-25 10:20:00 +0000 UTC');
  });

  it('keeps the last gauge value of an interval, with the host name in the name unless disabled', () => {
    const withHost = registry({ gaugeHostname: 'host1' });
    const gauge = withHost.metrics.gauge('runtime.alloc_bytes');
    gauge.set(100);
    gauge.set(250);
    assert.deepEqual(withHost.show().Gauges, [{ Name: 'consul.host1.runtime.alloc_bytes', Value: 250, Labels: {} }]);
    assert.equal(withHost.metrics.counter('dns.stale_queries').series.name, 'consul.dns.stale_queries', 'only gauges carry the host name');
    const noHost = registry({ prefix: 'roster' });
    noHost.metrics.gauge('runtime.alloc_bytes').set(1);
    assert.equal(noHost.show().Gauges[0]?.Name, 'roster.runtime.alloc_bytes');
  });

  it('keeps cumulative totals for Prometheus across intervals', () => {
    const { clock, metrics } = registry();
    const counter = metrics.counter('dns.stale_queries');
    const sample = metrics.sample('dns.ptr_query');
    counter.inc();
    sample.record(2);
    clock.advance(70_000); // past the minute of intervals kept
    counter.inc(2);
    sample.record(3);
    assert.equal(counter.total, 3);
    assert.equal(sample.count, 2);
    assert.equal(sample.sum, 5);
  });

  it('stops rolling intervals once closed', () => {
    const { clock, metrics } = registry();
    assert.equal(clock.pending(), 1, 'the roll-over timer');
    metrics.close();
    assert.equal(clock.pending(), 0);
  });

  it('allocates nothing to count or time once warm (the DNS hot path)', async () => {
    const { metrics } = registry();
    const counter = metrics.counter('dns.stale_queries');
    const sample = metrics.sample('dns.domain_query', { labels: { node: 'n1' } });
    const loop = (n: number): void => {
      for (let i = 0; i < n; i++) {
        counter.inc();
        sample.record(0.25);
      }
    };
    loop(1_000_000); // warm up: the optimising compiler takes over
    const collections: number[] = [];
    const observer = new PerformanceObserver((list) => collections.push(...list.getEntries().map((e) => e.startTime)));
    observer.observe({ entryTypes: ['gc'] });
    const from = performance.now();
    loop(2_000_000);
    const to = performance.now();
    await new Promise((resolve) => setTimeout(resolve, 20));
    observer.disconnect();
    // A garbage collection starts only when allocation runs out of room; inside a synchronous loop
    // nothing else in this process allocates.
    assert.deepEqual(collections.filter((t) => t >= from && t <= to), []);
    assert.equal(counter.total, 3_000_000);
  });
});
