// The join-retry, rejoin and leave-on-signal keys (issue #3's Serf layer) and their flags.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { signalAction } from '../../../src/agent/signals.js';
import { load, loadError, workdir } from './fixture.js';

describe('retry, rejoin and leave-on-signal configuration', () => {
  it('defaults as Consul: 30s, retry forever, no rejoin after leave; servers stay on signals, clients leave', async () => {
    const { config: client } = await load({ 'data-dir': '/d' }, workdir());
    assert.deepEqual(
      [client.retryIntervalMs, client.retryMax, client.retryIntervalWanMs, client.retryMaxWan, client.rejoinAfterLeave],
      [30_000, 0, 30_000, 0, false],
    );
    assert.deepEqual([client.leaveOnTerminate, client.skipLeaveOnInterrupt], [true, false]);
    const { config: server } = await load({ 'data-dir': '/d', server: true }, workdir());
    assert.deepEqual([server.leaveOnTerminate, server.skipLeaveOnInterrupt], [false, true]);
    const { config: dev } = await load({ dev: true }, workdir());
    assert.deepEqual([dev.leaveOnTerminate, dev.skipLeaveOnInterrupt], [false, true], '-dev is a server');
  });

  it('reads the keys from a file (they are no longer refused as "not configurable yet")', async () => {
    const cwd = workdir({
      'roster.config.json': {
        data_dir: '/d', retry_interval: '5s', retry_max: 3, retry_interval_wan: '1m', retry_max_wan: 7,
        rejoin_after_leave: true, leave_on_terminate: false, skip_leave_on_interrupt: true,
      },
    });
    const { config } = await load({}, cwd);
    assert.deepEqual(
      [config.retryIntervalMs, config.retryMax, config.retryIntervalWanMs, config.retryMaxWan, config.rejoinAfterLeave, config.leaveOnTerminate, config.skipLeaveOnInterrupt],
      [5_000, 3, 60_000, 7, true, false, true],
    );
  });

  it('takes Consul\'s flags, which win over the file', async () => {
    const cwd = workdir({ 'roster.config.json': { data_dir: '/d', retry_interval: '5s', retry_max: 3 } });
    const { config } = await load(
      { 'retry-interval': '250ms', 'retry-max': 9, 'retry-interval-wan': '2s', 'retry-max-wan': 1, rejoin: true },
      cwd,
    );
    assert.deepEqual(
      [config.retryIntervalMs, config.retryMax, config.retryIntervalWanMs, config.retryMaxWan, config.rejoinAfterLeave],
      [250, 9, 2_000, 1, true],
    );
    const { config: noFlag } = await load({ rejoin: false }, cwd);
    assert.equal(noFlag.rejoinAfterLeave, false, 'an absent -rejoin does not override the file');
  });

  it('refuses bad values, naming the key or flag', async () => {
    assert.match(await loadError({}, workdir({ 'roster.config.json': { data_dir: '/d', retry_interval: 'soon' } })), /retry_interval: expected a duration/);
    assert.match(await loadError({}, workdir({ 'roster.config.json': { data_dir: '/d', retry_max: -1 } })), /retry_max: expected zero or more/);
    assert.match(await loadError({}, workdir({ 'roster.config.json': { data_dir: '/d', rejoin_after_leave: 'yes' } })), /rejoin_after_leave/);
    assert.match(await loadError({ 'data-dir': '/d', 'retry-interval': '0s' }, workdir()), /-retry-interval: expected a duration above zero/);
  });

  it('signals: SIGINT leaves unless skip_leave_on_interrupt, SIGTERM leaves only with leave_on_terminate', () => {
    const client = { leaveOnTerminate: true, skipLeaveOnInterrupt: false };
    const server = { leaveOnTerminate: false, skipLeaveOnInterrupt: true };
    assert.deepEqual([signalAction('SIGINT', client), signalAction('SIGTERM', client)], ['leave', 'leave']);
    assert.deepEqual([signalAction('SIGINT', server), signalAction('SIGTERM', server)], ['stop', 'stop']);
    assert.equal(signalAction('SIGHUP', client), 'stop');
  });
});
