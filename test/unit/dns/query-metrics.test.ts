import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dnsMetrics } from '../../../src/dns/metrics.js';
import { QTYPE } from '../../../src/dns/records.js';
import { startDnsServer } from '../../../src/dns/server.js';
import { MetricsRegistry } from '../../../src/metrics/registry.js';
import { silentLogger } from '../../../src/shared/logger.js';
import { seededRandom } from '../../../src/shared/random.js';
import { ManualClock } from '../../helpers/manual-clock.js';
import { catalogWith, dnsConfig } from './dns-fixtures.js';
import { udpQuery } from './dns-client.js';

// dns.domain_query and dns.ptr_query: every question in our domains, and every reverse one, is
// timed (ms, labelled with the node name), whether it was answered from the prebuilt replies or not.

describe('dns query metrics', () => {
  it('times questions in our domains and reverse questions apart, and nothing else', async () => {
    const { store } = await catalogWith([{ node: 'web1', address: '10.0.0.1', service: 'web' }]);
    const clock = new ManualClock();
    const registry = new MetricsRegistry({ clock, prefix: 'consul', gaugeHostname: '' });
    const metrics = dnsMetrics(registry, 'node1');
    const server = await startDnsServer({
      reader: store,
      config: { bindAddress: '127.0.0.1', port: 0, domain: 'consul', altDomain: 'alt.example', datacenter: 'dc1', dns: dnsConfig() },
      logger: silentLogger(),
      random: seededRandom(1),
      clock,
      metrics,
    });
    try {
      await udpQuery(server.port, 'web.service.consul', QTYPE.A);
      await udpQuery(server.port, 'web.service.consul', QTYPE.A); // a prebuilt reply: timed all the same
      await udpQuery(server.port, 'web1.node.alt.example', QTYPE.A);
      await udpQuery(server.port, '1.0.0.10.in-addr.arpa', QTYPE.PTR);
      await udpQuery(server.port, 'example.com', QTYPE.A); // not ours, no recursors: REFUSED, untimed
      assert.equal(metrics.domainQuery.count, 3);
      assert.equal(metrics.ptrQuery.count, 1);
      assert.deepEqual(metrics.domainQuery.series.labels, { node: 'node1' });
      assert.equal(metrics.domainQuery.series.name, 'consul.dns.domain_query');
      assert.equal(metrics.ptrQuery.series.name, 'consul.dns.ptr_query');
      assert.equal(metrics.staleQueries.total, 0);
    } finally {
      await server.close();
    }
  });
});
