import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import type { DnsFreshness } from '../../../src/dns/answer.js';
import { dnsMetrics } from '../../../src/dns/metrics.js';
import { QTYPE, RCODE } from '../../../src/dns/records.js';
import { startDnsServer } from '../../../src/dns/server.js';
import { MetricsRegistry } from '../../../src/metrics/registry.js';
import { createLogger, silentLogger, type Logger } from '../../../src/shared/logger.js';
import { seededRandom } from '../../../src/shared/random.js';
import { ManualClock } from '../../helpers/manual-clock.js';
import { catalogWith, dnsConfig } from './dns-fixtures.js';
import { udpQuery } from './dns-client.js';

// allow_stale / max_stale: DNS answers from the local catalog unless it is older than max_stale
// (or stale reads are off), in which case it first catches up with the leader, or says SERVFAIL.

async function serverWith(
  freshness: DnsFreshness,
  dns: Partial<Parameters<typeof dnsConfig>[0]> = {},
  extra: { clock?: ManualClock; logger?: Logger; metrics?: MetricsRegistry } = {},
) {
  const { store } = await catalogWith([{ node: 'web1', address: '10.0.0.1', service: 'web' }]);
  return startDnsServer({
    reader: store,
    config: { bindAddress: '127.0.0.1', port: 0, domain: 'consul', altDomain: '', datacenter: 'dc1', dns: dnsConfig({ maxStaleMs: 5_000, ...dns }) },
    logger: extra.logger ?? silentLogger(),
    random: seededRandom(1),
    clock: extra.clock ?? new ManualClock(),
    freshness,
    ...(extra.metrics ? { metrics: dnsMetrics(extra.metrics, 'node1') } : {}),
  });
}

function fakeFreshness(lastContactMs: number, fail = false) {
  const calls = { catchUp: 0 };
  const freshness: DnsFreshness & { setLastContact(ms: number): void } = {
    setLastContact: (ms) => (lastContactMs = ms),
    lastContactMs: () => lastContactMs,
    catchUp: async () => {
      calls.catchUp++;
      if (fail) throw new Error('No cluster leader');
    },
  };
  return { freshness, calls };
}

describe('dns freshness (allow_stale, max_stale)', () => {
  it('answers from the local view while the leader was heard from within max_stale', async () => {
    const { freshness, calls } = fakeFreshness(100);
    const server = await serverWith(freshness);
    try {
      const { packet } = await udpQuery(server.port, 'web.service.consul', QTYPE.A);
      assert.deepEqual(packet.answers.map((a) => a.address), ['10.0.0.1']);
      assert.equal(calls.catchUp, 0);
    } finally {
      await server.close();
    }
  });

  it('catches up with the leader first when the view is older than max_stale', async () => {
    const { freshness, calls } = fakeFreshness(60_000);
    const server = await serverWith(freshness);
    try {
      const { packet } = await udpQuery(server.port, 'web.service.consul', QTYPE.A);
      assert.deepEqual(packet.answers.map((a) => a.address), ['10.0.0.1']);
      assert.equal(calls.catchUp, 1);
    } finally {
      await server.close();
    }
  });

  it('says SERVFAIL when it cannot catch up, and always catches up with allow_stale off', async () => {
    const stale = fakeFreshness(60_000, true);
    const server = await serverWith(stale.freshness);
    try {
      assert.equal((await udpQuery(server.port, 'web.service.consul', QTYPE.A)).packet.header.rcode, RCODE.SERVFAIL);
    } finally {
      await server.close();
    }
    const strict = fakeFreshness(0);
    const strictServer = await serverWith(strict.freshness, { allowStale: false });
    try {
      await udpQuery(strictServer.port, 'web.service.consul', QTYPE.A);
      await udpQuery(strictServer.port, 'web.service.consul', QTYPE.A);
      assert.equal(strict.calls.catchUp, 2);
    } finally {
      await strictServer.close();
    }
  });

  it('counts answers from a view more than 5 s behind the leader in dns.stale_queries, and warns at most every 10 s', async () => {
    const clock = new ManualClock();
    const metrics = new MetricsRegistry({ clock, prefix: 'consul', gaugeHostname: '' });
    const stale = metrics.counter('dns.stale_queries');
    const logs = new PassThrough();
    let logged = '';
    logs.on('data', (chunk) => (logged += chunk));
    const { freshness, calls } = fakeFreshness(100);
    const server = await serverWith(freshness, { maxStaleMs: 60_000 }, { clock, metrics, logger: createLogger({ level: 'warn', json: true, destination: logs }) });
    try {
      await udpQuery(server.port, 'web.service.consul', QTYPE.A);
      assert.equal(stale.total, 0, 'fresh: not counted');
      freshness.setLastContact(5_000);
      await udpQuery(server.port, 'web.service.consul', QTYPE.A);
      assert.equal(stale.total, 0, 'exactly at the threshold: not counted, as in Consul (> 5s)');
      freshness.setLastContact(6_000);
      for (let i = 0; i < 3; i++) {
        const { packet } = await udpQuery(server.port, 'web.service.consul', QTYPE.A);
        assert.deepEqual(packet.answers.map((a) => a.address), ['10.0.0.1'], 'still answered from the view');
      }
      assert.equal(stale.total, 3);
      assert.equal(calls.catchUp, 0, 'within max_stale: no catching up');
      const warnings = () => logged.split('\n').filter((line) => line.includes('more than 5s behind the leader'));
      assert.equal(warnings().length, 1, 'one warning for three stale answers');
      assert.match(warnings()[0]!, /"lastContactMs":6000/);
      clock.advance(10_000);
      await udpQuery(server.port, 'web.service.consul', QTYPE.A);
      assert.equal(warnings().length, 2, 'another after 10 s');
      freshness.setLastContact(120_000);
      await udpQuery(server.port, 'web.service.consul', QTYPE.A);
      assert.equal(stale.total, 4, 'past max_stale the answer waits for the leader: not a stale answer');
      assert.equal(calls.catchUp, 1);
    } finally {
      await server.close();
    }
  });
});
