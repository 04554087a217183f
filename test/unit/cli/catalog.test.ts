import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { assertBuilt, runAgainst } from './run-cli.js';
import { startFakeAgent } from './fake-agent.js';
import type { FakeAgent } from './fake-agent.js';

const node = (Node: string, ID: string, Address: string, extra: Record<string, unknown> = {}) => ({
  ID, Node, Address, Datacenter: 'dc1', TaggedAddresses: { lan: Address, wan: Address }, Meta: {}, CreateIndex: 5, ModifyIndex: 6, ...extra,
});
const NODES = [
  node('web-02', 'c3a1f0e2-1111-4222-8333-944455556666', '10.0.0.12', { Meta: { rack: 'r2', 'consul-network-segment': '' } }),
  node('db-01', '0b8d7c6e-aaaa-4bbb-8ccc-dddddddddddd', '10.0.0.20'),
];

describe('roster catalog', () => {
  let agent: FakeAgent;
  before(async () => {
    assertBuilt();
    agent = await startFakeAgent();
  });
  after(() => agent.close());
  beforeEach(() => agent.reset());

  describe('services', () => {
    const SERVICES = { web: ['v1', 'primary'], consul: [], api: [] };
    beforeEach(() => agent.on('GET', '/v1/catalog/services', { body: SERVICES }));

    test('one name per line, sorted', async () => {
      const r = await runAgainst(agent.addr, ['catalog', 'services']);
      assert.deepEqual([r.code, r.stdout, r.stderr], [0, 'api\nconsul\nweb\n', '']);
      assert.deepEqual(agent.requests.map((q) => [q.method, q.path, q.query]), [['GET', '/v1/catalog/services', []]]);
    });

    test('-tags adds the comma-joined tags', async () => {
      const r = await runAgainst(agent.addr, ['catalog', 'services', '-tags']);
      assert.equal(r.stdout, 'api\nconsul\nweb     v1,primary\n');
    });

    test('--json prints the name → tags map', async () => {
      const r = await runAgainst(agent.addr, ['catalog', 'services', '--json']);
      assert.deepEqual(JSON.parse(r.stdout), SERVICES);
    });

    test('-node lists one node\'s services from node-services, tags unioned per name', async () => {
      agent.on('GET', '/v1/catalog/node-services/web-02', {
        body: {
          Node: NODES[0],
          Services: [
            { ID: 'web-1', Service: 'web', Tags: ['v1'], Meta: {}, Port: 80, Address: '' },
            { ID: 'web-2', Service: 'web', Tags: ['v2', 'v1'], Meta: {}, Port: 81, Address: '' },
            { ID: 'sidecar', Service: 'envoy', Tags: null, Meta: null, Port: 21000, Address: '' },
          ],
        },
      });
      const r = await runAgainst(agent.addr, ['catalog', 'services', '-node=web-02', '-tags']);
      assert.deepEqual([r.code, r.stdout], [0, 'envoy\nweb    v1,v2\n']);
      assert.deepEqual(agent.requests.map((q) => q.path), ['/v1/catalog/node-services/web-02']);
      const json = await runAgainst(agent.addr, ['catalog', 'services', '-node', 'web-02', '--json']);
      assert.deepEqual(JSON.parse(json.stdout), { web: ['v1', 'v2'], envoy: [] });
    });

    test('an unknown node or an empty catalog says so on stderr and exits 0', async () => {
      agent.on('GET', '/v1/catalog/node-services/ghost', { body: null });
      const r = await runAgainst(agent.addr, ['catalog', 'services', '-node', 'ghost']);
      assert.deepEqual([r.code, r.stdout, r.stderr], [0, '', 'No services match the given query - try expanding your search.\n']);
    });
  });

  describe('nodes', () => {
    beforeEach(() => agent.on('GET', '/v1/catalog/nodes', { body: NODES }));

    test('Node ID Address DC, IDs shortened to 8 characters, sorted by name', async () => {
      const r = await runAgainst(agent.addr, ['catalog', 'nodes']);
      assert.deepEqual([r.code, r.stderr], [0, '']);
      assert.equal(r.stdout, 'Node    ID        Address    DC\ndb-01   0b8d7c6e  10.0.0.20  dc1\nweb-02  c3a1f0e2  10.0.0.12  dc1\n');
      assert.deepEqual(agent.requests.map((q) => [q.method, q.path, q.query]), [['GET', '/v1/catalog/nodes', []]]);
    });

    test('-detailed shows the full ID, tagged addresses and meta', async () => {
      const r = await runAgainst(agent.addr, ['catalog', 'nodes', '-detailed']);
      assert.equal(
        r.stdout,
        [
          'Node    ID                                    Address    DC   TaggedAddresses               Meta',
          'db-01   0b8d7c6e-aaaa-4bbb-8ccc-dddddddddddd  10.0.0.20  dc1  lan=10.0.0.20, wan=10.0.0.20',
          'web-02  c3a1f0e2-1111-4222-8333-944455556666  10.0.0.12  dc1  lan=10.0.0.12, wan=10.0.0.12  consul-network-segment=, rack=r2',
          '',
        ].join('\n'),
      );
    });

    test('--json prints the nodes, sorted, as the API shaped them', async () => {
      const r = await runAgainst(agent.addr, ['catalog', 'nodes', '--json']);
      assert.deepEqual(JSON.parse(r.stdout), [NODES[1], NODES[0]]);
    });

    test('-service asks for that service and lists each node once', async () => {
      const instance = (n: (typeof NODES)[number], ServiceID: string) => ({
        ID: n.ID, Node: n.Node, Address: n.Address, Datacenter: 'dc1', TaggedAddresses: n.TaggedAddresses, NodeMeta: n.Meta,
        ServiceID, ServiceName: 'web', ServiceTags: [], ServicePort: 80,
      });
      agent.on('GET', '/v1/catalog/service/web', { body: [instance(NODES[0]!, 'web-1'), instance(NODES[0]!, 'web-2')] });
      const r = await runAgainst(agent.addr, ['catalog', 'nodes', '-service=web']);
      assert.deepEqual([r.code, r.stdout], [0, 'Node    ID        Address    DC\nweb-02  c3a1f0e2  10.0.0.12  dc1\n']);
      assert.deepEqual(agent.requests.map((q) => q.path), ['/v1/catalog/service/web']);
      const json = await runAgainst(agent.addr, ['catalog', 'nodes', '-service=web', '--json']);
      assert.deepEqual(JSON.parse(json.stdout), [
        { ID: NODES[0]!.ID, Node: 'web-02', Address: '10.0.0.12', Datacenter: 'dc1', TaggedAddresses: NODES[0]!.TaggedAddresses, Meta: NODES[0]!.Meta },
      ]);
    });

    test('no nodes: a note on stderr, exit 0; --json prints []', async () => {
      agent.on('GET', '/v1/catalog/service/none', { body: [] });
      const r = await runAgainst(agent.addr, ['catalog', 'nodes', '-service', 'none']);
      assert.deepEqual([r.code, r.stdout, r.stderr], [0, '', 'No nodes match the given query - try expanding your search.\n']);
      const json = await runAgainst(agent.addr, ['catalog', 'nodes', '-service', 'none', '--json']);
      assert.deepEqual([json.code, JSON.parse(json.stdout), json.stderr], [0, [], '']);
    });
  });
});
