import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { NODE_MAINTENANCE_CHECK, type LocalAgentDeps } from '../../../src/agent/local-agent.js';
import { parseCheckDefinition, parseServiceDefinition } from '../../../src/shared/definitions.js';
import { checkInput, serviceInput, nodeInput } from '../../helpers/catalog.js';
import { testLocalAgent } from '../../helpers/local-agent.js';

const flush = () => new Promise((r) => setImmediate(r));

function setup(persist?: LocalAgentDeps['persist']) {
  return testLocalAgent(persist ? { persist } : {});
}

describe('local agent + anti-entropy', () => {
  it('a registered service and its TTL check reach the catalog before the call returns', async () => {
    const { agent, store } = setup();
    await agent.registerService(parseServiceDefinition({ name: 'web', port: 8080, tags: ['v1'], check: { ttl: '10s' } }), { replaceExistingChecks: false });
    const [entry] = store.serviceHealth('web');
    assert.equal(entry?.Service.Port, 8080);
    assert.equal(entry?.Node.Node, 'node1');
    assert.deepEqual(entry?.Checks.map((c) => [c.CheckID, c.Status, c.Type]), [['service:web', 'critical', 'ttl']]);
    assert.deepEqual(Object.keys(agent.services()), ['web']);
  });

  it('a TTL check passes on update and goes critical with "TTL expired" when the TTL lapses', async () => {
    const { agent, store, clock } = setup();
    await agent.registerService(parseServiceDefinition({ Name: 'web', Check: { CheckID: 'web-ttl', TTL: '5s' } }), { replaceExistingChecks: false });
    await agent.updateTtlCheck('web-ttl', 'passing', 'all good');
    assert.equal(store.nodeChecks('node1')[0]?.Status, 'passing');
    assert.equal(store.nodeChecks('node1')[0]?.Output, 'all good');
    clock.advance(4_000);
    await agent.updateTtlCheck('web-ttl', 'passing', 'all good');
    clock.advance(4_000);
    await flush();
    assert.equal(store.nodeChecks('node1')[0]?.Status, 'passing', 'the update restarted the TTL');
    clock.advance(1_001);
    await flush();
    const check = store.nodeChecks('node1')[0];
    assert.equal(check?.Status, 'critical');
    assert.equal(check?.Output, 'TTL expired (last output before timeout follows): all good');
  });

  it('rejects TTL updates to unknown or non-TTL checks, and unknown deregistrations', async () => {
    const { agent } = setup();
    await assert.rejects(agent.updateTtlCheck('nope', 'passing', ''), { code: 'NOT_FOUND' });
    await agent.registerCheck(parseCheckDefinition({ name: 'port', tcp: '127.0.0.1:1', interval: '10s' }));
    await assert.rejects(agent.updateTtlCheck('port', 'passing', ''), { code: 'BAD_REQUEST' });
    await assert.rejects(agent.deregisterService('ghost'), { code: 'NOT_FOUND' });
    await assert.rejects(agent.registerCheck(parseCheckDefinition({ name: 'x', ttl: '1s', service_id: 'ghost' })), { code: 'BAD_REQUEST' });
    agent.stopChecks();
  });

  it('deregistering a service removes it and its checks from the catalog, leaving other checks', async () => {
    const { agent, store } = setup();
    await agent.registerService(parseServiceDefinition({ Name: 'web', Checks: [{ TTL: '1m' }, { TTL: '1m' }] }), { replaceExistingChecks: false });
    await agent.registerCheck(parseCheckDefinition({ Name: 'disk', TTL: '1m' }));
    assert.deepEqual(store.nodeChecks('node1').map((c) => c.CheckID), ['disk', 'service:web:1', 'service:web:2']);
    await agent.deregisterService('web');
    assert.deepEqual(store.services(), {});
    assert.deepEqual(store.nodeChecks('node1').map((c) => c.CheckID), ['disk']);
    agent.stopChecks();
  });

  it('anti-entropy removes catalog entries for this node that local state does not know, but keeps leader-owned ones', async () => {
    const { agent, store, log, sync } = setup();
    await agent.registerService(parseServiceDefinition({ Name: 'web' }), { replaceExistingChecks: false });
    const node = store.node('node1')!;
    const self = nodeInput('node1', node.Address);
    await log.propose({ type: 'register', node: { ...self, ID: node.ID, TaggedAddresses: node.TaggedAddresses }, service: serviceInput({ Service: 'stray' }) });
    await log.propose({ type: 'register', node: { ...self, ID: node.ID, TaggedAddresses: node.TaggedAddresses }, service: serviceInput({ Service: 'consul', Port: 8300 }), checks: [checkInput({ CheckID: 'serfHealth', Status: 'passing' }), checkInput({ CheckID: 'stray-check', Status: 'passing' })] });
    await sync.sync();
    assert.deepEqual(Object.keys(store.nodeServices('node1')!.Services), ['consul', 'web']);
    assert.deepEqual(store.nodeChecks('node1').map((c) => c.CheckID), ['serfHealth']);
    assert.deepEqual(sync.diff(), [], 'a second sync has nothing to do');
  });

  it('node maintenance registers a critical _node_maintenance check and removes it again', async () => {
    const { agent, store } = setup();
    await agent.enableNodeMaintenance('patching');
    const check = store.nodeChecks('node1').find((c) => c.CheckID === NODE_MAINTENANCE_CHECK);
    assert.equal(check?.Status, 'critical');
    assert.equal(check?.Notes, 'patching');
    await agent.disableNodeMaintenance();
    assert.equal(store.nodeChecks('node1').length, 0);
  });
});

describe('local agent persistence hook', () => {
  it('persists API registrations, not config-file ones, and not checks that come back with their service', async () => {
    const saved: { services: string[]; checks: string[] }[] = [];
    const { agent } = setup((s) => saved.push({ services: s.services.map((x) => x.ID), checks: s.checks.map((x) => x.CheckID) }));
    await agent.loadConfigDefinitions([parseServiceDefinition({ Name: 'from-file' })], [parseCheckDefinition({ Name: 'file-check', TTL: '1m' })]);
    assert.equal(saved.length, 0, 'loading config files writes nothing');
    await agent.registerService(parseServiceDefinition({ Name: 'api', Check: { TTL: '1m' } }), { replaceExistingChecks: false });
    await agent.registerCheck(parseCheckDefinition({ Name: 'api-extra', TTL: '1m', ServiceID: 'api' }));
    assert.deepEqual(saved.at(-1), { services: ['api'], checks: ['api-extra'] });
    await agent.deregisterService('api');
    assert.deepEqual(saved.at(-1), { services: [], checks: [] });
    agent.stopChecks();
  });
});
