import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { prometheusText } from '../../../src/metrics/prometheus.js';
import { MetricsRegistry } from '../../../src/metrics/registry.js';
import { ManualClock } from '../../helpers/manual-clock.js';

describe('prometheus text', () => {
  it('prints counters (cumulative, no _total), gauges and samples as summaries, names with dots as underscores', () => {
    const clock = new ManualClock();
    const metrics = new MetricsRegistry({ clock, prefix: 'consul', gaugeHostname: 'web-1.example' });
    const stale = metrics.counter('dns.stale_queries', { help: 'Stale DNS answers.' });
    const query = metrics.sample('dns.domain_query', { labels: { node: 'n1' } });
    metrics.sample('dns.domain_query', { labels: { node: 'a"b\\c' } }).record(1);
    metrics.gauge('runtime.alloc_bytes').set(12345678);
    metrics.gauge('runtime.never_set');
    stale.inc();
    query.record(0.5);
    clock.advance(10_000); // a new interval: Prometheus figures keep counting
    stale.inc(2);
    query.record(1.5);
    assert.equal(
      prometheusText(metrics.all()),
      [
        '# HELP consul_dns_domain_query consul_dns_domain_query',
        '# TYPE consul_dns_domain_query summary',
        'consul_dns_domain_query_sum{node="a\\"b\\\\c"} 1',
        'consul_dns_domain_query_count{node="a\\"b\\\\c"} 1',
        'consul_dns_domain_query_sum{node="n1"} 2',
        'consul_dns_domain_query_count{node="n1"} 2',
        '# HELP consul_dns_stale_queries Stale DNS answers.',
        '# TYPE consul_dns_stale_queries counter',
        'consul_dns_stale_queries 3',
        '# HELP consul_web_1_example_runtime_alloc_bytes consul_web_1_example_runtime_alloc_bytes',
        '# TYPE consul_web_1_example_runtime_alloc_bytes gauge',
        'consul_web_1_example_runtime_alloc_bytes 12345678',
        '',
      ].join('\n'),
    );
  });

  it('prints a counter nothing has incremented yet as 0', () => {
    const metrics = new MetricsRegistry({ clock: new ManualClock(), prefix: 'consul', gaugeHostname: '' });
    metrics.counter('raft.apply');
    assert.match(prometheusText(metrics.all()), /^consul_raft_apply 0$/m);
  });
});
