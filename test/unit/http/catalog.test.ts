import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startHarness, type Harness } from './harness.js';

interface CatalogService {
  Node: string;
  Address: string;
  ServiceID: string;
  ServiceName: string;
  ServiceTags: string[];
  ServicePort: number;
  ServiceAddress: string;
  ServiceWeights: { Passing: number; Warning: number };
  NodeMeta: Record<string, string>;
  CreateIndex: number;
  ModifyIndex: number;
}

describe('/v1/catalog', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
    // What Consul's Go client sends for a registration: whole structs, nulls and zero values.
    const goClientBody = {
      ID: '', Node: 'alpha', Address: '10.0.0.1', Datacenter: '', TaggedAddresses: null, NodeMeta: { rack: 'r1' },
      Service: {
        Kind: '', ID: 'web-1', Service: 'web', Tags: ['v1', 'primary'], Meta: null, Port: 8080, Address: '',
        Weights: { Passing: 0, Warning: 0 }, EnableTagOverride: false, CreateIndex: 0, ModifyIndex: 0, Datacenter: '',
      },
      Check: { Node: 'alpha', CheckID: 'web-http', Name: 'web http', Status: 'passing', ServiceID: 'web-1', Definition: { HTTP: 'http://10.0.0.1:8080/health', Interval: '10s' } },
      Checks: null, SkipNodeUpdate: false,
    };
    assert.equal((await h.put('/v1/catalog/register', goClientBody)).status, 200);
    // Lower-case keys, no Service.ID, a check with only a Name and no Status.
    const res = await h.put('/v1/catalog/register', {
      node: 'beta', address: '10.0.0.2', nodemeta: { rack: 'r2' }, service: { service: 'web', port: 9090, tags: ['v2'] },
      checks: [{ name: 'disk' }],
    });
    assert.equal(res.status, 200);
    assert.equal(await res.text(), 'true');
  });
  after(() => h.close());

  it('lists nodes in Consul\'s shape with X-Consul-Index', async () => {
    const res = await h.api('/v1/catalog/nodes');
    assert.equal(res.status, 200);
    const nodes = (await res.json()) as { Node: string; Address: string; Datacenter: string; Meta: Record<string, string>; TaggedAddresses: unknown; CreateIndex: number }[];
    assert.deepEqual(nodes.map((n) => n.Node), ['alpha', 'beta']);
    assert.equal(nodes[0]!.Address, '10.0.0.1');
    assert.equal(nodes[0]!.Datacenter, 'dc1');
    assert.deepEqual(nodes[0]!.Meta, { rack: 'r1' });
    assert.deepEqual(nodes[0]!.TaggedAddresses, {});
    assert.equal(res.headers.get('x-consul-index'), String(h.catalog.store.index('nodes')));
    assert.equal(res.headers.get('x-consul-knownleader'), 'true');
    assert.equal(res.headers.get('x-consul-lastcontact'), '0');
    assert.equal(res.headers.get('x-consul-effective-consistency'), 'leader');
    const filtered = (await (await h.api('/v1/catalog/nodes?node-meta=rack:r2')).json()) as { Node: string }[];
    assert.deepEqual(filtered.map((n) => n.Node), ['beta']);
  });

  it('lists services as name → union of tags', async () => {
    const res = await h.api('/v1/catalog/services');
    assert.deepEqual(await res.json(), { web: ['primary', 'v1', 'v2'] });
    assert.ok(Number(res.headers.get('x-consul-index')) >= 1);
    assert.deepEqual(await (await h.api('/v1/catalog/services?node-meta=rack:r2')).json(), { web: ['v2'] });
  });

  it('lists a service\'s instances, ?tag filtering case-insensitively (repeat = AND)', async () => {
    const all = (await (await h.api('/v1/catalog/service/web')).json()) as CatalogService[];
    assert.deepEqual(all.map((s) => [s.Node, s.ServiceID, s.ServicePort]), [['alpha', 'web-1', 8080], ['beta', 'web', 9090]]);
    // Zero-valued weights from a client mean "not set".
    assert.deepEqual(all[0]!.ServiceWeights, { Passing: 1, Warning: 1 });
    assert.equal(all[0]!.ServiceAddress, '');
    assert.deepEqual(all[0]!.NodeMeta, { rack: 'r1' });
    const v1 = (await (await h.api('/v1/catalog/service/web?tag=V1')).json()) as CatalogService[];
    assert.deepEqual(v1.map((s) => s.Node), ['alpha']);
    const both = (await (await h.api('/v1/catalog/service/web?tag=v1&tag=v2')).json()) as CatalogService[];
    assert.deepEqual(both, []);
    assert.deepEqual(await (await h.api('/v1/catalog/service/nothing')).json(), []);
  });

  it('shows a node with its services map, null for an unknown node', async () => {
    const res = (await (await h.api('/v1/catalog/node/alpha')).json()) as { Node: { Node: string }; Services: Record<string, { Service: string; Port: number }> };
    assert.equal(res.Node.Node, 'alpha');
    assert.deepEqual(Object.keys(res.Services), ['web-1']);
    assert.equal(res.Services['web-1']!.Port, 8080);
    const unknown = await h.api('/v1/catalog/node/nobody');
    assert.equal(unknown.status, 200);
    assert.equal(await unknown.text(), 'null');
  });

  it('node-services lists services as an array', async () => {
    const res = (await (await h.api('/v1/catalog/node-services/beta')).json()) as { Node: { Node: string }; Services: { ID: string }[] };
    assert.equal(res.Node.Node, 'beta');
    assert.deepEqual(res.Services.map((s) => s.ID), ['web']);
    assert.deepEqual(await (await h.api('/v1/catalog/node-services/nobody')).json(), { Node: null, Services: [] });
  });

  it('stores registered checks with defaults: CheckID from Name, critical status', async () => {
    const checks = h.catalog.store.nodeChecks('beta');
    assert.equal(checks.length, 1);
    assert.equal(checks[0]!.CheckID, 'disk');
    assert.equal(checks[0]!.Status, 'critical');
    const web = h.catalog.store.nodeChecks('alpha')[0]!;
    assert.equal(web.ServiceName, 'web');
    assert.equal(web.Definition.HTTP, 'http://10.0.0.1:8080/health');
  });

  it('datacenters lists this one', async () => {
    assert.deepEqual(await (await h.api('/v1/catalog/datacenters')).json(), ['dc1']);
  });

  it('validates register bodies with messages that say what is wrong', async () => {
    const cases: [unknown, RegExp][] = [
      [{ Address: '10.0.0.9' }, /Must provide node/],
      [{ Node: 'x' }, /Must provide address/],
      [{ Node: 'x', Address: '1.2.3.4', ID: 'not-a-uuid' }, /Invalid node ID/],
      [{ Node: 'x', Address: '1.2.3.4', Service: { Port: 1 } }, /Service.*service name/],
      [{ Node: 'x', Address: '1.2.3.4', Service: { Service: 'a', Port: 'eighty' } }, /Service\.Port/],
      [{ Node: 'x', Address: '1.2.3.4', Check: { Status: 'passing' } }, /CheckID or a Name/],
      [{ Node: 'x', Address: '1.2.3.4', Check: { Name: 'c', Status: 'sad' } }, /Check\.Status/],
      [{ Node: 'x', Address: '1.2.3.4', Check: { Name: 'c', Node: 'y' } }, /node "y"/],
      [{ Node: 'x', Address: '1.2.3.4', Check: { Name: 'c', ServiceID: 'ghost' } }, /unknown service ID "ghost"/],
      [{ Node: 'x', Address: '1.2.3.4', Checks: 'nope' }, /Checks: must be a list/],
      [{ Node: 'x', Address: '1.2.3.4', NodeMeta: { 'consul-x': 'y' } }, /reserved/],
    ];
    for (const [body, message] of cases) {
      const res = await h.put('/v1/catalog/register', body);
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.match(await res.text(), message, JSON.stringify(body));
    }
    assert.equal(h.catalog.store.node('x'), undefined);
    const otherDc = await h.put('/v1/catalog/register', { Node: 'x', Address: '1.2.3.4', Datacenter: 'dc9' });
    assert.equal(otherDc.status, 500);
    assert.equal(await otherDc.text(), 'No path to datacenter');
  });

  it('SkipNodeUpdate registers a service without touching the node', async () => {
    const before = h.catalog.store.node('beta')!;
    const res = await h.put('/v1/catalog/register', { Node: 'beta', SkipNodeUpdate: true, Service: { Service: 'cache', Port: 6379 } });
    assert.equal(res.status, 200);
    assert.deepEqual(h.catalog.store.node('beta'), before);
    assert.ok(h.catalog.store.nodeServices('beta')!.Services.cache);
    const unknown = await h.put('/v1/catalog/register', { Node: 'ghost', SkipNodeUpdate: true, Service: { Service: 'x' } });
    assert.equal(unknown.status, 400);
  });

  it('deregisters a check, a service, then the whole node', async () => {
    await h.put('/v1/catalog/register', { Node: 'gamma', Address: '10.0.0.3', Service: { Service: 'api' }, Checks: [{ Name: 'ping' }] });
    const check = await h.put('/v1/catalog/deregister', { Node: 'gamma', CheckID: 'ping' });
    assert.equal(await check.text(), 'true');
    assert.deepEqual(h.catalog.store.nodeChecks('gamma'), []);
    await h.put('/v1/catalog/deregister', { Node: 'gamma', ServiceID: 'api' });
    assert.deepEqual(h.catalog.store.nodeServices('gamma')!.Services, {});
    await h.put('/v1/catalog/deregister', { Node: 'gamma' });
    assert.equal(h.catalog.store.node('gamma'), undefined);
    const bad = await h.put('/v1/catalog/deregister', { ServiceID: 'api' });
    assert.equal(bad.status, 400);
    assert.match(await bad.text(), /Must provide node/);
  });
});
