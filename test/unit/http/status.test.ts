import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { CommandLog } from '../../../src/catalog/command-log.js';
import { AppError } from '../../../src/shared/errors.js';
import { startHarness, type Harness } from './harness.js';

describe('/v1/status with a leader', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(() => h.close());

  it('leader is the leader\'s RPC address as a JSON string; peers lists voters', async () => {
    const leader = await h.api('/v1/status/leader');
    assert.equal(leader.headers.get('content-type'), 'application/json');
    assert.equal(await leader.text(), '"127.0.0.1:8300"');
    assert.deepEqual(await (await h.api('/v1/status/peers')).json(), ['127.0.0.1:8300']);
  });
});

/** A command log that has lost its leader: reads need ?stale, writes fail as Raft's would. */
function leaderless(log: CommandLog): CommandLog {
  return {
    propose: () => Promise.reject(new AppError('UNAVAILABLE', 'No cluster leader')),
    hasLeader: () => false,
    leaderAddress: () => '',
    peers: () => log.peers(),
    lastContactMs: () => 1234.4,
    barrier: (consistency) => (consistency === 'stale' ? Promise.resolve() : Promise.reject(new AppError('UNAVAILABLE', 'No cluster leader'))),
  };
}

describe('without a leader', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ log: leaderless });
  });
  after(() => h.close());

  it('status/leader is "" and status still answers', async () => {
    assert.equal(await (await h.api('/v1/status/leader')).text(), '""');
    assert.equal((await h.api('/v1/status/peers')).status, 200);
  });

  it('default reads are 500 "No cluster leader"; ?stale reads answer with KnownLeader false', async () => {
    const res = await h.api('/v1/catalog/nodes');
    assert.equal(res.status, 500);
    assert.equal(await res.text(), 'No cluster leader');
    const stale = await h.api('/v1/catalog/nodes?stale');
    assert.equal(stale.status, 200);
    assert.equal(stale.headers.get('x-consul-knownleader'), 'false');
    assert.equal(stale.headers.get('x-consul-lastcontact'), '1234');
    assert.equal(stale.headers.get('x-consul-effective-consistency'), 'stale');
    const both = await h.api('/v1/catalog/nodes?stale&consistent');
    assert.equal(both.status, 400);
  });

  it('writes fail with 500 and the reason', async () => {
    const res = await h.put('/v1/kv/k', 'v');
    assert.equal(res.status, 500);
    assert.equal(await res.text(), 'No cluster leader');
    // datacenters needs no leader, as in Consul.
    assert.equal((await h.api('/v1/catalog/datacenters')).status, 200);
  });
});
