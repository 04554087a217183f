import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { checkInput, nodeInput, serviceInput } from '../../helpers/catalog.js';
import { startHarness, type Harness } from './harness.js';

interface Check {
  Node: string;
  CheckID: string;
  Status: string;
  ServiceID: string;
  ServiceName: string;
  ServiceTags: string[];
}
interface Entry {
  Node: { Node: string; Address: string };
  Service: { ID: string; Service: string; Tags: string[]; Port: number };
  Checks: Check[];
}

describe('/v1/health', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
    const { log } = h.catalog;
    // alpha: web passing; beta: web with a critical service check; gamma: web, node check warning.
    await log.propose({
      type: 'register', node: nodeInput('alpha', '10.0.0.1', { zone: 'a' }),
      service: serviceInput({ Service: 'web', ID: 'web-a', Tags: ['v1'], Port: 80 }),
      checks: [checkInput({ CheckID: 'serfHealth', Status: 'passing' }), checkInput({ CheckID: 'web-a-ttl', Status: 'passing', ServiceID: 'web-a' })],
    });
    await log.propose({
      type: 'register', node: nodeInput('beta', '10.0.0.2', { zone: 'b' }),
      service: serviceInput({ Service: 'web', ID: 'web-b', Tags: ['v2'], Port: 80 }),
      checks: [checkInput({ CheckID: 'serfHealth', Status: 'passing' }), checkInput({ CheckID: 'web-b-ttl', Status: 'critical', ServiceID: 'web-b' })],
    });
    await log.propose({
      type: 'register', node: nodeInput('gamma', '10.0.0.3', { zone: 'a' }),
      service: serviceInput({ Service: 'web', ID: 'web-g', Tags: ['v1'], Port: 80 }),
      checks: [checkInput({ CheckID: 'serfHealth', Status: 'warning' })],
    });
  });
  after(() => h.close());

  it('health/service lists every instance with node and service checks, critical included', async () => {
    const res = await h.api('/v1/health/service/web');
    assert.equal(res.status, 200);
    const entries = (await res.json()) as Entry[];
    assert.deepEqual(entries.map((e) => e.Service.ID), ['web-a', 'web-b', 'web-g']);
    assert.equal(entries[0]!.Node.Address, '10.0.0.1');
    assert.deepEqual(entries[0]!.Checks.map((c) => c.CheckID), ['serfHealth', 'web-a-ttl']);
    assert.equal(entries[0]!.Checks[1]!.ServiceName, 'web');
    assert.equal(res.headers.get('x-consul-index'), String(h.catalog.store.index()));
  });

  it('?passing keeps only instances whose every check passes', async () => {
    for (const query of ['passing', 'passing=true', 'passing=1']) {
      const entries = (await (await h.api(`/v1/health/service/web?${query}`)).json()) as Entry[];
      assert.deepEqual(entries.map((e) => e.Service.ID), ['web-a'], query);
    }
    const off = (await (await h.api('/v1/health/service/web?passing=false')).json()) as Entry[];
    assert.equal(off.length, 3);
    const bad = await h.api('/v1/health/service/web?passing=maybe');
    assert.equal(bad.status, 400);
    assert.equal(await bad.text(), 'Invalid value for ?passing');
  });

  it('?tag and ?node-meta narrow the instances', async () => {
    const v1 = (await (await h.api('/v1/health/service/web?tag=v1')).json()) as Entry[];
    assert.deepEqual(v1.map((e) => e.Service.ID), ['web-a', 'web-g']);
    const zoneB = (await (await h.api('/v1/health/service/web?node-meta=zone:b')).json()) as Entry[];
    assert.deepEqual(zoneB.map((e) => e.Service.ID), ['web-b']);
    assert.deepEqual(await (await h.api('/v1/health/service/nothing')).json(), []);
  });

  it('health/node lists a node\'s checks, [] for an unknown node', async () => {
    const checks = (await (await h.api('/v1/health/node/beta')).json()) as Check[];
    assert.deepEqual(checks.map((c) => [c.CheckID, c.Status]), [['serfHealth', 'passing'], ['web-b-ttl', 'critical']]);
    assert.deepEqual(await (await h.api('/v1/health/node/nobody')).json(), []);
  });

  it('health/checks lists a service\'s checks', async () => {
    const checks = (await (await h.api('/v1/health/checks/web')).json()) as Check[];
    assert.deepEqual(checks.map((c) => c.CheckID), ['web-a-ttl', 'web-b-ttl']);
    assert.deepEqual(checks[0]!.ServiceTags, ['v1']);
    const zoneA = (await (await h.api('/v1/health/checks/web?node-meta=zone:a')).json()) as Check[];
    assert.deepEqual(zoneA.map((c) => c.Node), ['alpha']);
  });

  it('health/state filters by state; any lists all; other states are 400', async () => {
    const critical = (await (await h.api('/v1/health/state/critical')).json()) as Check[];
    assert.deepEqual(critical.map((c) => c.CheckID), ['web-b-ttl']);
    const warning = (await (await h.api('/v1/health/state/warning')).json()) as Check[];
    assert.deepEqual(warning.map((c) => `${c.Node}/${c.CheckID}`), ['gamma/serfHealth']);
    const any = (await (await h.api('/v1/health/state/any')).json()) as Check[];
    assert.equal(any.length, 5);
    const bad = await h.api('/v1/health/state/sideways');
    assert.equal(bad.status, 400);
    assert.match(await bad.text(), /Invalid check state/);
  });
});
