import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { pathLabel } from '../../../src/http/request-metrics.js';
import { ManualClock } from '../../helpers/manual-clock.js';
import { startHarness, type Harness } from './harness.js';

// GET /v1/agent/metrics: go-metrics' DisplayMetrics JSON (the last finished 10 s interval) and
// the Prometheus text format, plus the api.http timing every request records.

describe('/v1/agent/metrics', () => {
  let h: Harness;
  const clock = new ManualClock();
  before(async () => {
    h = await startHarness({ metricsClock: clock });
  });
  after(() => h.close());

  it("answers Consul's JSON shape for the last finished interval", async () => {
    const stale = h.metrics.counter('dns.stale_queries');
    stale.inc();
    stale.inc();
    h.metrics.sample('dns.domain_query', { labels: { node: 'node1' } }).record(0.5);
    h.metrics.gauge('runtime.alloc_bytes').set(1024);
    const intervalStart = clock.now();
    clock.advance(10_000);
    stale.inc(); // the new interval's: not shown
    const res = await h.api('/v1/agent/metrics');
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'application/json');
    const body = (await res.json()) as Record<string, unknown> & {
      Timestamp: string;
      Counters: Record<string, unknown>[];
      Gauges: Record<string, unknown>[];
      Samples: Record<string, unknown>[];
    };
    assert.deepEqual(Object.keys(body), ['Timestamp', 'Gauges', 'Points', 'Counters', 'Samples']);
    assert.equal(body.Timestamp, '2023-11-14 22:13:20 +0000 UTC');
    assert.equal(new Date(intervalStart).toISOString(), '2023-11-14T22:13:20.000Z');
    assert.deepEqual(body.Points, []);
    assert.deepEqual(body.Gauges, [{ Name: 'consul.host1.runtime.alloc_bytes', Value: 1024, Labels: {} }]);
    assert.deepEqual(body.Counters, [
      { Name: 'consul.dns.stale_queries', Count: 2, Rate: 0.2, Sum: 2, Min: 1, Max: 1, Mean: 1, Stddev: 0, Labels: {} },
    ]);
    const query = body.Samples.find((s) => s.Name === 'consul.dns.domain_query');
    assert.deepEqual(Object.keys(query ?? {}), ['Name', 'Count', 'Rate', 'Sum', 'Min', 'Max', 'Mean', 'Stddev', 'Labels']);
    assert.deepEqual(query?.Labels, { node: 'node1' });
  });

  it('times every request it routes into api.http, labelled with method and route', async () => {
    await h.api('/v1/agent/self');
    await h.api('/v1/agent/self');
    await h.put('/v1/kv/a/b', 'x');
    await h.api('/v1/agent/self', { method: 'DELETE' }); // 405: still the route's
    await h.api('/v1/nothing/here'); // 404: no route, not timed
    clock.advance(10_000);
    const body = (await (await h.api('/v1/agent/metrics')).json()) as { Samples: { Name: string; Count: number; Labels: Record<string, string> }[] };
    const http = body.Samples.filter((s) => s.Name === 'consul.api.http').map((s) => [s.Labels.method, s.Labels.path, s.Count]);
    assert.deepEqual(http, [
      ['DELETE', 'v1_agent_self', 1],
      ['GET', 'v1_agent_metrics', 1], // the previous test's
      ['GET', 'v1_agent_self', 2],
      ['PUT', 'v1_kv_', 1],
    ]);
  });

  it('answers the Prometheus text format for ?format=prometheus and for a Prometheus Accept header', async () => {
    const res = await h.api('/v1/agent/metrics?format=prometheus');
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8');
    const text = await res.text();
    assert.match(text, /^# TYPE consul_dns_stale_queries counter\nconsul_dns_stale_queries 3$/m, 'cumulative across intervals');
    assert.match(text, /^# TYPE consul_host1_runtime_alloc_bytes gauge\nconsul_host1_runtime_alloc_bytes 1024$/m);
    assert.match(text, /^consul_dns_domain_query_sum\{node="node1"\} 0\.5\nconsul_dns_domain_query_count\{node="node1"\} 1$/m);
    assert.match(text, /^consul_api_http_count\{method="GET",path="v1_agent_self"\} \d+$/m);

    for (const accept of ['text/plain; version=0.0.4', 'application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5,*/*;q=0.1']) {
      const negotiated = await h.api('/v1/agent/metrics', { headers: { Accept: accept } });
      assert.equal(negotiated.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8', accept);
      await negotiated.text();
    }
    const json = await h.api('/v1/agent/metrics', { headers: { Accept: 'application/json' } });
    assert.equal(json.headers.get('content-type'), 'application/json');
    await json.text();
  });

  it("labels paths as Consul does: the route's pattern, slashes as underscores", () => {
    assert.equal(pathLabel('/v1/agent/self'), 'v1_agent_self');
    assert.equal(pathLabel('/v1/kv/*key'), 'v1_kv_');
    assert.equal(pathLabel('/v1/agent/service/*id'), 'v1_agent_service_');
  });
});
