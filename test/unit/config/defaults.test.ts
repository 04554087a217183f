import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { load, workdir } from './fixture.js';

describe('config defaults', () => {
  it('match Consul for a client with only -data-dir', async () => {
    const { config } = await load({ 'data-dir': '/var/lib/roster' }, workdir());
    assert.equal(config.nodeName, 'test-host');
    assert.equal(config.nodeId, '');
    assert.equal(config.datacenter, 'dc1');
    assert.equal(config.domain, 'consul.');
    assert.equal(config.altDomain, '');
    assert.equal(config.server, false);
    assert.equal(config.dev, false);
    assert.equal(config.bootstrap, false);
    assert.equal(config.bootstrapExpect, 0);
    assert.equal(config.dataDir, '/var/lib/roster');
    assert.equal(config.bindAddr, '0.0.0.0');
    assert.equal(config.advertiseAddr, '127.0.0.1');
    assert.equal(config.clientAddr, '127.0.0.1');
    assert.deepEqual(config.ports, { dns: 8600, http: 8500, grpc: 8502, serfLan: 8301, serfWan: 8302, server: 8300 });
    assert.deepEqual(config.retryJoin, []);
    assert.equal(config.logLevel, 'info');
    assert.equal(config.logJson, false);
    assert.deepEqual(config.dns, {
      nodeTtlMs: 0,
      serviceTtlMs: {},
      onlyPassing: false,
      udpAnswerLimit: 3,
      aRecordLimit: 0,
      enableTruncate: true,
      enableAdditionalNodeMetaTxt: true,
      allowStale: true,
      maxStaleMs: 87_600 * 3_600_000,
      recursors: [],
      recursorTimeoutMs: 2000,
      recursorStrategy: 'sequential',
    });
    assert.equal(config.defaultQueryTimeMs, 5 * 60_000);
    assert.equal(config.maxQueryTimeMs, 10 * 60_000);
    assert.deepEqual(config.raft, { snapshotThreshold: 16_384, snapshotIntervalMs: 30_000, trailingLogs: 10_240, readLease: false });
    assert.equal(config.limits.kvMaxValueSize, 512 * 1024);
    assert.ok(config.limits.httpMaxBodyBytes > config.limits.kvMaxValueSize, 'the body limit leaves room around a KV value');
    assert.deepEqual(config.sources, []);
  });

  it('returns a deep-frozen config', async () => {
    const { config } = await load({ 'data-dir': '/d', 'retry-join': ['10.0.0.1'] }, workdir());
    assert.ok(Object.isFrozen(config));
    assert.ok(Object.isFrozen(config.ports));
    assert.ok(Object.isFrozen(config.dns.serviceTtlMs));
    assert.ok(Object.isFrozen(config.retryJoin));
    assert.throws(() => {
      (config.ports as { http: number }).http = 1;
    }, TypeError);
  });

  it('advertises the bind address when it is a specific one', async () => {
    const { config } = await load({ 'data-dir': '/d', bind: '10.1.2.3' }, workdir());
    assert.equal(config.bindAddr, '10.1.2.3');
    assert.equal(config.advertiseAddr, '10.1.2.3');
  });

  it('-advertise wins over the bind-derived address', async () => {
    const { config } = await load({ 'data-dir': '/d', advertise: '10.9.9.9' }, workdir());
    assert.equal(config.advertiseAddr, '10.9.9.9');
  });
});

describe('-dev', () => {
  it('implies server, bootstrap, loopback addresses, gRPC 8502, debug logs and no data dir', async () => {
    const { config } = await load({ dev: true }, workdir());
    assert.equal(config.dev, true);
    assert.equal(config.server, true);
    assert.equal(config.bootstrap, true);
    assert.equal(config.bootstrapExpect, 0);
    assert.equal(config.dataDir, '');
    assert.equal(config.bindAddr, '127.0.0.1');
    assert.equal(config.advertiseAddr, '127.0.0.1');
    assert.equal(config.clientAddr, '127.0.0.1');
    assert.equal(config.ports.grpc, 8502);
    assert.equal(config.ports.http, 8500);
    assert.equal(config.logLevel, 'debug');
  });

  it('keeps explicitly given addresses, ports and log level', async () => {
    const { config } = await load({ dev: true, bind: '127.0.0.5', client: '127.0.0.6', 'grpc-port': 9502, 'log-level': 'WARN' }, workdir());
    assert.equal(config.bindAddr, '127.0.0.5');
    assert.equal(config.advertiseAddr, '127.0.0.5');
    assert.equal(config.clientAddr, '127.0.0.6');
    assert.equal(config.ports.grpc, 9502);
    assert.equal(config.logLevel, 'warn');
  });

  it('ignores a data dir with a warning: nothing is persisted', async () => {
    const { config, notes } = await load({ dev: true, 'data-dir': '/var/lib/roster' }, workdir());
    assert.equal(config.dataDir, '');
    assert.ok(notes.some((n) => n.level === 'warn' && n.message.includes('-data-dir: ignored in -dev mode')), JSON.stringify(notes));
  });

  it('accepts -ui as a no-op with a debug note', async () => {
    const { notes } = await load({ dev: true, ui: true }, workdir());
    assert.deepEqual(notes, [{ level: 'debug', message: '-ui: ignored (roster has no web UI)' }]);
  });
});
